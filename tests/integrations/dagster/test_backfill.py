"""A backfill of the fleet through Dagster itself: ``dagster job backfill`` with the
example's dagster.yaml (its run queue: one run per company at a time) and
``dagster-daemon`` dequeuing the runs, each run in a process of its own as Dagster
launches it. Every company backfilled is stored exactly, and the second backfill of a
company waits for the first instead of running beside it (or being refused by the
company's lock)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pytest
import yaml

from intacct.emulator.server import EmulatorServer
from intacct.integrations.dagster import PARTITIONS

from .conftest import OBJECTS
from .test_fleet import DEMO, rows, truth

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "dagster" / "dagster.yaml"
BIN = Path(sys.executable).parent


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A DAGSTER_HOME with the example's dagster.yaml, its queue read every second (a
    test's pace; Dagster's default: 5 s)."""
    folder = tmp_path / "home"
    folder.mkdir()
    config = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    config["run_queue"] = {"dequeue_interval_seconds": 1}
    (folder / "dagster.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return folder


@contextmanager
def _daemon(home: Path, tmp_path: Path, code: Path) -> Iterator[None]:
    """``dagster-daemon`` on ``home``; its runs inherit its environment (the secrets)."""
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    log = (tmp_path / "daemon.log").open("w")
    process = subprocess.Popen(
        [str(BIN / "dagster-daemon"), "run", "-f", str(code)],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
    )  # fmt: skip
    try:
        yield
    finally:
        process.terminate()
        process.wait(60)
        log.close()


@pytest.fixture
def code(tmp_path: Path, write_tenants: Callable[..., Path]) -> Path:
    tenants = write_tenants(DEMO, {"company_id": "DEMO-ME", "entity_ids": ["E100"]})
    path = tmp_path / "definitions.py"
    path.write_text(
        "from intacct.integrations.dagster import fleet_definitions\n"
        f"defs = fleet_definitions({str(tenants)!r}, {str(tmp_path / 'data')!r}, "
        f"objects={OBJECTS!r})\n",
        encoding="utf-8",
    )
    return path


def _backfill(home: Path, code: Path, partitions: str) -> None:
    done = subprocess.run(
        [str(BIN / "dagster"), "job", "backfill", "-f", str(code), "-j", "intacct_fleet",
         "--partitions", partitions, "--noprompt"],
        env={**os.environ, "DAGSTER_HOME": str(home)}, capture_output=True, text=True,
        timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]


def _finished(home: Path, runs: int, seconds: float) -> list[dg.RunRecord]:
    """The run records once ``runs`` runs have ended (or the time is up)."""
    deadline = time.monotonic() + seconds
    with dg.DagsterInstance.from_config(str(home)) as instance:
        while True:
            records = instance.get_run_records()
            if len(records) >= runs and all(r.dagster_run.is_finished for r in records):
                return list(records)
            assert time.monotonic() < deadline, [
                (r.dagster_run.tags.get("dagster/partition"), r.dagster_run.status) for r in records
            ]
            time.sleep(1)


def _failures(home: Path, records: list[dg.RunRecord]) -> list[str]:
    """The error messages of the runs that did not succeed."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return [
            f"{r.dagster_run.tags.get('dagster/partition')}: {entry.message}"
            for r in records
            if r.dagster_run.status != dg.DagsterRunStatus.SUCCESS
            for entry in instance.all_logs(r.dagster_run.run_id)
            if entry.level >= 40 or (entry.dagster_event and entry.dagster_event.is_failure)
        ]


@pytest.mark.usefixtures("secrets")
def test_a_backfill_runs_each_company_once_at_a_time_through_the_queue(
    home: Path, code: Path, tmp_path: Path, emulator: EmulatorServer
) -> None:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        # registered first, so the tenants sensor (a new tenant's first run) finds none new
        instance.add_dynamic_partitions(PARTITIONS, ["DEMO", "DEMO-ME"])
    _backfill(home, code, "DEMO,DEMO-ME")
    _backfill(home, code, "DEMO")
    # all three runs are queued before the daemon starts: it could launch both of DEMO's
    # at once (4 runs at a time) but for the queue's one-run-per-partition limit
    with _daemon(home, tmp_path, code):
        records = _finished(home, 3, 300)
    statuses = [r.dagster_run.status for r in records]
    assert statuses == [dg.DagsterRunStatus.SUCCESS] * 3, _failures(home, records)
    demo = sorted(
        (r.start_time or 0.0, r.end_time or 0.0)
        for r in records
        if r.dagster_run.tags.get("dagster/partition") == "DEMO"
    )
    assert len(demo) == 2 and demo[0][1] <= demo[1][0], demo  # one after the other
    data = tmp_path / "data"
    for name in OBJECTS:
        assert rows(data / "DEMO.duckdb", name) == truth(emulator, "DEMO", name), name
        expected = truth(emulator, "DEMO-ME", name, "E100")
        assert rows(data / "DEMO-ME.duckdb", name, "E100") == expected, name
