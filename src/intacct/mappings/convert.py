"""Both directions: :func:`to_unified` (Intacct record -> unified record, what the tap and
``intacct sync --unified`` emit) and :func:`from_unified` (unified record -> what the
target writes), plus :func:`written_view` (what a write carries, for round-trip checks)
and :func:`unified_schema`.

The round trip holds for every stream: for a record ``u`` read in unified form,
``written_view(s, to_unified(s, from_unified(s, u, refs).fields)) == written_view(s, u)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from intacct.mappings.codecs import KEY, UnifiedRecordError
from intacct.mappings.fields import Field
from intacct.mappings.references import References
from intacct.mappings.streams import Lines, StreamMapping, mapping_for

__all__ = [
    "IntacctWrite",
    "from_unified",
    "nest",
    "to_unified",
    "unified_schema",
    "written_view",
]

#: properties a Singer record may carry that are no data of the stream
_META_PREFIXES = ("_sdc_", "_entity_id")


@dataclass(frozen=True, slots=True)
class IntacctWrite:
    """What to write for one unified record.

    ``fields`` is nested as ``fn.Create``/``fn.Update`` take it (lines included);
    ``recordno`` is set when the record named its Intacct RECORDNO (``id``): update that
    record; ``key`` is the business key ``(field, value)`` an upsert can match on (None
    for documents); ``ignored`` lists the properties given with a value that this write
    does not carry (read-only ones such as totals, and ones Intacct has no field for),
    so a report can say so: nothing is dropped without a word.
    """

    object: str
    fields: dict[str, Any]
    recordno: int | None = None
    key: tuple[str, str] | None = None
    ignored: tuple[str, ...] = field(default=())


def to_unified(
    stream: str,
    record: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The unified record of an Intacct record: flat (engine: ``DISPLAYCONTACT.EMAIL1``)
    or nested (``fn.Create`` shape). A document's lines come from ``lines`` (line
    records read on their own, put in LINE_NO order) or else from the record's own
    line container."""
    mapping = mapping_for(stream)
    flat = _flatten(record, skip=mapping.lines.container if mapping.lines else None)
    out: dict[str, Any] = {}
    for item in mapping.fields:
        item.read(flat, out)
    if mapping.lines is not None:
        rows = list(lines) if lines is not None else _inline_lines(record, mapping.lines)
        rows.sort(key=_line_order)
        out[mapping.lines.unified] = [_read_line(mapping.lines, row) for row in rows]
    return out


def from_unified(stream: str, unified: Mapping[str, Any], refs: References) -> IntacctWrite:
    """What to write for a unified record. Bad input raises
    :class:`~intacct.mappings.UnifiedRecordError` naming the property
    (``Bills.lineItems[1].accountNumber``); a reference that names no record raises
    :class:`~intacct.mappings.ReferenceNotFoundError` with the near matches.

    A record with an ``id`` (its RECORDNO) is an update and may leave out what a create
    needs; any other record must carry every required property.
    """
    mapping = mapping_for(stream)
    path = mapping.name
    if not isinstance(unified, Mapping):
        raise UnifiedRecordError(path, f"expected an object, got {type(unified).__name__}")
    recordno = _recordno(mapping, unified)
    partial = recordno is not None
    flat: dict[str, Any] = {}
    for item in mapping.fields:
        item.write(unified, flat, refs, path, partial)
    fields = nest(flat)
    if mapping.lines is not None:
        lines = _write_lines(mapping, unified, refs, path, partial)
        if lines:
            fields[mapping.lines.container] = {mapping.lines.object: lines}
    obj = mapping.object_for(unified) if mapping.object_for else mapping.object
    key = None
    if mapping.id_field and isinstance(flat.get(mapping.id_field), str):
        key = (mapping.id_field, flat[mapping.id_field])
    return IntacctWrite(obj, fields, recordno, key, _ignored(mapping, unified))


def written_view(stream: str, unified: Mapping[str, Any]) -> dict[str, Any]:
    """The part of a unified record a write carries and a later read gives back."""
    mapping = mapping_for(stream)
    view = {n: unified.get(n) for f in mapping.fields for n in f.written()}
    if mapping.lines is not None:
        names = [n for f in mapping.lines.fields for n in f.written()]
        rows = unified.get(mapping.lines.unified) or []
        view[mapping.lines.unified] = [{n: row.get(n) for n in names} for row in rows]
    return view


def unified_schema(stream: str) -> dict[str, Any]:
    """The JSON Schema of a unified stream's records (read-only properties marked
    ``readOnly``), for the tap's catalog and the target's streams."""
    mapping = mapping_for(stream)
    properties = _properties(mapping.fields)
    if mapping.lines is not None:
        item = {"type": "object", "properties": _properties(mapping.lines.fields)}
        lines = {"type": ["array", "null"], "items": item}
        properties[mapping.lines.unified] = {
            **lines,
            "description": f"the {mapping.lines.object} lines",
        }
        for alias in mapping.lines.aliases:
            properties[alias] = {**lines, "description": f"write only: more lines ({alias})"}
    for name in mapping.single_line:
        properties.setdefault(name, {"type": ["string", "null"]})
        properties[name] = {
            **properties[name],
            "description": "write: a payment of one document (with amount) when no lineItems",
        }
    return {"type": "object", "properties": properties}


# --- helpers ----------------------------------------------------------------------------


def _properties(fields: Sequence[Field]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for item in fields:
        properties.update(item.properties())
    return properties


def _flatten(record: Mapping[str, Any], skip: str | None, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if key == skip and not prefix:
            continue
        if isinstance(value, Mapping):
            flat.update(_flatten(value, None, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"A.B": 1}`` -> ``{"A": {"B": 1}}``: nested elements, as the gateway reads them."""
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        *parents, leaf = key.split(".")
        node = nested
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value
    return nested


def _inline_lines(record: Mapping[str, Any], lines: Lines) -> list[Mapping[str, Any]]:
    container = record.get(lines.container)
    if not isinstance(container, Mapping):
        return []
    rows = container.get(lines.object) or []
    return [rows] if isinstance(rows, Mapping) else list(rows)


def _line_order(row: Mapping[str, Any]) -> tuple[int, int]:
    def number(value: Any) -> int:
        return int(value) if isinstance(value, int | str) and str(value).isdigit() else 0

    return number(row.get("LINE_NO")), number(row.get("RECORDNO"))


def _read_line(lines: Lines, row: Mapping[str, Any]) -> dict[str, Any]:
    flat = _flatten(row, None)
    out: dict[str, Any] = {}
    for item in lines.fields:
        item.read(flat, out)
    return out


def _given_lines(
    mapping: StreamMapping, unified: Mapping[str, Any], path: str
) -> list[tuple[str, Mapping[str, Any]]]:
    """(path, line) for every line given: the lines property, its aliases, or the
    header's single-line properties."""
    assert mapping.lines is not None
    given: list[tuple[str, Mapping[str, Any]]] = []
    for name in (mapping.lines.unified, *mapping.lines.aliases):
        rows = unified.get(name)
        if rows is None:
            continue
        if not isinstance(rows, list | tuple):
            raise UnifiedRecordError(f"{path}.{name}", "expected a list of line objects")
        for index, row in enumerate(rows):
            if not isinstance(row, Mapping):
                raise UnifiedRecordError(f"{path}.{name}[{index}]", "expected an object")
            given.append((f"{path}.{name}[{index}]", row))
    lines_absent = all(
        unified.get(n) is None for n in (mapping.lines.unified, *mapping.lines.aliases)
    )
    if lines_absent and any(unified.get(n) is not None for n in mapping.single_line):
        given.append((path, {n: unified.get(n) for n in mapping.single_line}))
    return given


def _write_lines(
    mapping: StreamMapping,
    unified: Mapping[str, Any],
    refs: References,
    path: str,
    partial: bool,
) -> list[dict[str, Any]]:
    assert mapping.lines is not None
    given = _given_lines(mapping, unified, path)
    if not given and mapping.lines.required and not partial:
        raise UnifiedRecordError(f"{path}.{mapping.lines.unified}", "needs at least one line")
    written = []
    for where, row in given:
        flat: dict[str, Any] = {}
        for item in mapping.lines.fields:
            item.write(row, flat, refs, where, False)
        written.append(nest(flat))
    return written


def _recordno(mapping: StreamMapping, unified: Mapping[str, Any]) -> int | None:
    if mapping.id_from != "RECORDNO" or unified.get("id") in (None, ""):
        return None
    return int(KEY.write(unified["id"], f"{mapping.name}.id"))


def _ignored(mapping: StreamMapping, unified: Mapping[str, Any]) -> tuple[str, ...]:
    """Properties with a value that the write does not carry."""
    carried = {n for f in mapping.fields for n in f.accepted()} | {"id"}
    if mapping.lines is not None:
        carried |= {mapping.lines.unified, *mapping.lines.aliases, *mapping.single_line}
    ignored = [
        name
        for name, value in unified.items()
        if value is not None and name not in carried and not name.startswith(_META_PREFIXES)
    ]
    if mapping.lines is not None:
        line_carried = {n for f in mapping.lines.fields for n in f.accepted()} | {"id"}
        for name in (mapping.lines.unified, *mapping.lines.aliases):
            for index, row in enumerate(unified.get(name) or []):
                if isinstance(row, Mapping):
                    ignored += [
                        f"{name}[{index}].{key}"
                        for key, value in row.items()
                        if value is not None and key not in line_carried
                    ]
    return tuple(ignored)
