"""The REST API's idempotency keys (the ``Idempotency-Key`` header of a write), kept per
company and user as Sage's error-handling guide words its 409: "Two requests from the
same user have the same idempotency key" (portal: guides/error-handling).

[U] Sage publishes no lifetime: a key is remembered for 24 hours (the common practice of
APIs that document one), on the emulator's clock so a test moves time instead of
waiting. [U] A key is held while its request runs (a second request meanwhile is the
409 too) and kept only when the request wrote something: a request refused whole
leaves its key free, so a corrected retry goes through while the retry of a lost
answer never writes twice.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = ["KEY_TTL_S", "IdempotencyKeys", "Used"]

KEY_TTL_S = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Used:
    """A key already taken: ``written`` the hrefs its request wrote ('' while it runs)."""

    written: tuple[str, ...]
    until: float


class IdempotencyKeys:
    """Keys by (company, user, key); every operation holds one lock."""

    def __init__(self) -> None:
        self._keys: dict[tuple[str, str, str], Used] = {}
        self._lock = threading.Lock()

    def claim(self, company: str, user: str, key: str, now: float) -> Used | None:
        """Take ``key`` for a request starting ``now``; the earlier use when it is taken."""
        with self._lock:
            self._expire(now)
            found = self._keys.get((company, user, key))
            if found is None:
                self._keys[(company, user, key)] = Used((), now + KEY_TTL_S)
            return found

    def settle(self, company: str, user: str, key: str, written: tuple[str, ...]) -> None:
        """The request of ``key`` ended: kept with what it wrote, freed if nothing."""
        with self._lock:
            found = self._keys.pop((company, user, key), None)
            if found is not None and written:
                self._keys[(company, user, key)] = Used(written, found.until)

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()

    def _expire(self, now: float) -> None:
        for name in [k for k, used in self._keys.items() if used.until <= now]:
            del self._keys[name]
