"""What ``intacct sync`` says a run cost is what Intacct bills (the emulator's
``/_emulator/stats``, by the documented rule in intacct.protocol.billing)."""

from __future__ import annotations

from collections.abc import Iterator

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


def sync(*args: str) -> dict[str, dict[str, str]]:
    result = CliRunner().invoke(main, ["sync", *args])
    assert result.exit_code == 0, result.stderr
    return table(result.stdout)


def test_the_summary_counts_what_intacct_bills_first_and_second_run(
    monkeypatch: pytest.MonkeyPatch, own_server: EmulatorServer
) -> None:
    use_env(monkeypatch, own_server.url)
    objects = "VENDOR,CLASS,APBILL,APBILLITEM,GLBATCH,TRIALBALANCE"
    before = billed(own_server)
    first = sync("--objects", objects)
    assert int(first["all"]["API transactions"]) == billed(own_server) - before
    per_object = sum(int(row["API transactions"]) for name, row in first.items() if name != "all")
    assert per_object == int(first["all"]["API transactions"])
    with IntacctClient.from_mapping(client_config(own_server.url)) as client:
        client.create("CLASS", [{"CLASSID": "COST-1", "NAME": "new"}])
        recordno = client.query("VENDOR", ["RECORDNO"], pagesize=1).records[0]["RECORDNO"]
        client.delete("VENDOR", [recordno])
    before = billed(own_server)
    second = sync("--objects", objects)
    assert int(second["CLASS"]["inserted"]) == 1 and int(second["VENDOR"]["deleted"]) == 1
    assert int(second["all"]["API transactions"]) == billed(own_server) - before
    # nothing changed in APBILL: the audit trail's one question (verify_every) named it
    # not, so it costs nothing of its own; the question is the difference
    assert second["APBILL"]["API transactions"] == "0"
    per_object = sum(int(row["API transactions"]) for name, row in second.items() if name != "all")
    assert int(second["all"]["API transactions"]) == per_object + 1
