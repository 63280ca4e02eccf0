"""SIGKILL at chosen points on a short seeded run per destination: each restart ends with
exactly the emulator's data (``benchmarks/kills.py --per-destination 50`` is the long one)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "kills.py"


@pytest.mark.parametrize("store", ["duckdb", "postgres", "dlt"])
def test_each_restart_after_a_kill_is_exact(
    tmp_path: Path, request: pytest.FixtureRequest, store: str
) -> None:
    if store == "dlt":
        pytest.importorskip("dlt", reason="pip install -e '.[dev]' (dlt is in the dev extra)")
    command = [sys.executable, str(BENCHMARK), "--seed", "5", "--per-destination", "3",
               "--db", store]  # fmt: skip
    if store == "postgres":
        command += ["--postgres-url", request.getfixturevalue("postgres_url")]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=900, cwd=tmp_path, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    summary = done.stdout.splitlines()[0]
    assert re.search(r": 3 kills \(", summary), summary
    assert "lost 0, duplicated 0, live rows tombstoned 0, problems 0" in summary, summary
    assert re.search(r"[1-9][\d,]* rows checked", summary), summary
