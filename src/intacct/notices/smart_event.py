"""One Smart Event post of Intacct read and checked: body bytes in, a :class:`Notice`
out, or a :class:`~.delivery.DeliveryRefusedError` naming why (never with the token or
the body in it).

A Smart Event with an HTTP post action (Intacct's help "Automate processes with Smart
events") posts a body its author wrote, with injection parameters such as
``{!VENDOR.RECORDNO!}`` replaced by the record's values; Intacct neither signs it nor
lets the author set a header [U]. So the body carries a token the user chooses, the
receiver's ``smart_event_token`` setting, compared in constant time. The documented
template, one Smart Event per object and event (the event is a literal)::

    {"token": "<your token>", "companyId": "<COMPANY>", "object": "VENDOR",
     "event": "update", "key": "{!VENDOR.RECORDNO!}",
     "modified": "{!VENDOR.WHENMODIFIED!}"}

``event`` create, update or delete (Intacct's add and set are taken for create and
update), ``key`` and ``modified`` required (an unknown field injects empty text, so a
typo shows as a missing field), ``entityId`` and ``id`` optional; other fields are
ignored. The body is read as JSON whatever its content type [U: Intacct's is not
documented; the emulator sends ``application/x-www-form-urlencoded``], and as
``name=value&...`` pairs when it is not a JSON object.

Its idempotency key is derived (:func:`idempotency_key`): a duplicated or replayed post
is kept once, two real changes differ. [U] ``modified`` has Intacct's one-second
resolution: two changes of one record within the same second make one notice; if a
read ran between them, the follower's safety run finds the second.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from intacct.notices.delivery import EVENTS, MAX_BODY_BYTES, DeliveryRefusedError, Notice

__all__ = ["SMART_EVENT_CLIENT", "idempotency_key", "read_smart_event"]

#: the client ID of a Smart Event's notices: they come for no OAuth app
SMART_EVENT_CLIENT = ""
#: Intacct's words for a Smart Event's events, as ours
_INTACCT_EVENTS = {"add": "create", "set": "update"}
#: a notice's fields are few; a form of more names is no Smart Event of ours
_MAX_FIELDS = 50


def read_smart_event(body: bytes, token: str | None, now: float) -> Notice:
    """The notice a Smart Event post carries, its token checked against ``token`` (None
    or '': none configured, every post refused); ``now`` the receive time (seconds
    since the epoch), its ``occurred_at``."""
    if len(body) > MAX_BODY_BYTES:
        raise DeliveryRefusedError(413, f"body of {len(body)} bytes, over {MAX_BODY_BYTES}")
    if not token:
        raise DeliveryRefusedError(
            401, "no Smart Event token configured: this receiver takes webhooks only"
        )
    data = _fields(body)
    given = data.get("token")
    if not isinstance(given, str) or not given:
        raise DeliveryRefusedError(401, "the body carries no token")
    if not hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
        raise DeliveryRefusedError(401, "the body's token is not the receiver's")
    return _notice(data, now)


def idempotency_key(company: str, obj: str, key: str, event: str, modified: str) -> str:
    """The same for every copy of one post, different for another change."""
    digest = hashlib.sha256("|".join((company, obj, key, event, modified)).encode("utf-8"))
    return f"smart-event:{digest.hexdigest()}"


def _fields(body: bytes) -> dict[str, Any]:
    """The body's fields: a JSON object, else ``name=value&...`` pairs (a name given
    twice is a list, which no field takes)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise DeliveryRefusedError(400, "the body is not UTF-8") from None
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            raise DeliveryRefusedError(400, "the body is not JSON") from None
        if not isinstance(data, dict):
            raise DeliveryRefusedError(400, "the body is not a JSON object")
        return data
    try:
        pairs = parse_qs(text, keep_blank_values=True, max_num_fields=_MAX_FIELDS)
    except ValueError:
        raise DeliveryRefusedError(400, "the body is neither JSON nor name=value pairs") from None
    return {name: values[0] if len(values) == 1 else values for name, values in pairs.items()}


def _notice(data: Mapping[str, Any], now: float) -> Notice:
    said = _text(data, "event").lower()
    event = _INTACCT_EVENTS.get(said, said)
    if event not in EVENTS:
        raise DeliveryRefusedError(
            400, f"the body's event is none of {', '.join(EVENTS)} (or add, set)"
        )
    company, obj = _text(data, "companyId"), _text(data, "object").upper()
    key, modified = _text(data, "key"), _text(data, "modified")
    return Notice(
        idempotency_key=idempotency_key(company, obj, key, event, modified),
        client_id=SMART_EVENT_CLIENT,
        company=company,
        entity=_optional(data, "entityId") or "",
        object=obj,
        event=event,
        key=key,
        id=_optional(data, "id"),
        occurred_at=_iso(now),
    )


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise DeliveryRefusedError(400, f"the body's {name} is missing or not text")
    return value.strip()


def _optional(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise DeliveryRefusedError(400, f"the body's {name} is not text")
    return value


def _iso(now: float) -> str:
    """``2026-11-26T04:02:42.123Z``: UTC, milliseconds, as Intacct's webhooks say it."""
    moment = datetime.fromtimestamp(now, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
