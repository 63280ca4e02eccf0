"""Where the emulator's REST answers put a transaction definition's documents and
lines, as the portal's lists show them (``GET /objects/order-entry/document``: each at
``document::<definition>/<key>``, its id ``<definition>-<number>``), and the demo
company's documents they list: of its real definitions, numbered in them, adding up.
Read only: a module of its own, so no other test's writes are among the records."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import httpx
import pytest

from .rest_support import OBJECTS, document_href, every, ok, xml_rows
from .test_rest_documents import TWINS


@pytest.mark.parametrize(("module", "header", "line"), TWINS)
def test_the_lists_put_documents_and_lines_at_their_definition(
    http: httpx.Client, auth: dict[str, str], module: str, header: str, line: str
) -> None:
    """``GET /objects/<module>/document`` answers each document at its definition's path
    with the id ``<definition>-<number>`` (portal: ``Sales Order-SO0023`` at
    ``/objects/order-entry/document::Sales%20Order/442``), a line at its header's
    definition's (``document-line::Sales%20Invoice/19``, its id its key); the query
    service answers the same hrefs, and each href, as the generic path, gets the
    record."""
    headers = {r["RECORDNO"]: r for r in xml_rows(http, header, "RECORDNO,DOCPARID,DOCNO")}
    lines = {r["RECORDNO"]: r["DOCHDRNO"] for r in xml_rows(http, line, "RECORDNO,DOCHDRNO")}
    listed = ok(http.get(f"{OBJECTS}/{module}/document", headers=auth))["ia::result"]
    assert {r["key"] for r in listed} == set(headers)
    for ref in listed:
        row = headers[ref["key"]]
        assert ref["id"] == f"{row['DOCPARID']}-{row['DOCNO']}"
        assert ref["href"] == document_href(module, "document", row["DOCPARID"], ref["key"])
    owned = ok(http.get(f"{OBJECTS}/{module}/document-line", headers=auth))["ia::result"]
    assert {r["key"] for r in owned} == set(lines)
    for ref in owned:
        name = headers[lines[ref["key"]]]["DOCPARID"]
        assert ref["id"] == ref["key"]  # the portal's line list: "key": "19", "id": "19"
        assert ref["href"] == document_href(module, "document-line", name, ref["key"])
    queried = every(http, auth, f"{module}/document", ["key", "href"])
    assert {r["key"]: r["href"] for r in queried} == {r["key"]: r["href"] for r in listed}
    for ref in (listed[0], owned[0]):
        record = ok(http.get(f"/ia/api/v1{ref['href']}", headers=auth))["ia::result"]
        assert record["key"] == ref["key"] and record["href"] == ref["href"]
        generic = ref["href"].split("::")[0] + "/" + ref["key"]
        again = ok(http.get(f"/ia/api/v1{generic}", headers=auth))["ia::result"]
        assert again == record


@pytest.mark.parametrize(
    ("module", "header", "line", "params", "party", "party_id", "known"),
    [
        (
            "order-entry",
            "SODOCUMENT",
            "SODOCUMENTENTRY",
            "SODOCUMENTPARAMS",
            "CUSTOMER",
            "CUSTOMERID",
            "Sales Order",
        ),
        (
            "purchasing",
            "PODOCUMENT",
            "PODOCUMENTENTRY",
            "PODOCUMENTPARAMS",
            "VENDOR",
            "VENDORID",
            "Purchase Order",
        ),
    ],
)
def test_the_demo_documents_are_of_real_definitions_and_add_up(
    http: httpx.Client,
    auth: dict[str, str],
    module: str,
    header: str,
    line: str,
    params: str,
    party: str,
    party_id: str,
    known: str,
) -> None:
    """The demo company's documents name its definitions (Sales Order, Purchase Order:
    not placeholders), are numbered in them, show their customer's or vendor's name,
    and their lines name the header and add up to its total."""
    definitions = {r["DOCID"] for r in xml_rows(http, params, "DOCID")}
    assert known in definitions
    names = {r[party_id]: r["NAME"] for r in xml_rows(http, party, f"{party_id},NAME")}
    fields = "RECORDNO,DOCID,DOCNO,DOCPARID,CUSTVENDID,CUSTVENDNAME,TOTAL"
    documents = xml_rows(http, header, fields)
    entries = xml_rows(http, line, "DOCHDRNO,DOCHDRID,QUANTITY,PRICE,TOTAL")
    for doc in documents:
        assert doc["DOCPARID"] in definitions
        assert doc["DOCID"] == f"{doc['DOCPARID']}-{doc['DOCNO']}"
        assert doc["CUSTVENDNAME"] == names[doc["CUSTVENDID"]]
        own = [e for e in entries if e["DOCHDRNO"] == doc["RECORDNO"]]
        assert own and {e["DOCHDRID"] for e in own} == {doc["DOCID"]}
        if doc["TOTAL"]:
            assert sum(Decimal(e["TOTAL"]) for e in own) == Decimal(doc["TOTAL"])
            for e in own:
                assert Decimal(e["QUANTITY"]) * Decimal(e["PRICE"]) == Decimal(e["TOTAL"])
    name = Counter(d["DOCPARID"] for d in documents).most_common(1)[0][0]
    assert every(http, auth, f"{module}/document::{name}", ["key"])
