"""The fleet simulation in CI: 20 companies of one emulator (limits 2, 4, 8) synced by
Dagster's multiprocess executor in two runs of 10 (``benchmarks/fleet.py``, the same
command as the 1,000-company figures in BENCHMARKS.md): no company ever had more requests
in flight than its limit, none was refused one, every table equal by count and checksum.
And the benchmark does catch a fleet whose tenants go beyond their companies' limits."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[3] / "benchmarks" / "fleet.py"


def _fleet(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    out = tmp_path / "fleet.json"
    done = subprocess.run(
        [sys.executable, str(BENCHMARK), "--json", str(out), "--keep", str(tmp_path / "w"), *args],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    figures = json.loads(out.read_text()) if out.exists() else {}
    return done, figures


def test_twenty_companies_exact_and_within_their_limits(tmp_path: Path) -> None:
    done, figures = _fleet(tmp_path, "--companies", "20", "--shard", "10", "--steps", "2")
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "OK: 20 companies exact, no limit exceeded" in done.stdout
    assert figures["problems"] == [] and figures["runs"] == 2
    assert figures["companies_checked"] == 20 and figures["tables_checked"] == 20 * 14
    assert set(figures["max_in_flight_by_limit"]) == {"2", "4", "8"}
    for limit, most in figures["max_in_flight_by_limit"].items():
        assert 1 <= most <= int(limit)
    assert figures["transactions_per_company"] > 0 and figures["dagster_cpu_s_per_company"] > 0


def test_a_fleet_beyond_its_limits_fails_the_benchmark(tmp_path: Path) -> None:
    """Tenants at 8 requests in flight against companies allowed 2: the emulator refuses
    the excess and the benchmark fails naming the companies."""
    done, figures = _fleet(tmp_path, "--companies", "2", "--limits", "2", "--overcommit", "8")
    assert done.returncode == 1, done.stdout + done.stderr[-3000:]
    assert "request(s) refused at its limit" in done.stderr
    assert any("refused at its limit" in p for p in figures["problems"]), figures["problems"]
