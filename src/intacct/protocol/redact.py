"""Redaction of secrets in serialized XML, applied to text and never to live objects.

The element list is Intacct's own logging list (the PHP SDK's MessageFormatter) plus the
2.1 spellings seen on the wire. Redaction is textual so it also works on truncated or
malformed documents, which are exactly the ones that end up in error messages.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote, quote_plus

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
# <password>..</password>, also upper-case (3.0 fields), CDATA values and unterminated
# values (truncated bodies).
_ELEMENT = re.compile(
    rf"(<(?P<tag>{_NAMES})(?:\s[^>]*)?>)"
    r"(?P<value>(?:<!\[CDATA\[(?:(?!\]\]>).)*(?:\]\]>|$)|[^<])*)",
    re.IGNORECASE | re.DOTALL,
)
# The same elements URL-encoded, as in form bodies "xmlrequest=%3Cpassword%3E…%3C%2Fpassword%3E".
_ENCODED_ELEMENT = re.compile(
    rf"(%3C(?P<tag>{_NAMES})(?:(?:%20|\+|%09|%0A|%0D)(?:(?!%3E)[^&])*)?%3E)"
    r"(?P<value>(?:%3C%21%5BCDATA%5B(?:(?!%5D%5D%3E)[^&])*(?:%5D%5D%3E|$)|(?!%3C)[^&])*)",
    re.IGNORECASE,
)
#: form and JSON fields that carry OAuth secrets (RFC 6749 token requests and answers)
_FIELDS = "|".join(
    (
        *("sender_password", "user_password", "client_secret"),
        *("access_token", "refresh_token", "code_verifier", "id_token"),
    )
)
# xmlrequest=…&password=… style form fields, JSON "password": "…" and XML attributes
# password="…"; a quoted value is redacted up to its closing quote.
_PAIR = re.compile(
    rf"""(?P<key>(?P<q>["']?)(?:{_NAMES}|{_FIELDS})(?P=q)\s*[:=]\s*)"""
    r"""(?:(?P<quote>["'])(?:\\.|(?!(?P=quote)).)*(?:(?P=quote)|$)|[^"'&,\s}<]+)""",
    re.IGNORECASE | re.DOTALL,
)


def _pair(match: re.Match[str]) -> str:
    quote_char = match.group("quote") or ""
    return match.group("key") + quote_char + REDACTED + quote_char


def _spellings(secret: str) -> set[str]:
    """A secret as it may appear on the wire: raw, XML-escaped, URL- and JSON-encoded."""
    xml_text = secret.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return {
        secret,
        xml_text,
        xml_text.replace("'", "&#039;").replace('"', "&quot;"),
        xml_text.replace("'", "&apos;").replace('"', "&quot;"),
        xml_text.replace("'", "&#39;").replace('"', "&#34;"),
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        json.dumps(secret)[1:-1],
    } - {""}


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Replace sensitive element contents (and any known secret value) with ``REDACTED``."""
    text = _ELEMENT.sub(lambda m: m.group(1) + (REDACTED if m.group("value") else ""), text)
    text = _ENCODED_ELEMENT.sub(lambda m: m.group(1) + (REDACTED if m.group("value") else ""), text)
    text = _PAIR.sub(_pair, text)
    forms = {form for secret in secrets if secret for form in _spellings(secret)}
    if forms:
        # one pass, longest spelling first: a secret that contains another leaves no tail
        pattern = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
        text = re.sub(pattern, REDACTED, text)
    return text


def excerpt(body: bytes | str, limit: int = 200) -> str:
    """A short, single-line, redacted beginning of a body for error messages."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = redact(text[: limit * 4])
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
