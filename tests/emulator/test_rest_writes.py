"""REST writes (``POST``/``PATCH``/``DELETE /ia/api/v1/objects/<path>``) over the XML
gateway's records, through HTTP with a real OAuth token: what one API writes the other
reads, a journal entry moves GLDETAIL and the trial balance as its XML twin does, errors
name their fields and classify as the goldens do, batches answer 207, idempotency keys,
billing, permissions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from lxml import etree

from intacct.emulator.server import EmulatorServer
from intacct.protocol.classify import error_for_rest
from intacct.protocol.rest import parse_rest

from .conftest import envelope
from .rest_support import (
    OBJECTS,
    create_vendor,
    gl_details,
    moved,
    ok,
    query,
    token,
    trial_balance,
    xml,
)

VENDORS = f"{OBJECTS}/accounts-payable/vendor"
ACCOUNTS = f"{OBJECTS}/general-ledger/account"
ENTRIES = f"{OBJECTS}/general-ledger/journal-entry"
BILLS = f"{OBJECTS}/accounts-payable/bill"
DAY = date(2024, 3, 5)


@pytest.fixture(scope="module")
def emulator_options() -> dict[str, Any]:
    """A company of its own, smaller and of another seed than the other REST modules'."""
    return {"scale": 100, "seed": 11}


def error_class(answer: httpx.Response) -> str:
    found = error_for_rest(parse_rest(answer.content, http_status=answer.status_code))
    return type(found).__name__


def targets(answer: httpx.Response, status: int) -> dict[str, str]:
    assert answer.status_code == status, answer.text
    error = answer.json()["ia::result"]["ia::error"]
    assert error["supportId"]
    return {d["target"]: d["message"] for d in error.get("details", [])}


def created(answer: httpx.Response) -> dict[str, str]:
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["ia::meta"] == {"totalCount": 1, "totalSuccess": 1, "totalError": 0}
    result: dict[str, str] = body["ia::result"]
    assert result["href"] == f"/objects/{result['href'].split('/objects/')[1]}"
    return result


def read_xml(http: httpx.Client, obj: str, key: str) -> etree._Element:
    root = xml(http, f"<read><object>{obj}</object><keys>{key}</keys><fields>*</fields></read>")
    record = root.find(f".//{obj}")
    assert record is not None, etree.tostring(root)
    return record


def billed(http: httpx.Client) -> int:
    return int(http.get("/_emulator/stats").json().get("api_transactions.DEMO", 0))


# -- vendors: one record through both APIs -------------------------------------------


def test_vendor_created_updated_deleted_through_rest(
    http: httpx.Client, auth: dict[str, str]
) -> None:
    ref = created(http.post(VENDORS, json={"id": "RV-1", "name": "Rest One"}, headers=auth))
    assert ref["id"] == "RV-1" and ref["href"] == f"/objects/accounts-payable/vendor/{ref['key']}"
    shown = read_xml(http, "VENDOR", ref["key"])
    assert shown.findtext("VENDORID") == "RV-1" and shown.findtext("NAME") == "Rest One"
    assert shown.findtext("STATUS") == "active"  # the REST default, as XML shows it
    assert shown.findtext("DISPLAYCONTACT.CONTACTNAME") == "Rest One(VRV-1)"  # XML's fill rule

    patch = {"name": "Rest Renamed", "isOnHold": True, "paymentPriority": "high"}
    answer = http.patch(f"{VENDORS}/{ref['key']}", json=patch, headers=auth)
    assert answer.status_code == 200 and answer.json()["ia::result"]["key"] == ref["key"]
    shown = read_xml(http, "VENDOR", ref["key"])
    assert shown.findtext("NAME") == "Rest Renamed" and shown.findtext("VENDORID") == "RV-1"
    assert shown.findtext("ONHOLD") == "true" and shown.findtext("PAYMENTPRIORITY") == "High"
    record = ok(http.get(f"{VENDORS}/{ref['key']}", headers=auth))["ia::result"]
    assert record["isOnHold"] is True and record["paymentPriority"] == "high"
    assert record["audit"]["createdDateTime"] <= record["audit"]["modifiedDateTime"]

    gone = http.delete(f"{VENDORS}/{ref['key']}", headers=auth)
    assert gone.status_code == 204 and gone.content == b""
    missing = http.get(f"{VENDORS}/{ref['key']}", headers=auth)
    assert missing.status_code == 404
    again = http.delete(f"{VENDORS}/{ref['key']}", headers=auth)
    assert again.status_code == 404 and error_class(again) == "NotFoundError"
    assert http.patch(f"{VENDORS}/{ref['key']}", json={}, headers=auth).status_code == 404


def test_xml_written_vendor_is_patched_through_rest_and_seen_by_queries(
    http: httpx.Client, auth: dict[str, str]
) -> None:
    key = create_vendor(http, "XV-1")
    answer = http.patch(f"{VENDORS}/{key}", json={"notes": "via REST"}, headers=auth)
    assert answer.status_code == 200, answer.text
    assert read_xml(http, "VENDOR", key).findtext("COMMENTS") == "via REST"
    rest_key = created(http.post(VENDORS, json={"id": "RV-Q", "name": "Q"}, headers=auth))["key"]
    found = xml(
        http,
        "<readByQuery><object>VENDOR</object><fields>RECORDNO,VENDORID</fields>"
        "<query>VENDORID = 'RV-Q'</query><pagesize>10</pagesize></readByQuery>",
    )
    assert found.findtext(".//vendor/RECORDNO") == rest_key
    seen = ok(
        query(
            http,
            auth,
            object="accounts-payable/vendor",
            fields=["key", "name"],
            filters=[{"$eq": {"id": "RV-Q"}}],
        )
    )
    assert seen["ia::result"] == [{"key": rest_key, "name": "Q"}]


# -- accounts: enums, refused deletes -------------------------------------------------


def test_account_enums_go_through_xml_values(http: httpx.Client, auth: dict[str, str]) -> None:
    body = {
        "id": "9901",
        "name": "Rest income",
        "accountType": "incomeStatement",
        "normalBalance": "credit",
        "closingType": "closingAccount",
    }
    ref = created(http.post(ACCOUNTS, json=body, headers=auth))
    shown = read_xml(http, "GLACCOUNT", ref["key"])
    assert shown.findtext("ACCOUNTTYPE") == "incomestatement"
    assert shown.findtext("NORMALBALANCE") == "credit"
    assert shown.findtext("CLOSINGTYPE") == "closing account"
    record = ok(http.get(f"{ACCOUNTS}/{ref['key']}", headers=auth))["ia::result"]
    assert record["accountType"] == "incomeStatement" and record["status"] == "active"
    duplicate = http.post(ACCOUNTS, json={"id": "9901", "name": "Again"}, headers=auth)
    assert "id" in targets(duplicate, 409) and error_class(duplicate) == "DuplicateError"
    assert http.delete(f"{ACCOUNTS}/{ref['key']}", headers=auth).status_code == 204


def test_an_account_with_postings_is_not_deleted(
    http: httpx.Client, auth: dict[str, str], accounts: list[str]
) -> None:
    page = ok(
        query(
            http,
            auth,
            object="general-ledger/account",
            fields=["key"],
            filters=[{"$eq": {"id": accounts[0]}}],
        )
    )
    key = page["ia::result"][0]["key"]
    refused = http.delete(f"{ACCOUNTS}/{key}", headers=auth)
    assert "key" in targets(refused, 422) and error_class(refused) == "ValidationError"
    answer = http.post(
        "/ia/xml/xmlgw.phtml",
        content=envelope(f"<delete><object>GLACCOUNT</object><keys>{key}</keys></delete>"),
        headers={"Content-Type": "application/xml"},
    )
    assert b"<status>failure</status>" in answer.content  # the same rule refuses XML
    assert ok(http.get(f"{ACCOUNTS}/{key}", headers=auth))["ia::result"]["id"] == accounts[0]


# -- journal entries: the books move as when XML writes ------------------------------


def test_journal_entry_posts_as_its_xml_twin(
    http: httpx.Client, auth: dict[str, str], accounts: list[str]
) -> None:
    debit, credit = accounts
    start = trial_balance(http, accounts, DAY)
    twin = xml(
        http,
        "<create><GLBATCH><JOURNAL>GJ</JOURNAL><BATCH_DATE>03/05/2024</BATCH_DATE>"
        "<BATCH_TITLE>twin</BATCH_TITLE><STATE>Posted</STATE><ENTRIES>"
        f"<GLENTRY><ACCOUNTNO>{debit}</ACCOUNTNO><TR_TYPE>1</TR_TYPE>"
        "<TRX_AMOUNT>125.50</TRX_AMOUNT><DESCRIPTION>d</DESCRIPTION></GLENTRY>"
        f"<GLENTRY><ACCOUNTNO>{credit}</ACCOUNTNO><TR_TYPE>-1</TR_TYPE>"
        "<TRX_AMOUNT>125.50</TRX_AMOUNT><DESCRIPTION>c</DESCRIPTION></GLENTRY>"
        "</ENTRIES></GLBATCH></create>",
    ).findtext(".//glbatch/RECORDNO")
    after_xml = trial_balance(http, accounts, DAY)
    entry = {
        "glJournal": {"id": "GJ"},
        "description": "rest twin",
        "postingDate": DAY.isoformat(),
        "lines": [
            {
                "glAccount": {"id": debit},
                "txnType": "debit",
                "txnAmount": "125.50",
                "description": "d",
            },
            {
                "glAccount": {"id": credit},
                "txnType": "credit",
                "txnAmount": "125.50",
                "description": "c",
            },
        ],
    }
    ref = created(http.post(ENTRIES, json=entry, headers=auth))
    after_rest = trial_balance(http, accounts, DAY)
    assert moved(start, after_xml) == moved(after_xml, after_rest)
    assert moved(start, after_xml)[debit][1] == Decimal("125.50")
    assert twin and gl_details(http, ref["key"]) == gl_details(http, twin)
    whole = ok(http.get(f"{ENTRIES}/{ref['key']}", headers=auth))["ia::result"]
    assert whole["state"] == "posted" and [ln["txnType"] for ln in whole["lines"]] == [
        "debit",
        "credit",
    ]

    patch = {
        "lines": [
            {"glAccount": {"id": debit}, "txnType": "debit", "txnAmount": "10.00"},
            {"glAccount": {"id": credit}, "txnType": "credit", "txnAmount": "10.00"},
        ]
    }
    assert http.patch(f"{ENTRIES}/{ref['key']}", json=patch, headers=auth).status_code == 200
    assert moved(after_xml, trial_balance(http, accounts, DAY))[debit][1] == Decimal("10.00")
    assert http.delete(f"{ENTRIES}/{ref['key']}", headers=auth).status_code == 204
    assert trial_balance(http, accounts, DAY) == after_xml and gl_details(http, ref["key"]) == []


def test_journal_entry_lines_are_checked(
    http: httpx.Client, auth: dict[str, str], accounts: list[str]
) -> None:
    entry = {
        "glJournal": {"id": "GJ"},
        "description": "bad",
        "postingDate": DAY.isoformat(),
        "lines": [{"glAccount": {"id": accounts[0]}, "txnType": "sideways", "txnAmount": "1"}],
    }
    found = targets(http.post(ENTRIES, json=entry, headers=auth), 400)
    assert {"lines", "lines[0].txnType"} <= set(found)
    line = f"{OBJECTS}/general-ledger/journal-entry-line"
    refused = http.post(line, json={"txnAmount": "1"}, headers=auth)
    assert refused.status_code == 405  # lines are written through their entry


# -- bills ---------------------------------------------------------------------------


def test_bill_with_lines(http: httpx.Client, auth: dict[str, str], accounts: list[str]) -> None:
    create_vendor(http, "BILL-V")
    bill = {
        "vendor": {"id": "BILL-V"},
        "createdDate": "2024-03-01",
        "postingDate": "2024-03-01",
        "dueDate": "2024-03-31",
        "referenceNumber": "INV-77",
        "currency": {"txnCurrency": "USD"},
        "lines": [
            {"glAccount": {"id": accounts[0]}, "txnAmount": "40.00", "memo": "one"},
            {"glAccount": {"id": accounts[1]}, "txnAmount": "2.50", "memo": "two"},
        ],
    }
    ref = created(http.post(BILLS, json=bill, headers=auth))
    shown = read_xml(http, "APBILL", ref["key"])
    assert shown.findtext("VENDORID") == "BILL-V" and shown.findtext("DOCNUMBER") == "INV-77"
    assert shown.findtext("WHENDUE") == "03/31/2024"
    lines = xml(
        http,
        "<readByQuery><object>APBILLITEM</object><fields>RECORDKEY,ACCOUNTNO,AMOUNT</fields>"
        f"<query>RECORDKEY = {ref['key']}</query><pagesize>10</pagesize></readByQuery>",
    ).iterfind(".//apbillitem")
    assert sorted(ln.findtext("AMOUNT") or "" for ln in lines) == ["2.50", "40.00"]
    record = ok(http.get(f"{BILLS}/{ref['key']}", headers=auth))["ia::result"]
    assert record["vendor"]["id"] == "BILL-V" and len(record["lines"]) == 2

    nobody = http.post(BILLS, json={**bill, "vendor": {"id": "NO-SUCH"}}, headers=auth)
    assert "vendor.id" in targets(nobody, 422) and error_class(nobody) == "ValidationError"
    assert http.delete(f"{BILLS}/{ref['key']}", headers=auth).status_code == 204


# -- errors name their fields ----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "target"),
    [
        ({"name": "no id"}, 422, "id"),  # required
        ({"id": "E1", "name": "x", "key": "5"}, 400, "key"),  # read-only
        (
            {"id": "E2", "name": "x", "audit": {"createdDateTime": "2024-01-01T00:00:00Z"}},
            400,
            "audit.createdDateTime",
        ),
        ({"id": "E3", "name": "x", "status": "sleeping"}, 400, "status"),  # enum
        ({"id": "E4", "name": "x", "parent": {"id": "NO-SUCH"}}, 422, "parent.id"),  # reference
        ({"id": "E5", "name": "x", "nickname": "y"}, 400, "nickname"),  # unknown
        ({"id": "E6", "name": 7}, 400, "name"),  # JSON type
        ({"id": "E7", "name": "x", "status": "activeNonPosting"}, 422, "status"),  # no XML value
    ],
)
def test_errors_name_the_field(
    http: httpx.Client, auth: dict[str, str], body: dict[str, Any], status: int, target: str
) -> None:
    answer = http.post(VENDORS, json=body, headers=auth)
    assert target in targets(answer, status)
    assert error_class(answer) == "ValidationError"


def test_a_body_that_is_not_json_is_400(http: httpx.Client, auth: dict[str, str]) -> None:
    answer = http.post(VENDORS, content=b"{nope", headers=auth)
    assert answer.status_code == 400 and error_class(answer) == "ValidationError"


# -- batches ---------------------------------------------------------------------------


def test_batch_create_with_a_failed_record_is_207(http: httpx.Client, auth: dict[str, str]) -> None:
    create_vendor(http, "BATCH-DUP")
    body = [
        {"id": "BATCH-1", "name": "b1"},
        {"id": "BATCH-DUP", "name": "dup"},
        {"id": "BATCH-3", "name": "b3"},
    ]
    answer = http.post(VENDORS, json=body, headers=auth)
    assert answer.status_code == 207, answer.text
    read = parse_rest(answer.content, http_status=207)
    assert read.meta == {"totalCount": 3, "totalSuccess": 2, "totalError": 1}
    assert error_for_rest(read) is None and [e.errorno for e in read.errors] == ["duplicateValue"]
    first, failed, third = read.result
    assert first["id"] == "BATCH-1" and third["id"] == "BATCH-3"
    assert failed["ia::error"]["details"][0]["target"] == "id"

    keys = [first["key"], third["key"]]
    patch = [{"key": keys[0], "notes": "p1"}, {"key": keys[1], "notes": "p3"}, {"notes": "x"}]
    patched = http.patch(VENDORS, json=patch, headers=auth)
    assert patched.status_code == 207 and patched.json()["ia::meta"]["totalSuccess"] == 2
    assert read_xml(http, "VENDOR", keys[1]).findtext("COMMENTS") == "p3"

    both = http.delete(f"{VENDORS}/{keys[0]},{keys[1]},999999", headers=auth)
    assert both.status_code == 207 and both.json()["ia::meta"]["totalError"] == 1
    assert http.get(f"{VENDORS}/{keys[0]}", headers=auth).status_code == 404


def test_a_whole_batch_answers_201_and_over_500_is_429(
    http: httpx.Client, auth: dict[str, str]
) -> None:
    answer = http.post(
        VENDORS, json=[{"id": f"ALL-{n}", "name": "a"} for n in range(3)], headers=auth
    )
    assert answer.status_code == 201
    assert answer.json()["ia::meta"] == {"totalCount": 3, "totalSuccess": 3, "totalError": 0}
    before = billed(http)
    many = http.post(VENDORS, json=[{"id": "X"}] * 501, headers=auth)
    assert many.status_code == 429 and error_class(many) == "ThrottledError"
    assert billed(http) == before


# -- idempotency, billing, permissions, limits ----------------------------------------


def test_an_idempotency_key_writes_once(http: httpx.Client, auth: dict[str, str]) -> None:
    headers = {**auth, "Idempotency-Key": "k-1"}
    first = created(http.post(VENDORS, json={"id": "IDEM-1", "name": "i"}, headers=headers))
    before = billed(http)
    again = http.post(VENDORS, json={"id": "IDEM-1", "name": "i"}, headers=headers)
    # a replay is no duplicate: the client reads it as already applied (classify.py)
    assert again.status_code == 409 and error_class(again) == "AlreadyAppliedError"
    assert first["href"] in again.json()["ia::result"]["ia::error"]["details"][0]["message"]
    assert billed(http) == before  # nothing ran again
    # a request refused whole keeps no key: the corrected retry goes through
    fixed = {**auth, "Idempotency-Key": "k-2"}
    assert http.post(VENDORS, json={"id": "IDEM-2"}, headers=fixed).status_code == 422
    created(http.post(VENDORS, json={"id": "IDEM-2", "name": "j"}, headers=fixed))
    seen = ok(
        query(
            http,
            auth,
            object="accounts-payable/vendor",
            fields=["key"],
            filters=[{"$in": {"id": ["IDEM-1", "IDEM-2"]}}],
        )
    )
    assert seen["ia::meta"]["totalCount"] == 2


def test_each_record_written_is_one_transaction(http: httpx.Client, auth: dict[str, str]) -> None:
    before = billed(http)
    created(http.post(VENDORS, json={"id": "BILLED-1", "name": "b"}, headers=auth))
    assert billed(http) == before + 1
    batch = [{"id": f"BILLED-{n}", "name": "b"} for n in (2, 3, 1)]  # the last one fails
    assert http.post(VENDORS, json=batch, headers=auth).status_code == 207
    assert billed(http) == before + 4  # failed records are billed, as XML's are
    listed = ok(
        query(
            http,
            auth,
            object="accounts-payable/vendor",
            fields=["key"],
            filters=[{"$in": {"id": ["BILLED-2", "BILLED-3"]}}],
        )
    )
    keys = ",".join(r["key"] for r in listed["ia::result"])
    assert http.delete(f"{VENDORS}/{keys}", headers=auth).status_code == 204
    assert billed(http) == before + 7  # one query, two deletes


def test_permissions_are_the_role_s(http: httpx.Client, auth: dict[str, str]) -> None:
    restricted = token(http, "demo_restricted@DEMO")
    key = create_vendor(http, "PERM-1")
    before = billed(http)
    for answer in (
        http.post(VENDORS, json={"id": "PERM-2", "name": "p"}, headers=restricted),
        http.patch(f"{VENDORS}/{key}", json={"name": "p"}, headers=restricted),
        http.delete(f"{VENDORS}/{key}", headers=restricted),
    ):
        assert answer.status_code == 403 and error_class(answer) == "PermissionDeniedError"
    message = http.post(VENDORS, json={}, headers=restricted).json()["ia::result"]["ia::error"]
    assert "List, View, Add, Edit Vendors" in message["message"]
    assert billed(http) == before
    assert read_xml(http, "VENDOR", key).findtext("NAME") == "PERM-1 name"


def test_writes_share_the_company_s_slots(
    emulator: EmulatorServer, http: httpx.Client, auth: dict[str, str]
) -> None:
    limit = emulator.emulator.limit
    held = [limit.acquire("DEMO") for _ in range(limit.limit_of("DEMO"))]
    try:
        answer = http.post(VENDORS, json={"id": "SLOT-1", "name": "s"}, headers=auth)
        assert answer.status_code == 429 and error_class(answer) == "ThrottledError"
    finally:
        for _ in held:
            limit.release("DEMO")
    created(http.post(VENDORS, json={"id": "SLOT-1", "name": "s"}, headers=auth))


def test_faults_apply_to_writes(http: httpx.Client, auth: dict[str, str]) -> None:
    installed = http.post("/_emulator/faults", content=b"status=503,times=1,function=rest:create")
    assert installed.status_code == 200, installed.text
    try:
        answer = http.post(VENDORS, json={"id": "FAULT-1", "name": "f"}, headers=auth)
        assert answer.status_code == 503 and error_class(answer) == "UnavailableError"
        created(http.post(VENDORS, json={"id": "FAULT-1", "name": "f"}, headers=auth))
    finally:
        http.delete("/_emulator/faults")
