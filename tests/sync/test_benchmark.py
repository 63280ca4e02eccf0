"""The sync benchmark runs end to end at a small scale (no timing is asserted: the
numbers it measures belong in BENCHMARKS.md, from the full-size run)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("loads", [(), ("--history-and-rest",)], ids=["plain", "history-rest"])
def test_the_sync_memory_benchmark_runs_at_a_small_scale(
    tmp_path: Path, loads: tuple[str, ...]
) -> None:
    """Each documented form it measures, wide and deep, first and --full-refresh: every
    run ends, stores what it read and reports a peak and the limit it ended with."""
    script = BENCHMARK.parent / "sync_memory.py"
    done = subprocess.run(
        [sys.executable, str(script), "--wide-scale", "600", "--deep-scale", "600",
         "--repeat", "1", "--no-write", "--latency-ms", "0", *loads],
        capture_output=True, text=True, timeout=900, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    rows = re.findall(
        # a peak is "<= N" where the run started no higher than this test's process
        # (Linux starts a child's high-water mark at its parent's: pytest's here)
        r"^\| (wide|deep) \| (DEMO|DEMO-ME) \| 600 \| `([^`]+)` \| ([\d,]+) \| [\d.]+ \| "
        r"(?:<= )?([\d.]+) \([\d, ]+\) \| (\d+)",
        done.stdout,
        re.M,
    )
    # three loads, each a first run and a --full-refresh, in the printed lines and table
    assert len(rows) == 12, done.stdout
    for load, _, form, records, peak, limit in rows:
        assert int(records.replace(",", "")) > 0 and float(peak) > 0, (load, form)
        # never raised: the destination's own limits
        assert int(limit) == (96 if "--full-refresh" in form else 64), (load, form)
    if loads:  # every version kept, and the deep objects through REST
        forms = {form for _, _, form, *_ in rows}
        assert all("--history" in f or "--api rest" in f for f in forms), forms
        assert any("--api rest" in f for f in forms), forms


def _small_run(script: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """``script`` at scale 300, one run, printing its table; it must end well."""
    done = subprocess.run(
        [sys.executable, str(BENCHMARK.parent / script), "--scale", "300", "--repeat", "1",
         "--no-write", *extra],
        capture_output=True, text=True, timeout=600, cwd=BENCHMARK.parent, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_the_rest_and_xml_benchmark_runs_at_a_small_scale() -> None:
    """Both APIs read every object with a twin, the same number of records (the script
    stops if not), at both concurrencies."""
    # every twin (153) one page after another: without the latency model's wait
    done = _small_run("rest_vs_xml.py", "--latency-ms", "0")
    rows = re.findall(r"^\| (REST|XML) \| (\d) \| ([\d,]+) \|", done.stdout, re.M)
    runs = sorted((api, c) for api, c, _ in rows)
    assert runs == [("REST", "2"), ("REST", "8"), ("XML", "2"), ("XML", "8")]
    assert len({n for _, _, n in rows}) == 1 and rows[0][2] != "0"


def test_the_engine_apis_benchmark_runs_at_a_small_scale() -> None:
    """The engine reads the objects REST holds three ways at both concurrencies; the two
    that read the same fields make the same records (the script stops if not)."""
    done = _small_run("engine_apis.py", "--latency-ms", "0")
    rows = re.findall(r"^\| (xml|xml-paired|rest) \| (\d) \| ([\d,]+) \|", done.stdout, re.M)
    assert sorted((way, c) for way, c, _ in rows) == sorted(
        (way, c) for way in ("xml", "xml-paired", "rest") for c in ("2", "8")
    )
    paired = {n for way, _, n in rows if way != "xml"}
    assert len(paired) == 1 and paired != {"0"}
    # the emulator's CPU in the reader's window is part of its CPU over the whole reader
    served = re.findall(
        r"^\| (?:xml|xml-paired|rest|rest-records) \| \d \| ([\d.]+) \| \d+ \| [\d.]+x \| "
        r"([\d.]+) \| \d+ \|$", done.stdout, re.M,
    )  # fmt: skip
    assert len(served) == 8, done.stdout
    assert all(float(window) <= float(whole) and float(whole) > 0 for window, whole in served)


def test_the_dds_first_load_benchmark_runs_at_a_small_scale(tmp_path: Path) -> None:
    """Both ways load the same rows; DDS through a job of a few API transactions and
    its files, which a reader alone reads back whole."""
    report = BENCHMARK.parents[1] / "BENCHMARKS.md"
    before = report.read_text()
    script = BENCHMARK.parent / "dds_first_load.py"
    done = subprocess.run(
        [sys.executable, str(script), "--rows", "3000", "--repeat", "1", "--reader",
         "--no-write", "--cache", str(tmp_path / "cache")],
        capture_output=True, text=True, timeout=600, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    table = r"^\| ([\d,]+) \| (dds|paged) \| \d+ \| [\d.]+ \| \d+ \| (\d+) \|"
    found = {way: (int(rows.replace(",", "")), int(billed))
             for rows, way, billed in re.findall(table, done.stdout, re.M)}  # fmt: skip
    assert found["dds"][0] == found["paged"][0] > 2000  # the same rows either way
    assert found["dds"][1] <= 10  # the run's questions, runDdsJob and its polls
    alone = re.search(r"- ([\d,]+) rows' files read alone", done.stdout)
    assert alone and int(alone[1].replace(",", "")) == found["dds"][0]
    assert report.read_text() == before
