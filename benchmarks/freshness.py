"""Freshness through Intacct's change notices (issue 37): how long a write in Intacct
takes to reach the destination, for one company and for a fleet writing at once, and
what it costs against hourly polling.

In one process: the emulator on a socket (the demo company, or ``--companies N`` fleet
companies) with its latency model (``--latency-ms`` a request), each company's VENDOR
subscribed to the webhook receiver (``intacct.notices.receiver`` on a socket, its queue
a SQLite file), and one follower per company (``intacct.sync.follow.Follower``, as
``intacct sync --follow`` runs it: the notices' bursts read incrementally into the
company's own DuckDB file). A writer creates ``--writes`` vendors in each company at
random moments over ``--seconds`` (``--seed``), each timed when Intacct answered it.

Freshness of a write: from its answer to the end of the read that stored it (the first
read whose notices name its record: that read started after the notice arrived, so it
stored the write). Reported: median, p90, p99 and max over all writes, the reads made,
the API transactions the followers billed over the window and per hour, against what
hourly polling bills (one quiet incremental read of VENDOR per company an hour, measured
here on one company) and its freshness (30 min on average, 60 at worst).
``--faults`` adds the emulator's delivery faults (duplicates, reordering, 5% lost): a
lost notice's write is then read by a later read of its company or the final safety
run; such writes are counted apart. ``--kill-receiver K`` runs the receiver as users do
(``intacct notices serve``, a process of its own) and SIGKILLs it K times during the
window, each time started again 3 s later: deliveries refused meanwhile are retried by
Intacct's schedule (scaled 0.1 here: 1, 3, 9 s). Then every write's notice must be kept
once (none lost, none twice) unless ``--faults`` lost it on purpose. At the end every
company has a safety run and its table must equal the emulator's (exit 1 otherwise).

Requests are counted beside API transactions: the gateway requests the followers made
(the emulator's ``requests``) and the webhook deliveries posted to the receiver (each
attempt), per hour, against hourly polling's requests.

The figures are bound by the latency model and the follower's coalescing (2 s of quiet,
at most 20 s), not CPU, up to the companies' runs that share the 2 cores.

Usage: ``python benchmarks/freshness.py [--companies N] [--writes W] [--seconds S]
[--latency-ms L] [--faults] [--kill-receiver K] [--seed S] [--json out.json]``
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.deployment import free_port  # noqa: E402
from tests.notices.conftest import serve_command, serving  # noqa: E402

from intacct import IntacctClient  # noqa: E402
from intacct.emulator.demo import client_config  # noqa: E402
from intacct.emulator.server import EmulatorServer  # noqa: E402
from intacct.notices import Dirty, NoticeQueue  # noqa: E402
from intacct.notices.receiver import NOTICES_PATH, receiver_app  # noqa: E402
from intacct.sync import SyncReport, SyncSettings, run_sync  # noqa: E402
from intacct.sync.display import QuietReporter  # noqa: E402
from intacct.sync.follow import Follower, FollowSettings  # noqa: E402

SECRET = "demo-client-secret"
CLIENT_ID = "demo_client_id"
SETTINGS = SyncSettings(objects=("VENDOR",))
FAULTS = ("duplicate=1,p=0.05", "reorder=1,p=0.05", "lose=1,p=0.05")
#: how long a killed receiver stays down (within the retries' 1 + 3 + 9 s at scale 0.1)
KILL_DOWN_S = 3.0


class Company:
    """One company followed: its client, DuckDB file and follower's thread."""

    def __init__(self, name: str, url: str, folder: Path, queue: NoticeQueue) -> None:
        self.name, self.db = name, folder / f"{name}.duckdb"
        self.client = IntacctClient.from_mapping(client_config(url, name))
        # the writes are another integration's: a client of their own
        self.writer = IntacctClient.from_mapping(client_config(url, name))
        self.reads: list[tuple[float, Dirty]] = []  # (end, notices read)
        self.stop = threading.Event()
        self.follower = Follower(
            queue, name, SETTINGS.objects, self.run, FollowSettings(poll_s=0.2),
            stop=self.stop, said=lambda text: None, read=self.stored,
        )  # fmt: skip
        self.thread = threading.Thread(target=self.follower.follow, daemon=True)

    def run(self, objects: tuple[str, ...] | None) -> SyncReport:
        return run_sync(self.client, str(self.db), QuietReporter(), SETTINGS)

    def stored(self, dirty: Dirty, report: SyncReport) -> None:
        self.reads.append((time.time(), dirty))

    def close(self) -> None:
        self.stop.set()
        self.thread.join(120)
        self.client.close()
        self.writer.close()


def _record_keys(queue_file: Path) -> dict[str, tuple[str, str]]:
    """notice key -> (company, RECORDNO)."""
    with sqlite3.connect(queue_file) as db:
        rows = db.execute("SELECT idempotency_key, company, record_key FROM notices")
        return {key: (company, record) for key, company, record in rows}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@contextmanager
def _fleet(args: argparse.Namespace, folder: Path) -> Iterator[tuple[EmulatorServer, Any]]:
    with EmulatorServer(
        port=0, scale=50, seed=args.seed, latency_ms=args.latency_ms, max_concurrency=0,
        companies=args.companies, company_scale=20,
    ) as server:  # fmt: skip
        server.pace_webhooks(retry_scale=0.1)
        if args.faults:
            for spec in FAULTS:
                server.add_webhook_fault(spec)
        yield server, server


def _write(server: EmulatorServer, company: Company, n: int, when: float) -> tuple[str, float]:
    time.sleep(max(0.0, when - time.time()))
    vendor = f"FRESH-{n:05d}"
    (result,) = company.writer.create("VENDOR", [{"VENDORID": vendor, "NAME": vendor}])
    return str(result.records[0]["RECORDNO"]), time.time()


def _poll_cost(server: EmulatorServer, company: Company) -> tuple[int, int]:
    """API transactions and requests of one quiet incremental read of VENDOR (hourly
    polling's)."""
    before = server.emulator.snapshot().get("requests", 0)
    transactions = company.run(None).transactions
    return transactions, server.emulator.snapshot().get("requests", 0) - before


class Receiver:
    """``intacct notices serve`` in a process of its own, as a user starts it (a fresh
    HOME, the demo app's client ID and secret and the emulator's address, whose tokens
    it trusts, in ``INTACCT_*``), killed and started again on the same port."""

    def __init__(self, folder: Path, queue_file: Path, api_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}{NOTICES_PATH}"
        self.folder, self.queue_file, self.api_url = folder, queue_file, api_url
        self.kills = 0
        self.process = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        return serve_command(
            self.folder, self.queue_file, self.port, {"INTACCT_API_URL": self.api_url}
        )

    def kill_and_restart(self, down_s: float) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.kills += 1
        time.sleep(down_s)
        self.process = self._start()

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(30)


@contextmanager
def _receiver(
    args: argparse.Namespace, folder: Path, queue: NoticeQueue, api_url: str
) -> Iterator[str]:
    """The receiver's URL: in this process, or a process killed ``--kill-receiver`` times
    over the window."""
    if not args.kill_receiver:
        with serving(receiver_app(queue, {CLIENT_ID: SECRET})) as client:
            yield f"{client.base_url}{NOTICES_PATH}"
        return
    receiver = Receiver(folder, queue.path, api_url)
    stop = threading.Event()

    def killer() -> None:  # evenly over the window
        began = time.monotonic()
        for n in range(args.kill_receiver):
            at = began + args.seconds * (n + 1) / (args.kill_receiver + 1)
            if stop.wait(max(0.0, at - time.monotonic())):
                return
            receiver.kill_and_restart(KILL_DOWN_S)

    thread = threading.Thread(target=killer, daemon=True)
    try:
        thread.start()
        yield receiver.url
    finally:
        stop.set()
        thread.join(120)
        receiver.close()
        args.kills = receiver.kills


def _counters(server: EmulatorServer) -> dict[str, int]:
    stats = server.emulator.snapshot()
    names = ("api_transactions", "requests", "webhook.attempts", "webhook.lost",
             "webhook.given_up", "webhook.delivered")  # fmt: skip
    return {name: stats.get(name, 0) for name in names}


def measure(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    args.kills = 0
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        folder = Path(tmp)
        queue_file = folder / "notices.sqlite"
        queue = stack.enter_context(NoticeQueue(queue_file))
        server, _ = stack.enter_context(_fleet(args, folder))
        names = server.emulator.fleet.ids or ["DEMO"]
        companies = [Company(name, server.url, folder, queue) for name in names]
        with ThreadPoolExecutor(8) as pool:  # first runs: the baseline each follows from
            list(pool.map(lambda c: c.run(None), companies))
        poll, poll_requests = _poll_cost(server, companies[0])
        receiving = ExitStack()
        url = receiving.enter_context(_receiver(args, folder, queue, server.url))
        for company in companies:
            server.subscribe(company.name, "VENDOR", events=["create", "update"], url=url)
            company.thread.start()
        before = _counters(server)
        began = time.time()
        plan = [
            (company, n, began + rng.uniform(0, args.seconds))
            for company in companies
            for n in range(args.writes)
        ]
        with ThreadPoolExecutor(16) as pool:
            written = list(pool.map(lambda p: (p[0], _write(server, *p)), plan))
        _settle(server, queue_file, queue, len(plan), before)
        time.sleep(3)
        window = time.time() - began
        spent = {k: v - before[k] for k, v in _counters(server).items()}
        for company in companies:
            company.close()
        receiving.close()  # the receiver stopped: its kills counted
        result = _freshness(companies, written, _record_keys(queue_file))
        result |= _exact(server, companies)
        reads = sum(c.follower.runs for c in companies)
        per_hour = 3600 / window
        result |= {
            "companies": len(companies), "writes": len(written), "reads": reads,
            "window_s": round(window, 1), "transactions": spent["api_transactions"],
            "transactions_per_hour": round(spent["api_transactions"] * per_hour),
            "requests_per_hour": round(spent["requests"] * per_hour),
            "deliveries_per_hour": round(spent["webhook.attempts"] * per_hour),
            "polling_transactions_per_hour": poll * len(companies),
            "polling_requests_per_hour": poll_requests * len(companies),
            "kept": _kept(queue_file), "lost_by_faults": spent["webhook.lost"],
            "given_up": spent["webhook.given_up"], "receiver_kills": args.kills,
        }  # fmt: skip
        result["notices_complete"] = (
            result["kept"] + result["lost_by_faults"] == len(written) and not result["given_up"]
        )
        return result


def _settle(
    server: EmulatorServer, queue_file: Path, queue: NoticeQueue, writes: int,
    before: dict[str, int],
) -> None:  # fmt: skip
    """Wait (2 min at most) until every write's notice is kept or lost by a fault or
    given up (retries under way still count), and the followers have read them all."""
    deadline = time.time() + 120
    while time.time() < deadline:
        now = _counters(server)
        ended = _kept(queue_file) + sum(
            now[name] - before[name] for name in ("webhook.lost", "webhook.given_up")
        )
        if ended >= writes and not queue.counts()["pending"]:
            return
        time.sleep(0.2)


def _kept(queue_file: Path) -> int:
    with sqlite3.connect(queue_file) as db:
        return int(db.execute("SELECT COUNT(*) FROM notices").fetchone()[0])


def _freshness(
    companies: list[Company], written: list[tuple[Company, tuple[str, float]]],
    keys: dict[str, tuple[str, str]],
) -> dict[str, Any]:  # fmt: skip
    first_read: dict[tuple[str, str], float] = {}
    for company in companies:
        for end, dirty in company.reads:
            for key in dirty.keys:
                record = keys.get(key)
                if record is not None:
                    first_read.setdefault(record, end)
    lags, unannounced = [], 0
    for company, (recordno, at) in written:
        end = first_read.get((company.name, recordno))
        if end is None:
            unannounced += 1  # its notice was lost: read by a later read or the safety run
        else:
            lags.append(end - at)
    return {
        "median_s": round(statistics.median(lags), 2) if lags else None,
        "p90_s": round(_percentile(lags, 0.9), 2) if lags else None,
        "p99_s": round(_percentile(lags, 0.99), 2) if lags else None,
        "max_s": round(max(lags), 2) if lags else None,
        "without_notice": unannounced,
    }


def _exact(server: EmulatorServer, companies: list[Company]) -> dict[str, Any]:
    """A safety run per company, then its table against the emulator."""
    differ = []
    for company in companies:
        with IntacctClient.from_mapping(client_config(server.url, company.name)) as client:
            run_sync(client, str(company.db), QuietReporter(), SETTINGS)
            truth = {r["VENDORID"] for r in client.iter_query("VENDOR", ["VENDORID"])}
        gc.collect()
        with duckdb.connect(str(company.db), read_only=True) as con:
            rows = con.execute('SELECT VENDORID FROM "VENDOR" WHERE _sdc_deleted_at IS NULL')
            stored = {row[0] for row in rows.fetchall()}
        if stored != truth:
            differ.append(company.name)
    return {"exact": not differ, "differ": differ[:5]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=0, help="fleet companies (0: DEMO)")
    parser.add_argument("--writes", type=int, default=20, help="vendors written per company")
    parser.add_argument("--seconds", type=float, default=60.0, help="the writes' window")
    parser.add_argument("--latency-ms", type=int, default=150)
    parser.add_argument("--faults", action="store_true")
    parser.add_argument("--kill-receiver", type=int, default=0, metavar="K",
                        help="SIGKILL the receiver (its own process) K times")  # fmt: skip
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json")
    args = parser.parse_args()
    report(measure(args), args.json)


def report(result: dict[str, Any], json_path: str | None) -> None:
    """Print ``result`` (and write it to ``json_path``); exit 1 unless it is exact and no
    notice was lost but by a fault."""
    print(json.dumps(result, indent=2))
    if json_path:
        Path(json_path).write_text(json.dumps(result, indent=2))
    if not result["exact"]:
        raise SystemExit(f"tables differ from the emulator: {result['differ']}")
    if not result["notices_complete"]:
        raise SystemExit("a notice was lost (neither kept nor lost by a fault) or kept twice")


if __name__ == "__main__":
    main()
