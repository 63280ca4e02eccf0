"""A destination's ``_intacct_runs``: a row per run, its API transactions kept from the
run's first billed request on, so the connector knows what it spent of a company's
entitlement since a date, even of runs killed midway.

The row is written before the run's first billed request is sent and advanced before
each next one (:class:`RunLedger`, the client's :class:`~intacct.client.requestor.Ledger`): a
request is never sent unrecorded, so a run killed at any moment (SIGKILL, a lost host)
has counted every request Intacct may have billed it; its row stays ``running`` until
the next run of the destination, which holds the destination's lock (so no other run of
it is alive), marks it ``killed``, finished when it last wrote its row
(:meth:`RunLedger.abandoned`; the row keeps the host and process it ran in, and its
figure). The end of the run sets its status and the figure Intacct billed
(:class:`RunRecord`). :func:`billed_since` reads them, whatever their status; a
destination with no runs yet (no file, no table) has spent nothing. Rows of older
versions keep their figure in ``summary`` alone.
"""

# ruff: noqa: S608 - SQL here names the runs table; values are parameters

from __future__ import annotations

import json
import os
import socket
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from intacct.destinations.base import DestinationError
from intacct.destinations.locations import DLT, POSTGRES, Location, display_url, split_url

__all__ = ["KILLED", "RUN_COLUMNS", "RunLedger", "RunRecord", "billed_since"]

RUNS_TABLE = "_intacct_runs"
#: the columns later versions added to the first four (started, finished, status,
#: summary); SQL types both DuckDB and Postgres take
RUN_COLUMNS = (
    ("run_id", "VARCHAR"),
    ("company", "VARCHAR"),
    ("transactions", "BIGINT"),
    ("host", "VARCHAR"),  # where the run ran: a killed run's row tells where to look
    ("pid", "BIGINT"),
    ("last_seen", "TIMESTAMP"),  # the last write of the row: a killed run's end
)
#: the status of a run whose process ended without recording its end
KILLED = "killed"
#: a statement and its parameters, written with the destination's placeholder
Statement = tuple[str, list[Any]]


@dataclass(slots=True)
class RunRecord:
    """A run's row: ``transactions``, what the run may have billed (answered and in
    flight); ``summary``, its objects' figures."""

    started: str
    finished: str | None
    status: str
    summary: object
    transactions: int
    company: str | None = None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)


class RunLedger:
    """A run's row kept ahead of its spend (see the module docstring). ``execute`` runs
    one statement in a transaction of its own, from any thread; ``mark`` is the
    destination's placeholder (``?`` or ``%s``). Once :meth:`finish` has built the final
    row, a request still asking to be covered is refused: the run is over."""

    def __init__(
        self,
        execute: Callable[[str, list[Any]], None],
        table: str,
        mark: str,
        started: str,
        company: str | None,
    ) -> None:
        self._execute, self._table, self._mark = execute, table, mark
        self.record = RunRecord(started, None, "running", None, 0, company)
        self._written = False
        self.finished = False
        self._lock = threading.Lock()

    def cover(self, transactions: int) -> None:
        with self._lock:
            if self.finished:
                raise DestinationError("the run is recorded as over; nothing more is sent")
            if transactions <= self.record.transactions and self._written:
                return
            before = self.record.transactions
            self.record.transactions = max(transactions, before)
            try:
                self._execute(*self._statement())
            except BaseException:
                self.record.transactions = before  # not recorded: the request is not sent
                raise
            self._written = True

    def finish(self, finished: str, status: str, summary: object, transactions: int) -> Statement:
        """The run's final row (an update of the row kept so far, or its insert); the
        figure never drops below what was covered: those requests were sent."""
        with self._lock:
            self.finished = True
            r = self.record
            r.finished, r.status, r.summary = finished, status, summary
            r.transactions = max(r.transactions, transactions)
            return self._statement()

    def abandoned(self) -> Statement:
        """Earlier runs' rows still ``running`` marked :data:`KILLED`, finished when
        last seen: their process is gone. For a run holding the destination's lock (a
        Postgres schema's is the company's: its rows, and those of older versions that
        name none), before it writes its own row; rows of another run in this very
        process are left alone (it may be alive: the lock is the process's)."""
        r, m = self.record, self._mark
        sql = (
            f"UPDATE {self._table} SET status = {m}, finished = COALESCE(last_seen, started) "
            f"WHERE status = {m} AND NOT (COALESCE(host, '') = {m} AND COALESCE(pid, -1) = {m})"
        )
        params: list[Any] = [KILLED, "running", r.host, r.pid]
        if r.company is not None:
            sql += f" AND (company = {m} OR company IS NULL)"
            params.append(r.company)
        return sql, params

    def _statement(self) -> Statement:
        r, m = self.record, self._mark
        summary = None if r.summary is None else json.dumps(r.summary)
        seen = datetime.now(UTC).isoformat()
        if self._written:
            return (
                f"UPDATE {self._table} SET finished = {m}, status = {m}, summary = {m}, "
                f"transactions = {m}, last_seen = {m} WHERE run_id = {m}",
                [r.finished, r.status, summary, r.transactions, seen, r.run_id],
            )
        return (
            f"INSERT INTO {self._table} (started, finished, status, summary, run_id, company, "
            f"transactions, host, pid, last_seen) VALUES ({', '.join([m] * 10)})",
            [r.started, r.finished, r.status, summary, r.run_id, r.company, r.transactions,
             r.host, r.pid, seen],
        )  # fmt: skip


def billed_since(where: str | Path | Location, since: datetime) -> int:
    """API transactions billed by the runs recorded in ``where`` (a DuckDB file or a
    Postgres URL) that started at or after ``since`` (UTC, naive as the table keeps it);
    runs that failed, were interrupted or stopped by a budget count too."""
    location = Location.parse(where)
    if location.kind == DLT:
        raise DestinationError(
            "a monthly entitlement reads the runs this connector recorded, in a DuckDB file "
            "or a Postgres schema; a dlt destination keeps them in the warehouse, not here"
        )
    if location.kind == POSTGRES:
        rows = _postgres(location.where, since)
    else:
        rows = _duckdb(location.path, since)
    return sum(_transactions(row) for row in rows)


def _transactions(row: dict[str, Any]) -> int:
    """The row's figure; an older version's row has only its objects' sum."""
    if row.get("transactions") is not None:
        return int(row["transactions"])
    summary = row.get("summary")
    objects: Any = json.loads(summary) if summary else []
    return sum(int(o.get("transactions") or 0) for o in objects if isinstance(o, dict))


def _duckdb(path: Path, since: datetime) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    import duckdb

    from intacct.destinations.duckdb import connect

    try:
        with connect(path, read_only=True) as con:
            if not con.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_name = ?", [RUNS_TABLE]
            ).fetchall():
                return []
            cursor = con.execute(
                f"SELECT * FROM {RUNS_TABLE} WHERE started >= ?",
                [since],
            )
            return _as_dicts(cursor.description, cursor.fetchall())
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise DestinationError(f"cannot read the runs of {path}: {first}") from None


def _postgres(url: str, since: datetime) -> list[dict[str, Any]]:
    import psycopg

    from intacct.destinations.postgres import _connect, _first_line
    from intacct.destinations.sql import q

    table = f"{q(split_url(url)[1])}.{q(RUNS_TABLE)}"
    with _connect(url, read_only=True) as con:
        try:
            found = con.execute("SELECT to_regclass(%s)", [table]).fetchone()
            if not found or found[0] is None:
                return []
            cursor = con.execute(
                f"SELECT * FROM {table} WHERE started >= %s",
                [since],
            )
            return _as_dicts(cursor.description, cursor.fetchall())
        except psycopg.Error as exc:
            raise DestinationError(
                f"cannot read the runs of {display_url(url)}: {_first_line(exc, url)}"
            ) from None


def _as_dicts(
    description: Sequence[Any] | None, rows: Sequence[Sequence[Any]]
) -> list[dict[str, Any]]:
    names = [d[0] for d in description or ()]
    return [dict(zip(names, row, strict=True)) for row in rows]
