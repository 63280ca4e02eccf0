"""The chaos benchmark on a short seeded schedule, into DuckDB, Postgres and dlt's duckdb
destination, and on the Singer tap run from its last STATE: under ~25% faulted requests,
writes meanwhile and SIGKILLs, the end holds exactly the emulator's data
(``benchmarks/chaos.py --seed S --minutes M [--db URL | --tap]`` runs the long one). For
the tap "duplicated" counts records whose last version is not the source's (Singer lets a
tap emit a record again). With ``--history`` the syncs keep every version too, and each
object's history must agree with its table at the end."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "chaos.py"
#: what each run adds to the command; dlt loads every 3 pages so kills fall between loads;
#: the DuckDB run's company limit changes (4, 2, 1) under its syncs of 4 in flight
TARGETS = {
    "duckdb": ["--shrink-limit"],
    "postgres": ["--db"],  # the test's database
    "dlt-duckdb": ["--db", "dlt:duckdb?pages_per_load=3"],
    "tap": ["--tap"],
    # every version kept under the same storm (docs/history.md), on each destination
    "duckdb-history": ["--history"],
    "postgres-history": ["--history", "--db"],
    "dlt-duckdb-history": ["--history", "--db", "dlt:duckdb?pages_per_load=3"],
}


@pytest.mark.parametrize("target", list(TARGETS))
def test_a_short_storm_loses_and_duplicates_nothing(
    tmp_path: Path, request: pytest.FixtureRequest, target: str
) -> None:
    command = [sys.executable, str(BENCHMARK), "--seed", "3", "--minutes", "0.5", "--kills", "0.5"]
    command += TARGETS[target]
    if command[-1] == "--db":  # the test's Postgres database
        command.append(request.getfixturevalue("postgres_url"))
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=600, cwd=tmp_path, check=False
    )
    summary = done.stdout.strip().splitlines()[0] if done.stdout.strip() else done.stderr[-2000:]
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    faulted = re.search(r"(\d+) faulted \((\d+)%\)", summary)
    assert faulted is not None and int(faulted[2]) >= 20, summary
    killed = re.search(r"(\d+) killed", summary)
    assert killed is not None and int(killed[1]) >= 1, summary
    assert "lost 0, duplicated 0, live rows tombstoned 0" in summary
    assert re.search(r"[1-9][\d,]* rows checked", summary), summary
    if "--history" in command:
        assert re.search(r"[1-9][\d,]* versions checked, 0 records' history wrong", summary)
    if "--shrink-limit" in command:
        assert re.search(r"the limit changed [1-9]\d* times", summary), summary
