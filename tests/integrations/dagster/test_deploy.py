"""examples/dagster-deploy on one machine as on many hosts (issue 34): a Postgres instance,
the daemon with the run queue, the sensor and run monitoring, a Redis broker and two run
worker hosts (a Celery worker each: Dagster's CeleryRunLauncher), each a process with its
own folder, HOME and DAGSTER_HOME, sharing only the network and Postgres with the daemon.

The sensor adds the fleet's companies and queues their first runs, one per shard (the
example's two); the hosts' workers take one each. The run syncing one company is
SIGKILLed midway (an OOM kill); its worker records its task failed, run monitoring fails
the run, Dagster frees its slots, and the shard's next run (as the hourly schedule asks
it) proceeds. At the end: every company's last run succeeded, no two runs of one company
overlapped, the company slots are free, each company's ledger (its schema's
``_intacct_runs``) agrees with the emulator's billing, and every table equals the
emulator's; and every run's step logs and step outputs, written on the worker hosts, are
read by a process of another host (as the webserver reads them): they are in the shared
folder, not on a host's disk."""

from __future__ import annotations

import itertools
import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from dagster import DagsterEventType, DagsterRunStatus

from intacct.destinations.runs import billed_since
from intacct.emulator.server import EmulatorServer
from intacct.integrations.dagster.once import ONCE, SHARD_TAG, in_shard
from intacct.integrations.dagster.writer import COMPANY_POOL
from tests.checksums import EmulatorData
from tests.deployment import Deployment, run_processes, table_problems, wait
from tests.postgres import create_database

#: the documented-paths matrix runs it too: it is examples/dagster-deploy as documented
COMPANIES = ["FLEET0001", "FLEET0002", "FLEET0003", "FLEET0004"]
#: the example's definitions.py objects
OBJECTS = ["GLACCOUNT", "VENDOR", "CUSTOMER", "APBILL", "ARINVOICE", "GLENTRY"]
#: requests a killed run may have recorded and not yet sent (the tenants' concurrency)
IN_FLIGHT = 2


@pytest.fixture
def fleet_emulator() -> Iterator[EmulatorServer]:
    # each request a little slow, so a run is still reading when it is killed
    with EmulatorServer(port=0, scale=0, companies=len(COMPANIES), latency_ms=150) as server:
        yield server


def _runs(instance: dg.DagsterInstance, company: str) -> list[dg.DagsterRun]:
    """The runs that sync ``company`` (its shard's), oldest first."""
    runs = instance.get_runs(filters=dg.RunsFilter(job_name=ONCE))
    return [r for r in reversed(runs) if company in in_shard(COMPANIES, r.tags[SHARD_TAG])]


def test_the_deployment_syncs_the_fleet_through_a_kill(
    postgres_server: str,
    tmp_path: Path,
    fleet_emulator: EmulatorServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    instance_url = create_database(postgres_server)
    warehouse = create_database(postgres_server)
    destination = warehouse + ("&" if "?" in warehouse else "?") + "schema=intacct_{company_id}"
    deployment = Deployment(tmp_path, instance_url, destination, fleet_emulator.url)
    home = deployment.host("test")["DAGSTER_HOME"]
    for name, value in deployment.instance_env().items():  # this process reads the instance
        monkeypatch.setenv(name, value)
    deployment.start()
    try:
        with dg.DagsterInstance.from_config(home) as instance:
            _through_a_kill(deployment, instance, destination, fleet_emulator)
    finally:
        deployment.stop()


def _through_a_kill(
    deployment: Deployment, instance: dg.DagsterInstance, destination: str, emu: EmulatorServer
) -> None:
    victim = COMPANIES[0]
    month = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    where = {c: destination.replace("{company_id}", c) for c in COMPANIES}

    def started_and_spending() -> dg.DagsterRun | None:
        runs = [r for r in _runs(instance, victim) if r.status == DagsterRunStatus.STARTED]
        spent = billed_since(where[victim], month.replace(tzinfo=None)) if runs else 0
        return runs[0] if runs and spent else None

    run = wait(f"a run of {victim} reading", started_and_spending, deployment)
    for pid in run_processes(instance, run.run_id):  # the run worker and its steps: OOM-killed
        os.kill(pid, signal.SIGKILL)

    def failed() -> dg.DagsterRun | None:
        found = instance.get_run_by_id(run.run_id)
        return found if found and found.status == DagsterRunStatus.FAILURE else None

    wait("run monitoring to fail the killed run", failed, deployment)
    deployment.launch(run.tags[SHARD_TAG])

    def all_done() -> bool:
        runs = instance.get_runs(filters=dg.RunsFilter(job_name=ONCE))
        return len(runs) == 3 and all(r.is_finished for r in runs)

    wait("every run to finish", all_done, deployment, 300, lambda: _unfinished(instance))
    problems = _problems(deployment, instance, where, emu, month, run.run_id)
    assert not problems, "\n".join(problems) + "\n" + deployment.logs()


def _problems(
    deployment: Deployment, instance: dg.DagsterInstance, where: dict[str, str],
    emu: EmulatorServer, month: datetime, killed: str,
) -> list[str]:  # fmt: skip
    problems: list[str] = []
    hosts: set[str] = set()
    data = EmulatorData.of(emu)
    for company in COMPANIES:
        runs = _runs(instance, company)
        hosts |= {deployment.run_host(r) or "" for r in runs}
        if runs[-1].status != DagsterRunStatus.SUCCESS:
            problems.append(f"{company}: last run {runs[-1].status}")
        spans = sorted(_span(instance, r.run_id) for r in runs)
        problems += [
            f"{company}: runs overlap {a} {b}" for a, b in itertools.pairwise(spans) if b[0] < a[1]
        ]
        info = instance.event_log_storage.get_concurrency_info(COMPANY_POOL.format(company=company))
        if info.claimed_slots:
            problems.append(f"{company}: its slot is still held: {info.claimed_slots}")
        recorded = billed_since(where[company], month.replace(tzinfo=None))
        billed = int(_stats(emu).get(f"api_transactions.{company}", 0))
        if not billed <= recorded <= billed + (IN_FLIGHT if company == COMPANIES[0] else 0):
            problems.append(f"{company}: ledger {recorded}, the emulator billed {billed}")
        problems += table_problems(company, where[company], data, OBJECTS)
    killed_run = instance.get_run_by_id(killed)
    if killed_run is None or killed_run.status != DagsterRunStatus.FAILURE:
        problems.append(f"the killed run is {killed_run and killed_run.status}")
    if len(hosts - {""}) != 2:
        problems.append(f"runs went to {sorted(hosts)}, not both hosts")
    for run in instance.get_runs(filters=dg.RunsFilter(job_name=ONCE)):
        problems += _elsewhere(instance, run.run_id)
    data.close()
    return problems


def _elsewhere(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """What of the run's step logs and outputs this host cannot read."""
    logs = instance.compute_log_manager
    captured = instance.all_logs(run_id, of_type=DagsterEventType.LOGS_CAPTURED)
    problems = [
        f"run {run_id}: no step log {event.logs_captured_data.file_key} here"
        for event in (e.dagster_event for e in captured)
        if event is not None
        and not logs.get_log_data(
            logs.build_log_key_for_run(run_id, event.logs_captured_data.file_key)
        ).stderr
    ]
    if not captured:
        problems.append(f"run {run_id}: no step logs captured")
    # the I/O manager's file of the first step's output (fs_io_manager: <run>/<step>/<name>)
    if not (Path(instance.storage_directory()) / run_id / "intacct_tenants" / "result").exists():
        problems.append(f"run {run_id}: its first step's output is not here")
    return problems


def _stats(emu: EmulatorServer) -> dict[str, Any]:
    data = EmulatorData.of(emu)
    try:
        return dict(data.get("stats"))
    finally:
        data.close()


def _unfinished(instance: dg.DagsterInstance) -> str:
    """Each run not finished: its status, tags and last events (why it waits)."""
    said = []
    for run in instance.get_runs(filters=dg.RunsFilter(job_name=ONCE)):
        if run.is_finished:
            continue
        said.append(f"run {run.run_id} {run.status.value} {dict(run.tags)}")
        for entry in instance.all_logs(run.run_id)[-15:]:
            kind = entry.dagster_event.event_type_value if entry.dagster_event else "log"
            said.append(f"  {entry.step_key or '-'} {kind}: {entry.message[:300]}")
    return "\n".join(said)


def _span(instance: dg.DagsterInstance, run_id: str) -> tuple[float, float]:
    record = instance.get_run_record_by_id(run_id)
    assert record is not None and record.start_time is not None
    return record.start_time, record.end_time or time.time()
