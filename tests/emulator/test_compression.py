"""The emulator's answers in gzip (ISA-L's deflate where installed): a client asking for
gzip gets it for a big answer of either API and reads the very bytes a client asking
for none gets; a small answer, or a client not asking, is sent as it is."""

from __future__ import annotations

import gzip

import httpx
import pytest

from intacct.emulator.app import GATEWAY_PATH
from intacct.protocol.rest_catalog import rest_catalog

from .rest_support import QUERY


def _both(http: httpx.Client, method: str, url: str, **kwargs: object) -> tuple[bytes, bytes]:
    """The raw answer asked with gzip and without (the bodies as sent, not decoded)."""
    bodies = []
    for encoding in ("gzip", "identity"):
        request = http.build_request(method, url, **kwargs)  # type: ignore[arg-type]
        request.headers["Accept-Encoding"] = encoding
        answer = http.send(request, stream=True)
        raw = b"".join(answer.iter_raw())
        answer.close()
        assert answer.status_code == 200, raw[:300]
        sent = answer.headers.get("content-encoding")
        assert sent == ("gzip" if encoding == "gzip" else None), (encoding, sent)
        assert "accept-encoding" in answer.headers.get("vary", "").lower()
        bodies.append(raw)
    return bodies[0], bodies[1]


def test_a_big_rest_page_is_gzip_of_the_very_answer(
    http: httpx.Client, auth: dict[str, str]
) -> None:
    path = "general-ledger/journal-entry-line"
    fields = list(rest_catalog()[path].fields)[:40]  # a line list is no field to ask for
    query = {"object": path, "fields": fields, "size": 1000}
    zipped, plain = _both(http, "POST", QUERY, json=query, headers=auth)
    assert len(plain) > 100_000
    assert gzip.decompress(zipped) == plain
    assert len(zipped) < len(plain) / 4


def test_a_big_gateway_answer_is_gzip_of_the_very_answer(http: httpx.Client) -> None:
    from .conftest import envelope

    body = envelope(
        "<readByQuery><object>GLDETAIL</object><fields>*</fields><query></query>"
        "<pagesize>1000</pagesize></readByQuery>"
    )
    headers = {"Content-Type": "application/xml"}
    zipped, plain = _both(http, "POST", GATEWAY_PATH, content=body, headers=headers)
    assert b"<status>success</status>" in plain and len(plain) > 100_000
    # each answer has its own result id: compare the records
    assert _records(gzip.decompress(zipped)) == _records(plain)


def test_a_small_answer_is_sent_as_it_is(http: httpx.Client) -> None:
    request = http.build_request(
        "POST", "/ia/api/v1/oauth2/token", data={"grant_type": "client_credentials"}
    )
    request.headers["Accept-Encoding"] = "gzip"
    answer = http.send(request)
    assert answer.headers.get("content-encoding") is None  # under 1 KiB


def test_isal_compresses_where_it_is_installed() -> None:
    pytest.importorskip("isal")
    from intacct.emulator.compression import DEFLATE

    assert DEFLATE == "isal"


def _records(answer: bytes) -> bytes:
    data = answer[answer.index(b"<data") :]
    return data[data.index(b">") :]
