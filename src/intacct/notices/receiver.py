"""The receiver: an ASGI app (Starlette) Intacct's webhook deliveries and Smart Event
posts are sent to.

``POST /intacct/notices``: each webhook delivery is verified
(:func:`.delivery.read_delivery`), recorded in the queue (:class:`.queue.NoticeQueue`)
and only then answered 200, within Intacct's timeout (one SQLite insert). A redelivery
of a key already recorded is answered 200 too (Intacct would retry anything else) and
recorded no second time. ``POST /intacct/smart-events``: each Smart Event post is
checked (:func:`.smart_event.read_smart_event`: the token its body carries) and kept in
the same queue the same way, a copy of one already kept answered 200 and kept once.

A refused post is answered with its status (401 forged, tampered, replayed after
expiry, or without the right token; 400 malformed; 413 oversized) and its reason
logged, never a token, a secret nor the body; nothing of it is recorded. A receiver
given no app refuses every webhook delivery (401), one given no Smart Event token every
Smart Event post (401): each is logged, so a misconfigured trigger shows. A queue that
cannot be written answers 503, so Intacct retries a webhook (a Smart Event post is not
retried: the follower's safety run finds its change). ``GET /health`` says the receiver
is up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from intacct.notices.delivery import MAX_BODY_BYTES, DeliveryRefusedError, Notice, read_delivery
from intacct.notices.queue import NoticeQueue
from intacct.notices.smart_event import read_smart_event

__all__ = ["NOTICES_PATH", "SMART_EVENTS_PATH", "receiver_app"]

NOTICES_PATH = "/intacct/notices"
SMART_EVENTS_PATH = "/intacct/smart-events"
log = logging.getLogger("intacct.notices")

#: what a post's body is read into: the notice, or DeliveryRefusedError
Reader = Callable[[bytes], Notice]


def receiver_app(
    queue: NoticeQueue,
    secrets: Mapping[str, str],
    *,
    clock: Callable[[], float] = time.time,
    issuer: str | None = None,
    smart_event_token: str | None = None,
) -> Starlette:
    """The receiver of webhook deliveries for the OAuth apps of ``secrets`` (client ID
    -> client secret; their tokens' ``iss`` must be ``issuer`` when given) and of Smart
    Event posts carrying ``smart_event_token`` (None: every one refused), recording
    into ``queue``."""

    async def notices(request: Request) -> Response:
        def read(body: bytes) -> Notice:
            return read_delivery(request.headers, body, secrets, clock(), issuer)

        return await _receive(request, queue, "delivery", read)

    async def smart_events(request: Request) -> Response:
        def read(body: bytes) -> Notice:
            return read_smart_event(body, smart_event_token, clock())

        return await _receive(request, queue, "smart event", read)

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route(NOTICES_PATH, notices, methods=["POST"]),
            Route(SMART_EVENTS_PATH, smart_events, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ]
    )


async def _receive(request: Request, queue: NoticeQueue, what: str, read: Reader) -> Response:
    """A post read, kept, then answered; or refused with its reason logged."""
    where = request.client.host if request.client else "?"
    try:
        notice = read(await _body(request))
    except DeliveryRefusedError as refused:
        log.warning("%s from %s refused (%d): %s", what, where, refused.status, refused.reason)
        return JSONResponse({"refused": refused.reason}, refused.status)
    try:
        new = await run_in_threadpool(queue.record, notice)
    except Exception:  # the notice is not kept: Intacct must send it again
        log.exception("notice %s not recorded", notice.idempotency_key)
        return JSONResponse({"refused": "the queue cannot be written"}, 503)
    _said(what, notice, new)
    return JSONResponse({"recorded": new, "duplicate": not new})


async def _body(request: Request) -> bytes:
    """The body, refused past :data:`MAX_BODY_BYTES` without reading the rest."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise DeliveryRefusedError(413, f"body of {declared} bytes, over {MAX_BODY_BYTES}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise DeliveryRefusedError(413, f"body over {MAX_BODY_BYTES} bytes")
    return bytes(body)


def _said(what: str, notice: Notice, new: bool) -> None:
    """One line per post accepted: what it announced (never a token)."""
    kept = "kept" if new else "a copy of one kept already"
    log.info(
        "%s accepted: %s %s %s in %s (notice %s): %s",
        what, notice.object, notice.event, notice.key, notice.company, notice.idempotency_key,
        kept,
    )  # fmt: skip
