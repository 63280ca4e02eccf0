"""Refresh-token rotation under SIGKILL and under two runs at once: a run killed after
Intacct rotated the pair and before the new one was saved must not leave the company
locked out silently, and two runs due at the same moment must not spend one refresh
token twice (the second would revoke the family).

The emulator revokes a refresh token's whole family when a spent one comes back (the
unkind reading of RFC 9700 4.14.2 [U: Sage does not say]); the token endpoint's answer
is the only copy of the new pair, so a kill in that window loses it. What the client
promises instead: the saved pair is always whole (the old one or the new one); after
a kill in the window the next run starts afresh through the app's client credentials
where it has them, and otherwise stops with an error that says why and what to do; a
kill anywhere else costs nothing. Each run is a process SIGKILLed at a known point,
through a token store (a public extension point) that announces the point and waits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from intacct.client.oauth import (
    AuthorizationCode,
    ClientCredentials,
    OAuthApp,
    TokenFile,
    Tokens,
    TokenSource,
    pkce_pair,
)
from intacct.client.retry import RetryPolicy
from intacct.client.transport import Transport
from intacct.emulator.server import EmulatorServer
from intacct.errors import AuthenticationError
from tests.client.test_oauth import REDIRECT, consent

_RUN = textwrap.dedent(
    """
    import sys, time
    from intacct.client.oauth import OAuthApp, TokenFile, TokenSource
    from intacct.client.retry import RetryPolicy
    from intacct.client.transport import Transport

    base, path, when = sys.argv[1:4]

    class Stopping(TokenFile):
        def save(self, tokens):
            if when == "slow-save":  # the other run's refresh comes meanwhile
                time.sleep(2)
            if when == "before-save":
                print("rotated", flush=True)
                time.sleep(120)
            super().save(tokens)
            if when == "after-save":
                print("saved", flush=True)
                time.sleep(120)

    app = OAuthApp("demo_client_id", "demo-client-secret", base)
    source = TokenSource(app, Stopping(path), Transport(timeout_s=30), RetryPolicy())
    print(source.token()[-12:], flush=True)
    """
)


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=300, seed=3) as emulator:
        yield emulator


def consented(app: OAuthApp, path: Path, transport: Transport) -> Tokens:
    """A person's consent, saved; its access token marked due so the next run refreshes."""
    verifier, challenge = pkce_pair()
    source = TokenSource(app, TokenFile(path), transport, RetryPolicy())
    begun = source.begin(AuthorizationCode(consent(app, challenge), REDIRECT, verifier))
    due = Tokens(begun.access_token, 0.0, begun.refresh_token)
    TokenFile(path).save(due)
    return due


def killed_at(app: OAuthApp, path: Path, when: str) -> None:
    """A run refreshing the saved pair, SIGKILLed at ``when``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    with subprocess.Popen(
        [sys.executable, "-c", _RUN, app.base_url, str(path), when],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as run:
        assert run.stdout is not None
        line = run.stdout.readline().strip()
        run.send_signal(signal.SIGKILL)
        _, errors = run.communicate(timeout=30)
    assert line in ("rotated", "saved"), errors
    assert run.returncode == -signal.SIGKILL


def test_killed_after_the_save_the_next_run_goes_on(
    app: OAuthApp, tmp_path: Path, transport: Transport
) -> None:
    path = tmp_path / "tokens.json"
    due = consented(app, path, transport)
    killed_at(app, path, "after-save")
    saved = TokenFile(path).load()
    assert saved is not None and saved.refresh_token != due.refresh_token
    assert TokenSource(app, TokenFile(path), transport, RetryPolicy()).token() == (
        saved.access_token
    )


def test_killed_between_rotation_and_save_client_credentials_start_afresh(
    app: OAuthApp, tmp_path: Path, transport: Transport, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "tokens.json"
    due = consented(app, path, transport)
    killed_at(app, path, "before-save")
    assert TokenFile(path).load() == due  # the old pair, whole: the new one died with the run
    grant = ClientCredentials("demo_user@DEMO")
    source = TokenSource(app, TokenFile(path), transport, RetryPolicy(), grant=grant)
    token = source.token()
    saved = TokenFile(path).load()
    assert saved is not None and saved.access_token == token and not saved.refresh_token
    assert "refresh token was refused" in caplog.text
    assert due.refresh_token is not None and due.refresh_token not in caplog.text


def test_killed_between_rotation_and_save_a_consent_only_app_says_what_to_do(
    app: OAuthApp, tmp_path: Path, transport: Transport
) -> None:
    path = tmp_path / "tokens.json"
    due = consented(app, path, transport)
    killed_at(app, path, "before-save")
    source = TokenSource(app, TokenFile(path), transport, RetryPolicy())
    with pytest.raises(AuthenticationError) as caught:
        source.token()
    message = str(caught.value)
    assert "spent (a run stopped between a refresh and saving" in message
    assert "intacct profiles add" in message
    assert due.refresh_token is not None and due.refresh_token not in message
    assert TokenFile(path).load() == due  # nothing saved over the evidence


def test_two_runs_due_at_once_spend_the_refresh_token_once(
    app: OAuthApp, tmp_path: Path, transport: Transport
) -> None:
    path = tmp_path / "tokens.json"
    due = consented(app, path, transport)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-c", _RUN, app.base_url, str(path), "slow-save"]
    runs = [
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        for _ in range(2)
    ]
    answers = [run.communicate(timeout=60) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in answers]
    saved = TokenFile(path).load()
    assert saved is not None and saved.refresh_token != due.refresh_token
    # one refresh: both runs use its access token, and the saved pair still works
    assert {out.strip() for out, _ in answers} == {saved.access_token[-12:]}
    source = TokenSource(app, TokenFile(path), transport, RetryPolicy())
    source.refused(saved.access_token)
    assert source.token() != saved.access_token  # the rotated refresh token renews
