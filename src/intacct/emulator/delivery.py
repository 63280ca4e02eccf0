"""The emulator's webhook sender: what Intacct's outbound webhooks do (portal:
guides/webhooks) with the notices of ``webhook`` subscriptions (:mod:`.store.triggers`),
and what its Smart Events' HTTP post action does with those of ``smart_event`` ones
(:mod:`.smart_events`).

One thread per emulator, started with its first notice and stopped by the emulator's
close (as :mod:`.worker`'s), posts each delivery with one ``httpx.Client``:

``POST <url>``, the body UTF-8 JSON ``{"companyId", "entityId", "object", "event",
"key", "id", "occurredAt"}`` (:meth:`.Notice.payload`), with the headers
``Content-Type: application/json``, ``Idempotency-Key`` (a UUID 4, the same for every
attempt of one delivery), ``X-Trusted-Context`` (base64 of the JSON ``{"clientId",
"companyId", "entityId", "userId"}``) and ``Authorization: Bearer <JWT>``: HS256, keyed
with the subscription's OAuth app's client secret (UTF-8), claims ``iss`` (the
emulator's REST base URL, as its access tokens name it), ``aud`` (the client ID),
``sub`` (the company), ``iat``, ``exp`` (``iat`` + 300), ``jti`` (the idempotency key)
and ``body_sha256`` (hex SHA-256 of the exact body bytes).

An answer other than 2xx, or a request that fails, is a failed attempt: on 408, 429,
500, 502, 503, 504 or a transport error (refused connection, timeout, a connection
dropped mid-answer) the delivery is tried again: 10 s after the first failure, 30 s
after the second, 90 s after the third (Sage's "retries occur at the following
intervals"; 4 attempts in all, "up to 4 attempts"), then given up (logged); any other
answer gives it up at once. ``/_emulator/webhooks/pace`` ``{"retry_scale": 0.01}`` scales the retry
delays so tests need not wait.

Counters (the emulator's stats, in all and as ``<name>.<COMPANY>``):
``webhook.attempts`` every request sent, ``webhook.failed`` every failed attempt,
``webhook.delivered`` deliveries answered 2xx, ``webhook.given_up`` deliveries that
ended without one; the faults count ``webhook.lost``, ``webhook.duplicated`` and
``webhook.reordered``.

A Smart Event's delivery (the same thread, queues and faults; its own [U] choices are
:mod:`.smart_events`'): ``POST <url>``, the subscription's template rendered for the
record (:func:`.smart_events.render`), ``Content-Type:
application/x-www-form-urlencoded``, no signature; one attempt: a failure is
``smart_event.failed`` and the post is lost. Counters ``smart_event.attempts``,
``smart_event.delivered``, ``smart_event.failed``; the faults' ``smart_event.lost``,
``smart_event.duplicated``, ``smart_event.reordered``.

Faults (``/_emulator/webhooks/faults``, the request faults' spec and schedule,
:mod:`.faults`, seeded with the emulator's seed so a schedule replays): ``delay_ms=N``
holds a delivery N ms, ``duplicate=1`` sends it twice (the same idempotency key),
``reorder=1`` holds it until the subscription's next delivery has gone (or
:data:`REORDER_HOLD_S`), ``lose=1`` never sends it; matched by ``company``, ``object``,
``event``, ``p``, ``times``, ``every``, ``after``, ``from_s``/``until_s``.

Choices the portal leaves open, all [U]:

- Any 2xx is a success (Sage: "until a successful HTTP status code of 200"); a status
  not in the retried list (another 4xx, a 3xx: redirects are not followed) ends the
  delivery, not retried; every transport error is retried, as a timeout is.
- Each attempt waits at most :data:`ATTEMPT_TIMEOUT_S` (10 s) for its answer.
- The deliveries of one subscription go in notice order: a delivery being retried
  holds back the subscription's later ones (other subscriptions go on). One thread
  sends, one attempt at a time.
- Each attempt is signed anew (``iat`` now); ``iat``/``exp`` are read on the
  emulator's clock, as every time it stamps.
- A delivery whose subscription was removed (or the emulator reset) is dropped; one
  whose app is gone or no longer authorized by the company is given up.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import httpx

from intacct.emulator.faults import SCHEDULE_KEYS, FaultRule, Faults
from intacct.emulator.rest import jwt
from intacct.emulator.smart_events import CONTENT_TYPE, render
from intacct.emulator.store import Notice, Store, Subscription
from intacct.emulator.store.triggers import SMART_EVENT
from intacct.emulator.worker import Background

__all__ = [
    "ATTEMPTS",
    "ATTEMPT_TIMEOUT_S",
    "REORDER_HOLD_S",
    "RETRY_DELAYS_S",
    "RETRY_STATUSES",
    "TOKEN_TTL_S",
    "DeliveryFault",
    "DeliveryFaults",
    "WebhookSender",
]

log = logging.getLogger("intacct.emulator")

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: after the first failure, the second and the third
RETRY_DELAYS_S = (10.0, 30.0, 90.0)
ATTEMPTS = len(RETRY_DELAYS_S) + 1
ATTEMPT_TIMEOUT_S = 10.0
TOKEN_TTL_S = 300
#: [U] how long ``reorder=1`` holds a delivery when no later one comes to pass it
REORDER_HOLD_S = 5.0

#: counts ``name`` in all and for a company
Count = Callable[[str, str], None]


@dataclass(slots=True)
class DeliveryFault(FaultRule):
    """A delivery fault: ``delay_ms``, ``duplicate``, ``reorder`` or ``lose``."""

    KEYS: ClassVar[frozenset[str]] = frozenset(
        {"event", "delay_ms", "duplicate", "reorder", "lose", *SCHEDULE_KEYS}
    )
    FLAGS: ClassVar[tuple[str, ...]] = ("duplicate", "reorder", "lose")
    EFFECTS: ClassVar[tuple[str, ...]] = ("delay_ms", "duplicate", "reorder", "lose")

    event: str | None = None
    duplicate: bool = False
    reorder: bool = False
    lose: bool = False

    def matches(self, functions: Sequence[str], objects: Sequence[str], company: str) -> bool:
        if self.event and self.event not in functions:
            return False
        return FaultRule.matches(self, functions, objects, company)


class DeliveryFaults(Faults):
    rule_type = DeliveryFault

    def hit(self, notice: Notice) -> DeliveryFault | None:
        """The first rule that fires for ``notice`` (its event, object and company)."""
        rule = self.match([notice.event], [notice.object], notice.company)
        return rule if isinstance(rule, DeliveryFault) else None


@dataclass(slots=True)
class _Delivery:
    subscription: Subscription
    notice: Notice
    body: bytes
    key: str
    due: float  # time.monotonic() it may go at the earliest
    attempts: int = 0
    held: bool = False  # reorder: waits for the subscription's next delivery

    @property
    def kind(self) -> str:
        """``webhook`` or ``smart_event``: its counters' prefix."""
        return self.subscription.mode


class WebhookSender(Background):
    """Posts the webhook and Smart Event notices of ``store``'s subscriptions; ``count``
    gets the counters; ``issuer()`` is the REST base URL the tokens name. :meth:`close`
    stops after the attempt under way; what is pending is dropped."""

    def __init__(self, store: Store, count: Count, *, seed: int = 0) -> None:
        super().__init__("emulator-webhooks", ATTEMPT_TIMEOUT_S + 20)
        self._store = store
        self._count = count
        self._queues: dict[str, deque[_Delivery]] = {}
        self._retry_scale = 1.0
        self.faults = DeliveryFaults(seed=seed)
        self.issuer: Callable[[], str] = lambda: "http://127.0.0.1/ia/api/v1"

    # -- what the store hands over -----------------------------------------------------

    def send(self, notice: Notice, subscription: Subscription) -> None:
        """A committed notice for a webhook or Smart Event subscription: queued behind
        the subscription's earlier ones, as the faults make it."""
        rule = self.faults.hit(notice)
        company, kind = notice.company, subscription.mode
        if rule is not None and rule.lose:
            self._count(f"{kind}.lost", company)
            log.info("%s to %s lost (fault %s)", kind, subscription.url, rule.spec)
            return
        body = self._body(notice, subscription)
        now = time.monotonic()
        delay = rule.delay_ms / 1000 if rule is not None else 0.0
        delivery = _Delivery(subscription, notice, body, str(uuid.uuid4()), now + delay)
        with self._cond:
            if not self._wake():
                return
            queue = self._queues.setdefault(subscription.id, deque())
            if queue and queue[-1].held and not queue[-1].attempts:
                held = queue.pop()  # the next delivery passes the one held back
                held.held, held.due = False, now
                queue.extend((delivery, held))
            else:
                queue.append(delivery)
            if rule is not None and rule.reorder:
                delivery.held, delivery.due = True, now + delay + REORDER_HOLD_S
                self._count(f"{kind}.reordered", company)
            if rule is not None and rule.duplicate:
                queue.append(replace(delivery))  # the same key and body, sent again
                self._count(f"{kind}.duplicated", company)

    def _body(self, notice: Notice, subscription: Subscription) -> bytes:
        """A webhook's JSON, or a Smart Event's template rendered for the record."""
        if subscription.mode != SMART_EVENT:
            payload = notice.payload()
            return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        company = self._store.identities.company(notice.company)
        date_format = company.date_format if company is not None else "%m/%d/%Y"
        obj = self._store.catalog[notice.object]
        return render(subscription.body, obj, notice.values or {}, date_format).encode()

    # -- controls -----------------------------------------------------------------------

    def pace(self, *, retry_scale: float | None = None) -> dict[str, Any]:
        """``retry_scale`` multiplies the retry delays (1: Intacct's 10, 30, 90 s)."""
        with self._cond:
            if retry_scale is not None:
                self._retry_scale = retry_scale
                self._cond.notify_all()
            return {"retry_scale": self._retry_scale}

    def clear(self) -> None:
        """Forget every pending delivery and fault; the real retry delays again."""
        with self._cond:
            self._queues.clear()
            self._retry_scale = 1.0
            self._cond.notify_all()
        self.faults.clear()

    # -- the thread -----------------------------------------------------------------------

    def _run(self) -> None:
        with httpx.Client(timeout=ATTEMPT_TIMEOUT_S, follow_redirects=False) as client:
            while (delivery := self._next()) is not None:
                try:
                    outcome = self._attempt(client, delivery)
                except Exception:  # a bug must not end the thread: the delivery is given up
                    log.exception("%s delivery %s failed", delivery.kind, delivery.key)
                    outcome = "lost" if delivery.kind == SMART_EVENT else "give_up"
                self._settle(delivery, outcome)

    def _next(self) -> _Delivery | None:
        """The delivery whose turn it is (the earliest due head of a subscription's
        queue), once it is due; None when closed."""
        with self._cond:
            while not self._closed:
                heads = [q[0] for q in self._queues.values() if q]
                if not heads:
                    self._cond.wait()
                    continue
                first = min(heads, key=lambda d: d.due)
                left = first.due - time.monotonic()
                if left <= 0:
                    first.held = False  # going now: nothing passes it any more
                    return first
                self._cond.wait(left)
            return None

    def _attempt(self, client: httpx.Client, delivery: _Delivery) -> str:
        """One POST: ``done``, ``retry``, ``give_up``, ``lost`` (a Smart Event's one
        attempt failed) or ``dropped``."""
        subscription, notice = delivery.subscription, delivery.notice
        if self._store.triggers.get(subscription.id) is not subscription:
            return "dropped"
        headers = self._headers_of(delivery)
        if headers is None:
            return "give_up"
        kind, company = delivery.kind, notice.company
        self._count(f"{kind}.attempts", company)
        try:
            answer = client.post(subscription.url, content=delivery.body, headers=headers)
        except httpx.TransportError as exc:
            log.info("%s %s to %s: %s", kind, delivery.key, subscription.url, exc)
            status = None
        else:
            status = answer.status_code
        if status is not None and 200 <= status < 300:
            self._count(f"{kind}.delivered", company)
            return "done"
        self._count(f"{kind}.failed", company)
        if status is not None:
            log.info("%s %s to %s: HTTP %s", kind, delivery.key, subscription.url, status)
        if kind == SMART_EVENT:
            return "lost"
        return "retry" if status is None or status in RETRY_STATUSES else "give_up"

    def _headers_of(self, delivery: _Delivery) -> dict[str, str] | None:
        """A Smart Event's one header; a webhook's signed ones, None when its app is
        gone or no longer authorized by the company (the delivery is given up)."""
        if delivery.kind == SMART_EVENT:
            return {"Content-Type": CONTENT_TYPE}
        client_id, company = delivery.subscription.client_id, delivery.notice.company
        app = self._store.identities.app(client_id)
        if app is None or not self._store.identities.authorizes(app.senderid, company):
            log.warning(
                "webhook %s given up: client %s is gone or not authorized by %s",
                delivery.key,
                client_id,
                company,
            )
            return None
        return self._headers(delivery, app.client_secret)

    def _headers(self, delivery: _Delivery, secret: str) -> dict[str, str]:
        notice = delivery.notice
        now = int(self._store.clock.now().timestamp())
        claims = {
            "iss": self.issuer(),
            "aud": delivery.subscription.client_id,
            "sub": notice.company,
            "iat": now,
            "exp": now + TOKEN_TTL_S,
            "jti": delivery.key,
            "body_sha256": hashlib.sha256(delivery.body).hexdigest(),
        }
        context = {
            "clientId": delivery.subscription.client_id,
            "companyId": notice.company,
            "entityId": notice.entity,
            "userId": notice.userid,
        }
        trusted = json.dumps(context, separators=(",", ":")).encode()
        return {
            "Content-Type": "application/json",
            "Idempotency-Key": delivery.key,
            "X-Trusted-Context": base64.b64encode(trusted).decode("ascii"),
            "Authorization": f"Bearer {jwt.sign(claims, secret.encode())}",
        }

    def _settle(self, delivery: _Delivery, outcome: str) -> None:
        """After an attempt: the delivery leaves its queue, or waits for its retry."""
        delivery.attempts += 1
        company = delivery.notice.company
        with self._cond:
            queue = self._queues.get(delivery.subscription.id)
            if queue is None or not queue or queue[0] is not delivery:
                return  # cleared meanwhile
            if outcome == "retry" and delivery.attempts < ATTEMPTS:
                wait = RETRY_DELAYS_S[delivery.attempts - 1] * self._retry_scale
                delivery.due = time.monotonic() + wait
                return
            queue.popleft()
            if not queue:
                del self._queues[delivery.subscription.id]
        if outcome == "lost":
            log.warning("smart event %s to %s lost: one attempt, not sent again",
                        delivery.key, delivery.subscription.url)  # fmt: skip
        elif outcome in ("retry", "give_up"):
            self._count("webhook.given_up", company)
            log.warning(
                "webhook %s to %s given up after %d attempt(s)",
                delivery.key,
                delivery.subscription.url,
                delivery.attempts,
            )
