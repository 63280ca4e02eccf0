"""Loading records into Intacct through the emulator with a real gateway's latency:
``target-sage-intacct`` against fylein's ``sageintacctsdk`` (hotglue's targets write
through it), one ``create`` per record and request.

The emulator (:class:`EmulatorServer`, ``latency_ms=100``: every answer waits 100 ms,
2 concurrent requests per company as Intacct's base tier) runs in this process on a
fresh demo tenant for each run. Both writers load DEPARTMENT records (DEPARTMENTID,
TITLE). Ours reads Singer messages and upserts (one lookup request per drain, then
100 creates per request, two requests in flight); fylein's ``departments.post`` sends
one create per request, as hotglue's targets call it. fylein is run on fewer records
(``--fylein-records``) and its time scaled to the same count: one request per record
at a fixed latency makes its time linear in the records.

Usage: ``python benchmarks/target_load.py [--records 10000] [--fylein-records 200]``
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.target import TargetSageIntacct

from _report import write_section

SENDER = ("demo_sender", "demo-sender-password")
USER = ("demo_user", "demo-user-password")
LATENCY_MS = 100


def ours(server: EmulatorServer, count: int, run: int) -> tuple[float, int]:
    """Seconds and requests for ``count`` records through the target."""
    stream = "DEPARTMENT"
    lines = [
        {"type": "SCHEMA", "stream": stream, "schema": {"properties": {}}, "key_properties": []}
    ]
    lines += [
        {
            "type": "RECORD",
            "stream": stream,
            "record": {"DEPARTMENTID": f"T{run}-{n:05}", "TITLE": f"Target {n}"},
        }
        for n in range(count)
    ]
    text = "\n".join(json.dumps(line) for line in lines) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        config = {**client_config(server.url), "report_path": str(Path(tmp) / "report.jsonl")}
        start = time.perf_counter()
        target = TargetSageIntacct(config=config)
        target.listen(io.StringIO(text))
        elapsed = time.perf_counter() - start
        report = [json.loads(x) for x in (Path(tmp) / "report.jsonl").read_text().splitlines()]
    assert len(report) == count and all(x["status"] == "applied" for x in report)
    return elapsed, target.writer.client.requests_sent


def fylein(server: EmulatorServer, count: int, run: int) -> tuple[float, int]:
    """Seconds and requests for ``count`` records, one ``departments.post`` each. The SDK
    has no URL setting: its private ``_ApiBase__api_url`` is pointed at the emulator
    (as tests/thirdparty/test_fylein_sdk.py explains)."""
    import sageintacctsdk

    start = time.perf_counter()
    base = sageintacctsdk.apis.ApiBase()
    base.set_sender_id(SENDER[0])
    base.set_sender_password(SENDER[1])
    base._ApiBase__api_url = server.url  # type: ignore[attr-defined]
    base.get_session_id(USER[0], "DEMO", USER[1])
    sdk = sageintacctsdk.SageIntacctSDK(
        SENDER[0], SENDER[1], USER[0], "DEMO", USER[1],
        session_id=base._ApiBase__session_id,  # type: ignore[attr-defined]
    )  # fmt: skip
    sdk.departments._ApiBase__api_url = base._ApiBase__api_url  # type: ignore[attr-defined]
    for n in range(count):
        answer = sdk.departments.post({"DEPARTMENTID": f"F{run}-{n:05}", "TITLE": f"Fylein {n}"})
        assert answer["status"] == "success", answer
    return time.perf_counter() - start, count + 1  # + getAPISession


def measure(records: int, fylein_records: int, runs: int) -> dict[str, Any]:
    results: dict[str, list[tuple[float, int]]] = {"ours": [], "fylein": []}
    for run in range(runs):
        server = EmulatorServer(port=0, scale=100, seed=run, latency_ms=LATENCY_MS).start()
        try:
            results["ours"].append(ours(server, records, run))
            results["fylein"].append(fylein(server, fylein_records, run))
        finally:
            server.stop()
        print(f"run {run + 1}/{runs}: ours {results['ours'][-1]}, fylein {results['fylein'][-1]}")
    our_s = statistics.median(s for s, _ in results["ours"])
    our_requests = statistics.median(r for _, r in results["ours"])
    fy_per_record = statistics.median(s / fylein_records for s, _ in results["fylein"])
    # one session, then one request per record
    fy_requests = statistics.median(
        (r - 1) / fylein_records * records + 1 for _, r in results["fylein"]
    )
    return {
        "ours": (our_s, our_requests),
        "fylein": (fy_per_record * records, fy_requests),
        "fylein_measured": statistics.median(s for s, _ in results["fylein"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--fylein-records", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.INFO)  # singer-sdk's per-batch metrics lines
    found = measure(args.records, args.fylein_records, args.runs)
    (our_s, our_req), (fy_s, fy_req) = found["ours"], found["fylein"]
    rows = [
        ("target-sage-intacct (upsert, 100 per request, 2 in flight)", our_s, our_req),
        (
            f"fylein sageintacctsdk departments.post (scaled from {args.fylein_records})",
            fy_s,
            fy_req,
        ),
    ]
    table = "\n".join(
        f"| {name} | {args.records:,} | {s:,.1f} | {args.records / s:,.0f} | {req:,.0f} |"
        for name, s, req in rows
    )
    body = (
        f"{args.records:,} DEPARTMENT records into the emulator at {LATENCY_MS} ms per answer "
        "(2 concurrent requests per company); medians of "
        f"{args.runs} runs, each on a fresh demo tenant. fylein: {args.fylein_records} records "
        f"per run ({found['fylein_measured']:.1f} s), scaled to {args.records:,} (one request "
        "per record at a fixed latency: linear).\n\n"
        "| writer | records | wall s | records / s | requests |\n"
        "| --- | ---: | ---: | ---: | ---: |\n"
        f"{table}\n\n"
        f"Ratio fylein / ours: {fy_req / our_req:.0f}x the requests, {fy_s / our_s:.0f}x the time "
        "(aim, issue 10: at least 50x fewer requests and 30x less time). Our requests: one "
        "session, one lookup of DEPARTMENT, one request of upsert queries per drain of "
        "2,000 records, and 100 creates per request."
    )
    print(body)
    write_section("Target load", "python benchmarks/target_load.py", body)


if __name__ == "__main__":
    main()
