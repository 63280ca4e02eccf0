"""Storage ↔ wire value conversion for the emulator's SQLite store.

Storage: integer INTEGER, decimal TEXT, boolean INTEGER 0/1, date ``YYYY-MM-DD``,
timestamp ``YYYY-MM-DD HH:MM:SS`` (so text order is time order), enum TEXT display
value, absent NULL. Wire: dates and timestamps go in as ``MM/DD/YYYY`` and
``MM/DD/YYYY HH:MM:SS`` and come out in the company's date format (``MM/DD/YYYY`` by
default); ``true``/``false``.

Timestamps are the company's wall-clock time (no zone, as on the wire); the company's
date format and time zone are what ``readUserFormatting`` reports (:func:`date_format_code`,
:func:`gmt_offset`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from intacct.emulator.catalog import FieldDef
from intacct.emulator.errors import ErrorLine, FieldError, FunctionError

__all__ = [
    "company_zone",
    "each_distinct",
    "date_format_code",
    "from_company_time",
    "from_wire",
    "gmt_offset",
    "to_db",
    "to_wire",
    "utc_text",
    "wall_clock",
    "wire_column",
    "wire_converter",
]

_T = TypeVar("_T")

_WIRE_DATE = "%m/%d/%Y"
_WIRE_TIMESTAMP = "%m/%d/%Y %H:%M:%S"


_DIRECTIVE = re.compile(r"%([mdYy])")


def date_format_code(date_format: str) -> str:
    """``readUserFormatting``'s ``dateformat``: the separator, then m, d and Y (y for a
    two-digit year) in display order: ``%m/%d/%Y`` → ``/mdY``, ``%Y-%m-%d`` → ``-Ymd``."""
    separator = _DIRECTIVE.sub("", date_format)[:1]
    return separator + "".join(_DIRECTIVE.findall(date_format))


def company_zone(name: str) -> tzinfo:
    """The company's IANA time zone; UTC if this machine has no time zone data for it
    (Windows without ``tzdata``), so that stamps and ``gmtoffset`` still agree."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def wall_clock(zone_name: str, moment: datetime) -> datetime:
    """``moment`` (the emulator's clock, aware) in the company's time zone."""
    return moment.astimezone(company_zone(zone_name))


def from_company_time(stored: str, zone_name: str) -> datetime:
    """A stored timestamp (the company's wall-clock time, ``YYYY-MM-DD HH:MM:SS``) as an
    aware UTC time. [U] A time the autumn change repeats is read as its first occurrence
    (``fold=0``): the store keeps no offset to tell them apart, and reading every stored
    time the same way keeps stored text order and UTC order the same."""
    naive = datetime.fromisoformat(stored)
    return naive.replace(tzinfo=company_zone(zone_name), fold=0).astimezone(UTC)


def utc_text(stored: str | None, zone_name: str) -> str | None:
    """:func:`from_company_time` in storage form (``YYYY-MM-DD HH:MM:SS``, UTC): SQLite's
    ``ia_utc(column, zone)`` (:mod:`.store.database`), so filters compare instants."""
    if stored is None or stored == "":
        return None
    try:
        return from_company_time(str(stored), zone_name).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def gmt_offset(moment: datetime) -> str:
    """An aware time's offset from GMT as ``readUserFormatting`` writes it: ``-08:00``."""
    minutes = int((moment.utcoffset() or timedelta(0)).total_seconds()) // 60
    hours, rest = divmod(abs(minutes), 60)
    return f"{'-' if minutes < 0 else '+'}{hours:02d}:{rest:02d}"


def to_db(field: FieldDef, value: Any) -> Any:
    """A python value (from the seed) in storage form."""
    if value is None or value == "":
        return None
    kind = field.type
    if kind == "integer":
        return int(value)
    if kind == "decimal":
        return str(value)
    if kind == "boolean":
        return 1 if value is True or str(value).lower() in ("true", "t", "1") else 0
    if kind == "timestamp" and isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if kind == "date" and isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_wire(field: FieldDef, value: Any, date_format: str = _WIRE_DATE) -> str:
    """A stored value as the gateway prints it."""
    if value is None:
        return ""
    kind = field.type
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "date":
        return date.fromisoformat(value).strftime(date_format)
    if kind == "timestamp":
        stamp = datetime.fromisoformat(value)
        return stamp.strftime(f"{date_format} %H:%M:%S")
    return str(value)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _us_date(value: Any) -> str:
    return "" if value is None else f"{value[5:7]}/{value[8:10]}/{value[:4]}"


def _us_timestamp(value: Any) -> str:
    return "" if value is None else f"{value[5:7]}/{value[8:10]}/{value[:4]} {value[11:19]}"


def wire_converter(field: FieldDef | None, date_format: str = _WIRE_DATE) -> Callable[[Any], str]:
    """A converter for one column, chosen once per page (rendering is the hot path):
    the default US format is sliced out of the ISO storage form, no datetime parsing."""
    if field is None or field.type not in ("boolean", "date", "timestamp"):
        return _text
    if date_format == _WIRE_DATE and field.type == "date":
        return _us_date
    if date_format == _WIRE_DATE and field.type == "timestamp":
        return _us_timestamp
    return lambda value: to_wire(field, value, date_format)


def wire_column(
    field: FieldDef | None, date_format: str = _WIRE_DATE
) -> Callable[[Sequence[Any]], list[str]]:
    """:func:`wire_converter` over a page's column at once: text with no call a value,
    the others once a distinct value (:func:`each_distinct`)."""
    convert = wire_converter(field, date_format)
    if convert is _text:
        return _texts
    return lambda values: each_distinct(convert, values)


def _texts(values: Sequence[Any]) -> list[str]:
    """:func:`_text` of each value; a column of text alone (or of nulls alone) at once."""
    kinds = set(map(type, values))
    if kinds == {str}:
        return list(values)
    if kinds == {type(None)}:
        return [""] * len(values)
    return ["" if value is None else str(value) for value in values]


_NUMBERS = frozenset({int, float, bool})


def each_distinct(convert: Callable[[Any], _T], values: Sequence[Any]) -> list[_T]:
    """``convert`` over a page's column, once a distinct value (a page's dates, times,
    states and amounts repeat); value by value when numbers of different kinds are
    among them, as those compare equal (``1``, ``1.0``) and may show otherwise."""
    distinct = dict.fromkeys(values)
    if len(_NUMBERS.intersection(map(type, distinct))) > 1:
        return [convert(value) for value in values]
    shown = {value: convert(value) for value in distinct}
    return [shown[value] for value in values]


def _bad(obj: str, field: FieldDef, value: str, why: str) -> FunctionError:
    return FieldError(
        field.name,
        ErrorLine(
            "BL03000018",
            "",
            f"Illegal format for {obj}.{field.name}: {value!r} {why}",
            f"Send {field.name} as {why.removeprefix('is not ')}.",
        ),
    )


def from_wire(obj: str, field: FieldDef, text: str) -> Any:
    """A value sent by a client, validated and in storage form (FunctionError if bad).

    [U] Written dates are read as MM/DD/YYYY whatever the company's date format, as
    filter literals are (see querylang): Sage's SDKs write payload dates that way for
    every user, and a non-US payload would be refused here rather than misread.
    """
    if text == "":
        return None
    kind = field.type
    try:
        if kind == "integer":
            return int(text)
        if kind == "decimal":
            number = Decimal(text)
            if not number.is_finite():
                raise InvalidOperation
            return str(number)
        if kind == "date":
            # Intacct dates and timestamps carry no zone (parameter-formats page)
            return datetime.strptime(text, _WIRE_DATE).date().isoformat()  # noqa: DTZ007
        if kind == "timestamp":
            stamp = datetime.strptime(text, _WIRE_TIMESTAMP)  # noqa: DTZ007
            return stamp.strftime("%Y-%m-%d %H:%M:%S")
    except (ValueError, InvalidOperation):
        raise _bad(obj, field, text, f"is not a valid {_SHAPES[kind]}") from None
    if kind == "boolean":
        lowered = text.lower()
        if lowered not in ("true", "false", "t", "f", "1", "0"):
            raise _bad(obj, field, text, "is not true or false")
        return 1 if lowered in ("true", "t", "1") else 0
    if kind == "enum":
        return _enum(obj, field, text)
    if field.maxlength and len(text) > field.maxlength:
        raise _bad(obj, field, text, f"is longer than {field.maxlength} characters")
    return text


def _enum(obj: str, field: FieldDef, text: str) -> str:
    if text in field.values:
        return text
    if text in field.codes:
        return field.values[field.codes.index(text)]
    lowered = {v.lower(): v for v in field.values}
    if text.lower() in lowered:
        return lowered[text.lower()]
    raise _bad(obj, field, text, "is not one of " + ", ".join(field.values))


_SHAPES = {
    "integer": "integer",
    "decimal": "decimal number",
    "date": "date MM/DD/YYYY",
    "timestamp": "timestamp MM/DD/YYYY HH:MM:SS",
}
