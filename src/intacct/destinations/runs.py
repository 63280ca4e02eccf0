"""What the runs recorded in a destination's ``_intacct_runs`` billed: each run's row
keeps its objects' API transactions (the billing rule of the sync summary), so the
connector knows what it spent of a company's entitlement since a date. Read only; a
destination with no runs yet (no file, no table) has spent nothing."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from intacct.destinations.base import DestinationError
from intacct.destinations.locations import display_url, is_postgres, split_url

__all__ = ["billed_since"]

RUNS_TABLE = "_intacct_runs"


def billed_since(where: str | Path, since: datetime) -> int:
    """API transactions billed by the runs recorded in ``where`` (a DuckDB file or a
    Postgres URL) that started at or after ``since`` (UTC, naive as the table keeps it);
    runs that failed, were interrupted or stopped by a budget count too."""
    if str(where).startswith("dlt:"):
        raise DestinationError(
            "a monthly entitlement reads the runs this connector recorded, in a DuckDB file "
            "or a Postgres schema; a dlt destination keeps them in the warehouse, not here"
        )
    summaries = _postgres(str(where), since) if is_postgres(where) else _duckdb(Path(where), since)
    return sum(_transactions(s) for s in summaries)


def _transactions(summary: str | None) -> int:
    objects: Any = json.loads(summary) if summary else []
    return sum(int(o.get("transactions") or 0) for o in objects if isinstance(o, dict))


def _duckdb(path: Path, since: datetime) -> list[str]:
    if not path.exists():
        return []
    import duckdb

    try:
        with duckdb.connect(str(path), read_only=True) as con:
            if not con.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_name = ?", [RUNS_TABLE]
            ).fetchall():
                return []
            rows = con.execute(
                f"SELECT summary FROM {RUNS_TABLE} WHERE started >= ?",  # noqa: S608
                [since],
            ).fetchall()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise DestinationError(f"cannot read the runs of {path}: {first}") from None
    return [r[0] for r in rows]


def _postgres(url: str, since: datetime) -> list[str]:
    import psycopg

    from intacct.destinations.postgres import _connect, _first_line, q

    table = f"{q(split_url(url)[1])}.{q(RUNS_TABLE)}"
    with _connect(url, read_only=True) as con:
        try:
            found = con.execute("SELECT to_regclass(%s)", [table]).fetchone()
            if not found or found[0] is None:
                return []
            rows = con.execute(
                f"SELECT summary FROM {table} WHERE started >= %s",  # noqa: S608
                [since],
            ).fetchall()
        except psycopg.Error as exc:
            raise DestinationError(
                f"cannot read the runs of {display_url(url)}: {_first_line(exc, url)}"
            ) from None
    return [r[0] for r in rows]
