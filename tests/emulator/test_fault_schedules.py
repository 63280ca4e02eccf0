"""Fault schedules: rules that match a company, an object, a window of time and a
chance, reproducible from the emulator's seed; a connection reset mid-body; an expired
readMore resultId."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from intacct import IntacctClient
from intacct.client.retry import ExponentialBackoff, RetryPolicy
from intacct.emulator.demo import client_config
from intacct.emulator.faults import FaultRule, Faults
from intacct.emulator.inprocess import InProcessEmulator
from intacct.emulator.server import EmulatorServer
from intacct.errors import NotFoundError, TransportError


def _fired(rules: list[bool]) -> str:
    return "".join("x" if hit else "." for hit in rules)


def test_a_chance_replays_the_same_decisions_from_the_same_seed() -> None:
    def schedule(seed: int) -> str:
        faults = Faults(["status=503,p=0.3"], seed=seed)
        return _fired([faults.match(["query"]) is not None for _ in range(200)])

    first = schedule(4)
    assert first == schedule(4)
    assert first != schedule(5)
    assert 40 <= first.count("x") <= 80  # about 30 in 100


def test_rules_match_company_object_and_window() -> None:
    faults = Faults(["status=503,company=DEMO-ME,object=glentry"])
    assert faults.match(["query"], ["GLENTRY"], "DEMO") is None
    assert faults.match(["query"], ["VENDOR"], "DEMO-ME") is None
    assert faults.match(["query"], ["VENDOR", "GLENTRY"], "demo-me") is not None
    rule = FaultRule.parse("status=503,from_s=0.2,until_s=0.4")
    assert not rule.fires(["query"])  # too early
    time.sleep(0.25)
    assert rule.fires(["query"])
    time.sleep(0.2)
    assert not rule.fires(["query"])  # the window has closed


@pytest.mark.parametrize(
    ("spec", "said"),
    [
        ("status=503,p=1.5", "p is a chance from 0 to 1"),
        ("status=503,from_s=soon", "from_s must be a number >= 0"),
        ("body=broken", "body must be html, empty, truncated, xml, reset"),
        ("company=DEMO", "does nothing"),
    ],
)
def test_bad_schedules_name_the_part(spec: str, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        FaultRule.parse(spec)


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=300, seed=3) as emulator:
        yield emulator


def _client(url: str, attempts: int = 4, **transport: object) -> IntacctClient:
    retry = RetryPolicy(
        max_attempts=attempts, sleep=lambda s: None, backoff=ExponentialBackoff(random=lambda: 0)
    )
    return IntacctClient.from_mapping(client_config(url), retry=retry, **transport)  # type: ignore[arg-type]


def _fault(server: EmulatorServer, spec: str) -> None:
    url = server.url.replace("/ia/xml/xmlgw.phtml", "/_emulator/faults")
    answer = httpx.post(url, content=spec.encode())
    assert answer.status_code == 200, answer.text


def test_a_reset_mid_body_is_a_dropped_connection_retried(server: EmulatorServer) -> None:
    _fault(server, "body=reset,function=query,object=VENDOR,times=2")
    try:
        with _client(server.url) as client:
            rows = client.query("VENDOR", ["RECORDNO"], pagesize=3).records
            assert len(rows) == 3 and client.requests_sent >= 3  # two resets, then read
        with _client(server.url, attempts=1) as client:
            _fault(server, "body=reset,function=query,times=1")
            with pytest.raises(TransportError, match="peer closed connection"):
                client.query("CLASS", ["RECORDNO"], pagesize=1)
    finally:
        httpx.delete(server.url.replace("/ia/xml/xmlgw.phtml", "/_emulator/faults"))


def test_the_in_process_transport_resets_the_same_way() -> None:
    emulator = InProcessEmulator(scale=100, seed=1, faults=["body=reset,function=query,times=1"])
    with _client(emulator.url, attempts=1, http_transport=emulator.transport()) as client:
        with pytest.raises(TransportError, match="peer closed connection"):
            client.query("VENDOR", ["RECORDNO"], pagesize=1)
        assert client.query("VENDOR", ["RECORDNO"], pagesize=1).records


def test_an_expired_result_id_is_the_gateways_error(server: EmulatorServer) -> None:
    _fault(server, "expire_cursor=1,function=readMore,times=1")
    try:
        with (
            _client(server.url) as client,
            pytest.raises(NotFoundError, match="invalid or expired resultId"),
        ):
            list(client.iter_read_by_query("VENDOR", pagesize=5))
    finally:
        httpx.delete(server.url.replace("/ia/xml/xmlgw.phtml", "/_emulator/faults"))
