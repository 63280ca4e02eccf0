"""``intacct objects``/``describe --format json``, ``query`` on a terminal of 80 and 200
columns without ``--fields``, ``--vertical``, and ``--where`` with display values."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from intacct import IntacctClient
from intacct.cli import main
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer

from .conftest import use_env

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def env(server: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> EmulatorServer:
    use_env(monkeypatch, server.url)
    return server


def run(*args: str, columns: int | None = None) -> tuple[int, str, str]:
    terminal = {"TTY_COMPATIBLE": "1", "COLUMNS": str(columns)} if columns else {}
    result = CliRunner().invoke(main, list(args), env={**terminal, "NO_COLOR": "1"})
    return result.exit_code, _ANSI.sub("", result.stdout), result.stderr


def test_objects_and_describe_as_json(env: EmulatorServer) -> None:
    code, out, _ = run("objects", "--format", "json")
    assert code == 0
    listed = {o["object"]: o["label"] for o in json.loads(out)}
    assert listed["VENDOR"] == "Vendor" and "GLACCOUNT" in listed
    code, out, _ = run("describe", "vendor", "--format", "json")
    assert code == 0
    model = json.loads(out)
    fields = {f["name"]: f for f in model["fields"]}
    assert model["object"] == "VENDOR"
    assert fields["STATUS"]["valid_values"] == ["active", "inactive"]
    assert fields["VENDORID"]["required"] is True and fields["RECORDNO"]["read_only"] is True
    assert any(r["object"] for r in model["relationships"])


@pytest.mark.parametrize("obj", ["VENDOR", "APBILL", "GLENTRY"])
def test_query_fits_the_terminal_a_record_a_line(env: EmulatorServer, obj: str) -> None:
    shown = {}
    for columns in (80, 200):
        code, out, err = run("query", obj, "--limit", "5", columns=columns)
        assert code == 0, err
        lines = out.splitlines()
        assert all(len(line) <= columns for line in lines)
        header, rule, *rows = lines
        assert set(rule) == {"─"} and len(rows) == 5  # one line each
        shown[columns] = header.split()
        assert f"{len(shown[columns])} of " in err and "--vertical" in err
    assert 3 <= len(shown[80]) < len(shown[200])
    assert shown[80] == shown[200][: len(shown[80])] or set(shown[80]) < set(shown[200])
    assert shown[80][0] in ("VENDORID", "RECORDNO")


def test_vertical_shows_every_field_of_each_record(env: EmulatorServer) -> None:
    code, out, _ = run("query", "CLASS", "--limit", "2", "--vertical", columns=80)
    assert code == 0
    blocks = out.split("-[ record ")[1:]
    assert len(blocks) == 2
    with IntacctClient.from_mapping(client_config(env.url)) as client:
        names = [f.name for f in client.lookup("CLASS").fields if "." not in f.name]
    first = {line.split()[0] for line in blocks[0].splitlines()[1:] if line.strip()}
    assert {"RECORDNO", "CLASSID", "NAME", "STATUS"} <= first <= set(names)


def test_where_sends_the_codes_of_display_values(env: EmulatorServer) -> None:
    code, out, err = run(
        "query", "VENDOR", "--where", "STATUS = 'active' AND ONHOLD = 'false'",
        "--fields", "VENDORID,STATUS,ONHOLD", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    records = json.loads(out)
    assert records and all(r["STATUS"] == "active" and r["ONHOLD"] is False for r in records)
    assert "STATUS = 'active' sent as STATUS = 'T'" in err
    assert "ONHOLD = 'false' sent as ONHOLD = 'F'" in err
    code, out, err = run("query", "VENDOR", "--where", "NAME = 'active'", "--format", "json")
    assert code == 0 and "sent as" not in err  # only the fields that hold codes


def test_a_display_value_without_a_known_code_is_explained(env: EmulatorServer) -> None:
    code, _, err = run("query", "GLACCOUNT", "--where", "ACCOUNTTYPE = 'balancesheet'")
    assert code == 0
    assert "0 records" in err
    assert "No record matched ACCOUNTTYPE = 'balancesheet'" in err and "stored codes" in err
    # the hint names what describe shows, not a code describe does not show
    described = json.loads(run("describe", "GLACCOUNT", "--format", "json")[1])
    shown = next(f for f in described["fields"] if f["name"] == "ACCOUNTTYPE")["valid_values"]
    listed = f"(ACCOUNTTYPE: {', '.join(shown)})"
    assert f"`intacct describe GLACCOUNT` lists the values records show {listed}" in err
    assert "'T'" not in err
    code, _, err = run("query", "GLACCOUNT", "--where", "ACCOUNTTYPE = 'N'", "--limit", "3")
    assert code == 0 and "3 records" in err and "No record matched" not in err
