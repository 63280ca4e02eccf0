"""``intacct notices serve``'s settings: webhooks need the OAuth app's client ID and
secret, Smart Events the ``smart_event_token``; either is enough, neither (or half an
app) is refused before anything listens; ``--help`` shows the Smart Event template.
And the token is the receiver's alone: ``intacct sync`` runs with it set. (Serving
itself: tests/paths/test_notices.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from intacct.cli import main
from intacct.emulator.server import EmulatorServer

from .conftest import use_env

#: nothing listens there: serve must refuse before it would matter
NOWHERE = "http://127.0.0.1:9/ia/xml/xmlgw.phtml"


def _serve(tmp_path: Path) -> tuple[int, str]:
    args = ["notices", "serve", "--port", "0", "--notices", str(tmp_path / "q.sqlite")]
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
