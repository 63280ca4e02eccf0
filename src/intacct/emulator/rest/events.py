"""The trigger event queue's service (portal: guides/events, early adopter): a client
pulls the events of its company's ``queue`` subscriptions (:mod:`..store.events`).

- ``GET services/delivery/event/count``: ``{"ia::result": {"count": N}}``, the events
  of the caller's company and client not acknowledged yet;
- ``GET services/delivery/event/list?size=N`` (default 100, at most 1000: a larger size
  is served as 1000 [U], as the query service serves its maximum): ``{"ia::result":
  [{"eventId", "companyId", "entityId", "object", "event", "key", "id",
  "occurredAt"}, ...], "ia::meta": {"totalCount", "pageSize"}}``, oldest first, each
  leased 60 s (listed again, same ``eventId``, if not acknowledged by then);
  ``totalCount`` the events not acknowledged before this list;
- ``POST services/delivery/event/acknowledge`` with ``{"eventIds": [...]}``:
  ``{"ia::result": {"acknowledged": N}}``; unknown or already acknowledged ids are
  ignored [U].

Each goes through :func:`.service.serve` as every REST data route (bearer check, the
company's slot, faults as ``rest:delivery.event.count``, ``rest:delivery.event.list``,
``rest:delivery.event.acknowledge``, latency) and bills one API transaction [U: the
issue's "these count"; Sage does not say how]. A size that is not a whole number of at
least 1, or an acknowledgement that is not ``{"eventIds": [strings]}``, is a 400
"Payload contains errors" naming it, not billed (as a refused query).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request as HttpRequest
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from intacct.emulator.querylang.rest_values import RestQueryError
from intacct.emulator.rest.answers import ia_result
from intacct.emulator.rest.bearer import Caller
from intacct.emulator.rest.common import REST_PREFIX
from intacct.emulator.rest.query import bad_payload
from intacct.emulator.rest.service import Outcome, read_rest_body, serve
from intacct.emulator.state import Emulator

__all__ = ["DEFAULT_LIST_SIZE", "EVENTS_PATH", "MAX_LIST_SIZE", "event_routes"]

EVENTS_PATH = f"{REST_PREFIX}/services/delivery/event"
DEFAULT_LIST_SIZE = 100
MAX_LIST_SIZE = 1000
#: [U] an acknowledgement of a full list is about 40 kB
_MAX_ACK_BYTES = 1024 * 1024


def event_routes(emulator: Emulator, body_timeout_s: float) -> list[Route]:
    events = emulator.store.triggers.events
    clock = emulator.store.clock

    async def count(request: HttpRequest) -> Response:
        def work(caller: Caller) -> Outcome:
            waiting = events.count(caller.company, caller.client_id)
            return Outcome(ia_result({"count": waiting}), billed=1)

        return await serve(emulator, request, "delivery.event.count", [], work)

    async def listed(request: HttpRequest) -> Response:
        given = request.query_params.get("size")

        def work(caller: Caller) -> Outcome:
            size = _size(given)
            if isinstance(size, RestQueryError):
                return bad_payload(size)
            total = events.count(caller.company, caller.client_id)
            now = clock.now().timestamp()
            found = events.lease(caller.company, caller.client_id, size, now)
            meta = {"totalCount": total, "pageSize": size}
            answer = JSONResponse({"ia::result": found, "ia::meta": meta})
            return Outcome(answer, len(found), billed=1)

        return await serve(emulator, request, "delivery.event.list", [], work)

    async def acknowledge(request: HttpRequest) -> Response:
        raw = await read_rest_body(request, _MAX_ACK_BYTES, body_timeout_s)
        if isinstance(raw, Response):
            return raw
        ids = _event_ids(raw)

        def work(caller: Caller) -> Outcome:
            if isinstance(ids, RestQueryError):
                return bad_payload(ids)
            done = events.acknowledge(caller.company, caller.client_id, ids)
            return Outcome(ia_result({"acknowledged": done}), billed=1)

        return await serve(emulator, request, "delivery.event.acknowledge", [], work)

    return [
        Route(f"{EVENTS_PATH}/count", count, methods=["GET"]),
        Route(f"{EVENTS_PATH}/list", listed, methods=["GET"]),
        Route(f"{EVENTS_PATH}/acknowledge", acknowledge, methods=["POST"]),
    ]


def _size(given: str | None) -> int | RestQueryError:
    if given is None:
        return DEFAULT_LIST_SIZE
    if not given.isdigit() or int(given) < 1:
        return RestQueryError("size must be a whole number of at least 1.", "size")
    return min(int(given), MAX_LIST_SIZE)


def _event_ids(raw: bytes) -> list[str] | RestQueryError:
    try:
        body: Any = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return RestQueryError("The body is not JSON.", "")
    if not isinstance(body, dict) or set(body) != {"eventIds"}:
        return RestQueryError('The body is {"eventIds": ["<eventId>", ...]}.', "eventIds")
    ids = body["eventIds"]
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        return RestQueryError("eventIds must be a list of event ids.", "eventIds")
    return ids
