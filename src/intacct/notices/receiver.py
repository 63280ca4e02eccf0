"""The webhook receiver: an ASGI app (Starlette) Intacct's deliveries are posted to.

``POST /intacct/notices``: each delivery is verified (:func:`.delivery.read_delivery`),
recorded in the queue (:class:`.queue.NoticeQueue`) and only then answered 200, within
Intacct's timeout (one SQLite insert). A redelivery of a key already recorded is
answered 200 too (Intacct would retry anything else) and recorded no second time. A
refused delivery is answered with its status (401 forged, tampered or replayed after
expiry, 400 malformed, 413 oversized) and its reason logged, never a token nor a secret;
nothing of it is recorded. A queue that cannot be written answers 503, so Intacct
retries it. ``GET /health`` says the receiver is up.
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

__all__ = ["NOTICES_PATH", "receiver_app"]

NOTICES_PATH = "/intacct/notices"
log = logging.getLogger("intacct.notices")


def receiver_app(
    queue: NoticeQueue,
    secrets: Mapping[str, str],
    *,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """The receiver of deliveries for the OAuth apps of ``secrets`` (client ID -> client
    secret), recording into ``queue``."""

    async def notices(request: Request) -> Response:
        where = request.client.host if request.client else "?"
        try:
            body = await _body(request)
            notice = read_delivery(request.headers, body, secrets, clock())
        except DeliveryRefusedError as refused:
            log.warning("delivery from %s refused (%d): %s", where, refused.status, refused.reason)
            return JSONResponse({"refused": refused.reason}, refused.status)
        try:
            new = await run_in_threadpool(queue.record, notice)
        except Exception:  # the notice is not kept: Intacct must send it again
            log.exception("notice %s not recorded", notice.idempotency_key)
            return JSONResponse({"refused": "the queue cannot be written"}, 503)
        _said(notice, new)
        return JSONResponse({"recorded": new, "duplicate": not new})

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route(NOTICES_PATH, notices, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ]
    )


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


def _said(notice: Notice, new: bool) -> None:
    what = "recorded" if new else "a redelivery, already recorded"
    log.info(
        "notice %s: %s %s %s in %s: %s",
        notice.idempotency_key, notice.object, notice.key, notice.event, notice.company, what,
    )  # fmt: skip
