"""The sync benchmark runs end to end at a small scale (no timing is asserted: the
numbers it measures belong in BENCHMARKS.md, from the full-size run)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "sync_duckdb.py"


def test_the_sync_benchmark_runs_at_a_small_scale(tmp_path: Path) -> None:
    report = BENCHMARK.parents[1] / "BENCHMARKS.md"
    before = report.read_text() if report.exists() else None
    done = subprocess.run(
        [sys.executable, str(BENCHMARK), "--scale", "3000", "--no-write"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    engine = re.search(r"\| engine alone, nothing stored \| ([\d,]+) \|", done.stdout)
    synced = re.search(r"\| intacct sync, first run \| ([\d,]+) \|", done.stdout)
    assert engine and synced and engine[1] == synced[1] and int(synced[1].replace(",", "")) > 0
    again = re.search(r"nothing changed: (\d+) requests for (\d+) objects", done.stdout)
    assert again and int(again[1]) <= 2 * int(again[2])
    assert (report.read_text() if report.exists() else None) == before
