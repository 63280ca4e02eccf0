"""DuckDB columns from Intacct's object metadata: one table per object, typed.

DECIMAL/CURRENCY/PERCENT become ``DECIMAL(38,12)`` (26 integer digits, exact: amounts
are never floats), dates ``DATE``, timestamps ``TIMESTAMP`` in UTC (the engine converts
WHENMODIFIED from the user's zone), booleans ``BOOLEAN``, integers ``BIGINT``,
multi-picks ``VARCHAR[]``, the rest ``VARCHAR``. Every table also has ``_entity_id``
(the entity session that read the row, "" for the top level) and ``_sdc_deleted_at``
(set by a tombstone; the row is kept). The primary key is the object's business id,
else its RECORDNO, with ``_entity_id``: :mod:`intacct.replication.catalog`, shared with the tap.
"""

from __future__ import annotations

from dataclasses import dataclass

from intacct.client.registry import ObjectInfo, ObjectRegistry
from intacct.replication import DELETED_AT, ENTITY_ID, StreamKind, catalog, declared
from intacct.replication.streams import trialbalance

__all__ = ["Column", "Table", "declared_table", "table_for", "table_of", "trial_balance_table"]

_TYPES = {
    "integer": "BIGINT",
    "decimal": "DECIMAL(38,12)",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "multipick": "VARCHAR[]",
    "string": "VARCHAR",
}


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str


@dataclass(frozen=True, slots=True)
class Table:
    """An object's table: its columns in order and its primary key (may be empty)."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def table_for(info: ObjectInfo) -> Table:
    """The object's table: its queryable fields, then ``_entity_id``, ``_sdc_deleted_at``."""
    columns = [Column(f.name, _TYPES.get(f.type, "VARCHAR")) for f in catalog.columns(info)]
    columns += [Column(ENTITY_ID, "VARCHAR"), Column(DELETED_AT, "TIMESTAMP")]
    return Table(info.name, tuple(columns), tuple(catalog.key_properties(info)))


def table_of(name: str, registry: ObjectRegistry) -> Table:
    """The table of any stream: a declared one's (:func:`declared_table`), else the
    object's (looked up in ``registry``)."""
    kind = declared(name, registry.rest.for_streams([name]))
    return declared_table(kind) if kind is not None else table_for(registry.get(name))


def declared_table(kind: StreamKind) -> Table:
    """A declared stream's table, from its JSON Schema: dates ``DATE``, timestamps
    ``TIMESTAMP``, numbers exact ``DECIMAL``, integers, booleans, the rest ``VARCHAR``;
    then ``_entity_id``, ``_sdc_deleted_at``."""
    properties = kind.schema()["properties"]
    columns = [
        Column(name, _json_type(spec)) for name, spec in properties.items() if name != ENTITY_ID
    ]
    columns += [Column(ENTITY_ID, "VARCHAR"), Column(DELETED_AT, "TIMESTAMP")]
    return Table(kind.name, tuple(columns), kind.key_properties)


def trial_balance_table() -> Table:
    """TRIALBALANCE: a month's balances per account and entity."""
    kind = declared(trialbalance.TRIAL_BALANCE)
    assert kind is not None
    return declared_table(kind)


def _json_type(spec: dict[str, object]) -> str:
    types = spec.get("type")
    if spec.get("format") in ("date", "date-time"):
        return _TYPES["datetime" if spec["format"] == "date-time" else "date"]
    for kind, name in (("number", "decimal"), ("integer", "integer"), ("boolean", "boolean")):
        if isinstance(types, list) and kind in types:
            return _TYPES[name]
    return "VARCHAR"
