"""The engine's typed reads through each API (issue 36, part 5): ``replicate()`` with
``api`` xml and rest over the same objects, records and columns, as ``intacct sync``
reads them before a destination.

The emulator (``intacct emulator serve``, its own process) serves one company at
``--scale`` with the latency model (300 ms + 0.5 ms per record) and C requests in
flight. Every default object that REST holds is read on a first run, typed into the XML
columns (XML: columnar where the fast path can, as ``intacct sync``; REST: record by
record from JSON), three ways:

* ``xml``: every field, as ``--api xml`` (the reference: what a table holds);
* ``xml-paired``: only the fields REST has an equivalent of, through XML;
* ``rest``: the same fields through REST (``--api rest``).

``xml-paired`` and ``rest`` read the same records and columns, so they compare the APIs;
each run checks both made the same number of records. Reported per way and C: records,
requests, API transactions, wall time, CPU of the reading process and per 1,000
records, peak RSS (a fresh process per way). Medians of ``--repeat`` runs, the ways side
by side in each.

Usage: ``python benchmarks/engine_apis.py [--scale 100000] [--repeat 3] [--no-write]``
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from typing import Any

from _ways import measured, report_child, table
from rest_vs_xml import CONCURRENCY, LATENCY_MS, PER_ROW_US, serve

from intacct.client import IntacctClient
from intacct.client.registry import ObjectRegistry
from intacct.config import ClientConfig
from intacct.emulator.demo import app_config, client_config
from intacct.replication import ReplicationSettings, Replicator, RunState, StreamPage, StreamSpec
from intacct.replication.catalog import DEFAULT_OBJECTS
from intacct.replication.streams.rest import rest_fields, rest_object

from _report import write_section

WAYS = ("xml", "xml-paired", "rest")
GATEWAY = "/ia/xml/xmlgw.phtml"
OBJECTS = tuple(o for o in DEFAULT_OBJECTS if rest_object(o))


class Counting:
    """A sink that counts what it is handed (typing happened before: the engine's)."""

    def __init__(self) -> None:
        self.records = 0

    def page(self, page: StreamPage) -> None:
        self.records += len(page.records) if page.table is None else page.table.num_rows

    def warning(self, stream: str, text: str) -> None:
        """REST's missing fields are expected: ``xml-paired`` reads the same ones."""


def specs(client: IntacctClient, way: str) -> list[StreamSpec]:
    if way == "xml":
        return [StreamSpec(name) for name in OBJECTS]
    registry = ObjectRegistry(client)
    out = []
    for name in OBJECTS:
        info, target = registry.get(name), rest_object(name)
        assert target is not None
        paired = rest_fields(target, info)
        out.append(StreamSpec(name, fields=[f for f in info.queryable_fields if f in paired]))
    return out


def one(way: str, url: str, concurrency: int) -> dict[str, float]:
    config = {**client_config(url + GATEWAY), **app_config(), "max_concurrency": concurrency}
    with IntacctClient(ClientConfig.from_mapping(config)) as client:
        chosen = specs(client, way)
        ObjectRegistry(client)  # lookups above are outside the timing, as for every way
        settings = ReplicationSettings.from_mapping(
            {"api": "rest" if way == "rest" else "xml", "lookback_minutes": 0}
        ).with_overrides(max_concurrency=concurrency)
        sink = Counting()
        sent, billed = client.requests_sent, client.api_transactions
        started, cpu = time.monotonic(), time.process_time()
        report = Replicator(client, settings).run(chosen, RunState(), sink)
        if report.failed:
            raise SystemExit(f"{way}: {[str(r.error) for r in report.failed]}")
        return {
            "records": sink.records,
            "requests": client.requests_sent - sent,
            "transactions": client.api_transactions - billed,
            "seconds": time.monotonic() - started,
            "cpu": time.process_time() - cpu,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    results: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for concurrency in CONCURRENCY:
        server, url = serve(args.scale, concurrency)
        try:
            for _ in range(args.repeat):
                same: set[float] = set()
                for way in WAYS:  # side by side in each run
                    figures = measured(__file__, way, url, concurrency)
                    results.setdefault((way, concurrency), []).append(figures)
                    if way != "xml":
                        same.add(figures["records"])
                    print(way, concurrency, figures, flush=True)
                if len(same) != 1:
                    raise SystemExit(f"xml-paired and rest made different records: {same}")
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(60)
    body = (
        f"A first run of the {len(OBJECTS)} default objects REST holds, the demo company at "
        f"scale {args.scale:,}, the latency model {LATENCY_MS} ms + {PER_ROW_US / 1000:g} ms "
        f"per record, the emulator in its own process; medians of {args.repeat} runs, the "
        f"three ways side by side in each.\n\n{table(results, 'way', WAYS)}\n\n"
        "xml-paired and rest read the same records into the same columns (compared in every "
        "run). The plan, the batched questions and the lookups are XML's in every way. Bound: "
        "latency (a first run's ranges are read C at once) and, in the reading process, the "
        "CPU of decoding and typing each answer: XML's columnar fast path types a page's "
        "columns at once from the answer's bytes, REST's records are typed one by one from "
        "decoded JSON. So api auto (the default) reads through XML every object both APIs "
        "serve."
    )
    command = f"python benchmarks/engine_apis.py --scale {args.scale} --repeat {args.repeat}"
    if args.no_write:
        print(body)
    else:
        write_section("The engine's typed reads: REST vs XML", command, body)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        report_child(one(sys.argv[2], sys.argv[3], int(sys.argv[4])))
    else:
        main()
