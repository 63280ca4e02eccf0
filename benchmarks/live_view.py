"""What the live view costs: ``intacct sync --objects all`` with its progress drawn as on
a terminal (``TTY_COMPATIBLE=1``, ``COLUMNS=80``, ``LINES=24``: rich draws the live region)
against the same run in a pipe (a line per page), side by side in each round, each a
fresh database against one emulator; the sync's own CPU (``wait4``) and wall time.

Usage: ``python benchmarks/live_view.py [--scale 2000] [--repeat 3] [--objects all]
[--oauth]`` (``--oauth``: with the demo OAuth app, so ``all`` adds the objects only REST
has);
prints a row a run, then the medians and the terminal/pipe ratio of each round.
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

TERMINAL = {"TTY_COMPATIBLE": "1", "COLUMNS": "80", "LINES": "24", "NO_COLOR": "1"}


def serve(scale: int) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "intacct.cli", "emulator", "serve", "--port", "0",
               "--scale", str(scale)]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().rsplit(" ", 1)[1].strip()


APP = {"INTACCT_CLIENT_ID": "demo_client_id", "INTACCT_CLIENT_SECRET": "demo-client-secret"}


def sync(url: str, objects: str, work: Path, terminal: bool, oauth: bool) -> dict[str, Any]:
    env = environment(url) | (TERMINAL if terminal else {}) | (APP if oauth else {})
    for stale in work.glob("live.duckdb*"):
        stale.unlink()
    command = [sys.executable, "-m", "intacct.cli", "sync", "--objects", objects,
               "--db", str(work / "live.duckdb")]  # fmt: skip
    with open(work / "err", "w") as err:
        began = time.perf_counter()
        proc = subprocess.Popen(command, env=env, cwd=work, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"intacct sync failed:\n{(work / 'err').read_text()[-3000:]}")
    return {"seconds": time.perf_counter() - began, "cpu": usage.ru_utime + usage.ru_stime,
            "lines": (work / "err").read_text().count("\n")}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--objects", default="all")
    parser.add_argument("--oauth", action="store_true")
    args = parser.parse_args()
    proc, url = serve(args.scale)
    runs: dict[str, list[dict[str, Any]]] = {"pipe": [], "terminal": []}
    try:
        with tempfile.TemporaryDirectory() as folder:
            for round_ in range(1, args.repeat + 1):
                for way in runs:
                    run = sync(url, args.objects, Path(folder), way == "terminal", args.oauth)
                    runs[way].append(run)
                    print(f"round {round_} {way}: {run['seconds']:.1f} s, CPU {run['cpu']:.2f} s, "
                          f"{run['lines']:,} lines on stderr", flush=True)  # fmt: skip
    finally:
        proc.terminate()
        proc.wait(30)
    ratios = [t["cpu"] / p["cpu"] for p, t in zip(runs["pipe"], runs["terminal"], strict=True)]
    for way, done in runs.items():
        cpu = statistics.median(r["cpu"] for r in done)
        wall = statistics.median(r["seconds"] for r in done)
        print(f"{way}: CPU {cpu:.2f} s, {wall:.1f} s (medians)")
    shown = ", ".join(f"{r:.3f}" for r in ratios)
    print(f"terminal / pipe CPU: {statistics.median(ratios):.3f} ({shown})")


if __name__ == "__main__":
    main()
