"""Stored values as the REST API writes them, through the catalog's pairing: keys and
ids as strings, amounts as strings of the format's precision (``decimal-precision-2``),
booleans and integers typed, dates ``YYYY-MM-DD``, ``date-time`` in UTC with ``Z``
(stored as the company's wall-clock time), enums through ``xml_values``. Empty stays
empty (null): what the XML records lack, REST lacks too."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from intacct.emulator.catalog import FieldDef
from intacct.emulator.querylang.rest_values import Column
from intacct.emulator.values import each_distinct, from_company_time, to_wire

__all__ = ["Converter", "JsonFloat", "converter", "shown"]

_PRECISION = re.compile(r"-precision-(\d+)$")

Converter = Callable[[Any], Any]


def converter(col: Column, zone: str) -> Converter:
    """How a value of ``col`` (storage form) shows in REST; ``zone`` the company's. The
    way is chosen once per column, not per value (rendering pages is the hot path of
    REST reads), and each way answers null for an empty value itself: one call a value."""
    kind = col.field.type
    if kind == "date-time":
        return _Instants(zone) if col.stored.type == "timestamp" else _text
    if kind == "date":
        return _date
    if kind == "boolean":
        return _boolean
    if kind == "integer":
        return _whole
    if kind == "number":
        return _number
    if kind == "enum":
        return _enums(col)
    if col.field.format:
        return _amounts(col.field.format)
    return _text


def shown(convert: Converter, values: Sequence[Any]) -> list[Any]:
    """``convert`` over a page's column: text value by value (its values seldom repeat),
    times by their day (:class:`_Instants`), the others once a distinct value
    (:func:`~intacct.emulator.values.each_distinct`)."""
    if isinstance(convert, _Instants):
        return convert.column(values)
    if convert is not _text:
        return each_distinct(convert, values)
    kinds = set(map(type, values))
    if kinds == {str} and "" not in values:  # shown as stored
        return list(values)
    if kinds == {type(None)}:
        return [None] * len(values)
    return list(map(_text, values))


def _text(value: Any) -> Any:
    return None if value is None or value == "" else str(value)


def _date(value: Any) -> Any:
    return None if value is None or value == "" else str(value)[:10]


def _boolean(value: Any) -> Any:
    if value is None or value == "":
        return None
    return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "t")


_INSTANT = "%Y-%m-%dT%H:%M:%SZ"
#: a day of one whole-hour offset: the offset (local minus UTC), the days before, itself
#: and after
_Day = tuple[int, str, str, str]


class _Instants:
    """Stored times (the company's wall clock) as UTC instants. A page's column is
    shown a day at a time: where a stored day is one offset from UTC, whole hours, all
    day (most days), its times are moved by that offset (:func:`_day`, worked out once
    per zone and day for every page); every other time (a day the offset changes, an
    offset of 30 or 45 minutes, text not a plain timestamp) is worked out alone, as
    :meth:`__call__` does, failing where it fails."""

    __slots__ = ("zone",)

    def __init__(self, zone: str) -> None:
        self.zone = zone

    def __call__(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        return from_company_time(str(value), self.zone).strftime(_INSTANT)

    def column(self, values: Sequence[Any]) -> list[Any]:
        zone = self.zone
        out: list[Any] = []
        for value in values:
            if type(value) is str and _plain(value):
                clock, found = value[11:13], _day(zone, value[:10])
                if found is not None and clock.isdigit() and clock < "24":
                    shift, utc = divmod(int(clock) - found[0], 24)
                    out.append(f"{found[shift + 2]}T{utc:02d}{value[13:]}Z")
                    continue
            out.append(self(value))
        return out


@lru_cache(maxsize=1 << 16)
def _day(zone: str, day: str) -> _Day | None:
    """The day's offset from UTC in whole hours with the UTC days around it, None where
    it is not one such offset all day (a change of offset, of minutes) or the year has
    fewer than four digits (strftime's %Y writes it shorter)."""
    try:
        first = from_company_time(f"{day} 00:00:00", zone)
        noon = from_company_time(f"{day} 12:00:00", zone)
        last = from_company_time(f"{day} 23:59:59", zone)
        local = date.fromisoformat(day)
        before, itself, after = ((local + timedelta(days=n)).isoformat() for n in (-1, 0, 1))
    except (ValueError, OverflowError):
        return None
    if (noon - first).total_seconds() != 43200 or (last - noon).total_seconds() != 43199:
        return None
    if first.minute or first.second or local.year <= 1000:
        return None
    offset = datetime.combine(local, time()) - first.replace(tzinfo=None)
    return int(offset.total_seconds()) // 3600, before, itself, after


def _plain(text: str) -> bool:
    """``YYYY-MM-DD HH:MM:SS`` with minutes and seconds in range (the hour, checked
    with its date by :func:`_day`)."""
    return (
        len(text) == 19
        and text.isascii()
        and text[13] == ":"
        and text[16] == ":"
        and text[14] < "6"
        and text[17] < "6"
        and text[14:16].isdigit()
        and text[17:19].isdigit()
    )


def _whole(value: Any) -> Any:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return _float(value) if isinstance(value, float) else value  # messy data stays


def _number(value: Any) -> Any:
    if value is None or value == "":
        return None
    number = _decimal(value)
    if number is None:
        return value
    return int(number) if number == number.to_integral_value() else _float(float(number))


def _decimal(value: Any) -> Decimal | None:
    """The stored value as a number (None: it is none; messy data is shown as it is)."""
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


class JsonFloat(float):
    """A float orjson writes otherwise than json: a tiny one (``1e-05`` as ``0.00001``),
    nan or infinity (null, where json refuses them). orjson refuses a float subclass, so
    an answer holding one is written by json, as before (:class:`.answers.RecordsJSON`)."""


def _float(number: float) -> float:
    return number if number == 0 or 1e-4 <= abs(number) < math.inf else JsonFloat(number)


def _amounts(format_name: str) -> Converter:
    """[U] an amount carries exactly the format's digits (``1000`` -> ``"1000.00"``);
    a format that names no precision leaves the stored text as it is."""
    found = _PRECISION.search(format_name)
    if found is None:
        return _text
    quantum = Decimal(1).scaleb(-int(found.group(1)))

    def amount(value: Any) -> Any:
        if value is None or value == "":
            return None
        number = _decimal(value)
        if number is None or not number.is_finite():
            return str(value)
        return str(number.quantize(quantum))

    return amount


def _enums(col: Column) -> Converter:
    def enum(value: Any) -> Any:
        return None if value is None or value == "" else _enum(col, value)

    return enum


def _enum(col: Column, value: Any) -> Any:
    """The REST value ``xml_values`` pairs with the stored one, else the stored value
    when it is one of the enum's (case aside); else, unpaired, the stored text as it is."""
    text = _xml_text(col.stored, value)
    for rest, xml in col.field.xml_values.items():
        if xml == text or xml in _codes_of(col.stored, text):
            return rest
    members = [m for m in col.field.enum if m is not None]
    if text in members:
        return text
    folded = {m.lower(): m for m in members}
    return folded.get(text.lower(), text)


def _xml_text(stored: FieldDef, value: Any) -> str:
    return to_wire(stored, value) if stored.type == "boolean" else str(value)


def _codes_of(stored: FieldDef, text: str) -> tuple[str, ...]:
    if text in stored.values and stored.codes:
        return (stored.codes[stored.values.index(text)],)
    return ()
