"""The REST client held to the golden REST requests (tests/golden/requests/rest/): what
it sends for a keyset read, the pass without modified times, a create and a model is
recorded on the wire, against the emulator, and must be those requests exactly; so are
a batch create and a batch update (the target's REST writes)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from intacct.client import IntacctClient
from intacct.client.rest_pages import KEY, MODIFIED, iter_rest_pages, value_at
from intacct.client.rest_writes import send_batch
from intacct.emulator.server import EmulatorServer
from tests.rest_golden import filled, golden_requests

VENDOR = "accounts-payable/vendor"
CLASS = "company-config/class"


class Recording(httpx.BaseTransport):
    """The real transport, each REST call (not the token's) recorded as sent."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.calls: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/oauth2/token"):
            request.read()
            self.calls.append(request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=300, seed=11) as emulator:
        yield emulator


def test_the_client_sends_exactly_the_golden_requests(
    oauth_client: Callable[..., IntacctClient],
) -> None:
    wire = Recording()
    with oauth_client(http_transport=wire) as client:
        pages = iter_rest_pages(client.rest, VENDOR, ["id", "name"], size=2)
        first = next(pages)
        next(pages)
        next(iter_rest_pages(client.rest, VENDOR, ["id", "name"], size=2, unmodified=True))
        client.rest.create(VENDOR, {"id": "V-GOLDEN", "name": "Golden vendor"}, key="k-golden")
        client.rest.model(VENDOR)
        classes = [
            {"id": "CLS-GOLDEN-1", "name": "Golden class 1"},
            {"id": "CLS-GOLDEN-2", "name": "Golden class 2", "status": "inactive"},
        ]
        made = send_batch(client.rest, CLASS, "create", classes, key="k-batch")
        update = [{"key": made[0].key, "description": "Golden update"}]
        assert [r.error for r in send_batch(client.rest, CLASS, "update", update, key="k-2")] == [
            None
        ]
    last = first.records[-1]
    values = {
        "modified": str(value_at(last, MODIFIED)),
        "key": str(value_at(last, KEY)),
        "idempotency-key": "k-golden",
    }
    batches = {
        "batch-create-class": {**values, "idempotency-key": "k-batch"},
        "batch-update-class": {**values, "key": str(made[0].key), "idempotency-key": "k-2"},
    }
    golden = golden_requests()
    order = ["query-keyset-first", "query-keyset-after", "query-unmodified"]
    order += ["create-vendor", "model-vendor", "batch-create-class", "batch-update-class"]
    assert len(wire.calls) == len(order) and set(order) == set(golden)
    for name, sent in zip(order, wire.calls, strict=True):
        expected: dict[str, Any] = filled(golden[name], batches.get(name, values))
        assert sent.method == expected["method"], name
        assert sent.url.raw_path.decode() == expected["path"], name
        body = json.loads(sent.content) if sent.content else None
        assert body == expected["body"], name
        for header, value in expected.get("headers", {}).items():
            assert sent.headers[header] == value, name
