"""``intacct notices serve``'s settings: webhooks need the OAuth app's client ID and
secret, Smart Events the ``smart_event_token``; either is enough, neither (or half an
app) is refused before anything listens, and so is no connection at all (never the
embedded emulator); a port in use is one line; ``--help`` shows the Smart Event template.
And the token is the receiver's alone: ``intacct sync`` runs with it set. (Serving
itself: tests/paths/test_notices.py.)"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from intacct.cli import main
from intacct.emulator.server import EmulatorServer

from .conftest import use_env

#: nothing listens there: serve must refuse before it would matter
NOWHERE = "http://127.0.0.1:9/ia/xml/xmlgw.phtml"


def _serve(tmp_path: Path, port: int = 0) -> tuple[int, str]:
    args = ["notices", "serve", "--port", str(port), "--notices", str(tmp_path / "q.sqlite")]
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output


def test_help_shows_the_smart_event_template() -> None:
    said = CliRunner().invoke(main, ["notices", "serve", "--help"]).output
    assert "POST /intacct/smart-events" in said and "INTACCT_SMART_EVENT_TOKEN" in said
    assert '"key": "{!VENDOR.RECORDNO!}",' in said
    assert '"modified": "{!VENDOR.WHENMODIFIED!}"}' in said


def test_neither_an_app_nor_a_token_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_env(monkeypatch, NOWHERE)
    code, out = _serve(tmp_path)
    assert code == 1 and "smart_event_token" in out and "client_id" in out
    assert not (tmp_path / "q.sqlite").exists()


def test_half_an_app_is_refused_naming_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_env(monkeypatch, NOWHERE)
    monkeypatch.setenv("INTACCT_CLIENT_ID", "demo_client_id")
    monkeypatch.setenv("INTACCT_SMART_EVENT_TOKEN", "a-token-of-mine")
    code, out = _serve(tmp_path)
    assert code == 1 and "client_secret" in out and "a-token-of-mine" not in out


def test_sync_runs_with_the_receivers_token_set(
    server: EmulatorServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_env(monkeypatch, server.url)
    monkeypatch.setenv("INTACCT_SMART_EVENT_TOKEN", "a-token-of-mine")
    args = ["sync", "--objects", "LOCATION", "--db", str(tmp_path / "x.duckdb")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "a-token-of-mine" not in result.output


def test_nothing_configured_is_refused_saying_what_to_configure(tmp_path: Path) -> None:
    """Never the embedded emulator: it would verify against an issuer on a port of its
    own, which no delivery names (issue 46). The port is taken, so a receiver that did
    start would fail too, not serve on."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        args = ["notices", "serve", "--port", str(taken.getsockname()[1]),
                "--notices", str(tmp_path / "q.sqlite")]  # fmt: skip
        result = CliRunner().invoke(main, args)
    said = result.output
    # the same mistake as `sync --follow` with nothing configured: a usage one, exit 2
    assert result.exit_code == 2 and "no connection configured" in said, said
    assert "--profile" in said and "INTACCT_*" in said and "Try it offline" in said
    assert "embedded emulator" not in said
    assert not (tmp_path / "cache" / "intacct-connector" / "emulator-demo.sqlite").exists()


def test_a_port_in_use_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    use_env(monkeypatch, NOWHERE)
    monkeypatch.setenv("INTACCT_SMART_EVENT_TOKEN", "a-token-of-mine")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out = _serve(tmp_path, port)
    lines = out.strip().splitlines()
    assert code == 1 and len(lines) == 1, out
    assert f"cannot listen on 127.0.0.1:{port}" in lines[0] and "--port" in lines[0], out
    assert not (tmp_path / "q.sqlite").exists()


def test_the_issuer_is_an_http_url() -> None:
    result = CliRunner().invoke(main, ["notices", "serve", "--issuer", "127.0.0.1:8089"])
    assert result.exit_code == 2 and "--issuer" in result.output, result.output
