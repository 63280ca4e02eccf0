"""``intacct doctor`` end to end: each setup mistake, presented by an emulator through its
control API, gives its verdict line, the place to fix it, and exit status 1."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from intacct.cli import main
from intacct.emulator.server import EmulatorServer

from .conftest import use_env

PASSWORDS = ("demo-sender-password", "demo-user-password")


@pytest.fixture
def html_server() -> Iterator[str]:
    """A web server that is no gateway: Python's http.server answers POST with its HTML
    "501 Unsupported method" page."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Not on the command's stderr."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/ia/xml/xmlgw.phtml"
    server.shutdown()
    server.server_close()


@pytest.fixture
def fresh() -> Iterator[EmulatorServer]:
    """An emulator of this test's own: its setup is changed."""
    with EmulatorServer(port=0, scale=100, seed=1) as emulator:
        yield emulator


def _control(server: EmulatorServer, path: str, body: dict[str, Any]) -> None:
    base = server.url.split("/ia/")[0]
    httpx.post(f"{base}/_emulator/{path}", json=body, timeout=30).raise_for_status()


def _doctor(*args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["doctor", *args])
    for secret in PASSWORDS:
        assert secret not in result.output
    return result.exit_code, result.output.splitlines()


def _line(lines: list[str], start: str) -> str:
    found = [line for line in lines if line.startswith(start)]
    assert len(found) == 1, lines
    return found[0]


def test_a_good_connection_passes_every_check(
    server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_env(monkeypatch, server.url)
    code, lines = _doctor("--objects", "CLASS,VENDOR")
    assert code == 0, lines
    assert lines[0] == "Connection: environment (INTACCT_*)"
    verdicts = [line.split()[0] for line in lines[1:-1]]
    assert verdicts == ["ok"] * 5 + ["skipped", "note"] + ["ok"] * 2
    note = _line(lines, "note    time zone of the Web Services user")
    assert "gmtoffset -0" in note and "America/Los_Angeles" in note
    assert _line(lines, "ok      read access to CLASS").endswith("records")
    assert lines[-1] == "All checks passed."


def test_unreachable_gateway(monkeypatch: pytest.MonkeyPatch) -> None:
    use_env(monkeypatch, "http://127.0.0.1:9/ia/xml/xmlgw.phtml")
    code, lines = _doctor()
    assert code == 1
    line = _line(lines, "FAIL    gateway reachable (http://127.0.0.1:9/")
    assert "Fix: check api_url" in line
    assert _line(lines, "skipped sender credentials")
    assert _line(lines, "skipped read access to VENDOR")


def test_wrong_sender_password(server: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    use_env(monkeypatch, server.url)
    monkeypatch.setenv("INTACCT_SENDER_PASSWORD", "not-the-password")
    code, lines = _doctor("--objects", "CLASS")
    assert code == 1
    assert _line(lines, "ok      gateway reachable")
    line = _line(lines, "FAIL    sender credentials (Sender ID demo_sender)")
    assert "Incorrect Intacct XML Partner ID or password" in line
    assert "not-the-password" not in "\n".join(lines)
    assert _line(lines, "skipped company DEMO subscribed")


@pytest.mark.parametrize(
    ("setting", "said", "fix"),
    [
        ({"web_services": False}, "not authorized for XML", "Company > Admin > Subscriptions"),
        ({"expired": True}, "PL04000055", "the company has expired"),
    ],
)
def test_company_not_subscribed_or_expired(
    fresh: EmulatorServer,
    monkeypatch: pytest.MonkeyPatch,
    setting: dict[str, Any],
    said: str,
    fix: str,
) -> None:
    _control(fresh, "companies/DEMO", setting)
    use_env(monkeypatch, fresh.url)
    code, lines = _doctor()
    assert code == 1
    assert _line(lines, "ok      sender credentials")
    line = _line(lines, "FAIL    company DEMO subscribed to Web Services")
    assert said in line and fix in line
    assert _line(lines, "skipped user login")


def test_sender_not_authorized(fresh: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    _control(fresh, "senders/demo_sender", {"companies": ["DEMO-ME"]})
    use_env(monkeypatch, fresh.url)
    code, lines = _doctor()
    assert code == 1
    assert _line(lines, "ok      company DEMO subscribed")
    line = _line(lines, "FAIL    Sender ID demo_sender authorized for company DEMO")
    assert "Web Services authorizations: add sender demo_sender" in line


@pytest.mark.parametrize(
    ("variable", "value"),
    [("INTACCT_COMPANY_ID", "NO-SUCH-CO"), ("INTACCT_USER_PASSWORD", "wrong-user-pw")],
)
def test_wrong_company_id_or_user_password(
    server: EmulatorServer, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    use_env(monkeypatch, server.url)
    monkeypatch.setenv(variable, value)
    code, lines = _doctor()
    assert code == 1
    assert _line(lines, "ok      sender credentials")
    # Intacct's answer is the same for both mistakes: the company's steps were not told
    company = _line(lines, "unknown company")
    assert "Intacct answers a company id it does not know" in company
    assert _line(lines, "unknown Sender ID demo_sender authorized")
    assert not [line for line in lines if line.startswith("ok") and "company" in line]
    line = _line(lines, "FAIL    user login (demo_user at company")
    assert "Sign-in information is incorrect" in line
    assert "Company > Setup > Company information" in line
    assert "'Web Services user' (Company > Admin > Users)" in line
    assert "wrong-user-pw" not in "\n".join(lines)


def test_user_without_web_services(fresh: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    _control(fresh, "companies/DEMO/users/demo_user", {"web_services": False})
    use_env(monkeypatch, fresh.url)
    code, lines = _doctor()
    assert code == 1
    assert "Web Services user" in _line(lines, "FAIL    user login")
    assert _line(lines, "unknown company DEMO subscribed")  # the answer cannot tell


def test_a_server_answering_html_is_not_an_intacct_gateway(
    html_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_env(monkeypatch, html_server)
    code, lines = _doctor("--objects", "CLASS")
    assert code == 1
    line = _line(lines, "FAIL    gateway reachable")
    assert 'not an Intacct gateway (HTTP 501, HTML page "Error response")' in line
    assert "Fix: api_url" in line
    assert "not XML" not in line and "tag mismatch" not in line and "<" not in line
    result = CliRunner().invoke(main, ["objects"])  # every command says it alike
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        'Error: not an Intacct gateway (HTTP 501, HTML page "Error response"); check api_url'
    )


def test_role_without_the_module(fresh: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    _control(fresh, "companies/DEMO/users/demo_user", {"denied_modules": ["AP"]})
    use_env(monkeypatch, fresh.url)
    code, lines = _doctor("--objects", "CLASS,VENDOR")
    assert code == 1
    assert _line(lines, "ok      user login")
    assert _line(lines, "ok      read access to CLASS")
    line = _line(lines, "FAIL    read access to VENDOR")
    assert "PL04000005" in line and "Company > Roles" in line
    assert lines[-1] == "1 check failed."


def test_entities(server: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    use_env(monkeypatch, server.url, company="DEMO-ME")
    monkeypatch.setenv("INTACCT_ENTITY_ID", "E100")
    code, lines = _doctor("--objects", "CLASS")
    assert code == 0, lines
    assert _line(lines, "ok      entity E100 (Location ID)")
    monkeypatch.setenv("INTACCT_ENTITY_ID", "E999")
    code, lines = _doctor("--objects", "CLASS")
    assert code == 1
    assert _line(lines, "ok      user login")
    line = _line(lines, "FAIL    entity E999 (Location ID)")
    assert "Invalid location/entity 'E999'" in line and "Company > Setup > Entities" in line
    assert _line(lines, "skipped read access to CLASS")
    # one mistake, one failure: the time zone is read through the entity's session too
    assert _line(lines, "skipped time zone of the Web Services user").endswith("needs entity E999")
    assert [line.split()[0] for line in lines].count("FAIL") == 1
    assert lines[-1] == "1 check failed."


def test_quiet_shows_only_the_problems_and_the_verdict(
    server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_env(monkeypatch, server.url, company="DEMO-ME")
    code, lines = _doctor("-q", "--objects", "CLASS")
    assert (code, lines) == (0, ["All checks passed."])
    monkeypatch.setenv("INTACCT_ENTITY_ID", "E999")
    code, lines = _doctor("-q", "--objects", "CLASS")
    assert code == 1
    assert len(lines) == 2 and lines[0].startswith("FAIL    entity E999"), lines
    assert lines[1] == "1 check failed."
    monkeypatch.setenv("INTACCT_USER_PASSWORD", "wrong")
    code, lines = _doctor("-q", "--objects", "CLASS")
    verdicts = [line.split()[0] for line in lines[:-1]]
    assert code == 1 and verdicts == ["unknown", "unknown", "FAIL"], lines


def test_json_prints_every_check_as_an_object_and_logs_json_only(
    server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_env(monkeypatch, server.url)
    monkeypatch.setenv("INTACCT_USER_PASSWORD", "wrong")
    result = CliRunner().invoke(main, ["doctor", "-v", "--log-format", "json"])
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert out[0] == {"connection": "environment (INTACCT_*)"}
    checks = [o for o in out if "check" in o]
    assert len(checks) == len(out) - 2
    assert all(set(o) == {"check", "verdict", "detail"} for o in checks)
    failed = [o for o in checks if o["verdict"] == "FAIL"]
    assert len(failed) == 1 and "Sign-in information is incorrect" in failed[0]["detail"]
    assert out[-1] == {"summary": "1 check failed.", "failed": 1}
    logged = [json.loads(line) for line in result.stderr.splitlines()]
    assert all({"time", "level", "logger", "message"} <= set(r) for r in logged)


def test_time_zone(server: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo user is in America/Los_Angeles: that timezone agrees with the gmtoffset
    Intacct reports, another zone does not, and a misspelt one is a config error."""
    use_env(monkeypatch, server.url)
    monkeypatch.setenv("INTACCT_TIMEZONE", "America/Los_Angeles")
    code, lines = _doctor("--objects", "CLASS")
    assert code == 0, lines
    assert "America/Los_Angeles, at -0" in _line(lines, "ok      time zone")
    monkeypatch.setenv("INTACCT_TIMEZONE", "America/New_York")
    code, lines = _doctor("--objects", "CLASS")
    assert code == 1
    line = _line(lines, "FAIL    time zone")
    assert "America/New_York is at -0" in line and "Fix: set timezone" in line
    monkeypatch.setenv("INTACCT_TIMEZONE", "America/Los_Angelos")
    code, lines = _doctor("--objects", "CLASS")
    assert code != 0
    assert any("timezone" in line and "IANA" in line for line in lines), lines


def test_unknown_object(server: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    use_env(monkeypatch, server.url)
    code, lines = _doctor("--objects", "CLASS,NOSUCHTHING")
    assert code == 1
    assert "intacct objects" in _line(lines, "FAIL    read access to NOSUCHTHING")


def test_runs_against_the_embedded_emulator_with_nothing_configured() -> None:
    result = CliRunner().invoke(main, ["doctor", "--objects", "VENDOR"])
    assert result.exit_code == 0, result.output
    assert "Connection: embedded emulator (demo company DEMO)" in result.output
    assert "ok      read access to VENDOR" in result.output


@pytest.mark.usefixtures("no_keyring")  # the profile's passwords never reach a real keyring
def test_profile_from_intacct_profile_variable(
    server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    add = ["profiles", "add", "emu", "--api-url", server.url, "--sender-id", "demo_sender",
           "--company-id", "DEMO", "--user-id", "demo_user"]  # fmt: skip
    typed = "demo-sender-password\ndemo-user-password\n"
    assert CliRunner().invoke(main, add, input=typed).exit_code == 0
    use_env(monkeypatch, "http://127.0.0.1:9/ia/xml/xmlgw.phtml")  # the profile wins
    monkeypatch.setenv("INTACCT_PROFILE", "emu")
    code, lines = _doctor("--objects", "CLASS")
    assert code == 0, lines
    assert lines[0] == "Connection: profile 'emu'"


def test_the_help_names_each_default_object_whole() -> None:
    """At 80 columns the default objects wrap between names, never inside one."""
    from intacct.cli.doctor_checks import DEFAULT_OBJECTS

    result = CliRunner().invoke(main, ["doctor", "-h"], terminal_width=80, env={"COLUMNS": "80"})
    words = set(result.output.replace(",", " ").replace(".", " ").split())
    assert result.exit_code == 0 and set(DEFAULT_OBJECTS) <= words
