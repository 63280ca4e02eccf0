"""A stored table read back for people (``intacct query OBJECT --db``), beside a writer.

The read takes a short read-only connection: the rows are fetched whole (as Arrow,
compact) and the connection closed before a row is shown, so a slow terminal or a long
export never holds a DuckDB file that a follower or a schedule writes. A run writing the
file is waited for (:mod:`.waiting`: a follower's read lasts about a second); Postgres
readers never wait for a writer (each statement sees the last committed pages).
"""

# ruff: noqa: S608 - SQL here names tables and columns, quoted by q(); the condition is
# the user's own, run in a read-only connection of the user's database

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from intacct.config.keys import DEFAULT_LOCK_WAIT_S
from intacct.destinations.base import DestinationError
from intacct.destinations.history import COLUMNS, SUFFIX, VALID_FROM, VALID_TO
from intacct.destinations.locations import DLT, POSTGRES, Location, split_url
from intacct.destinations.sql import q, quoted
from intacct.errors import near_misses

__all__ = ["AsOf", "StoredDb", "StoredRows", "read_stored", "stored_rows"]


@dataclass(frozen=True, slots=True)
class StoredRows:
    """What a read found: the table's name as stored, its columns (those asked for, in
    order) and the rows as an Arrow table (read again with :meth:`records`)."""

    table: str
    columns: tuple[str, ...]
    arrow: Any

    def records(self) -> Iterator[dict[str, Any]]:
        for batch in self.arrow.to_batches(max_chunksize=1000):
            yield from batch.to_pylist()


def stored_rows(
    where: str,
    name: str,
    *,
    fields: Sequence[str] = (),
    condition: str = "",
    limit: int = 0,
    lock_wait_s: float = DEFAULT_LOCK_WAIT_S,
    as_of: datetime | None = None,
) -> StoredRows:
    """The rows of object ``name``'s table at ``where`` (a DuckDB file or a Postgres
    URL), only ``fields`` (all: empty), those ``condition`` (SQL of that database) holds
    for, at most ``limit`` (0: all). ``as_of``: the records as they stood at that
    moment, from its history table (:mod:`.history`), each version valid then, with its
    ``valid_from`` and ``valid_to``."""
    at = AsOf(as_of) if as_of is not None else None

    def read(db: StoredDb) -> StoredRows:
        table = at.table(db.shown, name, db.tables) if at else _table(db.shown, name, db.tables)
        columns = _columns(db, table, fields, at)
        valid = at.condition(condition) if at else condition
        try:
            return db.select(_select(db.name(table), columns, valid, limit), table, columns)
        except DestinationError as exc:
            raise DestinationError(_refused(exc, condition)) from None

    return read_stored(where, read, lock_wait_s=lock_wait_s)


@dataclass(frozen=True, slots=True)
class AsOf:
    """A read of the records as they stood at ``moment`` (aware; naive is UTC)."""

    moment: datetime

    def table(self, shown: str, name: str, tables: Sequence[str]) -> str:
        """The history table of object ``name``, or an error saying how one is kept."""
        table = _table(shown, name, [t for t in tables if not t.endswith(SUFFIX)])
        if table + SUFFIX not in tables:
            raise DestinationError(
                f"{shown} keeps no history of {table}: intacct sync --history keeps every "
                f"version from its next run (--as-of reads {table}{SUFFIX})"
            )
        return table + SUFFIX

    @property
    def literal(self) -> str:
        """The moment as SQL (a stored time is naive UTC; written out from the parsed
        moment, never from the user's text)."""
        moment = self.moment if self.moment.tzinfo else self.moment.replace(tzinfo=UTC)
        return f"TIMESTAMP '{moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=' ')}'"

    def condition(self, condition: str = "") -> str:
        """``condition`` and the version being valid at the moment."""
        at = self.literal
        valid = f"{q(VALID_FROM)} <= {at} AND ({q(VALID_TO)} IS NULL OR {q(VALID_TO)} > {at})"
        return f"{valid} AND ({condition})" if condition.strip() else valid

    @staticmethod
    def columns(known: Sequence[str]) -> list[str]:
        """The record's columns and its span (not ``is_current``, ``is_deleted``: a
        version valid at a moment was current then, and not deleted)."""
        hidden = {c.name for c in COLUMNS} - {VALID_FROM, VALID_TO}
        return [c for c in known if c not in hidden]


class StoredDb:
    """A read-only connection to a store, for one read: its tables, how it names one,
    and a query's rows as :class:`StoredRows` (a refused query: a DestinationError)."""

    shown: str
    tables: list[str]

    def name(self, table: str) -> str:
        raise NotImplementedError

    def column_names(self, table: str) -> list[str]:
        raise NotImplementedError

    def select(self, sql: str, table: str, columns: Sequence[str]) -> StoredRows:
        raise NotImplementedError


def read_stored(
    where: str,
    read: Callable[[StoredDb], StoredRows],
    *,
    lock_wait_s: float = DEFAULT_LOCK_WAIT_S,
) -> StoredRows:
    """``read`` given a moment's read-only connection to the store at ``where`` (a
    DuckDB file, waited for while a run writes it, or a Postgres URL)."""
    location = Location.parse(where)
    if location.kind == DLT:
        raise DestinationError(
            "a dlt destination is read with the warehouse's own tools (dlt's pipeline.dataset)"
        )
    if location.kind == POSTGRES:
        return _postgres(location, read)
    return _duckdb(location, read, lock_wait_s)


class _DuckDb(StoredDb):
    def __init__(self, con: Any, shown: str) -> None:
        self.con, self.shown = con, shown
        self.tables = [r[0] for r in con.execute(_TABLES, ["main"]).fetchall()]

    def name(self, table: str) -> str:
        return q(table)

    def column_names(self, table: str) -> list[str]:
        rows = self.con.execute(_COLUMNS, ["main", table]).fetchall()
        return [r[0] for r in rows]

    def select(self, sql: str, table: str, columns: Sequence[str]) -> StoredRows:
        import duckdb

        try:
            arrow = self.con.sql(sql).to_arrow_table()
        except duckdb.Error as exc:
            raise DestinationError(_first_line(exc)) from None
        return StoredRows(table, tuple(columns), arrow)


def _duckdb(
    location: Location, read: Callable[[StoredDb], StoredRows], lock_wait_s: float
) -> StoredRows:
    from intacct.destinations.duckdb import connect

    if not location.path.exists():
        raise DestinationError(
            f"there is no database {location.path}: intacct sync --db {location.path} makes it"
        )
    with connect(location.path, read_only=True, lock_wait_s=lock_wait_s) as con:
        return read(_DuckDb(con, location.shown))


class _PostgresDb(StoredDb):
    def __init__(self, con: Any, shown: str, schema: str) -> None:
        self.con, self.shown, self.schema = con, shown, schema
        marked = _TABLES.replace("?", "%s")
        self.tables = [r[0] for r in con.execute(marked, [schema]).fetchall()]

    def name(self, table: str) -> str:
        return f"{q(self.schema)}.{q(table)}"

    def column_names(self, table: str) -> list[str]:
        rows = self.con.execute(_COLUMNS.replace("?", "%s"), [self.schema, table]).fetchall()
        return [r[0] for r in rows]

    def select(self, sql: str, table: str, columns: Sequence[str]) -> StoredRows:
        import psycopg
        import pyarrow as pa

        try:
            with self.con.transaction():
                rows = self.con.execute(sql).fetchall()
        except psycopg.Error as exc:
            raise DestinationError(_first_line(exc)) from None
        data = {c: [row[i] for row in rows] for i, c in enumerate(columns)}
        return StoredRows(table, tuple(columns), pa.table(data) if rows else _empty(columns))


def _postgres(location: Location, read: Callable[[StoredDb], StoredRows]) -> StoredRows:
    from intacct.destinations.postgres import _connect

    with _connect(location.where, read_only=True) as con:
        # a moment is UTC: so is a time stored with a zone (dlt's) in this session
        con.execute("SET TIME ZONE 'UTC'")
        return read(_PostgresDb(con, location.shown, split_url(location.where)[1]))


#: the tables of a schema (the run's own, ``_intacct_state``..., left out after)
_TABLES = "SELECT table_name FROM information_schema.tables WHERE table_schema = ?"


def _table(shown: str, name: str, tables: Sequence[str]) -> str:
    """The stored table of object ``name`` (Intacct's upper-case names, REST-only
    objects' lower-case ones: matched whatever the case), or an error with near misses."""
    tables = sorted(t for t in tables if not t.startswith("_"))
    by_case = {t.upper(): t for t in tables}
    if name.upper() in by_case:
        return by_case[name.upper()]
    near = difflib.get_close_matches(name.upper(), list(by_case), n=3)
    hint = f"; did you mean {', '.join(by_case[n] for n in near)}?" if near else ""
    if not tables:
        hint = ": it holds no object's table yet (intacct sync writes them)"
    raise DestinationError(f"{shown} has no table of {name}{hint}")


_COLUMNS = (
    "SELECT column_name FROM information_schema.columns WHERE table_schema = ? "
    "AND table_name = ? ORDER BY ordinal_position"
)


def _columns(db: StoredDb, table: str, fields: Sequence[str], at: AsOf | None) -> tuple[str, ...]:
    """The columns shown: ``fields`` (any of the table's, a history's own included:
    ``is_current``, ``unseen_changes``...), else all, an as-of read's without the
    history's bookkeeping (:meth:`AsOf.columns`)."""
    known = db.column_names(table)
    if not fields:
        return tuple(at.columns(known) if at is not None else known)
    by_case = {c.upper(): c for c in known}
    missing = [f for f in fields if f.upper() not in by_case]
    if missing:
        said = near_misses(missing, by_case)
        raise DestinationError(f"{table} has no column {', '.join(said)}")
    return tuple(by_case[f.upper()] for f in fields)


def _select(table: str, columns: Sequence[str], condition: str, limit: int) -> str:
    sql = f"SELECT {quoted(columns)} FROM {table}"
    if condition.strip():
        sql += f" WHERE {condition}"
    return sql + (f" LIMIT {int(limit)}" if limit else "")


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _refused(exc: DestinationError, condition: str) -> str:
    first = str(exc)
    return f"the database refused --where {condition!r}: {first}" if condition else first


def _empty(columns: Sequence[str]) -> Any:
    import pyarrow as pa

    return pa.table({c: pa.array([], pa.null()) for c in columns})
