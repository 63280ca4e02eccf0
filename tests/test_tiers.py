"""The test tiers (tests/conftest.py): every file and test a tier names exists, ``pytest``
alone leaves the tiers out but a sample of each sampled test, a tier's run is its tests
and only them, every test is in one tier, a file named on the command line runs whatever
its tier, the tiers' tests are handed out first, and pytest-xdist keeps a group's tests
(a tier file's, the third-party tier's) on one worker (its grouping broke silently once,
on a pytest release that stopped honouring it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import (
    CHOICES,
    NAMED_TESTS,
    SAMPLE,
    SAMPLED,
    TIERS,
    defined_tests,
    sample,
    tier_of,
)

TESTS = Path(__file__).parent
#: a plugin that writes each collected test's node id, tier and whether it is in a group
#: (handed out whole), in the order handed out
TIERS_OUT = f"""\
import json, os
def pytest_collection_finish(session):
    tiers = {list(CHOICES)!r}
    found = [[i.nodeid, [m.name for m in i.iter_markers() if m.name in tiers],
              i.get_closest_marker("xdist_group") is not None] for i in session.items]
    with open(os.environ["TIERS_OUT"], "w") as out:
        json.dump(found, out)
"""
Collected = list[tuple[str, str, bool]]


@pytest.fixture(scope="module")
def plugin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("plugin")
    (folder / "tiers_out.py").write_text(TIERS_OUT, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def everything(plugin: Path) -> Collected:
    """Every test of ``--tier all``, with its tier, in the order handed out."""
    return _collect(plugin, "--tier", "all")


def test_every_file_and_test_a_tier_names_exists() -> None:
    for tier, prefixes in TIERS.items():
        for prefix in prefixes:
            where, _, test = prefix.partition("::")
            assert (TESTS / where).exists(), f"TIERS[{tier!r}] names {where}, not under tests/"
            if test:  # a test of an inner loop's file, named once
                assert test in defined_tests(TESTS / where), f"TIERS[{tier!r}]: no {prefix}"
                assert tier_of(TESTS / where) == "inner", f"TIERS[{tier!r}]: {prefix}"
            elif not prefix.endswith("/"):
                assert tier_of(TESTS / prefix) == tier
    named = [e for entries in TIERS.values() for e in entries]
    assert [e for e, n in Counter(named).items() if n > 1] == []


def test_every_test_is_in_one_tier_and_a_sample_of_each_sampled_test_in_the_inner_loop(
    everything: Collected,
) -> None:
    ids = [node for node, *_ in everything]
    assert len(ids) == len(set(ids)) > 5000
    assert {tier for _, tier, _ in everything} == set(CHOICES) - {"all"}
    cases: dict[str, list[str]] = {}
    for node, tier, _ in everything:
        entry = _entry(node)
        if NAMED_TESTS.get(entry) == SAMPLED:
            cases.setdefault(entry, []).append(tier)
        else:
            assert tier == NAMED_TESTS.get(entry, tier_of(TESTS.parent / node.split("::")[0]))
    assert set(cases) == {e for e, t in NAMED_TESTS.items() if t == SAMPLED}
    for entry, tiers in cases.items():
        assert len(tiers) > 2 * SAMPLE, f"{entry}: too few cases to sample"
        assert tiers.count("inner") == SAMPLE and tiers.count(SAMPLED) == len(tiers) - SAMPLE


def test_a_sample_spreads_from_the_first_case_to_the_last() -> None:
    assert sample(SAMPLE - 1) == set(range(SAMPLE - 1))
    for cases in (SAMPLE + 1, 100, 538):
        kept = sample(cases)
        assert len(kept) == SAMPLE and {0, cases - 1} <= kept <= set(range(cases))
        gaps = [b - a for a, b in zip(sorted(kept), sorted(kept)[1:], strict=False)]
        assert max(gaps) - min(gaps) <= 1


@pytest.mark.parametrize("tier", ["inner", SAMPLED, "slow"])
def test_a_tier_runs_its_tests_and_only_them(
    plugin: Path, everything: Collected, tier: str
) -> None:
    chosen = _collect(plugin, *(["--tier", tier] if tier != "inner" else []))
    assert chosen and {t for _, t, _ in chosen} == {tier}
    assert sorted(n for n, *_ in chosen) == sorted(n for n, t, _ in everything if t == tier)


def test_a_file_named_runs_whatever_its_tier(plugin: Path) -> None:
    named = next(p for prefixes in TIERS.values() for p in prefixes if p.endswith(".py"))
    assert {n.split("::")[0] for n, *_ in _collect(plugin, f"tests/{named}")} == {f"tests/{named}"}


def test_the_tiers_tests_come_first_the_longest_first(everything: Collected) -> None:
    rank = {tier: n for n, tier in enumerate([*TIERS, "inner"])}
    ranks = [rank[tier] for _, tier, _ in everything]
    assert ranks == sorted(ranks)
    assert ranks[0] == rank["paths"] and ranks[-1] == rank["inner"]
    # a tier's entries in the order it lists them: the longest first
    first = next(iter(TIERS.values()))[0]
    assert everything[0][0].startswith(f"tests/{first}::"), everything[0]
    # the inner loop's files that are a group (handed out whole) before its single tests
    inner = [grouped for _, tier, grouped in everything if tier == "inner"]
    assert inner == sorted(inner, reverse=True) and inner[0] and not inner[-1]


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


def _entry(node: str) -> str:
    """A node id as TIERS names a test: ``file::test`` under tests/, no parameters."""
    where, _, test = node.partition("::")
    return f"{Path(where).relative_to('tests').as_posix()}::{test.split('[', 1)[0]}"


def _collect(plugin: Path, *args: str) -> Collected:
    """The tests ``pytest --collect-only`` picks in this repository, each with its tier
    (the marker tests/conftest.py gives it), in the order they are handed out."""
    out = plugin / "tiers.json"
    env = {
        **os.environ,
        "TIERS_OUT": str(out),
        "PYTHONPATH": os.pathsep.join([str(plugin), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-n0", "-p", "no:cacheprovider",
         "-p", "tiers_out", *args],
        capture_output=True, text=True, check=False, timeout=600, cwd=TESTS.parent, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:]
    found = json.loads(out.read_text(encoding="utf-8"))
    several = [node for node, tiers, _ in found if len(tiers) != 1]
    assert several == [], several[:5]
    return [(node, tiers[0], grouped) for node, tiers, grouped in found]
