"""Retries: what is retried, what never is (ambiguous writes), and how long we wait."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from intacct.client import IntacctClient, is_applied
from intacct.client.retry import Attempt, ExponentialBackoff, RetryPolicy
from intacct.errors import (
    AmbiguousWriteError,
    ConnectError,
    RequestTimeoutError,
    ResponseFormatError,
    ResponseTooLargeError,
    ThrottledError,
    TransportError,
    UnavailableError,
)
from intacct.protocol import functions as fn

from .conftest import Sleeps
from .fakegw import E, FakeGateway, once, raise_once, record, xml_response

CDN_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
    '<div id="cf-error-details">Cloudflare Ray ID: 7a1</div></body></html>'
)
TRY_LATER = """<?xml version="1.0" encoding="UTF-8"?>
<response><control><status>success</status><senderid>sender</senderid>
<controlid>c</controlid><uniqueid>false</uniqueid><dtdversion>3.0</dtdversion></control>
<operation><authentication><status>success</status><userid>user</userid>
<companyid>COMPANY</companyid></authentication>
<result><status>failure</status><function>readByName</function><controlid>x</controlid>
<errormessage><error><errorno>XL03000011</errorno><description></description>
<description2>The Service is temporarily off-line. Please try again later.</description2>
<correction></correction></error></errormessage></result></operation></response>"""


def _vendor(call: object) -> object:
    return E("data", record("VENDOR", RECORDNO="1"), listtype="VENDOR", count="1")


def _created(call: object) -> object:
    return E("data", record("vendor", RECORDNO="9", VENDORID="V9"), listtype="objects", count="1")


@pytest.fixture(autouse=True)
def _handlers(gateway: FakeGateway) -> None:
    gateway.handlers.update(readByName=_vendor, create=_created)  # type: ignore[arg-type]


@pytest.fixture
def warm(client: IntacctClient, gateway: FakeGateway) -> IntacctClient:
    """A client whose session is already open, so faults hit the call under test."""
    client.read_by_name("VENDOR", ["V1"])
    gateway.requests.clear()
    gateway.calls.clear()
    return client


def _create(client: IntacctClient) -> None:
    client.create("VENDOR", [{"VENDORID": "V9", "NAME": "Nine"}])


@pytest.mark.parametrize(
    "fault",
    [
        once(httpx.Response(503, text="Service Unavailable")),
        once(httpx.Response(502, text=CDN_PAGE, headers={"Content-Type": "text/html"})),
        once(httpx.Response(500)),
        once(xml_response(TRY_LATER)),
        raise_once(httpx.ConnectError("refused")),
        raise_once(httpx.ReadTimeout("slow")),
        raise_once(httpx.RemoteProtocolError("peer closed")),
        once(httpx.Response(524, text="<html>A timeout occurred</html>")),
    ],
    ids=[
        "503",
        "cdn-502",
        "500-empty",
        "try-again-later",
        "connect",
        "read-timeout",
        "disconnect",
        "524",
    ],
)
def test_reads_are_retried(
    warm: IntacctClient,
    gateway: FakeGateway,
    sleeps: Sleeps,
    fault: Callable[[httpx.Request], httpx.Response],
) -> None:
    gateway.faults.append(fault)
    assert warm.read_by_name("VENDOR", ["V1"])[0]["RECORDNO"] == "1"
    assert sleeps == [0.25]  # base 0.5 * 2**0 * random 0.5


@pytest.mark.parametrize(
    ("fault", "cause"),
    [
        (once(httpx.Response(524, text="<html>A timeout occurred</html>")), ResponseFormatError),
        (raise_once(httpx.ReadTimeout("slow")), RequestTimeoutError),
        (raise_once(httpx.RemoteProtocolError("peer closed")), TransportError),
        (once(httpx.Response(200, text="<response><control><status>succ")), ResponseFormatError),
    ],
    ids=["524", "read-timeout", "disconnect", "truncated-200"],
)
def test_plain_writes_are_not_retried_after_an_ambiguous_failure(
    make_client: Callable[..., IntacctClient],
    gateway: FakeGateway,
    sleeps: Sleeps,
    fault: Callable[[httpx.Request], httpx.Response],
    cause: type[Exception],
) -> None:
    client = make_client(idempotent_writes=False)
    client.read_by_name("VENDOR", ["V1"])
    gateway.faults.append(fault)
    with pytest.raises(AmbiguousWriteError, match="may have been applied") as info:
        _create(client)
    assert isinstance(info.value.__cause__, cause)
    assert sleeps == []
    assert [c.name for c in gateway.calls].count("create") == 0


def test_idempotent_write_that_never_gets_an_answer_says_it_may_have_applied(
    warm: IntacctClient, gateway: FakeGateway, sleeps: Sleeps
) -> None:
    for _ in range(4):
        gateway.faults.append(raise_once(httpx.ReadTimeout("slow")))
    with pytest.raises(AmbiguousWriteError, match="may have been applied"):
        _create(warm)
    assert len(sleeps) == 3  # retried (uniqueid makes that safe), then given up


@pytest.mark.parametrize("status", [404, 405, 501])
def test_permanent_http_statuses_are_not_retried(
    warm: IntacctClient, gateway: FakeGateway, sleeps: Sleeps, status: int
) -> None:
    gateway.faults.append(once(httpx.Response(status, text="<html>Not here</html>")))
    with pytest.raises(ResponseFormatError) as info:
        warm.read_by_name("VENDOR", ["V1"])
    assert str(info.value).startswith(f"HTTP {status}: ")  # the status leads the message
    assert sleeps == []


def test_every_retry_is_logged_with_attempt_cause_and_delay(
    warm: IntacctClient, gateway: FakeGateway, caplog: pytest.LogCaptureFixture
) -> None:
    gateway.faults.append(once(httpx.Response(503, text="Service Unavailable")))
    with caplog.at_level("WARNING", logger="intacct.retry"):
        warm.read_by_name("VENDOR", ["V1"])
    (line,) = [r.getMessage() for r in caplog.records if r.name == "intacct.retry"]
    assert "readByName" in line and "attempt 1 of 4" in line
    assert "ResponseFormatError: HTTP 503" in line and "retrying in 0.25 s" in line


def test_throttled_function_failures_are_returned_after_retries_run_out(
    warm: IntacctClient, gateway: FakeGateway, sleeps: Sleeps
) -> None:
    for _ in range(4):
        gateway.faults.append(once(xml_response(TRY_LATER)))
    (result,) = warm.execute([fn.ReadByName("VENDOR", ["V1"])])  # returned, as documented
    assert not result.ok and isinstance(result.error, UnavailableError)
    assert len(sleeps) == 3


@pytest.mark.parametrize(
    ("fault", "waits"),
    [
        (raise_once(httpx.ConnectError("refused")), 1),
        # a throttle: the retry's pause, then the pacer's wait for the pause it set (the
        # policy's sleep is the pacer's too, and takes no time here)
        (once(httpx.Response(429, text="<html>rate limited</html>", headers={"Retry-After": "2"})),
         2),
        (once(httpx.Response(503, text="Service Unavailable")), 1),
    ],
    ids=["connect", "429", "503"],
)  # fmt: skip
def test_plain_writes_are_retried_when_nothing_can_have_applied(
    make_client: Callable[..., IntacctClient],
    gateway: FakeGateway,
    sleeps: Sleeps,
    fault: Callable[[httpx.Request], httpx.Response],
    waits: int,
) -> None:
    client = make_client(idempotent_writes=False)
    client.read_by_name("VENDOR", ["V1"])
    gateway.faults.append(fault)
    _create(client)
    assert [c.name for c in gateway.calls].count("create") == 1
    assert len(sleeps) == waits


def test_idempotent_write_is_retried_after_524_and_applied_once(
    warm: IntacctClient, gateway: FakeGateway, sleeps: Sleeps
) -> None:
    def applied_then_cut(request: httpx.Request) -> httpx.Response:
        gateway.handle(request)  # the gateway processes the write ...
        return httpx.Response(524, text="<html>A timeout occurred</html>")  # ... CDN cuts

    gateway.faults.append(applied_then_cut)
    (result,) = warm.create("VENDOR", [{"VENDORID": "V9", "NAME": "Nine"}])
    creates = [c for c in gateway.calls if c.name == "create"]
    assert len(creates) == 2 and creates[0].controlid == creates[1].controlid
    assert all(c.request.uniqueid == "true" for c in creates)
    assert not result.ok and is_applied(result)  # refused as a replay: applied once
    assert len(sleeps) == 1


def test_throttle_honours_retry_after(
    warm: IntacctClient, gateway: FakeGateway, sleeps: Sleeps
) -> None:
    # 2 s: neither the backoff's 0.25 s nor the pacer's 1 s pause without a hint
    gateway.faults.append(once(httpx.Response(429, text="slow down", headers={"Retry-After": "2"})))
    warm.read_by_name("VENDOR", ["V1"])
    # the retry's pause; then the pacer (which waits with the policy's sleep) holds the
    # retry until the hint's pause is over: all of it but the instant this sleep took
    assert sleeps[0] == 2.0
    assert len(sleeps) == 2 and 1.0 < sleeps[1] <= 2.0


def test_gw0010_in_xml_is_throttled(warm: IntacctClient, gateway: FakeGateway) -> None:
    body = (
        "<response><control><status>failure</status></control><errormessage><error>"
        "<errorno>GW-0010</errorno><description>Rate limit exceeded</description>"
        "</error></errormessage></response>"
    )
    for _ in range(4):
        gateway.faults.append(once(xml_response(body, 429)))
    with pytest.raises(ThrottledError) as info:
        warm.read_by_name("VENDOR", ["V1"])
    assert info.value.http_status == 429 and info.value.errorno == "GW-0010"


def test_gives_up_after_max_attempts(
    warm: IntacctClient, gateway: FakeGateway, sleeps: Sleeps
) -> None:
    for _ in range(10):
        gateway.faults.append(once(httpx.Response(503, text="down")))
    with pytest.raises(ResponseFormatError) as info:
        warm.read_by_name("VENDOR", ["V1"])
    assert info.value.http_status == 503 and "down" in str(info.value)
    assert sleeps == [0.25, 0.5, 1.0]  # 4 attempts, capped exponential, jitter 0.5
    assert len(gateway.faults) == 6


def test_unavailable_in_xml_body_is_classified(warm: IntacctClient, gateway: FakeGateway) -> None:
    for _ in range(4):
        gateway.faults.append(once(xml_response(TRY_LATER)))
    with pytest.raises(UnavailableError, match="try again later"):
        warm.read_by_name("VENDOR", ["V1"])


def test_connect_error_message_has_no_secret(warm: IntacctClient, gateway: FakeGateway) -> None:
    for _ in range(4):
        gateway.faults.append(raise_once(httpx.ConnectError("refused")))
    with pytest.raises(ConnectError) as info:
        warm.read_by_name("VENDOR", ["V1"])
    assert "secret" not in str(info.value)


def test_backoff_is_capped_and_jittered() -> None:
    backoff = ExponentialBackoff(base=1, cap=5, random=lambda: 1.0)
    delays = [
        backoff.delay(Attempt(n, UnavailableError([], level="http"), True)) for n in range(1, 7)
    ]
    assert delays == [1, 2, 4, 5, 5, 5]
    assert (
        ExponentialBackoff(random=lambda: 0.0).delay(
            Attempt(3, UnavailableError([], level="http"), True)
        )
        == 0
    )


def test_policy_stops_on_non_retryable() -> None:
    calls: list[int] = []

    def boom() -> None:
        calls.append(1)
        raise RequestTimeoutError("slow")

    policy = RetryPolicy(max_attempts=5, sleep=lambda s: None)
    with pytest.raises(RequestTimeoutError):
        policy.call(boom, idempotent=False)
    assert calls == [1]
    calls.clear()
    with pytest.raises(RequestTimeoutError):
        policy.call(boom, idempotent=True)
    assert calls == [1] * 5


def test_an_answer_over_the_size_cap_is_not_fetched_again(
    make_client: Callable[..., IntacctClient], gateway: FakeGateway, sleeps: Sleeps
) -> None:
    client = make_client(max_response_bytes=2_000)
    client.sign_in()
    gateway.faults.append(once(xml_response("<response>" + "x" * 5_000 + "</response>")))
    with pytest.raises(ResponseTooLargeError, match="exceeded 2,000 bytes"):
        client.read_by_name("VENDOR", ["V1"])
    assert sleeps == []
