"""Values between the unified form and Intacct's, one :class:`Codec` per kind of value.

Read direction: records as the replication engine emits them (Decimal amounts, ISO-8601
date and timestamp texts, bools, ints, display values of enums) or as
:func:`~intacct.mappings.from_unified` builds them (``date`` objects), into JSON-ready
unified values. Write direction: unified values as a Singer target receives them (JSON
numbers, possibly floats; ISO texts) into what the client's ``fn.Create`` sends
(Decimal, ``date``, str, bool, int; never a float: it cannot hold an amount exactly).

A value that cannot be converted is a :class:`UnifiedRecordError` naming the field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from intacct.errors import IntacctError

__all__ = [
    "BOOL",
    "DATE",
    "DATETIME",
    "DECIMAL",
    "KEY",
    "POSTING",
    "STATUS",
    "TEXT",
    "Codec",
    "UnifiedRecordError",
    "enum",
]


class UnifiedRecordError(IntacctError, ValueError):
    """A unified record cannot be written: ``field`` names where (``Bills.lineItems[2]
    .amount``), ``problem`` says why and what to do."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Codec:
    """``read`` Intacct → unified (never fails: the engine's values are typed), ``write``
    unified → Intacct (raises :class:`UnifiedRecordError` naming ``path``)."""

    schema: dict[str, Any]
    read: Callable[[Any], Any]
    write: Callable[[Any, str], Any]
    values: Sequence[str] = field(default=())


def _text_read(value: Any) -> Any:
    return value if isinstance(value, str) else str(value)


def _text_write(value: Any, path: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise UnifiedRecordError(path, f"expected a string, got {type(value).__name__}")
    return str(value)


def _decimal_read(value: Any) -> Any:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _decimal_write(value: Any, path: str) -> Decimal:
    # a float goes through its shortest repr (0.1 -> "0.1"), never through its binary value
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise UnifiedRecordError(path, f"expected a number, got {type(value).__name__}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise UnifiedRecordError(path, f"{value!r} is not a number") from None
    if not number.is_finite():
        raise UnifiedRecordError(path, f"{value!r} is not a finite number")
    return number


def _date_read(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


def _date_write(value: Any, path: str) -> date:
    """``2025-06-11``, or a date-time whose date part is taken (hotglue sends issue dates
    as ``2025-06-11T00:00:00Z``); Intacct's date fields have no time of day."""
    if isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise UnifiedRecordError(path, f"{value!r} is not an ISO-8601 date (YYYY-MM-DD)")


def _datetime_read(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _read_only(value: Any, path: str) -> Any:  # pragma: no cover - never called
    raise UnifiedRecordError(path, "is read-only")


def _bool_read(value: Any) -> Any:
    return value if isinstance(value, bool) else str(value).lower() in ("true", "t", "1")


def _bool_write(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise UnifiedRecordError(path, f"expected true or false, got {value!r}")
    return value


def _key_read(value: Any) -> Any:
    return str(value)


def _key_write(value: Any, path: str) -> int:
    """A RECORDNO: the unified ``id`` is its decimal text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise UnifiedRecordError(path, f"{value!r} is not an Intacct record number (digits)")


def _status_read(value: Any) -> Any:
    return str(value).lower() in ("active", "t", "true")


def _status_write(value: Any, path: str) -> str:
    return "active" if _bool_write(value, path) else "inactive"


_POSTING = {1: "Debit", -1: "Credit"}


def _posting_read(value: Any) -> Any:
    return _POSTING.get(int(value), str(value))


def _posting_write(value: Any, path: str) -> int:
    for code, name in _POSTING.items():
        if isinstance(value, str) and value.lower() == name.lower():
            return code
    raise UnifiedRecordError(path, f"{value!r}: expected 'Debit' or 'Credit'")


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


TEXT = Codec(_nullable("string"), _text_read, _text_write)
DECIMAL = Codec(_nullable("number"), _decimal_read, _decimal_write)
DATE = Codec(_nullable("string", format="date"), _date_read, _date_write)
DATETIME = Codec(_nullable("string", format="date-time"), _datetime_read, _read_only)
BOOL = Codec(_nullable("boolean"), _bool_read, _bool_write)
#: RECORDNO and other record keys: the unified form is a string
KEY = Codec(_nullable("string"), _key_read, _key_write)
#: STATUS active/inactive as a boolean (``isActive`` / ``active``)
STATUS = Codec(_nullable("boolean"), _status_read, _status_write)
#: GLENTRY.TR_TYPE 1/-1 as hotglue's postingType
POSTING = Codec(_nullable("string", enum=["Debit", "Credit", None]), _posting_read, _posting_write)


def enum(values: Sequence[str]) -> Codec:
    """Text limited to Intacct's display values, matched without regard to case."""
    by_fold = {v.casefold(): v for v in values}

    def write(value: Any, path: str) -> str:
        if isinstance(value, str) and value.casefold() in by_fold:
            return by_fold[value.casefold()]
        raise UnifiedRecordError(path, f"{value!r} is not one of {', '.join(values)}")

    return Codec(_nullable("string", enum=[*values, None]), _text_read, write, tuple(values))
