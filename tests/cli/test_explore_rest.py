"""``intacct objects``, ``describe`` and ``query`` know the objects only the REST API has
(issue 68: "The company has no object" before): listed with their API, described by
their columns as ``intacct sync`` stores them, read through the query service with
``--fields``, ``--where`` and ``--limit``, by stream name or REST path; held to the
emulator's REST answer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner, Result

from intacct import IntacctClient
from intacct.cli import main
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from tests.conftest import DEMO_APP

from .conftest import use_env, use_oauth_app

NAME, PATH = "accounts_payable_vendor_total", "accounts-payable/vendor-total"


@pytest.fixture
def env(server: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> EmulatorServer:
    use_env(monkeypatch, server.url)
    use_oauth_app(monkeypatch)
    return server


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def truth(server: EmulatorServer) -> list[dict[str, Any]]:
    with IntacctClient.from_mapping({**client_config(server.url), **DEMO_APP}) as client:
        answer = client.rest.query(PATH, ["id", "totalDue"], order_by=[{"key": "asc"}], size=999)
    return [{"id": r["id"], "totalDue": r["totalDue"]} for r in answer.result]


def test_objects_lists_both_apis(env: EmulatorServer) -> None:
    result = run("objects", "--format", "json")
    assert result.exit_code == 0, result.output
    listed = {o["object"]: o for o in json.loads(result.stdout)}
    assert listed["VENDOR"]["api"] == "xml"
    assert listed[NAME] == {"object": NAME, "label": "Vendor total", "api": "rest"}
    assert sum(o["api"] == "rest" for o in listed.values()) > 300


def test_describe_gives_rest_fields_and_types(env: EmulatorServer) -> None:
    for asked in (NAME, PATH):
        result = run("describe", asked, "--format", "json")
        assert result.exit_code == 0, result.output
        described = json.loads(result.stdout)
        assert (described["object"], described["path"], described["api"]) == (NAME, PATH, "rest")
        fields = {f["name"]: f for f in described["fields"]}
        assert fields["totalDue"]["type"] == "string" and fields["vendor.id"]["references"]
    table = run("describe", NAME)
    assert table.exit_code == 0 and f"(REST {PATH}, no XML object)" in table.stdout


def test_query_reads_through_the_query_service(env: EmulatorServer) -> None:
    expected = truth(env)
    result = run("query", NAME, "--fields", "id,totalDue", "--limit", "0", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == expected
    few = run("query", PATH, "--fields", "ID", "--limit", "3", "--format", "json")
    assert json.loads(few.stdout) == [{"id": r["id"]} for r in expected[:3]]
    prefix = expected[0]["id"][:2]
    where = f"totalDue >= 0 AND id LIKE '{prefix}%' AND id != '{expected[0]['id']}'"
    found = run("query", NAME, "--fields", "id,totalDue", "--where", where, "--limit", "0",
                "--format", "json")  # fmt: skip
    assert found.exit_code == 0, found.output
    wanted = [r for r in expected[1:] if r["id"].startswith(prefix)]
    assert json.loads(found.stdout) == wanted and wanted


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--fields", "id,totl"], "has no field totl (did you mean totalDue?)"),
        (["--where", "id = 'a' OR id = 'b'"], "OR cannot be sent"),
        (["--where", "nope = 1"], "has no field nope"),
        (["--where", "id LIKE 'a%b'"], "only % at an end or both"),
    ],
)
def test_what_the_query_service_cannot_be_asked_is_one_line(
    env: EmulatorServer, args: list[str], said: str
) -> None:
    result = run("query", NAME, *args)
    assert result.exit_code == 2 and said in result.stderr


def test_without_the_app_a_rest_name_is_no_object(
    server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_env(monkeypatch, server.url)
    result = run("describe", NAME)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: The company has no object {NAME.upper()}")
