"""A transaction definition's documents through REST (``order-entry/document::<name>``):
the list, get, query and model services serve each definition the company has, over
the XML twin's records with that DOCPARID; an unknown name is an unknown object."""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote

import httpx
import pytest

from .rest_support import MODEL, OBJECTS, document_href, every, ok, query, xml_rows

TWINS = [
    ("order-entry", "SODOCUMENT", "SODOCUMENTENTRY"),
    ("purchasing", "PODOCUMENT", "PODOCUMENTENTRY"),
    ("inventory-control", "INVDOCUMENT", "INVDOCUMENTENTRY"),
]


@pytest.mark.parametrize(("module", "header", "line"), TWINS)
def test_each_definition_serves_its_documents(
    http: httpx.Client, auth: dict[str, str], module: str, header: str, line: str
) -> None:
    headers = xml_rows(http, header, "RECORDNO,DOCPARID")
    by_name = Counter(r["DOCPARID"] for r in headers)
    assert len(by_name) >= 2, "the demo company has documents of several definitions"
    listed = ok(http.get(MODEL, headers=auth))["ia::result"]
    paths = {o["apiObject"] for o in listed}
    lines = xml_rows(http, line, "RECORDNO,DOCHDRNO")
    for name, count in by_name.items():
        path = f"{module}/document::{name}"
        assert f"objects/{path}" in paths
        assert f"objects/{module}/document-line::{name}" in paths
        found = every(http, auth, path, ["key", "id"])
        keys = {r["RECORDNO"] for r in headers if r["DOCPARID"] == name}
        assert len(found) == count and {r["key"] for r in found} == keys
        page = ok(http.get(f"{OBJECTS}/{quote(path)}", headers=auth))
        assert page["ia::meta"]["totalCount"] == count
        first = page["ia::result"][0]
        record = ok(http.get(f"{OBJECTS}/{quote(path)}/{first['key']}", headers=auth))
        assert record["ia::result"]["key"] == first["key"]
        owned = every(http, auth, f"{module}/document-line::{name}", ["key"])
        assert {r["key"] for r in owned} == {r["RECORDNO"] for r in lines if r["DOCHDRNO"] in keys}
        model = ok(http.get(MODEL, params={"name": f"objects/{path}"}, headers=auth))
        assert model["ia::result"]["apiObject"] == f"objects/{path}"
    other = next(iter(by_name))
    outsider = next(r["RECORDNO"] for r in headers if r["DOCPARID"] != other)
    path = quote(f"{module}/document::{other}")
    assert http.get(f"{OBJECTS}/{path}/{outsider}", headers=auth).status_code == 404


def test_an_unknown_definition_is_an_unknown_object(
    http: httpx.Client, auth: dict[str, str]
) -> None:
    path = "order-entry/document::No Such Definition"
    answer = http.get(f"{OBJECTS}/{quote(path)}", headers=auth)
    assert answer.status_code == 404 and path in answer.text
    assert query(http, auth, object=path, fields=["key"]).status_code == 400
    model = http.get(MODEL, params={"name": f"objects/{path}"}, headers=auth)
    assert model.status_code == 404
    template = "order-entry/document::{documentName}"
    assert http.get(f"{OBJECTS}/{quote(template)}", headers=auth).status_code == 404
    listed = ok(http.get(MODEL, headers=auth))["ia::result"]
    assert not any("{documentName}" in o["apiObject"] for o in listed)


def test_writes_keep_to_the_definition(http: httpx.Client, auth: dict[str, str]) -> None:
    """PATCH and DELETE reach a record of the definition only; a create without the
    customer Intacct requires (CUSTVENDID, REST's ``customer.id``) is refused naming it."""
    headers = xml_rows(http, "SODOCUMENT", "RECORDNO,DOCPARID")
    key, name = headers[-1]["RECORDNO"], headers[-1]["DOCPARID"]
    other = next(r["DOCPARID"] for r in headers if r["DOCPARID"] != name)
    path = quote(f"order-entry/document::{name}")
    elsewhere = quote(f"order-entry/document::{other}")
    moved = {"trackingNumber": "TRACK-1"}
    assert http.patch(f"{OBJECTS}/{elsewhere}/{key}", json=moved, headers=auth).status_code == 404
    assert ok(http.patch(f"{OBJECTS}/{path}/{key}", json=moved, headers=auth))
    shown = xml_rows(http, "SODOCUMENT", "RECORDNO,TRACKINGNUMBER")
    assert {r["RECORDNO"]: r["TRACKINGNUMBER"] for r in shown}[key] == "TRACK-1"
    assert http.delete(f"{OBJECTS}/{elsewhere}/{key}", headers=auth).status_code == 404
    assert http.delete(f"{OBJECTS}/{path}/{key}", headers=auth).status_code == 204
    assert key not in {r["RECORDNO"] for r in xml_rows(http, "SODOCUMENT", "RECORDNO")}
    created = http.post(f"{OBJECTS}/{path}", json={"txnDate": "2026-01-05"}, headers=auth)
    assert created.status_code == 422 and "CUSTVENDID" in created.text


def test_a_created_document_is_of_the_definition_in_its_path(
    http: httpx.Client, auth: dict[str, str]
) -> None:
    name = xml_rows(http, "INVDOCUMENT", "DOCPARID")[0]["DOCPARID"]
    path = f"inventory-control/document::{name}"
    answer = http.post(f"{OBJECTS}/{quote(path)}", json={}, headers=auth)
    assert answer.status_code == 201, answer.text
    key = answer.json()["ia::result"]["key"]
    shown = xml_rows(http, "INVDOCUMENT", "RECORDNO,DOCPARID")
    assert {r["RECORDNO"]: r["DOCPARID"] for r in shown}[key] == name
    assert key in {r["key"] for r in every(http, auth, path, ["key"])}


@pytest.mark.parametrize(
    ("module", "header", "line", "party", "party_id"),
    [
        ("order-entry", "SODOCUMENT", "SODOCUMENTENTRY", "customer", "CUSTOMERID"),
        ("purchasing", "PODOCUMENT", "PODOCUMENTENTRY", "vendor", "VENDORID"),
    ],
)
def test_a_document_and_its_line_are_created_at_a_definition(
    http: httpx.Client,
    auth: dict[str, str],
    module: str,
    header: str,
    line: str,
    party: str,
    party_id: str,
) -> None:
    """A sales or purchasing document created at ``document::<name>`` lands in the XML
    twin with that definition, its customer or vendor and number; a line created at
    ``document-line::<name>`` under it is one of its lines, read back by both APIs."""
    name = xml_rows(http, header, "DOCPARID")[0]["DOCPARID"]
    parties = xml_rows(http, party.upper(), f"{party_id},NAME")
    who, whose = parties[0][party_id], parties[0]["NAME"]
    path = quote(f"{module}/document::{name}")
    body = {party: {"id": who}, "documentNumber": "REST-1", "referenceNumber": "PO-77"}
    answer = http.post(f"{OBJECTS}/{path}", json=body, headers=auth)
    assert answer.status_code == 201, answer.text
    key = answer.json()["ia::result"]["key"]
    assert answer.json()["ia::result"]["href"] == document_href(module, "document", name, key)
    assert answer.json()["ia::result"]["id"] == f"{name}-REST-1"
    fields = "RECORDNO,DOCPARID,CUSTVENDID,CUSTVENDNAME,DOCNO,PONUMBER"
    row = {r["RECORDNO"]: r for r in xml_rows(http, header, fields)}[key]
    assert (row["DOCPARID"], row["CUSTVENDID"], row["DOCNO"]) == (name, who, "REST-1")
    assert row["CUSTVENDNAME"] == whose  # filled from the party, as Intacct shows it
    assert row["PONUMBER"] == "PO-77"
    shown = ok(http.get(f"{OBJECTS}/{path}/{key}", headers=auth))["ia::result"]
    assert shown[party]["id"] == who and shown["documentType"] == name
    item = xml_rows(http, "ITEM", "RECORDNO,ITEMID")[0]
    lines = quote(f"{module}/document-line::{name}")
    entry = {"documentHeader": {"key": key}, "item": {"key": item["RECORDNO"]}}
    entry |= {"unitQuantity": "3"}
    made = http.post(f"{OBJECTS}/{lines}", json=entry, headers=auth)
    assert made.status_code == 201, made.text
    line_key = made.json()["ia::result"]["key"]
    line_home = document_href(module, "document-line", name, line_key)
    assert made.json()["ia::result"]["href"] == line_home
    fields = "RECORDNO,DOCHDRNO,ITEMID,QUANTITY"
    stored = {r["RECORDNO"]: r for r in xml_rows(http, line, fields)}[line_key]
    assert (stored["DOCHDRNO"], stored["ITEMID"]) == (key, item["ITEMID"])
    assert float(stored["QUANTITY"]) == 3
    owned = every(http, auth, f"{module}/document-line::{name}", ["key", "documentHeader.key"])
    assert {"key": line_key, "documentHeader": {"key": key}} in owned


@pytest.mark.parametrize("module", ["order-entry", "purchasing"])
def test_recurring_documents_are_served_per_definition(
    http: httpx.Client, auth: dict[str, str], module: str
) -> None:
    """``recurring-document::<name>`` holds the recurring documents (a REST-only table)
    whose ``documentType`` is the name, each a definition the company has; a create there
    is of that definition, and another definition's record is not found there."""
    params = {"order-entry": "SODOCUMENTPARAMS", "purchasing": "PODOCUMENTPARAMS"}[module]
    names = {r["DOCID"] for r in xml_rows(http, params, "DOCID")}
    whole = every(http, auth, f"{module}/recurring-document", ["key", "documentType"])
    by_name = Counter(r["documentType"] for r in whole)
    assert whole and set(by_name) <= names, "every recurring document is of a definition"
    listed = {o["apiObject"] for o in ok(http.get(MODEL, headers=auth))["ia::result"]}
    for name in names:
        path = f"{module}/recurring-document::{name}"
        assert f"objects/{path}" in listed
        found = every(http, auth, path, ["key", "documentType"])
        assert len(found) == by_name.get(name, 0)
        assert {r["documentType"] for r in found} <= {name}
    name, count = by_name.most_common(1)[0]
    path = quote(f"{module}/recurring-document::{name}")
    other = next(r["key"] for r in whole if r["documentType"] != name)
    assert http.get(f"{OBJECTS}/{path}/{other}", headers=auth).status_code == 404
    body = {"schedule": {"startDate": "2026-12-01", "repeatBy": "months", "repeatInterval": "1"}}
    answer = http.post(f"{OBJECTS}/{path}", json=body, headers=auth)
    assert answer.status_code == 201, answer.text
    key = answer.json()["ia::result"]["key"]
    shown = ok(http.get(f"{OBJECTS}/{path}/{key}", headers=auth))["ia::result"]
    assert shown["documentType"] == name
    assert len(every(http, auth, f"{module}/recurring-document::{name}", ["key"])) == count + 1
