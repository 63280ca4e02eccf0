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

from intacct.registry import ObjectInfo
from intacct.replication import DELETED_AT, ENTITY_ID, catalog, trialbalance

__all__ = ["Column", "Table", "table_for", "trial_balance_table"]

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


def trial_balance_table() -> Table:
    """TRIALBALANCE: a month's balances per account and entity."""
    kinds = {"PERIODSTART": "DATE", "PERIODEND": "DATE"}
    names = [n for n in trialbalance.schema()["properties"] if n != ENTITY_ID]
    columns = [
        Column(n, kinds.get(n, _TYPES["decimal"] if n in trialbalance.AMOUNTS else "VARCHAR"))
        for n in names
    ]
    columns += [Column(ENTITY_ID, "VARCHAR"), Column(DELETED_AT, "TIMESTAMP")]
    return Table(trialbalance.TRIAL_BALANCE, tuple(columns), trialbalance.KEY_PROPERTIES)
