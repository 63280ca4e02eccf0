"""``intacct emulator misconfigure|clock|latency|fault|stats|webhooks`` against a running
emulator: each setup mistake doctor diagnoses is made and undone from the shell, a
webhook subscription made, listed and removed, and ``serve --help`` shows how."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from intacct import IntacctClient
from intacct.cli import main
from intacct.cli.emulator_control import MISTAKES
from intacct.emulator.demo import app_config, client_config
from intacct.emulator.server import EmulatorServer
from intacct.notices import NoticeQueue
from intacct.notices.receiver import NOTICES_PATH, receiver_app
from tests.notices.conftest import serving, wait_for

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


def app_secrets() -> dict[str, str]:
    """The demo OAuth app a receiver verifies the emulator's webhooks with."""
    app = app_config()
    return {app["client_id"]: app["client_secret"]}


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


def test_webhooks_subscribe_list_and_remove(emulator: EmulatorServer, tmp_path: Path) -> None:
    """A subscription made from the shell sends the emulator's writes to a receiver as
    Intacct's signed webhooks (verified with the demo app and the emulator's issuer);
    the line it prints removes it again."""
    url = emulator.url
    with NoticeQueue(tmp_path / "q.sqlite") as queue:
        app = receiver_app(queue, app_secrets(), issuer=emulator.rest_url())
        with serving(app) as receiver:
            endpoint = f"{receiver.base_url}{NOTICES_PATH}"
            code, out = _intacct("emulator", "webhooks", "subscribe", "vendor,CUSTOMER",
                                 endpoint, "--url", url, "--events", "create")  # fmt: skip
            assert code == 0, out
            lines = out.strip().splitlines()
            assert len(lines) == 2 and lines[0].startswith("Subscribed "), out
            assert f"DEMO VENDOR create -> {endpoint} (webhook, app demo_client_id)" in lines[0]
            assert "DEMO CUSTOMER create" in lines[1]
            code, listed = _intacct("emulator", "webhooks", "list", "--url", url)
            assert code == 0 and len(listed.strip().splitlines()) == 2, listed
            with IntacctClient.from_mapping(client_config(url)) as client:
                client.create("VENDOR", [{"VENDORID": "V-SHELL", "NAME": "from the shell"}])
            wait_for(lambda: queue.counts()["kept"] == 1)
            pending = queue.pending("DEMO")
            assert pending is not None and list(pending.objects) == ["VENDOR"]
    for line in lines:
        code, out = _intacct(*line.rsplit("Remove: intacct ", 1)[1].split(), "--url", url)
        assert code == 0 and out.startswith("Removed "), out
    assert emulator.subscriptions() == []
    assert _intacct("emulator", "webhooks", "list", "--url", url)[1] == "no subscriptions\n"


def test_webhooks_other_modes_and_mistakes(emulator: EmulatorServer) -> None:
    url = emulator.url
    code, out = _intacct("emulator", "webhooks", "subscribe", "VENDOR", "--queue", "--url", url)
    assert code == 0 and "-> the event queue (queue, app demo_client_id)" in out, out
    template = '{"key": "{!VENDOR.RECORDNO!}"}'
    code, out = _intacct("emulator", "webhooks", "subscribe", "VENDOR",
                         "http://127.0.0.1:9/intacct/smart-events", "--smart-event", template,
                         "--url", url)  # fmt: skip
    assert code == 0 and "(smart_event)" in out, out
    modes = sorted(s["mode"] for s in emulator.subscriptions())
    assert modes == ["queue", "smart_event"]
    for subscription in emulator.subscriptions():
        emulator.unsubscribe(subscription["id"])
    code, out = _intacct("emulator", "webhooks", "subscribe", "VENDOR", "--url", url)
    assert code == 2 and "give an ENDPOINT" in out
    code, out = _intacct(
        "emulator", "webhooks", "subscribe", "NOPE", "http://x.test/", "--url", url
    )
    assert code == 1 and "no object 'NOPE'" in out, out
    code, out = _intacct("emulator", "webhooks", "remove", "nope", "--url", url)
    assert code == 1 and "no subscription 'nope'" in out, out


def test_serve_help_shows_the_webhooks_control() -> None:
    out = _intacct("emulator", "serve", "--help")[1]
    assert "intacct emulator webhooks subscribe VENDOR URL" in out
    assert "http://127.0.0.1:8080/intacct/notices" in out
