"""A run's status is the truth when run worker hosts misbehave (issues 46 and 70), in
examples/dagster-deploy started with its README's commands (tests/deployment.py), with
real processes: Dagster's CeleryRunLauncher, a Redis broker, a Celery worker a host.

1. the sensor's two shard runs go, one on each host; host 1 is stopped (SIGSTOP: a slow
   host, its run with it) and host 2 is killed whole (SIGKILL: a host lost, its run with
   it) for several of run monitoring's polls. Host 1's run, resumed, ends SUCCESS, never
   failed. Host 2's run cannot be told from a slow one (its task stays started in the
   broker): run monitoring fails it at its maximum runtime, its slots are freed, and the
   shard's next run, on a host restarted, syncs its companies exactly, the lost run's
   spend counted in their ledgers; the lost host comes back under a new name and takes
   runs as any other (Celery keeps no list of hosts). No two runs of a company are ever
   going at once, on whichever hosts.
2. a new tenant's first run is terminated while it syncs (as a person would, in the UI):
   its worker interrupts it (the broker's revoke), the run ends with the company's sync
   unfinished, and the company's next run proceeds; its ledger equals the emulator's
   billing.

All along, the daemon and the code server warn of nothing but the one warning the README
names (the daemon started a code server of its own every minute, which warned as it
stopped)."""

from __future__ import annotations

import itertools
import re
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster import DagsterEventType, DagsterRunStatus

from intacct.destinations.runs import billed_since
from intacct.emulator.server import EmulatorServer
from intacct.integrations.dagster.once import ONCE, SHARD_TAG, in_shard
from intacct.integrations.dagster.writer import COMPANY_POOL
from tests.checksums import EmulatorData
from tests.deployment import Deployment, table_problems, wait
from tests.postgres import create_database

#: three in each shard: FLEET0004-FLEET0006 in 1/2 (with the newcomer), the rest in 2/2
COMPANIES = [f"FLEET{n:04d}" for n in range(1, 7)]
NEWCOMER = "FLEET0007"
OBJECTS = ["GLACCOUNT", "VENDOR", "CUSTOMER", "APBILL", "ARINVOICE", "GLENTRY"]
#: run monitoring's checks of each run while its host is away (2 s a poll)
CHECKS = 3
#: the daemon's own code server was started again every 60 s and warned 20 s after
RELOAD_S = 90
#: a run's maximum runtime here, which the lost run is failed at (the test waits it
#: out): a shard's first run takes 20-30 s, stopped or not (its reads 10 ms a record)
MAX_RUNTIME_S = 60
#: the one warning the README says the daemon gives: dagster-celery's launcher registers
#: its task again at each launch (harmless; Python shows it once a process)
KNOWN = "DuplicateTaskNameWarning: Task name 'execute_job' is already registered"
#: requests a stopped run may have recorded and not yet sent (the tenants' concurrency)
IN_FLIGHT = 2


@pytest.fixture
def fleet_emulator() -> Iterator[EmulatorServer]:
    # each request and record slow (a company's first read about 5 s), so a run is still
    # reading through the hosts' outages (a few seconds)
    with EmulatorServer(port=0, scale=0, companies=7, latency_ms=200,
                        latency_per_row_us=10_000) as server:  # fmt: skip
        yield server


def test_a_run_status_is_the_truth_through_host_outages(
    postgres_server: str,
    tmp_path: Path,
    fleet_emulator: EmulatorServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    warehouse = create_database(postgres_server)
    destination = warehouse + ("&" if "?" in warehouse else "?") + "schema=intacct_{company_id}"
    instance_url = create_database(postgres_server)
    deployment = Deployment(tmp_path, instance_url, destination, fleet_emulator.url, COMPANIES)
    deployment.configure(run_monitoring={"max_runtime_seconds": MAX_RUNTIME_S,
                                         "cancel_timeout_seconds": 10})  # fmt: skip
    for name, value in deployment.instance_env().items():  # this process reads the instance
        monkeypatch.setenv(name, value)
    home = deployment.host("test")["DAGSTER_HOME"]
    began = time.monotonic()
    deployment.start()
    try:
        with dg.DagsterInstance.from_config(home) as instance:
            _through_outages(deployment, instance, destination, fleet_emulator)
            _terminated_while_syncing(deployment, instance, destination, fleet_emulator)
            assert not _overlaps(instance), _overlaps(instance)
            wait("the daemon to pass its minute", lambda: time.monotonic() - began > RELOAD_S,
                 deployment)  # fmt: skip
        warned = [
            line
            for name in ("daemon", "code")
            for line in _plain((tmp_path / name / "process.log").read_text()).splitlines()
            if (" - WARNING - " in line or " - ERROR - " in line) and KNOWN not in line
        ]
        assert not warned, "\n".join(warned)
    finally:
        deployment.stop()


def _through_outages(
    deployment: Deployment, instance: dg.DagsterInstance, destination: str, emu: EmulatorServer
) -> None:
    month = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)

    def both_syncing() -> dict[str, dg.DagsterRun] | None:
        runs = instance.get_runs(filters=dg.RunsFilter(job_name=ONCE))
        going = [r for r in runs if r.status == DagsterRunStatus.STARTED]
        held = instance.event_log_storage.get_concurrency_run_ids()
        if len(runs) == 2 and len(going) == 2 and all(r.run_id in held for r in going):
            hosts = {deployment.run_host(r): r for r in going}
            return hosts if set(hosts) == {"host 1", "host 2"} else None
        return None

    by_host = wait("both shard runs syncing, one on each host", both_syncing, deployment)
    slow, lost = by_host["host 1"], by_host["host 2"]
    mark = _daemon_log(deployment)
    deployment.signal("host 1", signal.SIGSTOP)  # slow: its worker and its run stand still
    deployment.signal("host 2", signal.SIGKILL)  # lost: its worker and its run are gone

    def checked() -> bool:  # or a run ended meanwhile (failed: the assertions below say)
        log = _daemon_log(deployment)[len(mark) :]
        ended = any(r and r.is_finished for r in map(instance.get_run_by_id, [slow.run_id]))
        return ended or all(log.count(f"Checking run {r.run_id}") >= CHECKS for r in (slow, lost))

    wait("run monitoring to check both runs while their hosts are away", checked, deployment)
    deployment.signal("host 1", signal.SIGCONT)
    assert instance.get_run_by_id(lost.run_id).status == DagsterRunStatus.STARTED  # type: ignore[union-attr]

    def ended(run_id: str) -> dg.DagsterRun | None:
        run = instance.get_run_by_id(run_id)
        return run if run and run.is_finished else None

    done = wait("host 1's run to end", lambda: ended(slow.run_id), deployment, limit_s=300)
    assert done.status == DagsterRunStatus.SUCCESS, (done.status, deployment.logs())
    assert not instance.all_logs(slow.run_id, of_type=DagsterEventType.RUN_FAILURE)
    gone = wait("the lost run's maximum runtime", lambda: ended(lost.run_id), deployment,
                limit_s=MAX_RUNTIME_S + 60)  # fmt: skip
    assert gone.status == DagsterRunStatus.FAILURE, gone.status
    # a host back under a new name, as a replaced machine: Celery needs no list of hosts
    deployment.commands["host 2"] = deployment.commands["host 2"].replace("host2@", "host3@")
    deployment.spawn("host 2")
    shard = lost.tags[SHARD_TAG]
    _next_run_exact(deployment, instance, destination, emu, shard, month)


def _next_run_exact(
    deployment: Deployment, instance: dg.DagsterInstance, destination: str,
    emu: EmulatorServer, shard: str, month: datetime, more: list[str] | None = None,
) -> None:  # fmt: skip
    """The shard's next run, once its companies' slots are free: every table exact, and
    each ledger counts what the emulator billed (a stopped run's spend in it)."""
    companies = in_shard([*COMPANIES, *(more or [])], shard)
    pools = [COMPANY_POOL.format(company=c) for c in companies]

    def free() -> bool:
        storage = instance.event_log_storage
        return not any(storage.get_concurrency_info(p).claimed_slots for p in pools)

    wait(f"the slots of shard {shard} freed", free, deployment)
    before = {r.run_id for r in instance.get_runs()}
    deployment.launch(shard)

    def next_ended() -> dg.DagsterRun | None:
        new = [r for r in instance.get_runs() if r.run_id not in before]
        return new[0] if new and new[0].is_finished else None

    run = wait(f"shard {shard}'s next run", next_ended, deployment, limit_s=300)
    assert run.status == DagsterRunStatus.SUCCESS, deployment.logs()
    data = EmulatorData.of(emu)
    try:
        stats = dict(data.get("stats"))
        for company in companies:
            where = destination.replace("{company_id}", company)
            assert not table_problems(company, where, data, OBJECTS)
            billed = int(stats.get(f"api_transactions.{company}", 0))
            recorded = billed_since(where, month.replace(tzinfo=None))
            assert billed <= recorded <= billed + IN_FLIGHT, (company, recorded, billed)
    finally:
        data.close()


def _terminated_while_syncing(
    deployment: Deployment, instance: dg.DagsterInstance, destination: str, emu: EmulatorServer
) -> None:
    before = {r.run_id for r in instance.get_runs()}
    tenants = deployment.project / "tenants.yaml"
    listed = yaml.safe_load(tenants.read_text(encoding="utf-8"))
    listed["tenants"].append({"company_id": NEWCOMER})
    tenants.write_text(yaml.safe_dump(listed), encoding="utf-8")
    where = destination.replace("{company_id}", NEWCOMER)
    month = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    pool = COMPANY_POOL.format(company=NEWCOMER)

    def newcomer_runs() -> list[dg.DagsterRun]:
        """The runs since the newcomer was listed, oldest first."""
        return [r for r in reversed(instance.get_runs()) if r.run_id not in before]

    def syncing() -> dg.DagsterRun | None:
        runs = [r for r in newcomer_runs() if r.status == DagsterRunStatus.STARTED]
        if not runs or not billed_since(where, month.replace(tzinfo=None)):
            return None
        info = instance.event_log_storage.get_concurrency_info(pool)
        return runs[0] if runs[0].run_id in {s.run_id for s in info.claimed_slots} else None

    run = wait(f"{NEWCOMER}'s first run syncing", syncing, deployment)
    assert instance.run_coordinator.cancel_run(run.run_id)  # the UI's Terminate

    def ended() -> dg.DagsterRun | None:
        found = instance.get_run_by_id(run.run_id)
        return found if found and found.is_finished else None

    done = wait("the terminated run to end", ended, deployment)
    assert done.status in (DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED), done.status
    # stopped midway: the company's sync never ended (its materializations come at its end)
    wrote = instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)
    assert not [e for e in wrote if e.dagster_event and e.dagster_event.partition == NEWCOMER], (
        "the terminated run went on syncing"
    )
    _next_run_exact(deployment, instance, destination, emu, run.tags[SHARD_TAG], month,
                    [NEWCOMER])  # fmt: skip


def _overlaps(instance: dg.DagsterInstance) -> list[str]:
    """Two runs of one company that were going at once, on whichever hosts."""
    spans: dict[str, list[tuple[float, float, str]]] = {}
    for run in instance.get_runs(filters=dg.RunsFilter(job_name=ONCE)):
        record = instance.get_run_record_by_id(run.run_id)
        assert record is not None and record.start_time is not None
        span = (record.start_time, record.end_time or time.time(), run.run_id)
        for company in in_shard([*COMPANIES, NEWCOMER], run.tags[SHARD_TAG]):
            spans.setdefault(company, []).append(span)
    return [
        f"{company}: {a[2]} and {b[2]} at once"
        for company, runs in spans.items()
        for a, b in itertools.pairwise(sorted(runs))
        if b[0] < a[1]
    ]


def _daemon_log(deployment: Deployment) -> str:
    return (deployment.root / "daemon" / "process.log").read_text(errors="replace")


def _plain(text: str) -> str:
    """``text`` without its terminal colours (Dagster colours its log levels)."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)
