"""The client counts API transactions by the rule the emulator bills by
(intacct.protocol.billing): the two agree call for call, retries and failures included."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from intacct import IntacctClient
from intacct.client.retry import ExponentialBackoff, RetryPolicy
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.errors import WriteError


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=300, seed=4) as emulator:
        yield emulator


def _control(server: EmulatorServer, path: str) -> str:
    return server.url.replace("/ia/xml/xmlgw.phtml", f"/_emulator/{path}")


def _billed(server: EmulatorServer) -> int:
    return int(httpx.get(_control(server, "stats")).json().get("api_transactions.DEMO", 0))


def _client(server: EmulatorServer) -> IntacctClient:
    retry = RetryPolicy(sleep=lambda s: None, backoff=ExponentialBackoff(random=lambda: 0.0))
    return IntacctClient.from_mapping(client_config(server.url), retry=retry)


def test_the_client_counts_what_the_emulator_bills(server: EmulatorServer) -> None:
    before = _billed(server)
    with _client(server) as client:
        client.lookup("CLASS")  # a session and metadata: free
        client.user_formatting()
        assert client.api_transactions == 0
        rows = list(client.iter_read_by_query("CLASS", pagesize=4))  # readByQuery + readMore
        assert len(rows) > 4
        client.query("VENDOR", ["RECORDNO"], pagesize=1)
        created = client.create("CLASS", [{"CLASSID": f"BILLED-{n}", "NAME": "b"} for n in (1, 2)])
        keys = [r.records[0]["RECORDNO"] for r in created]
        with pytest.raises(WriteError):
            client.create("CLASS", [{"NAME": "no id"}])  # failed, still counted
        client.delete("CLASS", keys)
        httpx.post(_control(server, "faults"), content=b"status=429,times=1,function=query")
        client.query("VENDOR", ["RECORDNO"], pagesize=1)  # throttled once: billed once
        pages = -(-len(rows) // 4)
        assert client.api_transactions == pages + 1 + 2 + 1 + 2 + 1
        assert _billed(server) - before == client.api_transactions


def test_a_meter_counts_one_threads_calls(server: EmulatorServer) -> None:
    with _client(server) as client:
        other = client.for_entity("")
        done = threading.Event()

        def elsewhere() -> None:
            other.query("CLASS", ["RECORDNO"], pagesize=1)
            done.set()

        with client.meter() as meter:
            client.query("CLASS", ["RECORDNO"], pagesize=1)
            thread = threading.Thread(target=elsewhere)
            thread.start()
            thread.join()
            client.lookup("VENDOR")
        assert done.is_set()
        assert meter.transactions == 1
        assert client.api_transactions == 2
