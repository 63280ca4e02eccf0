"""benchmarks/freshness.py runs whole at a small scale, faults on, and ends exact: every
write measured or counted as read without its notice, each company's table the
emulator's."""

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
        "--writes", "4", "--seconds", "3", "--latency-ms", "0", "--faults", "--json", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(out.read_text())
    assert result["exact"] and result["companies"] == 3 and result["writes"] == 12
    measured = result["writes"] - result["without_notice"]
    assert measured > 0 and result["median_s"] is not None and result["reads"] >= 1
