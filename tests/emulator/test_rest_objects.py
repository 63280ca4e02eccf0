"""REST objects (``GET /ia/api/v1/objects/<path>[/<key>]``) and the model service over
the XML gateway's records: references a page, whole records nested as Sage nests them
with their lines, the same values XML shows, 404s, faults."""

from __future__ import annotations

import httpx
import pytest

from intacct.protocol.classify import error_for_rest
from intacct.protocol.rest import parse_rest
from intacct.protocol.rest_catalog import rest_catalog

from .rest_support import MODEL, OBJECTS, SERVED, at_home, create_vendor, ok, xml


@pytest.mark.parametrize("path", SERVED)
def test_list_and_get_every_object(http: httpx.Client, auth: dict[str, str], path: str) -> None:
    operations = rest_catalog()[path].operations
    if "get" not in operations:  # the spec has no GET of it
        assert http.get(f"{OBJECTS}/{path}", headers=auth).status_code == 405
        return
    if "list" not in operations:  # a singleton: its one record
        record = ok(http.get(f"{OBJECTS}/{path}", headers=auth))["ia::result"]
        assert record["key"] and record["href"] == f"/objects/{path}/{record['key']}"
        return
    listed = ok(http.get(f"{OBJECTS}/{path}", headers=auth))
    meta = listed["ia::meta"]
    assert meta["start"] == 1 and meta["pageSize"] == 100 and meta["previous"] is None
    assert meta["next"] == (101 if meta["totalCount"] > 100 else None)
    for ref in listed["ia::result"][:3]:
        assert set(ref) == {"key", "id", "href"} and at_home(ref["href"], path, ref["key"])
        record = ok(http.get(f"{OBJECTS}/{path}/{ref['key']}", headers=auth))["ia::result"]
        assert record["key"] == ref["key"] and record["href"] == ref["href"]
        obj = rest_catalog()[path]
        if obj.lines:
            lines = record[obj.lines["field"]]
            assert lines and all(
                at_home(line["href"], obj.lines["path"], line["key"]) for line in lines
            )
            owner = obj.lines["owner_field"]
            assert {line[owner]["key"] for line in lines} == {record["key"]}


def test_a_record_shows_what_xml_shows(http: httpx.Client, auth: dict[str, str]) -> None:
    key = create_vendor(http, "SAME-1")
    record = ok(http.get(f"{OBJECTS}/accounts-payable/vendor/{key}", headers=auth))["ia::result"]
    shown = xml(http, f"<read><object>VENDOR</object><keys>{key}</keys><fields>*</fields></read>")
    assert record["id"] == shown.findtext(".//VENDORID") == "SAME-1"
    assert record["name"] == shown.findtext(".//NAME")
    assert record["status"] == shown.findtext(".//STATUS") == "active"
    assert record["audit"]["modifiedDateTime"].endswith("Z")
    assert record["contacts"]["default"]["id"] == "SAME-1"
    assert record["contacts"]["default"]["href"].startswith("/objects/company-config/contact/")
    assert isinstance(record["isOnHold"], bool) and record["restrictedLocations"] == []


def test_missing_key_and_object_are_404(http: httpx.Client, auth: dict[str, str]) -> None:
    for url in (
        f"{OBJECTS}/accounts-payable/vendor/99999",
        f"{OBJECTS}/accounts-payable/vendor/x1",
        f"{OBJECTS}/accounts-payable/nothing",
    ):
        answer = http.get(url, headers=auth)
        assert answer.status_code == 404, url
        assert (
            type(error_for_rest(parse_rest(answer.content, http_status=404))).__name__
            == "NotFoundError"
        )
    assert (
        "Vendor with key 99999 does not exist"
        in http.get(f"{OBJECTS}/accounts-payable/vendor/99999", headers=auth).text
    )
    assert http.get(f"{OBJECTS}/accounts-payable/vendor").status_code == 401


def test_faults_apply_to_rest_requests(http: httpx.Client, auth: dict[str, str]) -> None:
    installed = http.post("/_emulator/faults", content=b"status=503,times=1,function=rest:get")
    assert installed.status_code == 200, installed.text
    try:
        answer = http.get(f"{OBJECTS}/accounts-payable/vendor/1", headers=auth)
        assert answer.status_code == 503
        assert (
            type(error_for_rest(parse_rest(answer.content, http_status=503))).__name__
            == "UnavailableError"
        )
        assert http.get(f"{OBJECTS}/accounts-payable/vendor/1", headers=auth).status_code == 200
    finally:
        http.delete("/_emulator/faults")


def test_model_of_an_object(http: httpx.Client, auth: dict[str, str]) -> None:
    model = ok(http.get(MODEL, params={"name": "company-config/department"}, headers=auth))[
        "ia::result"
    ]
    status = model["fields"]["status"]
    assert (
        status["enum"] == ["active", "activeNonPosting", "inactive"] and status["required"] is False
    )
    assert set(status) >= {"type", "readOnly", "writeOnly", "required", "nullable", "mutable"}
    assert model["refs"]["parent"]["apiObject"] == "company-config/department"
    assert model["groups"]["audit"]["fields"]["modifiedDateTime"]["format"] == "date-time"
    assert model["httpMethods"] == "OPTIONS,GET,POST,DELETE,PATCH" and model["lists"] == []
    bill = ok(http.get(MODEL, params={"name": "accounts-payable/bill"}, headers=auth))["ia::result"]
    assert bill["lists"]["lines"]["apiObject"] == "accounts-payable/bill-line"
    line = ok(http.get(MODEL, params={"name": "general-ledger/journal-entry-line"}, headers=auth))[
        "ia::result"
    ]
    assert line["type"] == "ownedObject" and line["httpMethods"] == "OPTIONS,GET"
    listed = ok(http.get(MODEL, headers=auth))["ia::result"]
    custom = "objects/platform-apps/nsp::fund"  # the company's user-defined dimension
    # and a transaction definition's documents, one path per definition (test_rest_documents)
    documents = {m["apiObject"] for m in listed if "::" in m["apiObject"]} - {custom}
    assert documents and all("document" in d.split("/")[-1] for d in documents)
    assert {m["apiObject"] for m in listed} == {f"objects/{p}" for p in SERVED} | {custom} | (
        documents
    )
    assert http.get(MODEL, params={"name": "nope/nothing"}, headers=auth).status_code == 404
    assert (
        http.get(
            MODEL, params={"name": "company-config/department", "version": "v9"}, headers=auth
        ).status_code
        == 400
    )


def test_every_model_builds(http: httpx.Client, auth: dict[str, str]) -> None:
    for path in SERVED:
        model = ok(http.get(MODEL, params={"name": path}, headers=auth))["ia::result"]
        assert model["apiObject"] == f"objects/{path}" and model["fields"]


def test_a_custom_object_is_read_like_any_other(http: httpx.Client, auth: dict[str, str]) -> None:
    """The user-defined dimension FUND as the custom object ``platform-apps/nsp::fund``:
    the model service lists it, and its records are FUND's, through list, get and the
    query service."""
    path = "platform-apps/nsp::fund"
    model = ok(http.get(MODEL, params={"name": path}, headers=auth))["ia::result"]
    assert {"id", "key", "description"} <= set(model["fields"])
    listed = ok(http.get(f"{OBJECTS}/{path}", headers=auth))["ia::result"]
    funds = xml(http, "<readByQuery><object>FUND</object><fields>RECORDNO,NAME</fields>"
                "<query></query><pagesize>1000</pagesize></readByQuery>")  # fmt: skip
    names = {f.findtext("RECORDNO"): f.findtext("NAME") for f in funds.iter("fund")}
    assert {r["key"]: r["id"] for r in listed} == names and names
    one = ok(http.get(f"{OBJECTS}/{path}/{listed[0]['key']}", headers=auth))["ia::result"]
    assert one["id"] == names[listed[0]["key"]] and one["audit"]["modifiedDateTime"]
