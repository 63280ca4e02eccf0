"""HTTP routing (starlette): the gateway endpoint, the REST API (:mod:`.rest`) and the
``/_emulator/`` control API.

Routing only: the state and the synchronous request path live in :mod:`.state`, the
control API in :mod:`.control`, limits and latency in :mod:`.limits`. Requests go to
:mod:`.dispatch` in a worker thread (SQLite is synchronous) unless measured cheap, so
slow requests never block other clients.
"""

from __future__ import annotations

import asyncio
import time
import uuid

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request as HttpRequest
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from intacct.emulator.compression import GzipAnswers
from intacct.emulator.control import control_routes
from intacct.emulator.costs import CostModel
from intacct.emulator.dispatch import Reply
from intacct.emulator.errors import EmulatorError, ErrorLine
from intacct.emulator.intake import BodyError, ClientGone, inflate, read_body
from intacct.emulator.rest.routes import rest_routes
from intacct.emulator.state import Emulator, throttled_reply
from intacct.emulator.wire import MAX_REQUEST_BYTES, build_response

# Emulator and CostModel are re-exported: tests and tools import them from here
__all__ = [
    "BODY_TIMEOUT_S",
    "GATEWAY_PATH",
    "CostModel",
    "Emulator",
    "create_app",
    "refused_reply",
    "reply_headers",
]

GATEWAY_PATH = "/ia/xml/xmlgw.phtml"

#: [U] how long a body may take to arrive; Intacct's own limit is unpublished
BODY_TIMEOUT_S = 30.0


def reply_headers(reply: Reply) -> dict[str, str]:
    """The HTTP headers of a gateway answer (shared with the in-process transport)."""
    # The content type goes in as a header: starlette would append "; charset=utf-8" to a
    # media_type, and the SDK mocks show exactly 'text/xml; encoding="UTF-8"'.
    headers = {"Content-Type": reply.media_type}
    if reply.http_status == 429:
        headers["Retry-After"] = "1"
    return headers


def _response(reply: Reply) -> Response:
    if reply.reset:
        return _reset(reply)
    return Response(reply.body, reply.http_status, headers=reply_headers(reply))


class _ResetResponse(Response):
    """Headers (with the whole body's length) and half the body, then the app returns
    without finishing: the server drops the connection, and the client reads an answer
    that breaks off, as after a network reset (one error line in the server's log)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code,
                    "headers": self.raw_headers})  # fmt: skip
        await send({"type": "http.response.body", "body": self.body[: len(self.body) // 2],
                    "more_body": True})  # fmt: skip


def _reset(reply: Reply) -> Response:
    return _ResetResponse(reply.body, reply.http_status, headers=reply_headers(reply))


def _endpoint(request: HttpRequest) -> str:
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    return f"{request.url.scheme}://{host}{GATEWAY_PATH}"


async def _wait(seconds: float) -> None:
    if seconds > 0:  # a zero sleep would still cost a trip through the event loop
        await asyncio.sleep(seconds)


def refused_reply(exc: BodyError) -> Reply:
    """The gateway's answer to a body it will not read: 413 as a schema error
    (XL03000003, as the size limit is documented), anything else as the front door's
    GW-0011 "Invalid Request" [U] (what Intacct says to an undecodable body is unseen)."""
    if exc.http_status == 413:
        line = ErrorLine("XL03000003", "", exc.text, "Send fewer functions.")
    else:
        request_id = uuid.uuid4().hex[:12]
        line = ErrorLine("GW-0011", f"Invalid Request [Request ID: {request_id}]", exc.text)
    error = EmulatorError(line, http_status=exc.http_status)
    return Reply(build_response(None, control_error=error), http_status=exc.http_status)


def create_app(emulator: Emulator, *, body_timeout_s: float = BODY_TIMEOUT_S) -> Starlette:
    """The ASGI app; a request body must arrive within ``body_timeout_s`` (stalled
    uploads would otherwise hold their connection for ever)."""

    async def gateway(request: HttpRequest) -> Response:
        try:
            body = await read_body(request, MAX_REQUEST_BYTES, body_timeout_s)
            if request.headers.get("content-encoding", "").lower() == "gzip":
                body = inflate(body, MAX_REQUEST_BYTES)
        except BodyError as exc:
            response = _response(refused_reply(exc))
            if exc.http_status == 408:  # the client stalled: drop it
                response.headers["Connection"] = "close"
            # otherwise uvicorn reads and drops the rest of the body, so the client
            # reads this answer rather than a reset (within the head timeout)
            return response
        except ClientGone:
            return Response(status_code=400)  # logged; the socket is gone, nobody reads it
        started = time.perf_counter()
        prepared = emulator.prepare(body, request.headers.get("content-type", ""))
        if isinstance(prepared, Reply):
            await _wait(emulator.delay(prepared, started))
            return _response(prepared)
        parsed, rule = prepared
        company = emulator.admit(parsed)
        if company is None:
            return _response(throttled_reply())
        try:
            if rule is None and emulator.costs.cheap(parsed) and emulator.ready(company):
                reply = emulator.run(parsed, rule, _endpoint(request))
            else:
                reply = await run_in_threadpool(emulator.run, parsed, rule, _endpoint(request))
            # the slot stays taken while the answer waits: Intacct counts it in flight
            await _wait(emulator.delay(reply, started))
        finally:
            emulator.release(company)
        return _response(reply)

    async def not_post(request: HttpRequest) -> Response:
        return Response(
            "The gateway accepts POST requests only.\n",
            405,
            headers={"Allow": "POST"},
            media_type="text/plain",
        )

    return Starlette(
        routes=[
            Route(GATEWAY_PATH, gateway, methods=["POST"]),
            Route(GATEWAY_PATH, not_post, methods=["GET", "PUT", "DELETE"]),
            *rest_routes(emulator, body_timeout_s),  # REST (/ia/api/v1): OAuth 2 so far
            *control_routes(emulator, body_timeout_s),
        ],
        # level 1: on loopback, time spent compressing a 1 MB page costs more than it saves
        middleware=[Middleware(GzipAnswers, minimum_size=1024, compresslevel=1)],
    )
