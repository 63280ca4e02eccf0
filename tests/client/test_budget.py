"""A budget of API transactions: a request that would bill beyond it is not sent, also
when many are sent at once; free calls still go; the emulator's bill proves it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from intacct import IntacctClient
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.errors import BudgetExhaustedError
from intacct.protocol import functions as fn


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=200, seed=5, max_concurrency=8) as emulator:
        yield emulator


def _billed(server: EmulatorServer) -> int:
    url = server.url.replace("/ia/xml/xmlgw.phtml", "/_emulator/stats")
    return int(httpx.get(url).json().get("api_transactions.DEMO", 0))


def _client(server: EmulatorServer, budget: int, concurrency: int = 2) -> IntacctClient:
    config = {**client_config(server.url), "max_concurrency": concurrency}
    return IntacctClient.from_mapping(config, budget=budget)


def test_the_request_beyond_the_budget_is_not_sent(server: EmulatorServer) -> None:
    before = _billed(server)
    with _client(server, budget=3) as client:
        client.lookup("VENDOR")  # free: not counted, always allowed
        client.query("VENDOR", ["RECORDNO"], pagesize=1)
        assert client.budget_left == 2
        batch = [fn.Query(o, ["RECORDNO"], pagesize=1) for o in ("CLASS", "VENDOR", "CUSTOMER")]
        sent = client.requests_sent
        with pytest.raises(BudgetExhaustedError, match=r"1 of 3 spent.*costs 3") as refused:
            client.execute(batch)  # three transactions, two left: refused whole
        assert (refused.value.budget, refused.value.spent, refused.value.cost) == (3, 1, 3)
        assert client.requests_sent == sent  # nothing went out
        client.execute(batch[:2])
        assert client.budget_left == 0
        with pytest.raises(BudgetExhaustedError):
            client.query("CLASS", ["RECORDNO"], pagesize=1)
        client.lookup("CLASS")  # free calls still go
        entity = client.for_entity("")  # entity clients share the company's budget
        with pytest.raises(BudgetExhaustedError):
            entity.query("CLASS", ["RECORDNO"], pagesize=1)
    assert _billed(server) - before == 3


def test_requests_sent_at_once_never_bill_beyond_it(server: EmulatorServer) -> None:
    before = _billed(server)
    refused: list[BudgetExhaustedError] = []
    with _client(server, budget=10, concurrency=8) as client:
        client.lookup("VENDOR")  # the session, before the threads race

        def ask() -> None:
            for _ in range(4):
                try:
                    client.query("VENDOR", ["RECORDNO"], pagesize=1)
                except BudgetExhaustedError as exc:
                    refused.append(exc)

        threads = [threading.Thread(target=ask) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert client.api_transactions == 10
    assert len(refused) == 8 * 4 - 10
    assert _billed(server) - before == 10
