"""A Postgres schema ``intacct sync`` writes: the same tables as the DuckDB file.

``postgresql://user@host:5432/db?schema=NAME`` (``postgres://`` too): the tables go in the
schema ``NAME`` (default :data:`DEFAULT_SCHEMA`, created when missing), one per object
named as in DuckDB, with ``_intacct_state`` and ``_intacct_runs`` beside them. The other
URL parameters are libpq's (``sslmode``, ``connect_timeout``...); a password is best left
to ``PGPASSWORD`` or ``~/.pgpass``, and one in the URL is never shown (errors and
messages name the server as :func:`display_url` writes it).

The write algorithm and its rules are :mod:`.sql`'s (one transaction a page, with the run
state after it). This dialect COPYs a page into a temporary table (kept for the run,
emptied by a TRUNCATE in the page's own transaction, so a page undone takes its staged
rows with it) or, a first read's, straight into its table, and counts the
upsert's inserts (``xmax = 0``) and updates as it goes. An Arrow page goes in as CSV that
Arrow writes in C++, no
Python per value: a page of 2,000 rows and 48 typed columns took 72 ms this way against
458 ms by binary COPY's ``write_row`` over ``to_pylist`` and 495 ms by text COPY's (most
of it ``to_pylist``); a page read record by record (no Arrow) goes by ``write_row`` in
COPY's text format, which takes the engine's ISO texts for dates as they are.

Types: ``bigint``, ``numeric(38,12)`` (exact, as DuckDB's DECIMAL(38,12)), ``boolean``,
``date``, ``text``, ``text[]``, and ``timestamp`` **without** time zone holding UTC: the
DuckDB tables keep naive UTC TIMESTAMPs, and ``timestamp`` gives back the very same
values whatever the session's ``TimeZone`` (``timestamptz`` would show them shifted in a
client set to another zone, and compare with DuckDB's only after a conversion).

One writer per company: the run holds a session-level advisory lock keyed by the schema
and the company; a second ``intacct sync`` of the same company into the same schema is
refused at once.
"""

# ruff: noqa: S608 - SQL here names tables and columns, quoted by q(); values are parameters

from __future__ import annotations

import contextlib
import hashlib
import io
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import psycopg

from intacct.destinations.base import RECORDNO, DestinationBusyError, DestinationError
from intacct.destinations.locations import display_url, split_url
from intacct.destinations.runs import RUNS_TABLE, RunLedger
from intacct.destinations.sql import (
    STATE_TABLE,
    UNDONE,
    KeyTakenError,
    SqlDestination,
    q,
    quoted,
)
from intacct.destinations.staterows import select, value_of
from intacct.destinations.tables import Table
from intacct.destinations.waiting import DEFAULT_LOCK_WAIT_S, wait_for
from intacct.replication import ENTITY_ID, StreamPage

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["PostgresDestination", "saved_state"]

#: DuckDB's type names (tables.py, unified.py) in Postgres
_TYPES = {
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "DECIMAL(38,12)": "numeric(38,12)",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "VARCHAR": "text",
    "VARCHAR[]": "text[]",
}


def _scrub(text: str, url: str) -> str:
    """``text`` with the URL's password blanked, wherever a driver may have put it."""
    password = urlsplit(url).password
    return text.replace(password, "***") if password else text


def _first_line(exc: BaseException, url: str) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return _scrub(line, url)


def _connect(url: str, *, read_only: bool = False) -> psycopg.Connection[Any]:
    libpq, _ = split_url(url)
    try:
        con = psycopg.connect(libpq, autocommit=True, application_name="intacct sync")
    except (psycopg.Error, ValueError) as exc:
        raise DestinationError(
            f"cannot open the database {display_url(url)}: {_first_line(exc, url)}"
        ) from None
    con.read_only = read_only or None
    return con


def saved_state(url: str, name: str = "run") -> Any:
    """The run state (or the setting ``name``) in the schema, read in a read-only
    transaction (a dry run creates nothing); None when there is none yet."""
    _, schema = split_url(url)
    with _connect(url, read_only=True) as con:
        try:
            with con.transaction():
                found = con.execute(
                    "SELECT to_regclass(%s)", [f"{q(schema)}.{q(STATE_TABLE)}"]
                ).fetchone()
                if not found or found[0] is None:
                    return None
                sql, params = select(f"{q(schema)}.{q(STATE_TABLE)}", "%s", name)
                rows = con.execute(sql, params).fetchall()
        except psycopg.Error as exc:
            raise DestinationError(
                f"cannot read {display_url(url)}: {_first_line(exc, url)}"
            ) from None
    return value_of(rows, name)


class PostgresDestination(SqlDestination):
    """One schema of a Postgres database opened for a run (see the module docstring);
    ``company`` is the lock's key (None: no lock, for tools that only read)."""

    MARK = "%s"
    ERRORS = (psycopg.Error,)
    ROW_ORDER = "ctid"

    def __init__(
        self, url: str, *, company: str | None = None, lock_wait_s: float = DEFAULT_LOCK_WAIT_S
    ) -> None:
        self.url = url
        self._lock_wait_s = lock_wait_s
        self.where = display_url(url)
        self.schema = split_url(url)[1]
        self.con = _connect(url)
        self._locked: str | None = None
        #: the run's row, kept from worker threads through a connection of its own
        self._ledger: RunLedger | None = None
        self._ledger_con: psycopg.Connection[Any] | None = None
        self._ledger_lock = threading.Lock()
        if company is not None:
            self._lock(company)
        try:
            self._run(f"CREATE SCHEMA IF NOT EXISTS {q(self.schema)}")
            self._start()
        except DestinationError as exc:  # no right to create them: the lock goes at once
            self.close()
            raise DestinationError(
                f"{exc}; the user must be allowed to create the schema {self.schema} and its "
                "tables (GRANT CREATE ON DATABASE), or own a schema made for it (?schema=)"
            ) from None

    def _lock(self, company: str) -> None:
        """The company's advisory lock, or a DestinationError at once if it is held."""
        key = f"intacct sync:{self.schema}:{company}"
        row = self.con.execute(
            "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [key]
        ).fetchone()
        if row and row[0]:
            self._locked = key
            return
        said = self._holder(key)
        self.close()
        raise DestinationBusyError(
            f"another intacct sync of company {company} is writing to {self.where}: {said}"
        )

    def _holder(self, key: str) -> str:
        """Who holds the lock, and how to end its session should its run be dead (a
        machine gone without closing its connection keeps the lock until the server
        notices)."""
        row = self.con.execute(
            "SELECT l.pid, to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') "
            "FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = "
            "'advisory' AND l.granted AND l.objsubid = 1 AND "
            "((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended(%s, 0)",
            [key],
        ).fetchone()
        if not row:  # gone meanwhile
            return "it held the company's lock a moment ago; run again"
        pid, since = row
        return (
            f"session {pid} (since {since} UTC) holds the company's lock; wait for it to "
            f"finish (if no run is going on, end it: SELECT pg_terminate_backend({pid}))"
        )

    def close(self) -> None:
        """Closed, the lock let go of first: the server ends a closed session a moment
        after the client has gone on, and a next run must not find it still held."""
        if self._locked is not None and not self.con.closed:
            with contextlib.suppress(psycopg.Error):
                self.con.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))",
                                 [self._locked])  # fmt: skip
        self.con.close()
        with self._ledger_lock:
            if self._ledger_con is not None:
                self._ledger_con.close()

    def _table_columns(self, name: str) -> dict[str, str]:
        rows = self.con.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped "
            "ORDER BY attnum",
            [self._name(name)],
        ).fetchall()
        return {r[0]: r[1] for r in rows}

    def _all_columns(self) -> list[tuple[str, str, str]]:
        return self.con.execute(  # type: ignore[no-any-return]
            "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) "
            "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND a.attnum > 0 AND NOT a.attisdropped "
            "ORDER BY c.relname, a.attnum",
            [self.schema],
        ).fetchall()

    # -- the run's row ----------------------------------------------------------------------

    def ledger(self, started: str, company: str | None) -> RunLedger:
        """The run's row, kept ahead of its spend from any thread (:mod:`.runs`), on a
        connection of its own: each figure commits at once, whatever page is being
        written meanwhile."""
        self._ledger = RunLedger(self._keep, self._name(RUNS_TABLE), "%s", started, company)
        if self._locked is not None:  # the company's lock: no other run of it is alive
            self._end_abandoned(self._ledger)
        return self._ledger

    def _keep(self, sql: str, params: list[Any]) -> None:
        with self._ledger_lock:
            try:
                if self._ledger_con is None:
                    self._ledger_con = _connect(self.url)
                self._ledger_con.execute(sql, params)
            except (psycopg.Error, DestinationError) as exc:
                raise DestinationError(
                    f"could not record the run's API transactions in {self.where}: "
                    f"{_first_line(exc, self.url)}; the request was not sent"
                ) from None

    def record_run(self, finished: str, status: str, summary: object, transactions: int) -> None:
        """The run's final row (see :meth:`ledger`, called first)."""
        assert self._ledger is not None, "ledger() before record_run()"
        sql, params = self._ledger.finish(finished, status, summary, transactions)
        self.transaction(lambda: self.con.execute(sql, params))

    # -- the dialect ------------------------------------------------------------------------

    def _type(self, kind: str) -> str:
        return _TYPES.get(kind.upper().replace(" ", ""), "text")

    def _name(self, table: str) -> str:
        return f"{q(self.schema)}.{q(table)}"

    def _prepared(self, table: Table, existed: bool) -> None:
        """The table's staging table, for the run: emptied by :meth:`_unstage` in the
        page's transaction. Not ``ON COMMIT DELETE ROWS``: at every commit that touched a
        temporary table, Postgres truncates each such table of the session, and with the
        598 of ``--objects all`` a page's commit took seconds (BENCHMARKS.md)."""
        stage, names = q(_stage(table.name)), quoted(table.names)
        if RECORDNO in table.names and table.key and RECORDNO not in table.key:
            index = q(_recordno_index(table.name))  # rule 6's join, page by page
            self._run(f"CREATE INDEX IF NOT EXISTS {index} ON {self._name(table.name)} "
                      f"({q(RECORDNO)}, {q(ENTITY_ID)})")  # fmt: skip
        self._run(f"DROP TABLE IF EXISTS pg_temp.{stage}")
        self._run(f"CREATE TEMP TABLE {stage} AS "
                  f"SELECT {names} FROM {self._name(table.name)} LIMIT 0")  # fmt: skip

    def _append(self, table: Table, page: StreamPage) -> None:
        try:
            self._copy(self._name(table.name), table, page.records, page.table)
        except psycopg.errors.UniqueViolation:
            raise KeyTakenError from None

    def _stage(
        self, table: Table, records: Sequence[Mapping[str, Any]], arrow: pa.Table | None
    ) -> str:
        stage = q(_stage(table.name))
        self._copy(stage, table, records, arrow)
        return stage

    def _stage_tombstones(self, rows: list[list[Any]]) -> str:
        self.con.execute(
            "CREATE TEMP TABLE IF NOT EXISTS _tombstones (k text, deleted timestamp)"
        )  # emptied by _unstage, as the pages' stages (_prepared)
        with self.con.cursor().copy("COPY _tombstones FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return "_tombstones"

    def _unstage(self, stage: str) -> None:
        self.con.execute(f"TRUNCATE {stage}")

    def _upsert(self, table: Table, stage: str) -> tuple[int, int]:
        """One ``INSERT … ON CONFLICT DO UPDATE``, counted as it goes: a row inserted has
        no ``xmax`` (no earlier version)."""
        renamed = self._renamed(table, stage)  # by the index on RECORDNO (_prepared)
        statement = self._upsert_statement(table, stage)
        done = self.con.execute(f"{statement} RETURNING xmax = 0").fetchall()
        inserted = sum(1 for (new,) in done if new) - renamed
        return inserted, len(done) - inserted

    def _changed(self, cursor: Any) -> int:
        return int(cursor.rowcount)

    def _among(self, column: str, values: list[Any]) -> tuple[str, Any]:
        array = "bigint[]" if isinstance(values[0], int) else "text[]"
        return f"{column} = ANY(%s::{array})", values

    def _copy(
        self,
        target: str,
        table: Table,
        records: Sequence[Mapping[str, Any]],
        arrow: pa.Table | None,
    ) -> None:
        """The rows into ``target`` (a table or its stage) by COPY: an Arrow page as CSV
        written by Arrow, records row by row."""
        if arrow is not None:
            names, data = arrow_csv(table, arrow)
            with self.con.cursor().copy(
                f"COPY {target} ({quoted(names)}) FROM STDIN (FORMAT csv)"
            ) as copy:
                copy.write(data)
            return
        with self.con.cursor().copy(f"COPY {target} ({quoted(table.names)}) FROM STDIN") as copy:
            for record in records:
                copy.write_row([record.get(n) for n in table.names])

    def _said(self, exc: BaseException) -> str:
        return _first_line(exc, self.url)

    # -- plumbing -------------------------------------------------------------------------

    def transaction(self, work: Callable[[], Any], undone: str = UNDONE) -> None:
        try:
            with self.con.transaction():
                work()
        except psycopg.Error as exc:
            raise DestinationError(
                f"could not write {self.where}: {_first_line(exc, self.url)}; {undone}"
            ) from None

    def _run(self, statement: str) -> None:
        """A table made or altered: such a statement waits for every reader's open
        transaction of the table, and while it waits, every new reader of the table waits
        behind it. So it waits a moment only (``lock_timeout``), lets the readers go on,
        and tries again, for at most ``lock_wait_s`` (:mod:`.waiting`)."""

        def attempt() -> None:
            with self.con.transaction():
                self.con.execute(f"SET LOCAL lock_timeout = '{_DDL_LOCK_TIMEOUT}'")
                self.con.execute(statement)

        try:
            wait_for(attempt, self._readers, where=self.where, bound_s=self._lock_wait_s)
        except DestinationBusyError:
            raise
        except psycopg.Error as exc:
            raise DestinationError(
                f"could not write {self.where}: {_first_line(exc, self.url)}"
            ) from None

    def _readers(self, exc: Exception) -> str | None:
        """The sessions whose locks kept a statement waiting (``exc``, its lock timeout),
        as people find them; None if ``exc`` is another error."""
        if not isinstance(exc, psycopg.errors.LockNotAvailable):
            return None
        rows = self.con.execute(
            "SELECT DISTINCT a.pid, a.application_name, a.usename, a.state FROM pg_locks l "
            "JOIN pg_stat_activity a USING (pid) JOIN pg_namespace n ON n.nspname = %s "
            "JOIN pg_class c ON c.oid = l.relation AND c.relnamespace = n.oid "
            "WHERE l.granted AND a.pid <> pg_backend_pid() ORDER BY a.pid",
            [self.schema],
        ).fetchall()
        if not rows:
            return "a session that has let go since"
        return ", ".join(
            f"session {pid} ({app or 'no application name'}, user {user}, {state})"
            for pid, app, user, state in rows
        )


#: how long a schema change waits for readers' locks before it lets them go on and
#: tries again (DuckDB's tries are as far apart)
_DDL_LOCK_TIMEOUT = "100ms"


def arrow_csv(table: Table, arrow: Any) -> tuple[list[str], bytes]:
    """An Arrow page as CSV for COPY, and its columns (those of ``table`` it has): lists
    as Postgres array literals, timestamps in UTC without their zone. A null is an empty
    field, an empty text ``""`` (Arrow quotes it), as COPY's CSV reads them."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    wanted = set(table.names)
    columns, names = [], []
    for field, column in zip(arrow.schema, arrow.columns, strict=True):
        if field.name not in wanted:
            continue
        if pa.types.is_list(field.type) or pa.types.is_large_list(field.type):
            column = _array_literals(column)
        elif pa.types.is_timestamp(field.type) and field.type.tz is not None:
            column = column.cast(pa.timestamp(field.type.unit))
        columns.append(column)
        names.append(field.name)
    out = io.BytesIO()
    options = pa_csv.WriteOptions(include_header=False)
    pa_csv.write_csv(pa.table(columns, names=names), out, options)
    return names, out.getvalue()


def _array_literals(column: Any) -> Any:
    """A list<utf8> column as Postgres array literals: ``{"a","b \\"c\\""}``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = pa.concat_arrays(column.chunks if isinstance(column, pa.ChunkedArray) else [column])
    if column.offset:  # offsets are the buffer's, from the array's first list
        column = pa.concat_arrays([pa.array([], column.type), column])
    items = column.flatten()
    items = pc.replace_substring(items, "\\", "\\\\")
    items = pc.replace_substring(items, '"', '\\"')
    quoted = pc.binary_join_element_wise('"', items, '"', "")
    lists = pa.ListArray.from_arrays(column.offsets, quoted, mask=column.is_null())
    joined = pc.binary_join(lists, ",")
    return pc.binary_join_element_wise("{", joined, "}", "")


def _stage(name: str) -> str:
    return f"_stage_{name}"


def _recordno_index(name: str) -> str:
    """The name of a table's index on RECORDNO: within Postgres's 63 bytes whatever the
    table's name, one per table of a schema."""
    return f"_intacct_{hashlib.sha256(name.encode()).hexdigest()[:16]}_recordno"
