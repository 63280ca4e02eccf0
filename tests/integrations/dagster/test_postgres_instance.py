"""A Dagster instance kept in Postgres, as a deployment on many hosts keeps it, works with
what ``pip install 'intacct-connector[dagster]'`` installs: dagster-postgres's storage,
configured the way Dagster documents (``postgres_db`` parameters; SQLAlchemy 2.1 would
reach it through psycopg 3, which we install, and every event write failed on
``NOTIFY run_events, $1``), runs the fleet's once job exactly, and the company's slot
lives in that instance."""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import dagster as dg
import psycopg
import pytest
import yaml

from intacct.emulator.server import EmulatorServer
from intacct.integrations.dagster import PARTITIONS, fleet_definitions
from intacct.integrations.dagster.notices_run import notices_run_config
from intacct.integrations.dagster.writer import COMPANY_POOL, company_slot, pool_ready

from .conftest import OBJECTS, definitions
from .test_fleet import DEMO, DEMO_ME, rows, truth

pytestmark = pytest.mark.usefixtures("secrets")


def _postgres_home(home: Path, url: str, pools_limit: int | None = None) -> Path:
    """A DAGSTER_HOME whose instance is kept in ``url``'s database; ``pools_limit``: every
    pool's default limit (Dagster makes a pool's row at its first claim then)."""
    parts = urlsplit(url)
    db = {"username": parts.username, "password": parts.password, "hostname": parts.hostname,
          "port": parts.port, "db_name": parts.path.lstrip("/")}  # fmt: skip
    storage = {"postgres_db": {k: v for k, v in db.items() if v is not None}}
    config = {"storage": {"postgres": storage}, "telemetry": {"enabled": False}}
    if pools_limit is not None:
        config["concurrency"] = {"pools": {"default_limit": pools_limit}}
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return home


def test_the_fleet_runs_on_a_postgres_instance(
    postgres_url: str, write_tenants: Callable[..., Path], tmp_path: Path,
    emulator: EmulatorServer,
):  # fmt: skip
    home = _postgres_home(tmp_path / "home", postgres_url)
    defs = definitions(write_tenants(DEMO), tmp_path / "data")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        job = defs.resolve_job_def("intacct_fleet_once")
        result = job.execute_in_process(instance=instance, raise_on_error=False)
        assert result.success, [e.message for e in result.all_events if e.is_failure]
        key = COMPANY_POOL.format(company="DEMO")
        info = instance.event_log_storage.get_concurrency_info(key)
        assert info.slot_count == 1 and not info.claimed_slots
        run = instance.get_run_by_id(result.run_id)
        assert run is not None and run.is_success
    for name in OBJECTS:
        assert rows(tmp_path / "data" / "DEMO.duckdb", name) == truth(emulator, "DEMO", name)


def _sessions(url: str) -> int:
    """Connections opened to the database so far (PostgreSQL's own count)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_force_next_flush()")
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_a_step_keeps_its_connections_to_the_instance(
    postgres_url: str, write_tenants: Callable[..., Path], tmp_path: Path,
    emulator: EmulatorServer,
):  # fmt: skip
    """Dagster's Postgres storage opens a connection per operation: each company's slot,
    log line and materializations were some twenty connections (a Postgres backend
    each; measured 22). A step keeps a few open for its companies, whatever their
    number: a second company in the step opens none."""
    home = _postgres_home(tmp_path / "home", postgres_url)

    def run(*tenants: dict[str, object]) -> int:
        """Connections the once job's run opens (its companies in one step)."""
        defs = fleet_definitions(write_tenants(*tenants), tmp_path / "data", objects=OBJECTS,
                                 companies_per_step=len(tenants))  # fmt: skip
        with dg.DagsterInstance.from_config(str(home)) as instance:  # as a run's process
            before = _sessions(postgres_url)
            job = defs.resolve_job_def("intacct_fleet_once")
            assert job.execute_in_process(instance=instance).success
            return _sessions(postgres_url) - before - 1  # - _sessions' own

    run(DEMO, DEMO_ME)  # first reads, Dagster's tables and the partitions made
    per_company = run(DEMO, DEMO_ME) - run(DEMO)
    assert per_company <= 2


def test_runs_starting_at_once_on_a_fresh_instance_share_the_pools_first_row(
    postgres_url: str, tmp_path: Path
) -> None:
    """Two hosts' runs making the fleet pool's row at once: Dagster's own first claim
    fails one of them in Postgres (its insert's IntegrityError aborts the transaction it
    then updates in; seen as a failed run of the deployment's two first); the fleet's
    jobs make the row first with :func:`pool_ready`, and every caller finds it made."""
    home = _postgres_home(tmp_path / "home", postgres_url, pools_limit=4)
    callers = 8
    with dg.DagsterInstance.from_config(str(home)) as instance:
        for round_ in range(5):  # a fresh pool each round: the race is at its first row
            pool = f"intacct-race-{round_}"
            start = threading.Barrier(callers)

            def ready(pool: str = pool, start: threading.Barrier = start) -> None:
                with dg.DagsterInstance.from_config(str(home)) as own:  # a process's own
                    start.wait()
                    pool_ready(own, pool)

            with ThreadPoolExecutor(callers) as threads:
                for done in [threads.submit(ready) for _ in range(callers)]:
                    done.result()  # none raised
            assert instance.event_log_storage.get_concurrency_info(pool).slot_count == 4


def test_syncs_starting_at_once_share_a_companys_first_slot(
    postgres_url: str, tmp_path: Path
) -> None:
    """Syncs of one company on many hosts at once, at a fresh instance: each finds no row
    for the company's one slot and makes it; in Postgres all but one insert fails (seen
    as a failed notices run beside a once run of DEMO on a busy machine). The race is
    held open: Dagster's pool table is locked until every sync waits on it. The losers
    find the row made, and each sync holds the slot in turn."""
    home = _postgres_home(tmp_path / "home", postgres_url)
    callers, held = 4, []

    def sync(name: str) -> None:
        with (
            dg.DagsterInstance.from_config(str(home)) as own,  # a host's own
            company_slot(_step(own, name), "RACE", poll_s=0.05),
        ):
            held.append(name)

    with dg.DagsterInstance.from_config(str(home)) as instance:  # its tables made
        names = [f"run-{n}" for n in range(callers)]
        lock = "LOCK TABLE concurrency_limits IN EXCLUSIVE MODE"
        waited = _released_together(postgres_url, lock, sync, names)
        assert waited, "the syncs did not all wait at the company's first row"
        assert sorted(held) == [f"run-{n}" for n in range(callers)]
        key = COMPANY_POOL.format(company="RACE")
        assert instance.event_log_storage.get_concurrency_info(key).slot_count == 1


def test_syncs_claiming_a_companys_slot_at_once_hold_it_in_turn(
    postgres_url: str, tmp_path: Path
) -> None:
    """Syncs of one company on many hosts claiming its slot at the same moment: each finds
    the slot free, Dagster assigns it to every one of them, and two could take its one
    row and write at once (seen: a notices run beside another, one failed on the
    destination's lock). The moment is held open: Dagster's queue takes no step until
    every sync has found the slot free and waits to join it. Each holds it alone."""
    home = _postgres_home(tmp_path / "home", postgres_url)
    callers, rounds, guard = 4, 3, threading.Lock()
    holding, most, held = [0], [0], []

    def sync(name: str) -> None:
        with (
            dg.DagsterInstance.from_config(str(home)) as own,  # a host's own
            company_slot(_step(own, name), "TURNS", poll_s=0.05),
        ):
            with guard:
                holding[0] += 1
                most[0] = max(most[0], holding[0])
            time.sleep(0.2)  # a sync's writes
            with guard:
                holding[0] -= 1
                held.append(name)

    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.event_log_storage.set_concurrency_slots(COMPANY_POOL.format(company="TURNS"), 1)
        lock = "LOCK TABLE pending_steps IN SHARE MODE"  # reads go, joins wait
        for round_ in range(rounds):
            names = [f"run-{round_}-{n}" for n in range(callers)]
            waited = _released_together(postgres_url, lock, sync, names)
            assert waited, "the syncs did not all wait to join the company's slot"
    assert most[0] == 1, f"{most[0]} syncs of the company held its slot at once"
    assert len(held) == callers * rounds


def _step(instance: dg.DagsterInstance, run_id: str) -> Any:
    """What :func:`company_slot` asks of a step's context: its instance, run and log."""
    return SimpleNamespace(instance=instance, run=SimpleNamespace(run_id=run_id),
                           log=logging.getLogger(__name__))  # fmt: skip


def _released_together(url: str, lock: str, sync: Callable[[str], None], names: list[str]) -> bool:
    """``sync(name)`` for each of ``names`` in threads at once, held at the table ``lock``
    (a ``LOCK TABLE`` statement) until every one waits on it, then let go together;
    whether they all came to wait. Raises what a sync raised."""
    with psycopg.connect(url) as held, ThreadPoolExecutor(len(names)) as threads:
        held.execute(lock)
        syncs = [threads.submit(sync, name) for name in names]
        waited = _waiting(url, len(names), syncs)
        held.rollback()
        for done in syncs:
            done.result()  # none raised
    return waited


def _waiting(url: str, sessions: int, work: list[Any]) -> bool:
    """Whether ``sessions`` of the database's sessions come to wait on a lock (within 2
    minutes, while none of ``work`` is done)."""
    waiting = ("SELECT count(*) FROM pg_stat_activity"
               " WHERE datname = current_database() AND wait_event_type = 'Lock'")  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(w.done() for w in work):
        with psycopg.connect(url, autocommit=True) as look:
            row = look.execute(waiting).fetchone()
        if row and row[0] == sessions:
            return True
        time.sleep(0.1)
    return False


#: each job's run of DEMO: its run config and tags
RACED = {
    "intacct_fleet": ({}, {"dagster/partition": "DEMO"}),
    "intacct_fleet_once": ({}, {}),
    "intacct_notices_run": (notices_run_config({"DEMO": ["CLASS"]}), {}),
}


def fleet_job(tenants: str, folder: str, name: str) -> dg.JobDefinition:
    """The fleet's job ``name`` (CLASS alone, in the run's process), as a run's process
    makes it again (:func:`dagster.build_reconstructable_job`)."""
    defs = fleet_definitions(tenants, folder, objects=["CLASS"], notices=f"{folder}/notices",
                             executor=dg.in_process_executor)  # fmt: skip
    return defs.resolve_job_def(name)


def launched(home: str, env: dict[str, str], args: tuple[str, str, str]) -> list[str]:
    """A run of the fleet's job ``args[2]`` in this process, as a host's run worker runs
    one (two runs in the threads of one process deadlock in Dagster's logging setup):
    its failures, none when it succeeded."""
    os.environ.update(env)
    run_config, tags = RACED[args[2]]
    rebuilt = dg.build_reconstructable_job(__name__, fleet_job.__name__, args)
    with dg.DagsterInstance.from_config(home) as instance:
        result = dg.execute_job(rebuilt, instance, run_config=run_config, tags=tags)
        failed = [e.message or e.event_type_value for e in result.all_events if e.is_failure]
        return [] if result.success else failed or ["the run failed"]


@pytest.fixture(scope="module")
def hosts() -> Iterator[ProcessPoolExecutor]:
    """Two processes, a host's run worker each."""
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


@pytest.mark.parametrize("job", list(RACED))
def test_two_runs_at_a_fresh_pools_first_claim_both_go(
    job: str, postgres_url: str, write_tenants: Callable[..., Path], tmp_path: Path,
    hosts: ProcessPoolExecutor,
) -> None:  # fmt: skip
    """Two runs of each of the fleet's jobs on two hosts at the fleet pool's first claim,
    each having found no row: Dagster's own claim makes it in both, and the second fails
    (its insert's IntegrityError aborts the transaction it then updates in). The jobs'
    executor makes the row first (:func:`~intacct.integrations.dagster.writer.
    pool_ready_first`), and the second run finds it made. The race is held open, not
    hoped for: Dagster's slot table is locked until both runs wait, the first on the
    lock (its row inserted, not committed), the second on the first's row."""
    home = _postgres_home(tmp_path / "home", postgres_url, pools_limit=4)
    with dg.DagsterInstance.from_config(str(home)) as instance:  # its tables made
        instance.add_dynamic_partitions(PARTITIONS, ["DEMO"])
    args = (str(write_tenants(DEMO)), str(tmp_path / "data"), job)
    env = {name: os.environ[name] for name in ("FLEET_SENDER_PASSWORD", "FLEET_DEMO_PASSWORD")}
    with psycopg.connect(postgres_url) as held:  # let go of before the runs are waited for
        held.execute("LOCK TABLE concurrency_slots IN EXCLUSIVE MODE")
        runs = [hosts.submit(launched, str(home), env, args) for _ in range(2)]
        both_waited = _waiting(postgres_url, 2, runs)
        held.rollback()  # the first run's row is committed; the second's insert fails
    failures = [r.result(timeout=300) for r in runs]
    assert both_waited, f"the two runs did not both wait at the pool's first row: {failures}"
    assert failures == [[], []]
