"""The emulator's gzip answers: Starlette's middleware, its deflate ISA-L's where the
``isal`` package is installed (about five times as fast as zlib at level 1 on the
emulator's pages, BENCHMARKS.md "The engine's typed reads: REST vs XML"), zlib's
otherwise.

What a client receives is gzip either way, decoded by any gzip reader; only the
compressed bytes differ. Starlette decides when to compress (the client asks for gzip,
the body is big enough, not already encoded) and streams; only the compressor is
swapped."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipMiddleware, GZipResponder
from starlette.types import Receive, Scope, Send

_deflate: Any
try:
    from isal import isal_zlib as _deflate
except ImportError:  # a platform without its wheel: zlib, as Starlette has it
    _deflate = None

__all__ = ["DEFLATE", "GzipAnswers"]

#: whose deflate the answers get: "isal" or "zlib"
DEFLATE = "zlib" if _deflate is None else "isal"


class _IsalResponder(GZipResponder):
    """Starlette's gzip responder with ISA-L's compressor (the same stream format and
    flushes: ``Z_SYNC_FLUSH`` between the chunks of a streamed answer)."""

    @property
    def compressor(self) -> Any:
        if self._compressor is None:
            level = min(self.compresslevel, _deflate.ISAL_BEST_COMPRESSION)
            self._compressor = _deflate.compressobj(  # zlib's interface
                level, _deflate.DEFLATED, 16 + _deflate.MAX_WBITS
            )
        return self._compressor


class _IsalGzip(GZipMiddleware):
    """:class:`GZipMiddleware` answering through :class:`_IsalResponder` (Starlette
    makes its responder within ``__call__``: what it asks of a request is asked here)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "gzip" not in Headers(scope=scope).get("Accept-Encoding", ""):
            await super().__call__(scope, receive, send)
            return
        responder = _IsalResponder(
            self.app,
            self.minimum_size,
            compresslevel=self.compresslevel,
            thread_minimum_size=self.thread_minimum_size,
            exclude_content_types=self.exclude_content_types,
        )
        await responder(scope, receive, send)


#: the middleware of the emulator's app
GzipAnswers: type[GZipMiddleware] = GZipMiddleware if _deflate is None else _IsalGzip
