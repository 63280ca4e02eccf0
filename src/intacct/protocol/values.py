"""Value codecs: Python values to the gateway's text forms and back.

The gateway has no types on the wire, only text in the formats of protocol §2.5/§7.5:
booleans ``true``/``false``, dates ``MM/DD/YYYY``, datetimes ``MM/DD/YYYY HH:MM:SS``
(24 h, no zone), decimals in plain notation, multi-pick lists joined with ``#~#``, and
legacy 2.1 dates split into ``year``/``month``/``day`` elements. Encoders raise
:class:`RequestBuildError` naming the field; decoders raise :class:`ValueError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from lxml import etree

from intacct.errors import RequestBuildError
from intacct.protocol.xml import check_text, leaf, sub

__all__ = [
    "MULTIPICK_SEPARATOR",
    "decode_bool",
    "decode_date",
    "decode_datetime",
    "decode_decimal",
    "decode_int",
    "decode_multipick",
    "encode_value",
    "format_date",
    "format_datetime",
    "join_split_date",
    "split_date",
]

MULTIPICK_SEPARATOR = "#~#"

_T = TypeVar("_T")

_TRUE = frozenset({"true", "t", "1", "yes"})
_FALSE = frozenset({"false", "f", "0", "no"})
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)
_DATETIME = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}):(\d{2}):(\d{2})", re.ASCII)
# Strict on purpose: Decimal() alone would also take "1_000", "NaN" and non-ASCII digits.
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", re.ASCII)
_INT = re.compile(r"[+-]?\d+", re.ASCII)


def format_date(value: date) -> str:
    """``MM/DD/YYYY``; formatted by hand because ``%Y`` does not zero-pad years < 1000."""
    return f"{value.month:02d}/{value.day:02d}/{value.year:04d}"


def format_datetime(value: datetime) -> str:
    """``MM/DD/YYYY HH:MM:SS`` (24 h).

    Intacct datetimes carry no zone, so an aware datetime is sent as its own wall-clock
    time (no conversion: convert it to the company's zone first if that is what you mean).
    Microseconds are dropped: the gateway stores whole seconds.
    """
    return f"{format_date(value)} {value.hour:02d}:{value.minute:02d}:{value.second:02d}"


def encode_value(value: object, field: str) -> str:
    """The wire text for ``value``; ``field`` names it in any :class:`RequestBuildError`.

    str, bool, int, Decimal, date, datetime, None (→ ``""``) and lists/tuples of those
    (a multi-pick list) are accepted. Floats are refused: they cannot hold amounts exactly.
    """
    if isinstance(value, list | tuple):
        return _encode_multipick(value, field)
    return _encode_scalar(value, field)


def _encode_scalar(value: object, field: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        # str.__str__ so that a (str, Enum) member sends its value, not "Cls.MEMBER".
        return check_text(str.__str__(value), field)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, Decimal):
        return _encode_decimal(value, field)
    if isinstance(value, float):
        raise RequestBuildError(
            field, f"float {value!r} refused: floats are inexact; pass a Decimal or a str"
        )
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    raise RequestBuildError(field, f"cannot send a value of type {type(value).__name__}")


def _encode_decimal(value: Decimal, field: str) -> str:
    if not value.is_finite():
        raise RequestBuildError(field, f"{value} is not a finite number")
    # "f" never uses an exponent nor thousands separators: Decimal("1E+3") -> "1000".
    return format(value, "f")


def _encode_multipick(items: list[object] | tuple[object, ...], field: str) -> str:
    texts = []
    for index, item in enumerate(items):
        if item is None or isinstance(item, list | tuple):
            raise RequestBuildError(
                f"{field}[{index}]", "a multi-pick item must be one value, not None or a list"
            )
        texts.append(_encode_scalar(item, f"{field}[{index}]"))
    joined = MULTIPICK_SEPARATOR.join(texts)
    # Items like "a#~" + "#b" would read back differently: refuse rather than corrupt.
    if decode_multipick(joined) != texts and texts != [""]:
        raise RequestBuildError(
            field,
            f"a multi-pick item contains {MULTIPICK_SEPARATOR!r} (the separator) "
            "or would merge with its neighbour into it",
        )
    return joined


def decode_date(text: str) -> date | None:
    """``MM/DD/YYYY`` → date; ``""`` → None."""
    text = text.strip()
    if not text:
        return None
    match = _DATE.fullmatch(text)
    if match is None:
        raise ValueError(f"not a MM/DD/YYYY date: {text!r}")
    month, day, year = (int(part) for part in match.groups())
    return _checked(text, lambda: date(year, month, day))


def decode_datetime(text: str) -> datetime | None:
    """``MM/DD/YYYY HH:MM:SS`` or ``MM/DD/YYYY`` (midnight) → naive datetime;
    ISO-8601 (envelope timestamps such as ``2024-06-10T09:15:02+00:00``) → a datetime
    that is aware when the text has an offset; ``""`` → None."""
    text = text.strip()
    if not text:
        return None
    match = _DATETIME.fullmatch(text)
    if match is not None:
        mo, d, y, h, mi, s = (int(part) for part in match.groups())
        return _checked(text, lambda: datetime(y, mo, d, h, mi, s))  # noqa: DTZ001
    if _DATE.fullmatch(text):
        day = decode_date(text)
        assert day is not None
        return datetime(day.year, day.month, day.day)  # noqa: DTZ001
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"not a MM/DD/YYYY HH:MM:SS, MM/DD/YYYY or ISO-8601 datetime: {text!r}"
        ) from None


def _checked(text: str, build: Callable[[], _T]) -> _T:
    try:
        return build()
    except ValueError as exc:
        raise ValueError(f"invalid date {text!r}: {exc}") from None


def decode_decimal(text: str) -> Decimal | None:
    """Plain or exponent notation → Decimal (trailing zeros kept); ``""`` → None."""
    text = text.strip()
    if not text:
        return None
    if _DECIMAL.fullmatch(text) is None:
        raise ValueError(f"not a decimal number: {text!r}")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid input
        raise ValueError(f"not a decimal number: {text!r}") from None


def decode_int(text: str) -> int | None:
    """ASCII digits with an optional sign → int; ``""`` → None."""
    text = text.strip()
    if not text:
        return None
    if _INT.fullmatch(text) is None:
        raise ValueError(f"not an integer: {text!r}")
    return int(text)


def decode_bool(text: str) -> bool | None:
    """true/false, T/F, 1/0, yes/no in any case → bool; ``""`` → None."""
    folded = text.strip().lower()
    if not folded:
        return None
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValueError(f"not a boolean: {text!r}")


def decode_multipick(text: str) -> list[str]:
    """``a#~#b`` → ``["a", "b"]``; ``""`` → ``[]`` (no selection)."""
    return text.split(MULTIPICK_SEPARATOR) if text else []


def split_date(parent: etree._Element, tag: str, value: date) -> etree._Element:
    """Append a 2.1 split date ``<tag><year>2016</year><month>03</month><day>01</day></tag>``."""
    el = sub(parent, tag)
    leaf(el, "year", f"{value.year:04d}")
    leaf(el, "month", f"{value.month:02d}")
    leaf(el, "day", f"{value.day:02d}")
    return el


def join_split_date(element: etree._Element) -> date | None:
    """Read a 2.1 split date back; all parts empty or absent → None."""
    parts = [(element.findtext(name) or "").strip() for name in ("year", "month", "day")]
    if not any(parts):
        return None
    text = "/".join(parts)
    if not all(part.isascii() and part.isdigit() for part in parts):
        raise ValueError(f"not a year/month/day split date: {text!r}")
    year, month, day = (int(part) for part in parts)
    return _checked(text, lambda: date(year, month, day))
