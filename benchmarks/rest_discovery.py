"""Discovery of the REST catalog (issue 47, part 5): what reading a company's whole
catalog from its model service costs, cold and from the cache.

The emulator (``intacct emulator serve``, its own process, with the latency model:
``--latency-ms``, 50 by default) serves the demo company; one client asks its
discovery (``ObjectRegistry.rest``, as a run does) for the models of every object the
model service lists:

* cold: an empty cache, so the list and then one model per object;
* cached: a new registry over the same cache folder, as the next run of ``intacct
  sync`` is: the list alone (it is unchanged), every model from the file.

Reported: objects, requests, seconds (wall) and the client's CPU seconds, medians of
``--repeat`` runs, cold and cached side by side in each run. Model requests bill no API
transaction (Sage: metadata is free, as XML's lookup) [U], so neither does discovery.

Usage: ``python benchmarks/rest_discovery.py [--repeat 3] [--latency-ms 50] [--no-write]``
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


def discover(url: str, cache: Path) -> dict[str, float]:
    """One discovery of every listed object's model through a fresh registry."""
    with client(url, 4) as reader:
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
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    server, url = serve(300, 8, latency_ms=args.latency_ms)
    runs: dict[str, list[dict[str, float]]] = {"cold": [], "cached": []}
    try:
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as folder:
                runs["cold"].append(discover(url, Path(folder)))
                runs["cached"].append(discover(url, Path(folder)))
    finally:
        server.terminate()
        server.wait()
    rows = ["| run | objects listed | requests | seconds | client CPU s |", "|---|---|---|---|---|"]
    for name, found in runs.items():
        median = {k: statistics.median(r[k] for r in found) for k in found[0]}
        rows.append(
            f"| {name} | {median['objects']:.0f} | {median['requests']:.0f} "
            f"| {median['seconds']:.2f} | {median['cpu']:.2f} |"
        )
    body = "\n".join(rows) + (
        f"\n\nMedians of {args.repeat} runs, cold then cached in each, against the "
        f"emulator's demo company with {args.latency_ms} ms of latency a request; the "
        "cold run is bounded by that latency (one model request after another), the "
        "cached one by a single list request and reading the cache file."
    )
    print(body)
    if not args.no_write:
        command = f"python benchmarks/rest_discovery.py --repeat {args.repeat}"
        write_section("Discovering the REST catalog", command, body)


if __name__ == "__main__":
    sys.exit(main())
