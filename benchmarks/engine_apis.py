"""The engine's typed reads through each API (issue 36, part 5; issue 48, part 1):
``replicate()`` with ``api`` xml and rest over the same objects, records and columns,
as ``intacct sync`` reads them before a destination.

The emulator (``intacct emulator serve``, its own process) serves one company at
``--scale`` with the latency model (300 ms + 0.5 ms per record) and C requests in
flight. Every default object that REST holds is read on a first run, typed into the XML
columns, four ways:

* ``xml``: every field, as ``--api xml`` (the reference: what a table holds);
* ``xml-paired``: only the fields REST has an equivalent of, through XML (columnar);
* ``rest``: the same fields through REST (``--api rest``): pages decoded into columns
  and typed in bulk, as ``intacct sync`` reads them;
* ``rest-records``: the same, typed record by record from decoded JSON (``columnar:
  false``; what every REST read did before issue 48);
* ``auto`` and ``auto-paired`` (with ``--ways``): every field, or only the paired ones,
  as ``--api auto`` reads them (each object through the API its route chooses:
  ``intacct.replication.streams.route``), to set beside ``xml`` and ``xml-paired``.

``xml-paired`` and both REST ways read the same records and columns, so they compare
the APIs; each run checks they made the same number of records. The emulator's own CPU
for each way (``/proc`` of its process) is set beside the reader's, both over the same
window, the reader's clock, so over the same requests: the server a sync talks to should
not cost more than the sync (issue 48, part 3). Also shown: the emulator's CPU over the
reader's whole process, its login and the objects' metadata included. The
objects' metadata (XML's lookups, REST's models, kept in a cache folder as ``intacct
sync`` keeps them) is read before the clock starts in every way: a run's discovery is
measured by ``benchmarks/rest_discovery.py``. Reported per way and C: records, requests, API
transactions, wall time, CPU of the reading process and per 1,000 records, peak RSS (a
fresh process per way). Medians of ``--repeat`` runs, the ways side by side in each.

Usage: ``python benchmarks/engine_apis.py [--scale 100000] [--repeat 3] [--no-write]
[--ways xml,auto,xml-paired,auto-paired --concurrency 2]``
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory
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

WAYS = ("xml", "xml-paired", "rest", "rest-records")
#: ``--api auto`` beside ``--api xml``: the same fields, each object routed by its cost
AUTO_WAYS = ("xml", "auto", "xml-paired", "auto-paired")
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


def specs(registry: ObjectRegistry, way: str) -> list[StreamSpec]:
    if way in ("xml", "auto"):
        return [StreamSpec(name) for name in OBJECTS]
    out = []
    for name in OBJECTS:
        info, target = registry.get(name), rest_object(name)
        assert target is not None
        paired = rest_fields(target, info)
        out.append(StreamSpec(name, fields=[f for f in info.queryable_fields if f in paired]))
    return out


def one(way: str, url: str, concurrency: int, server: int | None = None) -> dict[str, float]:
    """One first run of ``way``; with ``server`` (the emulator's pid) also the emulator's
    CPU over the very window the reader's own is measured in."""
    config = {**client_config(url + GATEWAY), **app_config(), "max_concurrency": concurrency}
    api = way.split("-")[0] if way.startswith(("rest", "auto")) else "xml"
    with IntacctClient(ClientConfig.from_mapping(config)) as client, TemporaryDirectory() as kept:
        registry = ObjectRegistry(client, rest_cache=Path(kept))
        chosen = specs(registry, way)  # XML's lookups, before the clock
        if api != "xml":  # REST's models, before the clock
            paths = [target.path for name in OBJECTS if (target := rest_object(name))]
            registry.rest.catalog(paths)
        settings = ReplicationSettings.from_mapping(
            {"api": api, "lookback_minutes": 0}
        ).with_overrides(max_concurrency=concurrency, columnar=way != "rest-records")
        sink = Counting()
        sent, billed = client.requests_sent, client.api_transactions
        served = _server_cpu(server) if server else 0.0
        started, cpu = time.monotonic(), time.process_time()
        report = Replicator(client, settings, registry=registry).run(chosen, RunState(), sink)
        cpu, seconds = time.process_time() - cpu, time.monotonic() - started
        served = _server_cpu(server) - served if server else 0.0
        if report.failed:
            raise SystemExit(f"{way}: {[str(r.error) for r in report.failed]}")
        return {
            "records": sink.records,
            "requests": client.requests_sent - sent,
            "transactions": client.api_transactions - billed,
            "seconds": seconds,
            "cpu": cpu,
            "server_window_cpu": served,
            "through_rest": sum(r.route.startswith("rest") for r in report.streams),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--ways", default=",".join(WAYS), help="or: " + ",".join(AUTO_WAYS))
    parser.add_argument("--concurrency", default=",".join(map(str, CONCURRENCY)))
    parser.add_argument("--latency-ms", type=int, default=LATENCY_MS, help="a request's wait")
    args = parser.parse_args()
    ways = tuple(args.ways.split(","))
    levels = tuple(int(c) for c in args.concurrency.split(","))
    results: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for concurrency in levels:
        server, url = serve(args.scale, concurrency, args.latency_ms)
        try:
            for _ in range(args.repeat):
                same: set[float] = set()
                for way in ways:  # side by side in each run
                    before = _server_cpu(server.pid)
                    figures = measured(__file__, way, url, concurrency, str(server.pid))
                    figures["server_cpu"] = _server_cpu(server.pid) - before
                    results.setdefault((way, concurrency), []).append(figures)
                    if way not in ("xml", "auto"):
                        same.add(figures["records"])
                    print(way, concurrency, figures, flush=True)
                if len(same) != 1:
                    raise SystemExit(f"xml-paired and rest made different records: {same}")
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(60)
    if ways == AUTO_WAYS:
        _write_auto(args, results, levels)
        return
    if any((way, c) not in results for way in WAYS for c in levels):
        print(f"(ratios and BENCHMARKS.md need all four ways: {', '.join(WAYS)})")
        return
    ratios = ", ".join(
        f"C = {c}: rest {_cpu(results, 'rest', c) / _cpu(results, 'xml-paired', c):.2f}x, "
        f"rest-records {_cpu(results, 'rest-records', c) / _cpu(results, 'xml-paired', c):.2f}x"
        for c in levels
    )
    body = (
        f"A first run of the {len(OBJECTS)} default objects REST holds, the demo company at "
        f"scale {args.scale:,}, the latency model {args.latency_ms} ms + {PER_ROW_US / 1000:g} ms "
        f"per record, the emulator in its own process; medians of {args.repeat} runs, the "
        f"four ways side by side in each.\n\n{table(results, 'way', WAYS)}\n\n"
        f"CPU against xml-paired's (medians): {ratios}.\n\n"
        f"The emulator's CPU serving each way, against the reader's:\n\n{_servers(results)}\n\n"
        "xml-paired and the REST ways read the same records into the same columns (their "
        "counts compared in every run; tests/replication/test_rest_columnar_equal.py holds "
        "the records equal). The plan, the batched questions and the deletes are XML's in "
        "every way; the metadata is read before the clock starts. Bound: latency (a first "
        "run's ranges are read C at once) and, in the reading process, the CPU of decoding "
        "and typing each answer: both APIs' pages are decoded into columns and typed in "
        "bulk with the same Arrow kernels (XML's from the answer's bytes by xml2arrow, "
        "REST's through msgspec structs made from the fields asked for); rest-records is "
        "the record-by-record way REST had before. At C = 8 both are bound by the two "
        "cores the emulator shares with the reader."
    )
    command = f"python benchmarks/engine_apis.py --scale {args.scale} --repeat {args.repeat}"
    if args.no_write:
        print(body)
    else:
        write_section("The engine's typed reads: REST vs XML", command, body)


def _write_auto(args: Any, results: dict[tuple[str, int], list[dict[str, Any]]],
                levels: tuple[int, ...]) -> None:  # fmt: skip
    """``--api auto`` beside ``--api xml``: its own section."""
    routed = ", ".join(
        f"{way} at C = {c}: {statistics.median(r['through_rest'] for r in runs):.0f}"
        for (way, c), runs in sorted(results.items()) if way.startswith("auto")
    )  # fmt: skip
    body = (
        f"A first run of the {len(OBJECTS)} default objects REST holds, the demo company at "
        f"scale {args.scale:,}, the latency model {args.latency_ms} ms + {PER_ROW_US / 1000:g} ms "
        f"per record, the emulator in its own process; medians of {args.repeat} runs, the "
        f"ways side by side in each.\n\n{table(results, 'way', AUTO_WAYS)}\n\n"
        f"Objects auto read through REST (medians): {routed}.\n\n"
        "auto reads an object through REST only where REST holds every field asked and its "
        "pages (4,000 records, twice XML's) cost fewer API transactions "
        "(intacct.replication.streams.route). With every field (``auto``, what `intacct "
        "sync` asks) REST's twins lack fields of each of these objects: auto reads as xml "
        "does. With only the fields REST holds (``auto-paired``, as a tap's selected "
        "columns may be), the objects bigger than one XML page go through REST. Their "
        "pages of 4,000 records are held twice as big: peak RSS and the CPU of decoding "
        "them are above xml-paired's (the table), the price of the transactions saved. "
        "``auto`` holds the run's REST catalog beside xml's lookups (its RSS)."
    )
    command = (
        f"python benchmarks/engine_apis.py --scale {args.scale} --repeat {args.repeat} "
        f"--ways {','.join(AUTO_WAYS)} --concurrency {','.join(map(str, levels))}"
    )
    if args.no_write:
        print(body)
    else:
        write_section("The engine's typed reads: api auto against xml", command, body)


def _server_cpu(pid: int) -> float:
    """CPU seconds the process ``pid`` has used (user and system, /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _servers(results: dict[tuple[str, int], list[dict[str, Any]]]) -> str:
    """The emulator's CPU in the reader's window (the same requests: the ratio), and over
    the reader's whole process (its login and the objects' metadata besides)."""
    lines = ["| way | C | emulator CPU s | emulator CPU ms / 1k records | emulator / reader | "
             "with login and metadata: CPU s | ms / 1k records |",
             "|---|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    for (way, c), runs in sorted(results.items(), key=lambda kv: (kv[0][1], WAYS.index(kv[0][0]))):
        window = _median(runs, lambda r: r["server_window_cpu"])
        per = _median(runs, lambda r: r["server_window_cpu"] / max(r["records"], 1))
        ratio = _median(runs, lambda r: r["server_window_cpu"] / max(r["cpu"], 1e-9))
        whole = _median(runs, lambda r: r["server_cpu"])
        per_whole = _median(runs, lambda r: r["server_cpu"] / max(r["records"], 1))
        lines.append(
            f"| {way} | {c} | {window:.2f} | {1e6 * per:.0f} | {ratio:.2f}x | {whole:.2f} | "
            f"{1e6 * per_whole:.0f} |"
        )
    return "\n".join(lines)


def _median(runs: list[dict[str, Any]], of: Callable[[dict[str, Any]], float]) -> float:
    return statistics.median(of(r) for r in runs)


def _cpu(results: dict[tuple[str, int], list[dict[str, Any]]], way: str, c: int) -> float:
    return _median(results[(way, c)], lambda r: r["cpu"] / max(r["records"], 1))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        report_child(one(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])))
    else:
        main()
