"""Answers the client did not ask for end in a typed error, never an IndexError."""

from __future__ import annotations

import pytest

from intacct.client import IntacctClient
from intacct.errors import GatewayError, ResponseFormatError
from intacct.protocol import functions as fn

from ..shared_fixtures import shared_fixtures_dir
from .fakegw import FakeGateway, once, xml_response

ACK = shared_fixtures_dir() / "response-offline-acknowledgement.xml"


@pytest.fixture
def acknowledgement() -> str:
    if not ACK.is_file():
        pytest.skip(f"needs the shared gateway samples ({ACK} not found)")
    return ACK.read_text()


def test_acknowledgement_without_results_on_a_call(
    client: IntacctClient, gateway: FakeGateway, acknowledgement: str
) -> None:
    client.sign_in()
    gateway.faults.append(once(xml_response(acknowledgement)))
    with pytest.raises(GatewayError, match=r"offline .*no results"):
        client.call(fn.ReadByName("VENDOR", ["V1"]))


def test_acknowledgement_without_results_at_sign_in(
    client: IntacctClient, gateway: FakeGateway, acknowledgement: str
) -> None:
    gateway.faults.append(once(xml_response(acknowledgement)))
    with pytest.raises(GatewayError, match=r"offline .*no results"):
        client.sign_in()


def test_fewer_results_than_functions(client: IntacctClient, gateway: FakeGateway) -> None:
    client.sign_in()
    body = (
        "<response><control><status>success</status></control><operation><authentication>"
        "<status>success</status></authentication><result><status>success</status>"
        "<function>read</function><controlid>a</controlid></result></operation></response>"
    )
    for _ in range(4):
        gateway.faults.append(once(xml_response(body)))
    with pytest.raises(ResponseFormatError, match="expected 2 results, got 1"):
        client.execute([fn.Read("VENDOR", [1]), fn.Read("VENDOR", [2])])
