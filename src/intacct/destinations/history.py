"""History tables: every version of a record a run observed, beside its current row.

With ``history`` on for an object, its table ``<name>`` keeps the current state as ever
and ``<name>_history`` one row per version: the record's columns, then

* ``valid_from``: the version's change time (WHENMODIFIED, UTC): the moment the record
  became so in Intacct, not the moment a run read it (a record with an empty
  WHENMODIFIED: 1970-01-01, valid since before anything a run saw);
* ``valid_to``: the next version's ``valid_from``, or the delete that ended it; NULL
  while the version is current;
* ``is_current``: ``valid_to IS NULL``; ``is_deleted``: a delete ended it (its time is
  the row's ``_sdc_deleted_at``).

A version is its record's key (the table's: the business id, with ``_entity_id``) and
``valid_from``, so a page read again (a resumed run, the lookback, a notice and a safety
run reading the same change) stores nothing twice: it is the same version, its values
refreshed. A version older than the latest one, arriving late, is put in its place and
its neighbours' ``valid_to`` mended; a delete closes the version it found current
(:func:`intacct.replication.superseded`'s rule: a delete ends a version not modified
after it; a later version is the record made again under its id). Written in the page's
own transaction (:mod:`.sql`), so a run killed anywhere leaves whole pages' versions.

Only an object whose records carry WHENMODIFIED and a key can keep history: another has
no change time to order its versions by (the run says so, once).
"""

# ruff: noqa: S608 - SQL here names tables and columns, quoted by q(); values are parameters

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from intacct.destinations.base import MODIFIED
from intacct.destinations.tables import Column, Table
from intacct.replication import DELETED_AT, ENTITY_ID

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "CHANGES_COLUMNS",
    "CHANGES_TABLE",
    "COLUMNS",
    "SUFFIX",
    "Versions",
    "first_versions",
    "history_table",
    "why_not",
]

SUFFIX = "_history"
VALID_FROM, VALID_TO, IS_CURRENT, IS_DELETED = "valid_from", "valid_to", "is_current", "is_deleted"
CHANGED_BY, CHANGE_MODE, UNSEEN = "changed_by", "change_mode", "unseen_changes"
#: AUDITHISTORY's changes of the objects keeping history, once each (by its ID)
CHANGES_TABLE = "_intacct_changes"
CHANGES_COLUMNS = (
    Column("object", "VARCHAR"),
    Column("entity", "VARCHAR"),
    Column("k", "VARCHAR"),
    Column("id", "VARCHAR"),
    Column("changed_at", "TIMESTAMP"),
    Column("mode", "VARCHAR"),
    Column("changed_by", "VARCHAR"),
)
#: a version's start: its change time; a record Intacct gives none (an empty WHENMODIFIED,
#: an old record's) is taken as it was since the epoch, before anything a run saw
SINCE = f"coalesce(\"{MODIFIED}\", TIMESTAMP '1970-01-01 00:00:00')"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: the columns a history table has beyond its object's
COLUMNS = (
    Column(VALID_FROM, "TIMESTAMP"),
    Column(VALID_TO, "TIMESTAMP"),
    Column(IS_CURRENT, "BOOLEAN"),
    Column(IS_DELETED, "BOOLEAN"),
    Column(CHANGED_BY, "VARCHAR"),
    Column(CHANGE_MODE, "VARCHAR"),
    Column(UNSEEN, "BIGINT"),
)


def why_not(table: Table) -> str | None:
    """Why ``table``'s object cannot keep history; None when it can."""
    if MODIFIED not in table.names:
        return "its records have no WHENMODIFIED to order their versions by"
    if not table.key:
        return "its records have no key to tell one record's versions from another's"
    return None


def history_table(table: Table) -> Table:
    """The history table of an object's ``table``: its columns, then :data:`COLUMNS`;
    keyed by its key and ``valid_from``."""
    return Table(table.name + SUFFIX, (*table.columns, *COLUMNS), (*table.key, VALID_FROM))


def first_versions(arrow: pa.Table) -> pa.Table:
    """A first read's page (Arrow, its records new to the table) as their versions: each
    current since its change time (the epoch where it has none), as :meth:`Versions.insert`
    would store them, for a plain append beside the page's."""
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = arrow.num_rows
    if MODIFIED in arrow.column_names:
        modified = arrow.column(MODIFIED)
        since = pc.fill_null(modified, pa.scalar(EPOCH, modified.type))
    else:
        since = pa.array([EPOCH] * rows, pa.timestamp("us"))
    extra = {
        VALID_FROM: since,
        VALID_TO: pa.nulls(rows, since.type),
        IS_CURRENT: pa.array([True] * rows, pa.bool_()),
        IS_DELETED: pa.array([False] * rows, pa.bool_()),
        UNSEEN: pa.array([0] * rows, pa.int64()),  # history begins: nothing unseen yet
    }
    for name, kind in extra.items():
        arrow = arrow.append_column(name, kind)
    return arrow


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _same(a: str, b: str, names: tuple[str, ...]) -> str:
    return " AND ".join(f"{a}.{_q(n)} = {b}.{_q(n)}" for n in names)


@dataclass(frozen=True, slots=True)
class Versions:
    """The statements that keep one object's history table, in a SQL store's dialect:
    ``name`` quotes a table as the store writes it, ``mark`` is its placeholder,
    ``row_order`` the pseudo-column of a row's place in a staging table, ``text`` its
    text type."""

    table: Table
    name: Callable[[str], str]
    mark: str
    row_order: str
    text: str

    @property
    def history(self) -> Table:
        return history_table(self.table)

    def seed(self) -> str:
        """The object's stored rows as their versions, a history just begun: each row
        ended by its delete where it has one."""
        names = ", ".join(_q(n) for n in self.table.names)
        deleted, columns = _q(DELETED_AT), ", ".join(_q(c.name) for c in self.history.columns)
        return (
            f"INSERT INTO {self.name(self.history.name)} ({columns}) "
            f"SELECT {names}, {SINCE}, {deleted}, {deleted} IS NULL, "
            f"{deleted} IS NOT NULL, NULL, NULL, 0 FROM {self.name(self.table.name)}"
        )

    def _last(self, stage: str) -> str:
        """SQL: the staged rows, the last of each key and change time (a page read twice
        holds it twice), each with its ``valid_from``."""
        names = ", ".join(_q(n) for n in self.table.names)
        partition = ", ".join([*(_q(n) for n in self.table.key), SINCE])
        return (
            f"SELECT {names}, {SINCE} AS {_q(VALID_FROM)} FROM (SELECT *, row_number() OVER "
            f"(PARTITION BY {partition} ORDER BY {self.row_order} DESC) AS _intacct_last "
            f"FROM {stage}) s WHERE _intacct_last = 1"
        )

    def refresh(self, stage: str) -> str | None:
        """The staged versions kept already, refreshed where their values differ (their
        spans and deletes, :meth:`mend`'s, kept); None when there is nothing to refresh.
        An UPDATE joined on the page's rows, not an upsert: DuckDB's ``ON CONFLICT DO
        UPDATE`` holds buffers for every column, however few the rows (issue 46)."""
        keys = self.table.key
        values = [n for n in self.table.names if n not in keys and n not in (MODIFIED, DELETED_AT)]
        if not values:
            return None
        sets = ", ".join(f"{_q(n)} = v.{_q(n)}" for n in values)
        old = ", ".join(f"h.{_q(n)}" for n in values)
        new = ", ".join(f"v.{_q(n)}" for n in values)
        return (
            f"UPDATE {self.name(self.history.name)} AS h SET {sets} FROM ({self._last(stage)}) v "
            f"WHERE {_same('h', 'v', (*keys, VALID_FROM))} "
            f"AND ROW({old}) IS DISTINCT FROM ROW({new})"
        )

    def add(self, stage: str) -> str:
        """The staged versions not kept yet, added current; returns each one's key (its
        first column as text), whose record's spans :meth:`mend` then mends."""
        names = ", ".join(_q(n) for n in self.table.names)
        hist, keys = self.name(self.history.name), self.table.key
        columns = ", ".join(_q(c.name) for c in self.history.columns)
        kept = f"SELECT 1 FROM {hist} h WHERE {_same('h', 'v', (*keys, VALID_FROM))}"
        return (
            f"INSERT INTO {hist} ({columns}) "
            f"SELECT {names}, {_q(VALID_FROM)}, NULL, TRUE, FALSE, NULL, NULL, NULL "
            f"FROM ({self._last(stage)}) v WHERE NOT EXISTS ({kept}) "
            f"RETURNING CAST({_q(keys[0])} AS {self.text})"
        )

    def _audit(self, e: str) -> str:
        """SQL: what AUDITHISTORY says of version ``e``: who made it and how (its change
        at its ``valid_from``: [U] Intacct stamps ACCESSTIME and WHENMODIFIED at the same
        second, as the emulator does), and how many changes of its record no read saw
        before the next version read (a delete, a record made again, changes: whatever
        came between), the first version also those before it (since history began:
        the audit trail is read from then); the current version's, those no run has
        read yet."""
        changes, key = self.name(CHANGES_TABLE), _q(self.table.key[0])
        name = "'" + self.table.name.replace("'", "''") + "'"
        of = f"c.object = {name} AND c.entity = {e}._e AND c.k = CAST({e}.{key} AS {self.text})"
        start = f"{e}.{_q(VALID_FROM)}"
        at = f"c.changed_at = {start}"
        after = f"c.changed_at > {start} AND ({e}.next IS NULL OR c.changed_at < {e}.next)"
        before = f"{e}.prev IS NULL AND c.changed_at < {start}"
        return (
            f"(SELECT min(c.changed_by) FROM {changes} c WHERE {of} AND {at}) AS who, "
            f"(SELECT min(c.mode) FROM {changes} c WHERE {of} AND {at}) AS how, "
            f"(SELECT count(*) FROM {changes} c WHERE {of} AND (({after}) OR ({before}))) "
            "AS unseen"
        )

    def mend(self, touched: str) -> tuple[str, int]:
        """Each version of the records the page touched (``touched``: ``(k, deleted)``
        rows, the key's first column as text and a delete's time or NULL, in the page's
        entity, the parameter) given its end: the earliest delete in its span (from its
        ``valid_from`` to the next version's), else the next version's start; the
        deletes known being those it was given, the object's table's (a delete read
        before the version it ends) and this page's; and what AUDITHISTORY says of it
        (:meth:`_audit`). Returns the statement and how many times it takes the entity."""
        keys, hist = self.table.key, self.name(self.history.name)
        base, first, m = self.name(self.table.name), _q(keys[0]), self.mark
        tomb = f"CAST(h.{first} AS {self.text}) = t.k AND h.{_q(ENTITY_ID)} = {m}"
        h_cols = ", ".join(f"h.{_q(k)}" for k in keys)
        records = f"SELECT {h_cols} FROM {hist} h JOIN {touched} t ON {tomb}"
        deletes = [
            f"SELECT {h_cols}, h.{_q(DELETED_AT)} AS at FROM {hist} h "
            f"JOIN k ON {_same('h', 'k', keys)} WHERE h.{_q(DELETED_AT)} IS NOT NULL",
            f"SELECT {h_cols}, b.{_q(DELETED_AT)} FROM {hist} h JOIN k ON {_same('h', 'k', keys)} "
            f"JOIN {base} b ON {_same('h', 'b', keys)} WHERE b.{_q(DELETED_AT)} IS NOT NULL",
            f"SELECT {h_cols}, t.deleted FROM {hist} h JOIN {touched} t ON {tomb}",
        ]
        spans = (
            f"SELECT {h_cols}, h.{_q(ENTITY_ID)} AS _e, h.{_q(VALID_FROM)}, "
            f"lead(h.{_q(VALID_FROM)}) OVER (PARTITION BY {h_cols} ORDER BY h.{_q(VALID_FROM)}) "
            f"AS next, lag(h.{_q(VALID_FROM)}) OVER (PARTITION BY {h_cols} "
            f"ORDER BY h.{_q(VALID_FROM)}) AS prev FROM {hist} h JOIN k ON {_same('h', 'k', keys)}"
        )
        within = f"d.at >= v.{_q(VALID_FROM)} AND (v.next IS NULL OR d.at < v.next)"
        gone = f"(SELECT min(d.at) FROM d WHERE {_same('d', 'v', keys)} AND {within})"
        ends = (
            f"WITH k AS (SELECT DISTINCT * FROM ({records}) u), "
            f"d AS ({' UNION ALL '.join(deletes)}), v AS ({spans}) "
            f"SELECT {', '.join(f'v.{_q(k)}' for k in keys)}, v._e, v.{_q(VALID_FROM)}, "
            f"{gone} AS gone, v.next, v.prev FROM v"
        )
        said = self._audit("e")
        n_end = "coalesce(n.gone, n.next)"
        statement = (
            f"UPDATE {hist} AS h SET {_q(DELETED_AT)} = n.gone, {_q(VALID_TO)} = {n_end}, "
            f"{_q(IS_CURRENT)} = ({n_end} IS NULL), {_q(IS_DELETED)} = (n.gone IS NOT NULL), "
            f"{_q(CHANGED_BY)} = n.who, {_q(CHANGE_MODE)} = n.how, {_q(UNSEEN)} = n.unseen "
            f"FROM (SELECT e.*, {said} FROM ({ends}) e) n "
            f"WHERE {_same('h', 'n', (*keys, VALID_FROM))} AND "
            f"(h.{_q(VALID_TO)} IS DISTINCT FROM {n_end} OR "
            f"h.{_q(DELETED_AT)} IS DISTINCT FROM n.gone OR h.{_q(IS_CURRENT)} IS NULL OR "
            f"h.{_q(CHANGED_BY)} IS DISTINCT FROM n.who OR "
            f"h.{_q(UNSEEN)} IS DISTINCT FROM n.unseen)"
        )
        return statement, 2
