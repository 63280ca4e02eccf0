"""The DuckDB file ``intacct sync`` writes: a table per object, the run state, the runs.

The write algorithm and its rules are :mod:`.sql`'s; this dialect stages a page through
DuckDB's appender (records) or a scan of its Arrow table, counts the upsert's inserts
and updates with one join, and keeps a run's memory flat (its limits below: a page that
runs out is done again with more room).
"""

# ruff: noqa: S608 - SQL here names tables and columns, quoted by q(); values are parameters

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from intacct.destinations.base import DestinationBusyError, DestinationError, Execute
from intacct.destinations.locations import Location
from intacct.destinations.runs import RUNS_TABLE, RunLedger
from intacct.destinations.snapshot import replace_with_copy
from intacct.destinations.sql import (
    STATE_TABLE,
    UNDONE,
    KeyTakenError,
    SqlDestination,
    differs,
    q,
    quoted,
)
from intacct.destinations.staterows import select, value_of
from intacct.destinations.tables import Table
from intacct.destinations.waiting import DEFAULT_LOCK_WAIT_S, wait_for
from intacct.replication import StreamPage

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["DuckDBDestination", "connect", "publish", "saved_state"]

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
#: (223 tables of the demo company: ~100 MB of RSS). Each reopen is a checkpoint. 40,
#: not 48: DEMO-ME's `--objects all --entities all --unified` peaked at 238-240 MB
#: against 245-246 (32: 233-234), and 637 tables (`--objects all` with REST) took the
#: same CPU, 29 against 31 s (2026-11-28).
TABLES_PER_CONNECTION = 40
#: DuckDB's threads for the run's writes (its default: one a core). A page is one
#: statement of 2,000 rows at most, too small to gain from a second thread, while the
#: engine's workers read and parse the next pages on the other cores: a second DuckDB
#: thread only adds its tasks' scheduling and its own buffers. Writing the 112 pages of
#: the throughput load (214,726 records) took 2.6 against 2.9 s of CPU on one thread.
THREADS = 1
#: rows in a row group of the run's tables (DuckDB's default: 122,880). A checkpoint writes
#: a table's unfinished last row group again whole, every time: at the default, each of
#: the ~3 checkpoints of a sync of the throughput load compressed every GLENTRY and
#: GLDETAIL row read so far once more, holding both copies meanwhile. At 16,384 it
#: rewrites at most that many rows a table: side by side, 5 rounds, the sync's CPU 0.934x
#: and its median peak RSS 235 against 260 MB, the file 5% larger (BENCHMARKS.md, "Sync
#: CPU and memory back"). DuckDB keeps the setting per attachment, not in the file: it
#: is given each time the run opens it (:func:`connect`).
ROW_GROUP_SIZE = 16_384
#: the name the run's own connection gives the file it attaches (``current_database()``
#: there; a reader opening the file names it after the file as ever)
_CATALOG = "intacct"
#: what DuckDB cannot spill (the tags of ``duckdb_memory()``): not IN_MEMORY_TABLE,
#: the row groups not yet in the file, which spill (counted, a deep load of one table
#: checkpointed every few pages: 1M rows of GLDETAIL took 30 s against 20)
_PINNED_TAGS = ("ART_INDEX",)


def saved_state(
    path: str | Path, name: str = "run", *, lock_wait_s: float = DEFAULT_LOCK_WAIT_S
) -> Any:
    """The run state (or the setting ``name``, e.g. ``layout``) in the file at ``path``,
    opened read-only (a dry run writes nothing, not even a new file), after a run
    writing it lets go (:mod:`.waiting`); None when there is none yet."""
    path = Path(path)
    if not path.exists():
        return None
    with connect(path, read_only=True, lock_wait_s=lock_wait_s) as con:
        try:
            tables = con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ? "
                "AND table_schema = 'main'",
                [STATE_TABLE],
            ).fetchone()
            if not tables or not tables[0]:
                return None
            rows = con.execute(*select(STATE_TABLE, "?", name)).fetchall()
        except duckdb.Error as exc:
            raise DestinationError(_open_problem(path, exc)) from None
    return value_of(rows, name)


def publish(path: Path, to: Path, *, lock_wait_s: float = DEFAULT_LOCK_WAIT_S) -> None:
    """A snapshot of the file at ``path`` published at ``to`` (:mod:`.snapshot`): its log
    folded in first (a copy of the file alone would miss it), then copied under a
    read-only connection, which keeps any other writer out meanwhile."""
    log_file = path.with_name(path.name + ".wal")
    if log_file.exists() and log_file.stat().st_size:
        with connect(path, lock_wait_s=lock_wait_s) as con:
            con.execute("CHECKPOINT")
    with connect(path, read_only=True, lock_wait_s=lock_wait_s):
        try:
            replace_with_copy(path, to)
        except OSError as exc:
            raise DestinationError(
                f"could not publish the snapshot {to} of {path}: {exc.strerror or exc}; "
                f"{path} keeps what the run stored, and the next run publishes it again"
            ) from None


def connect(
    path: Path,
    *,
    read_only: bool = False,
    settings: Mapping[str, str | bool] | None = None,
    lock_wait_s: float = DEFAULT_LOCK_WAIT_S,
    row_group_size: int | None = None,
) -> duckdb.DuckDBPyConnection:
    """The DuckDB file at ``path``, once no other program holds it: a reader, or for a
    read-only connection a run writing it, is waited for up to ``lock_wait_s``
    (:mod:`.waiting`); another writer is refused at once, :class:`DestinationBusyError`
    (two runs of one file: the second goes after the first, a follower by itself). Never
    an extension from the network (a file DuckDB takes for another format would make it
    download a reader for that format). ``row_group_size`` (a writer's): the file is
    attached with it and made the connection's database (:data:`ROW_GROUP_SIZE`); its
    cursors are :func:`cursor`'s."""
    config: dict[str, str | bool | int | float | list[str]] = {
        "autoinstall_known_extensions": False,
        **(settings or {}),
    }

    def attempt() -> duckdb.DuckDBPyConnection:
        if row_group_size is None or read_only:
            return duckdb.connect(str(path), read_only=read_only, config=config)
        con = duckdb.connect(":memory:", config=config)
        try:
            con.execute(
                f"ATTACH {_literal(str(path))} AS {_CATALOG} (ROW_GROUP_SIZE {int(row_group_size)})"
            )
            con.execute(f"USE {_CATALOG}")
        except BaseException:
            con.close()
            raise
        return con

    def held_by(exc: Exception) -> str | None:
        holder = _held_by(exc)
        if holder is not None and not read_only and _written(path):
            raise DestinationBusyError(
                f"{path} is in use by another program writing it: {holder} (another intacct "
                "sync?); run again once it is done (a follower tries again by itself)"
            ) from None
        if holder is not None and read_only:  # only a writer keeps a reader out
            return f"a run writing it ({holder}: intacct sync, or its follower)"
        return holder

    try:
        return wait_for(
            attempt, held_by, where=str(path), bound_s=lock_wait_s, writer=not read_only
        )
    except duckdb.Error as exc:
        raise DestinationError(_open_problem(path, exc)) from None


def cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor of ``con`` on the same database (a cursor starts on the connection's first
    one, the in-memory one where :func:`connect` attached the file)."""
    (catalog,) = con.execute("SELECT current_database()").fetchone() or ("memory",)
    made = con.cursor()
    made.execute(f"USE {q(catalog)}")
    return made


def _literal(text: str) -> str:
    """``text`` as an SQL string literal (ATTACH takes no parameter)."""
    return "'" + text.replace("'", "''") + "'"


def _written(path: Path) -> bool:
    """Whether the program holding ``path`` writes it: then not even a read-only
    connection is let in (a reader's shared lock lets other readers in)."""
    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.Error as exc:
        return _held_by(exc) is not None
    return False


#: how DuckDB names the process holding a file's lock
_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


def _held_by(exc: Exception) -> str | None:
    """Who holds the file, from DuckDB's refusal; None if ``exc`` is another error."""
    text = str(exc)
    if not isinstance(exc, duckdb.IOException) or "Could not set lock" not in text:
        return None
    found = _HOLDER.search(text)
    return f"{found['program']} (PID {found['pid']})" if found else "another program"


class DuckDBDestination(SqlDestination):
    """One DuckDB file opened for a run (see the module docstring)."""

    ERRORS = (duckdb.Error,)

    def __init__(
        self,
        path: str | Path | Location,
        *,
        memory_limit: str = MEMORY_LIMIT,
        lock_wait_s: float = DEFAULT_LOCK_WAIT_S,
        snapshot: str | Path | None = None,
    ) -> None:
        """``memory_limit``: DuckDB's buffers to start with (see :data:`MEMORY_LIMIT`);
        ``lock_wait_s``: how long to wait for a reader holding the file (:mod:`.waiting`);
        ``snapshot``: where :meth:`close` publishes a copy for readers (:func:`publish`)."""
        self.path = Location.parse(path).path
        self.where = str(self.path)
        self._lock_wait_s = lock_wait_s
        self._snapshot = Path(snapshot) if snapshot else None
        _check_kind(self.path)
        #: the file is made here, and nothing is stored in it yet: see remove_if_unused
        self.created = not self.path.exists()
        self._limit = _bytes(memory_limit)
        self.con = self._connect()
        self._widened = False
        #: tables written through this connection (see :data:`TABLES_PER_CONNECTION`)
        self._written: set[str] = set()
        #: the run's row, kept from worker threads through a connection of its own,
        #: which a reopening closes first (see _reopen)
        self._ledger: RunLedger | None = None
        self._ledger_con: duckdb.DuckDBPyConnection | None = None
        self._ledger_lock = threading.RLock()
        self._start()

    def _connect(self) -> duckdb.DuckDBPyConnection:
        settings = {
            "memory_limit": f"{self._limit}B",
            "checkpoint_threshold": CHECKPOINT_THRESHOLD,
            "threads": str(THREADS),
        }
        return connect(
            self.path,
            settings=settings,
            lock_wait_s=self._lock_wait_s,
            row_group_size=ROW_GROUP_SIZE,
        )

    def close(self) -> None:
        """Closed and let go of: a traceback that keeps this object (a run stopped by
        Ctrl-C) must not keep DuckDB's connection alive until the interpreter exits."""
        with self._ledger_lock:
            self._close_ledger()
            self.con.close()
            del self.con
        if self._snapshot is not None and (
            self.stored or (not self.created and not self._snapshot.exists())
        ):
            publish(self.path, self._snapshot, lock_wait_s=self._lock_wait_s)

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

    def _table_columns(self, name: str) -> dict[str, str]:
        rows = self.con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
            "AND table_schema = 'main' ORDER BY ordinal_position",
            [name],
        ).fetchall()
        return {r[0]: r[1] for r in rows}

    def _all_columns(self) -> list[tuple[str, str, str]]:
        return self.con.execute(  # type: ignore[no-any-return]
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
        ).fetchall()

    def views(self, work: Callable[[Execute], None], undone: str) -> None:
        """``work(execute)`` in one transaction (the Fivetran layout's views)."""

        def execute(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
            return list(self.con.execute(sql, params).fetchall())

        try:
            self.transaction(lambda: work(execute), undone)
        finally:  # it may have made tables (the layout's own)
            self._columns_changed()

    # -- the run's row ----------------------------------------------------------------------

    def ledger(self, started: str, company: str | None) -> RunLedger:
        """The run's row, kept ahead of its spend from any thread (:mod:`.runs`)."""
        self._ledger = RunLedger(self._keep, RUNS_TABLE, "?", started, company)
        self._end_abandoned(self._ledger)  # the file is this process's alone
        # the table's columns written out first: updates of a row of a table altered
        # since the last checkpoint cost more each time (1 ms, then 35, then 50 after
        # 250 and 500 of them, measured), a checkpoint keeps them at ~1 ms
        try:
            self.con.execute("CHECKPOINT")
        except duckdb.Error as exc:  # a full disk: the database is invalidated
            undone = "the run stopped before its first page: its pages were not stored"
            raise DestinationError(self._failure(exc, undone)) from None
        self._ledger_con = cursor(self.con)  # made here, not in a worker thread
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
        # the run's record first, on its own: a worker covering a request holds it and
        # then takes the connection's lock, so taking them the other way round (as this
        # did) hung a run stopped mid-request for good; once it is finished no worker
        # writes, and its connection can close
        sql, params = self._ledger.finish(finished, status, summary, transactions)
        with self._ledger_lock:
            self._close_ledger()  # its last write is committed: no conflict with this one
            self.transaction(lambda: self.con.execute(sql, params))

    # -- the dialect ------------------------------------------------------------------------

    def _prepared(self, table: Table, existed: bool) -> None:
        # a table that held rows before the run (--full-refresh, a state reset, a first
        # read resumed) is upserted: a plain INSERT that meets a stored key is undone,
        # and the undone insert leaves the table's index in memory DuckDB cannot spill
        # and a checkpoint does not write out (223 tables: 113 MB)
        if existed and self.con.execute(f"SELECT 1 FROM {q(table.name)} LIMIT 1").fetchone():
            self._filled.add(table.name)

    def _writing(self, name: str, upsert: bool) -> None:
        self._written.add(name)
        if upsert:
            self._widen()

    def _append(self, table: Table, page: StreamPage) -> None:
        names = quoted(table.names)
        try:
            if page.table is not None:
                self._insert_arrow(q(table.name), table, page.table, f" ({names})")
                return
            # records through a staging table: the appender fills every column of a
            # table, and the object's table may have more than the page
            stage = self._stage(table, page.records, None)
            self.con.execute(f"INSERT INTO {q(table.name)} ({names}) SELECT {names} FROM {stage}")
            self._unstage(stage)
        except duckdb.ConstraintException:
            raise KeyTakenError from None

    def _stage(
        self, table: Table, records: Sequence[Mapping[str, Any]], arrow: pa.Table | None
    ) -> str:
        """Made and dropped within the page's transaction: a staging table kept between
        pages holds its blocks after its rows are deleted (5 MB for one of 150 columns,
        in memory DuckDB cannot spill), and 0.7 ms a page buys a run whose width costs
        nothing here."""
        stage = q(_stage(table.name))
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {stage} AS SELECT {quoted(table.names)} "
            f"FROM {q(table.name)} LIMIT 0"
        )
        if arrow is None:
            with self.con.appender(_stage(table.name)) as appender:
                appender.append_rows([[r.get(n) for n in table.names] for r in records])
        else:
            self._insert_arrow(stage, table, arrow)
        return stage

    def _stage_tombstones(self, rows: list[list[Any]]) -> str:
        self.con.execute("CREATE OR REPLACE TEMP TABLE _tombstones (k VARCHAR, deleted TIMESTAMP)")
        with self.con.appender("_tombstones") as appender:
            appender.append_rows(rows)
        return "_tombstones"

    def _unstage(self, stage: str) -> None:
        self.con.execute(f"DROP TABLE {stage}")

    def _upsert(self, table: Table, stage: str) -> tuple[int, int]:
        """Stored by an UPDATE and an INSERT, not DuckDB's ``INSERT … ON CONFLICT DO
        UPDATE``: that one holds buffers for every column it may update, on every
        thread, however few the rows (issue 46: an 18-record page of PROJECT's 121
        columns needed 62-82 MB on 2 threads, these 7-18; 2,000 rows re-read into 1M of
        60 columns 124 MB, these 50). Each join is an inner one: DuckDB builds on the
        page's rows and scans only the table's row groups their keys fall in (EXISTS
        would build on the whole table)."""
        target, names = q(table.name), quoted(table.names)
        match = " AND ".join(f"t.{q(k)} = s.{q(k)}" for k in table.key)
        self._last_only(table, stage)
        values = [n for n in table.names if n not in table.key]
        updated = 0
        if values:  # rule 5: a row read again unchanged is left as it is
            sets = ", ".join(f"{q(n)} = s.{q(n)}" for n in values)
            updated = self._changed(self.con.execute(
                f"UPDATE {target} t SET {sets} FROM {stage} s "
                f"WHERE {match} AND {differs('t', 's', values)}"
            ))  # fmt: skip
        self.con.execute(f"DELETE FROM {stage} s USING {target} t WHERE {match}")
        # rule 6 over the new keys only: a renamed record's new id is one, and new
        # records' RECORDNOs are the newest, in the table's last row groups
        renamed = self._renamed(table, stage)
        inserted = self.con.execute(f"INSERT INTO {target} ({names}) SELECT {names} FROM {stage}")
        return self._changed(inserted) - renamed, updated + renamed

    def _last_only(self, table: Table, stage: str) -> None:
        """Rule 1: of a key staged twice, the last row (in the order staged) is kept."""
        keys = quoted(table.key)
        same = " AND ".join(f"s.{q(k)} = d.{q(k)}" for k in table.key)
        self.con.execute(
            f"DELETE FROM {stage} s USING (SELECT {keys}, max({self.ROW_ORDER}) AS _intacct_last "
            f"FROM {stage} GROUP BY ALL HAVING count(*) > 1) d "
            f"WHERE {same} AND s.{self.ROW_ORDER} < d._intacct_last"
        )

    def _among(self, column: str, values: list[Any]) -> tuple[str, Any]:
        return f"{column} IN (SELECT UNNEST(?))", values

    def _changed(self, cursor: Any) -> int:
        # its count, not RETURNING: that one's buffer runs a small limit out at once
        row = cursor.fetchone()
        return int(row[0]) if row else 0

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

    def _said(self, exc: BaseException) -> str:
        return _first_line(exc)

    # -- plumbing -------------------------------------------------------------------------

    def _widen(self) -> None:
        """The upsert's memory limit, from the first page that is not a plain INSERT on."""
        if not self._widened:
            self._set_limit(max(self._limit, _bytes(UPSERT_MEMORY_LIMIT)))
            self._widened = True

    def _set_limit(self, limit: int) -> None:
        self._limit = limit
        self.con.execute(f"SET memory_limit = '{limit}B'")

    def transaction(self, work: Callable[[], Any], undone: str = UNDONE) -> None:
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

    def _once(self, work: Callable[[], Any]) -> None:
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
                self._ledger_con = cursor(self.con)

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


def _naive_timestamps(arrow: Any) -> Any:
    """Timestamps in UTC without their zone: the tables' TIMESTAMP columns hold UTC, and
    DuckDB would otherwise convert through its session's time zone."""
    import pyarrow as pa

    for index, column in enumerate(arrow.schema):
        if pa.types.is_timestamp(column.type) and column.type.tz is not None:
            naive = arrow.column(index).cast(pa.timestamp(column.type.unit))
            arrow = arrow.set_column(index, column.name, naive)
    return arrow


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
    if not path.parent.exists():
        return f"cannot create the database {path}: the directory {path.parent} does not exist"
    return f"cannot open the database {path}: {text}"
