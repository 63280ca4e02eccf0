"""``intacct objects``, ``describe`` and ``query`` against an emulator, held to what the
client reads directly."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import httpx
import pytest
from click.testing import CliRunner, Result

from intacct.cli import main
from intacct.client import IntacctClient
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer

from .conftest import use_env


@pytest.fixture
def env(server: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> EmulatorServer:
    use_env(monkeypatch, server.url)
    return server


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _stats(server: EmulatorServer) -> dict[str, int]:
    base = server.url.split("/ia/")[0]
    stats: dict[str, int] = httpx.get(f"{base}/_emulator/stats", timeout=30).json()
    return stats


def _direct(server: EmulatorServer, obj: str, fields: list[str], where: str = "") -> list[dict]:
    with IntacctClient.from_mapping(client_config(server.url)) as client:
        return [dict(r) for r in client.iter_read_by_query(obj, where, fields)]


def test_objects_lists_names_and_labels(env: EmulatorServer) -> None:
    result = _run("objects")
    assert result.exit_code == 0, result.output
    rows = [line.split("|") for line in result.stdout.splitlines()[2:] if "|" in line]
    names = {name.strip(): label.strip() for name, label, _ in rows}
    assert names["VENDOR"] == "Vendor" and {api.strip() for *_, api in rows} == {"xml"}
    assert "APBILL" in names and "GLACCOUNT" in names
    assert f"{len(names)} objects" in result.stderr
    assert "listed with an OAuth app" in result.stderr  # no app: XML's alone


def test_describe_shows_every_field_and_relationship(env: EmulatorServer) -> None:
    with IntacctClient.from_mapping(client_config(env.url)) as client:
        model = client.lookup("VENDOR")
    result = _run("describe", "vendor")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    cells = {line.split("|")[0].strip(): line for line in lines if "|" in line}
    for field in model.fields:
        assert field.name in cells
    assert [c.strip() for c in cells["VENDORID"].split("|")][2] == "yes"  # required
    assert [c.strip() for c in cells["RECORDNO"].split("|")][3] == "yes"  # read-only
    with_values = next(f for f in model.fields if f.valid_values)
    assert ", ".join(with_values.valid_values) in cells[with_values.name]
    assert "Relationships" in lines
    for relationship in model.relationships:
        assert any(line.split("|")[0].strip() == relationship.path for line in lines)


def test_query_json_is_typed_with_exact_decimals(env: EmulatorServer) -> None:
    fields = ["RECORDNO", "TOTALENTERED", "WHENCREATED"]
    result = _run("query", "APBILL", "--fields", ",".join(fields), "--limit", "20",
                  "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout, parse_float=Decimal)
    direct = _direct(env, "APBILL", fields)[:20]
    assert len(rows) == 20
    assert [r["RECORDNO"] for r in rows] == [int(d["RECORDNO"]) for d in direct]
    assert [r["TOTALENTERED"] for r in rows] == [Decimal(d["TOTALENTERED"]) for d in direct]
    # the amounts are written digit for digit as Intacct sent them ("1803.00", not 1803.0)
    for text in (d["TOTALENTERED"] for d in direct):
        assert f'"TOTALENTERED": {text}' in result.stdout


def test_query_csv_with_a_where_condition(env: EmulatorServer) -> None:
    where = "VENDORID < 'V10005'"
    result = _run("query", "VENDOR", "--fields", "VENDORID,NAME", "--where", where,
                  "--limit", "0", "--format", "csv")  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["VENDORID", "NAME"]
    direct = _direct(env, "VENDOR", ["VENDORID", "NAME"], where)
    assert rows[1:] == [[d["VENDORID"], d["NAME"]] for d in direct]
    assert len(direct) < len(_direct(env, "VENDOR", ["VENDORID"]))  # the filter filtered


def test_query_limit_reads_no_page_beyond_it(env: EmulatorServer) -> None:
    total = len(_direct(env, "GLENTRY", ["RECORDNO"]))
    assert total > 7
    before = _stats(env)
    result = _run("query", "GLENTRY", "--fields", "RECORDNO", "--limit", "7", "--format", "csv")
    after = _stats(env)
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 1 + 7
    assert after.get("readByQuery", 0) - before.get("readByQuery", 0) == 1
    assert after.get("readMore", 0) == before.get("readMore", 0)


def test_query_table_off_a_terminal(env: EmulatorServer) -> None:
    result = _run("query", "CLASS", "--fields", "CLASSID,NAME", "--limit", "3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [c.strip() for c in lines[0].split("|")] == ["CLASSID", "NAME"]
    assert set(lines[1]) <= {"-", "+"}
    direct = _direct(env, "CLASS", ["CLASSID", "NAME"])[:3]
    assert [[c.strip() for c in line.split("|")] for line in lines[2:]] == [
        [d["CLASSID"], d["NAME"]] for d in direct
    ]
    assert "3 records" in result.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["query", "VENDOR", "--fields", "VENDORID,NOSUCHFIELD"], "VENDOR has no field NOSUCH"),
        (["query", "VENDOR", "--where", "STATUS = = 'T'"], "Intacct refused the request"),
        (["describe", "NOSUCHOBJECT"], "The company has no object NOSUCHOBJECT."),
    ],
)
def test_gateway_errors_are_one_line(env: EmulatorServer, args: list[str], said: str) -> None:
    result = _run(*args)
    assert result.exit_code == 1
    assert result.stdout == ""
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith(f"Error: {said}")


@pytest.mark.parametrize("command", ["describe", "query"])
def test_a_misspelt_object_names_the_near_miss(env: EmulatorServer, command: str) -> None:
    result = _run(command, "vendr")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: The company has no object VENDR; did you mean VENDOR")
    assert "`intacct objects` lists its objects" in result.stderr


@pytest.mark.parametrize(
    "args",
    [["--fields", "VENDORID,NAMEX"], ["--fields", "VENDORID", "--where", "NAMEX > 'A'"]],
)
def test_a_misspelt_field_points_at_describe(env: EmulatorServer, args: list[str]) -> None:
    """Not at Intacct's lookup function, which its own error text names."""
    result = _run("query", "VENDOR", *args)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: VENDOR has no field NAMEX (did you mean NAME?): `intacct describe VENDOR` "
        "lists its fields."
    )


def test_objects_work_with_nothing_configured() -> None:
    result = _run("query", "VENDOR", "--fields", "VENDORID", "--limit", "2", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "embedded emulator" in result.stderr
    assert len(result.stdout.splitlines()) == 3


def test_query_every_field_as_csv_and_nothing_as_json(env: EmulatorServer) -> None:
    result = _run("query", "CLASS", "--limit", "2", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    direct = _direct(env, "CLASS", ["*"])[:2]
    assert rows[0] == list(direct[0])
    assert [dict(zip(rows[0], row, strict=True))["CLASSID"] for row in rows[1:]] == [
        d["CLASSID"] for d in direct
    ]
    result = _run("query", "CLASS", "--where", "CLASSID = 'NO-SUCH'", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []
