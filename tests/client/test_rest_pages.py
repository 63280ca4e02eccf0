"""Keyset pages through the REST query service (:mod:`intacct.client.rest_pages`)
against the emulator, whose offset pages shift when data changes as Intacct's do:
every record once, those without a modified time in their own pass, records written
while the read runs read in their newest version, and a token after any page resuming
exactly there."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from intacct.client import IntacctClient
from intacct.client.rest_model import query_fields
from intacct.client.rest_pages import MODIFIED, RestToken, iter_rest_pages, value_at
from intacct.emulator.server import EmulatorServer
from intacct.errors import PaginationError, ResponseFormatError
from intacct.protocol import query as q

VENDOR = "accounts-payable/vendor"


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=300, seed=11) as emulator:
        yield emulator


@pytest.fixture
def client(oauth_client: Callable[..., IntacctClient]) -> Iterator[IntacctClient]:
    with oauth_client() as made:
        yield made


def xml_keys(client: IntacctClient, where: q.Filter) -> set[int]:
    rows = client.iter_query("VENDOR", ["RECORDNO"], filter=where, pagesize=2000)
    return {int(r["RECORDNO"]) for r in rows}


def read_all(client: IntacctClient, size: int, **kw: Any) -> list[dict[str, Any]]:
    pages = iter_rest_pages(client.rest, VENDOR, ["id", "name"], size=size, **kw)
    return [dict(r) for page in pages for r in page.records]


def keys(records: list[dict[str, Any]]) -> list[int]:
    return [int(r["key"]) for r in records]


def test_both_passes_read_every_record_once(client: IntacctClient) -> None:
    modified = read_all(client, 7)
    unmodified = read_all(client, 7, unmodified=True)
    assert len(set(keys(modified))) == len(modified)
    assert set(keys(modified)) == xml_keys(client, q.isnotnull("WHENMODIFIED"))
    assert set(keys(unmodified)) == xml_keys(client, q.isnull("WHENMODIFIED"))
    assert unmodified, "the seed has records without WHENMODIFIED: the pass is exercised"
    stamps = [(value_at(r, MODIFIED), int(r["key"])) for r in modified]
    assert stamps == sorted(stamps)


def test_writes_while_reading_lose_and_repeat_nothing_that_stayed(client: IntacctClient) -> None:
    before = xml_keys(client, q.isnotnull("WHENMODIFIED"))
    waiting = keys(read_all(client, 2))[-1]  # the last in (modified, key) order
    pages = iter_rest_pages(client.rest, VENDOR, ["id", "name"], size=2)
    read = [dict(r) for r in next(pages).records]
    done = int(read[0]["key"])
    client.update("VENDOR", [{"RECORDNO": done, "NAME": "changed after it was read"}])
    client.update("VENDOR", [{"RECORDNO": waiting, "NAME": "changed before it was read"}])
    created = client.create("VENDOR", [{"VENDORID": "V-NEW-KEYSET", "NAME": "new"}])
    new_key = int(created[0].records[0]["RECORDNO"])
    read += [dict(r) for page in pages for r in page.records]
    counts: dict[int, int] = {}
    for key in keys(read):
        counts[key] = counts.get(key, 0) + 1
    assert set(counts) == before | {new_key}  # nothing lost, the new one found
    assert {k for k, n in counts.items() if n > 1} == {done}  # read again: its new version
    newest = {int(r["key"]): r for r in read}  # the last version of each read
    assert newest[done]["name"] == "changed after it was read"
    assert newest[waiting]["name"] == "changed before it was read"


def test_a_token_after_any_page_resumes_exactly_there(client: IntacctClient) -> None:
    whole = keys(read_all(client, 2))
    pages = iter_rest_pages(client.rest, VENDOR, ["id"], size=2)
    head = [int(r["key"]) for _ in range(2) for r in next(pages).records]
    token = RestToken.parse(str(iter_rest_pages_token(client, 4)))
    tail = keys(read_all(client, 2, after=token))
    assert head + tail == whole and len(whole) > 4


def iter_rest_pages_token(client: IntacctClient, count: int) -> RestToken:
    """The token after the first ``count`` records (a page of that size)."""
    page = next(iter_rest_pages(client.rest, VENDOR, ["id"], size=count))
    assert page.after is not None and not page.last
    return page.after


def test_a_token_from_elsewhere_is_refused_by_name() -> None:
    with pytest.raises(PaginationError, match="not a REST page token"):
        RestToken.parse('{"RECORDNO": 3}')


def test_every_field_the_model_names_is_queryable(client: IntacctClient) -> None:
    for path in (VENDOR, "general-ledger/account", "accounts-payable/bill"):
        fields = query_fields(client.rest.model(path).result, path)
        assert "audit.modifiedDateTime" in fields and "key" in fields
        assert any("." in f and not f.startswith("audit.") for f in fields), fields
        page = next(iter_rest_pages(client.rest, path, fields, size=50))
        assert page.records and all(value_at(r, "key") for r in page.records)


def test_a_model_without_fields_is_named() -> None:
    with pytest.raises(ResponseFormatError, match="no fields for accounts-payable/vendor"):
        query_fields({"refs": {}}, VENDOR)


@pytest.mark.parametrize("columnar", [False, True])
def test_a_page_holding_every_match_is_the_last_no_empty_query_after_it(
    client: IntacctClient, columnar: bool
) -> None:
    """``ia::meta``'s totalCount says a full page holds every record its query matched:
    as XML's ``numremaining``, no query more for an empty page (a first run's range of
    exactly a page cost two API transactions before)."""
    every = read_all(client, 2000)
    sent = client.requests_sent
    pages = list(iter_rest_pages(client.rest, VENDOR, ["id"], size=len(every), columnar=columnar))
    assert client.requests_sent - sent == 1
    assert len(pages) == 1 and pages[0].last and len(pages[0].records) == len(every)
    sent = client.requests_sent
    pages = list(iter_rest_pages(client.rest, VENDOR, ["id"], size=len(every) - 1))
    assert client.requests_sent - sent == 2 and [len(p.records) for p in pages] == [
        len(every) - 1,
        1,
    ]
