"""Stored values as the REST API writes them, through the catalog's pairing: keys and
ids as strings, amounts as strings of the format's precision (``decimal-precision-2``),
booleans and integers typed, dates ``YYYY-MM-DD``, ``date-time`` in UTC with ``Z``
(stored as the company's wall-clock time), enums through ``xml_values``. Empty stays
empty (null): what the XML records lack, REST lacks too."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from intacct.emulator.catalog import FieldDef
from intacct.emulator.querylang.rest_values import Column
from intacct.emulator.values import from_company_time, to_wire

__all__ = ["to_rest"]

_PRECISION = re.compile(r"-precision-(\d+)$")


def to_rest(col: Column, value: Any, zone: str) -> Any:
    """``value`` (storage form of ``col``) as REST shows it; ``zone`` the company's."""
    if value is None or value == "":
        return None
    kind = col.field.type
    if kind == "date-time":
        if col.stored.type != "timestamp":
            return str(value)
        return from_company_time(str(value), zone).strftime("%Y-%m-%dT%H:%M:%SZ")
    if kind == "date":
        return str(value)[:10]
    if kind == "boolean":
        return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "t")
    if kind == "integer":
        return _whole(value)
    if kind == "number":
        return _number(value)
    if kind == "enum":
        return _enum(col, value)
    if col.field.format:
        return _amount(value, col.field.format)
    return str(value)


def _whole(value: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value  # messy data stays as it is


def _number(value: Any) -> Any:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return value
    return int(number) if number == number.to_integral_value() else float(number)


def _amount(value: Any, format_name: str) -> str:
    """[U] an amount carries exactly the format's digits (``1000`` -> ``"1000.00"``)."""
    found = _PRECISION.search(format_name)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if found is None or not number.is_finite():
        return str(value)
    return str(number.quantize(Decimal(1).scaleb(-int(found.group(1)))))


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
