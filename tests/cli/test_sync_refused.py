"""``intacct sync`` when the company withdraws the connection mid-run, as a user runs
it (a process of its own, a slow emulator changed from another shell): the run stops at
once with one line, keeping what it stored. The engine's side of it, in-process:
tests/replication/test_engine.py."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from intacct.cli import main
from intacct.destinations import saved_state

from .test_sync import first_page_told, goes_on_exactly


def test_a_sender_revoked_mid_run_stops_it_at_once_with_the_pages_stored_kept(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The company withdraws the Sender ID's authorization once the first page is told
    (``intacct emulator misconfigure sender-not-authorized``; a slow gateway keeps the
    rest in flight): one error line with the fix, exit 1, no object failing on its own;
    the pages stored stay with their state, and once authorized again the next run goes
    on from them, storing every entry once."""
    with first_page_told(monkeypatch) as (proc, slow):
        misconfigure = ["emulator", "misconfigure", "sender-not-authorized", "--url", slow.url]
        assert CliRunner().invoke(main, misconfigure).exit_code == 0
        out, rest = proc.communicate(timeout=60)
        assert proc.returncode == 1, rest
        (error,) = [line for line in rest.splitlines() if not line.startswith("[")]
        assert error.startswith("Error: authentication HTTP 200: XL03000006 Invalid Web "), rest
        assert "Fix: sender_id and sender_password are the Web Services credentials" in error
        assert "authorized for company DEMO" in error
        assert "failed" not in rest and out == ""
        kept = saved_state(tmp_path / "intacct.duckdb")
        assert kept and kept["streams"], "the pages stored before were kept, and their state"
        with duckdb.connect(str(tmp_path / "intacct.duckdb"), read_only=True) as con:
            statuses = [r[0] for r in con.execute("SELECT status FROM _intacct_runs").fetchall()]
        assert statuses == ["failed"], statuses  # recorded, never left running
        assert CliRunner().invoke(main, [*misconfigure, "--undo"]).exit_code == 0
        fast = ["emulator", "latency", "--ms", "0", "--url", slow.url]
        assert CliRunner().invoke(main, fast).exit_code == 0
        goes_on_exactly(slow, tmp_path / "intacct.duckdb")
