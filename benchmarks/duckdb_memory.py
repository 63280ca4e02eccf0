"""DuckDB's memory under ``intacct sync``'s load at a big company's size: millions of rows
of one object with every field go into :class:`DuckDBDestination` page by page (first
reads: one INSERT each), then pages are read again (upserts into the full table). It
shows that the destination's ``MEMORY_LIMIT`` holds at that size (no out-of-memory,
the PRIMARY KEY's index included) and what the process's resident memory does meanwhile.

The pages are a captured answer's (``throughput.py``'s capture, ``--capture``), typed
once on the columnar path; each copy gets keys of its own, so the table grows like a
company's. No network, no latency: this is the destination alone.

Usage: ``python benchmarks/duckdb_memory.py [--rows 5000000] [--object GLDETAIL]
[--rereads 3] [--reread-rows 2000] [--capture DIR]``; prints one line per million rows
and a summary; exits non-zero if a write fails or a count is wrong.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
from _cpu_steps import Pipeline
from _pages import Capture
from throughput import NAMES

from intacct.destinations.duckdb import MEMORY_LIMIT, DuckDBDestination
from intacct.destinations.tables import Table, table_for
from intacct.replication import ENTITY_ID, StreamPage
from intacct.replication.records.columnar import Records
from intacct.replication.run.memory import tune_allocator

CAPTURE = Path(__file__).resolve().parents[1] / ".cache" / "bench-pages" / "500000" / "c8"


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


class Peak:
    """The process's resident memory, sampled after every page (the high-water mark of
    ``ru_maxrss`` would include the capture's loading)."""

    def __init__(self) -> None:
        self.mb = 0.0

    def sample(self) -> float:
        now = rss_mb()
        self.mb = max(self.mb, now)
        return now


def held(db: DuckDBDestination) -> str:
    """What DuckDB's buffer manager holds, MB by kind (its largest kinds)."""
    rows = db.con.execute(
        "SELECT tag, memory_usage_bytes / 1048576 FROM duckdb_memory() "
        "WHERE memory_usage_bytes > 1048576 ORDER BY 2 DESC"
    ).fetchall()
    return ", ".join(f"{tag.lower()} {mb:.0f}" for tag, mb in rows) or "-"


def keyed(page: pa.Table, table: Table, start: int) -> pa.Table:
    """``page`` with keys ``start``, ``start + 1``, ... in its own key columns."""
    for name in table.key:
        if name == ENTITY_ID:
            continue
        index = page.column_names.index(name)
        numbers = pa.array(range(start, start + page.num_rows), pa.int64())
        kind = page.schema.field(index).type
        column = numbers.cast(kind) if not pa.types.is_string(kind) else numbers.cast(pa.string())
        page = page.set_column(index, name, column)
    return page


def typed_page(capture: Path, name: str) -> tuple[pa.Table, Table]:
    loaded = Capture.load(capture)
    line = Pipeline(loaded, NAMES, 8)  # the captured run's lookup asked for all
    page = next(p for p in loaded.pages() if p.object == name)
    return line.typed_columns(page), table_for(line.infos[name])


def run(args: argparse.Namespace) -> dict[str, Any]:
    tune_allocator()  # as a run does
    page, table = typed_page(args.capture, args.object)
    size = page.num_rows
    peak = Peak()
    base = peak.sample()
    with tempfile.TemporaryDirectory() as work:
        db = DuckDBDestination(Path(work) / "memory.duckdb")
        for setting in args.set:  # an experiment's DuckDB setting, NAME=VALUE
            db.con.execute(f"SET {setting}")
        db.prepare(table)
        began, stored = time.perf_counter(), 0
        while stored < args.rows:
            state = {"streams": {args.object: {"token": stored}}}
            typed = keyed(page, table, stored)
            counts = db.write_page(StreamPage(
                args.object, "", Records(typed, list), [], state, table=typed, first_read=True
            ))  # fmt: skip
            if counts.inserted != size:
                raise SystemExit(f"page at {stored}: {counts}")
            stored += size
            now = peak.sample()
            if stored % args.every < size:
                print(f"{stored:>10,} rows  {time.perf_counter() - began:6.1f} s  "
                      f"RSS {now:5.0f} MB  peak {peak.mb:5.0f} MB  DuckDB {held(db)}",
                      flush=True)  # fmt: skip
        write_s = time.perf_counter() - began
        rereads = reread(db, args, page, table, stored, peak)
        rows = db.con.execute(f'SELECT count(*) FROM "{args.object}"').fetchone()  # noqa: S608
        db.close()
        file_mb = (Path(work) / "memory.duckdb").stat().st_size / 2**20
    if not rows or rows[0] != stored + rereads["new"]:
        raise SystemExit(f"{rows} rows stored, {stored + rereads['new']} written")
    return {"rows": stored, "write_s": write_s, "base_mb": base, "peak_mb": peak.mb,
            "file_mb": file_mb, **rereads}  # fmt: skip


def reread(
    db: DuckDBDestination, args: argparse.Namespace, page: pa.Table, table: Table,
    stored: int, peak: Peak,
) -> dict[str, Any]:  # fmt: skip
    """Pages read again (not first reads: staged and upserted): ``--reread-rows`` rows
    each, keys spread over the whole table and a tenth of them new."""
    seconds, new = [], 0
    pages = pa.concat_tables([page] * -(-args.reread_rows // page.num_rows))
    pages = pages.slice(0, args.reread_rows)
    for n in range(args.rereads):
        fresh = args.reread_rows // 10
        start = stored - (args.reread_rows - fresh) + n * 7  # shifted: some rows differ
        typed = keyed(pages, table, start)
        began = time.perf_counter()
        counts = db.write_page(
            StreamPage(args.object, "", Records(typed, list), [], {"reread": n}, table=typed)
        )
        seconds.append(time.perf_counter() - began)
        peak.sample()
        added = stored + new
        expected_new = max(0, start + args.reread_rows - added)
        if counts.inserted != expected_new:
            raise SystemExit(f"re-read {n}: {counts}, expected {expected_new} inserted")
        new += counts.inserted
    return {"reread_s": sorted(seconds)[len(seconds) // 2] if seconds else 0.0, "new": new}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--object", default="GLDETAIL")
    parser.add_argument("--every", type=int, default=1_000_000, help="rows between lines")
    parser.add_argument("--rereads", type=int, default=3)
    parser.add_argument("--reread-rows", type=int, default=2000)
    parser.add_argument("--capture", type=Path, default=CAPTURE)
    parser.add_argument("--set", action="append", default=[], help="a DuckDB SET, NAME=VALUE")
    args = parser.parse_args()
    result = run(args)
    print(
        f"{result['rows']:,} rows of {args.object} (every field) under memory_limit "
        f"{MEMORY_LIMIT}: written in {result['write_s']:.0f} s, file {result['file_mb']:.0f} MB; "
        f"RSS {result['base_mb']:.0f} MB before, peak {result['peak_mb']:.0f} MB; "
        f"re-read of {args.reread_rows:,} rows: {result['reread_s']:.2f} s (median of "
        f"{args.rereads}), {result['new']:,} new rows"
    )


if __name__ == "__main__":
    main()
