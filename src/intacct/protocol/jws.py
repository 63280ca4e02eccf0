"""JSON Web Tokens signed with HMAC-SHA256 (RFC 7519, JWS compact form), bytes in and
claims out: the emulator's access tokens (Intacct's are JWTs, portal: guides/oauth2) and
the webhook deliveries' bearer tokens, signed with the OAuth app's client secret, which
the receiver (:mod:`intacct.notices`) verifies. PyJWT is not a dependency: HS256 is all
either side needs, and :func:`verify` accepts nothing else (``none`` included)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["sign", "verify"]

_HEADER = {"alg": "HS256", "typ": "JWT"}


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    """base64url without padding; ValueError on anything else (no characters skipped)."""
    try:
        raw = text.encode("ascii")
        return base64.b64decode(raw + b"=" * (-len(raw) % 4), altchars=b"-_", validate=True)
    except (UnicodeEncodeError, binascii.Error) as exc:
        raise ValueError("not base64url") from exc


def _mac(key: bytes, signing_input: str) -> bytes:
    return hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()


def _json(value: Mapping[str, Any]) -> str:
    return _encode(json.dumps(dict(value), separators=(",", ":"), sort_keys=True).encode())


def sign(claims: Mapping[str, Any], key: bytes) -> str:
    signing_input = f"{_json(_HEADER)}.{_json(claims)}"
    return f"{signing_input}.{_encode(_mac(key, signing_input))}"


def verify(token: str, key: bytes) -> dict[str, Any] | None:
    """The claims of a token this key signed with HS256; None for anything else (another
    algorithm, ``none`` included, a bad signature, a malformed token). Expiry is the
    caller's to check, on the emulator's clock."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        header = json.loads(_decode(parts[0]))
        signature = _decode(parts[2])
        if not isinstance(header, dict) or header.get("alg") != "HS256":
            return None
        if not hmac.compare_digest(signature, _mac(key, f"{parts[0]}.{parts[1]}")):
            return None
        claims = json.loads(_decode(parts[1]))
    except (ValueError, UnicodeDecodeError):  # JSONDecodeError is a ValueError
        return None
    return claims if isinstance(claims, dict) else None
