"""Change notices: per-company subscriptions to an object's writes (Intacct's Platform
Triggers of type HTTP post with "Use webhook delivery" and a client ID, portal:
guides/webhooks; or the trigger event queue, guides/events) and the notices committed
writes make.

A subscription is ``{id, company, object, events, url, client_id, mode}``: ``object`` an
XML object name (``VENDOR``), ``events`` a subset of create, update, delete, ``url`` the
endpoint deliveries are posted to, ``client_id`` an OAuth app (:mod:`.identities`) whose
sender the company authorizes, ``mode`` ``webhook`` (posted by the emulator's sender,
:mod:`..delivery`) or ``queue`` (kept for the event queue, :mod:`.events`). Held in
memory under one lock; :meth:`Triggers.clear` (the store's reset) forgets them.

Every audited write (create, update, delete) of both APIs and of bulk jobs goes through
``Records.audit`` (:mod:`.records`), which asks for a :class:`Notice` when the company
watches the object; the notice is published only once the write's outermost transaction
commits (``Database.after_commit``): a write rolled back sends nothing. Lines written
with their document notify only their own subscribers (the line object's).

Choices no source settles, all [U]:

- Intacct configures triggers in its UI and offers no API for them: here a control
  (``/_emulator/webhooks``) and in-process methods.
- Triggers fire on delete too (Smart Events fire on add/set/delete; a platform trigger
  can be set "before/after delete"); lines removed with their deleted document send no
  delete of their own.
- ``entityId`` is the entity of the session that wrote ('' at the top level), as the
  trusted context's; ``userId`` its user.
- Plain ``http://`` URLs are accepted (Sage requires HTTPS endpoints; a local receiver
  in a test has none).
- A subscription whose app is gone, or whose sender the company no longer authorizes,
  makes no deliveries (logged) until that is mended.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from intacct.emulator.catalog import Catalog
from intacct.emulator.store.events import EventQueue
from intacct.emulator.store.identities import Identities

__all__ = ["EVENTS", "MODES", "Notice", "Subscription", "Triggers"]

EVENTS = ("create", "update", "delete")
MODES = ("webhook", "queue")


@dataclass(frozen=True, slots=True)
class Subscription:
    id: str
    company: str
    object: str
    events: tuple[str, ...]
    url: str
    client_id: str
    mode: str = "webhook"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "company": self.company,
            "object": self.object,
            "events": list(self.events),
            "url": self.url,
            "client_id": self.client_id,
            "mode": self.mode,
        }


@dataclass(frozen=True, slots=True)
class Notice:
    """One committed change of one record: who wrote it where, and when (the emulator's
    clock, UTC)."""

    company: str
    entity: str
    userid: str
    object: str
    event: str
    key: str
    id: str | None
    at: datetime

    def payload(self) -> dict[str, Any]:
        """The body of a webhook delivery and of an event queue's event, in this order."""
        return {
            "companyId": self.company,
            "entityId": self.entity,
            "object": self.object,
            "event": self.event,
            "key": self.key,
            "id": self.id,
            "occurredAt": utc_text(self.at),
        }


def utc_text(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and ``Z``: ``2026-11-26T04:02:42.123Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


#: what the emulator's sender does with a webhook subscription's notice
Outbox = Callable[[Notice, Subscription], None]
#: counts ``name`` for a company (the emulator's stats)
Counter = Callable[[str, str], None]


class Triggers:
    """The subscriptions of every company and where their notices go."""

    def __init__(self, identities: Identities, catalog: Catalog, events: EventQueue) -> None:
        self._identities = identities
        self._catalog = catalog
        self.events = events
        self._lock = threading.Lock()
        self._subscriptions: dict[str, Subscription] = {}
        self._watched: set[tuple[str, str]] = set()
        self._outbox: Outbox | None = None
        self._count: Counter | None = None

    def attach(self, outbox: Outbox | None, count: Counter | None) -> None:
        """Where webhook notices go and what counts dropped events (an emulator's
        sender); None detaches them (webhook notices are then not sent)."""
        with self._lock:
            self._outbox, self._count = outbox, count

    def detach(self, outbox: Outbox) -> None:
        """Detach ``outbox`` if it is still the one attached (an emulator closing)."""
        with self._lock:
            if self._outbox == outbox:
                self._outbox, self._count = None, None

    def add(self, given: Mapping[str, Any]) -> Subscription:
        """A subscription from ``{company, object, events, url, client_id, mode}``
        (``mode`` webhook by default; ``url`` only for webhooks); ValueError naming what
        is wrong."""
        subscription = self._checked(given)
        with self._lock:
            self._subscriptions[subscription.id] = subscription
            self._rewatch()
        return subscription

    def remove(self, subscription_id: str) -> bool:
        with self._lock:
            found = self._subscriptions.pop(subscription_id, None)
            self._rewatch()
        return found is not None

    def get(self, subscription_id: str) -> Subscription | None:
        with self._lock:
            return self._subscriptions.get(subscription_id)

    def listed(self) -> list[Subscription]:
        with self._lock:
            return list(self._subscriptions.values())

    def clear(self) -> None:
        with self._lock:
            self._subscriptions.clear()
            self._watched.clear()
        self.events.clear()

    def watched(self, company: str, obj: str) -> bool:
        """Whether a write of ``obj`` in ``company`` makes a notice (cheap: every audited
        write asks)."""
        return (company, obj) in self._watched

    def publish(self, notice: Notice) -> None:
        """A committed change: queued once per client of the queue subscriptions that
        match it, handed to the sender once per matching webhook subscription."""
        with self._lock:
            matching = [
                s
                for s in self._subscriptions.values()
                if (s.company, s.object) == (notice.company, notice.object)
                and notice.event in s.events
            ]
            outbox, count = self._outbox, self._count
        clients = dict.fromkeys(s.client_id for s in matching if s.mode == "queue")
        for client_id in clients:
            dropped = self.events.add(notice.company, client_id, notice.payload())
            if dropped and count is not None:
                count("event_queue.dropped", notice.company)
        if outbox is not None:
            for subscription in matching:
                if subscription.mode == "webhook":
                    outbox(notice, subscription)

    def _rewatch(self) -> None:
        self._watched = {(s.company, s.object) for s in self._subscriptions.values()}

    def _checked(self, given: Mapping[str, Any]) -> Subscription:
        allowed = {"company", "object", "events", "url", "client_id", "mode"}
        if set(given) - allowed or not {"company", "object", "events", "client_id"} <= set(given):
            raise ValueError(
                'give {"company": "DEMO", "object": "VENDOR", "events": ["create", '
                '"update", "delete"], "url": "https://...", "client_id": "demo_client_id", '
                '"mode": "webhook"|"queue"}'
            )
        company, obj, client_id = given["company"], given["object"], given["client_id"]
        mode, url, events = given.get("mode", "webhook"), given.get("url", ""), given["events"]
        if not isinstance(company, str) or self._identities.company(company) is None:
            raise ValueError(f"no company {company!r}")
        known = self._catalog.get(obj) if isinstance(obj, str) else None
        if known is None:
            raise ValueError(f"no object {obj!r}: give its XML name, such as VENDOR")
        if (
            not isinstance(events, list)
            or not events
            or not all(isinstance(e, str) and e in EVENTS for e in events)
        ):
            raise ValueError(f"events must be a non-empty list of {', '.join(EVENTS)}")
        if mode not in MODES:
            raise ValueError(f"mode must be {' or '.join(MODES)}, not {mode!r}")
        if not isinstance(url, str) or ((mode == "webhook" or url) and not _absolute(url)):
            raise ValueError(f"url must be an absolute http(s) URL, not {url!r}")
        app = self._identities.app(client_id) if isinstance(client_id, str) else None
        if app is None:
            raise ValueError(f"no OAuth app {client_id!r}; /_emulator/oauth/apps lists them")
        if not self._identities.authorizes(app.senderid, company):
            raise ValueError(
                f"company {company} has not authorized the sender {app.senderid!r} "
                f"of client {client_id!r}"
            )
        ordered = tuple(e for e in EVENTS if e in events)
        return Subscription(uuid.uuid4().hex, company, known.name, ordered, url, client_id, mode)


def _absolute(url: str) -> bool:
    return (
        url.startswith(("http://", "https://"))
        and len(url.split("/", 3)[2]) > 0
        and (not any(c.isspace() for c in url))
    )
