"""The emulator without a socket: an ``httpx`` transport onto its synchronous entry point.

Client tests pass ``InProcessEmulator().transport()`` as ``http_transport`` and exercise
the real gateway logic (sessions, query engine, faults, the per-company concurrency limit)
with no port, no thread and no event loop. Latency, if asked for, is slept in the calling
thread. The REST API (``/ia/api/v1``, over the same companies) is asynchronous: its
requests go to the server's own ASGI app on an event loop of its own
(:mod:`.asgi_bridge`, no socket).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any

import httpx

from intacct.emulator.app import (
    GATEWAY_PATH,
    Emulator,
    create_app,
    refused_reply,
    reply_headers,
)
from intacct.emulator.asgi_bridge import AsgiBridge
from intacct.emulator.catalog import custom_field, custom_object
from intacct.emulator.checksum import company_checksums
from intacct.emulator.demo import DEMO_COMPANIES, client_config, demo_store
from intacct.emulator.faults import Faults
from intacct.emulator.fleet import Fleet
from intacct.emulator.intake import BodyError, inflate, too_large
from intacct.emulator.notice_controls import NoticeControls
from intacct.emulator.rest.common import REST_PREFIX
from intacct.emulator.state import DEFAULT_MAX_CONCURRENCY
from intacct.emulator.store import Company
from intacct.emulator.wire import MAX_REQUEST_BYTES

__all__ = ["EmulatorTransport", "InProcessEmulator"]


class EmulatorTransport(httpx.BaseTransport):
    """Answers gateway POSTs with :meth:`Emulator.handle`; anything else as the server
    would (405 for other methods on the gateway path, 404 elsewhere)."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self._asgi: AsgiBridge | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith(REST_PREFIX + "/"):
            return self._rest(request)
        if request.url.path != GATEWAY_PATH:
            return httpx.Response(404, text="Not Found", request=request)
        if request.method != "POST":
            return httpx.Response(
                405, text="The gateway accepts POST requests only.\n", request=request
            )
        body = request.read()
        try:
            if len(body) > MAX_REQUEST_BYTES:
                raise too_large(str(len(body)), MAX_REQUEST_BYTES)
            if request.headers.get("content-encoding", "").lower() == "gzip":
                body = inflate(body, MAX_REQUEST_BYTES)
        except BodyError as exc:
            refused = refused_reply(exc)
            return httpx.Response(
                refused.http_status,
                headers=reply_headers(refused),
                content=refused.body,
                request=request,
            )
        endpoint = f"{request.url.scheme}://{request.url.netloc.decode()}{GATEWAY_PATH}"
        reply = self.emulator.handle(body, request.headers.get("content-type", ""), endpoint)
        if reply.reset:  # what httpx says when a server drops the connection mid-body
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body", request=request
            )
        return httpx.Response(
            reply.http_status, headers=reply_headers(reply), content=reply.body, request=request
        )

    def _rest(self, request: httpx.Request) -> httpx.Response:
        if self._asgi is None:  # a race makes two: either serves
            self._asgi = AsgiBridge(create_app(self.emulator))
        return self._asgi(request)

    def close(self) -> None:
        if self._asgi is not None:
            self._asgi.close()


class InProcessEmulator(NoticeControls):
    """A seeded demo tenant in memory, reached through :meth:`transport`; with
    ``companies`` (``FLEET0001`` …) as :class:`~intacct.emulator.server.EmulatorServer`.
    Its webhooks are real HTTP posts (:meth:`subscribe`), their tokens' ``iss`` the REST
    base URL of :attr:`url`."""

    url = f"https://emulator.invalid{GATEWAY_PATH}"

    def __init__(
        self,
        *,
        scale: int = 2_000,
        seed: int = 0,
        faults: list[str] | None = None,
        max_concurrency: int | None = DEFAULT_MAX_CONCURRENCY,
        latency_ms: int = 0,
        latency_per_row_us: int = 0,
        companies: int = 0,
        company_limits: Sequence[int] = (),
        company_scale: int = 0,
    ) -> None:
        fleet = Fleet(companies, company_limits, company_scale, seed)
        self.store = demo_store(scale, seed)
        fleet.install(self.store, DEMO_COMPANIES)
        self.emulator = Emulator(
            self.store,
            faults=Faults(faults, seed=seed),
            max_concurrency=max_concurrency,
            latency_ms=latency_ms,
            latency_per_row_us=latency_per_row_us,
            scale=scale,
            seed=seed,
            fleet=fleet,
        )
        self.emulator.webhooks.issuer = lambda: self.url.removesuffix(GATEWAY_PATH) + REST_PREFIX

    def transport(self) -> EmulatorTransport:
        return EmulatorTransport(self.emulator)

    def config(self, company: str = "DEMO", entity_id: str = "") -> dict[str, str]:
        """The demo tenant's connection settings, pointing at :attr:`url`."""
        return client_config(self.url, company, entity_id)

    def configure_company(self, company: str, **changes: object) -> Company:
        """As ``POST /_emulator/companies/{id}``: date_format, timezone, session_minutes."""
        return self.store.configure_company(company, **changes)

    def set_clock(self, moment: datetime) -> datetime:
        """As ``POST /_emulator/clock``: the emulator's now is ``moment`` and runs on."""
        return self.store.clock.set(moment)

    def advance_clock(self, seconds: float) -> datetime:
        return self.store.clock.advance(seconds)

    def set_visibility_lag(self, company: str, seconds: float) -> None:
        """Each later write of ``company`` reaches its queries 0..``seconds`` after its
        WHENMODIFIED (:mod:`.store.replica`); 0 ends the lag."""
        self.emulator.store.records.lag.set(company, seconds)

    def omit_from_audit(self, company: str, objects: Sequence[str]) -> None:
        """As ``POST /_emulator/audit``: ``company``'s later writes of ``objects`` leave
        no AUDITHISTORY row (empty: every object audited again)."""
        records = self.emulator.store.records
        records.unaudited = {
            **records.unaudited,
            company.upper(): frozenset(o.upper() for o in objects),
        }

    def add_custom_field(self, object_name: str, field: Mapping[str, object]) -> None:
        """A custom field the company adds now (``/_emulator/custom-fields``)."""
        self.emulator.store.add_custom_field(object_name, custom_field(field))

    def add_custom_object(self, data: Mapping[str, object]) -> None:
        """A user-defined dimension the company adds now (``/_emulator/custom-objects``)."""
        self.emulator.store.add_custom_object(custom_object(data))

    def remove_custom_object(self, name: str) -> None:
        """An object :meth:`add_custom_object` added, removed with its records
        (``DELETE /_emulator/custom-objects/<name>``)."""
        self.emulator.store.remove_custom_object(name)

    def companies(self) -> list[str]:
        """Every company id, the demo tenant's and the fleet's."""
        return [c.id for c in self.store.identities.companies()]

    def checksums(
        self, company: str, objects: Sequence[str] = (), fields: Sequence[str] = ()
    ) -> dict[str, dict[str, Any]]:
        """As ``GET /_emulator/checksum``: count and SHA-256 per object."""
        if self.store.company(company) is None:
            raise ValueError(f"no company {company!r}")
        self.emulator.fleet.ensure(self.store, company)
        return company_checksums(self.store, company, objects, fields)

    def add_fault(self, spec: str) -> None:
        """As ``POST /_emulator/faults``, e.g. ``status=503,times=2``."""
        self.emulator.faults.add(spec)

    def pace_bulk(
        self, *, record_ms: int | None = None, paused: bool | None = None, step: int | None = None
    ) -> dict[str, Any]:
        """As ``POST /_emulator/bulk``: the bulk job worker's pace (:mod:`.worker`)."""
        return self.emulator.bulk.pace(record_ms=record_ms, paused=paused, step=step)

    def configure_dds(self, **changes: Any) -> dict[str, Any]:
        """As ``POST /_emulator/dds``: DDS's pace and split, or a company's subscription,
        cloud storage targets and failures (:mod:`.dds.settings`)."""
        return self.store.dds.settings.configure(changes)

    def close(self) -> None:
        self.emulator.close()
        self.store.close()

    def __enter__(self) -> InProcessEmulator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
