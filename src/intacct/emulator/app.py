"""HTTP routing (starlette): the gateway endpoint and the ``/_emulator/`` control API.

Thin on purpose: it reads the body, applies faults and the concurrency limit, and hands
the request to :mod:`.dispatch` in a worker thread (SQLite is synchronous), so slow
requests never block other clients.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import json
import logging
import threading
import time
import uuid
from collections import Counter

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request as HttpRequest
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from intacct.emulator.demo import install_demo
from intacct.emulator.dispatch import Reply, execute, unavailable_reply, writes
from intacct.emulator.errors import EmulatorError, ErrorLine
from intacct.emulator.faults import FaultRule, Faults
from intacct.emulator.handlers import HANDLERS, resolve_legacy
from intacct.emulator.store import Store
from intacct.emulator.wire import (
    MAX_REQUEST_BYTES,
    Request,
    build_response,
    decode_body,
    parse_request,
)

__all__ = ["GATEWAY_PATH", "Emulator", "create_app", "reply_headers"]

GATEWAY_PATH = "/ia/xml/xmlgw.phtml"

log = logging.getLogger("intacct.emulator")

_CDN_PAGE = (
    "<!DOCTYPE html><html><head><title>{status} | api.intacct.com</title></head><body>"
    '<div id="cf-error-details"><h1>Error {status}</h1><p>The origin web server did not '
    "answer in time.</p><p>Cloudflare Ray ID: 7f00emulator</p></div></body></html>"
)


class CostModel:
    """Which requests are cheap enough to answer on the event loop.

    A worker-thread hop costs about as much as a small request itself (measured:
    2.1k vs 4.5k trivial requests/s), but running a slow request on the loop would hold
    up every other client. So each request shape (functions, object, page size) keeps
    a moving average of its cost; shapes seen to take under ``inline_below_s`` run
    inline, anything new or slower runs in the thread pool.
    """

    def __init__(self, inline_below_s: float = 0.002) -> None:
        self.inline_below_s = inline_below_s
        self._average: dict[tuple[str, ...], float] = {}

    @staticmethod
    def shape(request: Request) -> tuple[str, ...]:
        parts: list[str] = []
        for fn in request.functions:
            body = fn.body
            parts += [
                fn.name,
                body.findtext("object") or body.get("object") or "",
                body.findtext("pagesize") or body.get("maxitems") or "",
            ]
        return tuple(parts)

    def cheap(self, request: Request) -> bool:
        # Writes wait for the store's write lock, which a slow write in the pool may
        # hold: on the event loop that wait would stall every client. Reads never wait.
        if request.transaction or any(writes(fn.name) for fn in request.functions):
            return False
        average = self._average.get(self.shape(request))
        return average is not None and average < self.inline_below_s

    def record(self, request: Request, seconds: float) -> None:
        key = self.shape(request)
        old = self._average.get(key)
        self._average[key] = seconds if old is None else 0.8 * old + 0.2 * seconds
        if len(self._average) > 10_000:  # bounded: arbitrary clients, arbitrary shapes
            self._average.clear()


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
        self._slots = threading.BoundedSemaphore(max_concurrency) if max_concurrency else None
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
        if self._slots is not None and not self._slots.acquire(blocking=False):
            return _throttled()  # more requests in flight than the company may have
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
            if self._slots is not None:
                self._slots.release()

    def _execute(self, request: Request, endpoint: str) -> Reply:
        return execute(self.store, request, endpoint, HANDLERS, resolve_legacy)

    def _faulty(self, rule: FaultRule, request: Request, endpoint: str) -> Reply:
        if rule.delay_ms:
            time.sleep(rule.delay_ms / 1000)
        if rule.expire_sessions:
            self.store.sessions.clear()
        if rule.status == 429:
            return _throttled()
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


def _throttled() -> Reply:
    error = EmulatorError(
        ErrorLine("GW-0010", "Rate limit exceeded: too many concurrent requests for this company."),
        http_status=429,
    )
    return Reply(build_response(None, control_error=error), http_status=429)


def reply_headers(reply: Reply) -> dict[str, str]:
    """The HTTP headers of a gateway answer (shared with the in-process transport)."""
    # The content type goes in as a header: starlette would append "; charset=utf-8" to a
    # media_type, and the SDK mocks show exactly 'text/xml; encoding="UTF-8"'.
    headers = {"Content-Type": reply.media_type}
    if reply.http_status == 429:
        headers["Retry-After"] = "1"
    return headers


def _response(reply: Reply) -> Response:
    return Response(reply.body, reply.http_status, headers=reply_headers(reply))


def _endpoint(request: HttpRequest) -> str:
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    return f"{request.url.scheme}://{host}{GATEWAY_PATH}"


def create_app(emulator: Emulator) -> Starlette:
    async def gateway(request: HttpRequest) -> Response:
        body = await request.body()
        if request.headers.get("content-encoding", "").lower() == "gzip":
            body = gzip.decompress(body)
        if len(body) > MAX_REQUEST_BYTES:
            error = EmulatorError(
                ErrorLine(
                    "XL03000003",
                    "",
                    f"Request of {len(body)} bytes is larger than the "
                    f"{MAX_REQUEST_BYTES} bytes the gateway accepts.",
                    "Send fewer functions.",
                ),
                http_status=413,
            )
            return _response(Reply(build_response(None, control_error=error), http_status=413))
        if emulator.latency_ms:
            await asyncio.sleep(emulator.latency_ms / 1000)
        prepared = emulator.prepare(body, request.headers.get("content-type", ""))
        if isinstance(prepared, Reply):
            return _response(prepared)
        parsed, rule = prepared
        if rule is None and emulator.costs.cheap(parsed):
            return _response(emulator.run(parsed, rule, _endpoint(request)))
        reply = await run_in_threadpool(emulator.run, parsed, rule, _endpoint(request))
        return _response(reply)

    async def stats(request: HttpRequest) -> Response:
        return JSONResponse(dict(emulator.stats))

    async def reseed(scale: int, seed: int) -> Response:
        def work() -> dict[str, int]:
            emulator.store.reset()
            emulator.stats.clear()
            emulator.faults.clear()
            emulator.scale, emulator.seed = scale, seed
            return install_demo(emulator.store, scale, seed)

        counts = await run_in_threadpool(work)
        return JSONResponse({"scale": scale, "seed": seed, "rows": sum(counts.values())})

    async def reset(request: HttpRequest) -> Response:
        """Back to the demo tenant the server started with (data, stats, faults)."""
        return await reseed(emulator.scale, emulator.seed)

    async def seed(request: HttpRequest) -> Response:
        """A fresh demo tenant at ``?scale=N&seed=S``."""
        try:
            scale = int(request.query_params.get("scale", emulator.scale))
            seed_value = int(request.query_params.get("seed", emulator.seed))
        except ValueError:
            return JSONResponse({"error": "scale and seed must be integers"}, 400)
        if not 0 <= scale <= 10_000_000:
            return JSONResponse({"error": "scale must be between 0 and 10,000,000"}, 400)
        return await reseed(scale, seed_value)

    async def company(request: HttpRequest) -> Response:
        """Company settings: ``{"date_format": "%d/%m/%Y", "timezone": "Europe/London",
        "session_minutes": 30}`` (any subset)."""
        try:
            changes = json.loads(await request.body() or b"{}")
            updated = emulator.store.configure_company(request.path_params["id"], **changes)
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse(dataclasses.asdict(updated))

    async def faults(request: HttpRequest) -> Response:
        if request.method == "DELETE":
            emulator.faults.clear()
            return JSONResponse({"faults": 0})
        spec = (await request.body()).decode() or request.query_params.get("spec", "")
        try:
            emulator.faults.add(spec)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse({"faults": len(emulator.faults.rules)})

    async def health(request: HttpRequest) -> Response:
        return JSONResponse({"ok": True})

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
            Route("/_emulator/stats", stats, methods=["GET"]),
            Route("/_emulator/reset", reset, methods=["POST"]),
            Route("/_emulator/seed", seed, methods=["POST"]),
            Route("/_emulator/companies/{id}", company, methods=["POST"]),
            Route("/_emulator/faults", faults, methods=["POST", "DELETE"]),
            Route("/_emulator/health", health, methods=["GET"]),
        ],
        # level 1: on loopback, time spent compressing a 1 MB page costs more than it saves
        middleware=[Middleware(GZipMiddleware, minimum_size=1024, compresslevel=1)],
    )
