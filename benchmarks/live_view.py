"""What the live view costs: ``intacct sync --objects all`` with its progress drawn as on
a terminal (``TTY_COMPATIBLE=1``, ``COLUMNS=80``, ``LINES=24``: rich draws the live region)
against the same run in a pipe (a line per page), side by side in each round, each a
fresh database against one emulator; the sync's own CPU (``wait4``) and wall time.

Usage: ``python benchmarks/live_view.py [--scale 2000] [--repeat 3] [--objects all]
[--oauth] [--interrupt S]`` (``--oauth``: with the demo OAuth app, so ``all`` adds the
objects only REST has; ``--interrupt S``: each run is sent SIGINT, as Ctrl-C does, S
seconds in, and the row says how long it took to stop and how many lines it printed
after the signal);
prints a row a run, then the medians and the terminal/pipe ratio of each round.
"""

from __future__ import annotations

import argparse
import os
import signal
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


def sync(
    url: str, objects: str, work: Path, terminal: bool, oauth: bool, interrupt: float | None
) -> dict[str, Any]:
    env = environment(url) | (TERMINAL if terminal else {}) | (APP if oauth else {})
    for stale in work.glob("live.duckdb*"):
        stale.unlink()
    command = [sys.executable, "-m", "intacct.cli", "sync", "--objects", objects,
               "--db", str(work / "live.duckdb")]  # fmt: skip
    with open(work / "err", "w") as err:
        began = time.perf_counter()
        proc = subprocess.Popen(command, env=env, cwd=work, stdout=subprocess.DEVNULL, stderr=err)
        stop = _interrupt(proc, work / "err", interrupt) if interrupt else None
        _, status, usage = os.wait4(proc.pid, 0)
    ended = time.perf_counter()
    code = os.waitstatus_to_exitcode(status)
    if code and not (interrupt and code == 130):
        raise SystemExit(f"intacct sync failed ({code}):\n{(work / 'err').read_text()[-3000:]}")
    printed = (work / "err").read_text()
    run = {"seconds": ended - began, "cpu": usage.ru_utime + usage.ru_stime,
           "lines": printed.count("\n")}  # fmt: skip
    if stop is not None:
        sent, before = stop
        run |= {"stop_s": ended - sent, "after": printed.count("\n") - before, "code": code}
    return run


def _interrupt(proc: subprocess.Popen[bytes], err: Path, after: float) -> tuple[float, int]:
    """SIGINT ``after`` seconds in: when it was sent, and the lines printed by then."""
    time.sleep(after)
    before = err.read_text().count("\n")
    sent = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    return sent, before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--objects", default="all")
    parser.add_argument("--oauth", action="store_true")
    parser.add_argument("--interrupt", type=float, help="SIGINT this many seconds in")
    args = parser.parse_args()
    proc, url = serve(args.scale)
    runs: dict[str, list[dict[str, Any]]] = {"pipe": [], "terminal": []}
    try:
        with tempfile.TemporaryDirectory() as folder:
            for round_ in range(1, args.repeat + 1):
                for way in runs:
                    shown = way == "terminal", args.oauth, args.interrupt
                    run = sync(url, args.objects, Path(folder), *shown)
                    runs[way].append(run)
                    stopped = (
                        f", stopped {run['stop_s']:.2f} s after SIGINT (exit {run['code']}),"
                        f" {run['after']} lines after it"
                        if "stop_s" in run
                        else ""
                    )
                    print(f"round {round_} {way}: {run['seconds']:.1f} s, CPU {run['cpu']:.2f} s, "
                          f"{run['lines']:,} lines on stderr{stopped}", flush=True)  # fmt: skip
    finally:
        proc.terminate()
        proc.wait(30)
    ratios = [t["cpu"] / p["cpu"] for p, t in zip(runs["pipe"], runs["terminal"], strict=True)]
    for way, done in runs.items():
        cpu = statistics.median(r["cpu"] for r in done)
        wall = statistics.median(r["seconds"] for r in done)
        stop = [r["stop_s"] for r in done if "stop_s" in r]
        stopped = f", stopped in {statistics.median(stop):.2f} s (median)" if stop else ""
        print(f"{way}: CPU {cpu:.2f} s, {wall:.1f} s (medians){stopped}")
    shown = ", ".join(f"{r:.3f}" for r in ratios)
    print(f"terminal / pipe CPU: {statistics.median(ratios):.3f} ({shown})")


if __name__ == "__main__":
    main()
