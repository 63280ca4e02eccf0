"""examples/dagster as its README runs it, in two commands: `dagster job execute` in the
example's folder (its .env giving the demo passwords, its dagster.yaml as the instance's,
its definitions serving the demo emulator themselves), in a fresh copy with an empty
HOME; then the example's emulator data read back to prove every company exact."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from intacct.emulator.server import EmulatorServer

from .test_fleet import truth

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "dagster"
DAGSTER = Path(sys.executable).parent / "dagster"


def _port_taken(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_example_one_shot(tmp_path: Path) -> None:
    if _port_taken(8089):
        pytest.skip("port 8089 is in use here: the example serves its emulator there")
    project = tmp_path / "project"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(
        "data", "storage", "history", "emulator.sqlite*", "__pycache__"))  # fmt: skip
    env = {k: v for k, v in os.environ.items() if "PASSWORD" not in k and k != "DAGSTER_HOME"}
    env = {k: v for k, v in env.items() if not k.startswith("INTACCT_")}
    env |= {"HOME": str(tmp_path / "home"), "DAGSTER_HOME": str(project)}
    done = subprocess.run(
        [str(DAGSTER), "job", "execute", "-f", "definitions.py", "-j", "intacct_fleet_once"],
        cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 0, said[-3000:]
    assert 'RUN_SUCCESS - Finished execution of run for "intacct_fleet_once"' in said
    assert not _port_taken(8089)  # the example's emulator went with its process
    with EmulatorServer(port=0, db=project / "emulator.sqlite") as emulator:
        for company in ("DEMO", "DEMO-ME"):
            db = project / "data" / f"{company}.duckdb"
            with duckdb.connect(str(db), read_only=True) as con:
                found = con.execute('SELECT count(DISTINCT "RECORDNO") FROM "GLACCOUNT"').fetchone()
            assert found is not None and found[0] == truth(emulator, company, "GLACCOUNT")
