"""Which requests are cheap enough to answer on the event loop."""

from __future__ import annotations

from intacct.emulator.dispatch import writes
from intacct.emulator.wire import Request

__all__ = ["CostModel"]


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
