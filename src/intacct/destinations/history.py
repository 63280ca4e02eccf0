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

A store that loads rather than updates (dlt) keeps the versions read and the deletes
read as they come, and the same ends as a view over them (:func:`view`, built of the
same SQL as :meth:`Versions.mend`).

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
    "DELETES",
    "SUFFIX",
    "VERSIONS",
    "Versions",
    "first_versions",
    "history_table",
    "view",
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
#: a store that loads rather than updates (dlt) keeps a history as two tables, and a view
#: (:func:`view`): each version read, each delete read (its time in ``deleted_at``)
VERSIONS, DELETES, DELETED = "_versions", "_deletes", "deleted_at"
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


#: a version's end: the earliest delete in its span (``gone``), else the next one's start
_END = "coalesce(n.gone, n.next)"


def _next(keys: str, start: str) -> str:
    """The start of the next version of the same record (``keys``): its span's end."""
    return f"lead({start}) OVER (PARTITION BY {keys} ORDER BY {start}) AS next"


def _prev(keys: str, start: str) -> str:
    """The start of the version before, of the same record (``keys``)."""
    return f"lag({start}) OVER (PARTITION BY {keys} ORDER BY {start}) AS prev"


def _gone(same: str, start: str) -> str:
    """The earliest delete (``d``: the record's, by ``same``, at ``at``) in the span of
    the version ``v`` (from its ``start`` to its ``next``): the delete that ended it."""
    within = f"d.at >= {start} AND (v.next IS NULL OR d.at < v.next)"
    return f"(SELECT min(d.at) FROM d WHERE {same} AND {within})"


def view(
    table: Table,
    name: Callable[[str], str],
    column: Callable[[str], str],
    has: Callable[[str, str], bool],
    text: str = "VARCHAR",
) -> str | None:
    """The SELECT of ``table``'s history over two tables a store that loads rather than
    updates keeps (dlt): ``<table>`` :data:`VERSIONS` (each version read once: the record's
    columns and ``valid_from``) and ``<table>`` :data:`DELETES` (each delete read: the
    key's first column, ``_entity_id``, ``deleted_at``); each version given its end as
    :meth:`Versions.mend` gives it, and what AUDITHISTORY says of it (the store's
    :data:`CHANGES_TABLE`, where it has one yet). ``name`` writes a table as SQL,
    ``column`` a column, ``has(table, column)`` says whether a stored table has a
    column; ``text`` is the store's text type. None before the versions table is
    stored."""
    versions, deletes = table.name + VERSIONS, table.name + DELETES
    if not has(versions, VALID_FROM):
        return None
    keys = ", ".join(f"h.{column(k)}" for k in table.key)
    named = (table.key[0], ENTITY_ID)  # what a tombstone names
    same = " AND ".join(f"d.{column(k)} = v.{column(k)}" for k in named)
    picked = ", ".join(column(k) for k in named)
    # a table none was loaded into yet (dlt makes it with its first rows): none, typed
    none = f"FROM {name(versions)} WHERE 1 = 0"
    d = f"SELECT {picked}, {column(DELETED)} AS at FROM {name(deletes)}"
    if not has(deletes, DELETED):
        d = f"SELECT {picked}, {column(VALID_FROM)} AS at {none}"
    changes = name(CHANGES_TABLE)
    if not has(CHANGES_TABLE, "changed_at"):
        nulls = [
            f"CAST(NULL AS {text}) AS {c.name}" for c in CHANGES_COLUMNS if c.type != "TIMESTAMP"
        ]
        changes = f"(SELECT {', '.join(nulls)}, {column(VALID_FROM)} AS changed_at {none})"
    said = _audit(table.name, changes, text, "g", f"g.{column(ENTITY_ID)}",
                  f"g.{column(table.key[0])}")  # fmt: skip
    record = [
        f"n.{column(c.name)}" if c.name != DELETED_AT else f"n.gone AS {column(DELETED_AT)}"
        for c in table.columns
        if c.name == DELETED_AT or has(versions, c.name)
    ]
    start = f"h.{column(VALID_FROM)}"
    return (
        f"WITH d AS ({d}), v AS (SELECT h.*, {_next(keys, start)}, {_prev(keys, start)} "
        f"FROM {name(versions)} h), "
        f"g AS (SELECT v.*, {_gone(same, f'v.{column(VALID_FROM)}')} AS gone FROM v), "
        f"n AS (SELECT g.*, {said} FROM g) "
        f"SELECT {', '.join(record)}, n.{column(VALID_FROM)}, {_END} AS {column(VALID_TO)}, "
        f"({_END} IS NULL) AS {column(IS_CURRENT)}, (n.gone IS NOT NULL) AS "
        f"{column(IS_DELETED)}, n.who AS {column(CHANGED_BY)}, n.how AS {column(CHANGE_MODE)}, "
        f"n.unseen AS {column(UNSEEN)} FROM n"
    )


def _audit(name: str, changes: str, text: str, e: str, entity: str, key: str) -> str:
    """SQL: what AUDITHISTORY (``changes``: :data:`CHANGES_TABLE`'s rows) says of version
    ``e`` of object ``name`` (its ``entity`` and ``key``, ``e``'s ``valid_from``,
    ``next`` and ``prev``): who made it, how, and the changes no read saw
    (:meth:`Versions._audit`); ``text`` is the store's text type."""
    named = "'" + name.replace("'", "''") + "'"
    of = f"c.object = {named} AND c.entity = {entity} AND c.k = CAST({key} AS {text})"
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
        key = f"{e}.{_q(self.table.key[0])}"
        return _audit(self.table.name, self.name(CHANGES_TABLE), self.text, e, f"{e}._e", key)

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
            f"{_next(h_cols, f'h.{_q(VALID_FROM)}')}, {_prev(h_cols, f'h.{_q(VALID_FROM)}')} "
            f"FROM {hist} h JOIN k ON {_same('h', 'k', keys)}"
        )
        gone = _gone(_same("d", "v", keys), f"v.{_q(VALID_FROM)}")
        ends = (
            f"WITH k AS (SELECT DISTINCT * FROM ({records}) u), "
            f"d AS ({' UNION ALL '.join(deletes)}), v AS ({spans}) "
            f"SELECT {', '.join(f'v.{_q(k)}' for k in keys)}, v._e, v.{_q(VALID_FROM)}, "
            f"{gone} AS gone, v.next, v.prev FROM v"
        )
        said = self._audit("e")
        n_end = _END
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
