"""Full extraction through the emulator with a real gateway's latency: our engine against
fylein's ``sageintacctsdk`` ``get_all``, side by side in one run.

The emulator runs in its own process with ``--latency-ms 300 --latency-per-row-us 500``
(a page costs 300 ms plus 0.5 ms per record, as waiting). Both readers extract the same
objects with the same field lists (fylein's ``dimensions_fields_mapping``). Each reader
runs in a subprocess of its own, so its peak RSS is its own. The bound is

    T* = sum over the pages at 2,000 records of (300 ms + 0.5 ms x records) / concurrency

The machine's CPU is shared by the reader and the emulator (both Python): their CPU
seconds over the cores is a floor no reader goes under, shown beside T*. Peak RSS is
also measured for our reader at two sizes (``--rss-scales``), at concurrency 8.

Usage: ``python benchmarks/replication_extract.py [--scale 500000]``
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
import urllib.request
from typing import Any

from _report import write_section

#: fylein API attribute → object (the objects both readers extract)
OBJECTS = {
    "gl_detail": "GLDETAIL",
    "bills": "APBILL",
    "ar_invoices": "ARINVOICE",
    "ar_invoice_items": "ARINVOICEITEM",
    "vendors": "VENDOR",
    "customers": "CUSTOMER",
    "accounts": "GLACCOUNT",
    "journal_entries": "GLBATCH",
}
SENDER = ("demo_sender", "demo-sender-password")
USER = ("demo_user", "demo-user-password")
BASE_S, PER_ROW_S, PAGE = 0.300, 0.0005, 2000
NOTE = (
    "The reader and the emulator (both Python) share this machine's cores: the floor "
    "column is the most this machine allows, time / floor how close the reader gets to "
    "it. Peak RSS is the reader's high-water mark: the engine lets go of each page once "
    "it is delivered (no reader holds its last page during the next round trip) and sets "
    "glibc's allocator to two heaps and a fixed mapping threshold "
    "(src/intacct/replication/run/memory.py), so memory does not grow with the company."
)


def start(scale: int, limit: int, latency_ms: int = 300) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "intacct.cli", "emulator", "serve", "--port", "0",
            "--scale", str(scale), "--latency-ms", str(latency_ms), "--latency-per-row-us", "500",
            "--max-concurrency", str(limit),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    return proc, proc.stdout.readline().rsplit(" ", 1)[1].strip()


def stats(url: str) -> dict[str, int]:
    control = url.replace("/ia/xml/xmlgw.phtml", "/_emulator/stats")
    with urllib.request.urlopen(control, timeout=30) as answer:  # noqa: S310 (loopback)
        data: dict[str, int] = json.load(answer)
        return data


def fields() -> dict[str, list[str]]:
    from sageintacctsdk.apis.constants import dimensions_fields_mapping

    return {obj: list(dimensions_fields_mapping[obj]) for obj in OBJECTS.values()}


# -- the two readers, each run in a subprocess: python replication_extract.py --reader X


def ours(url: str, concurrency: int) -> dict[str, Any]:
    from intacct import IntacctClient
    from intacct.replication import Replicator, RunState, StreamPage, StreamSpec

    config = {
        "sender_id": SENDER[0], "sender_password": SENDER[1], "user_id": USER[0],
        "user_password": USER[1], "company_id": "DEMO", "api_url": url,
        "max_concurrency": concurrency, "timeout_s": 120,
    }  # fmt: skip
    counts: dict[str, int] = {}

    class Count:
        def page(self, page: StreamPage) -> None:
            counts[page.stream] = counts.get(page.stream, 0) + len(page.records)

        def warning(self, stream: str, text: str) -> None:
            print(f"warning: {text}", file=sys.stderr)

    specs = [StreamSpec(obj, wanted) for obj, wanted in fields().items()]
    with IntacctClient.from_mapping(config) as client:
        engine = Replicator(client, max_concurrency=concurrency, page_size=PAGE)
        report = engine.run(specs, RunState(), Count())
    assert not report.failed, report.failed
    return counts


def fylein(url: str, concurrency: int) -> dict[str, int]:
    del concurrency  # the SDK reads one page at a time
    import sageintacctsdk

    base = sageintacctsdk.apis.ApiBase()
    base.set_sender_id(SENDER[0])
    base.set_sender_password(SENDER[1])
    base._ApiBase__api_url = url  # the SDK's only URL setting (see tests/thirdparty)
    base.get_session_id(USER[0], "DEMO", USER[1])
    sdk = sageintacctsdk.SageIntacctSDK(
        SENDER[0], SENDER[1], USER[0], "DEMO", USER[1], session_id=base._ApiBase__session_id
    )
    for api in vars(sdk).values():
        if isinstance(api, sageintacctsdk.apis.ApiBase):
            api._ApiBase__api_url = base._ApiBase__api_url
    return {obj: len(getattr(sdk, attr).get_all()) for attr, obj in OBJECTS.items()}


def reader_main(name: str, url: str, concurrency: int) -> None:
    began = time.perf_counter()
    counts = (ours if name == "ours" else fylein)(url, concurrency)
    seconds = time.perf_counter() - began
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu = sum(os.times()[:2])
    print(json.dumps({"counts": counts, "seconds": seconds, "peak_mb": peak_mb, "cpu": cpu}))


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(name: str, url: str, concurrency: int, server: int) -> dict[str, Any]:
    before, server_cpu = stats(url), cpu_seconds(server)
    done = subprocess.run(
        [sys.executable, __file__, "--reader", name, "--url", url, "--c", str(concurrency)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    after = stats(url)
    result["emulator_cpu"] = cpu_seconds(server) - server_cpu
    result["requests"] = after.get("requests", 0) - before.get("requests", 0)
    result["transactions"] = after.get("api_transactions", 0) - before.get("api_transactions", 0)
    return result


def bound(counts: dict[str, int], concurrency: int) -> float:
    total = 0.0
    for n in counts.values():
        pages = max(1, math.ceil(n / PAGE))
        total += pages * BASE_S + n * PER_ROW_S
    return total / concurrency


def run_one(name: str, scale: int, concurrency: int, repeat: int = 1) -> dict[str, Any]:
    """``repeat`` runs of a reader against one emulator (reads change nothing): the run
    with the median time, with every run's seconds in ``runs``."""
    proc, url = start(scale, concurrency)
    try:
        results = [measure(name, url, concurrency, proc.pid) for _ in range(repeat)]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    results.sort(key=lambda r: r["seconds"])
    median = results[len(results) // 2]
    median["runs"] = [r["seconds"] for r in results]
    return median


def row(name: str, concurrency: int, r: dict[str, Any]) -> str:
    records = sum(r["counts"].values())
    t_star = bound(r["counts"], concurrency)
    cpu = r["cpu"] + r["emulator_cpu"]
    floor = max(t_star, cpu / (os.cpu_count() or 1))
    spread = " to ".join(f"{t:.1f}" for t in (min(r["runs"]), max(r["runs"])))
    return (
        f"| {name} | {concurrency} | {records:,} | {r['seconds']:.1f} ({spread}) | "
        f"{records / r['seconds']:,.0f} | {r['requests']:,} | {r['transactions']:,} | "
        f"{t_star:.1f} | {r['seconds'] / t_star:.2f} | {r['cpu']:.1f} + "
        f"{r['emulator_cpu']:.1f} | {floor:.1f} | {r['seconds'] / floor:.2f} | "
        f"{r['peak_mb']:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=500_000)
    parser.add_argument("--rss-scales", default="120000,1200000")
    parser.add_argument("--repeat", type=int, default=3, help="runs per reader (median)")
    parser.add_argument("--reader")
    parser.add_argument("--url")
    parser.add_argument("--c", type=int, default=2)
    args = parser.parse_args()
    if args.reader:
        reader_main(args.reader, args.url, args.c)
        return
    rows = []
    for name, concurrency in (("fylein get_all", 2), ("ours", 2), ("ours", 8)):
        reader = "fylein" if name.startswith("fylein") else "ours"
        result = run_one(reader, args.scale, concurrency, args.repeat)
        rows.append(row(name, concurrency, result))
        print(rows[-1], flush=True)
    sizes, peaks = [], []
    for scale in (int(s) for s in args.rss_scales.split(",") if s):
        r = run_one("ours", scale, 8)
        peaks.append(r["peak_mb"])
        sizes.append(
            f"| {scale:,} | {sum(r['counts'].values()):,} | {r['seconds']:.1f} | "
            f"{r['peak_mb']:.0f} |"
        )
        print(sizes[-1], flush=True)
    body = (
        f"Emulator in its own process (`intacct emulator serve --scale {args.scale} "
        "--latency-ms 300 --latency-per-row-us 500 --max-concurrency C`), a fresh one per "
        f"row; objects {', '.join(OBJECTS.values())} with fylein's field lists; each reader "
        "in its own process (peak RSS is the reader's). T* = sum over the pages at 2,000 "
        "records of (300 ms + 0.5 ms x records) / C; fylein's SDK reads one page at a time "
        "(its bound is the C = 1 sum, twice the T* shown). CPU s: the reader's and the "
        "emulator's CPU seconds; both share this machine's cores, so no reader can finish "
        "before floor = max(T*, their sum / cores).\n\n"
        f"Each reader runs {args.repeat} times against its emulator; seconds is the "
        "median run (min to max), the other columns are that run's.\n\n"
        "| reader | C | records | seconds | records/s | requests | API transactions | "
        "T* s | time / T* | CPU s (reader + emulator) | floor s | time / floor | "
        "peak RSS MB |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: |\n"
        + "\n".join(rows)
        + "\n\nAims (issue 8): <= 1.15 x T* at C = 2 and <= 1.3 x T* at C = 8. "
        + NOTE
        + "\n\n"
        "Peak RSS of our reader by size (C = 8, the same latency model):\n\n"
        "| --scale | records | seconds | peak RSS MB |\n| ---: | ---: | ---: | ---: |\n"
        + "\n".join(sizes)
        + (f"\n\nLargest / smallest: {peaks[-1] / peaks[0]:.2f}x." if len(peaks) > 1 else "")
    )
    write_section(
        "Full extraction against fylein's get_all",
        f"python benchmarks/replication_extract.py --scale {args.scale} "
        f"--rss-scales {args.rss_scales} --repeat {args.repeat}",
        body,
    )


if __name__ == "__main__":
    main()
