"""``intacct sync --entitlement N --share F``: a run bills at most N x F less what this
connector's runs recorded in the destination billed this month. Two runs in a month: the
second stops on what is left, cleanly (state kept, one message, exit 1); a third finds
nothing left and bills nothing; the company never goes beyond its share. DuckDB and
Postgres alike (the month is read from their ``_intacct_runs``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from intacct.emulator.server import EmulatorServer
from intacct.sync.budget import Entitlement, monthly_budget

from .conftest import billed, run_rows, use_env
from .test_sync_budget import _sync, _tables


def _runs(where: str) -> list[tuple[str, int]]:
    """(status, API transactions) of each run the destination recorded."""
    rows = run_rows(where, "status, summary")
    return [(s, sum(o["transactions"] for o in json.loads(summary))) for s, summary in rows]


@pytest.mark.parametrize("store", ["duckdb", "postgres"])
def test_the_second_run_of_the_month_stops_on_what_is_left(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, tmp_path: Path,
    request: pytest.FixtureRequest, store: str,
):  # fmt: skip
    use_env(monkeypatch, server.url)
    monkeypatch.setenv("INTACCT_PAGE_SIZE", "25")
    before = billed(server)
    assert _sync("--db", str(tmp_path / "whole.duckdb"))[0] == 0
    whole = billed(server) - before  # what one full read of the objects bills
    where = str(tmp_path / "m.duckdb")
    if store == "postgres":
        where = request.getfixturevalue("postgres_url")
    allowed = whole + 12  # the first run fits; a second full read does not
    month = ["--db", where, "--entitlement", str(allowed * 5), "--share", "0.2"]

    before = billed(server)
    code, said = _sync(*month)
    assert code == 0, said
    assert f"monthly budget {allowed:,} API transactions ({allowed * 5:,} x 0.2); 0 spent" in said
    assert billed(server) - before == whole

    before = billed(server)
    code, said = _sync(*month, "--full-refresh")
    assert code == 1, said
    assert f"{whole:,} spent in {datetime.now(UTC):%Y-%m} by this connector's runs; 12 left" in said
    assert "Stopped: API transaction budget reached" in said and "failed" not in said
    assert 0 < billed(server) - before <= 12
    assert [s for s, _ in _runs(where)] == ["ok", "budget"]
    assert sum(t for _, t in _runs(where)) <= allowed  # never beyond the month's share

    before = billed(server)
    code, said = _sync(*month)
    assert code == 1 and " 0 left" in said, said
    assert billed(server) == before  # nothing left: not one request billed
    assert sum(t for _, t in _runs(where)) <= allowed

    # the state was kept: with a larger entitlement the run goes on and ends exact
    code, said = _sync("--db", where, "--entitlement", str(allowed * 3))
    assert code == 0, said
    if store == "duckdb":
        assert _tables(Path(where)) == _tables(tmp_path / "whole.duckdb")


def test_last_months_runs_do_not_count(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, tmp_path: Path
) -> None:
    use_env(monkeypatch, server.url)
    assert _sync("--db", "m.duckdb", "--entitlement", "100000")[0] == 0
    now = datetime.now(UTC)
    this = monthly_budget(tmp_path / "m.duckdb", Entitlement(1000, 0.5), now)
    assert this.spent > 0 and this.left == 500 - this.spent
    following = (now.replace(day=1) + timedelta(days=32)).replace(day=3)
    assert monthly_budget(tmp_path / "m.duckdb", Entitlement(1000, 0.5), following).spent == 0


def test_share_without_entitlement_and_bad_shares_are_refused(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer
) -> None:
    use_env(monkeypatch, server.url)
    code, said = _sync("--db", "x.duckdb", "--share", "0.2")
    assert code != 0 and "--share is a share of --entitlement" in said
    code, said = _sync("--db", "x.duckdb", "--entitlement", "100", "--share", "1.5")
    assert code == 2 and "--share" in said
