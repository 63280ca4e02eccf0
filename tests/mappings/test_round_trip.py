"""Round trip, for every stream, as a property: any Intacct record (with its lines), read in
unified form and written back, writes exactly the Intacct values it was read from, and
its unified form comes back unchanged.

Records are drawn field by field from the stream's own table (a value of the field's
kind for each writable field, references picked from a pool of known records), in the
form the replication engine emits (ISO date texts, Decimal amounts, display values).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intacct.mappings import (
    REFERENCE_KINDS,
    UNIFIED_STREAMS,
    CachedReferences,
    codecs,
    from_unified,
    to_unified,
    written_view,
)
from intacct.mappings.fields import Address, Field, Phones, Ref, Value
from tests.properties import examples

#: three known records per kind: RECORDNO 101.., ids and names distinct
POOL = {
    kind: [
        {
            "RECORDNO": 101 + i,
            spec.id_field: f"{kind[:3].upper()}-{i}",
            spec.name_field: f"{kind} number {i}"
            if spec.name_field != spec.id_field
            else f"{kind[:3].upper()}-{i}",
        }
        for i in range(3)
    ]
    for kind, spec in REFERENCE_KINDS.items()
}
REFS = CachedReferences(POOL)

TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)
DECIMALS = st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False)


def _value(codec: codecs.Codec) -> st.SearchStrategy[Any]:
    if codec.values:
        return st.sampled_from(list(codec.values))
    kinds: dict[int, st.SearchStrategy[Any]] = {
        id(codecs.TEXT): TEXT,
        id(codecs.DECIMAL): DECIMALS,
        id(codecs.DATE): st.dates().map(date.isoformat),
        id(codecs.BOOL): st.booleans(),
        id(codecs.STATUS): st.sampled_from(["active", "inactive"]),
        id(codecs.POSTING): st.sampled_from([1, -1]),
        id(codecs.KEY): st.integers(1, 10**6),
        id(codecs.DATETIME): st.just("2025-01-02T03:04:05Z"),
    }
    return kinds[id(codec)]


def _draw_fields(
    data: st.DataObject, fields: tuple[Field, ...], record: dict[str, Any]
) -> dict[str, Any]:
    """Fill ``record``; return the Intacct values a write must carry back."""
    expected: dict[str, Any] = {}
    for item in fields:
        if isinstance(item, Value):
            if item.required or data.draw(st.booleans()):
                value = data.draw(_value(item.codec))
                record[item.intacct] = value
                if item.writable:
                    expected[item.intacct] = _as_written(item.codec, value)
        elif isinstance(item, Ref):
            if item.required or data.draw(st.booleans()):
                row = data.draw(st.sampled_from(POOL[item.kind]))
                spec = REFERENCE_KINDS[item.kind]
                attr = {"recordno": "RECORDNO", "id": spec.id_field, "name": spec.name_field}
                for part in item.parts:
                    if part.read_from:
                        record[part.read_from] = row[attr[part.by]]
                expected[item.target] = row[attr[item.target_by]]
        elif isinstance(item, Phones):
            for name in data.draw(
                st.sets(st.sampled_from(["PHONE1", "PHONE2", "CELLPHONE", "FAX"]))
            ):
                record[f"{item.contact}.{name}"] = expected[f"{item.contact}.{name}"] = data.draw(
                    TEXT
                )
        elif isinstance(item, Address):
            names = ["ADDRESS1", "ADDRESS2", "ADDRESS3", "CITY", "STATE", "ZIP", "COUNTRY"]
            for name in data.draw(st.sets(st.sampled_from(names))):
                key = f"{item.mailaddress}.{name}"
                record[key] = expected[key] = data.draw(TEXT)
    return expected


def _as_written(codec: codecs.Codec, value: Any) -> Any:
    return date.fromisoformat(value) if codec is codecs.DATE else value


def _flat(fields: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in fields.items():
        if isinstance(value, Mapping):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


@pytest.mark.parametrize("stream", sorted(UNIFIED_STREAMS))
@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_read_then_write_lands_unchanged(stream: str, data: st.DataObject) -> None:
    mapping = UNIFIED_STREAMS[stream]
    record: dict[str, Any] = {"WHENMODIFIED": "2025-01-02T03:04:05Z"}
    if mapping.id_from == "RECORDNO" and data.draw(st.booleans()):
        record["RECORDNO"] = data.draw(st.integers(1, 10**6))
    expected = _draw_fields(data, mapping.fields, record)
    lines: list[dict[str, Any]] = []
    expected_lines: list[dict[str, Any]] = []
    if mapping.lines is not None:
        for number in range(1, data.draw(st.integers(1, 3)) + 1):
            line: dict[str, Any] = {"RECORDNO": 1000 + number, "LINE_NO": number}
            expected_lines.append(_draw_fields(data, mapping.lines.fields, line))
            lines.append(line)

    unified = to_unified(stream, record, lines if mapping.lines else None)
    write = from_unified(stream, unified, REFS)

    fields = dict(write.fields)
    if mapping.lines is not None:
        written_lines = fields.pop(mapping.lines.container)[mapping.lines.object]
        assert [_flat(line) for line in written_lines] == expected_lines
    assert _flat(fields) == expected
    assert write.recordno == record.get("RECORDNO")
    if mapping.object_for is None:
        assert write.object == mapping.object
    again = to_unified(stream, write.fields)
    assert written_view(stream, again) == written_view(stream, unified)
