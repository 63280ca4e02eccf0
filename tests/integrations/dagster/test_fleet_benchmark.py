"""The fleet simulation in CI: 12 companies of one emulator (limits 2, 4, 8: four
companies each) synced by Dagster's multiprocess executor in two runs of 6
(``benchmarks/fleet.py``, the same command as the 1,000-company figures in
BENCHMARKS.md): no company ever had more requests in flight than its limit, none was
refused one, every table equal by count and checksum. And the benchmark does catch a
fleet whose tenants go beyond their companies' limits."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[3] / "benchmarks" / "fleet.py"


Storm = tuple[subprocess.CompletedProcess[str], dict]


def _fleet(tmp_path: Path, *args: str) -> Storm:
    out = tmp_path / "fleet.json"
    done = subprocess.run(
        [sys.executable, str(BENCHMARK), "--json", str(out), "--keep", str(tmp_path / "w"), *args],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    figures = json.loads(out.read_text()) if out.exists() else {}
    return done, figures


def test_twelve_companies_exact_and_within_their_limits(tmp_path: Path) -> None:
    """Two runs, two steps at once in each, each limit met by four companies (20, each
    limit 6 or 7 times, took 5 minutes of a loaded suite run for the same checks)."""
    done, figures = _fleet(tmp_path, "--companies", "12", "--shard", "6", "--steps", "2")
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "OK: 12 companies exact, no limit exceeded" in done.stdout
    assert figures["problems"] == [] and figures["runs"] == 2
    assert figures["companies_checked"] == 12 and figures["tables_checked"] == 12 * 14
    assert set(figures["max_in_flight_by_limit"]) == {"2", "4", "8"}
    for limit, most in figures["max_in_flight_by_limit"].items():
        assert 1 <= most <= int(limit)
    assert figures["transactions_per_company"] > 0 and figures["dagster_cpu_s_per_company"] > 0


def test_a_fleet_beyond_its_limits_fails_the_benchmark(tmp_path: Path) -> None:
    """Tenants at 8 requests in flight against companies allowed 2: the emulator refuses
    the excess and the benchmark fails naming the companies. Every request answered in
    300 ms at least, so that they overlap however loaded the machine (without, in the
    whole suite on CI's two busy cores, a company's 19 requests twice never had 3 in
    flight at once)."""
    slow = ("--fault", "delay_ms=300")
    done, figures = _fleet(tmp_path, "--companies", "2", "--limits", "2", "--overcommit", "8",
                           *slow)  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr[-3000:]
    assert "request(s) refused at its limit" in done.stderr
    assert any("refused at its limit" in p for p in figures["problems"]), figures["problems"]


@pytest.fixture(scope="module")
def storm(tmp_path_factory: pytest.TempPathFactory) -> Storm:
    """Issue 21's storm on the fleet, run once for the module's two tests: the mixed fault
    schedule (over 20% of requests hit) and a writer creating, renaming and deleting
    records meanwhile, then the catch-up pass."""
    return _fleet(tmp_path_factory.mktemp("storm"), "--companies", "6", "--shard", "3",
                  "--chaos", "--writes", "--seed", "1")  # fmt: skip


def test_six_companies_under_faults_and_writes_end_exact(storm: Storm) -> None:
    """After the catch-up pass every table equals the emulator's, deletes included."""
    done, figures = storm
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert figures["problems"] == [] and figures["companies_checked"] == 6
    assert figures["faulted_share"] >= 0.2 and figures["writes"] >= 10
    assert figures["catch_up_runs"] == 2


def test_without_the_catch_up_the_check_sees_the_missed_writes(storm: Storm) -> None:
    """The storm compared right after it (before the catch-up): writes made after a
    company's last sync are not in its tables, and the checksums say which."""
    figures = storm[1]
    missed = figures["problems_before_catch_up"]
    assert any(" CLASS: " in p or " VENDOR: " in p for p in missed), figures
