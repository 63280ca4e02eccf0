"""The target under chaos: every record exactly once in Intacct, and every record reported.

``target-sage-intacct`` writes CLASS records (upserted by CLASSID), journal entries
(GLBATCH, each with two lines) and AP bills (APBILL, each with two lines), 10 to a
request, to an emulator
whose seeded schedule faults more than a fifth of all requests: 524s after the write was
applied, answers cut short, connections reset in the middle of the answer, 503s. Each
run's report must name every record it was given (applied, already applied or failed);
the records reported failed are given again, as a user re-runs them, until none fails.
Then, with the faults off, the emulator must hold each record exactly once, with its
values: an applied write whose answer was lost must not be posted twice.

Usage: ``python benchmarks/target_chaos.py --seed 1 --records 300`` (exit 1 on any record
missing, doubled or unreported).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import random
import sys
import tempfile
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intacct import IntacctClient
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.target import TargetSageIntacct

#: rules in order, the first that fires wins: about a quarter of all requests are hit
SCHEDULE = (
    "status=524,p=0.10",
    "body=truncated,p=0.06",
    "body=reset,p=0.06",
    "status=503,p=0.06",
    "status=502,body=html,p=0.02",
)
ACCOUNTS = ("6000", "1110")
#: the runs a record may need before the schedule lets it through
MAX_RUNS = 12


@dataclass
class Outcome:
    records: int = 0
    runs: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    faulted: int = 0
    unreported: int = 0
    missing: int = 0
    doubled: int = 0
    wrong: int = 0
    problems: list[str] = field(default_factory=list)


def _records(rng: random.Random, count: int, tag: str) -> list[tuple[str, dict[str, Any]]]:
    """(stream, record) in a shuffled order; every value unique to this run (``tag``)."""
    made: list[tuple[str, dict[str, Any]]] = []
    for n in range(count):
        kind = n % 3
        if kind == 0:
            made.append(("CLASS", {"CLASSID": f"TC-{tag}-{n}", "NAME": f"class {n}"}))
        elif kind == 1:
            lines = [
                {"ACCOUNTNO": a, "TR_TYPE": t, "TRX_AMOUNT": f"{n}.25"}
                for a, t in zip(ACCOUNTS, (1, -1), strict=True)
            ]
            made.append(
                (
                    "GLBATCH",
                    {
                        "JOURNAL": "GJ",
                        "BATCH_DATE": "2026-06-30",
                        "BATCH_TITLE": f"tc {tag} {n}",
                        "ENTRIES": lines,
                    },
                )
            )
        else:
            lines = [{"ACCOUNTNO": ACCOUNTS[0], "AMOUNT": f"{n}.{i}0"} for i in (1, 2)]
            made.append(
                (
                    "APBILL",
                    {
                        "VENDORID": "V10001",
                        "WHENCREATED": "2026-05-01",
                        "WHENPOSTED": "2026-05-01",
                        "DESCRIPTION": f"tc {tag} {n}",
                        "APBILLITEMS": {"APBILLITEM": lines},
                    },
                )
            )
    rng.shuffle(made)
    return made


def _messages(records: list[tuple[str, dict[str, Any]]]) -> str:
    out, seen = [], set()
    for stream, data in records:
        if stream not in seen:
            seen.add(stream)
            out.append(
                {
                    "type": "SCHEMA",
                    "stream": stream,
                    "schema": {"properties": {}},
                    "key_properties": ["CLASSID"] if stream == "CLASS" else [],
                }
            )
        out.append({"type": "RECORD", "stream": stream, "record": data})
    return "\n".join(json.dumps(m) for m in out) + "\n"


def _run(config: dict[str, Any], records: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """One target run on ``records``: its report's lines (the run may end in an error:
    failed records are what the report is for)."""
    report = Path(config["report_path"])
    target = TargetSageIntacct(config=config)
    # the report says which records failed: the run's own error is not the result
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()), suppress(Exception):
        target.listen(io.StringIO(_messages(records)))
    return [json.loads(x) for x in report.read_text().splitlines()] if report.exists() else []


def _check_reported(
    records: list[tuple[str, dict[str, Any]]], lines: list[dict[str, Any]], outcome: Outcome
) -> list[tuple[str, dict[str, Any]]]:
    """The records reported failed; counts those the report left out."""
    per_stream: dict[str, list[dict[str, Any]]] = {}
    for stream, data in records:
        per_stream.setdefault(stream, []).append(data)
    failed = []
    for stream, given in per_stream.items():
        by_index = {line["index"]: line for line in lines if line["stream"] == stream}
        for index, data in enumerate(given):
            line = by_index.get(index)
            if line is None:
                outcome.unreported += 1
                outcome.problems.append(f"{stream} #{index} not in the report")
                continue
            outcome.statuses[line["status"]] += 1
            if line["status"] == "failed":
                failed.append((stream, data))
    return failed


def _check_stored(server: EmulatorServer, tag: str, count: int, outcome: Outcome) -> None:
    """Each record of the run exactly once in the emulator, with its values."""
    with IntacctClient.from_mapping(client_config(server.url)) as client:
        names = Counter(
            (r["CLASSID"], r["NAME"])
            for r in client.iter_query("CLASS", ["CLASSID", "NAME"])
            if r["CLASSID"].startswith(f"TC-{tag}-")
        )
        titles = Counter(
            r["BATCH_TITLE"]
            for r in client.iter_query("GLBATCH", ["BATCH_TITLE"])
            if r["BATCH_TITLE"].startswith(f"tc {tag} ")
        )
        bills = Counter(
            r["DESCRIPTION"]
            for r in client.iter_query("APBILL", ["DESCRIPTION"])
            if (r["DESCRIPTION"] or "").startswith(f"tc {tag} ")
        )
    for n in range(count):
        kind = n % 3
        if kind == 0:
            found = sum(v for (cid, _), v in names.items() if cid == f"TC-{tag}-{n}")
            if found == 1 and names[(f"TC-{tag}-{n}", f"class {n}")] != 1:
                outcome.wrong += 1
        else:
            found = (titles if kind == 1 else bills)[f"tc {tag} {n}"]
        outcome.missing += found == 0
        outcome.doubled += max(0, found - 1)
        if found != 1:
            outcome.problems.append(f"record {n} (kind {kind}) stored {found} times")


def run(seed: int, count: int, batch_size: int = 10) -> Outcome:
    rng, outcome, tag = random.Random(seed), Outcome(records=count), f"s{seed}"
    with (
        tempfile.TemporaryDirectory() as tmp,
        EmulatorServer(port=0, scale=100, seed=seed, faults=list(SCHEDULE)) as server,
    ):
        logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
        config = {
            **client_config(server.url),
            "timeout_s": 15,
            "max_retries": 2,
            "batch_size": batch_size,
            "max_concurrency": 1,  # requests in a fixed order: a seed replays its faults
            "report_path": str(Path(tmp) / "report.jsonl"),
        }
        pending = _records(rng, count, tag)
        while pending and outcome.runs < MAX_RUNS:
            outcome.runs += 1
            pending = _check_reported(pending, _run(config, pending), outcome)
        if pending:
            outcome.problems.append(f"{len(pending)} records still failing after {MAX_RUNS} runs")
        emulator = server.emulator
        outcome.requests = int(emulator.stats["requests"])
        outcome.faulted = sum(int(rule["fired"]) for rule in emulator.faults.describe())
        emulator.faults.clear()
        _check_stored(server, tag, count, outcome)
    return outcome


def summary(seed: int, outcome: Outcome) -> str:
    rate = outcome.faulted / outcome.requests if outcome.requests else 0.0
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(outcome.statuses.items()))
    return (
        f"seed {seed}: {outcome.records} records in {outcome.runs} runs, {outcome.requests:,} "
        f"requests, {outcome.faulted:,} faulted ({rate:.0%}); reported: {statuses}; "
        f"unreported {outcome.unreported}, missing {outcome.missing}, doubled "
        f"{outcome.doubled}, wrong {outcome.wrong}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--records", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=10, help="records per request")
    args = parser.parse_args(argv)
    for name in ("intacct", "uvicorn.error", "target-sage-intacct", "singer_sdk"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    outcome = run(args.seed, args.records, args.batch_size)
    print(summary(args.seed, outcome))
    for problem in outcome.problems[:20]:
        print(f"  {problem}")
    return 1 if outcome.problems else 0


if __name__ == "__main__":
    sys.exit(main())
