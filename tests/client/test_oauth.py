"""The REST API's OAuth 2 on the client side (:mod:`intacct.client.oauth`), against the
emulator's token endpoint: each grant, tokens saved whole before use, refreshed before
they expire and once after a 401, rotation kept, refusals classified by the one table,
and no secret in a repr, an error or the logs."""

from __future__ import annotations

import html
import json
import logging
import re
import stat
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from intacct.client.oauth import (
    AuthorizationCode,
    ClientCredentials,
    OAuthApp,
    TokenFile,
    Tokens,
    TokenSource,
    authorization_url,
    pkce_pair,
)
from intacct.client.retry import RetryPolicy
from intacct.client.transport import Transport
from intacct.emulator.server import EmulatorServer
from intacct.emulator.store import DEMO_USER
from intacct.errors import AuthenticationError, SenderError
from tests.client.conftest import OAUTH_REDIRECT as REDIRECT
from tests.client.conftest import OAUTH_SECRET as SECRET

_HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=300, seed=3) as emulator:
        yield emulator


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def source(app: OAuthApp, tmp_path: Path, transport: Transport, **kw: object) -> TokenSource:
    retry = RetryPolicy(sleep=lambda _: None)
    return TokenSource(app, TokenFile(tmp_path / "tokens.json"), transport, retry, **kw)  # type: ignore[arg-type]


def consent(app: OAuthApp, challenge: str) -> str:
    """A person signs in and allows the app: the code the redirect carries."""
    url = authorization_url(app, "s1", challenge)
    with httpx.Client(timeout=30) as browser:
        page = browser.get(url)
        form = {n: html.unescape(v) for n, v in _HIDDEN.findall(page.text)}
        form.update(company_id="DEMO", user_id=DEMO_USER[0], password=DEMO_USER[1])
        back = browser.post(url.split("?")[0], data={**form, "decision": "allow"})
    query = parse_qs(urlsplit(back.headers["location"]).query)
    assert query["state"] == ["s1"]
    return query["code"][0]


def test_client_credentials_are_asked_for_again_when_they_expire(
    app: OAuthApp, tmp_path: Path, transport: Transport
) -> None:
    clock = Clock()
    tokens = source(
        app, tmp_path, transport, grant=ClientCredentials("demo_user@DEMO"), clock=clock
    )
    first = tokens.token()
    assert tokens.token() == first  # good for a while: no new request
    saved = TokenFile(tmp_path / "tokens.json").load()
    assert saved is not None and saved.access_token == first and saved.refresh_token is None
    assert stat.S_IMODE((tmp_path / "tokens.json").stat().st_mode) == 0o600
    clock.now = saved.expires_at - 60  # inside the leeway: refreshed before it expires
    assert tokens.token() != first


def test_client_credentials_need_no_refresh_token_in_the_answer(
    tmp_path: Path, transport: Transport
) -> None:
    """The emulator's client-credentials answer carries a refresh token (as Sage's must:
    fylein's REST SDK reads one); a token endpoint whose answer has none (RFC 6749 4.4.3)
    works the same: the client asks the client credentials again when the token is due."""
    asked: list[dict[str, list[str]]] = []

    class TokenEndpoint(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            asked.append(parse_qs(self.rfile.read(length).decode()))
            body = json.dumps(
                {"token_type": "Bearer", "access_token": f"a{len(asked)}", "expires_in": 3600}
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    with ThreadingHTTPServer(("127.0.0.1", 0), TokenEndpoint) as endpoint:
        threading.Thread(target=endpoint.serve_forever, daemon=True).start()
        try:
            base = f"http://127.0.0.1:{endpoint.server_address[1]}/ia/api/v1"
            app = OAuthApp("demo_client_id", SECRET, base, REDIRECT)
            clock = Clock()
            grant = ClientCredentials("demo_user@DEMO")
            tokens = source(app, tmp_path, transport, grant=grant, clock=clock)
            assert tokens.token() == "a1"
            clock.now += 3600  # due: asked again, with the client credentials
            assert tokens.token() == "a2"
        finally:
            endpoint.shutdown()
    assert [a["grant_type"] for a in asked] == [["client_credentials"]] * 2


def test_authorization_code_then_rotating_refresh(
    app: OAuthApp, tmp_path: Path, transport: Transport
) -> None:
    verifier, challenge = pkce_pair()
    tokens = source(app, tmp_path, transport)
    begun = tokens.begin(AuthorizationCode(consent(app, challenge), REDIRECT, verifier))
    assert begun.refresh_token
    assert tokens.token() == begun.access_token
    tokens.refused(begun.access_token)  # a 401: the next token is a new one
    renewed = tokens.token()
    saved = TokenFile(tmp_path / "tokens.json").load()
    assert saved is not None and saved.access_token == renewed != begun.access_token
    assert saved.refresh_token and saved.refresh_token != begun.refresh_token  # rotated
    # a second source over the same file (the next run) goes on from the saved pair
    again = source(app, tmp_path, transport)
    assert again.token() == renewed


def test_a_spent_refresh_token_is_an_authentication_error(
    app: OAuthApp, tmp_path: Path, transport: Transport
) -> None:
    verifier, challenge = pkce_pair()
    tokens = source(app, tmp_path, transport)
    begun = tokens.begin(AuthorizationCode(consent(app, challenge), REDIRECT, verifier))
    tokens.refused(begun.access_token)
    tokens.token()  # spends the first refresh token
    stale = tmp_path / "stale"
    TokenFile(stale / "tokens.json").save(Tokens(begun.access_token, 0.0, begun.refresh_token))
    with pytest.raises(AuthenticationError) as caught:
        source(app, stale, transport).token()
    assert caught.value.level == "oauth" and caught.value.errorno == "invalid_grant"


def test_a_wrong_secret_is_the_apps_error_and_never_shown(
    app: OAuthApp, tmp_path: Path, transport: Transport, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = OAuthApp(app.client_id, "not-the-secret-xyz", app.base_url, REDIRECT)
    tokens = source(wrong, tmp_path, transport, grant=ClientCredentials("demo_user@DEMO"))
    with caplog.at_level(logging.DEBUG), pytest.raises(SenderError) as caught:
        tokens.token()
    assert caught.value.errorno == "invalid_client"
    assert "not-the-secret-xyz" not in str(caught.value) + repr(wrong) + caplog.text
    assert not (tmp_path / "tokens.json").exists()


def test_no_token_in_a_repr_or_the_logs(
    app: OAuthApp, tmp_path: Path, transport: Transport, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        tokens = source(app, tmp_path, transport, grant=ClientCredentials("demo_user@DEMO"))
        access = tokens.token()
    saved = TokenFile(tmp_path / "tokens.json").load()
    assert saved is not None
    assert access not in repr(saved) + caplog.text and SECRET not in repr(app) + caplog.text


def test_without_tokens_or_a_grant_it_says_what_to_do(
    app: OAuthApp, tmp_path: Path, transport: Transport
) -> None:
    with pytest.raises(AuthenticationError, match="consent"):
        source(app, tmp_path, transport).token()


def test_a_file_that_holds_no_tokens_is_named(tmp_path: Path) -> None:
    (tmp_path / "tokens.json").write_text("{}")
    with pytest.raises(ValueError, match=r"tokens\.json"):
        TokenFile(tmp_path / "tokens.json").load()
