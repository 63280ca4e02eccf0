"""The trigger event queue (portal: guides/events, early adopter; pull-based): the
notices of a company's ``queue`` subscriptions (:mod:`.triggers`), kept per company and
client ID until the client acknowledges them (:mod:`..rest.events` serves
``services/delivery/event/count``, ``/list`` and ``/acknowledge``).

Choices the portal leaves open, all [U]:

- An event listed is leased to its lister for :data:`LEASE_S` (60 s) on the emulator's
  clock (so a test moves the clock instead of waiting); not acknowledged by then, it is
  listed again with the same ``eventId``. ``count`` counts every event not acknowledged
  yet, leased or not.
- Unknown or already acknowledged ids are ignored by an acknowledgement.
- At most :data:`MAX_EVENTS` (100,000) events per company and client: beyond it the
  oldest are dropped (counted as ``event_queue.dropped`` in the emulator's stats).
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["LEASE_S", "MAX_EVENTS", "EventQueue"]

LEASE_S = 60.0
MAX_EVENTS = 100_000


@dataclass(slots=True)
class _Event:
    payload: dict[str, Any]
    leased_until: float = 0.0


class EventQueue:
    """Events by (company, client id), oldest first; every operation holds one lock."""

    def __init__(self, max_events: int = MAX_EVENTS) -> None:
        self._queues: dict[tuple[str, str], OrderedDict[str, _Event]] = {}
        self._lock = threading.Lock()
        self.max_events = max_events

    def add(self, company: str, client_id: str, payload: Mapping[str, Any]) -> int:
        """Queue one event; how many of the oldest were dropped to make room."""
        with self._lock:
            queue = self._queues.setdefault((company, client_id), OrderedDict())
            queue[str(uuid.uuid4())] = _Event(dict(payload))
            dropped = 0
            while len(queue) > self.max_events:
                queue.popitem(last=False)
                dropped += 1
            return dropped

    def count(self, company: str, client_id: str) -> int:
        with self._lock:
            return len(self._queues.get((company, client_id), ()))

    def lease(self, company: str, client_id: str, size: int, now: float) -> list[dict[str, Any]]:
        """Up to ``size`` events not leased at ``now`` (seconds on the emulator's clock),
        oldest first, each ``{"eventId", **payload}``, leased until ``now + LEASE_S``."""
        listed: list[dict[str, Any]] = []
        with self._lock:
            for event_id, event in self._queues.get((company, client_id), {}).items():
                if len(listed) >= size:
                    break
                if event.leased_until > now:
                    continue
                event.leased_until = now + LEASE_S
                listed.append({"eventId": event_id, **event.payload})
        return listed

    def acknowledge(self, company: str, client_id: str, event_ids: Iterable[str]) -> int:
        """Forget the events named; how many there were."""
        with self._lock:
            queue = self._queues.get((company, client_id))
            if queue is None:
                return 0
            return sum(queue.pop(e, None) is not None for e in event_ids)

    def clear(self) -> None:
        with self._lock:
            self._queues.clear()
