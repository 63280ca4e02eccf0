"""What the gateway makes a client wait for: the per-company concurrency limit and the
latency model."""

from __future__ import annotations

import threading
from collections import Counter

__all__ = ["ConcurrencyLimit"]


class ConcurrencyLimit:
    """At most ``limit`` requests in flight per key (0 or None: no limit); thread-safe,
    never blocks, so the event loop and worker threads can both ask."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit or 0
        self._busy: Counter[str] = Counter()
        self._lock = threading.Lock()

    def acquire(self, key: str) -> bool:
        if not self.limit:
            return True
        with self._lock:
            if self._busy[key] >= self.limit:
                return False
            self._busy[key] += 1
            return True

    def release(self, key: str) -> None:
        if not self.limit:
            return
        with self._lock:
            self._busy[key] -= 1
            if self._busy[key] <= 0:
                del self._busy[key]
