"""``intacct sync`` when the company withdraws the connection mid-run, as a user runs
it (a process of its own, a slow emulator changed from another shell): the run stops at
once with one line, keeping what it stored. The engine's side of it, in-process:
tests/replication/test_engine.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from intacct import IntacctClient
from intacct.cli import main
from intacct.destinations import saved_state
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer

from .conftest import use_env
from .test_sync import run


def test_a_sender_revoked_mid_run_stops_it_at_once_with_the_pages_stored_kept(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The company withdraws the Sender ID's authorization once the first page is told
    (``intacct emulator misconfigure sender-not-authorized``; a slow gateway keeps the
    rest in flight): one error line with the fix, exit 1, no object failing on its own;
    the pages stored stay with their state, and once authorized again the next run goes
    on from them, storing every entry once."""
    objects = "GLENTRY,TRIALBALANCE"
    with EmulatorServer(port=0, scale=300, seed=6, latency_ms=100) as slow:
        use_env(monkeypatch, slow.url)
        command = [sys.executable, "-m", "intacct.cli", "sync", "--objects", objects]
        proc = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        told = [proc.stderr.readline() for _ in range(2)]  # the objects, then a page
        assert "page of" in told[1], told
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
        assert CliRunner().invoke(main, [*misconfigure, "--undo"]).exit_code == 0
        fast = ["emulator", "latency", "--ms", "0", "--url", slow.url]
        assert CliRunner().invoke(main, fast).exit_code == 0
        code, _, err = run("--objects", objects)
        assert code == 0, err
        with IntacctClient.from_mapping({**client_config(slow.url), "timeout_s": 30}) as client:
            truth = sum(1 for _ in client.iter_query("GLENTRY", ["RECORDNO"]))
    with duckdb.connect(str(tmp_path / "intacct.duckdb"), read_only=True) as con:
        entries = con.execute("SELECT count(*), count(DISTINCT RECORDNO) FROM GLENTRY").fetchone()
    assert entries == (truth, truth)
