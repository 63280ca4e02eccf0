"""Redaction of secrets in serialized XML, applied to text and never to live objects.

The element list is Intacct's own logging list (the PHP SDK's MessageFormatter) plus the
2.1 spellings seen on the wire. Redaction is textual so it also works on truncated or
malformed documents, which are exactly the ones that end up in error messages.
"""

from __future__ import annotations

import re

__all__ = ["REDACTED", "SENSITIVE_ELEMENTS", "excerpt", "redact"]

REDACTED = "REDACTED"

SENSITIVE_ELEMENTS: tuple[str, ...] = (
    "password",
    "sessionid",
    "accountnumber",
    "achaccountnumber",
    "wireaccountnumber",
    "bankaccountnumber",
    "cardnum",
    "cardnumber",
    "ssn",
    "taxid",
    "routingnumber",
    "achbankroutingnumber",
    "wirebankroutingnumber",
)

_NAMES = "|".join(SENSITIVE_ELEMENTS)
# <password>..</password>, also upper-case (3.0 fields) and unterminated (truncated bodies).
_ELEMENT = re.compile(
    rf"(<(?P<tag>{_NAMES})(?:\s[^>]*)?>)(?P<value>[^<]*)(?=</(?P=tag)>|<|$)",
    re.IGNORECASE,
)
# xmlrequest=…&password=… style form bodies and JSON "password": "…".
_PAIR = re.compile(
    rf"""(?P<key>["']?(?:{_NAMES}|sender_password|user_password)["']?\s*[:=]\s*["']?)"""
    r"""(?P<value>[^"'&,\s}<]+)""",
    re.IGNORECASE,
)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Replace sensitive element contents (and any known secret value) with ``REDACTED``."""
    text = _ELEMENT.sub(lambda m: m.group(1) + (REDACTED if m.group("value") else ""), text)
    text = _PAIR.sub(lambda m: m.group("key") + REDACTED, text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def excerpt(body: bytes | str, limit: int = 200) -> str:
    """A short, single-line, redacted beginning of a body for error messages."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = redact(text[: limit * 4])
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
