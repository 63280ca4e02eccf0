"""Webhook deliveries as Intacct sends them (the emulator's contract, docs/emulator.md):
signed with the app's client secret, for the receiver's tests to post as they are or
spoiled one way at a time."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from intacct.protocol.jws import sign

CLIENT_ID = "demo_client_id"
SECRET = "demo-client-secret"


@dataclass
class Delivery:
    """One delivery: what is signed, and what is sent (change either to spoil it)."""

    body: dict[str, Any] = field(
        default_factory=lambda: {
            "companyId": "DEMO",
            "entityId": "",
            "object": "VENDOR",
            "event": "update",
            "key": "12",
            "id": "V100",
            "occurredAt": "2026-11-26T04:00:00Z",
        }
    )
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    client_id: str = CLIENT_ID
    secret: str = SECRET
    issued: float = field(default_factory=time.time)
    lifetime: int = 300
    claims: dict[str, Any] = field(default_factory=dict)  # overrides

    def content(self) -> bytes:
        return json.dumps(self.body).encode()

    def headers(self, content: bytes | None = None) -> dict[str, str]:
        signed = self.content() if content is None else content
        claims = {
            "iss": "http://127.0.0.1/ia/api/v1",
            "aud": self.client_id,
            "sub": self.body.get("companyId"),
            "iat": int(self.issued),
            "exp": int(self.issued) + self.lifetime,
            "jti": self.key,
            "body_sha256": hashlib.sha256(signed).hexdigest(),
            **self.claims,
        }
        context = {"clientId": self.client_id, "companyId": self.body.get("companyId")}
        return {
            "Authorization": f"Bearer {sign(claims, self.secret.encode())}",
            "X-Trusted-Context": base64.b64encode(json.dumps(context).encode()).decode(),
            "Idempotency-Key": self.key,
            "Content-Type": "application/json",
        }
