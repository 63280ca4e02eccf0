"""One webhook delivery of Intacct read and verified: headers and body bytes in, a
:class:`Notice` out, or a :class:`DeliveryRefusedError` naming why (and the HTTP status the
receiver answers), so that a forged, tampered, replayed or malformed delivery is never
acted on.

What Intacct sends (portal: guides/webhooks; the emulator sends the same): an
``Authorization`` bearer JWT, an ``X-Trusted-Context`` header (base64 JSON naming the
client ID), an idempotency key that stays the same across retries, a JSON body. [U]
Sage publishes neither the token's key nor its claims; we take the reading the emulator
implements: HS256 keyed with the OAuth app's client secret (the one secret Intacct and
the app share), ``aud`` the client ID, ``sub`` the company, ``jti`` the idempotency key
(header ``Idempotency-Key``), ``iat``/``exp`` at most :data:`MAX_LIFETIME_S` apart, and
``body_sha256`` the body's digest, so a signature cannot be moved onto another body. The
body: ``companyId``, ``entityId``, ``object`` (the XML object), ``event`` (create, update,
delete), ``key`` (its RECORDNO), ``id`` and ``occurredAt`` (ISO UTC).

A replay inside the token's lifetime carries a key already recorded: the queue
(:mod:`.queue`) drops it; one after it is expired (401).

``iss`` is checked only when the receiver knows whom to expect (``issuer``: ``intacct
notices serve`` gives the REST base URL beside the connection's ``api_url`` when it
names one, ``http://127.0.0.1:PORT/ia/api/v1`` for the emulator, which signs that [U:
Sage does not publish the claim]); without one any issuer is taken. A receiver that
serves no app (Smart Events only) refuses every delivery (401).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from intacct.protocol.jws import verify

__all__ = [
    "EVENTS",
    "MAX_BODY_BYTES",
    "MAX_LIFETIME_S",
    "DeliveryRefusedError",
    "Notice",
    "notice_from",
    "read_delivery",
]

#: a notice names one record: a few hundred bytes; more is no notice of Intacct's
MAX_BODY_BYTES = 64 * 1024
#: the longest a delivery's token may live (the emulator's live 300 s)
MAX_LIFETIME_S = 600
#: clock skew allowed between Intacct and the receiver
_LEEWAY_S = 60
EVENTS = ("create", "update", "delete")


class DeliveryRefusedError(Exception):
    """A delivery not acted on: ``status`` the HTTP answer, ``reason`` for the log (no
    token or secret in it)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Notice:
    """One record changed in Intacct, as a delivery announced it."""

    idempotency_key: str
    client_id: str
    company: str
    entity: str
    object: str
    event: str
    key: str
    id: str | None
    occurred_at: str


def read_delivery(
    headers: Mapping[str, str],
    body: bytes,
    secrets: Mapping[str, str],
    now: float,
    issuer: str | None = None,
) -> Notice:
    """The notice a delivery carries, verified; ``headers`` with lower-case names,
    ``secrets`` the client secret of each OAuth app deliveries may come for, ``issuer``
    the token's expected ``iss`` (None: not checked)."""
    if len(body) > MAX_BODY_BYTES:
        raise DeliveryRefusedError(413, f"body of {len(body)} bytes, over {MAX_BODY_BYTES}")
    if not secrets:
        raise DeliveryRefusedError(401, "no app configured: this receiver takes Smart Events only")
    token = _bearer(headers.get("authorization", ""))
    context = _trusted_context(headers.get("x-trusted-context", ""))
    client_id = str(context.get("clientId") or "")
    secret = secrets.get(client_id)
    if secret is None:
        raise DeliveryRefusedError(
            401, f"not for an app this receiver serves (client {client_id!r})"
        )
    claims = verify(token, secret.encode("utf-8"))
    if claims is None:
        raise DeliveryRefusedError(
            401, "the token's signature does not verify (HS256, the app's secret)"
        )
    if issuer is not None and claims.get("iss") != issuer.rstrip("/"):
        raise DeliveryRefusedError(401, _other_issuer(claims.get("iss"), issuer.rstrip("/")))
    _check_claims(claims, client_id, headers.get("idempotency-key", ""), body, now)
    return _notice(claims, context, client_id, body)


def _other_issuer(named: Any, expected: str) -> str:
    """Why a token of another issuer is refused: both named, so a receiver verifying
    against another connection than the sender's shows (the claim is signed by the
    app's secret: it is the sender's own)."""
    if not isinstance(named, str) or not named:
        return f"the token names no issuer, not {expected}"
    return f"the token's issuer is {named[:200]}, not {expected}"


def _bearer(header: str) -> str:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise DeliveryRefusedError(401, "unsigned: no Authorization bearer token")
    return token.strip()


def _trusted_context(header: str) -> dict[str, Any]:
    if not header:
        raise DeliveryRefusedError(401, "no X-Trusted-Context header")
    try:
        context = json.loads(base64.b64decode(header, validate=True))
    except (binascii.Error, ValueError):
        raise DeliveryRefusedError(401, "X-Trusted-Context is not base64 JSON") from None
    if not isinstance(context, dict):
        raise DeliveryRefusedError(401, "X-Trusted-Context is not a JSON object")
    return context


def _check_claims(
    claims: Mapping[str, Any], client_id: str, idempotency_key: str, body: bytes, now: float
) -> None:
    if claims.get("aud") != client_id:
        raise DeliveryRefusedError(401, "the token is for another audience than the app")
    issued, expires = claims.get("iat"), claims.get("exp")
    if not isinstance(issued, int | float) or not isinstance(expires, int | float):
        raise DeliveryRefusedError(401, "the token has no iat and exp")
    if expires - issued > MAX_LIFETIME_S or issued > now + _LEEWAY_S:
        raise DeliveryRefusedError(401, "the token's lifetime is not a delivery's")
    if expires < now - _LEEWAY_S:
        raise DeliveryRefusedError(401, "the token has expired: a replayed delivery")
    digest = hashlib.sha256(body).hexdigest()
    if not hmac.compare_digest(str(claims.get("body_sha256", "")), digest):
        raise DeliveryRefusedError(401, "the body is not the one the token signed")
    if not idempotency_key or claims.get("jti") != idempotency_key:
        raise DeliveryRefusedError(400, "the Idempotency-Key header is not the token's jti")


def _notice(
    claims: Mapping[str, Any], context: Mapping[str, Any], client_id: str, body: bytes
) -> Notice:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise DeliveryRefusedError(400, "the body is not JSON") from None
    if not isinstance(data, dict):
        raise DeliveryRefusedError(400, "the body is not a JSON object")
    notice = notice_from(data, str(claims["jti"]), client_id)
    if notice.company != claims.get("sub") or notice.company != context.get("companyId"):
        raise DeliveryRefusedError(401, f"companyId {notice.company!r} is not the token's company")
    return notice


def notice_from(data: Mapping[str, Any], key: str, client_id: str) -> Notice:
    """The notice a change's fields make (a delivery's body, an event queue's event),
    ``key`` its idempotency key; DeliveryRefusedError (400) naming a field that is wrong."""
    event = _text(data, "event")
    if event not in EVENTS:
        raise DeliveryRefusedError(400, f"event {event!r} is none of {', '.join(EVENTS)}")
    occurred = _text(data, "occurredAt")
    try:
        datetime.fromisoformat(occurred.replace("Z", "+00:00"))
    except ValueError:
        raise DeliveryRefusedError(400, f"occurredAt {occurred!r} is no ISO timestamp") from None
    record_id = data.get("id")
    return Notice(
        idempotency_key=key,
        client_id=client_id,
        company=_text(data, "companyId"),
        entity=str(data.get("entityId") or ""),
        object=_text(data, "object"),
        event=event,
        key=_text(data, "key"),
        id=None if record_id is None else str(record_id),
        occurred_at=occurred,
    )


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise DeliveryRefusedError(400, f"the body's {name} is missing or not text")
    return value
