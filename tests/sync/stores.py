"""Read what ``intacct sync`` wrote, the same way whatever the destination: a table's
columns and rows, the run state, the runs. The destination suite
(``test_destinations.py``) runs through :class:`Store` on DuckDB and on Postgres."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import psycopg

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


@dataclass(frozen=True)
class Store:
    """A destination for one test: ``where`` is what ``--db`` takes."""

    kind: str  # "duckdb" or "postgres"
    where: str

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Rows of a query, tables named bare (Postgres: in the run's schema)."""
        if self.kind == "duckdb":
            with duckdb.connect(self.where, read_only=True) as con:
                return con.execute(sql, params or []).fetchall()
        with psycopg.connect(self.where.split("?")[0]) as con:
            con.execute(f"SET search_path = {DEFAULT_SCHEMA}")
            pg_sql = sql.replace("%", "%%").replace("?", "%s")
            return con.execute(pg_sql, params or []).fetchall()  # type: ignore[arg-type]

    def tables(self) -> list[str]:
        """The object tables (not ``_intacct_*``)."""
        schema = "main" if self.kind == "duckdb" else DEFAULT_SCHEMA
        rows = self.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? "
            "AND table_name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY 1",
            [schema],
        )
        return [r[0] for r in rows]

    def columns(self, table: str) -> dict[str, str]:
        """A table's columns and types, in DuckDB's type names."""
        schema = "main" if self.kind == "duckdb" else DEFAULT_SCHEMA
        rows = self.query(
            "SELECT column_name, data_type, numeric_precision, numeric_scale, udt_name "
            "FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position",
            [schema, table],
        )
        if self.kind == "duckdb":
            return {name: kind for name, kind, *_ in rows}
        by_pg = {v: k for k, v in KINDS.items()}
        out = {}
        for name, kind, precision, scale, udt in rows:
            if kind == "numeric":
                kind = f"numeric({precision},{scale})"
            elif kind == "ARRAY":
                kind = f"{'text' if udt == '_text' else udt}[]"
            out[name] = by_pg.get(kind, kind)
        return out

    def rows(self, table: str) -> list[tuple[Any, ...]]:
        """Every row, its columns in name order, sorted (the stores' column orders may
        differ once a column was added)."""
        names = sorted(self.columns(table))
        listed = ", ".join(f'"{n}"' for n in names)
        rows = self.query(f'SELECT {listed} FROM "{table}"')  # noqa: S608 - test tables
        return sorted(rows, key=repr)

    def keys(self, table: str, key: str = "RECORDNO") -> list[Any]:
        return sorted(r[0] for r in self.query(f'SELECT "{key}" FROM "{table}"'))  # noqa: S608

    def state(self) -> dict[str, Any]:
        (row,) = self.query("SELECT value FROM _intacct_state WHERE name = 'run'")
        return dict(json.loads(row[0]))

    def runs(self) -> list[tuple[str, list[dict[str, Any]]]]:
        rows = self.query("SELECT status, summary FROM _intacct_runs ORDER BY started")
        return [(status, json.loads(summary)) for status, summary in rows]


def duckdb_store(tmp_path: Path) -> Store:
    return Store("duckdb", str(tmp_path / "intacct.duckdb"))
