"""The throughput benchmark runs end to end at a small scale: it captures a sync, replays
it in-process and through its replay gateway, and the replayed syncs store every record
the captured one did (no timing is asserted: the numbers belong in BENCHMARKS.md)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "throughput.py"


def test_the_throughput_benchmark_runs_at_a_small_scale(tmp_path: Path) -> None:
    report = BENCHMARK.parents[1] / "BENCHMARKS.md"
    before = report.read_text() if report.exists() else None
    cache = tmp_path / "pages"
    done = subprocess.run(
        [sys.executable, str(BENCHMARK), "--quick", "--cache", str(cache)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    body = done.stdout[done.stdout.index("Objects VENDOR") :]  # the section, after progress
    captured = json.loads((cache / "3000" / "c8" / "manifest.json").read_text())["counts"]
    assert set(captured) >= {"GLDETAIL", "APBILLITEM"} and all(captured.values())
    steps = re.findall(r"^\| ([^|]+) \| [\d.]+ \| [\d.]+ \| \d+ \| ([\d.]+) \|$", body, re.M)
    multiples = {step: float(x) for step, x in steps}
    assert multiples["bare `lxml.etree.fromstring` of every page"] == 1.0
    assert multiples["`intacct sync` as run, today (columnar=False)"] > 1.0
    synced = re.findall(r"^\| (replay gateway|emulator) \| intacct sync \| (\d) \| ([\d,]+) \|",
                        body, re.M)  # fmt: skip
    assert {(where, c) for where, c, _ in synced} == {
        (w, c) for w in ("replay gateway", "emulator") for c in "28"
    }
    assert {int(n.replace(",", "")) for *_, n in synced} == {sum(captured.values())}
    assert len(re.findall(r"^\| emulator \| fylein get_all \|", body, re.M)) == 2
    assert (report.read_text() if report.exists() else None) == before
