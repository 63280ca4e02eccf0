"""``intacct profiles add`` with an OAuth app: a person's consent caught by the command's
listener (a test is the person at the browser) or pasted, the tokens kept in the OS
keyring or a private file beside the profiles and rotated by later commands, and client
credentials checked by asking for a token; no secret nor token in any output or in the
profiles file."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import keyring
import pytest

from intacct.cli.profile_store import KEYRING_SERVICE, ProfileStore
from intacct.emulator.server import EmulatorServer

from .oauth import CLIENT_SECRET, SECRETS, add, browser, invoke, sign_in_and_allow
from .test_profiles import MemoryKeyring

pytestmark = pytest.mark.usefixtures("no_keyring")


@pytest.fixture
def fresh() -> Any:
    """An emulator of the test's own: its clock is moved."""
    with EmulatorServer(port=0, scale=100, seed=1) as emulator:
        yield emulator


def _tokens_file(name: str = "emu") -> Path:
    return ProfileStore().path.with_name(f"tokens.{name}.json")


def _values(tokens: dict[str, Any]) -> list[str]:
    return [tokens["access_token"], tokens["refresh_token"]]


def test_consent_keeps_rotating_tokens_in_the_keyring(server: EmulatorServer) -> None:
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    with browser() as person:
        code, out = add(server, "emu", "--consent")
    assert code == 0, out
    (opened,) = person.opened  # PKCE and a state, a refresh token asked for
    assert "code_challenge_method=S256" in opened and "state=" in opened
    assert "scope=offline_access" in opened and opened in out
    assert "Consent given" in out and "tokens: OS keyring" in out
    entry = (KEYRING_SERVICE, "emu:oauth_tokens")
    first = json.loads(ring.entries[entry])
    assert first["refresh_token"] and not _tokens_file().exists()
    written = ProfileStore().path.read_text()
    assert not any(v in written for v in [*_values(first), *SECRETS])
    # doctor spends the refresh token on purpose; the next pair replaces it
    code, out = invoke("doctor", "--profile", "emu", "--objects", "CLASS")
    assert code == 0, out
    rotated = json.loads(ring.entries[entry])
    assert rotated["refresh_token"] != first["refresh_token"]
    code, out = invoke("objects", "--profile", "emu")
    assert code == 0 and "VENDOR" in out, out
    assert not any(v in out for v in _values(first) + _values(rotated))
    assert "OAuth tokens: OS keyring" in invoke("profiles", "show", "emu")[1]
    invoke("profiles", "remove", "emu")
    assert entry not in ring.entries


def test_a_spare_connection_the_browser_opened_does_not_hold_up_its_answer(
    server: EmulatorServer,
) -> None:
    """Browsers open a connection ahead and send nothing on it: the listener gives it up
    after a few seconds and takes the request that carries the answer."""
    keyring.set_keyring(MemoryKeyring())
    with browser() as person:
        person.spare = True
        began = time.monotonic()
        code, out = add(server, "emu", "--consent")
    assert code == 0 and "Consent given" in out, out
    assert len(person.spares) == 1
    assert time.monotonic() - began < 30  # one spare's timeout (5 s), not the deadline's


def test_without_a_keyring_a_private_file_and_a_later_command_rotates_them(
    fresh: EmulatorServer,
) -> None:
    with browser():
        code, out = add(fresh, "emu", "--consent")
    assert code == 0, out
    path = _tokens_file()
    assert path.parent == ProfileStore().path.parent
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = json.loads(path.read_text())
    # half a day on, Intacct refuses the access token: the command refreshes it
    base = fresh.url.split("/ia/")[0]
    httpx.post(f"{base}/_emulator/clock", json={"advance_s": 13 * 3600}, timeout=30)
    code, out = invoke("objects", "--profile", "emu")
    assert code == 0, out
    after = json.loads(path.read_text())
    assert after["refresh_token"] != first["refresh_token"]
    assert after["access_token"] != first["access_token"]
    code, out = invoke("profiles", "show", "emu")
    assert f"OAuth tokens: {path} (mode 0600)" in out
    assert not any(v in out for v in _values(first) + _values(after))
    invoke("profiles", "remove", "emu")
    assert not path.exists()


def test_paste_the_address_when_nothing_listens(
    server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a person on a server runs it: the address opened elsewhere, pasted back."""
    monkeypatch.setenv("SENDER_PW", "demo-sender-password")
    monkeypatch.setenv("CLIENT_PW", CLIENT_SECRET)
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    command = [
        sys.executable, "-m", "intacct.cli", "profiles", "add", "emu", "--api-url",
        server.url, "--sender-id", "demo_sender", "--sender-password-env", "SENDER_PW",
        "--company-id", "DEMO", "--user-id", "demo_user", "--auth-type", "oauth",
        "--client-id", "demo_client_id", "--client-secret-env", "CLIENT_PW",
        "--consent", "--paste",
    ]  # fmt: skip
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=env, start_new_session=True,  # no terminal: the prompt reads stdin
    ) as process:  # fmt: skip
        assert process.stdout is not None
        url = next(line.strip() for line in process.stdout if line.startswith("  http"))
        address = sign_in_and_allow(url)
        out, err = process.communicate(address + "\n", timeout=60)
    assert process.returncode == 0, err
    code = address.split("code=")[1].split("&")[0]
    assert "Consent given" in out and code not in out + err
    assert not any(secret in out + err for secret in SECRETS)
    assert json.loads(_tokens_file().read_text())["refresh_token"]
    assert invoke("objects", "--profile", "emu")[0] == 0


def test_a_pasted_answer_to_another_request_is_never_exchanged(server: EmulatorServer) -> None:
    forged = "http://127.0.0.1/callback?code=stolen-code&state=not-this-one\n"
    code, out = _paste(server, forged)
    assert code == 1 and "state is not this request's" in out
    assert not _tokens_file().exists()


def test_a_person_who_denies_is_told_and_nothing_is_saved(server: EmulatorServer) -> None:
    with browser() as person:
        person.decision = "deny"
        code, out = add(server, "emu", "--consent")
    assert code == 1 and "consent refused: access_denied" in out
    assert not _tokens_file().exists()
    # the profile is kept: consent again with only its name
    with browser():
        code, out = invoke("profiles", "add", "emu", "--consent")
    assert code == 0 and "Saved profile" not in out, out
    assert _tokens_file().exists()


def test_consent_needs_an_oauth_app(server: EmulatorServer) -> None:
    code, out = invoke("profiles", "add", "x", "--api-url", server.url, "--consent",
                       "--sender-id", "s", "--company-id", "C", "--user-id", "u",
                       "--sender-password", "p", "--user-password", "q")  # fmt: skip
    assert code == 2 and "--auth-type oauth" in out
    assert "No profiles" in invoke("profiles", "list")[1]


def test_client_credentials_are_checked_by_asking_for_a_token(server: EmulatorServer) -> None:
    code, out = add(server, "cc", "--check")
    assert code == 0 and "Checked: profile 'cc' signs in" in out, out
    assert not _tokens_file("cc").exists()  # asked again by each command
    wrong = "not-the-secret-42"
    code, out = add(server, "cc", "--check", "--client-secret", wrong)
    assert code == 1 and "invalid_client" in out and wrong not in out
    assert "intacct doctor --profile cc" in out


def _paste(server: EmulatorServer, typed: str) -> tuple[int, str]:
    from click.testing import CliRunner

    from intacct.cli import main

    args = ["profiles", "add", "emu", "--api-url", server.url, "--sender-id", "demo_sender",
            "--sender-password", "demo-sender-password", "--company-id", "DEMO",
            "--user-id", "demo_user", "--auth-type", "oauth", "--client-id", "demo_client_id",
            "--client-secret", CLIENT_SECRET, "--consent", "--paste"]  # fmt: skip
    result = CliRunner().invoke(main, args, input=typed)
    return result.exit_code, result.output
