"""Connections that do not send a request keep no one else out (slowloris).

uvicorn times out an idle keep-alive connection and the app times out a stalled body
(``BODY_TIMEOUT_S``), but a connection that never completes its request head (headers
dribbled, or nothing at all) is held for ever: enough of them use up ``limit_concurrency``
(HTTP 503 for everyone) and then the process's file descriptors (``accept`` fails).
:func:`guarded_protocol` adds, on uvicorn's own HTTP protocol class (the documented
``http=`` setting, no patching):

* a **head timeout**: a connection must complete a request head within ``head_timeout_s``
  of opening or of its last answer, or it is closed;
* **eviction**: when a new connection would leave no room under ``max_connections``, the
  connections waiting on their client (for a request head, or for the rest of a body)
  longest silent are closed, so a client that sends its request at once is served while
  stalled connections come and go, whatever the stage they stall at.

A connection whose request is whole (the app answering it, or its answer being sent) is
never evicted. A body has ``BODY_TIMEOUT_S`` besides. An answer refusing a body (413)
leaves the connection open, so the rest of the body is read and dropped (uvicorn discards
it) and the client reads the 413 instead of a reset; the head timeout bounds that too.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

__all__ = ["CLOSING_ROOM", "HEAD_TIMEOUT_S", "guarded_protocol", "http_protocol"]

#: [U] how long a request head may take; Intacct's front door (Cloudflare) does not
#: publish its own, and a client on any network sends a head in well under a second
HEAD_TIMEOUT_S = 10.0

#: connections closed to make room still count for uvicorn until the loop lets them go (a
#: turn later); its 503 line sits this far above ``max_connections`` so that, in a flood
#: of new connections, they do not turn a well-behaved request away
CLOSING_ROOM = 100

log = logging.getLogger("intacct.emulator")


def http_protocol() -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol as ``http="auto"`` picks it: httptools if installed."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        return HttpToolsProtocol
    except ImportError:  # pragma: no cover - uvicorn without httptools
        from uvicorn.protocols.http.h11_impl import H11Protocol

        return H11Protocol


def guarded_protocol(
    base: type[Any], head_timeout_s: float, max_connections: int
) -> type[asyncio.Protocol]:
    """``base`` (a uvicorn HTTP protocol class) with the head timeout and eviction; each
    call makes a class with its own record of waiting connections (one per server)."""
    waiting: dict[Any, Any] = {}  # connection -> the cycle it had when it began to wait

    class Guarded(base):  # type: ignore[misc]
        _head_timer: asyncio.TimerHandle | None = None
        _heard_at = 0.0  # when the client last sent something or was last answered

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            self._wait_for_head()
            self._make_room()

        def data_received(self, data: bytes) -> None:
            self._heard_at = self.loop.time()
            super().data_received(data)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._wait_for_head()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_waiting()
            super().connection_lost(exc)

        def _wait_for_head(self) -> None:
            self._stop_waiting()
            waiting[self] = self.cycle
            self._heard_at = self.loop.time()
            self._head_timer = self.loop.call_later(head_timeout_s, self._head_timeout)

        def _stop_waiting(self) -> None:
            waiting.pop(self, None)
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _still_waiting(self) -> bool:
            # uvicorn starts a new cycle when a request head is complete
            return waiting.get(self, self) is self.cycle and not self.transport.is_closing()

        def _head_timeout(self) -> None:
            self._head_timer = None
            if self._still_waiting():
                self._close()
            else:
                waiting.pop(self, None)

        def _waits_on_client(self) -> bool:
            """Waiting for a request head or for the rest of its body: the client's turn."""
            if self.transport.is_closing():
                return False
            if self._still_waiting():
                return True
            cycle = self.cycle  # a request begun: its body not yet whole, nor answered
            return cycle is not None and cycle.more_body and not cycle.response_complete

        def _make_room(self) -> None:
            """Close the connections waiting on their client longest silent until no
            more than ``max_connections`` are open, this one among them."""
            open_ = sum(1 for c in self.connections if not c.transport.is_closing())
            excess = open_ - max_connections
            if excess <= 0:
                return
            idle = [c for c in self.connections if c is not self and c._waits_on_client()]
            for other in sorted(idle, key=lambda c: c._heard_at)[:excess]:
                other._close()

        def _close(self) -> None:
            self._stop_waiting()
            log.debug("closed a connection waiting on its client (head timeout or room)")
            self.transport.close()

    return Guarded
