"""Both cores: do the readers of a page run in parallel in threads?

``intacct sync`` reads pages on worker threads (the answers come back in parallel) and
stores them on one delivery thread. Pages of every field of GLDETAIL, GLENTRY and
APBILLITEM are taken from the in-process emulator once, then read on 1 and on 2 threads,
by the fast reader (``read_columns``: xml2arrow releases the GIL while it parses) and by
the hardened parser (``parse_response``: lxml parses with the GIL released, but the
records are Python objects built under it). Wall seconds and process CPU seconds,
medians of 5; speed-up = one thread's wall time / two threads'. A second process would
only pay off for a reader the GIL serialises.

    python benchmarks/parse_threads.py [--scale 60000] [--repeat 5] [--no-write]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from intacct import IntacctClient
from intacct.client.registry import ObjectRegistry
from intacct.emulator.inprocess import InProcessEmulator
from intacct.protocol import functions as fn
from intacct.protocol.columns import read_columns
from intacct.protocol.response import parse_response

from _report import write_section

OBJECTS = ("GLDETAIL", "GLENTRY", "APBILLITEM")
PAGE = 2000


class Recording(httpx.BaseTransport):
    """The emulator's transport, keeping the last answer's body as sent."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.last = inner, b""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self.last = response.read()
        return httpx.Response(response.status_code, headers=response.headers, content=self.last)


def pages(scale: int) -> list[tuple[bytes, list[str]]]:
    """Every page of every field of OBJECTS, as the gateway answered them."""
    out: list[tuple[bytes, list[str]]] = []
    with InProcessEmulator(scale=scale) as emulator:
        recording = Recording(emulator.transport())
        client = IntacctClient.from_mapping(emulator.config(), http_transport=recording)
        registry = ObjectRegistry(client)
        for name in OBJECTS:
            fields = list(registry.get(name).queryable_fields)
            for offset in range(0, 10**9, PAGE):
                records = client.call(fn.Query(name, fields, pagesize=PAGE, offset=offset))
                out.append((recording.last, fields))
                if len(records.records) < PAGE:
                    break
    return out


def columns(page: tuple[bytes, list[str]]) -> None:
    assert read_columns(page[0], page[1]) is not None


def records(page: tuple[bytes, list[str]]) -> None:
    assert parse_response(page[0]).results[0].records


Page = tuple[bytes, list[str]]


def run(read: Callable[[Page], None], work: list[Page], threads: int) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(read, work))
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=60000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    work = pages(args.scale)
    size = sum(len(body) for body, _ in work) / 1e6
    rows = []
    for name, read in (("fast reader (xml2arrow)", columns), ("hardened parser (lxml)", records)):
        times: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
        for _ in range(args.repeat):
            for threads in (1, 2):
                times[threads].append(run(read, work, threads))
        one = statistics.median(w for w, _ in times[1])
        two = statistics.median(w for w, _ in times[2])
        cpu = statistics.median(c for _, c in times[2])
        rows.append(f"| {name} | {one:.2f} | {two:.2f} | {cpu:.2f} | {one / two:.2f}x |")
    body = "\n".join(
        [
            f"{len(work)} pages of every field of {', '.join(OBJECTS)} (emulator at scale "
            f"{args.scale:,}, {size:.0f} MB of XML); medians of {args.repeat}.",
            "",
            "| reader | 1 thread wall s | 2 threads wall s | 2 threads CPU s | speed-up |",
            "| --- | ---: | ---: | ---: | ---: |",
            *rows,
            "",
            "The fast reader runs on both cores from threads (xml2arrow parses without the "
            "GIL), so `intacct sync` reads pages on its worker threads and no second process "
            "is used; the hardened parser gains nothing from a second thread (its records are "
            "Python objects, built under the GIL).",
        ]
    )
    print(body)
    if not args.no_write:
        command = "python benchmarks/parse_threads.py"
        write_section("Both cores: reading pages in threads", command, body)


if __name__ == "__main__":
    main()
