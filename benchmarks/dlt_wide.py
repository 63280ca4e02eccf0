"""``intacct sync --objects all`` into DuckDB natively and through dlt (``dlt:duckdb``),
a first run and a second one, side by side: the wide load of hundreds of small tables,
where dlt's work is a table's and a load's, not a record's.

Each run is the README's command as a new user types it (no config: the embedded
emulator, DEMO), in a process of its own with a HOME and a working directory of its own:
``intacct sync --objects all [--db dlt:duckdb]``, then the same again (it reads what
changed and the lookback). Reported: median wall and CPU seconds (the process's user and
system time: the embedded emulator answering is in it, the same for both) of each.
``--src`` names source trees to run instead of the installed package, each measured in
turn within every round (an older checkout against this one).

``--destinations native`` measures the native DuckDB file alone (its own section).

Usage: ``python benchmarks/dlt_wide.py [--repeat 3] [--src OLD/src,NEW/src]
[--destinations native,dlt] [--no-write]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report import write_section

TITLE = "Destinations through dlt: --objects all, first and second run"
#: the section of a run measuring the native DuckDB file alone
NATIVE_TITLE = "DuckDB natively: --objects all, first and second run"
DESTINATIONS = {"native": (), "dlt": ("--db", "dlt:duckdb")}


def one(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one run, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def round_of(src: str, destination: str) -> dict[str, tuple[float, float]]:
    """A first and a second run into a new database, in a new HOME."""
    with tempfile.TemporaryDirectory() as work:
        home = Path(work) / "home"
        home.mkdir()
        env = {
            "HOME": str(home),
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "RUNTIME__DLTHUB_TELEMETRY": "false",
        }
        if src:
            env["PYTHONPATH"] = src
        command = [sys.executable, "-m", "intacct.cli", "sync", "--objects", "all"]
        command += DESTINATIONS[destination]
        first = one(command, env, Path(work))
        second = one(command, env, Path(work))
    return {"first": first, "second": second}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--src", default="", help="source trees, comma-separated")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--destinations", default="native,dlt", help="native, dlt or both")
    args = parser.parse_args()
    trees = args.src.split(",") if args.src else [""]
    chosen = args.destinations.split(",")
    unknown = sorted(set(chosen) - set(DESTINATIONS))
    if unknown:
        parser.error(f"--destinations: unknown {', '.join(unknown)} (native, dlt)")
    found: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
    for _ in range(args.repeat):
        for src in trees:
            for destination in chosen:
                for run, seconds in round_of(src, destination).items():
                    found.setdefault((src or "installed", destination, run), []).append(seconds)
                    print(src or "installed", destination, run, seconds, flush=True)
    lines = ["| source | destination | run | median wall s | median CPU s | runs (wall) |"]
    lines.append("|---|---|---|---:|---:|---|")
    for (src, destination, run), runs in found.items():
        walls = [w for w, _ in runs]
        cpus = [c for _, c in runs]
        lines.append(
            f"| {src} | {destination} | {run} | {statistics.median(walls):.1f} | "
            f"{statistics.median(cpus):.1f} | {', '.join(f'{w:.1f}' for w in walls)} |"
        )
    into = "natively" if chosen == ["native"] else "natively and through dlt:duckdb"
    body = (
        "`intacct sync --objects all` on DEMO (the embedded emulator, every object the "
        f"company has: 641 objects, about 15,000 records), into a new DuckDB file {into}, "
        "then again; each run a process of its own, the emulator's "
        f"CPU in it; medians of {args.repeat}, the sources in turn within each round.\n\n"
        + "\n".join(lines)
    )
    command = f"python benchmarks/dlt_wide.py --repeat {args.repeat}"
    if args.src:
        command += f" --src {args.src}"
    if chosen != list(DESTINATIONS):
        command += f" --destinations {args.destinations}"
    if args.no_write:
        print(body)
    else:
        write_section(NATIVE_TITLE if chosen == ["native"] else TITLE, command, body)


if __name__ == "__main__":
    main()
