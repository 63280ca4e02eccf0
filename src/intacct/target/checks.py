"""Local checks of one input record against its object's field model, before sending.

A record arrives with Intacct field names, flat (``DISPLAYCONTACT.EMAIL1``, as the tap
emits them) or nested (``{"DISPLAYCONTACT": {"EMAIL1": ...}}``, as ``fn.Create`` takes
them); a header object's lines come under their container (``APBILLITEMS``) as
``{"APBILLITEM": [...]}`` or as a plain list. :func:`prepare` returns the fields to send,
nested and typed, and the read-only fields it leaves out (``ignored``, for the report),
or raises :class:`RecordCheckError` naming the field and the reason:

* an unknown field (not in the object's ``lookup``; ``GLDIM…`` user-defined dimensions
  pass through, custom fields are in the lookup);
* a value of the wrong type (integer, decimal, boolean, date, multi-pick), or not one
  of a pick list's values;
* on a create, a required field that is missing (:func:`missing_required`).

``null`` means "not given" and is not sent; send ``""`` to clear a field on an update.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from intacct.client.metadata import FieldModel, ObjectModel
from intacct.mappings import UNIFIED_STREAMS
from intacct.mappings.convert import nest

__all__ = ["LINES", "LineSpec", "RecordCheckError", "missing_required", "nest", "prepare"]

#: user-defined dimensions: present on lines of any object, absent from its lookup
_PASS_THROUGH = ("GLDIM",)


@dataclass(frozen=True, slots=True)
class LineSpec:
    """A header object's owned lines: ``<container><object>…</object></container>``."""

    container: str
    object: str
    parent_key: str


#: header/line objects (from the unified mappings' documents): APBILL -> APBILLITEMS
LINES: dict[str, LineSpec] = {
    m.object: LineSpec(m.lines.container, m.lines.object, m.lines.parent_key)
    for m in UNIFIED_STREAMS.values()
    if m.lines is not None
}


class RecordCheckError(ValueError):
    """A record that cannot be sent as it is: ``field`` and ``reason`` say why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def prepare(
    model: ObjectModel,
    record: Mapping[str, Any],
    line_model: ObjectModel | None = None,
    writable: Callable[[str, str], bool] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """The fields to send (typed, nested, read-only ones left out) and the names left out.
    ``writable(object, field)`` overrides the model's read-only flags (the REST API
    writes some fields the XML gateway does not, such as a bill's WHENCREATED)."""
    spec = LINES.get(model.name)
    body = dict(record)
    lines = body.pop(spec.container, None) if spec else None
    fields, ignored = _typed(model, flatten(body), "", writable=writable)
    out = nest(fields)
    if spec is not None and lines is not None:
        rows = _line_rows(lines, spec)
        checked = []
        for index, row in enumerate(rows):
            where = f"{spec.container}[{index}]."
            typed, dropped = _typed(
                line_model or model, flatten(row), where, skip=spec.parent_key, writable=writable
            )
            checked.append(nest(typed))
            ignored += dropped
        out[spec.container] = {spec.object: checked}
    return out, ignored


def missing_required(
    model: ObjectModel, fields: Mapping[str, Any], line_model: ObjectModel | None = None
) -> RecordCheckError | None:
    """The first required field a create lacks (a line's link to its header excepted)."""
    spec = LINES.get(model.name)
    problem = _missing(
        model, flatten({k: v for k, v in fields.items() if not spec or k != spec.container}), ""
    )
    if problem or spec is None or line_model is None:
        return problem
    rows = (fields.get(spec.container) or {}).get(spec.object, [])
    for index, row in enumerate(rows):
        found = _missing(line_model, flatten(row), f"{spec.container}[{index}].", spec.parent_key)
        if found:
            return found
    return None


def _missing(
    model: ObjectModel, flat: Mapping[str, Any], where: str, skip: str = ""
) -> RecordCheckError | None:
    for field in model.fields:
        needed = field.required and not field.read_only and field.name != skip
        if needed and flat.get(field.name) in (None, ""):
            return RecordCheckError(
                f"{where}{field.name}", f"required to create a {model.name}, missing"
            )
    return None


def _line_rows(lines: Any, spec: LineSpec) -> list[Mapping[str, Any]]:
    rows = lines.get(spec.object, []) if isinstance(lines, Mapping) else lines
    rows = [rows] if isinstance(rows, Mapping) else rows
    if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
        raise RecordCheckError(
            spec.container,
            f"expected a list of {spec.object} objects or {{{spec.object!r}: [...]}}",
        )
    return rows


def _typed(
    model: ObjectModel,
    flat: Mapping[str, Any],
    where: str,
    skip: str = "",
    writable: Callable[[str, str], bool] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    known = {f.name: f for f in model.fields}
    out: dict[str, Any] = {}
    ignored: list[str] = []
    for name, value in flat.items():
        if value is None or name == skip:
            continue
        if name.startswith(_PASS_THROUGH):
            out[name] = _plain(value, f"{where}{name}")
            continue
        field = known.get(name)
        if field is None:
            near = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
            hint = f"; did you mean {near[0]}?" if near else ""
            raise RecordCheckError(f"{where}{name}", f"{model.name} has no such field{hint}")
        read_only = field.read_only if writable is None else not writable(model.name, name)
        if read_only:
            ignored.append(f"{where}{name}")
            continue
        out[name] = _coerce(field, value, f"{where}{name}")
    return out, ignored


def _plain(value: Any, where: str) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Mapping | list):
        raise RecordCheckError(where, "expected a single value")
    return value


def _coerce(field: FieldModel, value: Any, where: str) -> Any:
    try:
        typed = _COERCE.get(field.type, _string)(value)
    except (ValueError, TypeError, InvalidOperation):
        raise RecordCheckError(where, f"expected {_EXPECTED[field.type]}, got {value!r}") from None
    picked = typed if isinstance(typed, list) else [typed]
    if field.valid_values and typed != "" and any(v not in field.valid_values for v in picked):
        allowed = ", ".join(field.valid_values)
        raise RecordCheckError(where, f"{value!r} is not one of its values ({allowed})")
    return typed


def _integer(value: Any) -> int | Decimal:
    if isinstance(value, bool):
        raise TypeError
    number = value if isinstance(value, Decimal | int) else Decimal(str(value).strip())
    if isinstance(number, Decimal) and number != number.to_integral_value():
        raise ValueError
    return int(number)


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, float):
        return Decimal(repr(value))
    number = Decimal(str(value).strip())
    if not number.is_finite():
        raise ValueError
    return number


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "t", "1"):
        return True
    if text in ("false", "f", "0"):
        return False
    raise ValueError


def _date(value: Any) -> date | str:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if "/" in text:  # already the gateway's MM/DD/YYYY
        month, day, year = (int(part) for part in text.split("/"))
        date(year, month, day)  # a ValueError when it is no date
        return text
    return date.fromisoformat(text[:10])


def _datetime(value: Any) -> datetime | str:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))


def _multipick(value: Any) -> list[str] | str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise TypeError


def _string(value: Any) -> Any:
    if isinstance(value, Mapping | list):
        raise TypeError
    return _plain(value, "")


_COERCE: dict[str, Callable[[Any], Any]] = {
    "integer": _integer,
    "decimal": _decimal,
    "boolean": _boolean,
    "date": _date,
    "datetime": _datetime,
    "multipick": _multipick,
    "string": _string,
}

_EXPECTED = {
    "integer": "an integer",
    "decimal": "a decimal number such as 1234.50",
    "boolean": "true or false",
    "date": "a date YYYY-MM-DD",
    "datetime": "a timestamp YYYY-MM-DDTHH:MM:SS",
    "multipick": "a list of strings",
    "string": "a single value",
}
