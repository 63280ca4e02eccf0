"""benchmarks/freshness.py and freshness_dagster.py run whole at a small scale, faults
on and the receiver (``intacct notices serve``) SIGKILLed mid-window, and end exact: every
write measured or counted as read without its notice, every write's notice kept once or
lost by a fault on purpose, each company's table the emulator's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_freshness_benchmark_runs_exact(tmp_path: Path) -> None:
    out = tmp_path / "fresh.json"
    command = [
        sys.executable, str(ROOT / "benchmarks" / "freshness.py"), "--companies", "3",
        "--writes", "4", "--seconds", "6", "--latency-ms", "0", "--faults",
        "--kill-receiver", "1", "--json", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["exact"] and result["companies"] == 3 and result["writes"] == 12
    measured = result["writes"] - result["without_notice"]
    assert measured > 0 and result["median_s"] is not None and result["reads"] >= 1
    assert result["receiver_kills"] == 1 and result["notices_complete"]
    assert result["requests_per_hour"] > 0 and result["deliveries_per_hour"] > 0


def test_the_dagster_freshness_benchmark_runs_exact(tmp_path: Path) -> None:
    out = tmp_path / "fresh.json"
    command = [
        sys.executable, str(ROOT / "benchmarks" / "freshness_dagster.py"), "--companies", "2",
        "--writes", "2", "--seconds", "8", "--latency-ms", "0", "--kill-receiver", "1",
        "--json", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["exact"] and result["notices_complete"] and result["receiver_kills"] == 1
    assert result["writes"] == 4 and result["without_run"] == 0 and result["failed_runs"] == 0
    assert result["runs"] >= 2 and result["median_s"] is not None
