"""Stored values as the REST API writes them, through the catalog's pairing: keys and
ids as strings, amounts as strings of the format's precision (``decimal-precision-2``),
booleans and integers typed, dates ``YYYY-MM-DD``, ``date-time`` in UTC with ``Z``
(stored as the company's wall-clock time), enums through ``xml_values``. Empty stays
empty (null): what the XML records lack, REST lacks too."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
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
        return _instants(zone) if col.stored.type == "timestamp" else _text
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
    the others once a distinct value (:func:`~intacct.emulator.values.each_distinct`)."""
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


def _instants(zone: str) -> Converter:
    """Stored times as UTC instants."""

    def instant(value: Any) -> Any:
        if value is None or value == "":
            return None
        return from_company_time(str(value), zone).strftime("%Y-%m-%dT%H:%M:%SZ")

    return instant


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
