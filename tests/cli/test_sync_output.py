"""What ``intacct sync`` (and doctor, the tap, the target) show: -h, progress that
names objects in full and marks them done, -q, and --log-format json without secrets."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from intacct import tap, target
from intacct.cli import main
from intacct.emulator.demo import app_config
from intacct.emulator.server import EmulatorServer
from tests.singer_cli import run_main

from .conftest import use_env
from .tables import table

LONG_NAMES = "APBILLITEM,ARINVOICEITEM,CHECKINGACCOUNT"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
#: the Singer executables' mains, run in-process (:mod:`tests.singer_cli`; tests/tap and
#: tests/target start them as processes too)
SINGER = {"tap-sage-intacct": tap.main, "target-sage-intacct": target.main}


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


@pytest.mark.parametrize("executable", list(SINGER))
def test_dash_h_is_help_for_the_singer_executables(executable: str) -> None:
    done = run_main(SINGER[executable], executable, "-h")
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
    for name in LONG_NAMES.split(","):  # each printed once done, above the live lines
        line = next(line for line in screen.splitlines() if line.startswith(f"✓ {name}"))
        assert re.search(rf"✓ {name}\s+[\d,]+ read .* done$", line.rstrip()), line
    last = [line for line in screen.splitlines() if line.strip()][-2]  # before "Done:"
    assert last.startswith("✓ all "), last  # the live region's last frame: the totals
    out = _ANSI.sub("", out)
    assert all(len(line) <= 80 for line in out.splitlines())
    rows = table(out)
    assert set(LONG_NAMES.split(",")) < set(rows)
    assert int(rows["APBILLITEM"]["read"]) > 0


#: the longest names of ``--objects all`` of the demo company (the REST-only ones'
#: with the demo OAuth app), beside the widest figures of its run
LONGEST = [
    "accounts_payable_vendor_restricted_department",
    "accounts_payable_vendor_total",
    "GCOWNERSHIPSTRUCTUREDETAIL",
    "TRIALBALANCE",
    "GLENTRY",
]


@pytest.mark.parametrize("terminal", [True, False])
def test_the_longest_names_and_every_figure_are_whole_at_80_columns(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, terminal: bool
) -> None:
    """On an 80-column terminal and in a pipe (it was 109 wide there, and on the
    terminal the totals were cut to `1…`): a long name goes on two lines."""
    use_env(monkeypatch, server.url)
    for key, value in app_config().items():
        monkeypatch.setenv(f"INTACCT_{key.upper()}", value)
    shown = {"TTY_COMPATIBLE": "1", "COLUMNS": "80", "NO_COLOR": "1"} if terminal else {}
    code, out, err = invoke("sync", "--objects", ",".join(LONGEST), env=shown)
    assert code == 0, err
    # the live lines too on the terminal (in a pipe, a line per page, as long as it is)
    for text in (_ANSI.sub("", out), _ANSI.sub("", err) if terminal else ""):
        assert all(len(line) <= 80 for line in text.splitlines()) and "…" not in text
    rows = table(_ANSI.sub("", out))
    assert list(rows) == [*LONGEST, "all"]
    figures = ["read", "inserted", "updated", "deleted", "API transactions"]
    total = sum(int(rows[name]["read"].replace(",", "")) for name in LONGEST)
    assert rows["all"]["read"] == f"{total:,}" and all(rows["all"][f] for f in figures)


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


@pytest.mark.parametrize("form", ["text", "json"])
def test_a_library_warning_is_a_line_of_the_runs_own_format(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, form: str
) -> None:
    """A warning a library module logs during the run (the client retrying a 503) is
    one of the run's lines: in text a plain ``[  0.4s] warning: ...`` among the pages'
    lines, not a log line with a time and a logger's name; in json one object."""
    use_env(monkeypatch, server.url)
    faults = server.url.replace("/ia/xml/xmlgw.phtml", "/_emulator/faults")
    assert httpx.post(faults, content=b"status=503,times=1,object=CLASS").status_code == 200
    try:
        code, _, err = invoke(
            "sync", "--log-format", form, "--objects", "CLASS", "--db", "w.duckdb"
        )
    finally:
        httpx.delete(faults)
    assert code == 0, err
    if form == "json":
        records = [json.loads(line) for line in err.splitlines()]  # every line
        retried = [r for r in records if "retrying in" in r["message"]]
        assert [r["level"] for r in retried] == ["WARNING"], records
        return
    retried = [line for line in err.splitlines() if "retrying in" in line]
    assert len(retried) == 1, err
    assert re.fullmatch(r"\[ *[\d.]+s\] warning: \w+ failed \(attempt 1 of \d+\): .*", retried[0])
    assert "WARNING" not in err and "intacct.retry" not in err, err


@pytest.mark.parametrize(
    ("args", "status", "said"),
    [
        (["--objects", "CLASS"], 1, "Sign-in information is incorrect"),
        (["--budget", "many"], 2, "'many' is not a valid integer"),
    ],
)
def test_json_makes_the_last_line_of_a_failure_a_record_too(
    monkeypatch: pytest.MonkeyPatch,
    server: EmulatorServer,
    args: list[str],
    status: int,
    said: str,
) -> None:
    use_env(monkeypatch, server.url)
    monkeypatch.setenv("INTACCT_USER_PASSWORD", "not-the-password-42")
    code, _, err = invoke("sync", "--log-format", "json", *args, "--db", "e.duckdb")
    assert code == status
    records = [json.loads(line) for line in err.splitlines()]  # every line
    last = records[-1]
    assert last["level"] == "ERROR" and said in last["message"]
    assert last["exit_status"] == status and "not-the-password-42" not in err


@pytest.mark.usefixtures("no_keyring")
def test_dash_vv_shows_our_debug_lines_not_other_libraries(
    server: EmulatorServer, tmp_path: Path
) -> None:
    """keyring lists its backends at DEBUG when a profile's password is looked up: -vv
    is the client's requests, not that (-vvv shows every library's)."""
    code, _, err = invoke(
        "profiles", "add", "emu", "--api-url", server.url, "--sender-id", "demo_sender",
        "--sender-password", "demo-sender-password", "--company-id", "DEMO",
        "--user-id", "demo_user", "--user-password", "demo-user-password",
    )  # fmt: skip
    assert code == 0, err
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_KEYRING_BACKEND"}
    # no session bus: no desktop keyring is asked (nor could it prompt)
    env |= {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent", "DISPLAY": ""}
    command = [sys.executable, "-m", "intacct.cli", "sync", "--profile", "emu", "--objects",
               "CLASS", "--db", str(tmp_path / "v.duckdb"), "--log-format", "json"]  # fmt: skip
    loggers = {}
    for verbose in ("-vv", "-vvv"):
        done = subprocess.run([*command, verbose], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
        records = [json.loads(line) for line in done.stderr.splitlines()]
        loggers[verbose] = {r["logger"] for r in records if r["level"] == "DEBUG"}
    assert "intacct.client" in loggers["-vv"]
    assert all(name.startswith("intacct.") for name in loggers["-vv"]), loggers["-vv"]
    assert any(name.startswith("keyring") for name in loggers["-vvv"]), loggers["-vvv"]


def test_the_tap_logs_json_or_nothing(server: EmulatorServer, tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps({
            "api_url": server.url, "sender_id": "demo_sender",
            "sender_password": "demo-sender-password", "user_id": "demo_user",
            "user_password": "demo-user-password", "company_id": "DEMO",
        })
    )  # fmt: skip
    args = ["--config", str(config), "--discover"]
    loud = run_main(tap.main, "tap-sage-intacct", *args, "-v", "--log-format", "json")
    assert loud.returncode == 0, loud.stderr[-2000:]
    lines = loud.stderr.splitlines()
    assert lines and all(json.loads(line)["logger"] for line in lines)
    assert any(json.loads(line)["level"] == "DEBUG" for line in lines)
    assert "demo-user-password" not in loud.stderr
    quiet = run_main(tap.main, "tap-sage-intacct", *args, "-q")
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert json.loads(quiet.stdout)["streams"]
