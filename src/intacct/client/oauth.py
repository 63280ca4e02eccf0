"""OAuth 2 for the REST API: the grants, tokens kept in a store, a valid access token
handed out for each request.

Sage Intacct's token endpoint (``POST /ia/api/v1/oauth2/token``, developer portal
guides/oauth2) takes three grants: ``client_credentials`` (a Web Services user named
``user@company`` or ``user@company|entity``: server to server, no person), the
``authorization_code`` a person's consent gave (PKCE for a client without a secret,
``scope=offline_access`` for a refresh token) and ``refresh_token``. A refresh answers a
new refresh token (rotation): the spent one is refused afterwards.

:class:`TokenSource` hands out the access token, refreshed :data:`LEEWAY_S` before it
expires and once more when the API answers 401 (:meth:`TokenSource.refused`); every new
pair goes to its :class:`TokenStore` before anyone uses it, written whole or not at all
(:class:`TokenFile`), so a crash leaves the last pair saved. Errors come from the one
table (:func:`intacct.protocol.classify.error_for_rest`), retries from the one policy:
a client-credentials token is asked for again after a lost answer (a second token is
harmless), a code or refresh token never (a spent one cannot be spent twice). Client
credentials are asked again when their token is due, whether or not the answer held a
refresh token (it is not kept).

Secrets (the client secret, codes, verifiers, tokens) are in no repr, log line or error.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

from intacct.client.retry import RetryPolicy
from intacct.client.transport import Transport
from intacct.errors import AuthenticationError, ErrorDetail, ResponseFormatError, SenderError
from intacct.logging import register_secrets
from intacct.protocol.classify import error_for_rest
from intacct.protocol.rest import parse_rest

log = logging.getLogger("intacct.client")

__all__ = [
    "LEEWAY_S",
    "AuthorizationCode",
    "MemoryTokens",
    "ClientCredentials",
    "Grant",
    "LockingTokenStore",
    "OAuthApp",
    "TokenFile",
    "TokenSource",
    "TokenStore",
    "Tokens",
    "authorization_url",
    "pkce_pair",
]

#: a token this close to its expiry is refreshed first: a request signed with it could
#: arrive after it expired (a slow network, a clock a little off)
LEEWAY_S = 120.0


@dataclass(frozen=True, slots=True)
class OAuthApp:
    """An app registered with Sage: its client id and secret (empty for a public client,
    which proves itself with PKCE), the API's base URL and its redirect URI."""

    client_id: str
    client_secret: str = field(default="", repr=False)
    base_url: str = "https://api.intacct.com/ia/api/v1"
    redirect_uri: str = ""

    @property
    def token_url(self) -> str:
        return self.base_url.rstrip("/") + "/oauth2/token"


@dataclass(frozen=True, slots=True)
class Tokens:
    """An access token, when it expires (epoch seconds), and the refresh token if the
    grant gave one."""

    access_token: str = field(repr=False)
    expires_at: float
    refresh_token: str | None = field(default=None, repr=False)
    scope: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "expires_at": self.expires_at,
            "refresh_token": self.refresh_token,
            "scope": self.scope,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Tokens:
        return cls(
            str(data["access_token"]),
            float(data["expires_at"]),
            data.get("refresh_token"),
            str(data.get("scope") or ""),
        )


class TokenStore(Protocol):
    """Where a company's tokens are kept between runs (a file, the OS keyring, a Dagster
    tenant's secret store)."""

    def load(self) -> Tokens | None: ...
    def save(self, tokens: Tokens) -> None: ...


class MemoryTokens:
    """Tokens kept for one process only (client credentials, asked again each run)."""

    def __init__(self) -> None:
        self._tokens: Tokens | None = None

    def load(self) -> Tokens | None:
        return self._tokens

    def save(self, tokens: Tokens) -> None:
        self._tokens = tokens


class LockingTokenStore(TokenStore, Protocol):
    """A store other processes share: renewing holds its lock, so a refresh token is
    spent once however many commands or workers are due at the same moment."""

    def locked(self) -> AbstractContextManager[None]: ...


class TokenFile:
    """Tokens in a JSON file only its owner may read, replaced whole: written to a
    temporary file beside it, flushed to disk, then renamed over it (a crash leaves the
    old pair or the new one, never a torn file)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def load(self) -> Tokens | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return Tokens.from_json(data)
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{self.path} holds no tokens this connector wrote: {exc}") from None

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Held by one process at a time (a lock file beside the tokens; POSIX: elsewhere
        a no-op), so two commands never spend one refresh token."""
        if os.name != "posix":
            yield
            return
        import fcntl  # POSIX only

        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_name(f".{self.path.name}.lock")
        descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # closing releases the lock

    def save(self, tokens: Tokens) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".tokens-", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:  # mkstemp: mode 0600
                json.dump(tokens.to_json(), out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _sync_folder(self.path.parent)


def _held(store: TokenStore) -> AbstractContextManager[None]:
    """The store's lock where it has one (:class:`LockingTokenStore`)."""
    locked = getattr(store, "locked", None)
    return locked() if callable(locked) else nullcontext()


def _sync_folder(folder: Path) -> None:
    """The rename itself on disk (POSIX; Windows has no directory handles to sync)."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class Grant(Protocol):
    """What a first token is asked for with; ``repeatable``: asking twice is harmless."""

    @property
    def repeatable(self) -> bool: ...

    def form(self) -> dict[str, str]: ...


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    """A Web Services user: ``user@company`` or ``user@company|entity``."""

    username: str
    repeatable: bool = True

    def form(self) -> dict[str, str]:
        return {"grant_type": "client_credentials", "username": self.username}


@dataclass(frozen=True, slots=True)
class AuthorizationCode:
    """The code a person's consent sent to the redirect URI, with the PKCE verifier if
    the authorization asked with a challenge."""

    code: str = field(repr=False)
    redirect_uri: str
    verifier: str = field(default="", repr=False)
    repeatable: bool = False

    def form(self) -> dict[str, str]:
        form = {"grant_type": "authorization_code", "code": self.code}
        form["redirect_uri"] = self.redirect_uri
        if self.verifier:
            form["code_verifier"] = self.verifier
        return form


def pkce_pair() -> tuple[str, str]:
    """A PKCE verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(
    app: OAuthApp, state: str, challenge: str = "", *, offline: bool = True
) -> str:
    """Where a person consents: ``offline`` asks for a refresh token too."""
    query = {"response_type": "code", "client_id": app.client_id}
    query.update(redirect_uri=app.redirect_uri, state=state)
    if offline:
        query["scope"] = "offline_access"
    if challenge:
        query.update(code_challenge=challenge, code_challenge_method="S256")
    return f"{app.base_url.rstrip('/')}/oauth2/authorize?{urlencode(query)}"


class TokenSource:
    """A valid access token for each request of one company (threads share it)."""

    def __init__(
        self,
        app: OAuthApp,
        store: TokenStore,
        transport: Transport,
        retry: RetryPolicy,
        *,
        grant: Grant | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app, self.store, self.grant = app, store, grant
        self._transport, self._retry, self._clock = transport, retry, clock
        self._lock = threading.Lock()
        self._tokens: Tokens | None = None
        register_secrets([app.client_secret])  # tokens are never logged: not registered

    def token(self) -> str:
        """The access token to send: the stored one while it is good, else a new one."""
        with self._lock:
            tokens = self._tokens or self.store.load()
            if self._due(tokens):
                tokens = self._renew_held(tokens)
            assert tokens is not None  # _renew returns tokens or raises
            self._tokens = tokens
            return tokens.access_token

    def _renew_held(self, tokens: Tokens | None) -> Tokens | None:
        """``tokens`` renewed under the store's lock, unless another process renewed them
        while this one waited: a refresh token it spent is refused now, its new pair is
        good."""
        with _held(self.store):
            saved = self.store.load()
            if saved is not None and (tokens is None or saved.access_token != tokens.access_token):
                tokens = saved
            return self._renew(tokens) if self._due(tokens) else tokens

    def _due(self, tokens: Tokens | None) -> bool:
        return tokens is None or tokens.expires_at - LEEWAY_S <= self._clock()

    def refused(self, access_token: str) -> None:
        """The API answered 401 to ``access_token``: the next :meth:`token` gets a new one
        (once: a token already replaced by another thread is left alone)."""
        with self._lock:
            current = self._tokens or self.store.load()
            if current is not None and current.access_token == access_token:
                self._tokens = replace(current, expires_at=0.0)  # due now

    def begin(self, grant: Grant) -> Tokens:
        """The first tokens, from ``grant`` (a code from consent, or a user's
        credentials), saved before they are returned."""
        with self._lock:
            self._tokens = self._ask(grant.form(), repeatable=grant.repeatable)
            return self._tokens

    def _renew(self, tokens: Tokens | None) -> Tokens:
        if tokens is not None and tokens.refresh_token:
            form = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token}
            try:
                return self._ask(form, repeatable=False)
            except SenderError:  # the app itself was refused: no grant of its can help
                raise
            except AuthenticationError as exc:
                # Spent or revoked: a run stopped after Intacct rotated the pair and
                # before the new one was saved, or the consent was withdrawn. A
                # repeatable grant starts afresh; else only a person can.
                if self.grant is None or not self.grant.repeatable:
                    raise AuthenticationError(
                        [*exc.errors, ErrorDetail(None, _REFUSED, None, _CONSENT)],
                        level="oauth",
                        http_status=exc.http_status,
                    ) from None
                log.warning("the refresh token was refused (%s); asking the app's grant", exc)
        if self.grant is not None and self.grant.repeatable:
            return self._ask(self.grant.form(), repeatable=True)
        raise AuthenticationError(
            [ErrorDetail(None, "no usable OAuth tokens", None, _CONSENT)], level="oauth"
        )

    def _ask(self, form: dict[str, str], *, repeatable: bool) -> Tokens:
        """One token request (retried only when ``repeatable``); the answer saved."""
        body = urlencode(self._client_fields(form)).encode("ascii")
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        if self.app.client_secret:
            pair = f"{self.app.client_id}:{self.app.client_secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")

        def send() -> Tokens:
            answer = self._transport.send("POST", self.app.token_url, body, headers)
            try:
                read = parse_rest(answer.content, http_status=answer.status)
            except ResponseFormatError as exc:  # its excerpt could hold a token
                raise ResponseFormatError(str(exc), http_status=answer.status) from None
            error = error_for_rest(read, retry_after=answer.retry_after)
            if error is not None:
                raise error
            return self._tokens_from(read.result, answer.status)

        tokens = self._retry.call(send, idempotent=repeatable)
        if repeatable:
            # A repeatable grant (client credentials) is asked again, never refreshed:
            # the refresh token Sage's answer carries (fylein's SDK reads one) is not
            # kept, one secret fewer at rest, and every renewal stays safe to retry.
            tokens = replace(tokens, refresh_token=None)
        self.store.save(tokens)  # saved before anyone uses it
        return tokens

    def _client_fields(self, form: dict[str, str]) -> dict[str, str]:
        """A public client names itself in the form; one with a secret uses Basic."""
        return form if self.app.client_secret else {**form, "client_id": self.app.client_id}

    def _tokens_from(self, body: Any, status: int) -> Tokens:
        try:
            access, lifetime = str(body["access_token"]), float(body["expires_in"])
        except (TypeError, KeyError, ValueError):
            raise ResponseFormatError(
                "the token endpoint answered no access_token and expires_in", http_status=status
            ) from None
        refresh = body.get("refresh_token")
        return Tokens(access, self._clock() + lifetime, refresh, str(body.get("scope") or ""))


_FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
_REFUSED = (
    "the saved refresh token was refused: spent (a run stopped between a refresh and saving "
    "its answer) or revoked"
)
_CONSENT = (
    "ask for new tokens: a person's consent (intacct profiles add NAME --consent) or the app's "
    "client credentials"
)
