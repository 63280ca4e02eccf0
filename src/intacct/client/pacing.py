"""Slowing the whole client down when the gateway throttles it.

A throttled answer (HTTP 429 / GW-0010) says the company has more requests in flight
than its performance tier allows. Retrying only the throttled request would leave every
other thread pushing at the same rate, so :class:`Pacer` acts for all of them (every
thread and entity client of one company shares it):

* every request waits until the pause that the throttle set is over (``Retry-After``
  when the gateway sent one, else :data:`PAUSE_S`);
* one request slot is held back per throttle, down to a single slot, and given back
  after :data:`CALM_ANSWERS` answers in a row without one, so the client settles at the
  concurrency the company really has.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["CALM_ANSWERS", "PAUSE_S", "Pacer"]

#: the pause after a throttle without Retry-After [U] (Intacct documents no value)
PAUSE_S = 1.0
#: answers without a throttle before a held-back slot is given back
CALM_ANSWERS = 20


class Pacer:
    """The run-wide brake on a client's request ``slots`` (see the module docstring)."""

    def __init__(
        self,
        slots: threading.Semaphore,
        limit: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.slots, self.limit = slots, limit
        self.clock, self.sleep = clock, sleep
        self._lock = threading.Lock()
        self.held = 0  # slots taken out of use
        self.throttles = 0
        self._calm = 0
        self._resume_at = 0.0

    def wait(self) -> None:
        """Before a request: wait out the pause of the last throttle, if any."""
        with self._lock:
            delay = self._resume_at - self.clock()
        if delay > 0:
            self.sleep(delay)

    def throttled(self, retry_after: float | None) -> None:
        """After a throttled answer (its slot already given back)."""
        with self._lock:
            self.throttles += 1
            self._calm = 0
            pause = retry_after if retry_after and retry_after > 0 else PAUSE_S
            self._resume_at = max(self._resume_at, self.clock() + pause)
            hold = self.held < self.limit - 1
            if hold:
                self.held += 1
        if hold:
            self.slots.acquire()  # out of use until the gateway has been calm a while

    def answered(self) -> None:
        """After an answer that was not a throttle."""
        with self._lock:
            if not self.held:
                return
            self._calm += 1
            if self._calm < CALM_ANSWERS:
                return
            self._calm = 0
            self.held -= 1
        self.slots.release()
