"""examples/dagster as its README runs it: `dagster job execute` in the example's folder
(its .env giving the demo passwords, its dagster.yaml as the instance's), against an
emulator, in a fresh copy with an empty HOME."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from intacct.emulator.server import EmulatorServer

from .test_fleet import truth

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "dagster"
DAGSTER = Path(sys.executable).parent / "dagster"


def test_example_one_shot(tmp_path: Path, emulator: EmulatorServer):
    project = tmp_path / "project"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("data", "storage", "history"))
    tenants = project / "tenants.yaml"
    text = tenants.read_text(encoding="utf-8")
    assert "http://127.0.0.1:8089/ia/xml/xmlgw.phtml" in text  # `intacct emulator serve`'s
    tenants.write_text(text.replace("http://127.0.0.1:8089/ia/xml/xmlgw.phtml", emulator.url))
    env = {k: v for k, v in os.environ.items() if "PASSWORD" not in k and k != "DAGSTER_HOME"}
    env |= {"HOME": str(tmp_path / "home"), "DAGSTER_HOME": str(project)}
    done = subprocess.run(
        [str(DAGSTER), "job", "execute", "-f", "definitions.py", "-j", "intacct_fleet_once"],
        cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    said = done.stdout + done.stderr
    assert done.returncode == 0, said[-3000:]
    assert 'RUN_SUCCESS - Finished execution of run for "intacct_fleet_once"' in said
    for company in ("DEMO", "DEMO-ME"):
        with duckdb.connect(str(project / "data" / f"{company}.duckdb"), read_only=True) as con:
            found = con.execute('SELECT count(DISTINCT "RECORDNO") FROM "GLACCOUNT"').fetchone()
        assert found is not None and found[0] == truth(emulator, company, "GLACCOUNT")
