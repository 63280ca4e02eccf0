"""The fleet deployed as examples/dagster-deploy: what orchestration costs beside the work.

A real deployment on this machine (tests/deployment.py): Dagster's instance in an
embedded Postgres, ``dagster-daemon`` (run queue, sensor, run monitoring), a Redis
broker and two run worker hosts (Celery workers: Dagster's CeleryRunLauncher), and
``intacct emulator
serve --companies N`` with the latency model (300 ms + 0.5 ms a record, at most 2
requests in flight per company), every company's data in a Postgres schema of its own.
Two phases, as the example runs them (2 shards, 25 companies to a step by default):

1. first reads: the sensor adds the N tenants and queues one run per shard;
2. the hourly fleet, nothing changed: each shard's run as the schedule requests it
   (launched with ``dagster job launch``, the schedule's run config and tag).

Per phase: wall time, companies an hour, CPU by process (the daemon and the code server
it reaches, reported together as the daemon's; each worker host with its runs and their
steps; the emulator; Postgres), and the CPU of the syncs themselves (``sync_company`` in
this process for a sample of companies, same latency, into scratch schemas), so Dagster's
CPU per company = (daemon + workers) / N - the sync's own. Then: every company's tables
against the emulator, its ledger against the emulator's billing, and the most requests
in flight per company.

CPU is sampled from /proc every 0.2 s per process (a process's own user + system time,
the last sample of each): a process that lives less than that is missed, one that dies
loses at most 0.2 s.

Usage: ``python benchmarks/deploy.py [--companies 100] [--sample 10] [--no-write]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _report import write_section  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
OBJECTS = ["GLACCOUNT", "VENDOR", "CUSTOMER", "APBILL", "ARINVOICE", "GLENTRY"]


class Sampler:
    """CPU seconds of process trees, by name, from /proc (see the module docstring)."""

    def __init__(self, roots: dict[str, int]) -> None:
        self.roots = roots
        self.seen: dict[int, tuple[str, float]] = {}  # pid -> (tree, its own CPU)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.sample()

    def sample(self) -> None:
        parents, cpu = _processes()
        for name, root in self.roots.items():
            for pid in _tree(root, parents):
                if pid in cpu:
                    self.seen[pid] = (name, cpu[pid])

    def totals(self) -> dict[str, float]:
        self.sample()
        out: dict[str, float] = dict.fromkeys(self.roots, 0.0)
        for name, seconds in self.seen.values():
            out[name] += seconds
        return out

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _processes() -> tuple[dict[int, int], dict[int, float]]:
    parents, cpu = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        cpu[pid] = (int(fields[11]) + int(fields[12])) / TICKS
    return parents, cpu


def _tree(root: int, parents: dict[int, int]) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


@contextmanager
def emulator(companies: int) -> Iterator[tuple[subprocess.Popen[str], str]]:
    from tests.deployment import free_port

    port = free_port()
    intacct = Path(sys.executable).with_name("intacct")
    command = [str(intacct), "emulator", "serve", "--port", str(port), "--scale", "0",
               "--companies", str(companies), "--company-limits", "2",
               "--latency-ms", "300", "--latency-per-row-us", "500"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    said = ""
    while "listening on" not in said:
        said = process.stdout.readline()
        if not said:
            raise RuntimeError("the emulator did not start")
    try:
        yield process, said.split("listening on ")[1].strip()
    finally:
        process.terminate()
        process.wait(30)


def run_phase(instance: Any, count: int, limit_s: float) -> float:
    """Seconds until ``count`` runs of the once job have all finished."""
    import dagster as dg

    from intacct.integrations.dagster.once import ONCE

    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        runs = instance.get_runs(filters=dg.RunsFilter(job_name=ONCE))
        if len(runs) >= count and all(r.is_finished for r in runs):
            failed = [r.run_id for r in runs if r.status != dg.DagsterRunStatus.SUCCESS]
            if failed:
                raise RuntimeError(f"runs failed: {failed}")
            return time.monotonic() - started
        time.sleep(0.5)
    raise RuntimeError(f"the runs did not finish in {limit_s:.0f} s")


def sync_cpu(project: Path, companies: Sequence[str], scratch: str) -> dict[str, list[float]]:
    """CPU seconds (``cpu``) and records read (``read``) of one company's first and
    second sync, medians over ``companies``, in this process (the emulator and Postgres
    are other processes)."""
    from intacct.integrations.dagster.run import sync_company
    from intacct.integrations.dagster.tenants import load_tenants

    os.environ["INTACCT_DESTINATION"] = scratch
    tenants = load_tenants(project / "tenants.yaml")
    cpu: list[list[float]] = [[], []]
    read: list[list[float]] = [[], []]
    for company in companies:
        tenant = tenants[company]
        for phase in (0, 1):
            clock = time.process_time()
            done = sync_company(tenant, tenant.connection(), project / "data", OBJECTS, _Quiet())
            cpu[phase].append(time.process_time() - clock)
            read[phase].append(sum(o.read for o in done.objects))
    return {"cpu": [_median(c) for c in cpu], "read": [_median(r) for r in read]}


class _Quiet:
    def start(self, objects: Any) -> None: ...
    def page(self, *args: Any) -> None: ...
    def stored(self, *args: Any) -> None: ...
    def done(self, *args: Any) -> None: ...
    def warning(self, *args: Any) -> None: ...


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def verify(base: str, companies: Sequence[str], warehouse: str) -> dict[str, Any]:
    """Tables against the emulator, ledgers against its billing, in-flight peaks."""
    from tests.checksums import EmulatorData
    from tests.deployment import table_problems

    from intacct.destinations.runs import billed_since

    data = EmulatorData(base)
    stats = data.get("stats")
    month = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    problems, ledger_off = [], []
    for company in companies:
        url = warehouse.replace("{company_id}", company)
        problems += table_problems(company, url, data, OBJECTS)
        recorded = billed_since(url, month.replace(tzinfo=None))
        if recorded != int(stats.get(f"api_transactions.{company}", 0)):
            ledger_off.append(company)
    data.close()
    peaks = [int(stats.get(f"max_in_flight.{c}", 0)) for c in companies]
    return {"table_problems": problems, "ledgers_off": ledger_off, "max_in_flight": max(peaks)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=100)
    parser.add_argument("--sample", type=int, default=10, help="companies to time the sync of")
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--per-step", type=int, default=25, help="companies to a step")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        result = measure(args.companies, args.sample, Path(work), args.shards, args.per_step)
    print(json.dumps(result, indent=2))
    if not args.no_write:
        write_section("Fleet deployed: orchestration against the work",
                      f"python benchmarks/deploy.py --companies {args.companies} --shards "
                      f"{args.shards} --per-step {args.per_step}",
                      report(result))  # fmt: skip
    ok = not result["verify"]["table_problems"] and not result["verify"]["ledgers_off"]
    return 0 if ok and result["verify"]["max_in_flight"] <= 2 else 1


def measure(count: int, sample: int, work: Path, shards: int, per_step: int) -> dict[str, Any]:
    import dagster as dg
    from tests.deployment import Deployment
    from tests.postgres import PostgresServer, create_database, server_binaries

    companies = [f"FLEET{n:04d}" for n in range(1, count + 1)]
    with PostgresServer(server_binaries()) as server, emulator(count) as (emu, url):
        instance_url, warehouse = create_database(server.url), create_database(server.url)
        template = f"{warehouse}?schema=intacct_{{company_id}}"
        layout = {"INTACCT_FLEET_SHARDS": str(shards), "INTACCT_COMPANIES_PER_STEP": str(per_step)}
        deployment = Deployment(work, instance_url, template, url, companies, layout, fast=False)
        shared = ("INTACCT_SENDER_PASSWORD", "FLEET_USER_PASSWORD", "INTACCT_API_URL")
        # this process reads the instance and syncs a sample too
        os.environ.update(deployment.instance_env())
        os.environ.update({name: deployment.env[name] for name in shared})
        home = deployment.host("bench")["DAGSTER_HOME"]
        clock = time.monotonic()
        deployment.start()
        started = deployment.processes
        roots = {"daemon": started["the daemon"].pid, "code server": started["code"].pid,
                 **({"broker": started["the broker"].pid} if "the broker" in started else {}),
                 "worker 1": started["host 1"].pid, "worker 2": started["host 2"].pid,
                 "emulator": emu.pid, "postgres": _postmaster(server.data)}  # fmt: skip
        sampler = Sampler(roots)
        try:
            with dg.DagsterInstance.from_config(home) as instance:
                run_phase(instance, _filled(companies, shards), 3600)  # the sensor's
                first = {"seconds": time.monotonic() - clock, "cpu": sampler.totals()}
                clock = time.monotonic()
                for index in range(1, shards + 1):
                    deployment.launch(f"{index}/{shards}")
                run_phase(instance, _filled(companies, shards) + shards, 3600)
                spent = _minus(sampler.totals(), first["cpu"])
                again = {"seconds": time.monotonic() - clock, "cpu": spent}
        finally:
            sampler.stop()
            deployment.stop()
        checked = verify(url.split("/ia/")[0], companies, template)
        scratch = f"{create_database(server.url)}?schema=scratch_{{company_id}}"
        own = sync_cpu(deployment.project, companies[:sample], scratch)
    return {"companies": count, "shards": shards, "per_step": per_step, "first": first,
            "again": again, "sync_cpu": own["cpu"], "sync_read": own["read"],
            "verify": checked}  # fmt: skip


def _filled(companies: Sequence[str], shards: int) -> int:
    """The shards that have companies: the sensor starts a run of each."""
    from intacct.integrations.dagster.once import in_shard

    return sum(1 for i in range(1, shards + 1) if in_shard(companies, f"{i}/{shards}"))


def _postmaster(data: Path) -> int:
    return int((data / "postmaster.pid").read_text().splitlines()[0])


def _minus(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    return {k: after[k] - before.get(k, 0.0) for k in after}


def report(r: dict[str, Any]) -> str:
    n = r["companies"]
    lines = []
    phases = (
        ("first reads", r["first"], r["sync_cpu"][0]),
        ("hourly, nothing changed", r["again"], r["sync_cpu"][1]),
    )
    for label, phase, own in phases:
        cpu = phase["cpu"]
        daemon = cpu["daemon"] + cpu["code server"] + cpu.get("broker", 0.0)
        dagster = (daemon + cpu["worker 1"] + cpu["worker 2"]) / n - own
        lines.append(
            f"| {label} | {phase['seconds']:.0f} s | {n * 3600 / phase['seconds']:,.0f} | "
            f"{daemon:.1f} | {cpu['worker 1'] + cpu['worker 2']:.1f} | "
            f"{cpu['emulator']:.1f} | {cpu['postgres']:.1f} | {own:.2f} | {dagster:.2f} |"
        )
    v = r["verify"]
    return "\n".join([
        f"{n} companies, {r['shards']} shards, {r['per_step']} companies to a step, 2 worker "
        "hosts; the example's sensor (60 s) and run monitoring (10 s).",
        "",
        "| phase | wall | companies/h | daemon (+ code server, broker) CPU s | workers CPU s | "
        "emulator CPU s | Postgres CPU s | sync CPU s/company | Dagster CPU s/company |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *lines,
        "",
        f"Tables against the emulator: {len(v['table_problems'])} problems; ledgers equal to "
        f"the emulator's billing: {n - len(v['ledgers_off'])} of {n}; most requests in flight "
        f"for one company: {v['max_in_flight']} (limit 2).",
    ])  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
