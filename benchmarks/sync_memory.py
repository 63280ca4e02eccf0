"""Peak memory of ``intacct sync``, wide and deep side by side (issue 33).

Wide: every object of the company in one run (``--objects all``: 223 tables), then the
same again with ``--full-refresh`` (every page upserted into a table that holds it),
and DEMO-ME with ``--objects all --entities all --unified``. Deep: the ten objects of
``throughput.py`` (GLDETAIL, GLENTRY, the AP/AR documents and lines...) with every
field, first run and ``--full-refresh``. Each run is ``intacct sync`` in a process of its
own with default settings but ``INTACCT_MAX_CONCURRENCY`` (8, as ``throughput.py``'s
peak-RSS aim), into a new DuckDB file, against the emulator with the latency model
300 ms + 0.5 ms a record. Reported per run: records, seconds, peak RSS (``wait4``: that
process alone; median of ``--repeat``, each shown) and the DuckDB limit the run ended
with (``MEMORY_LIMIT`` for first reads, ``UPSERT_MEMORY_LIMIT`` once pages are upserted;
more if a page ran out and was stored with more room, which the run's warnings say).

With ``--history-and-rest`` it measures instead the same loads keeping every version
(``--history``: each page's versions written beside its rows, issue 49) and the deep
objects read through REST (``--api rest``: pages of 4,000 records, issue 48), into a
section of their own.

Usage: ``python benchmarks/sync_memory.py [--wide-scale 30000] [--deep-scale 72000]
[--repeat 3] [--history-and-rest] [--latency-ms 300] [--no-write]`` (``--no-write``: print
the section, leave BENCHMARKS.md; ``--latency-ms``: a request's wait, 0 for the tests).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
from replication_extract import start
from sync_duckdb import environment
from throughput import NAMES, own_peak

from intacct.destinations.duckdb import MEMORY_LIMIT, UPSERT_MEMORY_LIMIT
from intacct.emulator.demo import app_config

from _report import write_section

CONCURRENCY = 8
#: what the destination says when it gives DuckDB more room
RAISED = re.compile(r"trying again with (\d+) MB")
Run = dict[str, Any]


def sync(url: str, company: str, db: Path, args: list[str]) -> Run:
    """One ``intacct sync`` into ``db``: seconds, peak RSS, records read, the DuckDB
    limit it ended with."""
    env = environment(url) | {
        "INTACCT_COMPANY_ID": company,
        "INTACCT_MAX_CONCURRENCY": str(CONCURRENCY),
        "HOME": str(db.parent),
    }
    if "--api" in args:  # REST reads with the demo OAuth app (not otherwise: with it,
        # --objects all would add the REST-only objects)
        env |= {f"INTACCT_{key.upper()}": value for key, value in app_config().items()}
    command = [sys.executable, "-m", "intacct.cli", "sync", "--db", str(db), *args]
    with open(db.parent / "stderr", "w+") as err:  # a pipe would fill: a line a page
        began = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - began
        err.seek(0)
        text = err.read()
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"intacct sync {' '.join(args)} failed:\n{text[-3000:]}")
    raised = [int(m) for m in RAISED.findall(text)]
    first, upsert = (_mb(x) for x in (MEMORY_LIMIT, UPSERT_MEMORY_LIMIT))
    limit = max(raised) if raised else (upsert if "--full-refresh" in args else first)
    return {
        "seconds": seconds,
        "peak_mb": usage.ru_maxrss / 1024,
        "records": records(db),
        "limit": f"{limit}{' (raised)' if raised else ''}",
    }


def _mb(limit: str) -> int:
    """``"64MB"`` as 64."""
    return int(limit.removesuffix("MB"))


def records(db: Path) -> int:
    """Rows in the database's object tables (not its state)."""
    with duckdb.connect(str(db), read_only=True) as con:
        names = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_%' ESCAPE '\\'"
        ).fetchall()
        tables = {n for (n,) in names}
        return sum(
            con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]  # type: ignore[index]  # noqa: S608
            for n in tables
            if n.removesuffix("_history") not in tables - {n}  # a history's versions: not records
        )


#: (load, company, first run's arguments); each is followed by a --full-refresh run
LOADS = [
    ("wide", "DEMO", ["--objects", "all"]),
    ("wide", "DEMO-ME", ["--objects", "all", "--entities", "all", "--unified"]),
    ("deep", "DEMO", ["--objects", ",".join(NAMES)]),
]
#: ``--history-and-rest``: every version kept, and REST's pages of the deep objects
HISTORY_AND_REST = [
    ("wide", "DEMO", ["--objects", "all", "--history"]),
    ("deep", "DEMO", ["--objects", ",".join(NAMES), "--history"]),
    ("deep", "DEMO", ["--objects", ",".join(NAMES), "--api", "rest"]),
]
SECTIONS = {
    False: "Memory of intacct sync, wide and deep",
    True: "Memory of intacct sync, wide and deep: --history and --api rest",
}


def measure(
    scale: int, load: str, company: str, first: list[str], repeat: int, latency_ms: int
) -> list[Run]:
    """``repeat`` pairs of runs (first, then --full-refresh into the same file)."""
    proc, url = start(scale, CONCURRENCY, latency_ms)
    pairs: list[list[Run]] = []
    try:
        for _ in range(repeat):
            with tempfile.TemporaryDirectory() as work:
                db = Path(work) / "bench.duckdb"
                pairs.append(
                    [
                        own_peak(sync(url, company, db, a))
                        for a in (first, [*first, "--full-refresh"])
                    ]
                )
    finally:
        proc.terminate()
        proc.wait()
    rows = []
    for index, kind in enumerate(("first run", "--full-refresh")):
        runs = sorted((p[index] for p in pairs), key=lambda r: r["peak_mb"])
        middle = runs[len(runs) // 2]
        rows.append(
            middle
            | {
                "load": load,
                "scale": scale,
                "company": company,
                "form": f"{' '.join(first)} ({kind})",
                "peaks": [r["peak_mb"] for r in runs],
            }
        )
        print(row(rows[-1]), flush=True)
    return rows


def row(run: Run) -> str:
    peaks = ", ".join(f"{p:.0f}" for p in run["peaks"])
    return (
        f"| {run['load']} | {run['company']} | {run['scale']:,} | `{run['form']}` | "
        f"{run['records']:,} | {run['seconds']:.1f} | {run['peak']} ({peaks}) | {run['limit']} |"
    )


def report(runs: list[Run], latency_ms: int) -> str:
    head = [
        "| load | company | --scale | form | records | seconds | peak RSS MB (each run) "
        "| DuckDB limit MB |",
        "| --- | --- | ---: | --- | ---: | ---: | ---: | --- |",
    ]
    return "\n".join(
        [
            "Each row: the median run by peak RSS; the second of each pair re-reads every page "
            f"into the first's file. C = {CONCURRENCY}, latency model {latency_ms} ms + 0.5 ms a "
            "record.",
            "",
            *head,
            *map(row, runs),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wide-scale", type=int, default=30000)
    parser.add_argument("--deep-scale", type=int, default=72000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--history-and-rest", action="store_true")
    parser.add_argument("--latency-ms", type=int, default=300, help="a request's wait")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    runs: list[Run] = []
    for load, company, first in HISTORY_AND_REST if args.history_and_rest else LOADS:
        scale = args.wide_scale if load == "wide" else args.deep_scale
        runs += measure(scale, load, company, first, args.repeat, args.latency_ms)
    body = report(runs, args.latency_ms)
    print(body)
    if not args.no_write:
        command = (
            f"python benchmarks/sync_memory.py --wide-scale {args.wide_scale} "
            f"--deep-scale {args.deep_scale} --repeat {args.repeat}"
            + (" --history-and-rest" if args.history_and_rest else "")
        )
        write_section(SECTIONS[args.history_and_rest], command, body)


if __name__ == "__main__":
    main()
