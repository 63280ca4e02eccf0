"""Discovery of the REST catalog (issue 47, part 5): what reading a company's whole
catalog from its model service costs, cold and from the cache.

The emulator (``intacct emulator serve``, its own process, with the latency model:
``--latency-ms``, 50 by default) serves the demo company; one client asks its
discovery (``ObjectRegistry.rest``, as a run does) for the models of every object the
model service lists:

* cold: an empty cache, so the list and then one model per object, read
  ``max_concurrency`` at a time;
* cached: a new registry over the same cache folder, as the next run of ``intacct
  sync`` is: the list alone (it is unchanged), every model from the file.

Reported: objects, requests, seconds (wall) and the client's CPU seconds, medians of
``--repeat`` runs, cold and cached side by side in each run, for each client
``max_concurrency`` of ``--concurrency`` (1: one model after another, as discovery was
before it read them side by side). Model requests bill no API
transaction (Sage: metadata is free, as XML's lookup) [U], so neither does discovery.

Usage: ``python benchmarks/rest_discovery.py [--repeat 3] [--latency-ms 50]
[--concurrency 1,2,4] [--no-write]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rest_vs_xml import client, serve

from intacct.client.registry import ObjectRegistry

from _report import write_section

#: the emulator's limit of requests in flight for the company, above every one tried
SERVER_LIMIT = 8


def discover(url: str, cache: Path, concurrency: int) -> dict[str, float]:
    """One discovery of every listed object's model through a fresh registry."""
    with client(url, concurrency) as reader:
        registry = ObjectRegistry(reader, rest_cache=cache)
        started, cpu = time.monotonic(), time.process_time()
        listed = registry.rest.listed()
        catalog = registry.rest.catalog(listed)
        return {
            "objects": len(listed),
            "catalog": len(catalog),
            "requests": registry.rest.requests,
            "seconds": time.monotonic() - started,
            "cpu": time.process_time() - cpu,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--concurrency", default="1,2,4", help="client max_concurrency values")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    levels = [int(n) for n in args.concurrency.split(",")]
    if not levels or min(levels) < 1 or max(levels) > SERVER_LIMIT:
        parser.error(f"--concurrency: whole numbers from 1 to {SERVER_LIMIT}, comma-separated")
    server, url = serve(300, SERVER_LIMIT, latency_ms=args.latency_ms)
    runs: dict[tuple[str, int], list[dict[str, float]]] = {}
    try:
        for _ in range(args.repeat):
            for level in levels:
                with tempfile.TemporaryDirectory() as folder:
                    for name in ("cold", "cached"):
                        found = discover(url, Path(folder), level)
                        runs.setdefault((name, level), []).append(found)
    finally:
        server.terminate()
        server.wait()
    rows = [
        "| run | client max_concurrency | objects listed | requests | seconds | client CPU s |",
        "|---|---|---|---|---|---|",
    ]
    for (name, level), found in sorted(runs.items(), key=lambda kv: (kv[0][0] != "cold", kv[0][1])):
        median = {k: statistics.median(r[k] for r in found) for k in found[0]}
        rows.append(
            f"| {name} | {level} | {median['objects']:.0f} | {median['requests']:.0f} "
            f"| {median['seconds']:.2f} | {median['cpu']:.2f} |"
        )
    body = "\n".join(rows) + (
        f"\n\nMedians of {args.repeat} runs, each cold then cached at every concurrency, "
        f"against the emulator's demo company (its own process, {SERVER_LIMIT} requests "
        f"in flight allowed) with {args.latency_ms} ms of latency a request. Cold is "
        "bounded by that latency times the models over the client's max_concurrency "
        "(max_concurrency 1 is one model after another, as discovery was before it "
        "read them side by side); against a real company (~1,000 objects, ~300 ms a request [U]) "
        "that is ~5 min at 1 and ~2.5 min at the default 2. Cached is bounded by the one "
        "list request and reading the cache file, whatever the concurrency."
    )
    print(body)
    if not args.no_write:
        command = (
            f"python benchmarks/rest_discovery.py --repeat {args.repeat} "
            f"--latency-ms {args.latency_ms} --concurrency {args.concurrency}"
        )
        write_section("Discovering the REST catalog", command, body)


if __name__ == "__main__":
    sys.exit(main())
