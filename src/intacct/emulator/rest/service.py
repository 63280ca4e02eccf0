"""What every REST data request goes through, in the gateway's order: the bearer check
(:func:`~.bearer.authenticate`), the company's concurrency slot (one limit for XML and
REST: 429 in REST's envelope beyond it), injected faults, the work in a worker thread,
the bill (one ledger with the XML side), the latency model, the slot given back.

Faults match ``function`` as ``rest:<operation>`` (``rest:query``, ``rest:list``,
``rest:get``, ``rest:model``, ``rest:create``, ``rest:update``, ``rest:delete``,
``rest:bulk.job.create``, ``rest:bulk.job.status``, ``rest:core.session.id``,
``rest:company-config.dimensions.list``) and ``object`` as the XML object or the REST
path."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request as HttpRequest
from starlette.responses import JSONResponse, Response

from intacct.emulator.faults import FaultRule
from intacct.emulator.intake import BodyError, ClientGone, read_body
from intacct.emulator.rest.answers import ia_error
from intacct.emulator.rest.bearer import Caller, authenticate
from intacct.emulator.state import Emulator

__all__ = ["Outcome", "read_rest_body", "refused", "serve"]

_CDN_PAGE = (
    "<!DOCTYPE html><html><head><title>{status} | api.intacct.com</title></head><body>"
    "<h1>Error {status}</h1><p>The origin web server did not answer in time.</p>"
    "</body></html>"
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A worked request: its answer, the records it returned (for the latency model)
    and the API transactions it costs."""

    response: Response
    records: int = 0
    billed: int = 0


def refused(status: int, code: str, message: str, **extra: object) -> Outcome:
    """An answer that read no data: not billed [U], as a refused XML request is not."""
    return Outcome(ia_error(status, code, message, **extra))  # type: ignore[arg-type]


async def read_rest_body(request: HttpRequest, limit: int, timeout_s: float) -> bytes | Response:
    """The body of a data request, or the answer to one the API will not read: over
    ``limit`` bytes 413, too slow 408 (REST's envelope); a client gone, a 400 nobody reads."""
    try:
        return await read_body(request, limit, timeout_s)
    except BodyError as exc:
        return ia_error(exc.http_status, "invalidRequest", exc.text)
    except ClientGone:
        return Response(status_code=400)


def throttled() -> JSONResponse:
    return ia_error(
        429,
        "tooManyRequests",
        "Rate limit exceeded: too many concurrent requests for this company.",
        {"Retry-After": "1"},
    )


async def serve(
    emulator: Emulator,
    request: HttpRequest,
    operation: str,
    objects: Sequence[str],
    work: Callable[[Caller], Outcome],
) -> Response:
    """Authenticate, admit, run ``work`` for the caller, bill, wait, release."""
    started = time.perf_counter()
    caller = await run_in_threadpool(authenticate, emulator.store, request)
    if not isinstance(caller, Caller):
        return caller
    function = f"rest:{operation}"
    emulator.count([function], caller.company)
    if not emulator.admit_company(caller.company):
        return throttled()
    try:
        rule = emulator.faults.match([function], list(objects), caller.company)
        outcome = await run_in_threadpool(_run, emulator, caller, work, rule)
        emulator.bill(caller.company, outcome.billed)
        if emulator.latency:
            model = emulator.latency.seconds(outcome.records)
            await asyncio.sleep(max(0.0, model - (time.perf_counter() - started)))
        return outcome.response
    finally:
        emulator.release(caller.company)


def _run(
    emulator: Emulator, caller: Caller, work: Callable[[Caller], Outcome], rule: FaultRule | None
) -> Outcome:
    emulator.fleet.ensure(emulator.store, caller.company)  # a fleet company's first use
    if rule is None:
        return work(caller)
    if rule.delay_ms:
        time.sleep(rule.delay_ms / 1000)
    if rule.status == 429:
        return Outcome(throttled())
    if rule.status is None and not rule.errorno:
        return _cut(work(caller), rule.body)
    status = rule.status or 503
    if rule.body == "html":
        page = _CDN_PAGE.format(status=status)
        return Outcome(Response(page, status, media_type="text/html"))
    if rule.body == "empty":
        return Outcome(Response(b"", status, media_type="text/plain"))
    # [U] what an unavailable REST back end says is not documented; REST's envelope
    return Outcome(ia_error(status, "serviceUnavailable", "The service is unavailable."))


def _cut(outcome: Outcome, body: str | None) -> Outcome:
    """``body=truncated``: the answer breaks off half-way (its data was read: billed)."""
    if body != "truncated":
        return outcome
    response = outcome.response
    half = response.body[: len(response.body) // 2]
    cut = Response(half, response.status_code, media_type="application/json")
    return Outcome(cut, outcome.records, outcome.billed)
