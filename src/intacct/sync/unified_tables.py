"""``intacct sync --unified``: hotglue's unified tables (``Accounts``, ``Vendors``,
``Bills``...) built from the object tables the same run stored.

Nothing is read from Intacct twice: the objects behind the unified streams are synced as
usual (``Bills``: APBILL and APBILLITEM), then each unified table is rebuilt from them in
one transaction through the same :func:`intacct.mappings.to_unified` the tap uses, each
bill with all its lines (:class:`intacct.mappings.DocumentAssembler`). A rebuild reads
the object tables, never the gateway, so a stopped run leaves the last complete unified
tables and the next run rebuilds them whole.

Columns follow :func:`intacct.mappings.unified_schema`: numbers ``DECIMAL(38,12)``,
date-times ``TIMESTAMP`` (UTC), dates ``DATE``, booleans, text; arrays (a document's
``lineItems``, a vendor's ``phoneNumbers``) are JSON text, amounts in it as strings. The
key is ``id`` and ``_entity_id``; ``_sdc_deleted_at`` comes from the header's row. A
tombstone of a record never synced has no ``id`` and no unified row.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from intacct.destinations import ReadBack
from intacct.destinations.tables import Column, Table
from intacct.mappings import UNIFIED_STREAMS, DocumentAssembler, mapping_for, to_unified
from intacct.mappings import unified_schema as schema_of
from intacct.replication import DELETED_AT, ENTITY_ID
from intacct.replication.records.typed import iso_utc

__all__ = ["rebuild", "unified_objects", "unified_table"]


def _line_objects(name: str) -> tuple[str, ...]:
    lines = mapping_for(name).lines
    return (lines.object,) if lines is not None else ()


def unified_objects() -> tuple[str, ...]:
    """Every Intacct object behind a unified stream, in stream order."""
    names = [o for s in UNIFIED_STREAMS for o in (*mapping_for(s).objects, *_line_objects(s))]
    return tuple(dict.fromkeys(names))


def unified_table(stream: str) -> Table:
    properties = schema_of(stream)["properties"]
    columns = [Column(name, _column_type(spec)) for name, spec in properties.items()]
    columns += [Column(ENTITY_ID, "VARCHAR"), Column(DELETED_AT, "TIMESTAMP")]
    return Table(stream, tuple(columns), ("id", ENTITY_ID))


def rebuild(database: ReadBack, streams: Sequence[str]) -> dict[str, int]:
    """Rebuild each unified table from the object tables; rows written per stream."""
    written: dict[str, int] = {}
    for stream in streams:
        table = unified_table(stream)
        database.prepare(table)
        records = [r for r in _records(database, stream) if r.get("id") is not None]
        written[stream] = database.replace_rows(table, records)
    return written


def _records(database: ReadBack, stream: str) -> Iterator[dict[str, Any]]:
    mapping = mapping_for(stream)
    headers = [(obj, row) for obj in mapping.objects for row in _rows(database, obj)]
    if mapping.lines is None:
        for _, row in headers:
            yield _finish(to_unified(stream, row), row)
        return
    assembler = DocumentAssembler(stream)
    by_key = {}
    for _, row in headers:
        assembler.add_headers(row[ENTITY_ID], [row])
        by_key[(row[ENTITY_ID], row.get("RECORDNO"))] = row
    lines = _rows(database, mapping.lines.object)
    by_entity: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        if line.get(mapping.lines.parent_key) is not None:
            by_entity.setdefault(line[ENTITY_ID], []).append(line)
    for entity, rows in by_entity.items():
        assembler.add_lines(entity, rows)
    for entity, document in assembler.documents():
        header = by_key.get((entity, _recordno(document)), {ENTITY_ID: entity})
        yield _finish(document, header)


def _recordno(document: Mapping[str, Any]) -> int | None:
    value = document.get("id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _finish(record: dict[str, Any], row: Mapping[str, Any]) -> dict[str, Any]:
    out = {name: json_cell(value) for name, value in record.items()}
    out[ENTITY_ID] = row.get(ENTITY_ID, "")
    out[DELETED_AT] = row.get(DELETED_AT)
    return out


def _rows(database: ReadBack, table: str) -> list[dict[str, Any]]:
    """A stored object's rows as the engine emitted them (ISO texts, Decimals, lists)."""
    return [{n: _engine_value(n, v) for n, v in row.items()} for row in database.rows(table)]


def _engine_value(name: str, value: Any) -> Any:
    if isinstance(value, Decimal):  # DECIMAL(38,12) pads: 500.460000000000 -> 500.46
        return Decimal(f"{value.normalize():f}")
    if isinstance(value, datetime):
        return value if name == DELETED_AT else iso_utc(value.replace(tzinfo=UTC))
    if isinstance(value, date):
        return value.isoformat()
    return value


def _column_type(spec: Mapping[str, Any]) -> str:
    kinds = spec.get("type", "string")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    kind = next((k for k in kinds if k != "null"), "string")
    if kind == "number":
        return "DECIMAL(38,12)"
    if kind == "integer":
        return "BIGINT"
    if kind == "boolean":
        return "BOOLEAN"
    if kind in ("array", "object"):
        return "VARCHAR"  # JSON text
    return {"date": "DATE", "date-time": "TIMESTAMP"}.get(spec.get("format", ""), "VARCHAR")


def json_cell(value: Any) -> Any:
    """Arrays and objects as JSON text; amounts in it are strings, digit for digit (a
    JSON number would be read back as a float)."""
    if isinstance(value, list | dict):
        return json.dumps(value, default=_json_default)
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")
