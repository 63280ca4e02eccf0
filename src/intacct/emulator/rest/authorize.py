"""``GET|POST /ia/api/v1/oauth2/authorize``: Intacct's sign-in and consent step of the
authorization code grant (portal: guides/oauth2), as one HTML form a test can drive
without a browser.

GET with ``response_type=code``, ``client_id``, ``redirect_uri``, ``state``, ``scope``
(``offline_access`` for a refresh token) and optionally ``code_challenge`` +
``code_challenge_method`` (S256 or plain, RFC 7636) answers the sign-in page. POSTing the
form back (the same parameters, hidden in it or in the URL's query but not both, plus
``company_id``, ``user_id``, ``password``, optional ``entity_id`` and
``decision=allow|deny``) answers a 302 to the
redirect URI with ``code`` and ``state``, or ``error=access_denied``.

Errors follow RFC 6749 4.1.2.1: an unknown client or a redirect URI the app did not
register is told on the page (never redirected to); anything else goes back to the
redirect URI as ``error``. A wrong sign-in shows the page again, as a login screen does.
"""

from __future__ import annotations

import html
import logging
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.responses import HTMLResponse, RedirectResponse, Response

from intacct.emulator.rest.common import CODE_TTL_S, REST_PREFIX, Refusal, check_principal
from intacct.emulator.rest.token import well_formed_pkce
from intacct.emulator.store import OAuthApp, Store
from intacct.emulator.store.grants import AuthorizationCode

__all__ = ["AUTHORIZE_PATH", "AUTH_PARAMS", "authorize", "redirect_allowed"]

log = logging.getLogger("intacct.emulator.rest")

AUTHORIZE_PATH = f"{REST_PREFIX}/oauth2/authorize"
#: the authorization request's parameters (hidden in the sign-in form)
AUTH_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "scope",
    "code_challenge",
    "code_challenge_method",
)
_LOOPBACK = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True, slots=True)
class _Asked:
    app: OAuthApp
    params: dict[str, str]  # AUTH_PARAMS as given (empty ones left out)

    @property
    def redirect_uri(self) -> str:
        return self.params["redirect_uri"]


def redirect_allowed(app: OAuthApp, redirect_uri: str) -> bool:
    """``redirect_uri`` is one the app registered, character for character, or, for a
    registered loopback URI (127.0.0.1, [::1], localhost), the same one on any port.
    [U] the loopback rule is RFC 8252 7.3's for native apps; Sage's registry is not
    documented on it, and tools that catch the code on a free local port need it."""
    if redirect_uri in app.redirect_uris:
        return True
    try:
        given = urlsplit(redirect_uri)
        given.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError:
        return False
    if given.hostname not in _LOOPBACK or given.fragment:
        return False
    for registered in map(urlsplit, app.redirect_uris):
        if registered.hostname in _LOOPBACK and (
            registered.scheme,
            registered.hostname,
            registered.path,
            registered.query,
        ) == (given.scheme, given.hostname, given.path, given.query):
            return True
    return False


def authorize(
    store: Store, given: Mapping[str, str], repeated: set[str], *, submitted: bool
) -> Response:
    """The answer to an authorization request (``submitted``: the form posted back).
    ``given`` holds the parameters (empty ones left out), ``repeated`` those sent twice."""
    asked = _check_client(store, given, repeated)
    if isinstance(asked, Response):
        return asked
    problem = _check_request(asked, repeated)
    if problem:
        return _back(asked, error="invalid_request", error_description=problem)
    if given.get("response_type") != "code":
        return _back(
            asked,
            error="unsupported_response_type",
            error_description="Only response_type=code is supported.",
        )
    if not submitted:
        return _page(asked)
    decision = given.get("decision", "")
    if decision == "deny":
        log.info("oauth2 authorize: access denied to client %s", asked.app.client_id)
        return _back(asked, error="access_denied", error_description="The user denied access.")
    if decision != "allow":
        return _page(asked, "Choose Accept or Deny.", status=400)
    company_id, userid = given.get("company_id", ""), given.get("user_id", "")
    entity = given.get("entity_id", "")
    checked = check_principal(
        store, asked.app, company_id, userid, entity, password=given.get("password", "")
    )
    if isinstance(checked, Refusal):
        log.info("oauth2 authorize refused for client %s: %s", asked.app.client_id, checked.text)
        if checked.reason == "sender":
            # [U] Sage lets an admin authorize the sender while approving; the emulator
            # has no admin role, so the company's Security tab is the only way
            return _back(asked, error="access_denied", error_description=checked.text)
        return _page(asked, checked.text)
    company, user = checked
    now = store.clock.now().timestamp()
    code = AuthorizationCode(
        code=secrets.token_urlsafe(32),
        client_id=asked.app.client_id,
        redirect_uri=asked.redirect_uri,
        company=company.id,
        userid=user.userid,
        entity=entity,
        scope=asked.params.get("scope", ""),
        challenge=asked.params.get("code_challenge", ""),
        method=asked.params.get("code_challenge_method", "plain"),
        expires=now + CODE_TTL_S,
        family=uuid.uuid4().hex,
    )
    store.grants.add_code(code, now)
    log.info(
        "oauth2 authorize: code issued to client %s for %s@%s%s",
        asked.app.client_id,
        user.userid,
        company.id,
        f"|{entity}" if entity else "",
    )
    return _back(asked, code=code.code)


def _check_client(store: Store, given: Mapping[str, str], repeated: set[str]) -> _Asked | Response:
    """Client and redirect URI, which decide whether errors may be redirected at all."""
    if {"client_id", "redirect_uri"} & repeated:
        return _error_page("The client_id or redirect_uri parameter is repeated.")
    client_id = given.get("client_id", "")
    app = store.identities.app(client_id) if client_id else None
    if app is None:
        return _error_page(f"Unknown or missing client_id {client_id!r}.")
    redirect_uri = given.get("redirect_uri", "")
    # [U] required: Sage's request lists it, and a client with several URIs needs it
    if not redirect_uri or not redirect_allowed(app, redirect_uri):
        return _error_page(
            f"The redirect_uri {redirect_uri!r} is not registered for client {client_id!r}."
        )
    return _Asked(app, {name: given[name] for name in AUTH_PARAMS if name in given})


def _check_request(asked: _Asked, repeated: set[str]) -> str:
    """What is wrong with the rest of the request ('' when nothing): RFC 6749 4.1.1 and
    RFC 7636 4.3 (S256 or plain; plain when the method is left out)."""
    if repeated & set(AUTH_PARAMS):
        return f"The parameter {sorted(repeated & set(AUTH_PARAMS))[0]} is repeated."
    if "response_type" not in asked.params:
        return "The response_type parameter is missing."
    challenge = asked.params.get("code_challenge")
    method = asked.params.get("code_challenge_method")
    if method is not None and challenge is None:
        return "A code_challenge_method needs a code_challenge."
    if method is not None and method not in ("S256", "plain"):
        return "The code_challenge_method must be S256 or plain."
    if challenge is not None and not well_formed_pkce(challenge):
        return "The code_challenge is malformed (RFC 7636 4.2)."
    return ""


def _back(asked: _Asked, **answer: str) -> Response:
    """302 to the redirect URI with ``answer`` and the request's ``state`` in its query."""
    parts = urlsplit(asked.redirect_uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += list(answer.items())
    if "state" in asked.params:
        query.append(("state", asked.params["state"]))
    location = urlunsplit(parts._replace(query=urlencode(query)))
    return RedirectResponse(location, 302, headers={"Cache-Control": "no-store"})


def _error_page(text: str) -> Response:
    body = (
        "<!DOCTYPE html><html><head><title>Sage Intacct</title></head><body>"
        f'<h1>Sign in failed</h1><p class="error">{html.escape(text)}</p></body></html>'
    )
    return HTMLResponse(body, 400, headers={"Cache-Control": "no-store"})


def _page(asked: _Asked, error: str = "", status: int = 200) -> Response:
    """The sign-in and consent form; the request's parameters ride in hidden fields."""
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
        for name, value in asked.params.items()
    )
    name = html.escape(asked.app.name or asked.app.client_id)
    notice = f'<p class="error">{html.escape(error)}</p>' if error else ""
    body = (
        "<!DOCTYPE html><html><head><title>Sage Intacct: sign in</title></head><body>"
        f"<h1>Sign in to Sage Intacct</h1><p>{name} asks for access to your company.</p>"
        f'{notice}<form method="post" action="{AUTHORIZE_PATH}">{hidden}'
        '<label>Company ID <input name="company_id"></label>'
        '<label>User ID <input name="user_id"></label>'
        '<label>Password <input name="password" type="password"></label>'
        '<label>Entity ID (optional) <input name="entity_id"></label>'
        '<button name="decision" value="allow">Accept</button>'
        '<button name="decision" value="deny">Deny</button>'
        "</form></body></html>"
    )
    return HTMLResponse(body, status, headers={"Cache-Control": "no-store"})
