"""What a run costs when little or nothing changed (issue 67): API transactions and
requests, asking every object (``verify_every`` 0, as every run did before) against the
audit trail's one question (``verify_every`` 1d), side by side in one run.

``intacct sync`` as a user runs it (a subprocess, ``INTACCT_*`` settings) against
``intacct emulator serve``; the emulator's ``/_emulator/stats`` before and after each run
says what Intacct would bill. For each company (DEMO; DEMO-ME with ``entity_ids`` all),
object set (the default 14 and the trial balance; ``--objects all``) and app (none; the
demo OAuth app, which adds the objects only REST has), both ways read into their own
DuckDB files: a first run, a second (the question's first), a third with nothing
changed (**at rest**), then k changes over m objects (5 vendors renamed, 3 classes
created) and a fourth run. The fleet's month: 1,000 companies at rest, hourly.

Usage: ``python benchmarks/at_rest.py [--quick]`` (``--quick``: DEMO alone, printed, not
written to BENCHMARKS.md)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from _report import write_section

WAYS = {"every object": "0", "one question": "1d"}
COMPANIES = {"DEMO": {}, "DEMO-ME": {"INTACCT_ENTITY_IDS": "all"}}
OBJECTS = {"default": [], "--objects all": ["--objects", "all"]}
APPS = {"no OAuth app": {}, "OAuth app": {
    "INTACCT_AUTH_TYPE": "oauth", "INTACCT_CLIENT_ID": "demo_client_id",
    "INTACCT_CLIENT_SECRET": "demo-client-secret",
}}  # fmt: skip
COMMAND = "python benchmarks/at_rest.py"


def serve(folder: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "intacct.cli", "emulator", "serve", "--port", "0"],
        stdout=subprocess.PIPE, text=True, cwd=folder, env={**os.environ, "HOME": str(folder)},
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    while "listening on" not in line:
        line = process.stdout.readline()
    return process, line.split("listening on ", 1)[1].strip()


def stats(url: str, company: str) -> tuple[int, int]:
    got = httpx.get(url.replace("/ia/xml/xmlgw.phtml", "/_emulator/stats"), timeout=60).json()
    return int(got.get(f"api_transactions.{company}", 0)), int(got.get(f"requests.{company}", 0))


def environment(url: str, company: str, extra: dict[str, str], home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTACCT_")}
    env.update(
        HOME=str(home), INTACCT_API_URL=url, INTACCT_SENDER_ID="demo_sender",
        INTACCT_SENDER_PASSWORD="demo-sender-password", INTACCT_COMPANY_ID=company,
        INTACCT_USER_ID="demo_user", INTACCT_USER_PASSWORD="demo-user-password",
        **COMPANIES[company], **extra,
    )  # fmt: skip
    if extra.get("INTACCT_AUTH_TYPE") == "oauth":
        env.pop("INTACCT_USER_PASSWORD")
    return env


def sync(env: dict[str, str], db: Path, objects: list[str], url: str, company: str) -> dict:
    before = stats(url, company)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "intacct.cli", "sync", "--db", str(db), "-q", *objects],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"intacct sync failed: {done.stderr[-2000:]}")
    after = stats(url, company)
    return {
        "transactions": after[0] - before[0],
        "requests": after[1] - before[1],
        "seconds": time.monotonic() - started,
    }


def change(env: dict[str, str]) -> None:
    """5 vendors renamed, 3 classes created: k = 8 changes over m = 2 objects."""
    script = (
        "from intacct import IntacctClient\n"
        "import time\n"
        "c = IntacctClient.from_env()\n"
        "v = [r['RECORDNO'] for r in c.iter_query('VENDOR', ['RECORDNO'])][:5]\n"
        "c.update('VENDOR', [{'RECORDNO': n, 'NAME': f'Renamed {n}'} for n in v])\n"
        "s = str(time.time_ns())[-9:]\n"
        "c.create('CLASS', [{'CLASSID': f'AR{s}{i}', 'NAME': 'new'} for i in range(3)])\n"
    )
    subprocess.run([sys.executable, "-c", script], env=env, check=True)


def cell(url: str, folder: Path, company: str, objects: str, app: str) -> dict[str, Any]:
    envs = {
        way: environment(url, company, {**APPS[app], "INTACCT_VERIFY_EVERY": every}, folder)
        for way, every in WAYS.items()
    }
    dbs = {way: folder / f"{company}-{objects[:3]}-{app[:2]}-{i}.duckdb"
           for i, way in enumerate(WAYS)}  # fmt: skip
    args = OBJECTS[objects]
    out: dict[str, Any] = {way: {} for way in WAYS}
    for step in ("first", "second", "at rest"):
        for way in WAYS:
            out[way][step] = sync(envs[way], dbs[way], args, url, company)
    change(envs["every object"])
    for way in WAYS:
        out[way]["k changes"] = sync(envs[way], dbs[way], args, url, company)
    return out


def table(results: dict[tuple[str, str, str], dict[str, Any]]) -> str:
    lines = [
        "| company | objects | app | way | at rest: API transactions | at rest: requests "
        "| at rest: s | 8 changes over 2 objects: API transactions | fleet month, 1,000 "
        "companies hourly at rest |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for (company, objects, app), ways in results.items():
        for way, runs in ways.items():
            rest, busy = runs["at rest"], runs["k changes"]
            month = rest["transactions"] * 24 * 30 * 1000
            lines.append(
                f"| {company} | {objects} | {app} | {way} | {rest['transactions']:,} | "
                f"{rest['requests']:,} | {rest['seconds']:.1f} | {busy['transactions']:,} | "
                f"{month:,} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    companies = ["DEMO"] if args.quick else list(COMPANIES)
    results: dict[tuple[str, str, str], dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        process, url = serve(folder)
        try:
            for company in companies:
                for objects in OBJECTS:
                    for app in APPS:
                        results[(company, objects, app)] = cell(url, folder, company, objects, app)
                        print(company, objects, app, json.dumps(results[(company, objects, app)]))
        finally:
            process.terminate()
            process.wait(30)
    body = table(results) + "\n\n" + NOTES
    print(body)
    if not args.quick:
        write_section("A company at rest: API transactions (issue 67)", COMMAND, body)


NOTES = """Each row: the third run of a company with nothing changed since the second (the
question's first run notes the rows it acted on), then the fourth after 5 vendors
renamed and 3 classes created. "every object": `verify_every` 0 (each object asked
changed? deleted? and its lookback window's first page, about three API transactions an
object); "one question": `verify_every` 1d, the default (the audit trail asked once; the
objects it names read without their probe). Requests include the unbilled ones
(session, formatting, the REST model list); the XML look-ups are kept on disk and sent
again only for the objects a run reads (issue 67 part 3), so a run at rest sends none.
The `--objects all` rows' 8 changes include AUDITHISTORY read as an object: a
full-table object read whole whenever the trail gains a row. The objects only REST has
are read by their change time when the trail names them or their owner, and not named
by a change to what they only point at (issue 67 part 4). The fleet's month: the
at-rest figure x 24 x 30 x 1,000. Bound: the emulator's answers at loopback speed; the
seconds are this machine's, not Intacct's latency."""


if __name__ == "__main__":
    main()
