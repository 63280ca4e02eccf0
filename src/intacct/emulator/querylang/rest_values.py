"""The REST query service's filter values in storage form, and the SQL each column is
compared through. A REST value goes the way the catalog pairs it with the XML column it
shares: enums through ``xml_values``, keys and ids as the column stores them, amounts as
numbers, ``date-time`` as a UTC instant compared with the stored company time through
``ia_utc`` (:mod:`intacct.emulator.store.database`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from intacct.emulator.catalog import FieldDef
from intacct.emulator.querylang.core import Sql
from intacct.protocol.rest_catalog import RestField

__all__ = ["Column", "RestQueryError", "Settings", "comparable", "date_range", "literal"]


class RestQueryError(Exception):
    """A query the service refuses: ``message`` and the ``target`` it names (a field, an
    operator, ``filterExpression``...). ``error_id`` is Sage's number where documented."""

    def __init__(self, message: str, target: str, *, error_id: str | None = None) -> None:
        super().__init__(message)
        self.message, self.target, self.error_id = message, target, error_id


@dataclass(frozen=True, slots=True)
class Column:
    """A REST field as the rows hold it: ``column`` its name in the source (None: a
    constant, REST data the XML records lack, ``params`` holding it in storage form),
    ``stored`` its storage type."""

    field: RestField
    stored: FieldDef
    column: str | None
    params: tuple[object, ...] = ()

    @property
    def sql(self) -> Sql:
        if self.column is None:
            return Sql("?", self.params)
        return Sql('"' + self.column.replace('"', '""') + '"')


@dataclass(frozen=True, slots=True)
class Settings:
    """``caseSensitiveComparison``, the company's time zone, the day date macros count
    from (``asOfDate`` or today in the company's zone)."""

    case_sensitive: bool
    zone: str
    today: date


def comparable(col: Column, settings: Settings) -> Sql:
    """The SQL a filter compares ``col`` through."""
    raw, kind, rest = col.sql, col.stored.type, col.field.type
    if kind == "timestamp" and rest == "date-time":
        return Sql(f"ia_utc({raw.text}, ?)", (*raw.params, settings.zone))
    if kind == "timestamp" and rest == "date":
        return Sql(f"substr({raw.text}, 1, 10)", raw.params)
    if kind == "decimal":
        return Sql(f"CAST({raw.text} AS REAL)", raw.params)
    return raw


def literal(col: Column, value: Any, op: str) -> object:
    """``value`` (JSON) as ``col`` stores it; RestQueryError when it cannot be one."""
    field = col.field
    if field.type == "enum":
        if value not in field.enum:
            allowed = ", ".join(str(v) for v in field.enum if v is not None)
            raise _bad(field, value, op, f"expected one of {allowed}")
        return _from_xml_text(col.stored, field.xml_values.get(value, value))
    if field.type == "date-time":
        return _instant(field, value, op)
    if field.type == "date":
        return _date(field, value, op)
    converter = _BY_STORAGE.get(col.stored.type)
    if converter is None:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _bad(field, value, op, "expected a string")
        return str(value)
    return converter(field, value, op)


def _bad(field: RestField, value: Any, op: str, why: str) -> RestQueryError:
    return RestQueryError(
        f"Invalid value {value!r} for field '{field.name}' in {op}: {why}.", field.name
    )


def _integer(field: RestField, value: Any, op: str) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        return int(value)
    raise _bad(field, value, op, "expected a whole number")


def _number(field: RestField, value: Any, op: str) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        number = Decimal(str(value).strip()) if isinstance(value, str) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise _bad(field, value, op, "expected a number")
    return float(number)


def _boolean(field: RestField, value: Any, op: str) -> object:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return int(value.lower() == "true")
    raise _bad(field, value, op, "expected true or false")


def _xml_enum(field: RestField, value: Any, op: str) -> object:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _bad(field, value, op, "expected a string")
    return str(value)


_BY_STORAGE: dict[str, Callable[[RestField, Any, str], object]] = {
    "integer": _integer,
    "decimal": _number,
    "boolean": _boolean,
    "enum": _xml_enum,
}


def _from_xml_text(stored: FieldDef, text: Any) -> object:
    """An XML value (as ``xml_values`` writes it) in storage form."""
    if text is None:
        return None
    text = str(text)
    if stored.type == "integer" and re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if stored.type == "boolean":
        return int(text.lower() in ("true", "t", "1"))
    if stored.type == "enum" and text in stored.codes and text not in stored.values:
        return stored.values[stored.codes.index(text)]
    return text


_MACROS = (
    "today",
    "yesterday",
    "currentWeek",
    "lastWeek",
    "currentMonth",
    "priorMonth",
    "currentQuarter",
    "priorQuarter",
    "currentYear",
    "priorYear",
)


def date_range(value: Any, today: date) -> tuple[str, str] | None:
    """The first and last day a date macro names (portal: core OpenAPI, ``core-query``
    filters: today, currentWeek ... priorYear, relative to ``asOfDate``), else None.
    [U] weeks start on Sunday, as Intacct's US calendar shows them."""
    if value not in _MACROS:
        return None
    start, end = _macro(str(value), today)
    return start.isoformat(), end.isoformat()


def _macro(name: str, day: date) -> tuple[date, date]:
    if name in ("today", "yesterday"):
        one = day - timedelta(days=1 if name == "yesterday" else 0)
        return one, one
    if name.endswith("Week"):
        sunday = day - timedelta(days=(day.weekday() + 1) % 7)
        if name == "lastWeek":
            sunday -= timedelta(days=7)
        return sunday, sunday + timedelta(days=6)
    months = 1 if name.endswith("Month") else 3 if name.endswith("Quarter") else 12
    first = (day.month - 1) // months * months + 1
    start = date(day.year, first, 1)
    if name.startswith("prior"):
        start = _add_months(start, -months)
    return start, _add_months(start, months) - timedelta(days=1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _date(field: RestField, value: Any, op: str) -> object:
    try:
        return date.fromisoformat(value).isoformat() if isinstance(value, str) else None
    except ValueError:
        pass
    raise _bad(field, value, op, "expected a date YYYY-MM-DD")


def _instant(field: RestField, value: Any, op: str) -> object:
    """An ISO 8601 time as a UTC instant in storage form. [U] One without an offset is
    UTC, as every time the REST API writes is; a date alone is its midnight UTC."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    raise _bad(field, value, op, "expected a date and time such as 2025-03-09T10:00:00Z")
