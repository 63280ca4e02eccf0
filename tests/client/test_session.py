"""Sessions: getAPISession once, the returned endpoint, entities, expiry, re-login."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from intacct.client import IntacctClient
from intacct.errors import AuthenticationError, InvalidSessionError, PermissionDeniedError

from .fakegw import E, FakeGateway, error, record


def _vendors(call: object) -> object:
    return E("data", record("VENDOR", RECORDNO="1", VENDORID="V1"), listtype="VENDOR", count="1")


@pytest.fixture(autouse=True)
def _handlers(gateway: FakeGateway) -> None:
    gateway.handlers["readByName"] = _vendors  # type: ignore[assignment]


def test_session_opened_once_then_used_at_returned_endpoint(
    client: IntacctClient, gateway: FakeGateway
) -> None:
    assert client.read_by_name("VENDOR", ["V1"])[0]["VENDORID"] == "V1"
    client.read_by_name("VENDOR", ["V1"])
    first, second, third = gateway.requests
    assert first.auth == "login"
    assert first.url == "https://api.intacct.com/ia/xml/xmlgw.phtml"
    assert [c.name for c in gateway.calls[:1]] == ["getAPISession"]
    assert (second.auth, second.sessionid) == ("session", "S1..")
    assert second.url == third.url == gateway.endpoint
    assert client.session is not None and client.session.endpoint == gateway.endpoint


def test_login_auth_type_sends_credentials_every_time(
    make_client: Callable[..., IntacctClient], gateway: FakeGateway
) -> None:
    client = make_client(auth_type="login")
    client.read_by_name("VENDOR", ["V1"])
    client.read_by_name("VENDOR", ["V1"])
    assert [r.auth for r in gateway.requests] == ["login", "login"]
    assert all(c.name == "readByName" for c in gateway.calls)
    assert client.session is None


def test_entity_id_opens_an_entity_session(
    make_client: Callable[..., IntacctClient], gateway: FakeGateway
) -> None:
    client = make_client(entity_id="E100")
    client.read_by_name("VENDOR", ["V1"])
    assert gateway.requests[0].locationid == "E100"
    assert client.session is not None and client.session.locationid == "E100"


def test_session_bound_to_another_entity_is_refused(
    make_client: Callable[..., IntacctClient], gateway: FakeGateway
) -> None:
    client = make_client(entity_id="E100")
    # The gateway binds the session to what getAPISession/locationid says; forge E200.
    original = gateway._result

    def wrong_entity(call, locationid):  # type: ignore[no-untyped-def]
        return original(call, "E200")

    gateway._result = wrong_entity  # type: ignore[method-assign]
    with pytest.raises(PermissionDeniedError, match="E200"):
        client.read_by_name("VENDOR", ["V1"])


def test_invalid_session_logs_in_again_and_replays(
    client: IntacctClient, gateway: FakeGateway
) -> None:
    client.read_by_name("VENDOR", ["V1"])
    gateway.sessions.clear()  # the gateway forgot every session (expiry, restart)
    assert client.read_by_name("VENDOR", ["V1"])[0]["RECORDNO"] == "1"
    auths = [(r.auth, r.sessionid) for r in gateway.requests]
    assert auths == [
        ("login", None),
        ("session", "S1.."),
        ("session", "S1.."),
        ("login", None),
        ("session", "S2.."),
    ]


def test_invalid_session_twice_raises(client: IntacctClient, gateway: FakeGateway) -> None:
    client.read_by_name("VENDOR", ["V1"])
    original = gateway._authenticate

    def always_invalid(seen):  # type: ignore[no-untyped-def]
        if seen.auth == "session":
            return False, "", error("XL03000006", f"Invalid session {seen.sessionid}")
        return original(seen)

    gateway._authenticate = always_invalid  # type: ignore[method-assign]
    with pytest.raises(InvalidSessionError):
        client.read_by_name("VENDOR", ["V1"])


def test_expiring_session_is_refreshed_before_use(
    client: IntacctClient, gateway: FakeGateway
) -> None:
    gateway.session_hours = 0.01  # 36 s: inside the refresh margin at once
    client.read_by_name("VENDOR", ["V1"])
    client.read_by_name("VENDOR", ["V1"])
    assert [c.name for c in gateway.calls].count("getAPISession") >= 2
    assert not any(r.sessionid and r.sessionid not in gateway.sessions for r in gateway.requests)


def test_sliding_timeout_is_recorded(client: IntacctClient, gateway: FakeGateway) -> None:
    base = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    gateway.now = lambda: base
    client.read_by_name("VENDOR", ["V1"])
    gateway.now = lambda: base + timedelta(hours=1)
    client.read_by_name("VENDOR", ["V1"])
    assert client.session is not None
    assert client.session.expires_at == base + timedelta(hours=9)


def test_wrong_password_is_an_authentication_error(
    make_client: Callable[..., IntacctClient],
) -> None:
    client = make_client(user_password="wrong")
    with pytest.raises(AuthenticationError) as info:
        client.read_by_name("VENDOR", ["V1"])
    assert info.value.level == "authentication"
    assert "wrong" not in str(info.value)
