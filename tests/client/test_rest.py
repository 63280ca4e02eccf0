"""The REST API's request path (:mod:`intacct.client.rest`) against the emulator: calls
signed with OAuth tokens over the company's one gateway (its slots, budget, ledger and
retry policy are the XML requests'), a refused token renewed once, billing, the bridge
to an XML session, and no token or session id in the history or the logs."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from intacct.client import IntacctClient
from intacct.client.oauth import TokenFile, Tokens
from intacct.client.retry import RetryPolicy
from intacct.config import ClientConfig
from intacct.emulator.app import GATEWAY_PATH
from intacct.emulator.server import EmulatorServer
from intacct.emulator.store import DEMO_SENDER
from intacct.errors import (
    AuthenticationError,
    BudgetExhaustedError,
    ConfigError,
    DuplicateError,
    NotFoundError,
    ValidationError,
)
from intacct.logging import HistoryHook
from intacct.protocol import functions as fn
from intacct.protocol.envelope import ControlBlock, SessionAuthentication, build_request
from intacct.protocol.response import parse_response

from .conftest import OAUTH_SECRET


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=300, seed=3) as emulator:
        yield emulator


@pytest.fixture
def client(
    oauth_client: Callable[..., IntacctClient], tmp_path: Path
) -> Callable[..., IntacctClient]:
    """:func:`oauth_client` with its tokens in ``tmp_path`` (``grant=False``: no client
    credentials to get new ones) and retries that do not wait."""

    def made(**kw: Any) -> IntacctClient:
        tokens = TokenFile(tmp_path / "tokens.json")
        return oauth_client(tokens=tokens, retry=RetryPolicy(sleep=lambda _: None), **kw)

    return made


def test_the_bridge_opens_an_xml_session_the_gateway_takes(
    server: EmulatorServer, client: Callable[..., IntacctClient]
) -> None:
    with client() as rest_client:
        sessionid, lifetime = rest_client.rest.session_id()
        assert lifetime > 0
        assert rest_client.requests_sent == 1 and rest_client.api_transactions == 0
    # the bridged session signs an XML request in place of a login
    control = ControlBlock(DEMO_SENDER[0], DEMO_SENDER[1], "bridge")
    query = fn.Query("GLACCOUNT", ["RECORDNO"], pagesize=1)
    body = build_request(control, SessionAuthentication(sessionid), [("q", query.to_xml())])
    answer = httpx.post(server.url, content=body, headers={"Content-Type": "application/xml"})
    response = parse_response(answer.content, http_status=answer.status_code)
    assert response.results[0].raise_for_error().records


def test_a_refused_token_is_renewed_once_and_the_call_sent_again(
    tmp_path: Path, client: Callable[..., IntacctClient]
) -> None:
    TokenFile(tmp_path / "tokens.json").save(Tokens("not-a-token", time.time() + 3600))
    with client() as rest_client:
        sessionid, _ = rest_client.rest.session_id()
        assert sessionid
        assert rest_client.requests_sent == 2  # the 401, then the call with a new token
    saved = TokenFile(tmp_path / "tokens.json").load()
    assert saved is not None and saved.access_token != "not-a-token"


def test_without_a_grant_a_refused_token_says_what_to_do(
    tmp_path: Path, client: Callable[..., IntacctClient]
) -> None:
    TokenFile(tmp_path / "tokens.json").save(Tokens("not-a-token", time.time() + 3600))
    with (
        client(grant=False) as rest_client,
        pytest.raises(AuthenticationError) as caught,
    ):
        rest_client.rest.session_id()
    assert "intacct profiles add" in str(caught.value)


def test_queries_are_billed_and_held_to_the_budget(client: Callable[..., IntacctClient]) -> None:
    with client(budget=1) as rest_client:
        page = rest_client.rest.query("general-ledger/account", ["key", "id"], size=5)
        assert len(page.result) == 5 and page.meta["totalCount"] > 5
        assert rest_client.api_transactions == 1 and rest_client.budget_left == 0
        sent = rest_client.requests_sent
        with pytest.raises(BudgetExhaustedError):
            rest_client.rest.query("general-ledger/account", ["key"], size=5)
        assert rest_client.requests_sent == sent  # refused before sending


def test_xml_and_rest_calls_share_the_company_gateway(
    client: Callable[..., IntacctClient],
) -> None:
    with client() as both:
        both.call(fn.GetAPISession())
        both.rest.query("general-ledger/account", ["key"], size=1)
        entity = both.for_entity("")
        entity.rest.query("general-ledger/account", ["key"], size=1)
        assert both.requests_sent == entity.requests_sent == 4  # login, getAPISession, 2 queries
        assert both.api_transactions == 2


def test_no_token_or_session_id_in_the_history_or_logs(
    tmp_path: Path, client: Callable[..., IntacctClient], caplog: pytest.LogCaptureFixture
) -> None:
    history = HistoryHook()
    caplog.set_level(logging.DEBUG)
    with client(history=history) as rest_client:
        sessionid, _ = rest_client.rest.session_id()
        rest_client.rest.query("general-ledger/account", ["key"], size=1)
    saved = TokenFile(tmp_path / "tokens.json").load()
    assert saved is not None
    shown = caplog.text + "".join(e.request + e.response for e in history.exchanges)
    assert history.exchanges and "REDACTED" in shown
    for secret in (saved.access_token, sessionid, OAUTH_SECRET):
        assert secret not in shown


def test_auth_type_oauth_signs_in_both_apis_without_a_user_password(
    demo_config: dict[str, Any],
) -> None:
    values = {k: v for k, v in demo_config.items() if k != "user_password"}
    values.update(auth_type="oauth", client_id="demo_client_id", client_secret=OAUTH_SECRET)
    with IntacctClient.from_mapping(values) as oauth_client:
        result = oauth_client.query("GLACCOUNT", ["RECORDNO"], pagesize=3)
        assert len(result.records) == 3  # an XML session from the bridge, no getAPISession
        page = oauth_client.rest.query("general-ledger/account", ["key"], size=3)
        assert len(page.result) == 3
        entity = oauth_client.for_entity("")
        assert entity.query("GLACCOUNT", ["RECORDNO"], pagesize=1).records


def test_auth_type_oauth_names_what_it_lacks() -> None:
    values = {
        "sender_id": "s",
        "sender_password": "p",
        "user_id": "u",
        "company_id": "C",
        "auth_type": "oauth",
    }
    with pytest.raises(ConfigError) as caught:
        ClientConfig.from_mapping(values)
    assert caught.value.key == "client_id" and "auth_type oauth" in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        ClientConfig.from_mapping({**values, "auth_type": "session"})
    assert caught.value.key == "user_password"


def test_the_client_counts_what_the_emulator_bills(
    server: EmulatorServer, client: Callable[..., IntacctClient]
) -> None:
    def billed() -> int:
        stats = httpx.get(server.url.removesuffix(GATEWAY_PATH) + "/_emulator/stats").json()
        return int(stats.get("api_transactions.DEMO", 0))

    before = billed()
    with client() as rest_client:
        rest_client.rest.query("general-ledger/account", ["key"], size=2)
        rest_client.rest.model("general-ledger/account")
        with pytest.raises(NotFoundError):
            rest_client.rest.get("general-ledger/account", "999999999")
        with pytest.raises(ValidationError):
            rest_client.rest.query("general-ledger/account", ["no-such-field"])
        assert rest_client.api_transactions == billed() - before == 2


def test_a_create_sent_again_with_its_key_cannot_create_twice(
    client: Callable[..., IntacctClient],
) -> None:
    with client() as rest_client:
        values = {"id": "V-REST-ONCE", "name": "Once"}
        made = rest_client.rest.create("accounts-payable/vendor", values, key="k-once")
        assert made.http_status == 201 and made.result["id"] == "V-REST-ONCE"
        with pytest.raises(DuplicateError):  # the lost answer's retry: nothing written
            rest_client.rest.create("accounts-payable/vendor", values, key="k-once")
        found = rest_client.rest.query(
            "accounts-payable/vendor", ["key"], filters=[{"$eq": {"id": "V-REST-ONCE"}}]
        )
        assert len(found.result) == 1
