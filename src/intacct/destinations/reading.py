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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from intacct.config.keys import DEFAULT_LOCK_WAIT_S
from intacct.destinations.base import DestinationError
from intacct.destinations.history import COLUMNS, SUFFIX, VALID_FROM, VALID_TO
from intacct.destinations.locations import DLT, POSTGRES, Location, split_url
from intacct.destinations.sql import q, quoted

__all__ = ["StoredRows", "stored_rows"]


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
    at = _AsOf(as_of) if as_of is not None else None
    location = Location.parse(where)
    if location.kind == DLT:
        raise DestinationError(
            "a dlt destination is read with the warehouse's own tools (dlt's pipeline.dataset)"
        )
    if location.kind == POSTGRES:
        return _postgres(location, name, fields, condition, limit, at)
    return _duckdb(location, name, fields, condition, limit, lock_wait_s, at)


@dataclass(frozen=True, slots=True)
class _AsOf:
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

    def condition(self, condition: str) -> str:
        """``condition`` and the version being valid at the moment (a stored time is
        naive UTC; the moment is written out, never the user's text)."""
        moment = self.moment if self.moment.tzinfo else self.moment.replace(tzinfo=UTC)
        at = f"TIMESTAMP '{moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=' ')}'"
        valid = f"{q(VALID_FROM)} <= {at} AND ({q(VALID_TO)} IS NULL OR {q(VALID_TO)} > {at})"
        return f"{valid} AND ({condition})" if condition.strip() else valid

    @staticmethod
    def columns(known: Sequence[str]) -> list[str]:
        """The record's columns and its span (not ``is_current``, ``is_deleted``: a
        version valid at a moment was current then, and not deleted)."""
        hidden = {c.name for c in COLUMNS} - {VALID_FROM, VALID_TO}
        return [c for c in known if c not in hidden]


def _duckdb(
    location: Location,
    name: str,
    fields: Sequence[str],
    condition: str,
    limit: int,
    lock_wait_s: float,
    at: _AsOf | None,
) -> StoredRows:
    import duckdb

    from intacct.destinations.duckdb import connect

    if not location.path.exists():
        raise DestinationError(
            f"there is no database {location.path}: intacct sync --db {location.path} makes it"
        )
    with connect(location.path, read_only=True, lock_wait_s=lock_wait_s) as con:
        tables = [r[0] for r in con.execute(_TABLES, ["main"]).fetchall()]
        table = (
            at.table(location.shown, name, tables) if at else _table(location.shown, name, tables)
        )
        columns = _columns(con, table, "main", fields, at=at)
        condition = at.condition(condition) if at else condition
        try:
            arrow = con.sql(_select(q(table), columns, condition, limit)).to_arrow_table()
        except duckdb.Error as exc:
            raise DestinationError(_refused(exc, condition)) from None
    return StoredRows(table, columns, arrow)


def _postgres(
    location: Location,
    name: str,
    fields: Sequence[str],
    condition: str,
    limit: int,
    at: _AsOf | None,
) -> StoredRows:
    import psycopg
    import pyarrow as pa

    from intacct.destinations.postgres import _connect

    schema = split_url(location.where)[1]
    with _connect(location.where, read_only=True) as con:
        tables = [r[0] for r in con.execute(_TABLES.replace("?", "%s"), [schema]).fetchall()]
        table = (
            at.table(location.shown, name, tables) if at else _table(location.shown, name, tables)
        )
        columns = _columns(con, table, schema, fields, "%s", at=at)
        condition = at.condition(condition) if at else condition
        sql = _select(f"{q(schema)}.{q(table)}", columns, condition, limit)
        try:
            with con.transaction():
                rows = con.execute(sql).fetchall()
        except psycopg.Error as exc:
            raise DestinationError(_refused(exc, condition)) from None
    data = {c: [row[i] for row in rows] for i, c in enumerate(columns)}
    return StoredRows(table, columns, pa.table(data) if rows else _empty(columns))


#: the tables of a schema (the run's own, ``_intacct_state``..., left out after)
_TABLES = "SELECT table_name FROM information_schema.tables WHERE table_schema = ?"


def _chosen(shown: str, name: str, tables: Sequence[str], at: _AsOf | None) -> str:
    """The table read: object ``name``'s, or its history's for an ``at`` read."""
    return at.table(shown, name, tables) if at else _table(shown, name, tables)


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


def _columns(
    con: Any, table: str, schema: str, fields: Sequence[str], mark: str = "?",
    *, at: _AsOf | None = None,
) -> tuple[str, ...]:  # fmt: skip
    rows = con.execute(
        f"SELECT column_name FROM information_schema.columns WHERE table_schema = {mark} "
        f"AND table_name = {mark} ORDER BY ordinal_position",
        [schema, table],
    ).fetchall()
    known = [r[0] for r in rows]
    if at is not None:
        known = at.columns(known)
    if not fields:
        return tuple(known)
    by_case = {c.upper(): c for c in known}
    missing = [f for f in fields if f.upper() not in by_case]
    if missing:
        said = []
        for field in missing:
            near = difflib.get_close_matches(field.upper(), list(by_case), n=1)
            said.append(f"{field} (did you mean {by_case[near[0]]}?)" if near else field)
        raise DestinationError(f"{table} has no column {', '.join(said)}")
    return tuple(by_case[f.upper()] for f in fields)


def _select(table: str, columns: Sequence[str], condition: str, limit: int) -> str:
    sql = f"SELECT {quoted(columns)} FROM {table}"
    if condition.strip():
        sql += f" WHERE {condition}"
    return sql + (f" LIMIT {int(limit)}" if limit else "")


def _refused(exc: BaseException, condition: str) -> str:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"the database refused --where {condition!r}: {first}" if condition else first


def _empty(columns: Sequence[str]) -> Any:
    import pyarrow as pa

    return pa.table({c: pa.array([], pa.null()) for c in columns})
