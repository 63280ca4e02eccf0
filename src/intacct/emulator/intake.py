"""Reading a request body without trusting the client: the size limit is checked before
and while reading, compressed bodies are inflated with a cap, a stalled upload times out,
and an abandoned one is a log line, not a traceback."""

from __future__ import annotations

import asyncio
import logging
import zlib

from starlette.requests import ClientDisconnect
from starlette.requests import Request as HttpRequest

__all__ = ["BodyError", "ClientGone", "inflate", "read_body", "too_large"]

log = logging.getLogger("intacct.emulator")


class BodyError(Exception):
    """A body the gateway refuses, with the HTTP status it answers."""

    def __init__(self, http_status: int, text: str) -> None:
        super().__init__(text)
        self.http_status = http_status
        self.text = text


class ClientGone(Exception):  # noqa: N818 (an event, not an error of ours)
    """The client went away before its body arrived; nobody is left to answer."""


def too_large(size: str, limit: int) -> BodyError:
    return BodyError(
        413, f"Request of {size} bytes is larger than the {limit} bytes the gateway accepts."
    )


async def read_body(request: HttpRequest, limit: int, timeout_s: float) -> bytes:
    """The body as sent: refused from its Content-Length alone if that is over ``limit``,
    and as soon as the bytes read pass it otherwise (chunked uploads); at most
    ``timeout_s`` to arrive."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(declared, limit)
    chunks: list[bytes] = []
    size = 0

    try:
        async with asyncio.timeout(timeout_s):  # no extra task, unlike wait_for
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise too_large(f"more than {limit}", limit)
                chunks.append(chunk)
    except TimeoutError:
        raise BodyError(408, f"The request body did not arrive within {timeout_s:g} s.") from None
    except ClientDisconnect:
        client = request.client
        log.warning(
            "upload abandoned by %s after %d bytes", client.host if client else "client", size
        )
        raise ClientGone from None
    return b"".join(chunks)


def inflate(body: bytes, limit: int) -> bytes:
    """A gzip body inflated, refused (413) as soon as it would pass ``limit`` bytes, so a
    small bomb never allocates its full size; a body that is not gzip is a 400."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise BodyError(400, f"Content-Encoding gzip, but the body is not gzip ({exc}).") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise too_large(f"more than {limit} (inflated)", limit)
    if not inflater.eof:
        raise BodyError(400, "Content-Encoding gzip, but the gzip body is cut short.")
    return out
