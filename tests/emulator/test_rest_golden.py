"""The emulator held to the golden REST requests (tests/golden/requests/rest/), the
client's: it answers each one as the golden REST answers read (tests/golden/responses/
rest/), so a request the client makes is never one the emulator cannot serve."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from intacct.protocol.rest import parse_rest
from tests.rest_golden import filled, golden_requests

from .rest_support import token

GOLDEN = golden_requests()
PAGE = json.loads(
    (Path(__file__).resolve().parents[1] / "golden/responses/rest/query-page.json").read_text()
)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_the_emulator_answers_every_golden_request(http: httpx.Client, name: str) -> None:
    values = {
        "modified": "2024-01-01T00:00:00Z",
        "key": "1",
        "idempotency-key": uuid.uuid4().hex,
    }
    request: dict[str, Any] = filled(GOLDEN[name], values)
    headers = {**token(http), **request.get("headers", {})}
    body = request["body"]
    answer = http.request(
        request["method"], request["path"], headers=headers, json=body if body else None
    )
    assert answer.status_code < 300, answer.text
    read = parse_rest(answer.content, http_status=answer.status_code)
    assert read.ok
    if request["path"].endswith("/services/core/query"):
        assert set(answer.json()) == set(PAGE)
        assert set(read.meta) == set(PAGE["ia::meta"])
        fields = set(body["fields"]) - {"audit.modifiedDateTime"}
        assert all(fields <= set(record) for record in read.result)
