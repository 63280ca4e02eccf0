"""The commands the README runs with nothing configured, on a fresh machine (an empty
HOME, an empty folder, no ``INTACCT_*``): ``intacct sync`` starts the embedded emulator
with the demo company and extracts it into ``intacct.duckdb``; the quick start's look at
the result; ``intacct sync --layout fivetran`` after it (the dbt section's first
command, on the same file); and ``intacct sync --objects all --db x.duckdb``, which a
user ran on a fresh machine and saw fail (issue 33: DuckDB out of memory after 46 of 223
objects), and with ``--api rest`` (issue 46: a page ran out of 96 MB and was stored
again). Each file is compared, every table, with a fresh emulator seeded as the embedded
one is (same scale, same seed)."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from intacct.cli.connection import EMBEDDED_SCALE
from intacct.emulator.catalog import load_catalog
from intacct.emulator.server import EmulatorServer
from intacct.protocol.rest_catalog import rest_catalog
from intacct.sync.fivetran import layout_objects
from tests.checksums import EmulatorData
from tests.docs import shell_block
from tests.paths.commands import INTACCT, Ran, run, user_env
from tests.paths.conftest import data_of
from tests.paths.expected import (
    DEFAULT_OBJECTS,
    TRIAL_BALANCE,
    fivetran_problems,
    left_out,
    object_problems,
    rest_only_problems,
    rest_only_tables,
    through_rest,
    trial_balance_problems,
)
from tests.sync.stores import Store

README = Path(__file__).resolve().parents[2] / "README.md"
#: the README's block of a dry run, then every object
README_ALL = "intacct sync --objects VENDOR,APBILL,APBILLITEM --dry-run"


def readme_look() -> list[str]:
    """The quick start's look at the result, as the README writes it (getting-started.md
    writes the same without the virtualenv's path)."""
    (line,) = re.findall(r"^\.venv/bin/intacct query .*$", README.read_text(encoding="utf-8"), re.M)
    words = line.removeprefix(".venv/bin/intacct ")
    assert shell_block("getting-started.md", f"intacct {words}") == f"intacct {words}\n"
    return shlex.split(words)


def documented(name: str, first: str) -> list[list[str]]:
    """The commands of page ``name``'s block beginning ``first``, each as its words
    after ``intacct``."""
    lines = shell_block(name, first).splitlines()
    commands = [shlex.split(line, comments=True) for line in lines]
    assert all(c[0] == "intacct" for c in commands), commands
    return [c[1:] for c in commands]


@pytest.fixture(scope="module")
def embedded() -> Iterator[EmulatorServer]:
    """A fresh emulator with the embedded one's demo data."""
    with EmulatorServer(port=0, scale=EMBEDDED_SCALE, seed=0, max_concurrency=0) as server:
        yield server


@pytest.fixture(scope="module")
def truth(embedded: EmulatorServer) -> Iterator[EmulatorData]:
    yield from data_of(embedded)


def problems(
    db: Path,
    ran: Ran,
    objects: set[str],
    embedded: EmulatorServer,
    truth: EmulatorData,
    rest: Iterable[str] = (),
) -> list[str]:
    """Every table of the DuckDB file at ``db`` against the demo company; ``rest``: the
    objects read through the REST API besides those the run's warnings name."""
    store = Store("duckdb", str(db), str(db), schema="main")
    found: list[str] = []
    left, utc = left_out(ran.err), through_rest(ran.err) | set(rest)
    with store.connected() as con:
        tables = set(con.tables())
        if tables - objects:
            found.append(f"tables the run was not to write: {sorted(tables - objects)}")
        for name in sorted(objects):
            records = con.records(name)
            if name == TRIAL_BALANCE:
                found += trial_balance_problems(name, records, embedded.url, "DEMO", [""])
            elif name in rest_only_tables(embedded.url, "DEMO"):
                found += rest_only_problems(name, records, embedded.url, "DEMO")
            else:
                found += object_problems(name, name, list(con.columns(name)), records, truth,
                                         "DEMO", [""], left.get(name, ()), name in utc)  # fmt: skip
        runs = con.runs()
    if not runs or runs[-1][0] != "ok":
        found.append(f"_intacct_runs does not end with an ok run: {runs[-1:]}")
    return found


def test_quick_start_then_the_fivetran_layout(
    embedded: EmulatorServer, truth: EmulatorData, tmp_path: Path
) -> None:
    folder, env = tmp_path / "work", user_env(tmp_path / "home")
    (first,) = documented("getting-started.md", "intacct sync")
    ran = run((INTACCT, *first), folder, env)
    assert ran.code == 0 and "Traceback" not in ran.err, ran.said()
    assert "embedded emulator" in ran.err, ran.said()  # said on stderr (README)
    found = problems(folder / "intacct.duckdb", ran, set(DEFAULT_OBJECTS), embedded, truth)
    assert found == [], "\n".join(found)

    look = run((INTACCT, *readme_look()), folder, env)
    assert look.code == 0, look.said()
    shown = [line for line in look.out.splitlines() if line.lstrip().startswith("V1")]
    assert "VENDORID" in look.out and len(shown) == 5, look.said()

    ran = run((INTACCT, "sync", "--layout", "fivetran"), folder, env)
    assert ran.code == 0 and "Traceback" not in ran.err, ran.said()
    objects = {*DEFAULT_OBJECTS, *layout_objects()}
    found = problems(folder / "intacct.duckdb", ran, objects, embedded, truth)
    found += fivetran_problems(folder / "intacct.duckdb", truth, "DEMO")
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("api", [(), ("--api", "rest")], ids=["auto", "rest"])
def test_every_object_on_a_fresh_machine(
    embedded: EmulatorServer, truth: EmulatorData, tmp_path: Path, api: tuple[str, ...]
) -> None:
    """The commands of issue 33's report (``--objects all``: the README's, after its dry
    run) and of issue 46's (``--api rest``), as the users ran them: every page fits
    DuckDB's limits (none runs out and is stored again)."""
    folder, env = tmp_path / "work", user_env(tmp_path / "home")
    db = "x.duckdb" if api else "intacct.duckdb"
    if api:
        commands = [["sync", *api, "--objects", "all", "--db", db]]
    else:
        commands = documented("README.md", README_ALL)
        assert commands[-1] == ["sync", "--objects", "all"], commands
    for command in commands:
        ran = run((INTACCT, *command), folder, env)
        assert ran.code == 0 and "Traceback" not in ran.err, ran.said()
    assert "ran out" not in ran.err, ran.said()
    # and REST's own objects: the embedded demo has the OAuth app
    objects = {*load_catalog(), TRIAL_BALANCE, *rest_only_tables(embedded.url, "DEMO")}
    # under api rest every object with a REST twin is read through it (its times UTC)
    twins = {o.xml_object for o in rest_catalog().values() if o.xml_object} if api else set()
    found = problems(folder / db, ran, objects, embedded, truth, twins)
    assert found == [], "\n".join(found)
