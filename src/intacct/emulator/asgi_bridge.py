"""The emulator's ASGI app called from synchronous code: one event loop on a thread of
its own, each request a coroutine on it (no socket). The in-process transport sends the
REST API's requests here (:mod:`.inprocess`)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
from starlette.types import ASGIApp, Message

__all__ = ["AsgiBridge"]


class AsgiBridge:
    """Answers an ``httpx.Request`` with ``app``, as a server would (the body whole)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="emulator-asgi", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        future = asyncio.run_coroutine_threadsafe(self._serve(request), self._loop)
        status, headers, body = future.result()
        return httpx.Response(status, headers=headers, content=body, request=request)

    def close(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()

    async def _serve(self, request: httpx.Request) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        body = request.read()
        sent = False
        answer: dict[str, Any] = {"status": 500, "headers": [], "body": b""}

        async def receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"], answer["headers"] = message["status"], message["headers"]
            elif message["type"] == "http.response.body":
                answer["body"] += message.get("body", b"")

        await self.app(_scope(request), receive, send)
        return answer["status"], answer["headers"], answer["body"]


def _scope(request: httpx.Request) -> dict[str, Any]:
    url = request.url
    port = url.port or (443 if url.scheme == "https" else 80)
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": url.scheme,
        "path": url.path,
        "raw_path": url.raw_path.split(b"?")[0],
        "query_string": url.query,
        "root_path": "",
        "headers": [(k.lower(), v) for k, v in request.headers.raw],
        "server": (url.host, port),
        "client": ("127.0.0.1", 50000),
    }
