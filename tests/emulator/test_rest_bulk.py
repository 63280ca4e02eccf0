"""The bulk job service (``services/bulk/job/create`` and ``.../status``) through HTTP
with a real OAuth token: jobs of each operation written in the background as batches
write, the results file, what the XML side and the books see after, status progress
under the worker's pace, idempotency keys, billing, refused requests, faults and the
company's slots, and the worker in-process and stopped with its emulator."""

from __future__ import annotations

import re
import socket
import threading
import time
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from intacct.emulator.inprocess import InProcessEmulator
from intacct.emulator.server import EmulatorServer

from .rest_support import (
    BULK_CREATE,
    CLIENT,
    OBJECTS,
    bulk_create,
    bulk_finished,
    bulk_job,
    bulk_status,
    control,
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
VENDOR = "accounts-payable/vendor"
ENTRIES = f"{OBJECTS}/general-ledger/journal-entry"
DAY = date(2024, 4, 9)
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def emulator_options() -> dict[str, Any]:
    """A company of its own, small."""
    return {"scale": 100, "seed": 13}


@pytest.fixture(autouse=True)
def running(http: httpx.Client) -> None:
    """Every test starts with the worker at full pace."""
    control(http, "bulk", {"paused": False, "record_ms": 0})


def billed(http: httpx.Client) -> int:
    return int(http.get("/_emulator/stats").json().get("api_transactions.DEMO", 0))


def vendor_keys(http: httpx.Client, auth: dict[str, str], ids: list[str]) -> dict[str, str]:
    page = ok(
        query(http, auth, object=VENDOR, fields=["key", "id"], filters=[{"$in": {"id": ids}}])
    )
    return {r["id"]: r["key"] for r in page["ia::result"]}


def error_of(answer: httpx.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    error: dict[str, Any] = answer.json()["ia::result"]["ia::error"]
    assert error["supportId"]
    return error


def targets(answer: httpx.Response, status: int = 400) -> list[str]:
    return [d["target"] for d in error_of(answer, status).get("details", [])]


def without_support_ids(items: list[Any]) -> list[Any]:
    return [
        {"ia::error": {k: v for k, v in i["ia::error"].items() if k != "supportId"}}
        if "ia::error" in i
        else i
        for i in items
    ]


# -- the three operations -------------------------------------------------------------


def test_a_create_job_writes_what_xml_then_reads(http: httpx.Client, auth: dict[str, str]) -> None:
    records = [{"id": f"BULK-{n}", "name": f"Bulk {n}"} for n in range(3)]
    answer = ok(bulk_create(http, auth, records, objectName="vendor"))  # a bare name
    created = answer["ia::result"]
    job_id = created["jobId"]
    assert UUID.match(job_id)
    assert created["statusURL"] == f"/services/bulk/job/status?jobId={job_id}"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", created["createdDateTime"])

    status = bulk_finished(http, auth, job_id)
    assert status["ia::result"] == {
        "jobId": job_id,
        "status": "completed",
        "percentComplete": 100,
        "downloadURL": f"/services/bulk/job/status?jobId={job_id}&download=true",
        "jobStatusFile": f"{job_id}-response.json",
    }
    assert status["ia::meta"] == {"totalCount": 3, "totalSuccess": 3, "totalError": 0}
    results = ok(bulk_status(http, auth, job_id, download="true"))
    keys = vendor_keys(http, auth, [r["id"] for r in records])
    assert results == [
        {"key": keys[r["id"]], "id": r["id"], "href": f"/objects/{VENDOR}/{keys[r['id']]}"}
        for r in records
    ]
    found = xml(
        http,
        "<readByQuery><object>VENDOR</object><fields>RECORDNO,VENDORID,NAME</fields>"
        "<query>VENDORID LIKE 'BULK-%'</query><pagesize>10</pagesize></readByQuery>",
    )
    seen = {v.findtext("VENDORID"): v.findtext("NAME") for v in found.iterfind(".//vendor")}
    assert seen == {r["id"]: r["name"] for r in records}


def test_update_and_delete_jobs(http: httpx.Client, auth: dict[str, str]) -> None:
    keys = [create_vendor(http, f"BULK-U{n}") for n in range(2)]
    updates = [{"key": key, "notes": f"bulk {key}"} for key in keys]
    results = bulk_job(http, auth, updates, objectName=VENDOR, operation="update")
    assert [r["key"] for r in results] == keys
    for key in keys:
        notes = xml(
            http, f"<read><object>VENDOR</object><keys>{key}</keys><fields>*</fields></read>"
        ).findtext(".//VENDOR/COMMENTS")
        assert notes == f"bulk {key}"

    deletes = [{"key": keys[0]}, {"key": keys[1], "name": "not read"}, {"key": "999999"}]
    results = bulk_job(http, auth, deletes, objectName=VENDOR, operation="delete")
    assert results[0]["key"] == keys[0]
    assert [d["target"] for d in results[1]["ia::error"]["details"]] == ["name"]
    assert results[2]["ia::error"]["code"] == "notFound"
    assert http.get(f"{VENDORS}/{keys[0]}", headers=auth).status_code == 404
    assert http.get(f"{VENDORS}/{keys[1]}", headers=auth).status_code == 200


def _mixed(prefix: str) -> list[Any]:
    """Five records, the second, third and fourth bad (a taken id, an unknown field, no
    object)."""
    return [
        {"id": f"{prefix}1", "name": "one"},
        {"id": "BULK-DUP", "name": "dup"},
        {"id": f"{prefix}3", "name": "three", "nickname": "x"},
        "not a record",
        {"id": f"{prefix}5", "name": "five"},
    ]


def test_a_job_goes_on_past_its_bad_records_as_a_batch_does(
    http: httpx.Client, auth: dict[str, str]
) -> None:
    create_vendor(http, "BULK-DUP")
    records = _mixed("BULK-M")
    job_id = ok(bulk_create(http, auth, records, objectName=VENDOR))["ia::result"]["jobId"]
    status = bulk_finished(http, auth, job_id)
    assert status["ia::meta"] == {"totalCount": 5, "totalSuccess": 2, "totalError": 3}
    results = ok(bulk_status(http, auth, job_id, download="true"))
    assert [("ia::error" in r) for r in results] == [False, True, True, True, False]
    assert results[1]["ia::error"]["details"][0]["target"] == "id"
    assert set(vendor_keys(http, auth, ["BULK-M1", "BULK-M3", "BULK-M5"])) == {
        "BULK-M1",
        "BULK-M5",
    }
    # the failures are a 207 batch's, item for item
    twins = _mixed("BULK-T")
    batch = http.post(VENDORS, json=twins, headers=auth)
    assert batch.status_code == 207
    failed = [i for i in batch.json()["ia::result"] if "ia::error" in i]
    assert without_support_ids(failed) == without_support_ids(results[1:4])


def _entry(accounts: list[str], description: str, amount: str) -> dict[str, Any]:
    debit, credit = accounts
    return {
        "glJournal": {"id": "GJ"},
        "description": description,
        "postingDate": DAY.isoformat(),
        "lines": [
            {"glAccount": {"id": debit}, "txnType": "debit", "txnAmount": amount},
            {"glAccount": {"id": credit}, "txnType": "credit", "txnAmount": amount},
        ],
    }


def test_journal_entries_move_the_books_as_a_batch_does(
    http: httpx.Client, auth: dict[str, str], accounts: list[str]
) -> None:
    entries = [_entry(accounts, "bulk a", "40.00"), _entry(accounts, "bulk b", "2.25")]
    start = trial_balance(http, accounts, DAY)
    batch = http.post(ENTRIES, json=entries, headers=auth)
    assert batch.status_code == 201, batch.text
    after_batch = trial_balance(http, accounts, DAY)
    results = bulk_job(http, auth, entries, objectName="general-ledger/journal-entry")
    after_job = trial_balance(http, accounts, DAY)
    assert moved(start, after_batch) == moved(after_batch, after_job)
    assert moved(start, after_batch)[accounts[0]][1] == Decimal("42.25")
    for twin, written in zip(batch.json()["ia::result"], results, strict=True):
        assert gl_details(http, written["key"]) == gl_details(http, twin["key"])


# -- progress, pace -------------------------------------------------------------------


def test_a_job_is_queued_then_in_progress_then_completed(
    http: httpx.Client, auth: dict[str, str]
) -> None:
    control(http, "bulk", {"paused": True})
    records = [{"id": f"BULK-P{n}", "name": "p"} for n in range(4)]
    job_id = ok(bulk_create(http, auth, records, objectName=VENDOR))["ia::result"]["jobId"]
    queued = ok(bulk_status(http, auth, job_id))
    assert queued["ia::result"] == {"jobId": job_id, "status": "queued", "percentComplete": 0}
    assert queued["ia::meta"] == {"totalCount": 4, "totalSuccess": 0, "totalError": 0}
    early = bulk_status(http, auth, job_id, download="true")
    assert targets(early) == ["download"]

    control(http, "bulk", {"step": 1})
    deadline = time.monotonic() + 30
    status = queued
    while status["ia::result"]["percentComplete"] < 25 and time.monotonic() < deadline:
        status = ok(bulk_status(http, auth, job_id))
    assert status["ia::result"] == {"jobId": job_id, "status": "inProgress", "percentComplete": 25}
    assert status["ia::meta"] == {"totalCount": 4, "totalSuccess": 1, "totalError": 0}
    assert control(http, "bulk", {})["steps"] == 0
    assert targets(bulk_status(http, auth, job_id, download="true")) == ["download"]

    control(http, "bulk", {"paused": False})
    assert bulk_finished(http, auth, job_id)["ia::meta"]["totalSuccess"] == 4


def test_the_pace_control_refuses_nonsense(http: httpx.Client) -> None:
    for body in ({"paused": "yes"}, {"record_ms": -1}, {"step": 1.5}, {"speed": 2}):
        assert http.post("/_emulator/bulk", json=body).status_code == 400
    assert http.get("/_emulator/bulk").json() == {"record_ms": 0, "paused": False, "steps": 0}


# -- idempotency, billing ---------------------------------------------------------------


def test_an_idempotency_key_makes_one_job(http: httpx.Client, auth: dict[str, str]) -> None:
    headers = {**auth, "Idempotency-Key": "bulk-k-1"}
    records = [{"id": "BULK-I1", "name": "i"}, {"id": "BULK-I2", "name": "i"}]
    first = ok(bulk_create(http, headers, records, objectName=VENDOR))["ia::result"]
    bulk_finished(http, auth, first["jobId"])
    before = billed(http)
    again = bulk_create(http, headers, records, objectName=VENDOR)
    error = error_of(again, 409)
    assert error["code"] == "conflict" and "bulk-k-1" in error["message"]
    assert error["details"] == [
        {
            "code": "conflict",
            "message": f"written: {first['statusURL']}",
            "target": "Idempotency-Key",
        }
    ]
    assert billed(http) == before  # no second job ran
    assert len(vendor_keys(http, auth, ["BULK-I1", "BULK-I2"])) == 2
    # a job refused whole keeps no key
    fixed = {**auth, "Idempotency-Key": "bulk-k-2"}
    assert bulk_create(http, fixed, records, objectName="nowhere/nothing").status_code == 404
    retried = ok(bulk_create(http, fixed, [{"id": "BULK-I3", "name": "i"}], objectName=VENDOR))
    bulk_finished(http, auth, retried["ia::result"]["jobId"])


def test_each_record_is_one_transaction_and_the_job_itself_none(
    http: httpx.Client, auth: dict[str, str]
) -> None:
    before = billed(http)
    records = [{"id": f"BULK-B{n}", "name": "b"} for n in range(3)] + [{"name": "no id"}]
    job_id = ok(bulk_create(http, auth, records, objectName=VENDOR))["ia::result"]["jobId"]
    status = bulk_finished(http, auth, job_id)
    assert status["ia::meta"] == {"totalCount": 4, "totalSuccess": 3, "totalError": 1}
    ok(bulk_status(http, auth, job_id, download="true"))
    assert billed(http) == before + 4  # the failed one too, as a batch bills it


# -- refused requests -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "target"),
    [
        ({"file_part": "other"}, "jobFile"),  # no part of jobFile's name
        ({"raw_file": b"[{nope"}, "jobFile"),  # not JSON
        ({"raw_file": b'{"id": "X"}'}, "jobFile"),  # not an array
        ({"raw_file": b"[]"}, "jobFile"),  # no records
        ({"fileContentType": "csv"}, "fileContentType"),
        ({"operation": "upsert"}, "operation"),
        ({"objectName": None}, "objectName"),
        ({"jobFile": None}, "jobFile"),
        ({"callbackURL": 7}, "callbackURL"),
        ({"priority": "high"}, "priority"),
    ],
)
def test_a_bad_request_names_what_is_wrong(
    http: httpx.Client, auth: dict[str, str], change: dict[str, Any], target: str
) -> None:
    before = billed(http)
    asked = {"objectName": VENDOR, **change}
    answer = bulk_create(http, auth, [{"id": "BULK-X", "name": "x"}], **asked)
    assert target in targets(answer)
    assert error_of(answer, 400)["errorId"] == "REST-1064"
    assert billed(http) == before


def test_the_request_body_part_is_required(http: httpx.Client, auth: dict[str, str]) -> None:
    files = {"file": ("records.json", b"[]", "application/json")}
    assert targets(http.post(BULK_CREATE, files=files, headers=auth)) == ["ia::requestBody"]
    asked = {"ia::requestBody": (None, "{not json", "application/json"), **files}
    assert targets(http.post(BULK_CREATE, files=asked, headers=auth)) == ["ia::requestBody"]
    plain = http.post(BULK_CREATE, json={"objectName": VENDOR}, headers=auth)
    assert targets(plain) == ["ia::requestBody"]


def test_objects_operations_and_permissions_as_the_object_routes(
    http: httpx.Client, auth: dict[str, str]
) -> None:
    one = [{"id": "BULK-Y", "name": "y"}]
    unknown = bulk_create(http, auth, one, objectName="accounts-payable/nothing")
    assert error_of(unknown, 404)["code"] == "notFound"
    assert error_of(bulk_create(http, auth, one, objectName="nothing"), 404)
    lines = bulk_create(http, auth, one, objectName="journal-entry-line")
    assert error_of(lines, 405)["code"] == "methodNotAllowed"  # written through the entry
    restricted = token(http, "demo_restricted@DEMO")
    denied = error_of(bulk_create(http, restricted, one, objectName=VENDOR), 403)
    assert "Vendors" in denied["message"]
    assert not vendor_keys(http, auth, ["BULK-Y"])


def test_a_job_is_its_user_s(http: httpx.Client, auth: dict[str, str]) -> None:
    job_id = ok(bulk_create(http, auth, [{"id": "BULK-O", "name": "o"}], objectName=VENDOR))[
        "ia::result"
    ]["jobId"]
    bulk_finished(http, auth, job_id)
    for other in (token(http, "demo_user@DEMO-ME"), token(http, "demo_restricted@DEMO")):
        assert error_of(bulk_status(http, other, job_id), 404)["code"] == "notFound"
        assert error_of(bulk_status(http, other, job_id, download="true"), 404)
    assert error_of(bulk_status(http, auth, "no-such-job"), 404)["code"] == "notFound"
    missing = http.get("/ia/api/v1/services/bulk/job/status", headers=auth)
    assert targets(missing) == ["jobId"]
    assert targets(bulk_status(http, auth, job_id, download="maybe")) == ["download"]
    assert (
        http.get("/ia/api/v1/services/bulk/job/status", params={"jobId": job_id}).status_code == 401
    )


def test_jobs_are_kept_a_day(http: httpx.Client, auth: dict[str, str]) -> None:
    job_id = ok(bulk_create(http, auth, [{"id": "BULK-D", "name": "d"}], objectName=VENDOR))[
        "ia::result"
    ]["jobId"]
    bulk_finished(http, auth, job_id)
    try:  # tokens last 12 hours: a new one on each side of the day
        control(http, "clock", {"advance_s": 23 * 3600})
        status = ok(bulk_status(http, token(http), job_id))
        assert status["ia::result"]["status"] == "completed"
        control(http, "clock", {"advance_s": 3600})
        assert error_of(bulk_status(http, token(http), job_id), 404)
    finally:
        http.delete("/_emulator/clock")


def test_a_body_over_the_cap_is_413(emulator: EmulatorServer, auth: dict[str, str]) -> None:
    """Refused from its Content-Length before a byte of it is read."""
    head = (
        f"POST {BULK_CREATE} HTTP/1.1\r\nHost: {emulator.host}:{emulator.port}\r\n"
        f"Authorization: {auth['Authorization']}\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {64 * 1024 * 1024 + 1}\r\n\r\n"
    ).encode()
    answer = b""
    with socket.create_connection((emulator.host, emulator.port), timeout=10) as sock:
        sock.sendall(head)
        while b"ia::meta" not in answer and (chunk := sock.recv(65536)):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"code":"invalidRequest"' in answer


# -- request-level limits and faults --------------------------------------------------


def test_faults_and_the_company_s_slots_apply(
    emulator: EmulatorServer, http: httpx.Client, auth: dict[str, str]
) -> None:
    one = [{"id": "BULK-F", "name": "f"}]
    installed = http.post(
        "/_emulator/faults", content=b"status=503,times=1,function=rest:bulk.job.create"
    )
    assert installed.status_code == 200, installed.text
    try:
        assert bulk_create(http, auth, one, objectName=VENDOR).status_code == 503
        job_id = ok(bulk_create(http, auth, one, objectName=VENDOR))["ia::result"]["jobId"]
    finally:
        http.delete("/_emulator/faults")
    limit = emulator.emulator.limit
    held = [limit.acquire("DEMO") for _ in range(limit.limit_of("DEMO"))]
    try:
        assert bulk_status(http, auth, job_id).status_code == 429
        assert bulk_create(http, auth, one, objectName=VENDOR).status_code == 429
    finally:
        for _ in held:
            limit.release("DEMO")
    assert bulk_finished(http, auth, job_id)["ia::meta"]["totalSuccess"] == 1


# -- in-process -------------------------------------------------------------------------


def workers(before: set[threading.Thread]) -> list[threading.Thread]:
    """Bulk job workers started since ``before`` and still running."""
    return [t for t in threading.enumerate() if t not in before and t.name == "emulator-bulk-jobs"]


def test_in_process_the_worker_runs_and_stops_with_the_emulator() -> None:
    before = set(threading.enumerate())
    with InProcessEmulator(scale=0, seed=1) as emulator:
        transport = emulator.transport()
        with httpx.Client(transport=transport, base_url="https://emulator.invalid") as http:
            form = {"grant_type": "client_credentials", "username": "demo_user@DEMO"}
            answer = ok(http.post("/ia/api/v1/oauth2/token", data=form, auth=CLIENT))
            auth = {"Authorization": f"Bearer {answer['access_token']}"}
            assert emulator.pace_bulk(paused=True) == {
                "record_ms": 0,
                "paused": True,
                "steps": 0,
            }
            created = ok(
                bulk_create(http, auth, [{"id": "IN-1", "name": "i"}], objectName="vendor")
            )
            job_id = created["ia::result"]["jobId"]
            assert ok(bulk_status(http, auth, job_id))["ia::result"]["status"] == "queued"
            emulator.pace_bulk(paused=False)
            bulk_finished(http, auth, job_id)
            results = ok(bulk_status(http, auth, job_id, download="true"))
            assert results[0]["id"] == "IN-1"
            assert "emulator-bulk-jobs" in {t.name for t in threading.enumerate()}
            # a paused job left queued does not keep the emulator from closing
            emulator.pace_bulk(paused=True)
            ok(bulk_create(http, auth, [{"id": "IN-2", "name": "i"}], objectName="vendor"))
        transport.close()
    assert not workers(before)


def test_records_are_written_in_the_job_s_entity(http: httpx.Client) -> None:
    in_entity = {**token(http, "demo_user@DEMO-ME"), "X-IA-API-Param-Entity": "E100"}
    bulk_job(http, in_entity, [{"id": "BULK-E1", "name": "e"}], objectName=VENDOR)

    def seen(locationid: str) -> list[str | None]:
        root = xml(
            http,
            "<readByQuery><object>VENDOR</object><fields>VENDORID,MEGAENTITYID</fields>"
            "<query>VENDORID = 'BULK-E1'</query><pagesize>10</pagesize></readByQuery>",
            company="DEMO-ME",
            locationid=locationid,
        )
        return [v.findtext("MEGAENTITYID") for v in root.iterfind(".//vendor")]

    assert seen("E100") == ["E100"]
    assert seen("E200") == []
