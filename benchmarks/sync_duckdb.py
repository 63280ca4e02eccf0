"""``intacct sync`` into DuckDB through the emulator with a real gateway's latency.

One emulator (``--latency-ms 300 --latency-per-row-us 500 --max-concurrency 2``) serves
three runs, each in a process of its own: the engine alone with a sink that stores
nothing (the extraction time), a first ``intacct sync`` of the same objects (every
queryable field), and a second one with nothing changed. Reported: wall time against

    T* = sum over the pages at 2,000 records of (300 ms + 0.5 ms x records) / 2,

rows/s into DuckDB, what loading adds to extraction, peak RSS, and the second run's
requests and seconds.

Usage: ``python benchmarks/sync_duckdb.py [--scale 500000] [--no-write]`` (``--no-write``:
print the section without writing BENCHMARKS.md, for the smoke test).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from replication_extract import OBJECTS, bound, start, stats

from _report import write_section

CONCURRENCY = 2
NAMES = list(OBJECTS.values())


def environment(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "INTACCT_API_URL": url,
        "INTACCT_SENDER_ID": "demo_sender",
        "INTACCT_SENDER_PASSWORD": "demo-sender-password",
        "INTACCT_COMPANY_ID": "DEMO",
        "INTACCT_USER_ID": "demo_user",
        "INTACCT_USER_PASSWORD": "demo-user-password",
        "INTACCT_MAX_CONCURRENCY": str(CONCURRENCY),
        "INTACCT_TIMEOUT_S": "120",
    }


def extract_only(columnar: bool = False) -> None:
    """The engine with a sink that counts and stores nothing (run in a subprocess);
    ``columnar``: pages typed as columns, as intacct sync reads them."""
    from intacct import IntacctClient
    from intacct.replication import Replicator, RunState, StreamPage, StreamSpec

    counts: dict[str, int] = {}

    class Count:
        def page(self, page: StreamPage) -> None:
            counts[page.stream] = counts.get(page.stream, 0) + len(page.records)

        def warning(self, stream: str, text: str) -> None:
            print(f"warning: {text}", file=sys.stderr)

    began = time.perf_counter()
    with IntacctClient.from_env() as client:
        engine = Replicator(client, columnar=columnar)
        engine.run([StreamSpec(n) for n in NAMES], RunState(), Count())
    print(json.dumps({"seconds": time.perf_counter() - began, "counts": counts}))


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, the child's peak RSS in MB, its standard output."""
    began = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, peak, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=500_000)
    parser.add_argument("--extract-only", action="store_true")
    parser.add_argument("--columnar", action="store_true", help="with --extract-only")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    if args.extract_only:
        extract_only(args.columnar)
        return
    proc, url = start(args.scale, CONCURRENCY)
    env = environment(url)
    sync = [sys.executable, "-m", "intacct.cli", "sync", "--objects", ",".join(NAMES)]
    try:
        with tempfile.TemporaryDirectory() as work:
            db = str(Path(work) / "bench.duckdb")
            first, peak, _ = timed([*sync, "--db", db], env)  # first: the peak is its own
            _, _, out = timed([sys.executable, __file__, "--extract-only"], env)
            extraction = json.loads(out.strip().splitlines()[-1])
            before = stats(url)
            second, _, _ = timed([*sync, "--db", db], env)
            again = stats(url)["requests"] - before["requests"]
            size_mb = Path(db).stat().st_size / 1e6
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    counts = extraction["counts"]
    rows = sum(counts.values())
    t_star = bound(counts, CONCURRENCY)
    added = (first - extraction["seconds"]) / extraction["seconds"]
    body = (
        f"Emulator `intacct emulator serve --scale {args.scale} --latency-ms 300 "
        f"--latency-per-row-us 500 --max-concurrency {CONCURRENCY}`; objects "
        f"{', '.join(NAMES)} with every queryable field; each run in its own process "
        "(the sync process includes its start-up: imports, login, lookups). T* = sum over "
        "the pages at 2,000 records of (300 ms + 0.5 ms x records) / 2.\n\n"
        "| run | rows | seconds | T* s | time / T* | rows/s | peak RSS MB |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        f"| engine alone, nothing stored | {rows:,} | {extraction['seconds']:.1f} | "
        f"{t_star:.1f} | {extraction['seconds'] / t_star:.2f} | "
        f"{rows / extraction['seconds']:,.0f} | |\n"
        f"| intacct sync, first run | {rows:,} | {first:.1f} | {t_star:.1f} | "
        f"{first / t_star:.2f} | {rows / first:,.0f} | {peak:.0f} |\n\n"
        f"Loading into DuckDB adds {added:+.1%} to the extraction (aim: under 10%); the "
        f"database is {size_mb:,.0f} MB. A second run with nothing changed: {again} "
        f"requests for {len(NAMES)} objects, {second:.1f} s (process start-up included).\n\n"
        "Aims (issue 9): <= 1.2 x T* at concurrency 2; loading under 10% of extraction."
    )
    if not args.no_write:
        command = f"python benchmarks/sync_duckdb.py --scale {args.scale}"
        write_section("intacct sync into DuckDB", command, body)
    print(body)


if __name__ == "__main__":
    main()
