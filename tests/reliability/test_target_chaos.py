"""The target under a seeded storm of 524s after applying, cut answers, reset connections
and 503s: every record reported in every run, and in the end each exactly once in the
emulator (``benchmarks/target_chaos.py --records N`` is the long one)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "target_chaos.py"


def test_every_record_once_and_reported_under_faults(tmp_path: Path) -> None:
    command = [sys.executable, str(BENCHMARK), "--seed", "3", "--records", "450"]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=600, cwd=tmp_path, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    summary = done.stdout.splitlines()[0]
    faulted = re.search(r"faulted \((\d+)%\)", summary)
    assert faulted is not None and int(faulted[1]) >= 20, summary
    assert re.search(r"[1-9]\d* failed", summary), summary  # the storm did fail some writes
    assert re.search(r"[1-9]\d* already_applied", summary), summary  # lost answers replayed
    assert re.search(r"in [2-9]\d* runs|in 1\d+ runs", summary), summary
    assert "unreported 0, missing 0, doubled 0, wrong 0" in summary, summary
