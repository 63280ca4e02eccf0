"""``intacct sync`` into DuckDB natively and through dlt (its duckdb destination), side by
side, against the emulator with a real gateway's latency.

One emulator (``--latency-ms 300 --latency-per-row-us 500 --max-concurrency 2``, the
setting of ``sync_duckdb.py``) serves, ``--repeat`` times each and in processes of their
own: the engine alone with a sink that stores nothing (the extraction time), a first
``intacct sync --db FILE`` and a first ``intacct sync --db dlt:duckdb`` (every queryable
field of the default benchmark objects, each into a new database). Reported: the median
of each, and what loading adds to the extraction.

Usage: ``python benchmarks/dlt_load.py [--scale 500000] [--repeat 3] [--no-write]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from sync_duckdb import CONCURRENCY, NAMES, environment, start, timed

from _report import write_section

#: the engine alone (``--columnar``: typing pages as intacct sync does)
EXTRACT = Path(__file__).with_name("sync_duckdb.py")
#: a section of its own next to "Destinations" (Postgres), which its command rewrites whole
TITLE = "Destinations through dlt (duckdb destination)"


def runs(args: argparse.Namespace) -> dict[str, list[float]]:
    """Seconds of every run, by kind; and the rows read."""
    proc, url = start(args.scale, CONCURRENCY)
    env = environment(url)
    sync = [sys.executable, "-m", "intacct.cli", "sync", "--objects", ",".join(NAMES)]
    seconds: dict[str, list[float]] = {"extract": [], "native": [], "dlt": []}
    rows = 0
    try:
        for _ in range(args.repeat):
            extract = [sys.executable, str(EXTRACT), "--extract-only", "--columnar"]
            _, _, out = timed(extract, env)
            extraction = json.loads(out.strip().splitlines()[-1])
            seconds["extract"].append(extraction["seconds"])
            rows = sum(extraction["counts"].values())
            with tempfile.TemporaryDirectory() as work:
                native, _, _ = timed([*sync, "--db", str(Path(work) / "native.duckdb")], env)
                dlt_env = {
                    **env,
                    "XDG_CACHE_HOME": str(Path(work) / "cache"),
                    "DESTINATION__DUCKDB__CREDENTIALS": str(Path(work) / "dlt.duckdb"),
                    "RUNTIME__DLTHUB_TELEMETRY": "false",
                }
                through, _, _ = timed([*sync, "--db", "dlt:duckdb"], dlt_env)
            seconds["native"].append(native)
            seconds["dlt"].append(through)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    seconds["rows"] = [float(rows)]
    return seconds


def body(args: argparse.Namespace, seconds: dict[str, list[float]]) -> str:
    rows = int(seconds["rows"][0])
    extract = statistics.median(seconds["extract"])
    native, dlt = (statistics.median(seconds[k]) for k in ("native", "dlt"))

    def line(name: str, kind: str) -> str:
        median = statistics.median(seconds[kind])
        every = ", ".join(f"{s:.1f}" for s in seconds[kind])
        added = f"{(median - extract) / extract:+.1%}" if kind != "extract" else ""
        return f"| {name} | {rows:,} | {median:.1f} | {every} | {rows / median:,.0f} | {added} |"

    return "\n".join([
        f"Emulator `intacct emulator serve --scale {args.scale} --latency-ms 300 "
        f"--latency-per-row-us 500 --max-concurrency {CONCURRENCY}`; objects "
        f"{', '.join(NAMES)} with every queryable field, pages typed as columns (the engine "
        f"alone too); medians of {args.repeat} runs, each "
        "in its own process (start-up included) into a new database. dlt 1.31, parquet "
        "load files, merge on the primary key, a load every 20 pages (`pages_per_load`).",
        "",
        "| run | rows | median s | runs s | rows/s | added to extraction |",
        "| --- | ---: | ---: | --- | ---: | ---: |",
        line("engine alone, nothing stored", "extract"),
        line("intacct sync --db FILE (DuckDB, native)", "native"),
        line("intacct sync --db dlt:duckdb", "dlt"),
        "",
        f"Through dlt against native: {dlt / native - 1:+.1%} wall time. The pages go on "
        "being read while a load runs only as far as the engine's queue lets them: a load "
        "that takes longer than its pages' reading stalls the reading.",
    ])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    text = body(args, runs(args))
    if not args.no_write:
        command = f"python benchmarks/dlt_load.py --scale {args.scale} --repeat {args.repeat}"
        write_section(TITLE, command, text)
    print(text)


if __name__ == "__main__":
    main()
