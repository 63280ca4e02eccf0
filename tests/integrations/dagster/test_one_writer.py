"""One company, one writer, whatever launched the run: two ``intacct_fleet_once`` runs
started at once as the docs launch one (``dg launch --job intacct_fleet_once -f
definitions.py``: separate processes, one instance) both sync DEMO; the second waits for
the company's slot in the instance instead of failing on the destination's lock, and the
data is exact after both. Without the slot the second run fails (DuckDB's file lock
refuses a second writer)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import yaml

from intacct.emulator.server import EmulatorServer
from intacct.integrations.dagster.writer import COMPANY_POOL

from .conftest import OBJECTS, SENDER_PASSWORD, USER_PASSWORD, tenant_list
from .test_fleet import rows, truth

DEFINITIONS = """
from intacct.integrations.dagster import fleet_definitions
defs = fleet_definitions({tenants!r}, {data!r}, objects={objects!r})
"""


@pytest.fixture
def slow() -> Iterator[EmulatorServer]:
    """A sync of DEMO takes a few seconds: long enough for two runs to meet."""
    with EmulatorServer(port=0, scale=200, seed=5, latency_ms=250) as server:
        yield server


def _launch(project: Path, home: Path) -> subprocess.Popen[str]:
    """``dg launch`` of the once job, as docs/fleet.md and examples/dagster run it (its
    ``dg``: dagster-dg-cli, a dev requirement)."""
    dg_cli = Path(sys.executable).parent / "dg"
    env = {**os.environ, "DAGSTER_HOME": str(home), "FLEET_SENDER_PASSWORD": SENDER_PASSWORD,
           "FLEET_DEMO_PASSWORD": USER_PASSWORD}  # fmt: skip
    command = [str(dg_cli), "launch", "--job", "intacct_fleet_once", "-f", "definitions.py"]
    return subprocess.Popen(
        command, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def test_two_runs_of_one_company_take_turns(slow: EmulatorServer, tmp_path: Path) -> None:
    home, data = tmp_path / "home", tmp_path / "data"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    tenants = tmp_path / "tenants.yaml"
    listed = tenant_list(slow, {"company_id": "DEMO"})
    tenants.write_text(yaml.safe_dump(listed), encoding="utf-8")
    code = DEFINITIONS.format(tenants=str(tenants), data=str(data), objects=OBJECTS)
    (tmp_path / "definitions.py").write_text(code, encoding="utf-8")

    # the instance's tables made first, as a deployment's are: two processes making them
    # at once race ("table runs already exists") when the first is slow to start
    dg.DagsterInstance.from_config(str(home)).dispose()
    first = _launch(tmp_path, home)
    time.sleep(0.5)
    second = _launch(tmp_path, home)
    said = [proc.communicate(timeout=300)[0] for proc in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], said[1][-3000:]
    assert not any("Warning" in text for text in said), said  # a current command
    assert any("another run is syncing it; waiting" in text for text in said), said
    for name in OBJECTS:
        assert rows(data / "DEMO.duckdb", name) == truth(slow, "DEMO", name), name
    with dg.DagsterInstance.from_config(str(home)) as instance:
        info = instance.event_log_storage.get_concurrency_info(COMPANY_POOL.format(company="DEMO"))
    assert info.slot_count == 1 and not info.claimed_slots  # let go of by both
