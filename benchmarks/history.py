"""What keeping history costs a destination, per version, against plain upserts.

One wide object (60 columns: text, amounts, dates, numbers, as GL detail is) into a
DuckDB file, through the destination's public
``write_page``, as a run's pages go (each page its own transaction with the state):
a first read of ``--rows`` records in pages of 2,000, then ``--rounds`` rounds each
changing 2,000 of them (a new WHENMODIFIED and value: a new version each) and reading
one page again unchanged (the lookback: no new version). Side by side, alternating, in
one process: the same pages with history off and on. Reported: CPU seconds of the
process per 1,000 rows (first read) and per 1,000 changed rows (the rounds), medians of
``--repeat``; storage: the DuckDB file's size after the run, and bytes per version
kept. What bounds it: the history table is a second copy of every version, written in
the same transaction, and each page's versions are mended (a window over the records the
page touched).

Usage: ``python benchmarks/history.py [--rows 100000] [--rounds 10] [--repeat 3]
[--quick]`` (``--quick``: 20,000 rows, 3 rounds, one repeat, BENCHMARKS.md
left alone).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from intacct.destinations import open_destination
from intacct.destinations.base import KeepsHistory
from intacct.destinations.tables import Column, Table
from intacct.replication import DELETED_AT, ENTITY_ID, StreamPage

from _report import write_section

PAGE = 2000
START = datetime(2026, 1, 1, tzinfo=UTC)
KINDS = ["VARCHAR"] * 20 + ["DECIMAL(38,12)"] * 20 + ["DATE"] * 10 + ["BIGINT"] * 8


def table() -> Table:
    columns = [Column("RECORDNO", "BIGINT"), Column("WHENMODIFIED", "TIMESTAMP")]
    columns += [Column(f"F{n:02d}", kind) for n, kind in enumerate(KINDS)]
    columns += [Column(ENTITY_ID, "VARCHAR"), Column(DELETED_AT, "TIMESTAMP")]
    return Table("WIDE", tuple(columns), ("RECORDNO", ENTITY_ID))


def record(recordno: int, version: int) -> dict[str, Any]:
    row: dict[str, Any] = {"RECORDNO": recordno, ENTITY_ID: ""}
    row["WHENMODIFIED"] = START + timedelta(minutes=version, seconds=recordno % 60)
    for n, kind in enumerate(KINDS):
        name = f"F{n:02d}"
        if kind == "VARCHAR":
            row[name] = f"text {recordno} {n} v{version}" if n < 2 else f"value {n}"
        elif kind.startswith("DECIMAL"):
            row[name] = Decimal(recordno % 9973) / 100 + version
        elif kind == "DATE":
            row[name] = (START + timedelta(days=recordno % 365)).date()
        else:
            row[name] = recordno * n
    return row


def pages(rows: int, rounds: int) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """("first", page) for the first read, then ("round", page) for each round's changes
    and ("again", page) for its page read again unchanged."""
    for start in range(1, rows + 1, PAGE):
        yield "first", [record(n, 0) for n in range(start, min(start + PAGE, rows + 1))]
    for version in range(1, rounds + 1):
        first = 1 + (version * 7919 * PAGE) % max(1, rows - PAGE)
        yield "round", [record(n, version) for n in range(first, first + PAGE)]
        yield "again", [record(n, version) for n in range(first, first + PAGE)]


def run(where: str, history: bool, rows: int, rounds: int) -> dict[str, float]:
    """CPU seconds per phase writing the pages into ``where``."""
    db, wide = open_destination(where), table()
    db.prepare(wide)
    if history:
        assert isinstance(db, KeepsHistory) and db.keep_history(wide) is None
    spent = {"first": 0.0, "round": 0.0, "again": 0.0}
    for number, (phase, records) in enumerate(pages(rows, rounds)):
        # typed in bulk as the engine's pages are: Arrow, a first read's marked so
        arrow = pa.Table.from_pylist(records)
        page = StreamPage(
            "WIDE", "", records, [], {"page": number}, table=arrow, first_read=phase == "first"
        )
        began = time.process_time()
        db.write_page(page)
        spent[phase] += time.process_time() - began
    db.close()
    return spent


@contextmanager
def duckdb_file() -> Iterator[Callable[[], str]]:
    with tempfile.TemporaryDirectory() as folder:
        count = iter(range(1_000_000))
        yield lambda: str(Path(folder) / f"h{next(count)}.duckdb")


def size(path: str) -> int:
    import duckdb

    with duckdb.connect(path) as con:
        con.execute("CHECKPOINT")
    return Path(path).stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.rounds, args.repeat = 20_000, 3, 1
    times: dict[bool, list[dict[str, float]]] = {False: [], True: []}
    sizes: dict[bool, int] = {}
    with duckdb_file() as new:
        for _ in range(args.repeat):
            for history in (False, True):
                path = new()
                times[history].append(run(path, history, args.rows, args.rounds))
                sizes[history] = size(path)
    changed = args.rounds * PAGE
    versions = args.rows + changed

    def per_1k(history: bool, phase: str, count: int) -> float:
        return statistics.median(t[phase] for t in times[history]) / count * 1e6

    lines = [
        f"{args.rows:,} records of 60 columns, then {args.rounds} rounds of {PAGE:,} changed "
        f"(and each round's page read again unchanged); DuckDB; medians of {args.repeat}.",
        "",
        "| | plain upserts | with history | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, phase, count in (
        ("first read, CPU ms / 1,000 records", "first", args.rows),
        ("changes, CPU ms / 1,000 changed records", "round", changed),
        ("a page read again, CPU ms / 1,000 records", "again", changed),
    ):
        plain, kept = per_1k(False, phase, count), per_1k(True, phase, count)
        lines.append(f"| {label} | {plain:.1f} | {kept:.1f} | {kept / plain:.2f}x |")
    extra = sizes[True] - sizes[False]
    lines += [
        f"| file size, MB | {sizes[False] / 1e6:.1f} | {sizes[True] / 1e6:.1f} | "
        f"{sizes[True] / sizes[False]:.2f}x |",
        "",
        f"{versions:,} versions kept: {extra / versions:.0f} bytes a version beyond the "
        "current rows (DuckDB's compressed columns). What bounds it: every version is a "
        "second row written in the page's transaction, and each page's versions are mended "
        "(a window over the records it touched); a page read again costs a look-up of its "
        "versions and writes nothing.",
    ]
    body = "\n".join(lines)
    print(body)
    if not args.quick:
        command = "python benchmarks/history.py" + (
            f" --rows {args.rows} --rounds {args.rounds} --repeat {args.repeat}"
        )
        write_section("History: cost per version against plain upserts", command, body)


if __name__ == "__main__":
    main()
