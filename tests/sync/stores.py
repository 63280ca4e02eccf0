"""Read what ``intacct sync`` wrote, the same way whatever the destination: a table's
columns and rows, the run state, the runs. The destination suite
(``test_destinations.py``) runs through :class:`Store` on DuckDB, on Postgres and through
dlt into its duckdb and postgres destinations.

What differs between the stores is declared here, once: how a store names tables and
columns, the types it stores them as, whether its counts tell new rows from changed ones
and how often it commits. A store read back through :class:`Store` looks like DuckDB's:
Intacct's names, DuckDB's type names, naive UTC timestamps, multi-picks as lists."""

# ruff: noqa: S608 - SQL here names the tests' own tables

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import duckdb
import psycopg
import pytest

from intacct.destinations import open_destination
from intacct.destinations.history import COLUMNS
from intacct.destinations.locations import DEFAULT_SCHEMA

#: the types a column has in each store, by the same name
KINDS = {
    "BIGINT": "bigint",
    "DECIMAL(38,12)": "numeric(38,12)",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp without time zone",
    "VARCHAR": "text",
    "VARCHAR[]": "text[]",
}
#: the types dlt stores (timestamps tz-aware, multi-picks JSON, text varchar), by
#: DuckDB's names
DLT_KINDS = {
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMP",
    "timestamp with time zone": "TIMESTAMP",
    "JSON": "VARCHAR[]",
    "jsonb": "VARCHAR[]",
    "character varying": "VARCHAR",
}
#: a history's own columns, named alike in every store
HISTORY_COLUMNS = {c.name for c in COLUMNS}
#: dlt's own columns, not the object's
DLT_COLUMNS = {"_dlt_load_id", "_dlt_id"}
#: the dataset the suite's dlt stores load into
DATASET = "intacct"
#: the columns of the schema's tables (``{}``: more conditions)
_COLUMNS = (
    "SELECT table_name, column_name, data_type, numeric_precision, numeric_scale, udt_name "
    "FROM information_schema.columns WHERE table_schema = ?{} "
    "ORDER BY table_name, ordinal_position"
)


@dataclass(frozen=True)
class Store:
    """A destination for one test.

    ``where`` is what ``--db`` takes; ``url`` where the tables are read (a DuckDB file or
    a ``postgresql://`` URL), in ``schema``. ``through_dlt``: names lower-cased, dlt's
    types and columns, and counts that do not tell inserts from updates (dlt's merge
    does not say which rows it changed: every row sent counts as inserted)."""

    kind: str  # "duckdb", "postgres", "dlt-duckdb", "dlt-postgres"
    where: str
    url: str
    schema: str = DEFAULT_SCHEMA
    through_dlt: bool = False
    #: an open connection reads go through (:meth:`connected`), else one each
    connection: Any = field(default=None, compare=False, repr=False)
    #: while connected: every table's columns, read once (the schema is read, not
    #: written, meanwhile); a query per table cost 4 ms on a file of 640 tables
    described: dict[str, list[tuple[Any, ...]]] | None = field(
        default=None, compare=False, repr=False
    )

    @property
    def engine(self) -> str:
        return "postgres" if self.url.startswith("postgresql") else "duckdb"

    # -- what the store says -----------------------------------------------------------

    def counts(self, new: int = 0, changed: int = 0, resent: int = 0) -> tuple[int, int]:
        """(inserted, updated) the store reports for ``new`` rows, ``changed`` ones and
        ``resent`` unchanged ones (a full refresh)."""
        if self.through_dlt:
            return new + changed + resent, 0
        return new, changed

    def committing_every(self, pages: int) -> Store:
        """This store committing at least every ``pages`` pages (DuckDB and Postgres
        commit each page with its state; dlt a load of ``pages_per_load`` pages)."""
        if not self.through_dlt:
            return self
        base, _, _ = self.where.partition("&pages_per_load=")
        return replace(self, where=f"{base}&pages_per_load={pages}")

    # -- reading back ----------------------------------------------------------------------

    @contextmanager
    def connected(self) -> Iterator[Store]:
        """This store reading through one connection (DuckDB's read-only) while in the
        block: many tables read at the cost of one connection, not one each."""
        if self.engine == "duckdb":
            con: Any = duckdb.connect(self.url, read_only=True)
            if self.schema != "main":
                con.execute(f"SET search_path = '{self.schema}'")
        else:
            con = psycopg.connect(self.url.split("?")[0], autocommit=True)
            con.execute(f'SET search_path = "{self.schema}"')
        try:
            yield replace(self, connection=con, described={})
        finally:
            con.close()

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Rows of a query, tables named as the store names them, bare (in ``schema``)."""
        if self.connection is not None:
            if self.engine != "duckdb":
                sql = sql.replace("%", "%%").replace("?", "%s")
            rows: list[tuple[Any, ...]] = self.connection.execute(sql, params or []).fetchall()
            return rows
        if self.engine == "duckdb":
            with duckdb.connect(self.url, read_only=True) as con:
                if self.schema != "main":
                    con.execute(f"SET search_path = '{self.schema}'")
                return con.execute(sql, params or []).fetchall()
        with psycopg.connect(self.url.split("?")[0]) as con:
            con.execute(f'SET search_path = "{self.schema}"')
            pg_sql = sql.replace("%", "%%").replace("?", "%s")
            return con.execute(pg_sql, params or []).fetchall()  # type: ignore[arg-type]

    def name(self, intacct: str) -> str:
        """A table or column as the store names it."""
        return intacct.lower() if self.through_dlt else intacct

    def _intacct(self, stored: str) -> str:
        """A stored name as Intacct's (dlt lower-cases them; ours start with ``_`` or
        are a history's, lower case already)."""
        ours = stored.startswith("_") or stored in HISTORY_COLUMNS
        return stored if not self.through_dlt or ours else stored.upper()

    def tables(self) -> list[str]:
        """The object tables (not ``_intacct_*`` nor dlt's), by Intacct's names."""
        rows = self.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
            "AND table_name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY 1",
            [self.schema],
        )
        return sorted(self._intacct(r[0]) for r in rows)

    def columns(self, table: str) -> dict[str, str]:
        """A table's columns and types, by Intacct's names and DuckDB's type names; empty
        when the store has no such table."""
        rows = self._described(self.name(table))
        by_pg = {v: k for k, v in KINDS.items()}
        out = {}
        for name, kind, precision, scale, udt in rows:
            if name in DLT_COLUMNS and self.through_dlt:
                continue
            if self.engine == "postgres":
                if kind == "numeric":
                    kind = f"numeric({precision},{scale})"
                elif kind == "ARRAY":
                    kind = f"{'text' if udt == '_text' else udt}[]"
                kind = by_pg.get(kind, kind)
            out[self._intacct(name)] = DLT_KINDS.get(kind, kind) if self.through_dlt else kind
        return out

    def _described(self, table: str) -> list[tuple[Any, ...]]:
        """``table``'s columns: name, type, precision, scale and Postgres's type name."""
        if self.described is None:  # this table's
            rows = self.query(_COLUMNS.format(" AND table_name = ?"), [self.schema, table])
            return [row[1:] for row in rows]
        if not self.described:  # every table's, once
            for name, *column in self.query(_COLUMNS.format(""), [self.schema]):
                self.described.setdefault(name, []).append(tuple(column))
        return self.described.get(table, [])

    def records(self, table: str) -> list[dict[str, Any]]:
        """Every row as DuckDB holds it: Intacct's names, times naive UTC, multi-picks as
        lists; none when the store has no such table (yet)."""
        types = self.columns(table)
        if not types:
            return []
        stored = {self.name(n): n for n in types}
        listed = ", ".join(f'"{n}"' for n in stored)
        found = self.query(f'SELECT {listed} FROM "{self.name(table)}"')
        return [
            {name: _plain(v, types[name]) for name, v in zip(stored.values(), row, strict=True)}
            for row in found
        ]

    def rows(self, table: str) -> list[tuple[Any, ...]]:
        """Every row, its columns in name order, sorted (the stores' column orders may
        differ once a column was added)."""
        rows = [tuple(r[n] for n in sorted(r)) for r in self.records(table)]
        return sorted(rows, key=repr)

    def keys(self, table: str, key: str = "RECORDNO") -> list[Any]:
        return sorted(r[key] for r in self.records(table))

    def state(self) -> dict[str, Any]:
        """The run state, read as ``intacct state show`` reads it."""
        destination = open_destination(self.where)
        try:
            saved = destination.state()
        finally:
            destination.close()
        assert saved is not None
        return dict(saved)

    def runs(self) -> list[tuple[str, list[dict[str, Any]]]]:
        rows = self.query("SELECT status, summary FROM _intacct_runs ORDER BY started")
        return [(status, json.loads(summary or "null")) for status, summary in rows]


def _plain(value: Any, kind: str) -> Any:
    """A stored value as DuckDB gives it back (dlt: aware times, JSON text)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    if kind == "VARCHAR[]" and isinstance(value, str):
        return json.loads(value)
    return value


def duckdb_store(tmp_path: Path) -> Store:
    path = str(tmp_path / "intacct.duckdb")
    return Store("duckdb", path, path, schema="main")


def postgres_store(url: str) -> Store:
    return Store("postgres", url, url)


def dlt_store(
    destination: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str = ""
) -> Store:
    """dlt's ``destination`` (duckdb: a file; postgres: the database of ``postgres_url``),
    configured as a user would, by dlt's environment variables (which subprocesses of
    the test inherit), with dlt's working directories under ``tmp_path``."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)  # no .dlt/ config of the machine's
    monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")  # dlt's, on by default
    if destination == "duckdb":
        url = str(tmp_path / "warehouse.duckdb")
    else:
        parts = urlsplit(postgres_url)
        if parts.password is None:  # dlt requires one; the test server trusts any
            parts = parts._replace(netloc=f"{parts.username}:unused@{parts.hostname}:{parts.port}")
        url = urlunsplit(parts)
    monkeypatch.setenv(f"DESTINATION__{destination.upper()}__CREDENTIALS", url)
    where = f"dlt:{destination}?dataset={DATASET}&pages_per_load=20"
    return Store(f"dlt-{destination}", where, url, schema=DATASET, through_dlt=True)
