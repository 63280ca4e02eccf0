"""The DuckDB file ``intacct sync`` writes: a table per object, the run state, the runs.

Every page the engine hands over is written in **one transaction** with the run state
after it (``_intacct_state``), so a run that dies at any point leaves the rows of whole
pages and the state that says where they end: the next run goes on from there and
counts nothing twice. Rows go in through DuckDB's appender into a staging table, then
one ``INSERT … ON CONFLICT DO UPDATE`` per page (never row by row).

A tombstone sets ``_sdc_deleted_at`` on its row and keeps it; it applies only to a row
whose WHENMODIFIED is not later than the delete (a later row is a new record that
reuses the id). A tombstone for a row never synced is kept as a row of its key alone.
The converse holds too: a row read again that is not later than its stored tombstone
does not bring the record back (a query can show a deleted record's earlier version
after AUDITHISTORY has shown the delete: Intacct is eventually consistent).
"""

# ruff: noqa: S608 - SQL here names tables and columns, quoted by q(); values are parameters

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from intacct.destinations.base import (
    MODIFIED,
    RECORDNO,
    DestinationError,
    PageCounts,
    lines_of,
    lines_table,
    recordnos_as,
    versioned,
    versions,
)
from intacct.destinations.runs import RUN_COLUMNS, RUNS_TABLE, RunLedger
from intacct.destinations.tables import Table
from intacct.replication import DELETED_AT, ENTITY_ID

__all__ = ["DuckDBDestination", "saved_state"]

log = logging.getLogger("intacct.destinations")

#: DuckDB's buffers (its default is 80% of the machine's memory): pages go in one at a
#: time and what does not fit spills to a temporary file next to the database, so a
#: run's memory stays flat whatever the company's size (BENCHMARKS.md, issue 18). This
#: limit holds while pages go in by plain INSERT (first reads: 5M rows of every field of
#: GLDETAIL, benchmarks/duckdb_memory.py; ~60 MB less than 128 MB at 500k records);
#: upserts get :data:`UPSERT_MEMORY_LIMIT`. Width is held by :data:`PINNED_SHARE`, and
#: a page that still runs out is retried with more room (:meth:`DuckDBDestination.transaction`).
MEMORY_LIMIT = "64MB"
#: the limit once a page is staged and upserted (re-reads, the record way, tombstones,
#: tables rebuilt whole): each object's staging table and change count need more than
#: a first read's plain INSERT. At 64 MB a 20,000-row page re-read into 1M rows of
#: GLDETAIL ran out (and was done again with 128); at 128 MB a big company re-read whole
#: peaked over issue 18's 250 MB (215k records over 223 tables 252-256 MB, 514k records of
#: every field 256-261); 96 MB holds both (BENCHMARKS.md "DuckDB's limit for upserts")
UPSERT_MEMORY_LIMIT = "96MB"
#: the write-ahead log's size at which DuckDB folds it into the file (its default is
#: 16 MB). A checkpoint holds up the page being committed while it writes every row
#: group not yet in the file, and meanwhile the workers' parsed pages pile up behind it:
#: at 256 MB the one checkpoint of a 500k-record sync took 2.4 s and lifted the peak RSS
#: from ~230 to ~260 MB; at 32 MB the same sync peaked at ~228 MB for the same CPU
#: (16 MB cost more CPU: each checkpoint rewrites the tables' unfinished row groups).
#: Pages not yet folded in are in the log on disk (a crash loses nothing) and in
#: DuckDB's buffers, which spill under the limit.
CHECKPOINT_THRESHOLD = "32MB"
#: the share of the limit that memory DuckDB cannot spill may take before a checkpoint
#: writes it out. A table's primary-key index (ART) stays in memory until a checkpoint
#: writes it, ~0.5-0.8 MB for every table a run touches however few its rows: 223
#: tables of the demo company's ``--objects all`` pinned 163 MB of index for 12,800
#: rows and ran out of 64 MB after 46 objects, with the log far from 32 MB. Checked
#: after each page (0.5 ms); each checkpoint took ~40 ms there.
PINNED_SHARE = 0.5
#: how many tables a connection writes before it is closed and opened again: it keeps
#: ~0.5 MB of every table written through it (~8 KB a column: statistics, row-group
#: state), outside its limit and through checkpoints, and lets go of it only when closed
#: (223 tables of the demo company: ~100 MB of RSS). Each reopen is a checkpoint.
TABLES_PER_CONNECTION = 48
#: what DuckDB cannot spill (the tags of ``duckdb_memory()``): not IN_MEMORY_TABLE,
#: the row groups not yet in the file, which spill (counted, a deep load of one table
#: checkpointed every few pages: 1M rows of GLDETAIL took 30 s against 20)
_PINNED_TAGS = ("ART_INDEX",)
STATE_TABLE = "_intacct_state"


class _KeyTakenError(Exception):
    """A first read's plain INSERT met a stored key (the page is upserted instead)."""


def q(name: str) -> str:
    """A quoted identifier (object and field names are Intacct's: letters, digits, _)."""
    return '"' + name.replace('"', '""') + '"'


def saved_state(path: str | Path, name: str = "run") -> Any:
    """The run state (or the setting ``name``, e.g. ``layout``) in the file at ``path``,
    opened read-only (a dry run writes nothing, not even a new file); None when there
    is none yet."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            tables = con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ? "
                "AND table_schema = 'main'",
                [STATE_TABLE],
            ).fetchone()
            if not tables or not tables[0]:
                return None
            row = con.execute(f"SELECT value FROM {STATE_TABLE} WHERE name = ?", [name]).fetchone()
    except duckdb.Error as exc:
        raise DestinationError(_open_problem(path, exc)) from None
    return json.loads(row[0]) if row else None


class DuckDBDestination:
    """One DuckDB file opened for a run (see the module docstring)."""

    def __init__(self, path: str | Path, *, memory_limit: str = MEMORY_LIMIT) -> None:
        """``memory_limit``: DuckDB's buffers to start with (see :data:`MEMORY_LIMIT`)."""
        self.path = Path(path)
        _check_kind(self.path)
        #: the file is made here, and nothing is stored in it yet: see remove_if_unused
        self.created, self.stored = not self.path.exists(), False
        self._limit = _bytes(memory_limit)
        self.con = self._connect()
        self.tables: dict[str, Table] = {}
        self._widened = False
        #: tables that held rows when this run prepared them: a first read's page goes
        #: straight to the upsert there (see write_page)
        self._filled: set[str] = set()
        #: tables written through this connection (see :data:`TABLES_PER_CONNECTION`)
        self._written: set[str] = set()
        #: the run's row, kept from worker threads through a connection of its own,
        #: which a reopening closes first (see _reopen)
        self._ledger: RunLedger | None = None
        self._ledger_con: duckdb.DuckDBPyConnection | None = None
        self._ledger_lock = threading.RLock()
        self._run(
            f"CREATE TABLE IF NOT EXISTS {STATE_TABLE} (name VARCHAR PRIMARY KEY, value VARCHAR)"
        )
        self._run(
            f"CREATE TABLE IF NOT EXISTS {RUNS_TABLE} (started TIMESTAMP, finished TIMESTAMP, "
            "status VARCHAR, summary VARCHAR)"
        )
        for column, kind in RUN_COLUMNS:
            self._run(f"ALTER TABLE {RUNS_TABLE} ADD COLUMN IF NOT EXISTS {column} {kind}")

    def _connect(self) -> duckdb.DuckDBPyConnection:
        try:
            # never an extension from the network: a file DuckDB takes for another
            # format would make it download a reader for that format
            return duckdb.connect(
                str(self.path),
                config={
                    "autoinstall_known_extensions": False,
                    "memory_limit": f"{self._limit}B",
                    "checkpoint_threshold": CHECKPOINT_THRESHOLD,
                },
            )
        except duckdb.Error as exc:
            raise DestinationError(_open_problem(self.path, exc)) from None

    def close(self) -> None:
        """Closed and let go of: a traceback that keeps this object (a run stopped by
        Ctrl-C) must not keep DuckDB's connection alive until the interpreter exits."""
        with self._ledger_lock:
            self._close_ledger()
            self.con.close()
            del self.con

    def remove_if_unused(self) -> bool:
        """After :meth:`close`: the file removed if it was made here and nothing was
        stored in it (a run that failed before its first page leaves no empty database
        behind; a file that was there before is never touched). True if it was."""
        if not self.created or self.stored:
            return False
        with contextlib.suppress(OSError):  # never in the way of the run's own error
            for made in (self.path, self.path.with_name(self.path.name + ".wal")):
                made.unlink(missing_ok=True)
        return not self.path.exists()

    # -- schema ---------------------------------------------------------------------------

    def prepare(self, table: Table) -> list[str]:
        """Create the object's table, or add the columns it lacks (a new custom field is a
        new column, never a failure); returns the columns added."""
        existing = self._columns(table.name)
        added: list[str] = []
        if not existing:
            columns = ", ".join(f"{q(c.name)} {c.type}" for c in table.columns)
            key = f", PRIMARY KEY ({', '.join(q(k) for k in table.key)})" if table.key else ""
            self._run(f"CREATE TABLE {q(table.name)} ({columns}{key})")
        else:
            for column in table.columns:
                if column.name not in existing:
                    self._run(
                        f"ALTER TABLE {q(table.name)} ADD COLUMN {q(column.name)} {column.type}"
                    )
                    added.append(column.name)
            if self.con.execute(f"SELECT 1 FROM {q(table.name)} LIMIT 1").fetchone():
                self._filled.add(table.name)
        self.tables[table.name] = table
        return added

    def _columns(self, name: str) -> set[str]:
        return set(self.table_columns(name))

    def table_columns(self, name: str) -> dict[str, str]:
        """A table's columns in order, each with its type; empty if there is no table."""
        rows = self.con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
            "AND table_schema = 'main' ORDER BY ordinal_position",
            [name],
        ).fetchall()
        return {r[0]: r[1] for r in rows}

    # -- state ----------------------------------------------------------------------------

    def state(self) -> dict[str, Any] | None:
        row = self.con.execute(f"SELECT value FROM {STATE_TABLE} WHERE name = 'run'").fetchone()
        return json.loads(row[0]) if row else None

    def setting(self, name: str) -> Any:
        """A choice the database remembers between runs (``layout``), or None."""
        row = self.con.execute(f"SELECT value FROM {STATE_TABLE} WHERE name = ?", [name]).fetchone()
        return json.loads(row[0]) if row else None

    def save_setting(self, name: str, value: Any) -> None:
        """Remember ``value`` (None forgets it); ``run`` is the run state's own name."""
        if name == "run":
            raise ValueError("the run state is saved with save_state")

        def write() -> None:
            self.stored = True
            self.con.execute(f"DELETE FROM {STATE_TABLE} WHERE name = ?", [name])
            if value is not None:
                self.con.execute(
                    f"INSERT INTO {STATE_TABLE} VALUES (?, ?)", [name, json.dumps(value)]
                )

        self.transaction(write, "nothing was changed")

    def save_state(self, state: Mapping[str, Any]) -> None:
        self.transaction(lambda: self._put_state(state))

    def _put_state(self, state: Mapping[str, Any]) -> None:
        # once a page: an UPDATE of the stored row costs a fifth of an INSERT OR REPLACE
        # (0.4 against 2 ms of CPU), which deletes and inserts through the key's index
        self.stored = True  # every page is stored with its state
        value = json.dumps(state)
        updated = self.con.execute(
            f"UPDATE {STATE_TABLE} SET value = ? WHERE name = 'run'", [value]
        ).fetchone()
        if not updated or not updated[0]:
            self.con.execute(f"INSERT INTO {STATE_TABLE} VALUES ('run', ?)", [value])

    def ledger(self, started: str, company: str | None) -> RunLedger:
        """The run's row, kept ahead of its spend from any thread (:mod:`.runs`)."""
        self._ledger = RunLedger(self._keep, RUNS_TABLE, "?", started, company)
        # the table's columns written out first: updates of a row of a table altered
        # since the last checkpoint cost more each time (1 ms, then 35, then 50 after
        # 250 and 500 of them, measured), a checkpoint keeps them at ~1 ms
        try:
            self.con.execute("CHECKPOINT")
        except duckdb.Error as exc:  # a full disk: the database is invalidated
            undone = "the run stopped before its first page: its pages were not stored"
            raise DestinationError(self._failure(exc, undone)) from None
        self._ledger_con = self.con.cursor()  # made here, not in a worker thread
        return self._ledger

    def _keep(self, sql: str, params: list[Any]) -> None:
        with self._ledger_lock:
            if self._ledger_con is None:
                raise DestinationError(f"{self.path}: the run's record is closed")
            try:
                self._ledger_con.execute(sql, params)
            except duckdb.Error as exc:
                raise DestinationError(
                    f"could not record the run's API transactions in {self.path}: "
                    f"{_first_line(exc)}; the request was not sent"
                ) from None

    def _close_ledger(self) -> None:
        if self._ledger_con is not None:
            with contextlib.suppress(duckdb.Error):
                self._ledger_con.close()
            self._ledger_con = None

    def record_run(self, finished: str, status: str, summary: object, transactions: int) -> None:
        """The run's final row (see :meth:`ledger`, called first)."""
        assert self._ledger is not None, "ledger() before record_run()"
        ledger = self._ledger
        with self._ledger_lock:
            sql, params = ledger.finish(finished, status, summary, transactions)
            self._close_ledger()  # its last write is committed: no conflict with this one
            self.transaction(lambda: self.con.execute(sql, params))

    # -- pages ----------------------------------------------------------------------------

    def write_page(
        self,
        name: str,
        records: Sequence[Mapping[str, Any]],
        tombstones: Sequence[Mapping[str, Any]],
        entity: str,
        state: Mapping[str, Any],
    ) -> PageCounts:
        """The page's rows, its tombstones and the state after it, in one transaction.
        Typed as an Arrow table (:class:`~intacct.replication.records.columnar.Records`), a first
        read's page goes in with one plain INSERT; should any of its keys be stored
        already, that transaction is undone and the page upserted like any other."""
        table = self.tables[name]
        self._written.add(name)
        arrow = getattr(records, "table", None)
        # a table that held rows before the run (--full-refresh, a state reset, a first
        # read resumed) is upserted: a plain INSERT that meets a stored key is undone,
        # and the undone insert leaves the table's index in memory DuckDB cannot spill
        # and a checkpoint does not write out (223 tables: 113 MB)
        first = (
            arrow is not None
            and getattr(records, "first_read", False)
            and not tombstones
            and name not in self._filled
        )
        if first and table.key:
            if self._append(table, arrow, state):
                return PageCounts(inserted=len(records))
            self._filled.add(name)  # once undone, never again this run
        if records or tombstones:  # not a page of state alone (a stream's end)
            self._widen()
        counts: list[PageCounts] = []

        def write() -> None:
            deleted = self._tombstones(table, tombstones, entity) if tombstones else 0
            inserted, updated = self._rows(table, records, entity) if records else (0, 0)
            self._put_state(state)
            counts[:] = [PageCounts(inserted, updated, deleted)]  # the attempt that stored it

        self.transaction(write)
        return counts[0]

    def _append(self, table: Table, arrow: Any, state: Mapping[str, Any]) -> bool:
        """A first read's page and the state after it in one transaction of one INSERT;
        False (nothing stored) when a key is taken: the caller upserts it."""

        def write() -> None:
            try:
                self._insert_arrow(q(table.name), table, arrow, f" ({_list(table.names)})")
            except duckdb.ConstraintException:
                raise _KeyTakenError from None
            self._put_state(state)

        try:
            self.transaction(write)
        except _KeyTakenError:  # rolled back by transaction()
            return False
        return True

    def _stage_rows(self, table: Table, records: Sequence[Mapping[str, Any]]) -> str:
        """The page's rows in a staging table of its own, in the table's column order;
        returns its quoted name. Made and dropped within the page's transaction: a
        staging table kept between pages holds its blocks after its rows are deleted
        (5 MB for one of 150 columns, in memory DuckDB cannot spill), and 0.7 ms a page
        buys a run whose width costs nothing here."""
        stage = q(_stage(table.name))
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {stage} AS SELECT {_list(table.names)} "
            f"FROM {q(table.name)} LIMIT 0"
        )
        arrow = getattr(records, "table", None)
        if arrow is None:
            with self.con.appender(_stage(table.name)) as appender:
                appender.append_rows([[r.get(n) for n in table.names] for r in records])
        else:
            self._insert_arrow(stage, table, arrow)
        return stage

    def _insert_arrow(self, target: str, table: Table, arrow: Any, names: str = "") -> None:
        """An Arrow page into ``target`` (the table or its staging table), one statement."""
        self.con.register(_ARROW_PAGE, _naive_timestamps(arrow))
        try:
            columns = _arrow_columns(table, arrow.column_names)
            self.con.execute(f"INSERT INTO {target}{names} SELECT {columns} FROM {_ARROW_PAGE}")
        finally:
            # a failed INSERT aborts the transaction, and DuckDB refuses this until the
            # rollback; the next page's register replaces the view anyway
            with contextlib.suppress(duckdb.Error):
                self.con.unregister(_ARROW_PAGE)

    def _rows(
        self, table: Table, records: Sequence[Mapping[str, Any]], entity: str
    ) -> tuple[int, int]:
        names, target = table.names, q(table.name)
        stage = self._stage_rows(table, records)
        if not table.key:  # no key to upsert on: the engine reads such objects whole
            self.con.execute(f"DELETE FROM {target} WHERE {q(ENTITY_ID)} = ?", [entity])
            self.con.execute(f"INSERT INTO {target} ({_list(names)}) SELECT * FROM {stage}")
            self.con.execute(f"DROP TABLE {stage}")
            return len(records), 0
        keys = _list(table.key)
        match = " AND ".join(f"t.{q(k)} = s.{q(k)}" for k in table.key)
        if MODIFIED in names:  # a version older than its stored delete stays deleted
            self.con.execute(
                f"DELETE FROM {stage} s USING {target} t WHERE {match} AND {_superseded('s', 't')}"
            )
        # a row read again unchanged (a month of balances read again, a look-back) is
        # neither inserted nor updated
        values = [n for n in names if n not in table.key]
        differs = (
            f" AND ROW({', '.join(f't.{q(n)}' for n in values)}) IS DISTINCT FROM "
            f"ROW({', '.join(f's.{q(n)}' for n in values)})"
            if values
            else " AND false"
        )
        # an inner join, not EXISTS (mark joins over the whole table: O(table), and out
        # of memory under a 64 MB limit): DuckDB builds on the page's rows and scans only
        # the table's row groups their keys fall in (2,000 keys into 2M rows: 17 ms, 308
        # with EXISTS)
        staged = ", ".join(f"s.{q(k)}" for k in table.key)
        row = self.con.execute(
            f"SELECT count(DISTINCT ({staged})), count(DISTINCT ({staged})) FILTER "
            f"(WHERE true{differs}) FROM {stage} s JOIN {target} t ON {match}"
        ).fetchone()
        existing, updated = (int(row[0]), int(row[1])) if row else (0, 0)
        changes = ", ".join(f"{q(n)} = EXCLUDED.{q(n)}" for n in names if n not in table.key)
        conflict = f"DO UPDATE SET {changes}" if changes else "DO NOTHING"
        # the last of a key's rows in the page wins (a record read twice in one page)
        self.con.execute(
            f"INSERT INTO {target} ({_list(names)}) SELECT * FROM {stage} "
            f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY rowid DESC) = 1 "
            f"ON CONFLICT {conflict}"
        )
        total = self.con.execute(
            f"SELECT count(*) FROM (SELECT DISTINCT {keys} FROM {stage})"
        ).fetchone()
        self.con.execute(f"DROP TABLE {stage}")
        return (int(total[0]) if total else 0) - existing, updated

    def _tombstones(
        self, table: Table, tombstones: Sequence[Mapping[str, Any]], entity: str
    ) -> int:
        if not table.key:
            return 0
        key = table.key[0]
        target = q(table.name)
        self.con.execute("CREATE OR REPLACE TEMP TABLE _tombstones (k VARCHAR, deleted TIMESTAMP)")
        with self.con.appender("_tombstones") as appender:
            appender.append_rows([[str(t[key]), t[DELETED_AT]] for t in tombstones if key in t])
        same = f"CAST(t.{q(key)} AS VARCHAR) = s.k AND t.{q(ENTITY_ID)} = ?"
        newer = (
            " AND (t.WHENMODIFIED IS NULL OR t.WHENMODIFIED <= s.deleted)"
            if "WHENMODIFIED" in table.names
            else ""
        )
        done = self.con.execute(
            f"UPDATE {target} t SET {q(DELETED_AT)} = s.deleted FROM _tombstones s "
            f"WHERE {same}{newer} RETURNING 1",
            [entity],
        ).fetchall()
        kind = next(c.type for c in table.columns if c.name == key)
        self.con.execute(
            f"INSERT INTO {target} ({q(key)}, {q(ENTITY_ID)}, {q(DELETED_AT)}) "
            f"SELECT CAST(s.k AS {kind}), ?, s.deleted FROM _tombstones s WHERE NOT EXISTS "
            f"(SELECT 1 FROM {target} t WHERE {same})",
            [entity, entity],
        )
        self.con.execute("DROP TABLE _tombstones")
        return len(done)

    def stored_versions(
        self, name: str, entity: str, recordnos: Sequence[int]
    ) -> dict[int, str | None] | None:
        """The stored WHENMODIFIED of ``recordnos`` in ``entity`` (the lookback window's
        digest); None for a table not prepared or without the two columns."""
        table = versioned(self.tables, name)
        if table is None or not recordnos:
            return None if table is None else {}
        try:
            cursor = self.con.execute(
                f"SELECT {q(RECORDNO)}, {q(MODIFIED)} FROM {q(name)} WHERE {q(ENTITY_ID)} = ? "
                f"AND {q(RECORDNO)} IN (SELECT UNNEST(?))",
                [entity, recordnos_as(table, recordnos)],
            )
            return versions(cursor.fetchall())
        except duckdb.Error as exc:
            raise DestinationError(
                f"could not read {name} back from {self.path} for the lookback: {_first_line(exc)}"
            ) from None

    def stored_lines(
        self, name: str, entity: str, field: str, documents: Sequence[int]
    ) -> dict[int, list[Any]] | None:
        """The live lines of ``documents`` (deleted documents' lines become tombstones)."""
        table = lines_table(self.tables, name, field)
        if table is None or not documents:
            return None if table is None else {}
        try:
            cursor = self.con.execute(
                f"SELECT {q(field)}, {q(table.key[0])} FROM {q(name)} WHERE {q(ENTITY_ID)} = ? "
                f"AND {q(DELETED_AT)} IS NULL AND {q(field)} IN (SELECT UNNEST(?))",
                [entity, recordnos_as(table, documents, field)],
            )
            return lines_of(cursor.fetchall())
        except duckdb.Error as exc:
            raise DestinationError(
                f"could not read {name} back from {self.path}: {_first_line(exc)}"
            ) from None

    def rows(self, name: str) -> list[dict[str, Any]]:
        """A table prepared this run, its rows as Python values (empty if not prepared)."""
        if name not in self.tables:
            return []
        cursor = self.con.execute(f"SELECT * FROM {q(name)}")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def replace_rows(self, table: Table, records: Sequence[Mapping[str, Any]]) -> int:
        """The table's rows replaced by ``records``, in one transaction (a table derived
        from others, rebuilt whole)."""
        names = table.names
        self._written.add(table.name)
        self._widen()

        def write() -> None:
            self.stored = True
            self.con.execute(f"DELETE FROM {q(table.name)}")
            if records:
                stage = self._stage_rows(table, records)
                self.con.execute(
                    f"INSERT INTO {q(table.name)} ({_list(names)}) SELECT * FROM {stage}"
                )
                self.con.execute(f"DROP TABLE {stage}")

        self.transaction(write)
        return len(records)

    # -- plumbing -------------------------------------------------------------------------

    def _widen(self) -> None:
        """The upsert's memory limit, from the first page that is not a plain INSERT on."""
        if not self._widened:
            self._set_limit(max(self._limit, _bytes(UPSERT_MEMORY_LIMIT)))
            self._widened = True

    def _set_limit(self, limit: int) -> None:
        self._limit = limit
        self.con.execute(f"SET memory_limit = '{limit}B'")

    def transaction(
        self,
        work: Any,
        undone: str = "the page was not stored (the database holds every page before it)",
    ) -> None:
        """``work()`` in one transaction: all of it is stored, or none (the error says
        ``undone``). Should DuckDB run out of memory, nothing of it is stored and it is
        done again with twice the room, up to what the machine has: a limit is there to
        keep a run's memory flat, never to stop a run that more memory would finish."""
        while True:
            try:
                self._once(work)
            except duckdb.Error as exc:
                if not _out_of_memory(exc) or self._limit >= _ceiling():
                    raise DestinationError(self._failure(exc, undone)) from None
                self._make_room(exc)
                continue
            self._relieve()
            return

    def _once(self, work: Any) -> None:
        self.con.execute("BEGIN TRANSACTION")
        try:
            work()
            self.con.execute("COMMIT")
        except BaseException:
            # a failed COMMIT has ended the transaction already; an invalidated
            # database refuses everything until it is opened again
            with contextlib.suppress(duckdb.Error):
                self.con.execute("ROLLBACK")
            raise

    def _make_room(self, exc: duckdb.Error) -> None:
        """Twice the limit, and what DuckDB cannot spill written out by a checkpoint.
        Running out during a COMMIT invalidates the database (a FatalException from then
        on, whatever the COMMIT raised): it is opened again (every page committed before
        is in the file or its log; the tables' schema is in the file)."""
        more = min(self._limit * 2, _ceiling())
        log.warning(
            "DuckDB ran out of its %s MB for %s (%s); nothing of it was stored, trying "
            "again with %s MB",
            self._limit >> 20,
            self.path,
            _first_line(exc),
            more >> 20,
        )
        try:
            self._set_limit(more)
        except duckdb.Error:  # invalidated (the COMMIT's own error does not say so)
            self._limit = more
            self._reopen()
        with contextlib.suppress(duckdb.Error):  # the next attempt tells if it mattered
            self.con.execute("CHECKPOINT")

    def _relieve(self) -> None:
        """The database closed (a checkpoint writes everything out) and opened again
        once what DuckDB cannot spill passes :data:`PINNED_SHARE` of the limit, or the
        connection wrote :data:`TABLES_PER_CONNECTION` tables (see both)."""
        tags = ", ".join(f"'{t}'" for t in _PINNED_TAGS)
        try:
            row = self.con.execute(
                f"SELECT sum(memory_usage_bytes) FROM duckdb_memory() WHERE tag IN ({tags})"
            ).fetchone()
        except duckdb.Error:  # the next page's transaction tells what is wrong
            return
        pinned = bool(row and row[0] and row[0] > self._limit * PINNED_SHARE)
        if pinned or len(self._written) >= TABLES_PER_CONNECTION:
            self._reopen()
            self._written.clear()

    def _reopen(self) -> None:
        """Closed and opened again, the ledger's connection with it (one left open keeps
        the database, and all it holds in memory, alive)."""
        with self._ledger_lock:
            self._close_ledger()
            with contextlib.suppress(duckdb.Error):  # opened again whatever the close said
                self.con.close()
            self.con = self._connect()
            if self._ledger is not None and not self._ledger.finished:
                self._ledger_con = self.con.cursor()

    def _failure(self, exc: duckdb.Error, undone: str) -> str:
        text = f"could not write {self.path}: {_first_line(exc)}; {undone}"
        if _out_of_memory(exc):
            text += (
                f" (DuckDB had {self._limit >> 20} MB, the most this machine allows it: "
                "free memory, or sync fewer objects at a time with --objects)"
            )
        return text

    def _run(self, sql: str) -> None:
        self.transaction(lambda: self.con.execute(sql), "nothing was changed")


def _stage(name: str) -> str:
    return f"_stage_{name}"


#: the name an Arrow page is scanned under (one page at a time: the engine's rule)
_ARROW_PAGE = "_intacct_arrow_page"


def _arrow_columns(table: Table, present: Sequence[str]) -> str:
    """The table's columns from an Arrow page, NULL for those it has not (a tombstone's
    time: a record read again is alive)."""
    have = set(present)
    return ", ".join(q(n) if n in have else f"NULL AS {q(n)}" for n in table.names)


def _superseded(row: str, stored: str) -> str:
    """SQL: ``row`` is a version of a record ``stored`` as deleted later (or as late)."""
    deleted = f"{stored}.{q(DELETED_AT)}"
    modified = f"{row}.{q(MODIFIED)}"
    return f"{deleted} IS NOT NULL AND ({modified} IS NULL OR {modified} <= {deleted})"


def _naive_timestamps(arrow: Any) -> Any:
    """Timestamps in UTC without their zone: the tables' TIMESTAMP columns hold UTC, and
    DuckDB would otherwise convert through its session's time zone."""
    import pyarrow as pa

    for index, column in enumerate(arrow.schema):
        if pa.types.is_timestamp(column.type) and column.type.tz is not None:
            naive = arrow.column(index).cast(pa.timestamp(column.type.unit))
            arrow = arrow.set_column(index, column.name, naive)
    return arrow


def _list(names: Sequence[str]) -> str:
    return ", ".join(q(n) for n in names)


def _bytes(size: str) -> int:
    """``64MB`` as bytes (DuckDB's units: 1 MB = 2**20 bytes in its memory_limit)."""
    units = {"KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}
    return int(size[:-2]) * units[size[-2:].upper()]


def _ceiling() -> int:
    """The most a run lets DuckDB take: its own default, 80% of the machine's memory
    (4 GB where the machine does not tell)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 4 << 30
    return int(total * 0.8)


#: how DuckDB words running out of its buffers where the error is not an
#: OutOfMemoryException (a COMMIT's TransactionException, a FatalException after it)
_OUT_OF_MEMORY = ("could not allocate", "failed to allocate", "failed to pin block")


def _out_of_memory(exc: BaseException) -> bool:
    """DuckDB ran out of its buffers."""
    text = str(exc)
    return isinstance(exc, duckdb.OutOfMemoryException) or any(s in text for s in _OUT_OF_MEMORY)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


#: where a DuckDB file says what it is (its 8-byte checksum comes first)
_MAGIC = (8, b"DUCK")
#: what other files given as --db are, by their first bytes
_KINDS = (
    (b"SQLite format 3\x00", "a SQLite database"),
    (b"PAR1", "a Parquet file"),
    (b"PK\x03\x04", "a ZIP file (an Excel workbook?)"),
    (b"\x1f\x8b", "a gzip file"),
)


def _check_kind(path: Path) -> None:
    """A file that exists and is not a DuckDB database is refused before DuckDB opens it
    (it would take a SQLite file for an attached database and fetch a reader for it, or
    fail on anything else with a message about its storage format)."""
    try:
        with path.open("rb") as file:
            head = file.read(64)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return  # DuckDB creates it or says why it cannot
    start, magic = _MAGIC
    if head[start : start + len(magic)] == magic:
        return
    kind = next((name for prefix, name in _KINDS if head.startswith(prefix)), None)
    said = f"it is {kind}" if kind else "it is empty" if not head else "it is not a DuckDB database"
    raise DestinationError(
        f"will not open {path}: {said}; give --db the path of a DuckDB database, or of a "
        "file that does not exist yet"
    )


def _open_problem(path: Path, exc: BaseException) -> str:
    text = _first_line(exc)
    if "lock" in text.lower():
        return (
            f"the database {path} is in use by another program ({text}); close it "
            "(the duckdb shell, another intacct sync) and run again"
        )
    if not path.parent.exists():
        return f"cannot create the database {path}: the directory {path.parent} does not exist"
    return f"cannot open the database {path}: {text}"
