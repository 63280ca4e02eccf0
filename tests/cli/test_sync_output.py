"""What ``intacct sync`` (and doctor, the tap, the target) show: -h, progress that
names objects in full and marks them done, -q, and --log-format json without secrets."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from intacct.cli import main
from intacct.emulator.server import EmulatorServer

from .conftest import use_env
from .tables import table

LONG_NAMES = "APBILLITEM,ARINVOICEITEM,CHECKINGACCOUNT"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
TAP = [sys.executable, "-c", "from intacct.tap import main; main()"]
TARGET = [sys.executable, "-c", "from intacct.target import main; main()"]


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    "command",
    [[], ["sync"], ["doctor"], ["query"], ["objects"], ["profiles", "add"], ["emulator", "serve"]],
)
def test_dash_h_is_help(command: list[str]) -> None:
    code, out, _ = invoke(*command, "-h")
    assert code == 0 and "Usage:" in out and "-h, --help" in out


@pytest.mark.parametrize("executable", [TAP, TARGET])
def test_dash_h_is_help_for_the_singer_executables(executable: list[str]) -> None:
    done = subprocess.run([*executable, "-h"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    for option in ("-h, --help", "-v, --verbose", "-q, --quiet", "--log-format"):
        assert option in done.stdout


def test_live_progress_on_an_80_column_terminal_names_objects_in_full(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer
) -> None:
    use_env(monkeypatch, server.url)
    terminal = {"TTY_COMPATIBLE": "1", "COLUMNS": "80", "NO_COLOR": "1"}
    code, out, err = invoke("sync", "--objects", LONG_NAMES, env=terminal)
    assert code == 0, err
    screen = _ANSI.sub("", err)
    for name in LONG_NAMES.split(","):
        line = next(line for line in reversed(screen.splitlines()) if name in line)
        assert re.search(rf"✓ {name}\s+[\d,]+ read .* done$", line.rstrip()), line
    out = _ANSI.sub("", out)
    assert all(len(line) <= 80 for line in out.splitlines())
    rows = table(out)
    assert set(LONG_NAMES.split(",")) < set(rows)
    assert int(rows["APBILLITEM"]["read"]) > 0


def test_plain_progress_says_each_object_is_done(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer
) -> None:
    use_env(monkeypatch, server.url)
    code, out, err = invoke("sync", "--objects", LONG_NAMES, "--db", "plain.duckdb")
    assert code == 0, err
    read = table(out)["ARINVOICEITEM"]["read"]
    assert re.search(rf"ARINVOICEITEM: done, {read} records read \(", err)
    assert "ARINVO…" not in err + out


def test_quiet_shows_the_summary_only(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer
) -> None:
    use_env(monkeypatch, server.url)
    code, out, err = invoke("sync", "-q", "--objects", "CLASS", "--db", "quiet.duckdb")
    assert code == 0
    assert err == "" and "CLASS" in table(out)


def test_json_logs_are_one_object_a_line_without_secrets(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer
) -> None:
    use_env(monkeypatch, server.url)
    code, out, err = invoke(
        "sync", "-vv", "--log-format", "json", "--objects", "CLASS,VENDOR", "--db", "j.duckdb"
    )
    assert code == 0, err
    records = [json.loads(line) for line in err.splitlines()]
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    done = {r["object"]: r for r in records if r.get("status") == "done"}
    assert set(done) == {"CLASS", "VENDOR"} and done["VENDOR"]["read"] > 0
    assert any(r["logger"] == "intacct.client" and r["level"] == "DEBUG" for r in records)
    finished = next(r for r in records if r["message"] == "sync finished")
    assert finished["transactions"] == int(table(out)["all"]["API transactions"])
    for secret in ("demo-user-password", "demo-sender-password"):
        assert secret not in err and secret not in out
    code, _, err = invoke("doctor", "-v", "--log-format", "json")
    assert code == 0, err
    assert err and all(json.loads(line)["level"] for line in err.splitlines())


def test_the_tap_logs_json_or_nothing(server: EmulatorServer, tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps({
            "api_url": server.url, "sender_id": "demo_sender",
            "sender_password": "demo-sender-password", "user_id": "demo_user",
            "user_password": "demo-user-password", "company_id": "DEMO",
        })
    )  # fmt: skip
    args = [*TAP, "--config", str(config), "--discover"]
    loud = subprocess.run([*args, "-v", "--log-format", "json"], capture_output=True, text=True)
    assert loud.returncode == 0, loud.stderr[-2000:]
    lines = loud.stderr.splitlines()
    assert lines and all(json.loads(line)["logger"] for line in lines)
    assert any(json.loads(line)["level"] == "DEBUG" for line in lines)
    assert "demo-user-password" not in loud.stderr
    quiet = subprocess.run([*args, "-q"], capture_output=True, text=True)
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert json.loads(quiet.stdout)["streams"]
