"""The emulator's clock: the real time, or a time moved for a test that runs on from there.

Everything the gateway stamps or reports as "now" reads it: WHENMODIFIED and ACCESSTIME
of writes (the company's wall clock), ``readUserFormatting``'s ``gmtoffset`` (the zone's
offset now), ``sessiontimestamp``. Moving it is how a test crosses a daylight saving
change without waiting for one. Sessions and cursors expire on the real clock, so moving
it does not sign anyone out.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["Clock", "move_clock"]


class Clock:
    """Now, as an aware UTC time; :meth:`set` moves it, :meth:`reset` puts it back."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._shift = timedelta(0)

    def now(self) -> datetime:
        with self._lock:
            shift = self._shift
        return datetime.now(UTC) + shift

    def set(self, moment: datetime) -> datetime:
        """From now on the clock reads ``moment`` (aware; naive is refused) and runs on."""
        if moment.tzinfo is None:
            raise ValueError(f"the clock needs a time with its UTC offset, not {moment}")
        with self._lock:
            self._shift = moment - datetime.now(UTC)
        return self.now()

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._shift += timedelta(seconds=seconds)
        return self.now()

    def reset(self) -> datetime:
        with self._lock:
            self._shift = timedelta(0)
        return self.now()

    @property
    def moved(self) -> bool:
        with self._lock:
            return self._shift != timedelta(0)


def move_clock(clock: Clock, changes: Mapping[str, Any]) -> None:
    """``{"now": ISO-8601 with its offset}`` or ``{"advance_s": seconds}``."""
    if set(changes) == {"now"} and isinstance(changes["now"], str):
        try:
            moment = datetime.fromisoformat(changes["now"].replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"now must be an ISO-8601 time, not {changes['now']!r}") from None
        if moment.tzinfo is None:
            raise ValueError(f"now needs its UTC offset (Z or +hh:mm): {changes['now']!r}")
        clock.set(moment)
    elif set(changes) == {"advance_s"} and type(changes["advance_s"]) in (int, float):
        clock.advance(changes["advance_s"])
    else:
        raise ValueError('the body must be {"now": "2027-11-07T08:30:00Z"} or {"advance_s": 60}')
