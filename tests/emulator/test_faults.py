"""Injected faults, driven through the control API, met by our client's retries."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from intacct import IntacctClient, is_applied
from intacct.client.retry import ExponentialBackoff, RetryPolicy
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.errors import (
    AmbiguousWriteError,
    ResponseFormatError,
    ThrottledError,
    UnavailableError,
)

from .conftest import envelope

Connect = Callable[..., IntacctClient]


def control(server: EmulatorServer, path: str) -> str:
    return server.url.replace("/ia/xml/xmlgw.phtml", f"/_emulator/{path}")


@pytest.fixture
def faults(server: EmulatorServer) -> Iterator[Callable[[str], None]]:
    def add(spec: str) -> None:
        answer = httpx.post(control(server, "faults"), content=spec.encode())
        assert answer.status_code == 200, answer.text

    yield add
    httpx.delete(control(server, "faults"))


@pytest.fixture
def quick(server: EmulatorServer) -> Iterator[Callable[..., IntacctClient]]:
    """Clients whose retries do not sleep."""
    clients: list[IntacctClient] = []

    def make(**overrides: object) -> IntacctClient:
        retry = RetryPolicy(
            max_attempts=4, sleep=lambda s: None, backoff=ExponentialBackoff(random=lambda: 0.0)
        )
        client = IntacctClient.from_mapping({**_config(server), **overrides}, retry=retry)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.mark.parametrize(
    "spec",
    [
        "status=503,times=2",
        "status=502,body=html,times=1",
        "status=500,body=empty,times=1",
        "status=503,body=xml,times=1",
        "status=429,times=2",
        "errorno=XL03000011,times=1",
        "body=truncated,times=1",
    ],
)
def test_reads_survive_transient_faults(
    quick: Callable[..., IntacctClient], faults: Callable[[str], None], spec: str
) -> None:
    client = quick()
    client.read_by_name("CLASS", ["NOPE"])  # session first, so faults hit the read
    faults(f"{spec},function=readByQuery")
    rows = list(client.iter_read_by_query("CLASS", pagesize=5))
    assert rows


def test_persistent_throttling_surfaces(
    quick: Callable[..., IntacctClient], faults: Callable[[str], None]
) -> None:
    client = quick()
    faults("status=429,function=getDimensions")
    with pytest.raises(ThrottledError) as info:
        client.get_dimensions()
    assert info.value.http_status == 429 and info.value.retry_after == 1.0


def test_try_again_later_surfaces_as_unavailable(
    quick: Callable[..., IntacctClient], faults: Callable[[str], None]
) -> None:
    client = quick()
    faults("errorno=XL03000011,function=getDimensions")
    with pytest.raises(UnavailableError, match="try again later"):
        client.get_dimensions()


def test_524_after_a_create_is_not_replayed_without_idempotency(
    connect: Connect, faults: Callable[[str], None], server: EmulatorServer
) -> None:
    plain = IntacctClient.from_mapping(
        {**_config(server)},
        idempotent_writes=False,
        retry=RetryPolicy(max_attempts=4, sleep=lambda s: None),
    )
    faults("status=524,function=create,times=1")
    with pytest.raises(AmbiguousWriteError, match="may have been applied") as info:
        plain.create("CLASS", [{"CLASSID": "F-524", "NAME": "once"}])
    assert isinstance(info.value.__cause__, ResponseFormatError)
    plain.close()
    client = connect()
    assert len(client.read_by_name("CLASS", ["F-524"])) == 1  # applied once, not twice


def test_524_with_idempotent_writes_retries_safely(
    quick: Callable[..., IntacctClient], faults: Callable[[str], None]
) -> None:
    client = quick()
    client.read_by_name("CLASS", ["NOPE"])
    faults("status=524,function=create,times=1")
    (result,) = client.create("CLASS", [{"CLASSID": "F-524B", "NAME": "once"}])
    assert is_applied(result)
    assert len(client.read_by_name("CLASS", ["F-524B"])) == 1


def test_expired_sessions_are_renewed(
    quick: Callable[..., IntacctClient], faults: Callable[[str], None]
) -> None:
    client = quick()
    client.get_dimensions()
    first = client.session
    faults("expire_sessions=1,times=1,function=getDimensions")
    assert client.get_dimensions()
    assert client.session is not None and first is not None
    assert client.session.sessionid != first.sessionid


def test_max_concurrency_throttles() -> None:
    with EmulatorServer(
        port=0,
        scale=0,
        max_concurrency=1,
        latency_ms=0,
        faults=["delay_ms=400,function=inspect,times=1"],
    ) as limited:
        slow = threading.Thread(
            target=lambda: httpx.post(
                limited.url,
                content=_envelope("<inspect><object>*</object></inspect>"),
                headers={"Content-Type": "application/xml"},
                timeout=10,
            )
        )
        slow.start()
        time.sleep(0.15)
        busy = httpx.post(
            limited.url,
            content=_envelope("<getDimensions/>"),
            headers={"Content-Type": "application/xml"},
            timeout=10,
        )
        slow.join()
        assert busy.status_code == 429 and busy.headers["retry-after"] == "1"
        assert b"GW-0010" in busy.content


def test_bad_fault_spec_is_refused(server: EmulatorServer) -> None:
    answer = httpx.post(control(server, "faults"), content=b"statuz=500")
    assert answer.status_code == 400 and "statuz" in answer.json()["error"]


def _config(server: EmulatorServer) -> dict[str, str]:
    return client_config(server.url)


def _envelope(body: str) -> bytes:
    return envelope(body)
