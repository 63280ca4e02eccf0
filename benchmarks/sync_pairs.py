"""``intacct sync`` of the throughput load (benchmarks/throughput.py's ten objects, every
field) from source trees side by side: the sync's own CPU a record and peak RSS, each
tree in turn within every round, so a noisy machine moves both alike.

Each tree runs against an emulator of its own code (``intacct emulator serve --scale N
--latency-ms 300 --latency-per-row-us 500 --max-concurrency C``, started once and kept
for every round), or, with ``--emulator SRC``, all against one emulator of that tree.
The sync is a subprocess (``python -m intacct.cli sync``, ``INTACCT_MAX_CONCURRENCY=C``)
with the tree on ``PYTHONPATH``; its CPU and peak RSS come from ``wait4``: its own.

Usage: ``python benchmarks/sync_pairs.py --src OLD/src,NEW/src [--scale 300000]
[--repeat 3] [--concurrency 8] [--emulator SRC]``; prints a row a run and the medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sync_duckdb import environment
from throughput import NAMES, stored_rows


def serve(src: str, scale: int, concurrency: int) -> tuple[subprocess.Popen[str], str]:
    command = [
        sys.executable, "-m", "intacct.cli", "emulator", "serve", "--port", "0",
        "--scale", str(scale), "--latency-ms", "300", "--latency-per-row-us", "500",
        "--max-concurrency", str(concurrency),
    ]  # fmt: skip
    env = os.environ | {"PYTHONPATH": src}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().rsplit(" ", 1)[1].strip()


def sync(src: str, url: str, concurrency: int, work: Path) -> dict[str, Any]:
    env = environment(url) | {"INTACCT_MAX_CONCURRENCY": str(concurrency), "PYTHONPATH": src}
    db = work / "bench.duckdb"
    for stale in work.glob("bench.duckdb*"):
        stale.unlink()
    command = [sys.executable, "-m", "intacct.cli", "sync", "--objects", ",".join(NAMES)]
    with open(work / "err", "w+") as err:
        began = time.perf_counter()
        proc = subprocess.Popen([*command, "--db", str(db)], env=env, cwd=work,
                                stdout=subprocess.DEVNULL, stderr=err)  # fmt: skip
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - began
        if os.waitstatus_to_exitcode(status):
            err.seek(0)
            raise SystemExit(f"intacct sync ({src}) failed:\n{err.read()[-3000:]}")
    return {"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime,
            "user": usage.ru_utime, "sys": usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024, "rows": stored_rows(db)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--src", required=True, help="source trees, comma-separated")
    parser.add_argument("--scale", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--emulator", help="one emulator of this tree for every tree")
    args = parser.parse_args()
    trees = args.src.split(",")
    servers = {s: serve(s, args.scale, args.concurrency) for s in {args.emulator} - {None}}
    servers |= {s: serve(s, args.scale, args.concurrency) for s in trees if not args.emulator}
    runs: dict[str, list[dict[str, Any]]] = {src: [] for src in trees}
    try:
        with tempfile.TemporaryDirectory() as top:
            for n in range(args.repeat):
                for src in trees:
                    work = Path(top) / str(trees.index(src))
                    work.mkdir(exist_ok=True)
                    run = sync(src, servers[args.emulator or src][1], args.concurrency, work)
                    runs[src].append(run)
                    print(f"round {n + 1} {src}: {run['rows']:,} rows, {run['seconds']:.1f} s, "
                          f"CPU {run['cpu']:.2f} s (user {run['user']:.2f}, "
                          f"sys {run['sys']:.2f}), {run['cpu'] / run['rows'] * 1000:.4f} ms a "
                          f"record, peak {run['peak_mb']:.0f} MB", flush=True)  # fmt: skip
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(timeout=30)
    print("\n" + "\n".join(table(runs)))


def table(runs: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Medians of each tree's runs; the ratios are to the first tree's, of each round's
    pair first (the machine moves both of a pair alike), then their median."""
    lines = ["| tree | records | seconds | sync CPU s | ms a record | CPU / first "
             "(each round) | peak RSS MB (each run) |",
             "| --- | ---: | ---: | ---: | ---: | --- | --- |"]  # fmt: skip
    first = next(iter(runs.values()))
    for src, each in runs.items():
        cpu, rows = statistics.median(r["cpu"] for r in each), each[0]["rows"]
        ratios = [r["cpu"] / f["cpu"] for r, f in zip(each, first, strict=True)]
        peaks = [r["peak_mb"] for r in each]
        lines.append(
            f"| {src} | {rows:,} | {statistics.median(r['seconds'] for r in each):.1f} | "
            f"{cpu:.2f} | {cpu / rows * 1000:.4f} | {statistics.median(ratios):.3f} "
            f"({', '.join(f'{x:.3f}' for x in ratios)}) | {statistics.median(peaks):.0f} "
            f"({', '.join(f'{p:.0f}' for p in peaks)}) |"
        )
    return lines


if __name__ == "__main__":
    main()
