"""The state behind one emulator (store, faults, counters, limits) and the synchronous
path of a gateway request through it: parse, pick a fault, execute."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import Counter

from intacct.emulator.costs import CostModel
from intacct.emulator.dispatch import Reply, execute, unavailable_reply
from intacct.emulator.errors import EmulatorError, ErrorLine
from intacct.emulator.faults import FaultRule, Faults
from intacct.emulator.handlers import HANDLERS, resolve_legacy
from intacct.emulator.limits import ConcurrencyLimit
from intacct.emulator.store import Store
from intacct.emulator.wire import Request, build_response, decode_body, parse_request

__all__ = ["Emulator", "throttled_reply"]

log = logging.getLogger("intacct.emulator")

_CDN_PAGE = (
    "<!DOCTYPE html><html><head><title>{status} | api.intacct.com</title></head><body>"
    '<div id="cf-error-details"><h1>Error {status}</h1><p>The origin web server did not '
    "answer in time.</p><p>Cloudflare Ray ID: 7f00emulator</p></div></body></html>"
)


class Emulator:
    """The state behind one app: store, faults, counters, limits."""

    def __init__(
        self,
        store: Store,
        *,
        faults: Faults | None = None,
        max_concurrency: int | None = None,
        latency_ms: int = 0,
        scale: int = 0,
        seed: int = 0,
    ) -> None:
        self.store = store
        self.faults = faults or Faults()
        self.latency_ms = latency_ms
        self.stats: Counter[str] = Counter()
        self._stats_lock = threading.Lock()
        self.limit = ConcurrencyLimit(max_concurrency)
        self.costs = CostModel()
        self.scale, self.seed = scale, seed

    def count(self, names: list[str]) -> None:
        with self._stats_lock:
            self.stats["requests"] += 1
            self.stats.update(names)

    def handle(self, body: bytes, content_type: str, endpoint: str) -> Reply:
        """One gateway request, synchronously, start to end (tests, benchmarks)."""
        prepared = self.prepare(body, content_type)
        return prepared if isinstance(prepared, Reply) else self.run(*prepared, endpoint)

    def prepare(self, body: bytes, content_type: str) -> Reply | tuple[Request, FaultRule | None]:
        """Parse and count a request and pick its fault; a Reply if it cannot be parsed."""
        try:
            request = parse_request(decode_body(body, content_type))
        except EmulatorError as exc:
            self.count([])
            return Reply(build_response(None, control_error=exc))
        names = [f.name for f in request.functions]
        self.count(names)
        return request, self.faults.match(names)

    def run(self, request: Request, rule: FaultRule | None, endpoint: str) -> Reply:
        """Execute a prepared request, timing it for :class:`CostModel`."""
        if not self.limit.acquire(""):
            return throttled_reply()  # more requests in flight than the company may have
        started = time.perf_counter()
        try:
            if rule is not None:
                return self._faulty(rule, request, endpoint)
            return self._execute(request, endpoint)
        except Exception:  # a bug outside any handler must not become an HTTP 500 either
            support_id = uuid.uuid4().hex[:12]
            log.exception("request failed [support id %s]", support_id)
            error = EmulatorError(
                ErrorLine(
                    "DL02000001",
                    "Error",
                    f"There was an error processing the request. [Support ID: {support_id}]",
                )
            )
            return Reply(build_response(request, control_error=error))
        finally:
            self.costs.record(request, time.perf_counter() - started)
            self.limit.release("")

    def _execute(self, request: Request, endpoint: str) -> Reply:
        return execute(self.store, request, endpoint, HANDLERS, resolve_legacy)

    def _faulty(self, rule: FaultRule, request: Request, endpoint: str) -> Reply:
        if rule.delay_ms:
            time.sleep(rule.delay_ms / 1000)
        if rule.expire_sessions:
            self.store.sessions.clear()
        if rule.status == 429:
            return throttled_reply()
        if rule.errorno:
            return unavailable_reply(request, rule.errorno)
        applied = rule.status in (524, None) or rule.body == "truncated"
        reply = self._execute(request, endpoint) if applied else None
        if rule.body == "truncated" and reply is not None:
            return Reply(reply.body[: len(reply.body) // 2], http_status=rule.status or 200)
        if rule.status is None:
            return reply or self._execute(request, endpoint)
        if rule.body == "xml":
            error = EmulatorError(
                ErrorLine("GW-0500", f"Service Unavailable [{rule.status}]"),
                http_status=rule.status,
            )
            return Reply(build_response(None, control_error=error), http_status=rule.status)
        if rule.body == "empty":
            return Reply(b"", "text/plain", rule.status)
        return Reply(_CDN_PAGE.format(status=rule.status).encode(), "text/html", rule.status)


def throttled_reply() -> Reply:
    """HTTP 429 with the gateway's GW-0010 body."""
    error = EmulatorError(
        ErrorLine("GW-0010", "Rate limit exceeded: too many concurrent requests for this company."),
        http_status=429,
    )
    return Reply(build_response(None, control_error=error), http_status=429)
