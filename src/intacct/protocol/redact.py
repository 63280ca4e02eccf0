"""Redaction of secrets in serialized XML, applied to text and never to live objects.

The element list is Intacct's own logging list (the PHP SDK's MessageFormatter) plus the
2.1 spellings seen on the wire. Redaction is textual so it also works on truncated or
malformed documents, which are exactly the ones that end up in error messages.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote, quote_plus

__all__ = ["REDACTED", "SENSITIVE_ELEMENTS", "SHORT_SECRET", "excerpt", "redact"]

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


#: A secret shorter than this is no string to look for in free text: one of a character
#: or two is in every line ("e", "10"), which it would turn to ``REDACTED`` throughout.
#: Such a secret is redacted where it stands as a whole value: quoted, an element's
#: text, or after ``=`` or ``:`` (and the named fields and elements above whatever they
#: hold); a longer one wherever it appears.
SHORT_SECRET = 4
#: what may follow a value that ends there
_VALUE_END = r"(?=$|[\s&,;)\]}<\"'])"


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Replace sensitive element contents (and any known secret value) with ``REDACTED``:
    a secret of :data:`SHORT_SECRET` characters or more wherever it appears, a shorter
    one where it stands as a whole value."""
    text = _ELEMENT.sub(lambda m: m.group(1) + (REDACTED if m.group("value") else ""), text)
    text = _ENCODED_ELEMENT.sub(lambda m: m.group(1) + (REDACTED if m.group("value") else ""), text)
    text = _PAIR.sub(_pair, text)
    pattern = _secrets_pattern(secrets)
    return re.sub(pattern, REDACTED, text) if pattern else text


def _secrets_pattern(secrets: tuple[str, ...]) -> str:
    """One pattern for every spelling of ``secrets``, longest first (a secret that
    contains another leaves no tail); short ones only as whole values."""
    anywhere = {f for s in secrets if len(s) >= SHORT_SECRET for f in _spellings(s)}
    short = {f for s in secrets if 0 < len(s) < SHORT_SECRET for f in _spellings(s)}
    forms = [*map(re.escape, _longest_first(anywhere)), *map(_as_value, _longest_first(short))]
    return "|".join(forms)


def _longest_first(forms: set[str]) -> list[str]:
    return sorted(forms, key=len, reverse=True)


def _as_value(form: str) -> str:
    """``form`` where it stands as a whole value: between quotes, as an element's text,
    or after ``=`` or ``:`` (a space between) up to what ends a value."""
    f = re.escape(form)
    return (
        rf"(?<=\"){f}(?=\")|(?<='){f}(?=')|(?<=>){f}(?=<)"
        rf"|(?<=[=:]){f}{_VALUE_END}|(?<=[=:] ){f}{_VALUE_END}"
    )


def excerpt(body: bytes | str, limit: int = 200) -> str:
    """A short, single-line, redacted beginning of a body for error messages."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = redact(text[: limit * 4])
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
