"""What the gateway makes a client wait for: the per-company concurrency limit and the
latency model."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["ConcurrencyLimit", "Latency", "returned_records"]


class ConcurrencyLimit:
    """At most ``limit`` requests in flight per key (0 or None: no limit), or the key's
    own limit (:meth:`set`); thread-safe, never blocks, so the event loop and worker
    threads can both ask. Remembers the most requests each key had in flight at once
    (:attr:`peaks`): what was admitted, never more than the key's limit."""

    def __init__(self, limit: int | None, limits: Mapping[str, int] | None = None) -> None:
        self.limit = limit or 0
        self._limits = dict(limits or {})
        self._busy: Counter[str] = Counter()
        self.peaks: Counter[str] = Counter()
        self._lock = threading.Lock()

    def limit_of(self, key: str) -> int:
        """``key``'s limit; 0 for none."""
        return self._limits.get(key, self.limit)

    def set(self, key: str, limit: int) -> None:
        """Give ``key`` its own limit (0: none), from the next request on; requests
        already in flight finish."""
        if type(limit) is not int or limit < 0:
            raise ValueError(f"max_concurrency must be a whole number >= 0, not {limit!r}")
        with self._lock:
            self._limits[key] = limit

    def acquire(self, key: str) -> bool:
        with self._lock:
            limit = self._limits.get(key, self.limit)
            busy = self._busy[key]
            if limit and busy >= limit:
                return False
            self._busy[key] = busy + 1
            if busy + 1 > self.peaks[key]:
                self.peaks[key] = busy + 1
            return True

    def release(self, key: str) -> None:
        with self._lock:
            self._busy[key] -= 1
            if self._busy[key] <= 0:
                del self._busy[key]

    def clear_peaks(self, limits: Mapping[str, int] | None = None) -> None:
        """Forget the peaks (and, given ``limits``, every key's own limit for these)."""
        with self._lock:
            self.peaks.clear()
            if limits is not None:
                self._limits = dict(limits)


@dataclass(slots=True)
class Latency:
    """The real gateway's answer time, modelled as a page costing a base plus a cost per
    returned record: the answer leaves that long after the request arrived, the time
    spent computing it included. The rest is waiting (never CPU), so concurrent requests
    overlap as they do in Intacct."""

    base_ms: int = 0
    per_row_us: int = 0

    def __post_init__(self) -> None:
        for name in ("base_ms", "per_row_us"):
            value = getattr(self, name)
            if type(value) is not int or not 0 <= value <= 600_000_000:
                raise ValueError(f"{name} must be an integer between 0 and 600,000,000")

    def seconds(self, records: int) -> float:
        return self.base_ms / 1000 + records * self.per_row_us / 1_000_000

    def __bool__(self) -> bool:
        return bool(self.base_ms or self.per_row_us)


_DATA_COUNT = re.compile(rb'<data\b[^>]*?\scount="(\d+)"')


def returned_records(media_type: str, body: bytes) -> int:
    """How many records an answer carries: the ``count`` of its ``<data>`` elements, the
    objects of a JSON answer (flat rows, so every ``{"`` opens one) or the lines of a CSV
    one after its header (a quoted value holding a line break counts twice; close enough
    for a delay)."""
    if "json" in media_type:
        return body.count(b'{"')
    if "csv" in media_type:
        return max(body.count(b"\n") - 1, 0)
    return sum(int(n) for n in _DATA_COUNT.findall(body))
