"""``intacct emulator misconfigure|clock|latency|fault|stats`` against a running emulator:
each setup mistake doctor diagnoses is made and undone from the shell, and ``serve
--help`` shows how."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from intacct.cli import main
from intacct.cli.emulator_control import MISTAKES
from intacct.emulator.server import EmulatorServer

from .conftest import use_env

#: the line of intacct doctor that fails once the mistake is made
FAILS_AT = {
    "not-subscribed": "FAIL    company DEMO subscribed to Web Services: XML Gateway not subscribed",
    "expired": "FAIL    company DEMO subscribed to Web Services: PL04000055",
    "sender-not-authorized": "FAIL    Sender ID demo_sender authorized for company DEMO",
    "not-web-services-user": "FAIL    user login (demo_user at company DEMO)",
    "role-without-module": "FAIL    read access to VENDOR: PL04000005",
}


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=100, seed=2) as server:
        yield server


def _intacct(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_serve_help_shows_every_setup_mistake_and_the_other_controls() -> None:
    code, out = _intacct("emulator", "serve", "--help")
    assert code == 0
    for mistake in MISTAKES:
        assert f"intacct emulator misconfigure {mistake}" in out
    for control in ("clock --set", "latency --ms", "fault 'status=503,times=2'", "stats"):
        assert f"intacct emulator {control}" in out
    assert set(FAILS_AT) == set(MISTAKES)


@pytest.mark.parametrize("mistake", sorted(FAILS_AT))
def test_each_setup_mistake_is_made_and_undone(
    emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch, mistake: str
) -> None:
    use_env(monkeypatch, emulator.url)
    code, out = _intacct("emulator", "misconfigure", mistake, "--url", emulator.url)
    assert code == 0, out
    assert out.startswith(f"Made: {mistake}") and f"{mistake} --url {emulator.url} --undo" in out
    code, out = _intacct("doctor", "--objects", "VENDOR")
    assert code == 1
    assert any(line.startswith(FAILS_AT[mistake]) for line in out.splitlines()), out
    code, out = _intacct("emulator", "misconfigure", mistake, "--url", emulator.url, "--undo")
    assert code == 0, out
    code, out = _intacct("doctor", "--objects", "VENDOR")
    assert code == 0, out


def test_clock_latency_faults_and_stats(emulator: EmulatorServer) -> None:
    url = emulator.url
    code, out = _intacct("emulator", "clock", "--url", url, "--set", "2027-11-07T08:50:00Z")
    assert code == 0 and out.startswith("2027-11-07T08:50:0") and "(moved)" in out
    code, out = _intacct("emulator", "clock", "--url", url, "--advance", "3600")
    assert out.startswith("2027-11-07T09:50:0")
    code, out = _intacct("emulator", "clock", "--url", url, "--real")
    assert code == 0 and "(moved)" not in out
    code, out = _intacct("emulator", "latency", "--url", url, "--ms", "5")
    assert out.strip() == "5 ms per answer, 0 us per record"
    code, out = _intacct("emulator", "latency", "--url", url, "--ms", "0")
    code, out = _intacct("emulator", "fault", "status=503,times=1", "--url", url)
    assert out.strip() == "status=503,times=1  (seen 0, fired 0)"
    code, out = _intacct("emulator", "fault", "--clear", "--url", url)
    assert out.strip() == "no fault rules"
    code, out = _intacct("emulator", "fault", "nonsense=1", "--url", url)
    assert code == 1 and "unknown or empty part 'nonsense=1'" in out
    code, out = _intacct("emulator", "stats", "--url", url)
    assert code == 0 and "requests" in json.loads(out)


def test_without_an_emulator_it_is_one_line() -> None:
    code, out = _intacct("emulator", "misconfigure", "expired", "--url", "http://127.0.0.1:9")
    assert code == 1
    assert out.startswith("Error: no emulator at http://127.0.0.1:9")
    assert len(out.strip().splitlines()) == 1


def test_a_fleet_company_is_misconfigured_and_undone_by_the_line_printed() -> None:
    """The undo line names the company, and undoing one company's sender authorization
    gives back that company alone, leaving the rest of the fleet as it was."""
    with EmulatorServer(port=0, scale=0, companies=3) as server:
        made = ["emulator", "misconfigure", "sender-not-authorized", "--url", server.url]
        code, out = _intacct(*made, "--company", "FLEET0002")
        assert code == 0, out
        undo = out.rsplit("Undo: intacct ", 1)[1].split()
        assert undo[-3:] == ["--company", "FLEET0002", "--undo"]
        senders = server.store.sender("demo_sender")
        assert senders is not None and "FLEET0002" not in senders[1]
        code, out = _intacct(*undo)
        assert code == 0, out
        senders = server.store.sender("demo_sender")
        assert senders is not None
        assert {"DEMO", "DEMO-ME", "FLEET0001", "FLEET0002", "FLEET0003"} <= senders[1]
