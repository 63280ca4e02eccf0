"""The REST query service over the XML gateway's records (``POST
/ia/api/v1/services/core/query``), through HTTP with a token from the real OAuth flow:
every catalog field of every object, offset pages that shift as data changes, filters,
filterExpression, orderBy, UTC across a DST change, entity scoping, errors naming
their field, the one ledger and the one concurrency limit of both APIs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from intacct.emulator.server import EmulatorServer
from intacct.protocol.classify import error_for_rest
from intacct.protocol.rest import parse_rest
from intacct.protocol.rest_catalog import rest_catalog

from .conftest import envelope
from .rest_support import (
    ENTITY,
    QUERY,
    SERVED,
    at_home,
    control,
    create_vendor,
    details,
    every,
    ok,
    query,
    token,
    xml,
    xml_rows,
)

VENDOR = "accounts-payable/vendor"


def _fields(path: str) -> list[str]:
    obj = rest_catalog()[path]
    return [f.name for f in obj.fields.values() if f.type != "array"]


def _get(record: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        record = record[part]
    return record


@pytest.mark.parametrize("path", SERVED)
def test_every_object_answers_every_field(
    http: httpx.Client, auth: dict[str, str], path: str
) -> None:
    fields = _fields(path)
    answer = query(http, auth, object=path, fields=fields, size=5)
    body = ok(answer)
    read = parse_rest(answer.content, http_status=200)
    assert read.ok and read.meta["pageSize"] == 5
    for record in body["ia::result"]:
        for name in fields:
            _get(record, name)  # nested as the dot path says
        assert at_home(record["href"], path, record["key"])
    obj = rest_catalog()[path]
    total = body["ia::meta"]["totalCount"]
    if obj.xml_object:  # the twin's records, as many as XML sees
        assert total == _xml_count(http, obj.xml_object), path
    elif "::" not in path:  # computed from XML records, or seeded in its own table
        assert total > 0, path


def _xml_count(http: httpx.Client, name: str) -> int:
    select = "<select><field>RECORDNO</field></select>"
    root = xml(http, f"<query><object>{name}</object>{select}<pagesize>1</pagesize></query>")
    return int(root.find(".//data").get("totalcount"))


def test_pages_follow_next_and_previous(http: httpx.Client, auth: dict[str, str]) -> None:
    whole = every(http, auth, VENDOR, ["key"])
    keys: list[str] = []
    start: int | None = 1
    while start is not None:
        meta_page = ok(query(http, auth, object=VENDOR, fields=["key"], start=start, size=3))
        meta = meta_page["ia::meta"]
        assert meta["start"] == start and meta["pageSize"] == 3
        assert meta["previous"] == (None if start == 1 else max(1, start - 3))
        keys += [r["key"] for r in meta_page["ia::result"]]
        start = meta["next"]
    assert keys == [r["key"] for r in whole] and len(set(keys)) == len(keys) == meta["totalCount"]


def test_size_beyond_the_largest_is_served_as_4000(
    http: httpx.Client, auth: dict[str, str]
) -> None:
    meta = ok(query(http, auth, object=VENDOR, fields=["key"], size=10_000))["ia::meta"]
    assert meta["pageSize"] == 4000 and meta["next"] is None
    past = ok(query(http, auth, object=VENDOR, fields=["key"], start=10_000))
    assert past["ia::result"] == [] and past["ia::meta"]["next"] is None


def test_a_write_between_pages_shifts_the_next_page(
    http: httpx.Client, auth: dict[str, str]
) -> None:
    asked = {"object": VENDOR, "fields": ["id"], "orderBy": [{"id": "asc"}], "size": 2}
    first = ok(http.post(QUERY, json=asked, headers=auth))["ia::result"]
    create_vendor(http, "A00-SHIFT")  # sorts before every seeded id
    second = ok(http.post(QUERY, json={**asked, "start": 3}, headers=auth))["ia::result"]
    assert second[0]["id"] == first[1]["id"]  # seen twice: no server cursor


def test_filters_and_expression(http: httpx.Client, auth: dict[str, str]) -> None:
    fields = ["key", "id", "name", "status", "creditLimit"]
    records = every(http, auth, VENDOR, fields)
    sample = records[:3]
    ids = [r["id"] for r in sample]
    body = {
        "filters": [
            {"$in": {"id": ids}},
            {"$eq": {"status": "active"}},
            {"$startsWith": {"name": sample[0]["name"][:3].lower()}},
        ],
        "filterExpression": "1 and (2 or 3)",
        "filterParameters": {"caseSensitiveComparison": False},
    }
    got = {r["id"] for r in every(http, auth, VENDOR, fields, **body)}
    want = {
        r["id"]
        for r in sample
        if r["status"] == "active" or r["name"].lower().startswith(sample[0]["name"][:3].lower())
    }
    assert got == want and got
    # case-sensitive by default: a lower-cased prefix of a capitalized name finds nothing
    prefix = sample[0]["name"][:3]
    assert prefix != prefix.lower()
    lowered = [{"$startsWith": {"name": prefix.lower()}}]
    assert every(http, auth, VENDOR, ["id"], filters=lowered) == []
    folded = {"caseSensitiveComparison": False}
    assert every(http, auth, VENDOR, ["id"], filters=lowered, filterParameters=folded)
    keys = sorted(int(r["key"]) for r in records)
    between = every(
        http, auth, VENDOR, ["key"], filters=[{"$between": {"key": [str(keys[1]), str(keys[3])]}}]
    )
    assert sorted(int(r["key"]) for r in between) == keys[1:4]
    outside = every(
        http, auth, VENDOR, ["key"], filters=[{"$notIn": {"key": [str(k) for k in keys[1:]]}}]
    )
    assert [int(r["key"]) for r in outside] == keys[:1]
    named = every(
        http,
        auth,
        VENDOR,
        ["id"],
        filters=[{"$contains": {"id": ids[0][2:]}}, {"$ne": {"id": ids[0]}}],
        filterExpression="or",
    )
    assert ids[0] in {r["id"] for r in named}


def test_order_by_and_the_keyset_on_modified_time(http: httpx.Client, auth: dict[str, str]) -> None:
    path = "accounts-payable/bill"
    order = [{"audit.modifiedDateTime": "asc"}, {"key": "asc"}]
    fields = ["key", "audit.modifiedDateTime"]
    whole = [
        r for r in every(http, auth, path, fields, orderBy=order) if r["audit"]["modifiedDateTime"]
    ]
    assert whole == sorted(whole, key=lambda r: (r["audit"]["modifiedDateTime"], int(r["key"])))
    # the connector's keyset: strictly after the last time seen, in time then key order
    seen: list[dict[str, Any]] = []
    after = "1970-01-01T00:00:00Z"
    while True:
        page = ok(
            query(
                http,
                auth,
                object=path,
                fields=fields,
                orderBy=order,
                size=7,
                filters=[{"$gte": {"audit.modifiedDateTime": after}}],
            )
        )["ia::result"]
        fresh = [r for r in page if r not in seen]
        if not fresh:
            break
        seen += fresh
        after = fresh[-1]["audit"]["modifiedDateTime"]
    assert seen == whole
    desc = ok(query(http, auth, object=path, fields=["key"], orderBy=[{"key": "desc"}], size=4000))
    keys = [int(r["key"]) for r in desc["ia::result"]]
    assert keys == sorted(keys, reverse=True)


def test_utc_across_daylight_saving_changes(http: httpx.Client, auth: dict[str, str]) -> None:
    """DEMO keeps America/Los_Angeles time: 2027-03-14 01:30 PST is 09:30Z, 03:30 PDT
    is 10:30Z; a $gt between them finds only the later one."""
    written = {}
    try:
        for vendorid, moment in (
            ("DST-BEFORE", "2027-03-14T09:30:00Z"),
            ("DST-AFTER", "2027-03-14T10:30:00Z"),
        ):
            control(http, "clock", {"now": moment})
            written[vendorid] = create_vendor(http, vendorid)
    finally:
        http.delete("/_emulator/clock")
    shown = xml(
        http,
        f"<read><object>VENDOR</object><keys>{written['DST-AFTER']}</keys><fields>WHENMODIFIED</fields></read>",
    )
    assert shown.findtext(".//WHENMODIFIED") == "03/14/2027 03:30:00"  # company time on XML
    fields = ["id", "audit.modifiedDateTime", "audit.createdDateTime"]
    found = {
        r["id"]: r["audit"]
        for r in every(http, auth, VENDOR, fields, filters=[{"$startsWith": {"id": "DST-"}}])
    }
    assert found["DST-BEFORE"]["modifiedDateTime"] == "2027-03-14T09:30:00Z"
    assert found["DST-AFTER"]["modifiedDateTime"] == "2027-03-14T10:30:00Z"
    later = every(
        http,
        auth,
        VENDOR,
        ["id"],
        filters=[{"$gt": {"audit.modifiedDateTime": "2027-03-14T10:00:00Z"}}],
    )
    assert "DST-AFTER" in {r["id"] for r in later} and "DST-BEFORE" not in {r["id"] for r in later}


@pytest.mark.parametrize(
    "zone", ["America/Los_Angeles", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe"]
)
def test_every_time_is_the_utc_of_xmls_company_time(
    http: httpx.Client, auth: dict[str, str], zone: str
) -> None:
    """Each vendor's REST times are the UTC instants of the company times XML shows
    (the first of a repeated hour's two), in a zone of whole hours and in zones of half
    and quarter hours, with writes in the autumn change's repeated hour and its
    neighbours (a page's times are shown an hour at a time)."""
    moments = ["2027-11-07T07:59:30Z", "2027-11-07T08:30:00Z", "2027-11-07T09:30:00Z",
               "2027-11-07T10:00:05Z", "2027-04-04T15:15:00Z"]  # fmt: skip
    try:
        control(http, "companies/DEMO", {"timezone": zone})
        for n, moment in enumerate(moments):
            control(http, "clock", {"now": moment})
            create_vendor(http, f"TZ-{zone[-4:]}-{n}")
        http.delete("/_emulator/clock")  # the token's time again
        fields = ["key", "audit.createdDateTime", "audit.modifiedDateTime"]
        shown = {r["key"]: r["audit"] for r in every(http, auth, VENDOR, fields)}
        stored = xml_rows(http, "VENDOR", "RECORDNO,WHENCREATED,WHENMODIFIED")
    finally:
        http.delete("/_emulator/clock")
        control(http, "companies/DEMO", {"timezone": "America/Los_Angeles"})
    company = ZoneInfo(zone)

    def utc(wire: str) -> str | None:
        if not wire:
            return None
        local = datetime.strptime(wire, "%m/%d/%Y %H:%M:%S").replace(tzinfo=company, fold=0)
        return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    assert len(stored) == len(shown) > len(moments)
    for row in stored:
        audit = shown[row["RECORDNO"]]
        assert audit["createdDateTime"] == utc(row["WHENCREATED"]), row
        assert audit["modifiedDateTime"] == utc(row["WHENMODIFIED"]), row


def test_empty_modified_times_stay_null(http: httpx.Client, auth: dict[str, str]) -> None:
    records = every(http, auth, VENDOR, ["key", "audit.modifiedDateTime"])
    empty = [r for r in records if r["audit"]["modifiedDateTime"] is None]
    stored = xml(
        http,
        "<query><object>VENDOR</object><select><field>RECORDNO</field></select>"
        "<filter><isnull><field>WHENMODIFIED</field></isnull></filter></query>",
    )
    assert {r["key"] for r in empty} == {e.text for e in stored.iter("RECORDNO")}


def test_entity_header_and_token_scope_match_xml(http: httpx.Client) -> None:
    top = token(http, "demo_user@DEMO-ME")
    in_entity = token(http, "demo_user@DEMO-ME|E100")
    path, xml_name = "accounts-payable/bill", "APBILL"

    def total(headers: dict[str, str], **body: Any) -> int:
        return int(
            ok(query(http, headers, object=path, fields=["key"], **body))["ia::meta"]["totalCount"]
        )

    def xml_total(locationid: str = "", private: bool = False) -> int:
        options = "<options><showprivate>true</showprivate></options>" if private else ""
        root = xml(
            http,
            f"<query><object>{xml_name}</object><select><field>RECORDNO</field></select>{options}</query>",
            company="DEMO-ME",
            locationid=locationid,
        )
        return int(root.find(".//data").get("totalcount"))

    assert total(top) == xml_total()
    assert total(in_entity) == xml_total("E100")
    assert total({**top, ENTITY: "E100"}) == xml_total("E100")
    assert total(top, filterParameters={"includePrivate": True}) == xml_total(private=True)
    assert xml_total("E100") != xml_total(private=True)
    bad = http.post(
        QUERY, json={"object": path, "fields": ["key"]}, headers={**top, ENTITY: "E999"}
    )
    assert bad.status_code == 400


def test_errors_name_the_field_and_read_as_the_goldens(
    http: httpx.Client, auth: dict[str, str]
) -> None:
    cases = [
        (
            {"object": VENDOR, "fields": ["key", "nope", "vendorType.nope"]},
            ["nope", "vendorType.nope"],
        ),
        ({"object": VENDOR, "fields": ["key"], "filters": [{"$like": {"id": "x"}}]}, ["$like"]),
        (
            {"object": VENDOR, "fields": ["key"], "filters": [{"$eq": {"status": "paused"}}]},
            ["status"],
        ),
        (
            {
                "object": VENDOR,
                "fields": ["key"],
                "filters": [{"$gt": {"audit.modifiedDateTime": "yesterday-ish"}}],
            },
            ["audit.modifiedDateTime"],
        ),
        (
            {
                "object": VENDOR,
                "fields": ["key"],
                "filters": [{"$contains": {"lastBillCreatedDate": "2026"}}],
            },
            ["$contains"],
        ),
        (
            {
                "object": VENDOR,
                "fields": ["key"],
                "filters": [{"$eq": {"id": "a"}}],
                "filterExpression": "1 and 2",
            },
            ["filterExpression"],
        ),
        ({"object": VENDOR, "fields": ["key"], "orderBy": [{"name": "up"}]}, ["name"]),
        ({"object": "accounts-payable/nothing", "fields": ["key"]}, ["object"]),
        ({"object": VENDOR, "fields": ["key"], "size": 0}, ["size"]),
        ({"object": "accounts-payable/bill", "fields": ["lines"]}, ["lines"]),
    ]
    for body, targets in cases:
        answer = http.post(QUERY, json=body, headers=auth)
        assert [d["target"] for d in details(answer)] == targets, body
        read = parse_rest(answer.content, http_status=400)
        assert type(error_for_rest(read)).__name__ == "ValidationError"
    unknown = details(http.post(QUERY, json={"object": VENDOR, "fields": ["nope"]}, headers=auth))
    assert (
        unknown[0]["errorId"] == "REST-1043"
        and unknown[0]["message"] == "nope is not a valid field"
    )
    assert http.post(QUERY, json={"object": VENDOR, "fields": ["key"]}).status_code == 401


def test_one_query_is_one_transaction(http: httpx.Client, auth: dict[str, str]) -> None:
    def billed() -> int:
        return int(http.get("/_emulator/stats").json().get("api_transactions.DEMO", 0))

    before = billed()
    ok(query(http, auth, object=VENDOR, fields=["key"], size=4000))
    assert billed() == before + 1
    details(http.post(QUERY, json={"object": VENDOR, "fields": ["nope"]}, headers=auth))
    assert billed() == before + 1  # refused before reading: not billed
    xml(http, "<query><object>VENDOR</object><select><field>RECORDNO</field></select></query>")
    assert billed() == before + 2  # one ledger for both APIs


def test_the_concurrency_limit_is_shared_with_xml(
    emulator: EmulatorServer, http: httpx.Client, auth: dict[str, str]
) -> None:
    limit = emulator.emulator.limit
    held = [limit.acquire("DEMO") for _ in range(limit.limit_of("DEMO"))]
    try:
        answer = query(http, auth, object=VENDOR, fields=["key"])
        assert answer.status_code == 429 and answer.headers["retry-after"] == "1"
        assert answer.json()["ia::result"]["ia::error"]["code"] == "tooManyRequests"
        read = parse_rest(answer.content, http_status=429)
        assert type(error_for_rest(read)).__name__ == "ThrottledError"
    finally:
        for _ in held:
            limit.release("DEMO")
    assert query(http, auth, object=VENDOR, fields=["key"]).status_code == 200


def test_a_denied_module_is_403(http: httpx.Client) -> None:
    restricted = token(http, "demo_restricted@DEMO")
    answer = query(http, restricted, object=VENDOR, fields=["key"])
    assert answer.status_code == 403
    assert (
        type(error_for_rest(parse_rest(answer.content, http_status=403))).__name__
        == "PermissionDeniedError"
    )
    assert (
        query(http, restricted, object="general-ledger/account", fields=["key"]).status_code == 200
    )


def test_queries_see_writes_late_under_a_lag(http: httpx.Client, auth: dict[str, str]) -> None:
    control(http, "lag", {"company": "DEMO", "seconds": 3600})
    try:
        key = create_vendor(http, "LATE-REST")
        seen = every(http, auth, VENDOR, ["id"], filters=[{"$eq": {"id": "LATE-REST"}}])
        assert seen == []  # the query reads the lagging replica
        got = http.get(f"/ia/api/v1/objects/{VENDOR}/{key}", headers=auth)
        assert ok(got)["ia::result"]["id"] == "LATE-REST"  # a read by key does not
    finally:
        control(http, "lag", {"company": "DEMO", "seconds": 0})


def test_vendor_totals_come_from_the_bills(http: httpx.Client, auth: dict[str, str]) -> None:
    totals = every(http, auth, "accounts-payable/vendor-total", ["vendor.id", "totalDue"])
    bills = every(http, auth, "accounts-payable/bill", ["vendor.id", "totalBaseAmountDue"])
    due: dict[str, float] = {}
    for bill in bills:
        amount = bill["totalBaseAmountDue"]
        due[bill["vendor"]["id"]] = due.get(bill["vendor"]["id"], 0.0) + float(amount or 0)
    assert totals
    for row in totals:
        assert float(row["totalDue"]) == pytest.approx(due.get(row["vendor"]["id"], 0.0))
    high = every(
        http,
        auth,
        "accounts-payable/vendor-total",
        ["vendor.id"],
        filters=[{"$gt": {"totalDue": "0"}}],
    )
    assert {r["vendor"]["id"] for r in high} == {k for k, v in due.items() if v > 0}
    # REST-only: the XML gateway knows no such object
    for name in ("VENDORTOTAL", "VENDOR-TOTAL"):
        answer = http.post(
            "/ia/xml/xmlgw.phtml",
            content=envelope(
                f"<query><object>{name}</object><select><field>RECORDNO</field></select></query>"
            ),
            headers={"Content-Type": "application/xml"},
        )
        assert b"<status>failure</status>" in answer.content
