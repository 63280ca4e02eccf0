"""``intacct sync`` with ``verify_every``: a company at rest costs the audit trail's one
question, whatever objects it syncs, and ``--dry-run`` says so in one line."""

from __future__ import annotations

import json
from collections.abc import Iterator

import duckdb
import pytest
from click.testing import CliRunner

from intacct import IntacctClient
from intacct.cli import main
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer

from .conftest import billed, use_env
from .tables import table


@pytest.fixture
def own_server() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=300, seed=8) as emulator:
        yield emulator


def _sync(*args: str) -> str:
    result = CliRunner().invoke(main, ["sync", *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("objects", [[], ["--objects", "all"]], ids=["default", "all"])
def test_a_company_at_rest_costs_one_api_transaction(
    monkeypatch: pytest.MonkeyPatch, own_server: EmulatorServer, objects: list[str]
) -> None:
    use_env(monkeypatch, own_server.url)
    monkeypatch.setenv("INTACCT_VERIFY_EVERY", "1d")
    _sync(*objects)
    before = billed(own_server)
    dry = _sync("--dry-run", *objects)
    assert "At rest: the audit trail lists no change since the last run" in dry
    assert len(dry.strip().splitlines()) == 1
    assert billed(own_server) - before == 1
    before = billed(own_server)
    quiet = _sync(*objects)
    assert billed(own_server) - before == 1
    assert "1 API transaction in" in quiet and "1 for the audit trail's changes" in quiet
    # _intacct_runs: the run's cost by part, and why each object read nothing
    with duckdb.connect("intacct.duckdb", read_only=True) as con:
        (summary,) = con.execute(
            "SELECT summary FROM _intacct_runs ORDER BY started DESC LIMIT 1"
        ).fetchone()  # type: ignore[misc]
    parts = json.loads(summary)
    assert parts[0] == {"part": "question", "transactions": 1}
    assert {o["why"] for o in parts[1:]} == {"quiet: the audit trail lists no change"}
    with IntacctClient.from_mapping(client_config(own_server.url)) as client:
        client.create("CLASS", [{"CLASSID": "REST-1", "NAME": "new"}])
    planned = CliRunner().invoke(main, ["sync", "--dry-run", *objects])
    assert planned.exit_code == 0, planned.stderr
    # when each object reads, beside its route
    assert "APBILLITEM: read when the audit trail lists it or its APBILL" in planned.stderr
    assert "TRIALBALANCE: read when the audit trail lists GLACCOUNT" in planned.stderr
    before = billed(own_server)
    changed = table(_sync(*objects))
    assert int(changed["CLASS"]["inserted"]) == 1
    assert changed["CLASS"]["API transactions"] == "1"  # its page, no probe
    assert int(changed["all"]["API transactions"]) == billed(own_server) - before
    read = {name for name, row in changed.items() if row["API transactions"] != "0"}
    # AUDITHISTORY, read as an object, gained the create's row (a full-table object)
    assert read == ({"CLASS", "all"} | ({"AUDITHISTORY"} if objects else set()))
    if not objects:
        assert billed(own_server) - before == 2  # the question and CLASS's page
