"""The books as they stood at a moment: the trial balance from GLDETAIL's history.

``intacct query TRIALBALANCE --db … --as-of TIME`` answers what ``get_trialbalance``
answered at that moment, month by month: the GL lines valid then (the versions of
``GLDETAIL_history`` whose span holds the moment: posted lines, as the GL detail view
holds only those) summed the way Intacct's report sums them (the emulator's
``reports.py``, from the same posted lines): per account and month, STARTBALANCE the
lines dated before the month, DEBITS and CREDITS those within it, ENDBALANCE = STARTBALANCE
+ DEBITS - CREDITS; amounts signed, debits positive. An account shows from the first
month it has a line; the months run from the earliest line's to the latest's, or to
the moment's month if later. One SQL statement in either store, so ``--where`` and
``--fields`` work on its rows as on a table's.
"""

# ruff: noqa: S608 - SQL here names tables and columns, quoted by q(); the moment is
# written out from a parsed datetime; the condition is the user's own, run read-only

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from intacct.config.keys import DEFAULT_LOCK_WAIT_S
from intacct.destinations.base import DestinationError
from intacct.destinations.reading import AsOf, StoredDb, StoredRows, read_stored
from intacct.destinations.sql import q, quoted
from intacct.replication import ENTITY_ID

__all__ = ["COLUMNS", "LEDGER", "trial_balance_as_of"]

#: the object whose history the books are read from
LEDGER = "GLDETAIL"
#: the rows' columns: the trial balance's (intacct sync's TRIALBALANCE table), entity last
COLUMNS = (
    "PERIODSTART", "PERIODEND", "GLACCOUNTNO", "STARTBALANCE", "DEBITS", "CREDITS",
    "ENDBALANCE", ENTITY_ID,
)  # fmt: skip


def trial_balance_as_of(
    where: str,
    moment: datetime,
    *,
    fields: Sequence[str] = (),
    condition: str = "",
    limit: int = 0,
    lock_wait_s: float = DEFAULT_LOCK_WAIT_S,
) -> StoredRows:
    """The trial balance of every month as the books stood at ``moment`` (naive: UTC),
    from the GLDETAIL history at ``where``; only ``fields`` (all: empty), the rows
    ``condition`` (SQL of that database) holds for, at most ``limit`` (0: all)."""
    at = AsOf(moment)
    columns = _chosen(fields)

    def read(db: StoredDb) -> StoredRows:
        table = db.name(at.table(db.shown, LEDGER, db.tables))
        lines = _lines(table, at)
        span = db.select(f"SELECT min(m), max(m) FROM ({lines}) l", LEDGER, ("lo", "hi"))
        lo, hi = (span.arrow.column(n)[0].as_py() for n in (0, 1))
        sql = f"SELECT {quoted(columns)} FROM ({_statement(lines, lo, hi, moment)}) tb"
        if condition.strip():
            sql += f" WHERE {condition}"
        sql += f" ORDER BY {q('PERIODSTART')}, {q(ENTITY_ID)}, {q('GLACCOUNTNO')}"
        try:
            return db.select(sql + (f" LIMIT {int(limit)}" if limit else ""), "TRIALBALANCE",
                             columns)  # fmt: skip
        except DestinationError as exc:
            said = f"the database refused --where {condition!r}: {exc}" if condition else str(exc)
            raise DestinationError(said) from None

    return read_stored(where, read, lock_wait_s=lock_wait_s)


def _chosen(fields: Sequence[str]) -> tuple[str, ...]:
    by_case = {c.upper(): c for c in COLUMNS}
    missing = [f for f in fields if f.upper() not in by_case]
    if missing:
        raise DestinationError(
            f"the trial balance has no column {', '.join(missing)} (it has {', '.join(COLUMNS)})"
        )
    return tuple(by_case[f.upper()] for f in fields) or COLUMNS


def _month(column: str) -> str:
    """SQL: a date's month as a whole number (year * 12 + month - 1), in either store."""
    year, month = (f"CAST(EXTRACT({p} FROM {column}) AS INTEGER)" for p in ("YEAR", "MONTH"))
    return f"({year} * 12 + {month} - 1)"


def _lines(table: str, at: AsOf) -> str:
    """SQL: the GL lines valid ``at``: entity, account, month, signed amount, debit (1)
    or credit (-1)."""
    return (
        f"SELECT {q(ENTITY_ID)} AS e, {q('ACCOUNTNO')} AS a, {_month(q('ENTRY_DATE'))} AS m, "
        f"{q('AMOUNT')} AS amount, {q('TR_TYPE')} AS t FROM {table} "
        f"WHERE {at.condition()} AND {q('ENTRY_DATE')} IS NOT NULL"
    )


def _statement(lines: str, lo: int | None, hi: int | None, moment: datetime) -> str:
    """The trial balance of every month from ``lo`` (the earliest line's; None: no
    line) to ``hi`` (the latest line's) or the moment's, whichever is later."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    now = aware.astimezone(UTC)
    last = now.year * 12 + now.month - 1
    first = int(lo) if lo is not None else last
    last = max(last, int(hi) if hi is not None else last)
    per = (
        "SELECT e, a, m, sum(CASE WHEN t = 1 THEN amount ELSE 0 END) AS debits, "
        "sum(CASE WHEN t = -1 THEN -amount ELSE 0 END) AS credits, sum(amount) AS net "
        "FROM lines GROUP BY e, a, m"
    )
    months = f"SELECT generate_series AS m FROM generate_series({first}, {last})"
    grid = (
        "SELECT f.e, f.a, g.m FROM (SELECT e, a, min(m) AS first FROM lines GROUP BY e, a) f "
        f"JOIN ({months}) g ON g.m >= f.first"
    )
    year = "CAST((grid.m - grid.m % 12) / 12 AS INTEGER)"  # exact: DuckDB's / is a float's
    start = f"make_date({year}, CAST(grid.m % 12 + 1 AS INTEGER), 1)"
    running = "sum(coalesce(per.net, 0)) OVER (PARTITION BY grid.e, grid.a ORDER BY grid.m)"
    return (
        f"WITH lines AS ({lines}), per AS ({per}), grid AS ({grid}) "
        f"SELECT {start} AS {q('PERIODSTART')}, "
        f"CAST({start} + INTERVAL '1 month' - INTERVAL '1 day' AS DATE) AS {q('PERIODEND')}, "
        f"grid.a AS {q('GLACCOUNTNO')}, "
        f"{running} - coalesce(per.net, 0) AS {q('STARTBALANCE')}, "
        f"coalesce(per.debits, 0) AS {q('DEBITS')}, coalesce(per.credits, 0) AS {q('CREDITS')}, "
        f"{running} AS {q('ENDBALANCE')}, grid.e AS {q(ENTITY_ID)} "
        "FROM grid LEFT JOIN per ON per.e = grid.e AND per.a = grid.a AND per.m = grid.m"
    )
