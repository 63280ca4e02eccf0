"""The emulator's CPU answering a sync's query pages, in one process (issue 48, part 3).

``benchmarks/engine_apis.py`` sets the emulator's CPU beside the reader's, two processes
sharing two cores, and on a noisy machine its runs vary more than a change to the
emulator moves them. Here the emulator alone: one first run of the 14 default objects
REST holds (``engine_apis``'s ways ``xml``, ``xml-paired`` and ``rest``) reads from an
emulator in this process while its query requests are recorded at the handlers (the
gateway's ``_execute``, REST's ``run_query``); each way's requests are then answered
again ``--repeat`` times, nothing else running in the process, and the CPU of each
round is measured (``time.process_time``). What is left out: HTTP, gzip and the
latency model (the same for any handler), sessions and metadata (before the clock in
``engine_apis``). Reported: records, requests replayed, CPU ms per 1,000 records,
median and minimum of the rounds.

Usage: ``python benchmarks/emulator_pages.py [--scale 100000] [--repeat 9] [--no-write]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from engine_apis import one

from intacct.emulator import state
from intacct.emulator.rest import data_routes, query
from intacct.emulator.server import EmulatorServer

from _report import write_section

WAYS = ("xml", "xml-paired", "rest")
Replay = Callable[[], object]


class Recorder:
    """The query requests the emulator answers while it is on, as calls to replay."""

    def __init__(self) -> None:
        self.calls: list[Replay] = []
        self._execute, self._run_query = state.Emulator._execute, query.run_query

    def __enter__(self) -> Recorder:
        execute, run_query, calls = self._execute, self._run_query, self.calls

        def gateway(emulator: Any, request: Any, endpoint: str) -> Any:
            if any(fn.name == "query" for fn in request.functions):
                calls.append(lambda: execute(emulator, request, endpoint))
            return execute(emulator, request, endpoint)

        def rest(store: Any, caller: Any, body: Any) -> Any:
            calls.append(lambda: run_query(store, caller, body))
            return run_query(store, caller, body)

        state.Emulator._execute = gateway  # type: ignore[method-assign]
        data_routes.run_query = rest
        return self

    def __exit__(self, *_: object) -> None:
        state.Emulator._execute = self._execute  # type: ignore[method-assign]
        data_routes.run_query = self._run_query


def rounds(calls: list[Replay], repeat: int) -> list[float]:
    """CPU seconds of each round of every call."""
    found = []
    for _ in range(repeat):
        started = time.process_time()
        for call in calls:
            call()
        found.append(time.process_time() - started)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    lines = ["| way | records | requests | CPU ms / 1k records (median) | (minimum) |"]
    lines.append("|---|---:|---:|---:|---:|")
    with EmulatorServer(port=0, scale=args.scale, max_concurrency=2) as server:
        origin = server.url.split("/ia/")[0]
        for way in WAYS:
            with Recorder() as recorder:
                records = one(way, origin, 2)["records"]
            cpu = rounds(recorder.calls, args.repeat)
            per = [1000 * 1000 * c / records for c in cpu]
            lines.append(
                f"| {way} | {records:,} | {len(recorder.calls)} | "
                f"{statistics.median(per):.1f} | {min(per):.1f} |"
            )
            print(lines[-1], flush=True)
    body = (
        f"The demo company at scale {args.scale:,}; each way's query requests of one first "
        f"run (C = 2) answered again {args.repeat} times in this process.\n\n" + "\n".join(lines)
    )
    command = f"python benchmarks/emulator_pages.py --scale {args.scale} --repeat {args.repeat}"
    if args.no_write:
        print(body)
    else:
        write_section("The emulator's query pages, in one process", command, body)


if __name__ == "__main__":
    main()
