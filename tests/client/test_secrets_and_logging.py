"""No secret reaches logs, exceptions or history; the history hook keeps N exchanges."""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

from intacct.client import IntacctClient
from intacct.errors import AuthenticationError, IntacctError, ResponseFormatError
from intacct.logging import HistoryHook, RedactingFormatter

from .fakegw import USER, E, FakeGateway, once, record

SECRETS = ("sender-secret-pw", "user-secret-pw")


def _vendor(call: object) -> object:
    return E(
        "data",
        record("VENDOR", RECORDNO="1", TAXID="12-3456789", ACHACCOUNTNUMBER="99988877"),
        listtype="VENDOR",
        count="1",
    )


@pytest.fixture(autouse=True)
def _handlers(gateway: FakeGateway) -> None:
    gateway.handlers["readByName"] = _vendor  # type: ignore[assignment]


def test_history_is_redacted_and_bounded(make_client: Callable[..., IntacctClient]) -> None:
    history = HistoryHook(size=2)
    client = make_client(history=history)
    for _ in range(3):
        client.read_by_name("VENDOR", ["V1"])
    assert len(history.exchanges) == 2
    everything = "".join(x.request + x.response for x in history.exchanges)
    for secret in (*SECRETS, "12-3456789", "99988877"):
        assert secret not in everything
    assert "<sessionid>REDACTED</sessionid>" in everything
    assert "S1.." not in everything  # session ids are secrets too


def test_debug_logs_and_errors_carry_no_secret(
    make_client: Callable[..., IntacctClient],
    gateway: FakeGateway,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="intacct")
    client = make_client()
    client.read_by_name("VENDOR", ["V1"])
    echo = (
        "<response><control><status>success</status></control><operation>"
        f"<authentication><status>failure</status><userid>{USER[0]}</userid>"
        "<companyid>C</companyid></authentication><errormessage><error>"
        "<errorno>XL03000006</errorno><description2>Sign-in information is incorrect"
        "</description2></error></errormessage></operation></response>"
    )
    gateway.faults.append(once(httpx.Response(200, text=echo)))
    with pytest.raises(AuthenticationError) as info:
        client.read_by_name("VENDOR", ["V1"])
    text = caplog.text + str(info.value) + repr(client) + repr(client.config) + repr(client.session)
    for secret in (*SECRETS, "S1.."):
        assert secret not in text


def test_non_xml_answer_is_a_transport_error_with_redacted_excerpt(
    client: IntacctClient, gateway: FakeGateway
) -> None:
    client.read_by_name("VENDOR", ["V1"])
    truncated = (
        "<response><control><status>success</status></control><operation>"
        "<authentication><sessionid>S1..</sessionid><password>user-secret-pw"
    )
    for _ in range(4):
        gateway.faults.append(once(httpx.Response(200, text=truncated)))
    with pytest.raises(ResponseFormatError) as info:
        client.read_by_name("VENDOR", ["V1"])
    assert info.value.http_status == 200
    assert info.value.excerpt and "<control>" in info.value.excerpt
    assert "user-secret-pw" not in str(info.value) and "S1.." not in str(info.value)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, ""),
        (502, "<html><body>Bad gateway</body></html>"),
        (200, '{"error": "json?"}'),
    ],
)
def test_bodies_that_are_not_xml(
    client: IntacctClient, gateway: FakeGateway, status: int, body: str
) -> None:
    client.read_by_name("VENDOR", ["V1"])
    for _ in range(4):
        gateway.faults.append(once(httpx.Response(status, text=body)))
    with pytest.raises(ResponseFormatError) as info:
        client.read_by_name("VENDOR", ["V1"])
    assert info.value.http_status == status
    assert isinstance(info.value, IntacctError)


def test_redacting_formatter() -> None:
    formatter = RedactingFormatter("%(message)s", secrets=("hunter2",))
    record_ = logging.LogRecord(
        "intacct",
        logging.INFO,
        __file__,
        1,
        "sent %s with %s",
        ("<password>abc</password>", "hunter2"),
        None,
    )
    line = formatter.format(record_)
    assert "abc" not in line and "hunter2" not in line
    assert line == "sent <password>REDACTED</password> with REDACTED"
