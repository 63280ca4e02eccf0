"""Freshness through the fleet on Dagster (issues 37, 48): Intacct's notices drive the
``intacct_notices`` sensor, and Dagster's own runs store the writes.

As a fleet deploys it: the emulator on a socket (``--companies N`` fleet companies, the
latency model), each company's VENDOR trigger posting signed webhooks to ``intacct
notices serve`` (the public command, a process of its own, SIGKILLed and started again
``--kill-receiver K`` times), ``dagster-daemon`` over a DAGSTER_HOME with the example's
dagster.yaml (run queue: 4 runs at once) and definitions made by ``fleet_definitions(...,
notices=<the receiver's queue>)``: each tick's settled companies are one run of
``intacct_notices_run`` (up to 50 companies, 4 at a time), launched by the daemon in a
process of its own, each company storing into its DuckDB file and recording its
materialization under its partition. The companies' first syncs are made beforehand in
this process (the hourly schedule is off; ``--faults`` adds the delivery faults of
benchmarks/freshness.py).

Freshness of a write: from Intacct's answer to the first materialization of its
company's VENDOR recorded by a run that started after it (Dagster's event log: a
company's materialization is recorded once its read has stored what it read, and a run
started after the write read after it). An upper bound: a run already under way may have
stored it earlier. Writes no such run follows (their notice was lost by a fault) are
counted apart. At the end: one safety run per company (the schedule's read, in this
process), then every table against the emulator (exit 1 if one differs), and whether
every write's notice was kept once. Reported: median, p90, p99, max; runs; the daemon's
CPU (with its runs) per run and per company read; API transactions, gateway requests and
webhook deliveries per hour, against hourly polling.

Usage: ``python benchmarks/freshness_dagster.py [--companies N] [--writes W]
[--seconds S] [--latency-ms L] [--faults] [--kill-receiver K] [--seed S] [--json F]``
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import dagster as dg
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from deploy import Sampler  # noqa: E402
from freshness import (  # noqa: E402
    FAULTS,
    Receiver,
    _counters,
    _kept,
    _percentile,
    report,
)

from intacct import IntacctClient  # noqa: E402
from intacct.emulator.demo import client_config  # noqa: E402
from intacct.emulator.server import EmulatorServer  # noqa: E402
from intacct.integrations.dagster import PARTITIONS, load_tenants  # noqa: E402
from intacct.integrations.dagster.run import sync_company  # noqa: E402
from intacct.sync.display import QuietReporter  # noqa: E402

EXAMPLE_YAML = HERE.parent / "examples" / "dagster" / "dagster.yaml"
BIN = Path(sys.executable).parent
OBJECTS = ["VENDOR"]
SECRETS = {"FLEET_SENDER_PASSWORD": "", "FLEET_USER_PASSWORD": ""}


def _tenants(server: EmulatorServer, folder: Path, names: list[str]) -> Path:
    config = client_config(server.url, names[0])
    SECRETS.update(FLEET_SENDER_PASSWORD=config["sender_password"],
                   FLEET_USER_PASSWORD=config["user_password"])  # fmt: skip
    listed = {
        "defaults": {
            "api_url": server.url, "sender_id": config["sender_id"],
            "sender_password": {"env": "FLEET_SENDER_PASSWORD"},
            "user_id": config["user_id"], "user_password": {"env": "FLEET_USER_PASSWORD"},
            "timeout_s": 60,
        },
        "tenants": [{"company_id": name, "concurrency": 2} for name in names],
    }  # fmt: skip
    path = folder / "tenants.yaml"
    path.write_text(yaml.safe_dump(listed), encoding="utf-8")
    return path


def _code(folder: Path, tenants: Path, queue_file: Path) -> Path:
    path = folder / "definitions.py"
    path.write_text(
        "from intacct.integrations.dagster import fleet_definitions\n"
        f"defs = fleet_definitions({str(tenants)!r}, {str(folder / 'data')!r}, "
        f"objects={OBJECTS!r}, notices={str(queue_file)!r}, notices_interval_s=5)\n",
        encoding="utf-8",
    )
    return path


def _first_syncs(tenants_file: Path, data: Path) -> None:
    """Each company's first read, as its first run would make it (the baseline)."""
    os.environ.update(SECRETS)
    tenants = list(load_tenants(tenants_file).values())

    def first(tenant: Any) -> None:
        sync_company(tenant, tenant.connection(), data, OBJECTS, QuietReporter())

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(first, tenants))


def _daemon(home: Path, code: Path, folder: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, **SECRETS, "DAGSTER_HOME": str(home)}
    log = (folder / "daemon.log").open("wb")
    return subprocess.Popen(
        [str(BIN / "dagster-daemon"), "run", "-f", str(code)], env=env, cwd=folder,
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def _sensing(instance: dg.DagsterInstance, limit_s: float = 120) -> None:
    """Until the daemon's sensor loop has a heartbeat."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if "SENSOR" in instance.get_daemon_heartbeats():
            return
        time.sleep(0.5)
    raise RuntimeError("dagster-daemon's sensors did not start")


def _write(company: str, url: str, n: int, when: float) -> tuple[str, float]:
    time.sleep(max(0.0, when - time.time()))
    vendor = f"FRESH-{n:05d}"
    with IntacctClient.from_mapping(client_config(url, company)) as client:
        client.create("VENDOR", [{"VENDORID": vendor, "NAME": vendor}])
    return company, time.time()


def _runs(instance: dg.DagsterInstance) -> list[dg.RunRecord]:
    """The runs the sensor asked (and any run of the fleet's partitions)."""
    jobs = ("intacct_notices_run", "intacct_fleet")
    return [r for job in jobs for r in instance.get_run_records(dg.RunsFilter(job_name=job))]


def _materialized(instance: dg.DagsterInstance) -> list[tuple[str, str, float]]:
    """(company, run id, when) of each materialization of VENDOR, oldest first."""
    found: list[tuple[str, str, float]] = []
    cursor = None
    while True:
        page = instance.fetch_materializations(
            dg.AssetKey(["intacct", "vendor"]), limit=1000, cursor=cursor, ascending=True
        )
        for record in page.records:
            event = record.asset_materialization
            if event is not None and event.partition:
                found.append((event.partition, record.run_id, record.timestamp))
        if not page.has_more:
            return found
        cursor = page.cursor


def _covered(
    instance: dg.DagsterInstance, records: list[dg.RunRecord], written: list[tuple[str, float]]
) -> dict[int, float]:
    """Write index -> the first materialization of its company's VENDOR by a run started
    after it."""
    started = {r.dagster_run.run_id: r.start_time for r in records if r.start_time}
    by_company: dict[str, list[tuple[float, float]]] = {}
    for company, run_id, when in _materialized(instance):
        if run_id in started:
            by_company.setdefault(company, []).append((started[run_id], when))
    ends: dict[int, float] = {}
    for index, (company, at) in enumerate(written):
        after = [when for start, when in by_company.get(company, []) if start >= at]
        if after:
            ends[index] = min(after)
    return ends


def _settled(
    instance: dg.DagsterInstance, server: EmulatorServer, queue_file: Path,
    written: list[tuple[str, float]], before: dict[str, int], limit_s: float,
) -> None:  # fmt: skip
    """Until every write is covered by a run, or every notice has ended (kept, lost by
    a fault or given up) and been read, with no run left (or the time is up)."""
    from intacct.notices import NoticeQueue

    deadline = time.monotonic() + limit_s
    with NoticeQueue(queue_file) as queue:
        while time.monotonic() < deadline:
            records = _runs(instance)
            if all(r.dagster_run.is_finished for r in records):
                if len(_covered(instance, records, written)) == len(written):
                    return
                now = _counters(server)
                lost = sum(now[n] - before[n] for n in ("webhook.lost", "webhook.given_up"))
                if _kept(queue_file) + lost >= len(written) and not queue.counts()["pending"]:
                    return
            time.sleep(1)


def _exact(url: str, data: Path, tenants_file: Path) -> dict[str, Any]:
    """The safety run per company (the schedule's), then its table against Intacct's."""
    import gc

    import duckdb

    differ = []
    for company, tenant in load_tenants(tenants_file).items():
        sync_company(tenant, tenant.connection(), data, OBJECTS, QuietReporter())
        with IntacctClient.from_mapping(client_config(url, company)) as client:
            truth = {r["VENDORID"] for r in client.iter_query("VENDOR", ["VENDORID"])}
        gc.collect()  # the run's connection to the file is let go of
        with duckdb.connect(str(data / f"{company}.duckdb"), read_only=True) as con:
            rows = con.execute('SELECT VENDORID FROM "VENDOR" WHERE _sdc_deleted_at IS NULL')
            if {row[0] for row in rows.fetchall()} != truth:
                differ.append(company)
    return {"exact": not differ, "differ": differ[:5]}


def measure(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        folder = Path(tmp)
        home = folder / "home"
        home.mkdir()
        shutil.copy(EXAMPLE_YAML, home / "dagster.yaml")
        server = stack.enter_context(EmulatorServer(
            port=0, scale=50, seed=args.seed, latency_ms=args.latency_ms, max_concurrency=0,
            companies=args.companies, company_scale=20,
        ))  # fmt: skip
        server.pace_webhooks(retry_scale=0.1)
        for spec in FAULTS if args.faults else ():
            server.add_webhook_fault(spec)
        names = list(server.emulator.fleet.ids)
        tenants_file, queue_file = _tenants(server, folder, names), folder / "notices.sqlite"
        _first_syncs(tenants_file, folder / "data")
        poll_before = _counters(server)
        _first_syncs(tenants_file, folder / "data")  # a quiet read of each: polling's cost
        poll = {k: v - poll_before[k] for k, v in _counters(server).items()}
        instance = stack.enter_context(dg.DagsterInstance.from_config(str(home)))
        instance.add_dynamic_partitions(PARTITIONS, names)  # no first runs to ask
        receiver = Receiver(folder, queue_file, server.url)
        stack.callback(receiver.close)
        for name in names:
            server.subscribe(name, "VENDOR", events=["create", "update"], url=receiver.url)
        daemon = _daemon(home, _code(folder, tenants_file, queue_file), folder)
        sampler = Sampler({"dagster": daemon.pid})
        try:
            _sensing(instance)
            before, began = _counters(server), time.time()
            plan = [(name, n, began + rng.uniform(0, args.seconds))
                    for name in names for n in range(args.writes)]  # fmt: skip
            kills = [began + args.seconds * (k + 1) / (args.kill_receiver + 1)
                     for k in range(args.kill_receiver)]  # fmt: skip
            with ThreadPoolExecutor(16) as pool:
                pending = [pool.submit(_write, c, server.url, n, at) for c, n, at in plan]
                for at in kills:
                    time.sleep(max(0.0, at - time.time()))
                    receiver.kill_and_restart(3.0)
                written = [f.result() for f in pending]
            _settled(instance, server, queue_file, written, before, 600)
            window = time.time() - began
            spent = {k: v - before[k] for k, v in _counters(server).items()}
            cpu = sampler.totals()["dagster"]
        finally:
            sampler.stop()
            daemon.terminate()
            daemon.wait(60)
        records = _runs(instance)
        result = _freshness(written, _covered(instance, records, written))
        result |= _exact(server.url, folder / "data", tenants_file)
        per_hour = 3600 / window
        result |= {
            "companies": len(names), "writes": len(written), "runs": len(records),
            "failed_runs": sum(r.dagster_run.status != dg.DagsterRunStatus.SUCCESS
                               for r in records),
            "dagster_cpu_s_per_run": round(cpu / max(1, len(records)), 2),
            "companies_per_run": round(_reads(instance) / max(1, len(records)), 1),
            "window_s": round(window, 1),
            "transactions_per_hour": round(spent["api_transactions"] * per_hour),
            "requests_per_hour": round(spent["requests"] * per_hour),
            "deliveries_per_hour": round(spent["webhook.attempts"] * per_hour),
            "polling_transactions_per_hour": poll["api_transactions"],
            "polling_requests_per_hour": poll["requests"],
            "kept": _kept(queue_file), "lost_by_faults": spent["webhook.lost"],
            "given_up": spent["webhook.given_up"], "receiver_kills": receiver.kills,
        }  # fmt: skip
        result["notices_complete"] = (
            result["kept"] + result["lost_by_faults"] == len(written) and not result["given_up"]
        )
        return result


def _reads(instance: dg.DagsterInstance) -> int:
    """The companies' reads the runs recorded (a materialization each)."""
    return len(_materialized(instance))


def _freshness(written: list[tuple[str, float]], ends: dict[int, float]) -> dict[str, Any]:
    lags = [ends[i] - at for i, (_, at) in enumerate(written) if i in ends]
    return {
        "median_s": round(sorted(lags)[len(lags) // 2], 2) if lags else None,
        "p90_s": round(_percentile(lags, 0.9), 2) if lags else None,
        "p99_s": round(_percentile(lags, 0.99), 2) if lags else None,
        "max_s": round(max(lags), 2) if lags else None,
        "without_run": len(written) - len(lags),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=10)
    parser.add_argument("--writes", type=int, default=3, help="vendors written per company")
    parser.add_argument("--seconds", type=float, default=120.0, help="the writes' window")
    parser.add_argument("--latency-ms", type=int, default=150)
    parser.add_argument("--faults", action="store_true")
    parser.add_argument("--kill-receiver", type=int, default=0, metavar="K")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json")
    args = parser.parse_args()
    report(measure(args), args.json)


if __name__ == "__main__":
    main()
