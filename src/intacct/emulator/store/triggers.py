"""Change notices: per-company subscriptions to an object's writes (Intacct's Platform
Triggers of type HTTP post with "Use webhook delivery" and a client ID, portal:
guides/webhooks; the trigger event queue, guides/events; or a Smart Event with an HTTP
post action, Intacct's help "Automate processes with Smart events") and the notices
committed writes make.

A subscription is ``{id, company, object, events, url, client_id, mode, body}``: ``object`` an
XML object name (``VENDOR``), ``events`` a subset of create, update, delete (Intacct's
add and set are taken for create and update), ``url`` the endpoint deliveries are posted
to, ``client_id`` an OAuth app (:mod:`.identities`) whose sender the company authorizes,
``mode`` ``webhook`` (posted by the emulator's sender, :mod:`..delivery`), ``queue``
(kept for the event queue, :mod:`.events`) or ``smart_event`` (posted once by the same
sender, its ``body`` a template, :mod:`..smart_events`; no ``client_id``: a Smart Event
belongs to the company, not to an OAuth app). Held in memory under one lock;
:meth:`Triggers.clear` (the store's reset) forgets them.

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
- A Smart Event's body template is at most :data:`MAX_TEMPLATE_CHARS` characters; a
  write it watches carries the record's stored values in its notice (for the template),
  a delete's as they were before it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from intacct.emulator.catalog import Catalog
from intacct.emulator.store.events import EventQueue
from intacct.emulator.store.identities import Identities

__all__ = [
    "EVENTS",
    "MAX_TEMPLATE_CHARS",
    "MODES",
    "SMART_EVENT",
    "Notice",
    "Subscription",
    "Triggers",
]

EVENTS = ("create", "update", "delete")
SMART_EVENT = "smart_event"
MODES = ("webhook", "queue", SMART_EVENT)
#: Intacct's words for a Smart Event's (and a trigger's) events, as ours
_INTACCT_EVENTS = {"add": "create", "set": "update"}
#: [U] the longest Smart Event body template (Intacct does not say)
MAX_TEMPLATE_CHARS = 16 * 1024
_FIELDS = frozenset({"company", "object", "events", "url", "client_id", "mode", "body"})
_USAGE = (
    'give {"company": "DEMO", "object": "VENDOR", "events": ["create", "update", '
    '"delete"], "url": "https://...", "client_id": "demo_client_id", "mode": '
    '"webhook"|"queue"}, or for a Smart Event {"company", "object", "events", "url", '
    '"mode": "smart_event", "body": "<template with {!VENDOR.RECORDNO!}>"}'
)


@dataclass(frozen=True, slots=True)
class Subscription:
    id: str
    company: str
    object: str
    events: tuple[str, ...]
    url: str
    client_id: str
    mode: str = "webhook"
    #: a Smart Event's body template ('' for the other modes)
    body: str = ""

    def as_json(self) -> dict[str, Any]:
        found = {
            "id": self.id,
            "company": self.company,
            "object": self.object,
            "events": list(self.events),
            "url": self.url,
            "client_id": self.client_id,
            "mode": self.mode,
        }
        return found | {"body": self.body} if self.mode == SMART_EVENT else found


@dataclass(frozen=True, slots=True)
class Notice:
    """One committed change of one record: who wrote it where, and when (the emulator's
    clock, UTC); ``values`` the record's stored values when a Smart Event watches its
    object (else None: the other modes need none)."""

    company: str
    entity: str
    userid: str
    object: str
    event: str
    key: str
    id: str | None
    at: datetime
    values: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

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
        self._templated: set[tuple[str, str]] = set()
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
        """A subscription from ``{company, object, events, url, client_id, mode, body}``
        (``mode`` webhook by default; ``url`` for webhooks and Smart Events, ``body`` and
        no ``client_id`` for a Smart Event); ValueError naming what is wrong."""
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
            self._templated.clear()
        self.events.clear()

    def watched(self, company: str, obj: str) -> bool:
        """Whether a write of ``obj`` in ``company`` makes a notice (cheap: every audited
        write asks)."""
        return (company, obj) in self._watched

    def templated(self, company: str, obj: str) -> bool:
        """Whether a Smart Event watches ``obj`` in ``company``: its notices carry the
        record's values."""
        return (company, obj) in self._templated

    def publish(self, notice: Notice) -> None:
        """A committed change: queued once per client of the queue subscriptions that
        match it, handed to the sender once per matching webhook or Smart Event
        subscription."""
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
                if subscription.mode != "queue":
                    outbox(notice, subscription)

    def _rewatch(self) -> None:
        listed = self._subscriptions.values()
        self._watched = {(s.company, s.object) for s in listed}
        self._templated = {(s.company, s.object) for s in listed if s.mode == SMART_EVENT}

    def _checked(self, given: Mapping[str, Any]) -> Subscription:
        mode = given.get("mode", "webhook")
        own = {"url", "body"} if mode == SMART_EVENT else {"client_id"}
        if set(given) - _FIELDS or not {"company", "object", "events", *own} <= set(given):
            raise ValueError(_USAGE)
        company, obj = self._watching(given["company"], given["object"])
        events = _events(given["events"])
        if mode not in MODES:
            raise ValueError(f"mode must be {', '.join(MODES)}, not {mode!r}")
        url = given.get("url", "")
        if not isinstance(url, str) or ((mode != "queue" or url) and not _absolute(url)):
            raise ValueError(f"url must be an absolute http(s) URL, not {url!r}")
        if mode == SMART_EVENT:
            client_id, body = _no_app(given), _template(given["body"])
        else:
            client_id, body = self._app(given, company), ""
        return Subscription(uuid.uuid4().hex, company, obj, events, url, client_id, mode, body)

    def _watching(self, company: Any, obj: Any) -> tuple[str, str]:
        """The company and the object's XML name a subscription watches."""
        if not isinstance(company, str) or self._identities.company(company) is None:
            raise ValueError(f"no company {company!r}")
        known = self._catalog.get(obj) if isinstance(obj, str) else None
        if known is None:
            raise ValueError(f"no object {obj!r}: give its XML name, such as VENDOR")
        return company, known.name

    def _app(self, given: Mapping[str, Any], company: str) -> str:
        """The client ID of a webhook's or the queue's app, which the company authorizes;
        a Smart Event takes no ``body``."""
        if "body" in given:
            raise ValueError("body is a Smart Event's template: give it with mode smart_event")
        client_id = given["client_id"]
        app = self._identities.app(client_id) if isinstance(client_id, str) else None
        if app is None:
            raise ValueError(f"no OAuth app {client_id!r}; /_emulator/oauth/apps lists them")
        if not self._identities.authorizes(app.senderid, company):
            raise ValueError(
                f"company {company} has not authorized the sender {app.senderid!r} "
                f"of client {client_id!r}"
            )
        return str(client_id)


def _events(given: Any) -> tuple[str, ...]:
    """Our events in their order, from ours or Intacct's words (add, set)."""
    if not isinstance(given, list) or not given or not all(isinstance(e, str) for e in given):
        given = [None]
    named = {_INTACCT_EVENTS.get(e, e) for e in given}
    if not named <= set(EVENTS):
        raise ValueError(
            f"events must be a non-empty list of {', '.join(EVENTS)} "
            "(or Intacct's add and set for create and update)"
        )
    return tuple(e for e in EVENTS if e in named)


def _no_app(given: Mapping[str, Any]) -> str:
    if given.get("client_id") not in (None, ""):
        raise ValueError("client_id: a Smart Event belongs to the company, not to an OAuth app")
    return ""


def _template(body: Any) -> str:
    if not isinstance(body, str) or not body.strip() or len(body) > MAX_TEMPLATE_CHARS:
        raise ValueError(
            f"body must be the Smart Event's template: text of 1 to {MAX_TEMPLATE_CHARS} characters"
        )
    return body


def _absolute(url: str) -> bool:
    return (
        url.startswith(("http://", "https://"))
        and len(url.split("/", 3)[2]) > 0
        and (not any(c.isspace() for c in url))
    )
