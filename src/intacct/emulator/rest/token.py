"""``POST /ia/api/v1/oauth2/token``: the grants Intacct documents (portal: guides/oauth2)
and the access tokens they give.

* ``authorization_code``: the code from ``/oauth2/authorize``, the same ``redirect_uri``,
  the PKCE ``code_verifier`` when the code was asked for with a challenge;
* ``refresh_token``: rotation, each refresh token works once and the answer carries the
  next (fylein/intacct-rest-sdk-py stores the new one every time);
* ``client_credentials``: ``username`` = ``user@company`` or ``user@company|entity``, a
  Web Services user [3p: datablend, Nango, PostHog docs]. Its answer carries a refresh
  token too, as the authorization code's does: fylein's ``sageintacctrestsdk`` 1.9.0
  (PyPI) reads ``refresh_token`` from the client-credentials answer unconditionally
  (``IntacctRESTSDK.__generate_access_token_from_client_credentials``), client
  credentials are its default sign-in, and fylein's own production app signs in that way
  (fylein/fyle-intacct-api, ``IntacctRESTSDK(username=f'{user}@{company}', ...)``), so
  Sage's answer must hold one. [U] what that refresh token does: it works as any other
  (rotation, a replay revokes its grant) for the same user and entity, who must still be
  a Web Services user.

The client authenticates with ``client_id``/``client_secret`` in the form
(client_secret_post) or HTTP Basic (client_secret_basic), never both (RFC 6749 2.3).
A public client (PKCE, where "storing the client secret is unsafe", guides/oauth2) may
redeem its code and refresh its tokens without a secret. Access tokens are JWTs signed by
the emulator (:mod:`.jwt`) naming company, user, entity and client; refresh tokens are
opaque. Every check a grant passes at ``authorize`` is made again when it is redeemed or
refreshed: a company that withdraws the sender's authorization stops the app at once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import secrets
import string
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import unquote_plus

from starlette.responses import JSONResponse

from intacct.emulator.rest import jwt
from intacct.emulator.rest.answers import NO_STORE, oauth_error
from intacct.emulator.rest.common import (
    ACCESS_TTL_S,
    REFRESH_TTL_S,
    Refusal,
    check_principal,
)
from intacct.emulator.store import OAuthApp, Store
from intacct.emulator.store.grants import AuthorizationCode, RefreshGrant

__all__ = ["GRANT_TYPES", "TokenRequest", "access_token", "token", "well_formed_pkce"]

log = logging.getLogger("intacct.emulator.rest")

GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
#: RFC 7636 4.1: a code verifier is 43 to 128 of these
_VERIFIER_CHARS = frozenset(string.ascii_letters + string.digits + "-._~")


@dataclass(frozen=True, slots=True)
class TokenRequest:
    form: Mapping[str, str]
    authorization: str  # the Authorization header ('' when none)
    issuer: str  # the REST base URL the request came to (the tokens' ``iss``)


class _Refused(Exception):  # noqa: N818 (an answer, not a fault)
    def __init__(self, status: int, error: str, description: str, basic: bool = False) -> None:
        super().__init__(description)
        self.status, self.error, self.description, self.basic = status, error, description, basic


def token(store: Store, request: TokenRequest) -> JSONResponse:
    """One token request, start to end (synchronous: it reads SQLite)."""
    grant_type = request.form.get("grant_type", "")
    try:
        if not grant_type:
            raise _Refused(400, "invalid_request", "The grant_type parameter is missing.")
        if grant_type not in GRANT_TYPES:
            raise _Refused(
                400, "unsupported_grant_type", f"The grant type {grant_type!r} is not supported."
            )
        app, authenticated = _client(store, request)
        if grant_type == "authorization_code":
            answer = _authorization_code(store, request, app, authenticated)
        elif grant_type == "refresh_token":
            answer = _refresh(store, request, app, authenticated)
        else:
            if not authenticated:
                raise _Refused(401, "invalid_client", "The client_secret is required.")
            answer = _client_credentials(store, request, app)
    except _Refused as refused:
        log.info(
            "oauth2 token refused (%s, %s): %s", grant_type, refused.error, refused.description
        )
        basic = {"WWW-Authenticate": 'Basic realm="Sage Intacct"'} if refused.basic else {}
        return oauth_error(refused.status, refused.error, refused.description, basic)
    return JSONResponse(answer, headers=NO_STORE)


def access_token(
    store: Store,
    app: OAuthApp,
    *,
    company: str,
    userid: str,
    entity: str,
    grant_type: str,
    issuer: str,
) -> str:
    """A signed access token for ``userid`` of ``company`` (``entity`` '' for the top
    level), valid ``ACCESS_TTL_S`` from the emulator's clock. [U] the claim names: Sage
    says its JWTs hold "the ID of the currently logged-in user, the company ID, and other
    required information" (guides/oauth2) without naming the claims; these name each."""
    now = int(store.clock.now().timestamp())
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": f"{userid}@{company}" + (f"|{entity}" if entity else ""),
        "aud": app.client_id,
        "iat": now,
        "exp": now + ACCESS_TTL_S,
        "jti": uuid.uuid4().hex,
        "clientId": app.client_id,
        "senderId": app.senderid,
        "companyId": company,
        "userId": userid,
        "entityId": entity,
        "grantType": grant_type,
    }
    return jwt.sign(claims, store.grants.key)


# -- client authentication --------------------------------------------------------------


def _client(store: Store, request: TokenRequest) -> tuple[OAuthApp, bool]:
    """The app the request authenticates as, and whether it proved it with its secret
    (False: a public client that sent only its client_id)."""
    form = request.form
    secret: str | None
    scheme, _, credentials = request.authorization.partition(" ")
    basic = scheme.lower() == "basic"
    if basic:
        if "client_secret" in form:
            raise _Refused(400, "invalid_request", "Use one client authentication method, not two.")
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise _Refused(
                401, "invalid_client", "The Basic credentials are malformed.", basic
            ) from None
        raw_id, colon, raw_secret = decoded.partition(":")
        if not colon:
            raise _Refused(401, "invalid_client", "The Basic credentials are malformed.", basic)
        client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
        if form.get("client_id", client_id) != client_id:
            raise _Refused(400, "invalid_request", "The client_id differs from the Basic one.")
    else:
        client_id, secret = form.get("client_id", ""), form.get("client_secret")
    if not client_id:
        raise _Refused(401, "invalid_client", "Client authentication failed: no client_id.", basic)
    app = store.identities.app(client_id)
    if app is None:
        raise _Refused(401, "invalid_client", f"Unknown client {client_id!r}.", basic)
    if secret is None:
        return app, False
    if not hmac.compare_digest(secret.encode(), app.client_secret.encode()):
        raise _Refused(401, "invalid_client", "Client authentication failed.", basic)
    return app, True


# -- grants -------------------------------------------------------------------------------


def _authorization_code(
    store: Store, request: TokenRequest, app: OAuthApp, authenticated: bool
) -> dict[str, Any]:
    form = request.form
    code, redirect_uri, verifier = (
        form.get("code", ""),
        form.get("redirect_uri", ""),
        form.get("code_verifier"),
    )
    if not code:
        raise _Refused(400, "invalid_request", "The code parameter is missing.")
    if not redirect_uri:
        raise _Refused(400, "invalid_request", "The redirect_uri parameter is missing.")
    if not authenticated and verifier is None:
        raise _Refused(401, "invalid_client", "The client_secret is required.")
    if verifier is not None and not well_formed_pkce(verifier):
        raise _Refused(400, "invalid_request", "The code_verifier is malformed (RFC 7636 4.1).")
    now = store.clock.now().timestamp()
    taken = store.grants.take_code(code, app.client_id, now)
    found = taken.grant
    if not isinstance(found, AuthorizationCode):
        raise _Refused(400, "invalid_grant", "The authorization code is invalid or expired.")
    if taken.reused:
        raise _Refused(
            400,
            "invalid_grant",
            "The authorization code was already used; the tokens issued for it are revoked.",
        )
    # the code is spent from here on, whatever else is wrong (RFC 6749 4.1.2: single use)
    if not authenticated and not found.challenge:
        raise _Refused(401, "invalid_client", "The client_secret is required.")
    if redirect_uri != found.redirect_uri:
        raise _Refused(
            400, "invalid_grant", "The redirect_uri does not match the authorization request."
        )
    if found.challenge:
        if verifier is None:
            raise _Refused(400, "invalid_grant", "The code_verifier is missing.")
        if not _pkce_matches(verifier, found.challenge, found.method):
            raise _Refused(400, "invalid_grant", "The code_verifier does not match the challenge.")
    elif verifier is not None:  # OAuth 2.1 4.1.3: a verifier for a code asked without one
        raise _Refused(400, "invalid_grant", "The authorization request had no code_challenge.")
    offline = "offline_access" in found.scope.split()
    return _reissued(
        store, request, app, found, "authorization_code", not authenticated, offline, False
    )


def _refresh(
    store: Store, request: TokenRequest, app: OAuthApp, authenticated: bool
) -> dict[str, Any]:
    refresh_token = request.form.get("refresh_token", "")
    if not refresh_token:
        raise _Refused(400, "invalid_request", "The refresh_token parameter is missing.")
    if not authenticated:
        standing = store.grants.peek_refresh(refresh_token)
        if standing is None or not standing.public:  # spend nothing for an unproven client
            raise _Refused(401, "invalid_client", "The client_secret is required.")
    taken = store.grants.take_refresh(refresh_token, app.client_id, store.clock.now().timestamp())
    found = taken.grant
    if taken.reused:
        # [U] reuse revokes the family: RFC 9700 (OAuth security BCP) 4.14.2 for rotated
        # refresh tokens, since the server cannot tell the thief from the client
        raise _Refused(
            400,
            "invalid_grant",
            "Invalid token: the refresh token was already used; its grant is revoked.",
        )
    if not isinstance(found, RefreshGrant):
        raise _Refused(
            400, "invalid_grant", "Invalid token: the refresh token is unknown or expired."
        )
    wanted = request.form.get("scope")
    if wanted is not None and not set(wanted.split()) <= set(found.scope.split()):
        raise _Refused(400, "invalid_scope", "The scope exceeds the one originally granted.")
    public, web_services = found.public, found.web_services
    return _reissued(store, request, app, found, "refresh_token", public, True, web_services)


def _client_credentials(store: Store, request: TokenRequest, app: OAuthApp) -> dict[str, Any]:
    username = request.form.get("username", "")
    login, _, entity = username.partition("|")
    userid, at, company = login.rpartition("@")
    if not username or not at or not userid or not company:
        raise _Refused(
            400,
            "invalid_request",
            "The username must be user@company or user@company|entity.",
        )
    _recheck(store, app, company, userid, entity, web_services=True)
    return _answer(
        store,
        request,
        app,
        company=company,
        userid=userid,
        entity=entity,
        scope=request.form.get("scope", ""),
        grant_type="client_credentials",
        family="",
        public=False,
        # RFC 6749 4.4.3 says SHOULD NOT, yet a production client needs one (module doc)
        refresh=True,
        web_services=True,
    )


class _Granted(Protocol):
    """What a code or a refresh token was granted for."""

    company: str
    userid: str
    entity: str
    scope: str
    family: str


def _reissued(
    store: Store,
    request: TokenRequest,
    app: OAuthApp,
    found: _Granted,
    grant_type: str,
    public: bool,
    refresh: bool,
    web_services: bool,
) -> dict[str, Any]:
    """Tokens for what an earlier consent (or client-credentials sign-in, when
    ``web_services``) granted, once the company, sender, user and entity still allow it."""
    _recheck(store, app, found.company, found.userid, found.entity, web_services=web_services)
    return _answer(
        store,
        request,
        app,
        company=found.company,
        userid=found.userid,
        entity=found.entity,
        scope=found.scope,
        grant_type=grant_type,
        family=found.family,
        public=public,
        refresh=refresh,
        web_services=web_services,
    )


def _recheck(
    store: Store, app: OAuthApp, company: str, userid: str, entity: str, *, web_services: bool
) -> None:
    checked = check_principal(store, app, company, userid, entity, web_services=web_services)
    if isinstance(checked, Refusal):
        if checked.reason == "sender":  # the client may not act for this company
            raise _Refused(400, "unauthorized_client", checked.text)
        raise _Refused(400, "invalid_grant", checked.text)


def _answer(
    store: Store,
    request: TokenRequest,
    app: OAuthApp,
    *,
    company: str,
    userid: str,
    entity: str,
    scope: str,
    grant_type: str,
    family: str,
    public: bool,
    refresh: bool,
    web_services: bool,
) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "token_type": "Bearer",
        "access_token": access_token(
            store,
            app,
            company=company,
            userid=userid,
            entity=entity,
            grant_type=grant_type,
            issuer=request.issuer,
        ),
        "expires_in": ACCESS_TTL_S,
    }
    if refresh:
        now = store.clock.now().timestamp()
        grant = RefreshGrant(
            token=secrets.token_urlsafe(48),
            family=family or uuid.uuid4().hex,
            client_id=app.client_id,
            company=company,
            userid=userid,
            entity=entity,
            scope=scope,
            expires=now + REFRESH_TTL_S,
            public=public,
            web_services=web_services,
        )
        store.grants.add_refresh(grant, now)
        answer["refresh_token"] = grant.token
    if scope:
        answer["scope"] = scope
    log.info(
        "oauth2 token issued (%s) to client %s for %s@%s%s",
        grant_type,
        app.client_id,
        userid,
        company,
        f"|{entity}" if entity else "",
    )
    return answer


def well_formed_pkce(value: str) -> bool:
    """A code verifier, or a code challenge, as RFC 7636 4.1/4.2 shape them: 43 to 128
    unreserved characters."""
    return 43 <= len(value) <= 128 and _VERIFIER_CHARS.issuperset(value)


def _pkce_matches(verifier: str, challenge: str, method: str) -> bool:
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        derived = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    else:
        derived = verifier
    return hmac.compare_digest(derived.encode(), challenge.encode())
