"""``intacct sync --budget N``: the run never bills more than N API transactions; what it
stored stays, and the next run goes on to exactly the data a run without budget has."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from intacct.cli import main
from intacct.emulator.server import EmulatorServer

from .conftest import billed, use_env

OBJECTS = "VENDOR,CUSTOMER,APBILL,APBILLITEM,GLBATCH,GLENTRY"


def _sync(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["sync", "--objects", OBJECTS, *args])
    return result.exit_code, result.stdout + result.stderr


def _tables(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            name: con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall()  # noqa: S608
            for name in OBJECTS.split(",")
        }


def test_a_budget_stops_the_run_and_the_next_goes_on_exactly(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, tmp_path: Path
) -> None:
    use_env(monkeypatch, server.url)
    monkeypatch.setenv("INTACCT_PAGE_SIZE", "25")
    before = billed(server)
    code, said = _sync("--db", "budget.duckdb", "--budget", "30")
    assert code == 1
    assert said.count("API transaction budget reached") == 1  # the run stops, once
    assert "Stopped: API transaction budget reached: " in said
    assert "failed" not in said  # no object failed: the run stopped before a request
    assert 0 < billed(server) - before <= 30
    with duckdb.connect(str(tmp_path / "budget.duckdb"), read_only=True) as con:
        status = con.execute("SELECT status FROM _intacct_runs").fetchall()
    assert status == [("budget",)]
    partial = _tables(tmp_path / "budget.duckdb")
    assert any(partial.values())  # some pages were stored before the budget ran out
    code, said = _sync("--db", "budget.duckdb")
    assert code == 0, said
    code, said = _sync("--db", "whole.duckdb")
    assert code == 0, said
    assert _tables(tmp_path / "budget.duckdb") == _tables(tmp_path / "whole.duckdb")
