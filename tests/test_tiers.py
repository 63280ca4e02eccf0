"""The test tiers (tests/conftest.py): every file a tier names exists, ``pytest`` alone
leaves the tiers out, a file named on the command line runs whatever its tier, the
tiers' files are handed out first, and pytest-xdist keeps a group's tests (a tier file's,
the third-party tier's) on one worker (its grouping broke silently once, on a pytest
release that stopped honouring it)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import TIERS, tier_of

TESTS = Path(__file__).parent


def test_every_file_a_tier_names_exists() -> None:
    for tier, prefixes in TIERS.items():
        for prefix in prefixes:
            assert (TESTS / prefix).exists(), f"TIERS[{tier!r}] names {prefix}, not under tests/"
            if not prefix.endswith("/"):
                assert tier_of(TESTS / prefix) == tier


def test_the_inner_loop_leaves_the_tiers_out(tmp_path: Path) -> None:
    chosen = _collected()
    assert chosen and all(tier_of(Path(p)) == "inner" for p in chosen)
    named = next(p for prefixes in TIERS.values() for p in prefixes if p.endswith(".py"))
    assert _collected(f"tests/{named}") == {str(TESTS / named)}


def test_the_tiers_files_come_first_the_longest_tier_first() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-n0", "-p", "no:cacheprovider",
         "--tier", "all"],
        capture_output=True, text=True, check=False, timeout=600, cwd=TESTS.parent,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:]
    # "file::test" lines, in the order the tests are handed out (addopts' -q)
    files = re.findall(r"^(tests/\S+?\.py)::", done.stdout, re.M)
    rank = {tier: n for n, tier in enumerate([*TIERS, "inner"])}
    ranks = [rank[tier_of(TESTS.parent / f)] for f in files]
    assert len(files) > 1000 and ranks == sorted(ranks)
    assert ranks[0] == rank["long"] and ranks[-1] == rank["inner"]


def test_a_group_stays_on_one_worker(tmp_path: Path) -> None:
    workers = tmp_path / "workers"
    workers.mkdir()
    (tmp_path / "test_grouped.py").write_text(
        "import os, pathlib, pytest\n"
        "pytestmark = pytest.mark.xdist_group('one')\n"
        "@pytest.mark.parametrize('i', range(12))\n"
        "def test_where(i):\n"
        f"    where = pathlib.Path({str(workers)!r}, str(i))\n"
        "    where.write_text(os.environ['PYTEST_XDIST_WORKER'])\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-p",
         "no:cacheprovider", "-c", "/dev/null", "--rootdir", str(tmp_path), str(tmp_path)],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:]
    ran = [f.read_text() for f in workers.iterdir()]
    assert len(ran) == 12 and len(set(ran)) == 1, ran


def _collected(*args: str) -> set[str]:
    """The test files ``pytest --collect-only`` picks, in this repository."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-n0", "-p",
         "no:cacheprovider", *args],
        capture_output=True, text=True, check=False, timeout=600, cwd=TESTS.parent,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:]
    # "file::test" lines, or "file: N" where -q is given twice (addopts has one)
    files = {m[1] for m in re.finditer(r"^(tests/\S+?\.py)(?:::|: \d+$)", done.stdout, re.M)}
    return {str(TESTS.parent / f) for f in files}
