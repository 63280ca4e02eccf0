"""A transaction definition's documents through REST (``order-entry/document::<name>``):
the list, get, query and model services serve each definition the company has, over
the XML twin's records with that DOCPARID; an unknown name is an unknown object."""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote

import httpx
import pytest

from .rest_support import MODEL, OBJECTS, every, ok, query, xml

TWINS = [
    ("order-entry", "SODOCUMENT", "SODOCUMENTENTRY"),
    ("purchasing", "PODOCUMENT", "PODOCUMENTENTRY"),
    ("inventory-control", "INVDOCUMENT", "INVDOCUMENTENTRY"),
]


def _xml_rows(http: httpx.Client, obj: str, fields: str) -> list[dict[str, str]]:
    root = xml(
        http,
        f"<readByQuery><object>{obj}</object><fields>{fields}</fields><query></query>"
        "<pagesize>1000</pagesize></readByQuery>",
    )
    data = root.find(".//data")
    assert data is not None and data.get("numremaining") == "0"
    return [{child.tag: child.text or "" for child in row} for row in data]


@pytest.mark.parametrize(("module", "header", "line"), TWINS)
def test_each_definition_serves_its_documents(
    http: httpx.Client, auth: dict[str, str], module: str, header: str, line: str
) -> None:
    headers = _xml_rows(http, header, "RECORDNO,DOCPARID")
    by_name = Counter(r["DOCPARID"] for r in headers)
    assert len(by_name) >= 2, "the demo company has documents of several definitions"
    listed = ok(http.get(MODEL, headers=auth))["ia::result"]
    paths = {o["apiObject"] for o in listed}
    lines = _xml_rows(http, line, "RECORDNO,DOCHDRNO")
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
    """PATCH and DELETE reach a record of the definition only; a create is
    refused naming what the catalog's pairing lacks (``customer.id`` has no column)."""
    headers = _xml_rows(http, "SODOCUMENT", "RECORDNO,DOCPARID")
    key, name = headers[-1]["RECORDNO"], headers[-1]["DOCPARID"]
    other = next(r["DOCPARID"] for r in headers if r["DOCPARID"] != name)
    path = quote(f"order-entry/document::{name}")
    elsewhere = quote(f"order-entry/document::{other}")
    moved = {"trackingNumber": "TRACK-1"}
    assert http.patch(f"{OBJECTS}/{elsewhere}/{key}", json=moved, headers=auth).status_code == 404
    assert ok(http.patch(f"{OBJECTS}/{path}/{key}", json=moved, headers=auth))
    shown = _xml_rows(http, "SODOCUMENT", "RECORDNO,TRACKINGNUMBER")
    assert {r["RECORDNO"]: r["TRACKINGNUMBER"] for r in shown}[key] == "TRACK-1"
    assert http.delete(f"{OBJECTS}/{elsewhere}/{key}", headers=auth).status_code == 404
    assert http.delete(f"{OBJECTS}/{path}/{key}", headers=auth).status_code == 204
    assert key not in {r["RECORDNO"] for r in _xml_rows(http, "SODOCUMENT", "RECORDNO")}
    created = http.post(f"{OBJECTS}/{path}", json={"txnDate": "2026-01-05"}, headers=auth)
    assert created.status_code == 422 and "CUSTVENDID" in created.text


def test_a_created_document_is_of_the_definition_in_its_path(
    http: httpx.Client, auth: dict[str, str]
) -> None:
    name = _xml_rows(http, "INVDOCUMENT", "DOCPARID")[0]["DOCPARID"]
    path = f"inventory-control/document::{name}"
    answer = http.post(f"{OBJECTS}/{quote(path)}", json={}, headers=auth)
    assert answer.status_code == 201, answer.text
    key = answer.json()["ia::result"]["key"]
    shown = _xml_rows(http, "INVDOCUMENT", "RECORDNO,DOCPARID")
    assert {r["RECORDNO"]: r["DOCPARID"] for r in shown}[key] == name
    assert key in {r["key"] for r in every(http, auth, path, ["key"])}
