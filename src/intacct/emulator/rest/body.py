"""A REST record written (a POST or PATCH body) as the XML columns it sets, through the
catalog's pairing (docs/rest-catalog.md): dot paths into groups and references, enums
through ``xml_values``, references by ``key`` or ``id`` resolved to the record they
name, a document's ``lines`` as its owned lines. Each value then goes through the XML
gateway's own reading (:func:`~intacct.emulator.values.from_wire`), so both APIs keep
one rule for what a column accepts.

[U] Where the portal is silent (its OpenAPI marks fields ``readOnly`` and ``required``
without saying what a request breaking that gets): a field the object lacks, a value of
the wrong JSON type or outside the enum, and a read-only field are schema errors (400
"Payload contains errors", REST-1064, as the query service answers); a missing required
field and a reference to no record are business errors (422). A writable field with no
XML column (``xml_unmapped``) is taken and kept nowhere: the emulator has no column for
it. A REST field whose XML column the gateway treats as read-only is skipped as the
gateway skips it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from intacct.emulator.catalog import ObjectDef
from intacct.emulator.errors import FieldError, FunctionError
from intacct.emulator.rest.served import served_catalog
from intacct.emulator.store import Scope, Store
from intacct.emulator.store.duplicates import DuplicateIdError
from intacct.emulator.values import from_wire
from intacct.protocol.rest_catalog import RestField, RestObject
from intacct.protocol.rest_types import JSON_VALUES

__all__ = ["Problem", "RecordRefusedError", "Written", "field_problem", "rest_name", "written"]

_AMOUNT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_JSON_TYPES = JSON_VALUES  # the one REST type table


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a record: HTTP ``status`` (400 schema, 422 business, 409
    duplicate id), ``code``, ``message`` and the ``target`` field."""

    status: int
    code: str
    message: str
    target: str


class RecordRefusedError(Exception):
    """A record that cannot be written, with every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0].message)
        self.problems = problems


@dataclass(slots=True)
class Written:
    """What a record sets: XML ``values`` in storage form, owned ``lines`` by container."""

    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def rest_name(obj: RestObject, xml_name: str) -> str:
    """The REST field an XML column shows as (the column's own name when none does)."""
    writer = obj.writer(xml_name)
    if writer is not None:
        return writer.name
    return next((f.name for f in obj.fields.values() if f.xml == xml_name), xml_name)


def written(
    store: Store, scope: Scope, obj: RestObject, record: Any, *, creating: bool, prefix: str = ""
) -> Written:
    """``record`` (JSON) as the XML values it sets; RecordRefusedError with every problem found."""
    if not isinstance(record, dict):
        raise RecordRefusedError([_schema(prefix.rstrip(".") or "", "A record is a JSON object.")])
    problems: list[Problem] = []
    given = dict(_flatten(record))
    out = Written()
    refs: dict[str, dict[str, Any]] = {}
    for name, value in given.items():
        problem = _check(obj, name, value, creating=creating)
        if problem is not None:
            problems.append(_prefixed(problem, prefix))
            continue
        rest = obj.fields[name]
        if rest.read_only or (rest.type == "array" and name != obj.lines.get("field")):
            continue  # the key of a batch PATCH; an empty owned collection
        if rest.type == "object-ref" and rest.ref_field in ("key", "id"):
            refs.setdefault(rest.group, {})[rest.ref_field] = value
        elif rest.type != "array":
            _set(store, obj, rest, value, out, problems, prefix)
    if creating:
        problems += [_prefixed(p, prefix) for p in _missing(obj, given, inside=bool(prefix))]
        _defaults(store, obj, given, out, problems, prefix)
    for group, members in refs.items():
        _reference(store, scope, obj, group, members, out, problems, prefix)
    if obj.lines and obj.lines["field"] in given:
        _lines(store, scope, obj, given[obj.lines["field"]], out, problems, prefix)
    elif creating and obj.lines.get("min_items"):
        problems.append(_business(f"{prefix}{obj.lines['field']}", "lines are required."))
    if problems:
        raise RecordRefusedError(problems)
    return out


def _flatten(record: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for name, value in record.items():
        path = f"{prefix}{name}"
        if isinstance(value, dict):
            yield from _flatten(value, f"{path}.")
        else:
            yield path, value


def _schema(target: str, message: str) -> Problem:
    return Problem(400, "invalidRequest", message, target)


def _business(target: str, message: str, code: str = "invalidValue") -> Problem:
    return Problem(422, code, message, target)


def _prefixed(problem: Problem, prefix: str) -> Problem:
    if not prefix:
        return problem
    return Problem(problem.status, problem.code, problem.message, f"{prefix}{problem.target}")


def _check(obj: RestObject, name: str, value: Any, *, creating: bool) -> Problem | None:
    """A schema problem of field ``name`` given ``value``, else None."""
    rest = obj.fields.get(name)
    if rest is None and not name.endswith("href"):
        return _schema(name, f"{name} is not a valid field")
    if rest is None or rest.read_only:
        if name == obj.key and not creating:
            return None  # a batch PATCH names its record by key (portal: bulk-requests)
        return _schema(name, f"{name} is read-only and cannot be written.")
    if value is None:
        ok = rest.nullable or None in rest.enum
        return None if ok else _schema(name, f"{name} cannot be null.")
    if rest.type == "array":
        if not isinstance(value, list):
            return _schema(name, f"{name} must be a list.")
        if value and name != obj.lines.get("field"):
            return _business(name, f"{name}: this collection is not written by the emulator.")
        return None
    kinds = _JSON_TYPES.get(rest.type, (str,))
    if isinstance(value, bool) != (bool in kinds) or not isinstance(value, kinds):
        return _schema(name, f"{name} must be a JSON {_kind(rest)}.")
    return _value_problem(rest, value)


def _kind(rest: RestField) -> str:
    return {"integer": "integer", "number": "number", "boolean": "boolean"}.get(rest.type, "string")


def _value_problem(rest: RestField, value: Any) -> Problem | None:
    name = rest.name
    if rest.type == "enum" and value not in rest.enum:
        allowed = ", ".join(str(v) for v in rest.enum if v is not None)
        return _schema(name, f"{value!r} is not a valid value for {name}: one of {allowed}.")
    if rest.type == "date" and not _is_date(value):
        return _schema(name, f"{name} must be a date YYYY-MM-DD.")
    if rest.format.startswith("decimal") and not _AMOUNT.fullmatch(str(value)):
        return _schema(name, f"{name} must be a decimal number written as a string.")
    return None


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _xml_text(rest: RestField, value: Any) -> str:
    """The XML gateway's text for a REST value (MM/DD/YYYY dates, true/false)."""
    if value is None:
        return ""
    if rest.type == "enum":
        return str(rest.xml_values.get(value, value))
    if rest.type == "boolean":
        return "true" if value else "false"
    if rest.type == "date":
        return date.fromisoformat(value).strftime("%m/%d/%Y")
    return str(value)


def _set(
    store: Store,
    obj: RestObject,
    rest: RestField,
    value: Any,
    out: Written,
    problems: list[Problem],
    prefix: str,
) -> None:
    """Column ``rest.xml`` from ``value``, read as the XML gateway reads it."""
    xml = _xml_def(store, obj)
    column = xml.field(rest.xml) if rest.xml else None
    if column is None or column.readonly:
        return
    try:
        out.values[column.name] = from_wire(xml.name, column, _xml_text(rest, value))
    except FunctionError as exc:
        problems.append(_business(f"{prefix}{rest.name}", _said(exc)))


def _said(exc: FunctionError) -> str:
    line = exc.lines[0]
    return line.description2 or line.description


def _xml_def(store: Store, obj: RestObject) -> ObjectDef:
    assert obj.xml_object is not None  # writes are refused for REST-only objects
    return store.catalog[obj.xml_object]


def _missing(obj: RestObject, given: Mapping[str, Any], *, inside: bool) -> list[Problem]:
    """Required fields a create leaves out (a reference by key or id either way; the
    owner of a line written inside its document is that document)."""
    groups = {name.rpartition(".")[0] for name in given}
    owner = obj.owner.get("field") if inside else None
    return [
        _business(f.name, f"{f.name} is required.", code="required")
        for f in obj.fields.values()
        if f.required
        and not f.read_only
        and f.default is None
        and f.name not in given
        and not (f.type == "object-ref" and (f.group in groups or f.group == owner))
    ]


def _defaults(
    store: Store,
    obj: RestObject,
    given: Mapping[str, Any],
    out: Written,
    problems: list[Problem],
    prefix: str,
) -> None:
    """What a create leaves out takes the REST default the spec gives it."""
    for rest in obj.fields.values():
        if rest.default is not None and rest.name not in given and not rest.read_only:
            _set(store, obj, rest, rest.default, out, problems, prefix)


def _reference(
    store: Store,
    scope: Scope,
    obj: RestObject,
    group: str,
    members: Mapping[str, Any],
    out: Written,
    problems: list[Problem],
    prefix: str,
) -> None:
    """A reference given by key or id: the record it names (422 if none), its key and id
    in the columns the reference has."""
    if group == obj.owner.get("field") and prefix:
        return  # a line inside its document belongs to that document
    found = _referred(store, scope, obj, group, members)
    if found is None:
        member = "key" if "key" in members else "id"
        target = f"{group}.{member}"
        message = f"{target} {members[member]!r} names no record."
        problems.append(_business(f"{prefix}{target}", message))
        return
    for member, value in found.items():
        rest = obj.fields.get(f"{group}.{member}")
        if rest is not None and value is not None:
            _set(store, obj, rest, value, out, problems, prefix)


def _referred(
    store: Store, scope: Scope, obj: RestObject, group: str, members: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The referred record's key and id; the members as given when the emulator does not
    hold the referred object (a null reference clears it)."""
    if all(v is None for v in members.values()):
        return {"key": None, "id": None} | dict(members)
    target = served_catalog(store.catalog).get(obj.ref_groups().get(group, ""))
    if target is None or target.xml_object is None:
        return dict(members)
    xml = store.catalog[target.xml_object]
    key_column, id_column = target.fields[target.key].xml, target.fields[target.id].xml
    member = "key" if members.get("key") is not None else "id"
    column = key_column if member == "key" else id_column
    wanted = str(members[member])
    if column is None or (column == "RECORDNO" and not wanted.isdigit()):
        return None
    # [U] from the top level a reference resolves to any entity's record too, as the
    # top-level pickers list them (DEMO-ME's employees belong to its entities)
    seen = replace(scope, showprivate=True) if scope.entity == "" else scope
    rows = store.find(xml, seen, column, [int(wanted) if column == "RECORDNO" else wanted])
    if not rows:
        return None
    return {"key": rows[0].get(key_column or ""), "id": rows[0].get(id_column or "")}


def _lines(
    store: Store,
    scope: Scope,
    obj: RestObject,
    given: Any,
    out: Written,
    problems: list[Problem],
    prefix: str,
) -> None:
    """A document's ``lines``, each read as a record of the line object."""
    name = obj.lines["field"]
    least = int(obj.lines.get("min_items", 0))
    if not isinstance(given, list):
        problems.append(_schema(f"{prefix}{name}", f"{name} must be a list."))
        return
    if len(given) < least:
        problems.append(_business(f"{prefix}{name}", f"{name} needs at least {least} lines."))
    line_obj = served_catalog(store.catalog)[obj.lines["path"]]
    rows: list[dict[str, Any]] = []
    for index, line in enumerate(given):
        try:
            rows.append(
                written(
                    store, scope, line_obj, line, creating=True, prefix=f"{name}[{index}]."
                ).values
            )
        except RecordRefusedError as refused:
            problems += refused.problems
    out.lines[obj.lines["xml_owned"]] = rows


def field_problem(obj: RestObject, exc: FunctionError) -> Problem:
    """An XML rule's refusal (store.insert/update/delete) as REST tells it: the field
    it names, a duplicate id as 409 (portal: guides/error-handling, "unique key")."""
    target = rest_name(obj, exc.field) if isinstance(exc, FieldError) else ""
    if isinstance(exc, DuplicateIdError):
        return Problem(409, "duplicateValue", _said(exc), target)
    return Problem(422, "invalidValue", _said(exc), target)
