"""A run's status is the truth when run worker hosts misbehave (issue 46), in
examples/dagster-deploy started with its README's commands (tests/deployment.py), with
real processes:

1. the sensor's two shard runs go, one on each host; host 1's server is stopped
   (SIGSTOP: a slow host) and host 2's is killed (SIGKILL) while they run, for several of
   run monitoring's polls; host 2's server is started again and answers for its run;
   host 1's resumes. Both runs end SUCCESS, never FAILURE in their event logs, and each
   was told that its host could not tell.
2. a new tenant's first run is marked failed while it syncs (as a timeout or a person
   would): its host stops its processes, and until it does, the run's slots stay held;
   the company's next run proceeds, and its ledger equals the emulator's billing.

All along, the daemon and the code server warn of nothing (the daemon started a code
server of its own every minute, which warned as it stopped)."""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import httpx
import pytest
import yaml
from dagster import DagsterEventType, DagsterRunStatus

from intacct.destinations.runs import billed_since
from intacct.emulator.server import EmulatorServer
from intacct.integrations.dagster.hosts import HOST_TAG
from intacct.integrations.dagster.once import ONCE, SHARD_TAG
from intacct.integrations.dagster.writer import COMPANY_POOL
from tests.checksums import EmulatorData
from tests.deployment import TOKEN, Deployment, table_problems, wait
from tests.postgres import create_database

#: three in each shard: FLEET0004-FLEET0006 in 1/2 (with the newcomer), the rest in 2/2
COMPANIES = [f"FLEET{n:04d}" for n in range(1, 7)]
NEWCOMER = "FLEET0007"
OBJECTS = ["GLACCOUNT", "VENDOR", "CUSTOMER", "APBILL", "ARINVOICE", "GLENTRY"]
#: run monitoring's checks of each run while its host is away (2 s a poll)
CHECKS = 3
#: the daemon's own code server was started again every 60 s and warned 20 s after
RELOAD_S = 90
#: what the launcher tells a run whose host cannot tell (hosts.py)
CANNOT_TELL = "cannot tell how the run is"
#: requests a stopped run may have recorded and not yet sent (the tenants' concurrency)
IN_FLIGHT = 2


@pytest.fixture
def fleet_emulator() -> Iterator[EmulatorServer]:
    # each request and record slow (a company's first read about 10 s), so a run is still
    # reading through the hosts' outages
    with EmulatorServer(port=0, scale=0, companies=7, latency_ms=200,
                        latency_per_row_us=20_000) as server:  # fmt: skip
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
    for name, value in deployment.instance_env().items():  # this process reads the instance
        monkeypatch.setenv(name, value)
    home = deployment.host("test")["DAGSTER_HOME"]
    began = time.monotonic()
    deployment.start()
    try:
        with dg.DagsterInstance.from_config(home) as instance:
            _through_outages(deployment, instance)
            _failed_while_syncing(deployment, instance, destination, fleet_emulator)
            wait("the daemon to pass its minute", lambda: time.monotonic() - began > RELOAD_S,
                 deployment)  # fmt: skip
        warned = [
            line
            for name in ("daemon", "code")
            for line in _plain((tmp_path / name / "process.log").read_text()).splitlines()
            if " - WARNING - " in line or " - ERROR - " in line
        ]
        assert not warned, "\n".join(warned)
    finally:
        deployment.stop()


def _through_outages(deployment: Deployment, instance: dg.DagsterInstance) -> None:
    def both_syncing() -> list[dg.DagsterRun] | None:
        runs = instance.get_runs(filters=dg.RunsFilter(job_name=ONCE))
        going = [r for r in runs if r.status == DagsterRunStatus.STARTED]
        held = instance.event_log_storage.get_concurrency_run_ids()
        if len(runs) == 2 and len(going) == 2 and all(r.run_id in held for r in going):
            return sorted(going, key=lambda r: r.tags[HOST_TAG])
        return None

    runs = wait("both shard runs syncing", both_syncing, deployment)
    by_host = {_host_name(deployment, r): r for r in runs}
    assert set(by_host) == {"host 1", "host 2"}, by_host
    mark, ids = _daemon_log(deployment), [r.run_id for r in runs]
    deployment.signal("host 1", signal.SIGSTOP)  # slow: takes connections, answers none
    deployment.signal("host 2", signal.SIGKILL)  # gone; its runs go on

    def checked() -> bool:  # or a run ended meanwhile (failed: the assertions below say)
        log = _daemon_log(deployment)[len(mark) :]
        ended = any(r.is_finished for r in map(instance.get_run_by_id, ids) if r)
        return ended or all(log.count(f"Checking run {i}") >= CHECKS for i in ids)

    wait("run monitoring to check both runs while their hosts are away", checked, deployment)
    deployment.spawn("host 2")
    url = f"http://127.0.0.1:{deployment.ports['host 2']}/runs/{by_host['host 2'].run_id}"
    said = wait("host 2's server again", lambda: _get(url), deployment)
    assert said.status_code == 200, said.text  # it answers for the run it started
    deployment.signal("host 1", signal.SIGCONT)

    def finished() -> list[dg.DagsterRun] | None:
        now = [instance.get_run_by_id(r.run_id) for r in runs]
        return [r for r in now if r] if all(r and r.is_finished for r in now) else None

    for run in wait("both runs to end", finished, deployment, limit_s=300):
        assert run.status == DagsterRunStatus.SUCCESS, (run.status, deployment.logs())
        assert not instance.all_logs(run.run_id, of_type=DagsterEventType.RUN_FAILURE)
        told = instance.all_logs(run.run_id, of_type=DagsterEventType.ENGINE_EVENT)
        assert any(CANNOT_TELL in (e.message or "") for e in told), run.tags[HOST_TAG]


def _failed_while_syncing(
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
    instance.report_run_failed(run, "marked failed while it syncs, as a timeout would")
    url, freed_early = f"{run.tags[HOST_TAG]}/runs/{run.run_id}", False
    while (said := _get(url)) is not None and said.json()["state"] == "running":
        if not _stopped(instance, run.run_id):  # its host has not stopped it yet
            freed_early |= run.run_id not in instance.event_log_storage.get_concurrency_run_ids()
        time.sleep(0.2)
    # stopped midway: the company's sync never ended (its materializations come at its end)
    wrote = instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)
    assert not [e for e in wrote if e.dagster_event and e.dagster_event.partition == NEWCOMER], (
        "the failed run went on syncing"
    )
    assert _stopped(instance, run.run_id), deployment.logs()
    assert not freed_early, "the run's slots were freed while it still ran"
    ended = instance.get_run_by_id(run.run_id)
    assert ended and ended.status in (DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)

    def slot_free() -> bool:
        return not instance.event_log_storage.get_concurrency_info(pool).claimed_slots

    wait(f"{NEWCOMER}'s slot freed", slot_free, deployment)
    deployment.launch(run.tags[SHARD_TAG])

    def next_ended() -> dg.DagsterRun | None:
        runs = newcomer_runs()
        return runs[-1] if len(runs) == 2 and runs[-1].is_finished else None

    done = wait(f"{NEWCOMER}'s next run", next_ended, deployment, limit_s=300)
    assert done.status == DagsterRunStatus.SUCCESS, deployment.logs()
    data = EmulatorData.of(emu)
    try:
        assert not table_problems(NEWCOMER, where, data, OBJECTS)
        billed = int(dict(data.get("stats")).get(f"api_transactions.{NEWCOMER}", 0))
    finally:
        data.close()
    recorded = billed_since(where, month.replace(tzinfo=None))
    assert billed <= recorded <= billed + IN_FLIGHT, (recorded, billed)


def _stopped(instance: dg.DagsterInstance, run_id: str) -> bool:
    """Whether the run's host has told it that it stopped the run's processes."""
    told = instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT)
    return any("SIGTERM to process group" in (e.message or "") for e in told)


def _host_name(deployment: Deployment, run: dg.DagsterRun) -> str:
    port = run.tags[HOST_TAG].rsplit(":", 1)[1]
    return next(name for name, p in deployment.ports.items() if p == port)


def _daemon_log(deployment: Deployment) -> str:
    return (deployment.root / "daemon" / "process.log").read_text(errors="replace")


def _plain(text: str) -> str:
    """``text`` without its terminal colours (Dagster colours its log levels)."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def _get(url: str) -> httpx.Response | None:
    try:
        return httpx.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    except httpx.HTTPError:
        return None
