"""benchmarks/deploy.py at a small scale: the deployment it measures runs both phases,
every table exact, every ledger equal to the emulator's billing, no company beyond its
limit, and it reports CPU for every process it names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[3] / "benchmarks" / "deploy.py"
pytestmark = pytest.mark.usefixtures("postgres_server")  # skips where Postgres cannot run


def test_the_deployment_benchmark_runs_small() -> None:
    command = [sys.executable, str(BENCHMARK), "--companies", "4", "--sample", "1", "--no-write"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    figures = json.loads(done.stdout[done.stdout.index("{") :])
    checked = figures["verify"]
    assert checked["table_problems"] == [] and checked["ledgers_off"] == []
    assert 1 <= checked["max_in_flight"] <= 2
    for phase in ("first", "again"):
        assert figures[phase]["seconds"] > 0
        assert all(figures[phase]["cpu"][name] > 0 for name in ("daemon", "worker 1", "worker 2"))
    # at --scale 0 a first read and a run with nothing changed cost about the same CPU
    # (both are mostly the run's fixed cost), so only the records read tell them apart
    assert all(cpu > 0 for cpu in figures["sync_cpu"])
    first, again = figures["sync_read"]
    assert first > again >= 0
