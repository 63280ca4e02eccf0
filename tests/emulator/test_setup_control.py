"""Each setup mistake ``intacct doctor`` diagnoses, presented through the control API of a
running emulator (as the doctor's own tests and users will), answered by the gateway with
the error our client classifies for it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from intacct.client import IntacctClient
from intacct.client.registry import ObjectRegistry
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.emulator.store import DEMO_SENDER, DEMO_USER
from intacct.errors import (
    AuthenticationError,
    GatewayError,
    IntacctError,
    PermissionDeniedError,
    SenderError,
)
from intacct.protocol import functions as fn


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=200) as emulator:
        yield emulator


def _control(server: EmulatorServer, path: str, body: dict[str, Any]) -> httpx.Response:
    base = server.url.split("/ia/")[0]
    return httpx.post(f"{base}/_emulator/{path}", json=body, timeout=30)


def _failure(server: EmulatorServer, obj: str = "CLASS", **overrides: Any) -> GatewayError:
    config = {**client_config(server.url), "timeout_s": 30, **overrides}
    with IntacctClient.from_mapping(config) as client, pytest.raises(GatewayError) as info:
        client.call(fn.ReadByQuery(obj, pagesize=1))
    return info.value


def test_web_services_not_subscribed(server: EmulatorServer) -> None:
    assert _control(server, "companies/DEMO", {"web_services": False}).status_code == 200
    assert isinstance(_failure(server), PermissionDeniedError)


def test_demo_company_expired(server: EmulatorServer) -> None:
    assert _control(server, "companies/DEMO", {"expired": True}).status_code == 200
    error = _failure(server)
    assert isinstance(error, AuthenticationError)
    assert "PL04000055" in str(error)


def test_sender_not_authorized_for_the_company(server: EmulatorServer) -> None:
    answer = _control(server, f"senders/{DEMO_SENDER[0]}", {"companies": ["DEMO-ME"]})
    assert answer.json() == {"senderid": DEMO_SENDER[0], "companies": ["DEMO-ME"]}
    assert isinstance(_failure(server), SenderError)
    config = {**client_config(server.url), "timeout_s": 30, "company_id": "DEMO-ME"}
    with IntacctClient.from_mapping(config) as client:  # still authorized there
        assert client.call(fn.ReadByQuery("CLASS", pagesize=1)).data is not None


def test_user_without_web_services_access(server: EmulatorServer) -> None:
    path = f"companies/DEMO/users/{DEMO_USER[0]}"
    assert _control(server, path, {"web_services": False}).json()["web_services"] is False
    assert isinstance(_failure(server), AuthenticationError)


def test_role_without_a_module_permission(server: EmulatorServer) -> None:
    path = f"companies/DEMO/users/{DEMO_USER[0]}"
    assert _control(server, path, {"denied_modules": ["AP"]}).json()["denied_modules"] == ["AP"]
    assert isinstance(_failure(server, obj="APBILL"), PermissionDeniedError)
    config = {**client_config(server.url), "timeout_s": 30}
    with IntacctClient.from_mapping(config) as client:
        assert client.call(fn.ReadByQuery("CLASS", pagesize=1)).data is not None


def test_wrong_company_id_and_unknown_entity_need_no_setup(server: EmulatorServer) -> None:
    assert isinstance(_failure(server, company_id="NO-SUCH-CO"), AuthenticationError)
    assert isinstance(_failure(server, company_id="DEMO-ME", entity_id="E999"), AuthenticationError)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("companies/DEMO/users/nobody", {"web_services": False}),
        (f"companies/DEMO/users/{DEMO_USER[0]}", {"web_services": "no"}),
        (f"companies/DEMO/users/{DEMO_USER[0]}", {"shoe_size": 9}),
        (f"senders/{DEMO_SENDER[0]}", {"companies": "DEMO"}),
        (f"senders/{DEMO_SENDER[0]}", {"companies": ["NOPE"]}),
        ("senders/nobody", {"companies": ["DEMO"]}),
        ("custom-fields", {"object": "NOPE", "field": {"name": "X", "type": "text"}}),
        ("custom-fields", {"object": "VENDOR", "field": {"name": "X", "type": "blob"}}),
        ("custom-fields", {"object": "VENDOR", "field": {"name": "VENDORID", "type": "text"}}),
        ("custom-fields", {"object": "VENDOR", "name": "X"}),
    ],
)
def test_bad_setup_requests_are_400_naming_the_problem(
    server: EmulatorServer, path: str, body: dict[str, Any]
) -> None:
    answer = _control(server, path, body)
    assert answer.status_code == 400
    assert answer.json()["error"]


def test_a_custom_field_added_through_the_control_api_is_a_field_of_both_apis(
    server: EmulatorServer,
) -> None:
    """``/_emulator/custom-fields``: XML's lookup lists it, custom, and a record takes a
    value (REST's side: tests/replication/test_rest_discovery.py)."""
    field = {"name": "REGION_CODE", "type": "text", "maxlength": 8, "label": "Region"}
    answer = _control(server, "custom-fields", {"object": "CLASS", "field": field})
    assert answer.status_code == 200 and answer.json() == {"CLASS": ["REGION_CODE"]}
    with IntacctClient.from_mapping({**client_config(server.url), "timeout_s": 30}) as client:
        (looked,) = [f for f in client.lookup("CLASS").fields if f.name == "REGION_CODE"]
        assert looked.custom and looked.label == "Region"
        classid = next(client.iter_query("CLASS", ["CLASSID"]))["CLASSID"]
        client.update("CLASS", [{"CLASSID": classid, "REGION_CODE": "EMEA"}])
        codes = {
            r["CLASSID"]: r["REGION_CODE"]
            for r in client.iter_query("CLASS", ["CLASSID", "REGION_CODE"])
        }
        assert codes[classid] == "EMEA"
    base = server.url.split("/ia/")[0]
    listed = httpx.get(f"{base}/_emulator/custom-fields", timeout=30).json()
    assert listed == {"CLASS": ["REGION_CODE"]}


def test_a_custom_object_added_and_removed_through_the_control_api(
    server: EmulatorServer,
) -> None:
    """``/_emulator/custom-objects``: an object added takes records; ``DELETE
    custom-objects/<name>`` removes it with them, after which the gateway knows it no
    more; an object Intacct ships, or none, cannot be removed (400 naming it)."""
    base = server.url.split("/ia/")[0]
    made = _control(server, "custom-objects", {"name": "CAMPAIGN", "label": "Campaign"})
    assert made.status_code == 200 and made.json() == ["CAMPAIGN"]
    with IntacctClient.from_mapping({**client_config(server.url), "timeout_s": 30}) as client:
        client.create("CAMPAIGN", [{"NAME": "C-1", "DESCRIPTION": "Spring"}])
        assert [r["NAME"] for r in client.iter_query("CAMPAIGN", ["NAME"])] == ["C-1"]
        for name in ("FUND", "NOPE"):
            refused = httpx.delete(f"{base}/_emulator/custom-objects/{name}", timeout=30)
            assert refused.status_code == 400 and name in refused.json()["error"]
        gone = httpx.delete(f"{base}/_emulator/custom-objects/CAMPAIGN", timeout=30)
        assert gone.status_code == 200 and gone.json() == []
        assert "CAMPAIGN" not in ObjectRegistry(client).objects()
        with pytest.raises(IntacctError):
            list(client.iter_query("CAMPAIGN", ["NAME"]))
    again = _control(server, "custom-objects", {"name": "CAMPAIGN", "label": "Campaign"})
    assert again.status_code == 200  # its name is free again, and it starts empty
    with IntacctClient.from_mapping({**client_config(server.url), "timeout_s": 30}) as client:
        assert list(client.iter_query("CAMPAIGN", ["NAME"])) == []
    httpx.delete(f"{base}/_emulator/custom-objects/CAMPAIGN", timeout=30)
