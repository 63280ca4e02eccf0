"""OAuth 2 of the emulator's REST API (``/ia/api/v1``), through HTTP only: the three grants,
each refusal Intacct (or, where Sage is silent, RFC 6749/7636) gives, the bearer check and
the bridge to an XML session (docs/emulator.md, "REST API: OAuth 2")."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import re
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from lxml import etree

from intacct.emulator.app import GATEWAY_PATH
from intacct.emulator.server import EmulatorServer
from intacct.emulator.store import DEMO_USER
from intacct.protocol.classify import error_for_rest
from intacct.protocol.rest import parse_rest

from .conftest import envelope

CLIENT = ("demo_client_id", "demo-client-secret")
REDIRECT = "http://127.0.0.1:8765/callback"  # the demo app's loopback URI, on a port
AUTHORIZE = "/ia/api/v1/oauth2/authorize"
TOKEN = "/ia/api/v1/oauth2/token"
SESSION = "/ia/api/v1/services/core/session/id"
_HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


@pytest.fixture
def http(server: EmulatorServer) -> Iterator[httpx.Client]:
    origin = server.url.removesuffix(GATEWAY_PATH)
    with httpx.Client(base_url=origin, timeout=30, follow_redirects=False) as client:
        yield client


@pytest.fixture
def restore(http: httpx.Client) -> Iterator[None]:
    """Puts back what a test changes on the shared emulator: the clock, DEMO's
    authorization of demo_sender."""
    yield
    http.delete("/_emulator/clock")
    http.post("/_emulator/senders/demo_sender", json={"grant": ["DEMO"]})


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_in(
    http: httpx.Client,
    *,
    company: str = "DEMO",
    user: str = DEMO_USER[0],
    password: str = DEMO_USER[1],
    entity: str = "",
    decision: str = "allow",
    **params: str,
) -> httpx.Response:
    """The browser's part: GET the sign-in page, post its form back with credentials."""
    asked = {"response_type": "code", "client_id": CLIENT[0], "redirect_uri": REDIRECT}
    page = http.get(AUTHORIZE, params={**asked, **params})
    assert page.status_code == 200, page.text
    form = {name: html.unescape(value) for name, value in _HIDDEN.findall(page.text)}
    form.update(company_id=company, user_id=user, password=password, decision=decision)
    if entity:
        form["entity_id"] = entity
    return http.post(AUTHORIZE, data=form)


def redirected(answer: httpx.Response) -> dict[str, str]:
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def code_for(http: httpx.Client, **params: str) -> str:
    return redirected(sign_in(http, state="xyz", **params))["code"]


def exchange(http: httpx.Client, code: str, **extra: str) -> httpx.Response:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    form.update(client_id=CLIENT[0], client_secret=CLIENT[1])
    form.update(extra)
    return http.post(TOKEN, data={k: v for k, v in form.items() if v})


def client_credentials(http: httpx.Client, username: str, **extra: str) -> httpx.Response:
    form = {"grant_type": "client_credentials", "username": username}
    return http.post(TOKEN, data={**form, **extra}, auth=CLIENT)


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * 4))
    return decoded


def oauth_error(answer: httpx.Response) -> tuple[int, str]:
    body = answer.json()
    assert set(body) == {"error", "error_description"}
    assert answer.headers["cache-control"] == "no-store"
    return answer.status_code, body["error"]


def session_answer(http: httpx.Client, token: str) -> httpx.Response:
    return http.get(SESSION, headers={"Authorization": f"Bearer {token}"})


def rest_error(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer ")
    body = answer.json()
    assert body["ia::meta"] == {"totalCount": 1, "totalSuccess": 0, "totalError": 1}
    error: dict[str, Any] = body["ia::result"]["ia::error"]
    assert error["code"] == "unauthorized" and error["supportId"]
    return error


# -- the grants -------------------------------------------------------------------------


def test_authorization_code_with_pkce_then_rotating_refresh(http: httpx.Client) -> None:
    verifier, challenge = pkce()
    back = redirected(
        sign_in(
            http,
            state="s-1",
            scope="offline_access",
            code_challenge=challenge,
            code_challenge_method="S256",
        )
    )
    assert back["state"] == "s-1"
    answer = exchange(http, back["code"], code_verifier=verifier)
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 43200
    assert answer.headers["cache-control"] == "no-store"
    said = claims(tokens["access_token"])
    assert (said["companyId"], said["userId"], said["entityId"]) == ("DEMO", "demo_user", "")
    assert said["clientId"] == CLIENT[0] and said["exp"] - said["iat"] == 43200
    assert session_answer(http, tokens["access_token"]).status_code == 200

    # refresh (client_secret_basic): a new pair, the used refresh token refused after
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    renewed = http.post(TOKEN, data=form, auth=CLIENT)
    assert renewed.status_code == 200, renewed.text
    fresh = renewed.json()
    assert fresh["refresh_token"] != tokens["refresh_token"]
    assert fresh["access_token"] != tokens["access_token"]
    assert session_answer(http, fresh["access_token"]).status_code == 200
    replay = http.post(TOKEN, data=form, auth=CLIENT)
    assert oauth_error(replay) == (400, "invalid_grant")
    assert "Invalid token" in replay.json()["error_description"]
    # the replay revoked the grant: the newest refresh token is dead too
    newest = {"grant_type": "refresh_token", "refresh_token": fresh["refresh_token"]}
    assert oauth_error(http.post(TOKEN, data=newest, auth=CLIENT)) == (400, "invalid_grant")


def test_a_code_without_offline_access_gives_no_refresh_token(http: httpx.Client) -> None:
    answer = exchange(http, code_for(http))
    assert answer.status_code == 200
    assert "refresh_token" not in answer.json()


def test_a_public_client_redeems_with_pkce_and_no_secret(http: httpx.Client) -> None:
    verifier, challenge = pkce()
    code = code_for(http, code_challenge=challenge, code_challenge_method="S256")
    answer = exchange(http, code, client_secret="", code_verifier=verifier)
    assert answer.status_code == 200, answer.text
    # without PKCE, no secret is no client authentication
    bare = exchange(http, code_for(http), client_secret="")
    assert oauth_error(bare) == (401, "invalid_client")


def test_client_credentials_for_an_entity(http: httpx.Client) -> None:
    answer = client_credentials(http, "demo_user@DEMO-ME|E100")
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    assert tokens["refresh_token"]  # fylein's sageintacctrestsdk reads it unconditionally
    said = claims(tokens["access_token"])
    assert (said["companyId"], said["userId"], said["entityId"]) == ("DEMO-ME", "demo_user", "E100")
    assert said["grantType"] == "client_credentials"
    # client_secret_post does as well
    form = {"grant_type": "client_credentials", "username": "demo_user@DEMO"}
    posted = http.post(TOKEN, data={**form, "client_id": CLIENT[0], "client_secret": CLIENT[1]})
    assert posted.status_code == 200


# -- refusals ---------------------------------------------------------------------------


def test_pkce_mismatch_is_refused_and_spends_the_code(http: httpx.Client) -> None:
    verifier, challenge = pkce()
    code = code_for(http, code_challenge=challenge, code_challenge_method="S256")
    wrong = exchange(http, code, code_verifier=pkce()[0])
    assert oauth_error(wrong) == (400, "invalid_grant")
    assert oauth_error(exchange(http, code, code_verifier=verifier)) == (400, "invalid_grant")
    # a verifier is required when the code was asked for with a challenge
    verifier, challenge = pkce()
    code = code_for(http, code_challenge=challenge, code_challenge_method="S256")
    assert oauth_error(exchange(http, code)) == (400, "invalid_grant")


def test_plain_pkce(http: httpx.Client) -> None:
    verifier = secrets.token_urlsafe(48)
    code = code_for(http, code_challenge=verifier, code_challenge_method="plain")
    assert exchange(http, code, code_verifier=verifier).status_code == 200


def test_wrong_redirect_uri(http: httpx.Client) -> None:
    code = code_for(http)
    other = exchange(http, code, redirect_uri="http://127.0.0.1:9999/callback")
    assert oauth_error(other) == (400, "invalid_grant")
    # at authorize, an unregistered URI is told on the page, never redirected to
    for uri in ("https://evil.example/callback", "http://127.0.0.1:8765/elsewhere"):
        asked = {"response_type": "code", "client_id": CLIENT[0], "redirect_uri": uri}
        page = http.get(AUTHORIZE, params=asked)
        assert page.status_code == 400 and "location" not in page.headers


def test_reused_code_is_refused_and_revokes_its_tokens(http: httpx.Client) -> None:
    code = code_for(http, scope="offline_access")
    first = exchange(http, code)
    assert first.status_code == 200
    assert oauth_error(exchange(http, code)) == (400, "invalid_grant")
    form = {"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"]}
    assert oauth_error(http.post(TOKEN, data=form, auth=CLIENT)) == (400, "invalid_grant")


def test_expired_code(http: httpx.Client, restore: None) -> None:
    code = code_for(http)
    http.post("/_emulator/clock", json={"advance_s": 601})
    assert oauth_error(exchange(http, code)) == (400, "invalid_grant")


def test_wrong_secret_and_unknown_client(http: httpx.Client) -> None:
    form = {"grant_type": "client_credentials", "username": "demo_user@DEMO"}
    wrong = http.post(TOKEN, data=form, auth=(CLIENT[0], "not-the-secret"))
    assert oauth_error(wrong) == (401, "invalid_client")
    assert wrong.headers["www-authenticate"].startswith("Basic")
    posted = http.post(TOKEN, data={**form, "client_id": CLIENT[0], "client_secret": "nope"})
    assert oauth_error(posted) == (401, "invalid_client")
    unknown = http.post(TOKEN, data=form, auth=("no_such_client", "x"))
    assert oauth_error(unknown) == (401, "invalid_client")
    both = http.post(TOKEN, data={**form, "client_secret": CLIENT[1]}, auth=CLIENT)
    assert oauth_error(both) == (400, "invalid_request")
    asked = {"response_type": "code", "client_id": "no_such_client", "redirect_uri": REDIRECT}
    page = http.get(AUTHORIZE, params=asked)
    assert page.status_code == 400 and "location" not in page.headers


def test_sender_not_authorized(http: httpx.Client) -> None:
    app = {
        "client_id": "stranger_client",
        "client_secret": "stranger-secret",
        "redirect_uris": ["http://127.0.0.1/callback"],
        "sender_id": "unauthorized_sender",  # exists, authorized by no demo company
    }
    assert http.post("/_emulator/oauth/apps", json=app).status_code == 200
    form = {"grant_type": "client_credentials", "username": "demo_user@DEMO"}
    refused = http.post(TOKEN, data=form, auth=("stranger_client", "stranger-secret"))
    assert oauth_error(refused) == (400, "unauthorized_client")
    assert "unauthorized_sender" in refused.json()["error_description"]
    asked = {"response_type": "code", "client_id": "stranger_client", "redirect_uri": REDIRECT}
    page = http.get(AUTHORIZE, params={**asked, "state": "s"})
    form = {n: html.unescape(v) for n, v in _HIDDEN.findall(page.text)}
    form.update(company_id="DEMO", user_id=DEMO_USER[0], password=DEMO_USER[1], decision="allow")
    back = redirected(http.post(AUTHORIZE, data=form))
    assert back["error"] == "access_denied" and back["state"] == "s"


def test_a_withdrawn_authorization_stops_live_tokens(http: httpx.Client, restore: None) -> None:
    token = client_credentials(http, "demo_user@DEMO").json()["access_token"]
    http.post("/_emulator/senders/demo_sender", json={"revoke": ["DEMO"]})
    assert "demo_sender" in rest_error(session_answer(http, token))["message"]


def test_expired_access_token(http: httpx.Client, restore: None) -> None:
    token = client_credentials(http, "demo_user@DEMO").json()["access_token"]
    assert session_answer(http, token).status_code == 200
    http.post("/_emulator/clock", json={"advance_s": 43200})
    error = rest_error(session_answer(http, token))
    assert "expired" in error["message"]
    assert 'error="invalid_token"' in session_answer(http, token).headers["www-authenticate"]


def test_a_user_of_another_company(server: EmulatorServer, http: httpx.Client) -> None:
    # setup: a user only DEMO-ME has (the control API adds no users)
    server.store.add_user("DEMO-ME", "me_only", "me-only-password", recordno=90)
    assert client_credentials(http, "me_only@DEMO-ME").status_code == 200
    assert oauth_error(client_credentials(http, "me_only@DEMO")) == (400, "invalid_grant")
    assert oauth_error(client_credentials(http, "demo_user@NOSUCHCO")) == (400, "invalid_grant")
    entity = client_credentials(http, "demo_user@DEMO|E100")  # DEMO has no entities
    assert oauth_error(entity) == (400, "invalid_grant")
    # signing in to DEMO as DEMO-ME's user shows the sign-in page again, no code
    page = sign_in(http, company="DEMO", user="me_only", password="me-only-password")
    assert page.status_code == 200 and "Sign-in information is incorrect" in page.text


def test_a_non_web_services_user_gets_no_client_credentials(
    http: httpx.Client, server: EmulatorServer
) -> None:
    server.store.add_user("DEMO", "ui_only", "ui-only-password", recordno=91)
    http.post("/_emulator/companies/DEMO/users/ui_only", json={"web_services": False})
    assert oauth_error(client_credentials(http, "ui_only@DEMO")) == (400, "invalid_grant")


def test_a_client_credentials_refresh_token_rotates_for_a_web_services_user(
    http: httpx.Client, server: EmulatorServer
) -> None:
    server.store.add_user("DEMO", "ws_later_ui", "ws-later-ui-password", recordno=92)
    first = client_credentials(http, "ws_later_ui@DEMO").json()
    form = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    renewed = http.post(TOKEN, data=form, auth=CLIENT)
    assert renewed.status_code == 200, renewed.text
    fresh = renewed.json()
    assert fresh["refresh_token"] != first["refresh_token"]
    said = claims(fresh["access_token"])
    assert (said["companyId"], said["userId"], said["grantType"]) == (
        "DEMO", "ws_later_ui", "refresh_token",
    )  # fmt: skip
    spent = http.post(TOKEN, data=form, auth=CLIENT)
    assert oauth_error(spent) == (400, "invalid_grant")
    assert "Invalid token" in spent.json()["error_description"]
    # a user who lost Web Services access refreshes no more (the sign-in's own check)
    again = client_credentials(http, "ws_later_ui@DEMO").json()
    http.post("/_emulator/companies/DEMO/users/ws_later_ui", json={"web_services": False})
    form["refresh_token"] = again["refresh_token"]
    assert oauth_error(http.post(TOKEN, data=form, auth=CLIENT)) == (400, "invalid_grant")


def test_denial_and_wrong_password(http: httpx.Client) -> None:
    back = redirected(sign_in(http, state="st", decision="deny"))
    assert back["error"] == "access_denied" and back["state"] == "st" and "code" not in back
    page = sign_in(http, password="wrong")
    assert page.status_code == 200 and "Sign-in information is incorrect" in page.text


def test_authorize_request_errors_go_back_to_the_client(http: httpx.Client) -> None:
    asked = {"client_id": CLIENT[0], "redirect_uri": REDIRECT, "state": "q"}
    wrong_type = redirected(http.get(AUTHORIZE, params={**asked, "response_type": "token"}))
    assert wrong_type["error"] == "unsupported_response_type" and wrong_type["state"] == "q"
    bad_method = {**asked, "response_type": "code", "code_challenge": pkce()[1]}
    back = redirected(http.get(AUTHORIZE, params={**bad_method, "code_challenge_method": "MD5"}))
    assert back["error"] == "invalid_request"


def test_token_request_errors(http: httpx.Client) -> None:
    assert http.get(TOKEN).status_code == 405
    as_json = http.post(TOKEN, json={"grant_type": "client_credentials"}, auth=CLIENT)
    assert oauth_error(as_json) == (400, "invalid_request")
    assert oauth_error(http.post(TOKEN, data={}, auth=CLIENT)) == (400, "invalid_request")
    password = http.post(TOKEN, data={"grant_type": "password"}, auth=CLIENT)
    assert oauth_error(password) == (400, "unsupported_grant_type")
    no_user = http.post(TOKEN, data={"grant_type": "client_credentials"}, auth=CLIENT)
    assert oauth_error(no_user) == (400, "invalid_request")


def test_bearer_refusals(http: httpx.Client) -> None:
    missing = http.get(SESSION)
    assert rest_error(missing) and "error=" not in missing.headers["www-authenticate"]
    assert rest_error(session_answer(http, "not-a-jwt"))
    token = client_credentials(http, "demo_user@DEMO").json()["access_token"]
    head, body, signature = token.split(".")
    forged = claims(token) | {"companyId": "DEMO-ME"}
    payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    assert rest_error(session_answer(http, f"{head}.{payload}.{signature}"))
    unsigned = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    assert rest_error(session_answer(http, f"{unsigned}.{body}."))
    basic = http.get(SESSION, headers={"Authorization": f"Basic {token}"})
    assert rest_error(basic)


# -- the bridge to the XML API -----------------------------------------------------------


def test_session_bridge_works_at_the_gateway(http: httpx.Client) -> None:
    token = client_credentials(http, "demo_user@DEMO-ME|E100").json()["access_token"]
    answer = session_answer(http, token)
    assert answer.status_code == 200
    body = answer.json()
    assert body["ia::meta"] == {"totalCount": 1, "totalSuccess": 1, "totalError": 0}
    session = body["ia::result"]
    assert set(session) == {"sessionId", "expiresIn"} and session["expiresIn"] == 480 * 60
    query = "<readByQuery><object>VENDOR</object><fields>VENDORID</fields><query></query><pagesize>5</pagesize></readByQuery>"  # noqa: E501
    reply = http.post(
        GATEWAY_PATH,
        content=envelope(query, sessionid=session["sessionId"]),
        headers={"Content-Type": "application/xml"},
    )
    root = etree.fromstring(reply.content)
    assert root.findtext("operation/authentication/status") == "success"
    assert root.findtext("operation/authentication/companyid") == "DEMO-ME"
    assert root.findtext("operation/authentication/locationid") == "E100"
    assert root.findtext("operation/result/status") == "success"
    assert int(root.find("operation/result/data").get("count")) > 0
    # the X-IA-API-Param-Entity header picks the session's entity
    other = http.get(
        SESSION, headers={"Authorization": f"Bearer {token}", "X-IA-API-Param-Entity": "E200"}
    )
    api = envelope("<getAPISession/>", sessionid=other.json()["ia::result"]["sessionId"])
    reply = http.post(GATEWAY_PATH, content=api, headers={"Content-Type": "application/xml"})
    assert etree.fromstring(reply.content).findtext(".//api/locationid") == "E200"
    nowhere = http.get(
        SESSION, headers={"Authorization": f"Bearer {token}", "X-IA-API-Param-Entity": "E999"}
    )
    assert nowhere.status_code == 400


# -- control API, logs ----------------------------------------------------------------------


def test_control_api_registers_apps(http: httpx.Client) -> None:
    listed = http.get("/_emulator/oauth/apps").json()["apps"]
    demo = next(a for a in listed if a["client_id"] == CLIENT[0])
    assert demo == {
        "client_id": "demo_client_id",
        "redirect_uris": ["http://127.0.0.1/callback"],
        "sender_id": "demo_sender",
        "name": "Demo app",
    }
    assert "demo-client-secret" not in json.dumps(listed)
    app = {"client_id": "x", "client_secret": "y", "sender_id": "no_such_sender"}
    assert http.post("/_emulator/oauth/apps", json=app).status_code == 400
    bad_uri = {**app, "sender_id": "demo_sender", "redirect_uris": ["ftp://x"]}
    assert http.post("/_emulator/oauth/apps", json=bad_uri).status_code == 400
    good = {**app, "sender_id": "demo_sender", "redirect_uris": ["https://app.example/cb"]}
    assert http.post("/_emulator/oauth/apps", json=good).status_code == 200
    token = http.post(
        TOKEN,
        data={"grant_type": "client_credentials", "username": "demo_user@DEMO"},
        auth=("x", "y"),
    ).json()["access_token"]
    assert http.delete("/_emulator/oauth/apps/x").status_code == 200
    assert rest_error(session_answer(http, token))  # an unregistered app's tokens stop
    assert http.delete("/_emulator/oauth/apps/x").status_code == 400


def test_no_secret_reaches_the_logs(http: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    verifier, challenge = pkce()
    code = code_for(
        http, scope="offline_access", code_challenge=challenge, code_challenge_method="S256"
    )
    tokens = exchange(http, code, code_verifier=verifier).json()
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    renewed = http.post(TOKEN, data=form, auth=CLIENT).json()
    http.post(TOKEN, data=form, auth=CLIENT)  # a refused replay is logged too
    http.post(
        TOKEN,
        data={"grant_type": "client_credentials", "username": "u@DEMO"},
        auth=(CLIENT[0], "wrong-secret-123"),
    )
    sign_in(http, password="wrong-password-456")
    session = session_answer(http, renewed["access_token"]).json()["ia::result"]["sessionId"]
    # the emulator's loggers (and its server's), not the test's own httpx/httpcore
    logged = "\n".join(
        f"{r.getMessage()} {r.exc_text or ''}"
        for r in caplog.records
        if r.name.startswith(("intacct", "uvicorn", "starlette"))
    )
    assert "oauth2 token issued" in logged  # the emulator does log its grants
    secret_values = [
        CLIENT[1],
        DEMO_USER[1],
        "wrong-secret-123",
        "wrong-password-456",
        code,
        verifier,
        tokens["access_token"],
        tokens["refresh_token"],
        renewed["access_token"],
        renewed["refresh_token"],
        session,
    ]
    for value in secret_values:
        assert value not in logged


def test_its_answers_read_as_the_golden_ones_do(http: httpx.Client, restore: None) -> None:
    """The emulator's answers and tests/golden/responses/rest/ are read and classified
    alike by the client's one table (tests/protocol/test_golden_rest.py)."""

    def classified(answer: httpx.Response) -> str | None:
        error = error_for_rest(parse_rest(answer.content, http_status=answer.status_code))
        return None if error is None else type(error).__name__

    form = {"grant_type": "client_credentials", "username": "demo_user@DEMO"}
    assert classified(http.post(TOKEN, data=form, auth=(CLIENT[0], "nope"))) == "SenderError"
    wrong_grant = {**form, "grant_type": "password"}
    assert classified(http.post(TOKEN, data=wrong_grant, auth=CLIENT)) == "ValidationError"
    code = code_for(http, scope="offline_access")
    first = exchange(http, code)
    assert classified(first) is None
    refresh = {"grant_type": "refresh_token", "refresh_token": first.json()["refresh_token"]}
    assert classified(http.post(TOKEN, data=refresh, auth=CLIENT)) is None
    assert classified(http.post(TOKEN, data=refresh, auth=CLIENT)) == "AuthenticationError"
    token = client_credentials(http, "demo_user@DEMO").json()["access_token"]
    assert classified(session_answer(http, token)) is None
    http.post("/_emulator/clock", json={"advance_s": 43200})
    assert classified(session_answer(http, token)) == "InvalidSessionError"
