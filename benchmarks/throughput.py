"""Throughput of ``intacct sync`` with every field (issue 18): CPU per record against a
bare lxml parse, wall time against T* and the machine's floor, peak RSS by size.

Load: ``intacct sync`` of VENDOR, CUSTOMER, GLACCOUNT, APBILL, APBILLITEM, ARINVOICE,
ARINVOICEITEM, GLBATCH, GLENTRY, GLDETAIL, every queryable field, pages of 2,000, from
the demo company at ``--scale``; the latency model 300 ms + 0.5 ms per record.

1. Capture: one sync against the in-process emulator (no latency) records every request
   and answer (``_pages``), once per scale and concurrency (the planner's ranges depend
   on it) and version of the code, under ``--cache``.
2. CPU, in-process (``_cpu_steps``): the captured pages replayed step by step, from a
   bare ``lxml.etree.fromstring`` to the whole sync.
3. Wall time at C = 2 and 8: ``intacct sync`` (a subprocess, ``INTACCT_*`` settings)
   against a replay gateway (``replay_gateway``: the captured answers with the latency
   model and no emulator CPU) and against the emulator, with fylein's ``get_all`` on
   the same emulator beside it.
4. Peak RSS at C = 8 at two sizes (``--rss-scales``).

Usage: ``python benchmarks/throughput.py [--scale 500000] [--rss-scales 72000,720000]
[--repeat 3] [--cache DIR] [--recapture] [--quick] [--only rss|replay]`` (``--quick``:
scale 3,000, one repeat, small sizes, the section printed and BENCHMARKS.md left alone;
``--only``: step 4 alone, or step 3's C = 8 against the replay gateway alone, printed).
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
from _pages import Capture, RecordingTransport
from replication_extract import bound, cpu_seconds, run_one, start
from sync_duckdb import environment

from _report import write_section

NAMES = [
    "VENDOR", "CUSTOMER", "GLACCOUNT", "APBILL", "APBILLITEM", "ARINVOICE",
    "ARINVOICEITEM", "GLBATCH", "GLENTRY", "GLDETAIL",
]  # fmt: skip
GATEWAY = Path(__file__).with_name("replay_gateway.py")
CACHE = Path(__file__).resolve().parents[1] / ".cache" / "bench-pages"
CORES = os.cpu_count() or 1
Run = dict[str, Any]
Sized = tuple[int, Run]  # an emulator scale, the run at it


# -- 1. capture ---------------------------------------------------------------------------


def captured(cache: Path, scale: int, concurrency: int, again: bool) -> Path:
    """The capture's directory, made if missing, stale or ``again``."""
    where = cache / str(scale) / f"c{concurrency}"
    if again or not Capture.usable(where):
        print(f"capturing scale {scale} at C = {concurrency} into {where}", flush=True)
        command = [sys.executable, __file__, "--capture-to", str(where)]
        subprocess.run([*command, "--scale", str(scale), "--c", str(concurrency)], check=True)
    return where


def capture_main(where: Path, scale: int, concurrency: int) -> None:
    from intacct import IntacctClient
    from intacct.emulator.inprocess import InProcessEmulator
    from intacct.sync import SyncSettings
    from intacct.sync.display import QuietReporter
    from intacct.sync.job import run_sync

    with InProcessEmulator(scale=scale, max_concurrency=concurrency) as emulator:
        recorder = RecordingTransport(emulator.transport())
        config = emulator.config() | {"max_concurrency": concurrency, "timeout_s": 120}
        with (
            tempfile.TemporaryDirectory() as work,
            IntacctClient.from_mapping(config, http_transport=recorder) as client,
        ):
            report = run_sync(client, Path(work) / "c.duckdb", QuietReporter(io.StringIO()),
                              SyncSettings(tuple(NAMES)))  # fmt: skip
    if report.failed or recorder.refused:
        raise SystemExit(f"capture failed: {[o.error for o in report.failed]}, "
                         f"{recorder.refused} answers refused")  # fmt: skip
    Capture(recorder.pairs, {o.object: o.read for o in report.objects}).save(where)


# -- 3 and 4. wall time and memory of the command ----------------------------------------


def sync(url: str, concurrency: int) -> Run:
    """One ``intacct sync`` in a fresh database: wall seconds, its own CPU seconds and
    peak RSS (from ``wait4``: this child's alone), the rows it stored."""
    env = environment(url) | {"INTACCT_MAX_CONCURRENCY": str(concurrency)}
    command = [sys.executable, "-m", "intacct.cli", "sync", "--objects", ",".join(NAMES)]
    with tempfile.TemporaryDirectory() as work, open(Path(work) / "err", "w+") as err:
        db = Path(work) / "bench.duckdb"
        began = time.perf_counter()
        proc = subprocess.Popen([*command, "--db", str(db)], env=env,
                                stdout=subprocess.DEVNULL, stderr=err)  # fmt: skip
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            raise SystemExit(f"intacct sync failed:\n{err.read()[-3000:]}")
        rows = stored_rows(db)
    return {"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024, "rows": rows}  # fmt: skip


def stored_rows(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return sum(con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in NAMES)  # type: ignore[index]  # noqa: S608


def median(runs: list[Run]) -> Run:
    runs = sorted(runs, key=lambda r: r["seconds"])
    return runs[len(runs) // 2] | {"runs": [r["seconds"] for r in runs]}


def own_peak(run: Run) -> Run:
    """``run`` with its peak RSS as shown. Linux starts a child's high-water mark at its
    parent's (exec keeps the larger), so this process stays small (it never loads the
    pages nor the engine) and a child's peak not above its own is only "at most"."""
    ours = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    mine = run["peak_mb"] > ours
    return run | {"peak": f"{run['peak_mb']:.0f}" if mine else f"<= {ours:.0f}"}


def served(proc: subprocess.Popen[str], run: Callable[[], Run], repeat: int) -> Run:
    """``repeat`` runs against a server process, each with the server's CPU seconds."""
    results = []
    try:
        for _ in range(repeat):
            before = cpu_seconds(proc.pid)
            results.append(own_peak(run()) | {"server_cpu": cpu_seconds(proc.pid) - before})
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return median(results)


def on_replay(where: Path, concurrency: int, repeat: int) -> Run:
    """Against ``replay_gateway.py`` in its own process (not imported: see own_peak)."""
    command = [sys.executable, str(GATEWAY), str(where), "--max-concurrency", str(concurrency)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().rsplit(" ", 1)[1].strip()
    return served(proc, lambda: sync(url, concurrency), repeat)


def on_emulator(scale: int, concurrency: int, repeat: int) -> Run:
    proc, url = start(scale, concurrency)
    return served(proc, lambda: sync(url, concurrency), repeat)


def fylein(scale: int, concurrency: int, repeat: int) -> Run:
    """fylein's ``get_all`` (replication_extract's reader, its own field lists)."""
    result = own_peak(run_one("fylein", scale, concurrency, repeat))
    return result | {"server_cpu": result["emulator_cpu"], "rows": sum(result["counts"].values())}


# -- the report ---------------------------------------------------------------------------


def cpu_table(cpu: Run) -> list[str]:
    records, seconds, bare = cpu["records"], cpu["seconds"], cpu["bare"]
    lines = ["| step | CPU s | CPU s per 1,000 records | µs / record | x bare parse |",
             "| --- | ---: | ---: | ---: | ---: |"]  # fmt: skip
    for step, runs in seconds.items():
        mid = sorted(runs)[len(runs) // 2]
        lines.append(f"| {step} | {mid:.1f} | {mid / records * 1000:.3f} | "
                     f"{mid / records * 1e6:.0f} | {mid / bare:.1f} |")  # fmt: skip
    return lines


def wall_row(
    where: str, reader: str, c: int, r: Run, counts: dict[str, int], bare: float | None
) -> str:
    """``bare``: CPU seconds per record of the bare parse of these records (the CPU
    table's), None for a reader of other fields."""
    t_star = bound(counts, c)
    floor = max(t_star, (r["cpu"] + r["server_cpu"]) / CORES)
    spread = " to ".join(f"{t:.1f}" for t in (min(r["runs"]), max(r["runs"])))
    per_record = r["cpu"] / r["rows"]
    return (
        f"| {where} | {reader} | {c} | {r['rows']:,} | {r['seconds']:.1f} ({spread}) | "
        f"{t_star:.1f} | {r['seconds'] / t_star:.2f} | {r['cpu']:.1f} + {r['server_cpu']:.1f} | "
        f"{per_record * 1000:.3f} | {f'{per_record / bare:.1f}' if bare else ''} | {floor:.1f} | "
        f"{r['seconds'] / floor:.2f} | {'latency' if floor == t_star else 'CPU'} | "
        f"{r['peak']} |"
    )


WALL_HEAD = [
    "| against | reader | C | records | seconds (min to max) | T* s | time / T* | "
    "CPU s (reader + server) | reader CPU s per 1,000 records | x bare parse | floor s | "
    "time / floor | bound by | peak RSS MB |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- "
    "| ---: |",
]


def rss_table(sizes: list[Sized]) -> list[str]:
    lines = ["| --scale | records | seconds | peak RSS MB |", "| ---: | ---: | ---: | ---: |"]
    lines += [f"| {s:,} | {r['rows']:,} | {r['seconds']:.1f} | {r['peak']} "
              f"({', '.join(f'{p:.0f}' for p in r['peaks'])}) |" for s, r in sizes]  # fmt: skip
    if len(sizes) > 1:
        ratio = sizes[-1][1]["peak_mb"] / sizes[0][1]["peak_mb"]
        lines.append(f"\nLargest / smallest: {ratio:.2f}x.")
    return lines


CPU_TEXT = (
    "**CPU, in-process** (`benchmarks/_cpu_steps.py`): the pages captured once and replayed "
    "in one process, CPU seconds (`time.process_time()`, every thread), median of {repeat}. "
    "Each step does the one above it and its own work; the last rows are the whole run "
    "through a replay transport (login, lookups, planning included; no gzip, no network)."
)
WALL_TEXT = (
    "**Wall time**: `intacct sync --db NEW --objects ...` in its own process "
    "(`INTACCT_MAX_CONCURRENCY=C`; its CPU includes start-up: imports, login, lookups), "
    "median of {repeat}, against a replay gateway (`benchmarks/replay_gateway.py`: the "
    "captured answers, the latency model, the emulator's concurrency limit, next to no CPU) "
    "and against the emulator (`intacct emulator serve --latency-ms 300 --latency-per-row-us "
    "500 --max-concurrency C`). fylein's `get_all` reads 8 of the objects with its own field "
    "lists, one page at a time (its bound is T* at C = 1). T* = sum over the pages at 2,000 "
    "records of (300 ms + 0.5 ms x records) / C; floor = max(T*, (reader + server CPU) / "
    "{cores} cores): nothing finishes before it on this machine; bound by: which of the two "
    "it is. x bare parse: the reader's CPU per record over the bare parse's (CPU table; "
    "not for fylein, whose pages have fewer fields)."
)
RSS_TEXT = (
    "**Peak RSS** of `intacct sync` at C = 8 against the emulator (the same latency model), "
    "by the company's size, the median of the runs (each run's peak in brackets):"
)
AIMS = (
    "Aims (issue 18): sync CPU per record <= 3x the bare parse; C = 8 <= 1.15 x T* against "
    "the replay gateway and <= 1.3 x the floor against the emulator; C = 2 <= 1.1 x T*; peak "
    "RSS <= 250 MB, flat from 50k to 500k records."
)


def report(args: argparse.Namespace, cpu: Run, wall: list[str], sizes: list[Sized]) -> str:
    load = (
        f"Objects {', '.join(NAMES)}, every queryable field, pages of 2,000, the demo company "
        f"at `--scale {args.scale}`: {cpu['records']:,} records in {cpu['pages']} pages, "
        f"{cpu['megabytes']:,.0f} MB of XML. Latency model: 300 ms + 0.5 ms per record."
    )
    return "\n".join([
        load, "",
        CPU_TEXT.format(repeat=args.repeat), "", *cpu_table(cpu), "",
        WALL_TEXT.format(repeat=args.repeat, cores=CORES), "", *WALL_HEAD, *wall, "",
        RSS_TEXT, "", *rss_table(sizes), "",
        AIMS,
    ])  # fmt: skip


# -- the run ------------------------------------------------------------------------------


def cpu_main(where: Path, concurrency: int, repeat: int) -> None:
    from _cpu_steps import measure

    print(json.dumps(measure(where, NAMES, concurrency, repeat)))


def in_process(where: Path, concurrency: int, repeat: int) -> Run:
    command = [sys.executable, __file__, "--cpu-table", str(where), "--c", str(concurrency)]
    done = subprocess.run([*command, "--repeat", str(repeat)], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"the in-process replay failed:\n{done.stderr[-3000:]}")
    cpu: Run = json.loads(done.stdout.strip().splitlines()[-1])
    print("\n".join(cpu_table(cpu)), flush=True)
    return cpu


def wall_rows(args: argparse.Namespace, pages: dict[int, Path], bare: float) -> list[str]:
    rows = []
    for c in (2, 8):
        counts = Capture.counts_at(pages[c])
        ours = {
            "replay gateway": on_replay(pages[c], c, args.repeat),
            "emulator": on_emulator(args.scale, c, args.repeat),
        }
        for where, result in ours.items():
            if result["rows"] != sum(counts.values()):  # the replay answered as captured
                raise SystemExit(f"{where}: {result['rows']} rows, captured {counts}")
            rows.append(wall_row(where, "intacct sync", c, result, counts, bare))
            print(rows[-1], flush=True)
        theirs = fylein(args.scale, c, args.repeat)
        rows.append(wall_row("emulator", "fylein get_all", c, theirs, theirs["counts"], None))
        print(rows[-1], flush=True)
    return rows


def sizes(scales: list[int], repeat: int = 1) -> list[Sized]:
    """Peak RSS at C = 8 by scale: the median of ``repeat`` runs by peak."""
    out = []
    for scale in scales:
        proc, url = start(scale, 8)
        runs = [own_peak(run) for run in _each(proc, functools.partial(sync, url, 8), repeat)]
        runs.sort(key=lambda r: r["peak_mb"])
        out.append((scale, runs[len(runs) // 2] | {"peaks": [r["peak_mb"] for r in runs]}))
        peaks = ", ".join(f"{p:.0f}" for p in out[-1][1]["peaks"])
        print(f"scale {scale:,}: {out[-1][1]['rows']:,} rows, peak RSS MB {peaks}", flush=True)
    return out


def _each(proc: subprocess.Popen[str], run: Callable[[], Run], repeat: int) -> list[Run]:
    try:
        return [run() for _ in range(repeat)]
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    args = arguments()
    if args.capture_to:
        capture_main(Path(args.capture_to), args.scale, args.c)
        return
    if args.cpu_table:
        cpu_main(Path(args.cpu_table), args.c, args.repeat)
        return
    if args.only == "rss":
        print("\n".join(rss_table(sizes(args.rss_scales, args.repeat))))
        return
    if args.only == "replay":  # C = 8 against the replay gateway, the captured pages
        where = captured(args.cache, args.scale, 8, args.recapture)
        counts = Capture.counts_at(where)
        print("\n".join([*WALL_HEAD, wall_row("replay gateway", "intacct sync", 8,
                         on_replay(where, 8, args.repeat), counts, None)]))  # fmt: skip
        return
    began = time.monotonic()
    pages = {c: captured(args.cache, args.scale, c, args.recapture) for c in (2, 8)}
    cpu = in_process(pages[8], 8, args.repeat)
    wall = wall_rows(args, pages, cpu["bare"] / cpu["records"])
    body = report(args, cpu, wall, sizes(args.rss_scales, args.repeat))
    body += f"\n\nThe whole command took {(time.monotonic() - began) / 60:.1f} minutes."
    if not args.quick:
        command = (f"python benchmarks/throughput.py --scale {args.scale} --rss-scales "
                   f"{','.join(map(str, args.rss_scales))} --repeat {args.repeat}")  # fmt: skip
        write_section("Throughput: intacct sync with every field", command, body)
    print(body)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int)
    parser.add_argument("--rss-scales")
    parser.add_argument("--repeat", type=int)
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--recapture", action="store_true", help="capture again")
    parser.add_argument("--quick", action="store_true", help="small, once, not written")
    parser.add_argument("--only", choices=["rss", "replay"],
                        help="one step: peak RSS (--rss-scales) or C = 8 against the replay "
                             "gateway (--scale), median of --repeat")  # fmt: skip
    parser.add_argument("--capture-to", help=argparse.SUPPRESS)
    parser.add_argument("--cpu-table", help=argparse.SUPPRESS)
    parser.add_argument("--c", type=int, default=8, help=argparse.SUPPRESS)
    args = parser.parse_args()
    quick = args.quick
    args.scale = args.scale or (3_000 if quick else 500_000)
    args.repeat = args.repeat or (1 if quick else 3)
    scales = args.rss_scales or ("2000" if quick else "72000,720000")
    args.rss_scales = [int(s) for s in scales.split(",") if s]
    return args


if __name__ == "__main__":
    main()
