"""The guide's dlt snippet (docs/destinations.md, "In your own dlt pipeline:
``intacct_source``") run as written, as a user runs it: the block saved as a script,
its placeholder credentials filled in with the emulator's demo company (and its
address, as a user's own company needs none), run by this Python in an empty folder
with a fresh HOME, then run again (a later run, as the snippet's comments say). Its
DuckDB file, named after the pipeline, holds every object of the first run exactly.
Issue 46: with the pipeline named as its dataset, every load failed (DuckDB could not
tell its file's catalog from the schema) and left its package pending for the next
run."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from tests.checksums import EmulatorData
from tests.docs import blocks, section
from tests.paths.commands import run, user_env
from tests.paths.expected import (
    DEFAULT_OBJECTS,
    TRIAL_BALANCE,
    object_problems,
    trial_balance_problems,
)
from tests.sync.stores import Store

pytest.importorskip("dlt", reason="pip install -e '.[dev]' (dlt is in the dev extra)")

COMPANY = "DEMO"


def snippet(history: bool = False) -> str:
    """The guide's one Python block that runs ``intacct_source`` (``history``: the one
    that goes on from it to keep every version)."""
    text = section("destinations.md", "In your own dlt pipeline: `intacct_source`")
    found = [
        block
        for block in blocks(text, "py")
        if "intacct_source(" in block and ("intacct_history_views(" in block) == history
    ]
    assert len(found) == 1, found
    return found[0]


def filled_in(block: str, url: str) -> str:
    """The block with the demo company's values for its ``"..."`` placeholders and the
    emulator's address; nothing else changed."""
    config = client_config(url, COMPANY)
    written = re.sub(r'"(\w+)": "\.\.\."', lambda m: f'"{m[1]}": {config[m[1]]!r}', block)
    written = written.replace("credentials = {", f"credentials = {{'api_url': {url!r}, ", 1)
    assert '"..."' not in written and written.count(url) == 1, written
    return written


def run_twice(script: str, tmp_path: Path) -> Store:
    """``script`` saved and run by this Python in an empty folder with a fresh HOME,
    twice; the DuckDB file of the guide's pipeline, named after it."""
    home = tmp_path / "home"
    # dlt keeps a pipeline's working directory in ~/.dlt, but root's in /var/dlt, which
    # every run on the machine shares: a fresh machine's is in its fresh HOME
    folder, env = tmp_path / "work", user_env(home, {"DLT_DATA_DIR": str(home / ".dlt")})
    folder.mkdir()
    saved = folder / "pipeline.py"
    saved.write_text(script, encoding="utf-8")
    for _ in range(2):
        ran = run((sys.executable, saved), folder, env)
        assert ran.code == 0 and "Traceback" not in ran.err, ran.said()
    name = re.search(r'dlt\.pipeline\("(\w+)"', snippet())
    assert name is not None
    path = str(folder / f"{name[1]}.duckdb")  # dlt's file, named after the pipeline
    return Store("dlt-duckdb", "", path, schema="intacct", through_dlt=True)


def test_the_documented_snippet_runs_as_written_twice(
    emulator: EmulatorServer, data: EmulatorData, tmp_path: Path
) -> None:
    store = run_twice(filled_in(snippet(), emulator.url), tmp_path)
    found: list[str] = []
    with store.connected() as db:
        assert set(db.tables()) == set(DEFAULT_OBJECTS), db.tables()
        for table in DEFAULT_OBJECTS:
            records = db.records(table)
            if table == TRIAL_BALANCE:
                found += trial_balance_problems(table, records, emulator.url, COMPANY, [""])
                continue
            columns = list(db.columns(table))
            found += object_problems(table, table, columns, records, data, COMPANY, [""])
    assert found == [], "\n".join(found)


def test_the_documented_history_snippet_runs_after_the_first_ones_setup(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    """The history block as the guide writes it, after the first block's credentials
    and pipeline (its runs left out), twice: each record's one version, current, in the
    views it makes (the second run's pages read again keep none twice)."""
    setup = [line for line in snippet().splitlines() if not line.startswith("pipeline.run(")]
    script = filled_in("\n".join(setup) + "\n", emulator.url) + snippet(history=True)
    store = run_twice(script, tmp_path)
    for table in ("vendor", "class"):
        kept = store.query(f"SELECT count(*), count(*) FILTER (is_current) FROM {table}_history")  # noqa: S608
        ((rows,),) = store.query(f"SELECT count(*) FROM {table}")  # noqa: S608
        assert kept == [(rows, rows)] and rows > 0, table
