"""A person's consent for a profile's OAuth app (``intacct profiles add NAME --consent``).

The authorization code grant with PKCE and a random ``state`` (RFC 7636, RFC 6749
10.12): the sign-in page's address is printed (and opened in a browser where one
opens), the answer comes back to the redirect URI, where a one-shot listener on the
loopback interface catches it (RFC 8252 7.3: a free port when the URI names none), or,
with ``--paste``, the person pastes the address the browser was sent to (no browser or
listener on this machine). The code is exchanged for tokens saved in the profile's
store before anything uses them. The code, the verifier and the tokens are never shown.
"""

from __future__ import annotations

import http.server
import secrets
import time
import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import click

from intacct.client.oauth import (
    AuthorizationCode,
    OAuthApp,
    Tokens,
    TokenSource,
    TokenStore,
    authorization_url,
    pkce_pair,
)
from intacct.client.retry import RetryPolicy
from intacct.client.transport import Transport
from intacct.config import ClientConfig

__all__ = ["CONSENT_TIMEOUT_S", "DEFAULT_REDIRECT_URI", "consent"]

#: the loopback redirect to register with the app (any port: RFC 8252 7.3)
DEFAULT_REDIRECT_URI = "http://127.0.0.1/callback"
#: how long the listener waits for the browser: signing in takes a person a while
CONSENT_TIMEOUT_S = 300.0
_LOOPBACK = ("127.0.0.1", "localhost")
_OPEN = "Open this address in a browser, sign in to Intacct and allow the app:\n\n  {}\n"
_PAGE = "<!DOCTYPE html><html><head><title>intacct</title></head><body><p>{}</p></body></html>"


@dataclass(frozen=True, slots=True)
class _Asked:
    """One authorization request: the app (its redirect URI), its state and verifier."""

    app: OAuthApp
    state: str
    verifier: str = field(repr=False)
    url: str


def consent(
    config: ClientConfig,
    store: TokenStore,
    *,
    paste: bool,
    redirect_uri: str = DEFAULT_REDIRECT_URI,
    say: Callable[[str], None] = click.echo,
) -> Tokens:
    """The tokens a person's consent gives ``config``'s app, saved in ``store``."""
    if paste:
        asked = _ask(config, redirect_uri)
        say(_OPEN.format(asked.url))
        pasted = click.prompt("Paste the address the browser was sent to (hidden)", hide_input=True)
        answer = dict(parse_qsl(urlsplit(pasted.strip()).query))
    else:
        with _Listener(redirect_uri) as listener:
            asked = _ask(config, listener.redirect_uri)
            say(_OPEN.format(asked.url))
            webbrowser.open(asked.url)  # where a browser opens; the address works anyway
            say(f"Waiting for the browser at {listener.redirect_uri} (Ctrl-C to stop)...")
            answer = listener.wait(time.monotonic() + CONSENT_TIMEOUT_S)
    return _exchange(config, asked, _code(asked, answer), store)


def _ask(config: ClientConfig, redirect_uri: str) -> _Asked:
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    app = OAuthApp(config.client_id, config.client_secret, config.rest_url, redirect_uri)
    return _Asked(app, state, verifier, authorization_url(app, state, challenge))


def _code(asked: _Asked, answer: Mapping[str, str]) -> str:
    """The code of the redirect's ``answer``, once its state is this request's."""
    if answer.get("state") != asked.state:
        # not the answer to this request (another tab's, or forged): never exchanged
        raise click.ClickException(
            "the answer's state is not this request's; run the command again"
        )
    if "error" in answer:
        said = answer.get("error_description") or ""
        raise click.ClickException(f"consent refused: {answer['error']}: {said}".rstrip(": "))
    if not answer.get("code"):
        raise click.ClickException("the address holds no code: paste the whole address")
    return answer["code"]


def _exchange(config: ClientConfig, asked: _Asked, code: str, store: TokenStore) -> Tokens:
    transport = Transport(
        timeout_s=config.timeout_s, first_byte_timeout_s=config.first_byte_timeout_s
    )
    try:
        retry = RetryPolicy(max_attempts=config.max_retries + 1)
        source = TokenSource(asked.app, store, transport, retry)
        return source.begin(AuthorizationCode(code, asked.app.redirect_uri, asked.verifier))
    finally:
        transport.close()


class _Listener(http.server.HTTPServer):
    """Takes requests on the redirect URI until one carries an answer."""

    def __init__(self, redirect_uri: str) -> None:
        parts = urlsplit(redirect_uri)
        if parts.scheme != "http" or parts.hostname not in _LOOPBACK:
            raise click.UsageError(
                f"--redirect-uri {redirect_uri!r}: the listener takes an http URI on "
                f"127.0.0.1 (e.g. {DEFAULT_REDIRECT_URI}); for another, add --paste"
            )
        super().__init__(("127.0.0.1", parts.port or 0), _Callback)
        self.timeout = 0.5  # handle_request returns that often: the deadline is checked
        self.path = parts.path or "/"
        netloc = f"{parts.hostname}:{self.server_address[1]}"
        self.redirect_uri = urlunsplit(parts._replace(netloc=netloc))
        self.answer: dict[str, str] | None = None

    def wait(self, deadline: float) -> dict[str, str]:
        while self.answer is None:
            if time.monotonic() > deadline:
                raise click.ClickException(
                    f"no answer from the browser in {CONSENT_TIMEOUT_S / 60:.0f} minutes; "
                    "run the command again (or add --paste)"
                )
            self.handle_request()
        return self.answer


class _Callback(http.server.BaseHTTPRequestHandler):
    server: _Listener
    #: browsers open spare connections and send nothing on them: one is given up on
    #: after this, so the request that carries the answer is not kept waiting
    timeout = 5.0

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != self.server.path:
            self.send_error(404)  # a favicon, a stray request: still waiting
            return
        self.server.answer = dict(parse_qsl(parts.query))
        said = "Done: back to the terminal (this window may be closed)."
        if "error" in self.server.answer:
            said = "Consent was not given: the terminal says why."
        body = _PAGE.format(said).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Not logged: the request line holds the code."""
