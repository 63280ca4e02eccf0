"""The one write algorithm of the SQL stores (:mod:`.duckdb`, :mod:`.postgres`), their
dialects only saying what differs: types, placeholders, how a page is staged and
appended, the upsert's count, transactions.

Every page is **one transaction** with the run state after it (``_intacct_state``, its
rows that changed: :mod:`.staterows`), so a run that dies at any point leaves the rows of
whole pages and the state that says where they end: the next run goes on from there and
counts nothing twice. The page's rows go into a staging table in bulk, then one
``INSERT … ON CONFLICT DO UPDATE`` stores them (DuckDB: an UPDATE and an INSERT, a
fraction of that one's memory there; never row by row); a first read's page, typed as
Arrow, goes straight into its table, and is upserted instead should one of its keys be
stored already.

The rules, written here once (``superseded`` in :mod:`intacct.replication` decides the
same in Python, for dlt and the tap):

1. the last row of a key in a page wins (a record read twice in one page);
2. a row not later than its stored tombstone never comes back: a query can show a
   deleted record's earlier version after AUDITHISTORY has shown the delete (Intacct is
   eventually consistent);
3. a tombstone sets ``_sdc_deleted_at`` on its row and keeps it, only if the row's
   WHENMODIFIED is not later than the delete (a later row is a new record that reuses
   the id); a tombstone for a row never stored is a row of its key alone;
4. a deleted document's lines go too: the engine asks :meth:`SqlDestination.stored_lines`
   which lines of it are stored, and they come back as tombstones under rule 3; so do
   the keys of an object read whole by key that a read no longer returns (the engine
   asks :meth:`SqlDestination.stored_keys` which keys of a page's range are stored);
5. a row read again unchanged is neither inserted nor updated;
6. a record is its RECORDNO: where a table is keyed by a business id (VENDORID...), a
   row of a RECORDNO stored under another id (the id was changed: the emulator lets an
   update change it, [U] whether Intacct does for each object) replaces that row, so the
   record is never stored twice; an older row of the RECORDNO is dropped instead.
"""

# ruff: noqa: S608 - SQL here names tables and columns, quoted by q(); values are parameters

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from intacct.destinations.base import (
    MODIFIED,
    RECORDNO,
    DestinationError,
    PageCounts,
    key_range_sql,
    keyed_table,
    lines_of,
    lines_table,
    recordnos_as,
    versioned,
    versions,
)
from intacct.destinations.history import (
    CHANGES_COLUMNS,
    CHANGES_TABLE,
    Versions,
    first_versions,
    history_table,
    why_not,
)
from intacct.destinations.runs import RUN_COLUMNS, RUNS_TABLE, RunLedger
from intacct.destinations.staterows import RUN, StatePlan, StateRows, is_run_row, select, value_of
from intacct.destinations.tables import Table
from intacct.replication import DELETED_AT, ENTITY_ID, StreamPage
from intacct.replication.streams.deletes import CHANGE_ID, CHANGE_MODE, CHANGED_AT, CHANGED_BY

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["STATE_TABLE", "KeyTakenError", "SqlDestination", "q", "quoted"]

STATE_TABLE = "_intacct_state"
#: what a page stored in a transaction of its own says when it was not
UNDONE = "the page was not stored (the database holds every page before it)"


def q(name: str) -> str:
    """A quoted identifier (object and field names are Intacct's: letters, digits, _)."""
    return '"' + name.replace('"', '""') + '"'


def quoted(names: Sequence[str]) -> str:
    return ", ".join(q(n) for n in names)


def superseded_sql(modified: str, deleted: str) -> str:
    """SQL: a version modified at ``modified`` is gone by a delete at ``deleted`` (rules 2
    and 3; :func:`intacct.replication.superseded` in Python)."""
    return f"{deleted} IS NOT NULL AND ({modified} IS NULL OR {modified} <= {deleted})"


def differs(a: str, b: str, names: Sequence[str]) -> str:
    """SQL: the rows ``a`` and ``b`` differ in one of ``names`` (rule 5)."""
    return (
        f"ROW({', '.join(f'{a}.{q(n)}' for n in names)}) IS DISTINCT FROM "
        f"ROW({', '.join(f'{b}.{q(n)}' for n in names)})"
    )


class KeyTakenError(Exception):
    """A first read's plain append met a stored key (the page is upserted instead)."""


class SqlDestination:
    """A SQL store opened for a run; a dialect (a subclass) opens ``con`` and says what
    differs (the hooks below)."""

    #: the driver's placeholder
    MARK: ClassVar[str] = "?"
    #: the driver's errors
    ERRORS: ClassVar[tuple[type[Exception], ...]] = ()
    #: the pseudo-column of a row's place in its table (rule 1: the last one wins)
    ROW_ORDER: ClassVar[str] = "rowid"

    con: Any
    #: the store as messages name it
    where: str

    def _start(self) -> None:
        """The run's own tables, made when missing (the dialect's ``__init__`` calls it)."""
        self.tables: dict[str, Table] = {}
        #: tables a first read's page is not appended to (they held rows, or an append
        #: met a stored key): upserted
        self._filled: set[str] = set()
        #: something was stored (see :class:`~.base.RemovableWhenUnused`)
        self.stored = False
        #: the objects keeping history (:mod:`.history`): their history tables' writers
        self._versions: dict[str, Versions] = {}
        #: the run state's rows as committed (a page writes those it changes)
        self._state_rows = StateRows()
        #: every table's columns, read at once at the first lookup (None: not yet, or
        #: again after a statement that may have changed any); tables made or altered
        #: since are ``_changed_tables``, each read on its own
        self._columns: dict[str, dict[str, str]] | None = None
        self._changed_tables: set[str] = set()
        text, time = self._type("VARCHAR"), self._type("TIMESTAMP")
        state, runs = self._name(STATE_TABLE), self._name(RUNS_TABLE)
        self._ddl(f"CREATE TABLE IF NOT EXISTS {state} (name {text} PRIMARY KEY, value {text})")
        self._ddl(f"CREATE TABLE IF NOT EXISTS {runs} (started {time}, finished {time}, "
                  f"status {text}, summary {text})")  # fmt: skip
        # only those missing: an ALTER waits for every reader's transaction of the table
        # (Postgres), even one that changes nothing
        have = self.table_columns(RUNS_TABLE)
        for column, kind in RUN_COLUMNS:  # as written, in both (Postgres: varchar)
            if column not in have:
                self._ddl(f"ALTER TABLE {runs} ADD COLUMN IF NOT EXISTS {column} {kind}")

    def _end_abandoned(self, ledger: RunLedger) -> None:
        """Earlier runs' rows still ``running`` marked killed (their process is gone:
        :meth:`RunLedger.abandoned`); for a run that holds the destination's lock."""
        sql, params = ledger.abandoned()
        self.transaction(lambda: self.con.execute(sql, params), "nothing was read yet")

    # -- the dialect's hooks ----------------------------------------------------------------

    def _type(self, kind: str) -> str:
        """A column type (DuckDB's name, as :mod:`.tables` writes it) in this dialect."""
        return kind

    def _name(self, table: str) -> str:
        """A table's name as SQL here writes it (in its schema)."""
        return q(table)

    def _run(self, statement: str) -> None:
        """A statement of its own (a table made or altered)."""
        raise NotImplementedError

    def _said(self, exc: BaseException) -> str:
        """The driver's error as one line (no password in it)."""
        raise NotImplementedError

    def transaction(self, work: Callable[[], Any], undone: str = UNDONE) -> None:
        """``work()`` in one transaction: all of it is stored, or none (the error says
        ``undone``)."""
        raise NotImplementedError

    def _table_columns(self, name: str) -> dict[str, str]:
        """A table's columns in order with their types; empty if there is no table."""
        raise NotImplementedError

    def _all_columns(self) -> list[tuple[str, str, str]]:
        """Every table's columns (table, column, type), each table's in order, in one
        query."""
        raise NotImplementedError

    # -- tables -----------------------------------------------------------------------------

    def table_columns(self, name: str) -> dict[str, str]:
        """A table's columns in order with their types; empty if there is no table.
        Every table's are read at the first lookup, in one query: a run of 641 objects
        asked for each table's on its own, 3.5 ms each in DuckDB (its catalog scanned
        every time), 40 ms for all of them at once."""
        if name in self._changed_tables:
            return self._table_columns(name)
        if self._columns is None:
            self._columns = {}
            for table, column, kind in self._all_columns():
                self._columns.setdefault(table, {})[column] = kind
        return dict(self._columns.get(name, {}))

    def _ddl(self, statement: str, table: str | None = None) -> None:
        """A statement that makes or alters ``table`` (None: any table, or several)."""
        try:
            self._run(statement)
        finally:  # undone or not, the columns known may be out of date
            self._columns_changed(table)

    def _columns_changed(self, table: str | None = None) -> None:
        """``table``'s columns (None: any table's) are read again at their next lookup."""
        if table is None:
            self._columns = None
            self._changed_tables.clear()
        else:
            self._changed_tables.add(table)

    def _prepared(self, table: Table, existed: bool) -> None:
        """After the table was made or altered."""

    def _writing(self, name: str, upsert: bool) -> None:
        """A page (or rows) of ``name`` is about to be stored; by an upsert or not."""

    def _append(self, table: Table, page: StreamPage) -> None:
        """A first read's page straight into its table; :class:`KeyTakenError` when a key
        is stored already (the transaction is then undone)."""
        raise NotImplementedError

    def _stage(self, table: Table, records: Sequence[Mapping[str, Any]],
               arrow: pa.Table | None) -> str:  # fmt: skip
        """The rows (or their Arrow table) in a staging table of ``table``'s columns in
        its order (no key: a page may hold a key twice); its name."""
        raise NotImplementedError

    def _stage_tombstones(self, rows: list[list[Any]]) -> str:
        """(key as text, deleted at) rows in a staging table ``(k, deleted)``; its name."""
        raise NotImplementedError

    def _unstage(self, stage: str) -> None:
        """The staging table emptied or dropped, at the end of its page."""
        raise NotImplementedError

    def _upsert(self, table: Table, stage: str) -> tuple[int, int]:
        """The rows staged stored under rules 1 and 5 (:meth:`_upsert_statement` says
        them in one statement); (inserted, updated)."""
        raise NotImplementedError

    def _among(self, column: str, values: list[Any]) -> tuple[str, Any]:
        """SQL: ``column`` is one of ``values`` (one parameter), and that parameter."""
        raise NotImplementedError

    def _changed(self, cursor: Any) -> int:
        """How many rows the UPDATE just run changed."""
        raise NotImplementedError

    # -- schema -----------------------------------------------------------------------------

    def prepare(self, table: Table) -> list[str]:
        """Create the object's table, or add the columns it lacks (a new custom field is a
        new column, never a failure); returns the columns added."""
        existing = self.table_columns(table.name)
        target, added = self._name(table.name), []
        if not existing:
            columns = ", ".join(f"{q(c.name)} {self._type(c.type)}" for c in table.columns)
            key = f", PRIMARY KEY ({quoted(table.key)})" if table.key else ""
            self._ddl(f"CREATE TABLE {target} ({columns}{key})", table.name)
        for column in table.columns:
            if existing and column.name not in existing:
                self._ddl(f"ALTER TABLE {target} ADD COLUMN {q(column.name)} "
                          f"{self._type(column.type)}", table.name)  # fmt: skip
                added.append(column.name)
        self._prepared(table, bool(existing))
        self.tables[table.name] = table
        return added

    def keep_history(self, table: Table) -> str | None:
        """``table`` (prepared) keeps every version of its records from now on, in its
        history table (made, or given the columns it lacks); why it cannot, else None."""
        reason = why_not(table)
        if reason is not None:
            return reason
        history = history_table(table)
        new = not self.table_columns(history.name)
        if not self.table_columns(CHANGES_TABLE):
            columns = ", ".join(f"{q(c.name)} {self._type(c.type)}" for c in CHANGES_COLUMNS)
            self._ddl(f"CREATE TABLE IF NOT EXISTS {self._name(CHANGES_TABLE)} "
                      f"({columns}, PRIMARY KEY (object, id))", CHANGES_TABLE)  # fmt: skip
        self.prepare(history)
        versions = Versions(table, self._name, self.MARK, self.ROW_ORDER, self._type("VARCHAR"))
        if new:  # history starts from what the table holds: each row its current version
            self.transaction(lambda: self.con.execute(versions.seed()), "no history was kept")
        self._versions[table.name] = versions
        return None

    def keeps_history(self, name: str) -> bool:
        """Whether ``name`` keeps history this run (the engine then hands its
        AUDITHISTORY changes over: :class:`~intacct.replication.contract.KeepsChanges`)."""
        return name in self._versions

    # -- state ------------------------------------------------------------------------------

    def state(self) -> dict[str, Any] | None:
        return self.setting(RUN)  # type: ignore[no-any-return]

    def setting(self, name: str) -> Any:
        """A choice the database remembers between runs (``layout``), or None."""
        return value_of(self._state_rows_of(name), name)

    def _state_rows_of(self, name: str) -> list[tuple[str, str]]:
        sql, params = select(self._name(STATE_TABLE), self.MARK, name)
        return self.con.execute(sql, params).fetchall()  # type: ignore[no-any-return]

    def save_setting(self, name: str, value: Any) -> None:
        """Remember ``value`` (None forgets it); ``run`` and ``run/…`` are the run state's."""
        if is_run_row(name):
            raise ValueError(f"{name!r} is the run state's row: it is saved with save_state")

        def write() -> None:
            self.stored = True
            self.con.execute(
                f"DELETE FROM {self._name(STATE_TABLE)} WHERE name = {self.MARK}", [name]
            )
            if value is not None:
                self._put(name, value)

        self.transaction(write, "nothing was changed")

    def save_state(self, state: Mapping[str, Any]) -> None:
        """Replace the run state alone (``intacct state reset``): every row of it, read
        again first (another process may have written it since this one did)."""
        self._state_rows.forget()
        self._with_state(lambda: None, state, "the state was not changed")

    def _with_state(
        self, work: Callable[[], Any], state: Mapping[str, Any], undone: str = UNDONE
    ) -> None:
        """``work`` and the run state after it in one transaction; the state's rows are
        taken as stored only once it is committed (undone, they are read again)."""
        plans: list[StatePlan] = []

        def both() -> None:
            work()
            plans[:] = [self._put_state(state)]

        try:
            self.transaction(both, undone)
        except BaseException:
            self._state_rows.forget()
            raise
        self._state_rows.settle(plans[0])

    def _put_state(self, state: Mapping[str, Any]) -> StatePlan:
        """The rows of ``state`` that changed, written; the rows it no longer has, deleted."""
        table, m = self._name(STATE_TABLE), self.MARK
        if self._state_rows.stored is None:
            self._state_rows.stored = {n: json.loads(text) for n, text in self._state_rows_of(RUN)}
        plan = self._state_rows.plan(state)
        for name in plan.delete:
            self.con.execute(f"DELETE FROM {table} WHERE name = {m}", [name])
        for name, text in plan.write.items():
            self._put_text(name, text)
        return plan

    def _put(self, name: str, value: Any) -> None:
        self._put_text(name, json.dumps(value))

    def _put_text(self, name: str, text: str) -> None:
        # once a page: an UPDATE of the stored row costs DuckDB a fifth of an INSERT OR
        # REPLACE (0.4 against 2 ms of CPU), which deletes and inserts through the index
        self.stored = True
        table, m = self._name(STATE_TABLE), self.MARK
        cursor = self.con.execute(f"UPDATE {table} SET value = {m} WHERE name = {m}", [text, name])
        if not self._changed(cursor):
            self.con.execute(f"INSERT INTO {table} VALUES ({m}, {m})", [name, text])

    # -- pages ------------------------------------------------------------------------------

    def write_page(self, page: StreamPage) -> PageCounts:
        """The page's rows, its tombstones and the state after it, in one transaction.
        A first read's page typed as Arrow goes straight into its table; should any of
        its keys be stored already, that transaction is undone and the page upserted
        like any other (and the table's next pages too)."""
        table = self.tables[page.stream]
        versions = self._versions.get(table.name)
        self._writing(table.name, upsert=False)
        if self._appends(table, page):
            if self._first(table, page):
                return PageCounts(inserted=len(page.records))
            self._filled.add(table.name)  # once undone, never again this run
        if page.records or page.tombstones:  # not a page of state alone (a stream's end)
            self._writing(table.name, upsert=True)
        counts: list[PageCounts] = []

        def write() -> None:
            tombstones, entity = page.tombstones, page.entity
            deleted = self._tombstones(table, tombstones, entity) if tombstones else 0
            inserted, updated = self._rows(table, page, versions) if page.records else (0, 0)
            if versions is not None and (tombstones or page.changes) and not page.records:
                self._history(versions, None, page)
            counts[:] = [PageCounts(inserted, updated, deleted)]  # the attempt that stored it

        self._with_state(write, page.state)
        return counts[0]

    def _appends(self, table: Table, page: StreamPage) -> bool:
        """A first read's page of a keyed table that held no rows (typed as Arrow where
        the table keeps history: its first versions are made of that)."""
        return (
            (page.table is not None or table.name not in self._versions)
            and page.first_read
            and not page.tombstones
            and bool(table.key)
            and table.name not in self._filled
        )

    def _first(self, table: Table, page: StreamPage) -> bool:
        """The page appended with the state after it; False (nothing stored) when a key
        is taken: the caller upserts it."""

        versions = self._versions.get(table.name)

        def write() -> None:
            self._append(table, page)
            if versions is not None and page.table is not None:  # new records: new versions
                self._append(versions.history, replace(page, table=first_versions(page.table)))

        try:
            self._with_state(write, page.state)
        except KeyTakenError:  # rolled back by transaction()
            return False
        return True

    def _rows(self, table: Table, page: StreamPage, versions: Versions | None) -> tuple[int, int]:
        names, target = quoted(table.names), self._name(table.name)
        stage = self._stage(table, page.records, page.table)
        if versions is not None:  # every version read, before rule 2 drops the stale ones
            self._history(versions, stage, page)
        if not table.key:  # no key to upsert on: the engine reads such objects whole
            self.con.execute(
                f"DELETE FROM {target} WHERE {q(ENTITY_ID)} = {self.MARK}", [page.entity]
            )
            self.con.execute(f"INSERT INTO {target} ({names}) SELECT {names} FROM {stage}")
            self._unstage(stage)
            return len(page.records), 0
        if MODIFIED in table.names:  # rule 2
            same = " AND ".join(f"t.{q(k)} = s.{q(k)}" for k in table.key)
            gone = superseded_sql(f"s.{q(MODIFIED)}", f"t.{q(DELETED_AT)}")
            self.con.execute(f"DELETE FROM {stage} s USING {target} t WHERE {same} AND {gone}")
        counts = self._upsert(table, stage)
        self._unstage(stage)
        return counts

    def _history(self, versions: Versions, stage: str | None, page: StreamPage) -> None:
        """The page's versions (its rows staged in ``stage``) and deletes into the
        history table, each version's end mended (:mod:`.history`)."""
        tombstones, key = None, versions.table.key[0]
        changed = [c for c in page.changes if key in c]
        if changed:
            self._changes(versions.table.name, page.entity, key, changed)
        added: list[list[Any]] = []
        if stage is not None:
            refresh = versions.refresh(stage)
            if refresh is not None:
                self.con.execute(refresh)
            added = [[k, None] for (k,) in self.con.execute(versions.add(stage)).fetchall()]
        # the records whose spans may have moved: a version added, a delete, a change
        # (a version refreshed in place moves nothing)
        touched = [[str(t[key]), t[DELETED_AT]] for t in page.tombstones if key in t]
        touched += [[str(c[key]), None] for c in changed] + added
        if not touched:
            return
        tombstones = self._stage_tombstones(touched)
        statement, entities = versions.mend(tombstones)
        self.con.execute(statement, [page.entity] * entities)
        self._unstage(tombstones)

    def _changes(
        self, name: str, entity: str, key: str, changes: Sequence[Mapping[str, Any]]
    ) -> None:
        """AUDITHISTORY's changes of object ``name`` kept once each (by their ID)."""
        row = f"({', '.join([self.MARK] * len(CHANGES_COLUMNS))})"
        values = [
            [name, entity, str(c[key]), str(c[CHANGE_ID]), c[CHANGED_AT], c[CHANGE_MODE],
             c[CHANGED_BY]]
            for c in changes
        ]  # fmt: skip
        self.con.execute(
            f"INSERT INTO {self._name(CHANGES_TABLE)} "
            f"({quoted([c.name for c in CHANGES_COLUMNS])}) "
            f"VALUES {', '.join([row] * len(values))} ON CONFLICT DO NOTHING",
            [v for each in values for v in each],
        )

    def _renamed(self, table: Table, stage: str) -> int:
        """Rule 6, for a table keyed by a business id: a staged row whose RECORDNO is
        stored under another id replaces that row (an older staged row is dropped); how
        many rows it replaced (the upsert counts them as updated, not inserted). Called
        by each dialect's :meth:`_upsert` where its stage is smallest."""
        if RECORDNO not in table.names or RECORDNO in table.key:
            return 0
        target = self._name(table.name)
        same = f"t.{q(RECORDNO)} = s.{q(RECORDNO)} AND t.{q(ENTITY_ID)} = s.{q(ENTITY_ID)}"
        other = " OR ".join(f"t.{q(k)} <> s.{q(k)}" for k in table.key if k != ENTITY_ID)
        where = f"{same} AND ({other})"
        if MODIFIED in table.names:
            older = f"s.{q(MODIFIED)} < t.{q(MODIFIED)}"
            self.con.execute(f"DELETE FROM {stage} s USING {target} t WHERE {where} AND {older}")
        gone = self.con.execute(f"DELETE FROM {target} t USING {stage} s WHERE {where} RETURNING 1")
        return len(gone.fetchall())

    def _upsert_statement(self, table: Table, stage: str) -> str:
        """The staged rows into the table, the last of each key only (rule 1), a row
        read again unchanged left as it is (rule 5)."""
        names, keys = quoted(table.names), quoted(table.key)
        values = [n for n in table.names if n not in table.key]
        conflict = "DO NOTHING"
        if values:
            changes = ", ".join(f"{q(n)} = EXCLUDED.{q(n)}" for n in values)
            conflict = f"DO UPDATE SET {changes} WHERE {differs('t', 'EXCLUDED', values)}"
        last = (
            f"SELECT {names} FROM (SELECT *, row_number() OVER (PARTITION BY {keys} "
            f"ORDER BY {self.ROW_ORDER} DESC) AS _intacct_last FROM {stage}) s "
            "WHERE _intacct_last = 1"
        )
        return (
            f"INSERT INTO {self._name(table.name)} AS t ({names}) {last} "
            f"ON CONFLICT ({keys}) {conflict}"
        )

    def _tombstones(
        self, table: Table, tombstones: Sequence[Mapping[str, Any]], entity: str
    ) -> int:
        """Rule 3; how many stored rows the tombstones deleted."""
        if not table.key:
            return 0
        key, target, m = table.key[0], self._name(table.name), self.MARK
        stage = self._stage_tombstones(
            [[str(t[key]), t[DELETED_AT]] for t in tombstones if key in t]
        )
        same = f"CAST(t.{q(key)} AS {self._type('VARCHAR')}) = s.k AND t.{q(ENTITY_ID)} = {m}"
        older = f" AND {superseded_sql(f't.{q(MODIFIED)}', 's.deleted')}"
        done = self.con.execute(
            f"UPDATE {target} t SET {q(DELETED_AT)} = s.deleted FROM {stage} s "
            f"WHERE {same}{older if MODIFIED in table.names else ''} RETURNING 1",
            [entity],
        ).fetchall()
        kind = self._type(next(c.type for c in table.columns if c.name == key))
        self.con.execute(
            f"INSERT INTO {target} ({q(key)}, {q(ENTITY_ID)}, {q(DELETED_AT)}) "
            f"SELECT CAST(s.k AS {kind}), {m}, max(s.deleted) FROM {stage} s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {target} t WHERE {same}) GROUP BY s.k",
            [entity, entity],
        )
        self._unstage(stage)
        return len(done)

    # -- read back --------------------------------------------------------------------------

    def stored_versions(
        self, name: str, entity: str, recordnos: Sequence[int]
    ) -> dict[int, str | None] | None:
        """The stored WHENMODIFIED of ``recordnos`` in ``entity`` (the lookback window's
        digest); None for a table not prepared or without the two columns."""
        table = versioned(self.tables, name)
        if table is None or not recordnos:
            return None if table is None else {}
        found = self._read_back(
            table, (RECORDNO, MODIFIED), entity, recordnos_as(table, recordnos), "for the lookback"
        )
        return versions(found)

    def stored_lines(
        self, name: str, entity: str, field: str, documents: Sequence[int]
    ) -> dict[int, list[Any]] | None:
        """The live lines of ``documents`` (rule 4)."""
        table = lines_table(self.tables, name, field)
        if table is None or not documents:
            return None if table is None else {}
        values = recordnos_as(table, documents, field)
        return lines_of(self._read_back(table, (field, table.key[0]), entity, values, live=True))

    def stored_keys(
        self, name: str, entity: str, after: int | None, upto: int | None
    ) -> list[str] | None:
        """The live keys in (``after``, ``upto``] of an object read whole by key (rule 4),
        compared as whole numbers (:func:`~.base.key_range_sql`)."""
        table = keyed_table(self.tables, name)
        if table is None:
            return None
        key = table.key[0]
        within, params = key_range_sql(q(key), self.MARK, after, upto)
        rows = self._select(table, (key,), entity, within, params, "for its deletes", live=True)
        return [str(k) for (k,) in rows]

    def _read_back(
        self, table: Table, columns: tuple[str, str], entity: str, values: list[Any],
        why: str = "", *, live: bool = False,
    ) -> list[tuple[Any, ...]]:  # fmt: skip
        """``columns`` of ``table``'s rows in ``entity`` whose first column is one of
        ``values`` (``live``: not tombstoned)."""
        among, param = self._among(q(columns[0]), values)
        return self._select(table, columns, entity, among, [param], why, live=live)

    def _select(
        self, table: Table, columns: tuple[str, ...], entity: str, where: str,
        params: list[Any], why: str, *, live: bool,
    ) -> list[tuple[Any, ...]]:  # fmt: skip
        """``columns`` of ``table``'s rows in ``entity`` for which ``where`` (with its
        ``params``) holds (``live``: not tombstoned)."""
        alive = f" AND {q(DELETED_AT)} IS NULL" if live else ""
        try:
            return list(self.con.execute(
                f"SELECT {quoted(columns)} FROM {self._name(table.name)} "
                f"WHERE {q(ENTITY_ID)} = {self.MARK}{alive} AND {where}", [entity, *params]
            ).fetchall())  # fmt: skip
        except self.ERRORS as exc:
            said = " ".join(["could not read", table.name, "back from", self.where, why])
            raise DestinationError(f"{said.strip()}: {self._said(exc)}") from None

    # -- tables derived from others (--unified) ---------------------------------------------

    def rows(self, name: str) -> list[dict[str, Any]]:
        """A table prepared this run, its rows as Python values (empty if not prepared)."""
        if name not in self.tables:
            return []
        cursor = self.con.execute(f"SELECT * FROM {self._name(name)}")
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def replace_rows(self, table: Table, records: Sequence[Mapping[str, Any]]) -> int:
        """The table's rows replaced by ``records``, in one transaction (a table derived
        from others, rebuilt whole)."""
        names, target = quoted(table.names), self._name(table.name)
        self._writing(table.name, upsert=True)

        def write() -> None:
            self.stored = True
            self.con.execute(f"DELETE FROM {target}")
            if records:
                stage = self._stage(table, records, None)
                self.con.execute(f"INSERT INTO {target} ({names}) SELECT {names} FROM {stage}")
                self._unstage(stage)

        self.transaction(write)
        return len(records)
