"""Functions through our own client against the seeded emulator (real socket)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

import httpx
import pytest

from intacct import IntacctClient, fn, q
from intacct.emulator.server import EmulatorServer
from intacct.errors import (
    AlreadyAppliedError,
    DuplicateError,
    GatewayError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
    WriteError,
)
from intacct.protocol.classify import error_for_result

Connect = Callable[..., IntacctClient]


def test_query_totals_offset_and_order(connect: Connect) -> None:
    client = connect()
    first = client.query(
        "GLACCOUNT",
        ["RECORDNO", "ACCOUNTNO", "TITLE"],
        orderby=[q.Order("ACCOUNTNO", descending=True)],
        pagesize=5,
    )
    data = first.data
    assert data is not None and data.listtype == "GLACCOUNT"
    assert data.count == 5 and data.offset == 0
    assert data.totalcount is not None and data.totalcount > 5
    assert data.numremaining == data.totalcount - 5
    numbers = [r["ACCOUNTNO"] for r in first.records]
    assert numbers == sorted(numbers, reverse=True)
    assert all(r.tag == "GLACCOUNT" for r in first.records)
    second = client.query(
        "GLACCOUNT",
        ["ACCOUNTNO"],
        orderby=[q.Order("ACCOUNTNO", descending=True)],
        pagesize=5,
        offset=5,
    )
    assert second.records[0]["ACCOUNTNO"] < numbers[-1]


def test_query_filters(connect: Connect) -> None:
    client = connect()
    active = client.query(
        "VENDOR", ["VENDORID", "STATUS"], filter=q.equalto("STATUS", "active"), pagesize=2000
    )
    assert active.records and all(r["STATUS"] == "active" for r in active.records)
    some = [r["VENDORID"] for r in active.records[:3]]
    picked = client.query("VENDOR", ["VENDORID"], filter=q.in_("VENDORID", some))
    assert sorted(r["VENDORID"] for r in picked.records) == sorted(some)
    none = client.query(
        "VENDOR",
        ["VENDORID"],
        filter=q.and_(q.equalto("VENDORID", some[0]), q.notequalto("VENDORID", some[0])),
    )
    assert none.records == [] and none.data is not None and none.data.totalcount == 0


def test_query_aggregate(connect: Connect) -> None:
    client = connect()
    result = client.call(fn.Query("GLACCOUNT", ["ACCOUNTTYPE", fn.Aggregate("count", "RECORDNO")]))
    counts = {r["ACCOUNTTYPE"]: int(r["COUNT.RECORDNO"]) for r in result.records}
    total = client.query("GLACCOUNT", ["RECORDNO"], pagesize=1).data
    assert total is not None and sum(counts.values()) == total.totalcount


def test_query_errors(connect: Connect) -> None:
    client = connect()
    with pytest.raises(ValidationError):
        client.query("NOSUCHOBJECT", ["RECORDNO"])
    with pytest.raises(ValidationError):
        client.query("VENDOR", ["NOSUCHFIELD"])


def test_iter_query_keyset_sees_every_row_once(connect: Connect) -> None:
    client = connect()
    total = client.query("GLENTRY", ["RECORDNO"], pagesize=1).data
    assert total is not None and total.totalcount
    rows = list(
        client.iter_query("GLENTRY", ["RECORDNO", "AMOUNT"], key="WHENMODIFIED", pagesize=137)
    )
    assert len(rows) == total.totalcount == len({r["RECORDNO"] for r in rows})


def test_read_by_query_and_read_more(connect: Connect) -> None:
    client = connect()
    first = client.call(fn.ReadByQuery("VENDOR", query="STATUS = 'T'", pagesize=10))
    data = first.data
    assert data is not None and data.listtype == "vendor" and data.count == 10
    assert data.result_id and data.numremaining == data.totalcount - 10
    assert first.records[0].tag == "vendor" and "VENDORID" in first.records[0]
    rows = list(client.iter_read_by_query("VENDOR", "STATUS = 'T'", pagesize=7))
    assert len(rows) == data.totalcount == len({r["RECORDNO"] for r in rows})
    with pytest.raises(NotFoundError, match="invalid or expired resultId"):
        client.call(fn.ReadMore(result_id="nope"))


def test_read_and_read_by_name(connect: Connect) -> None:
    client = connect()
    vendors = client.query("VENDOR", ["RECORDNO", "VENDORID"], pagesize=2).records
    keys = [int(v["RECORDNO"]) for v in vendors]
    read = client.read("VENDOR", keys)
    assert [r["VENDORID"] for r in read] == [v["VENDORID"] for v in vendors]
    assert read[0].tag == "VENDOR"
    by_name = client.read_by_name("VENDOR", [v["VENDORID"] for v in vendors], "VENDORID,NAME")
    assert sorted(by_name[0]) == ["NAME", "VENDORID"]


def test_read_returns_owned_lines(connect: Connect) -> None:
    client = connect()
    batch = client.query("GLBATCH", ["RECORDNO"], pagesize=1).records[0]
    (full,) = client.read("GLBATCH", [int(batch["RECORDNO"])])
    entries = full.nested("ENTRIES")[0].nested("glentry") if full.nested("ENTRIES") else []
    assert len(entries) >= 2
    debits = sum(float(e["AMOUNT"]) for e in entries if e["TR_TYPE"] == "1")
    credits = sum(float(e["AMOUNT"]) for e in entries if e["TR_TYPE"] == "-1")
    assert round(debits, 2) == round(credits, 2)


def test_create_update_delete_with_audit(connect: Connect) -> None:
    client = connect()
    (created,) = client.create("CLASS", [{"CLASSID": "EMU-C1", "NAME": "Emulated"}])
    assert created.ok and created.records[0].tag == "class"
    recordno = int(created.records[0]["RECORDNO"])
    (row,) = client.read("CLASS", [recordno])
    assert row["NAME"] == "Emulated" and row["CREATEDBY"] == "1"
    made = datetime.strptime(row["WHENCREATED"], "%m/%d/%Y %H:%M:%S")  # noqa: DTZ007
    (updated,) = client.update("CLASS", [{"RECORDNO": recordno, "NAME": "Renamed"}])
    assert updated.ok
    (row,) = client.read("CLASS", [recordno])
    assert row["NAME"] == "Renamed"
    assert datetime.strptime(row["WHENMODIFIED"], "%m/%d/%Y %H:%M:%S") >= made  # noqa: DTZ007
    client.delete("CLASS", [recordno])
    assert client.read("CLASS", [recordno]) == []
    history = client.query(
        "AUDITHISTORY",
        ["ACCESSMODE", "OBJECTKEY"],
        filter=q.and_(q.equalto("OBJECTTYPE", "class"), q.equalto("OBJECTKEY", "EMU-C1")),
    )
    assert sorted(r["ACCESSMODE"] for r in history.records) == ["Create", "Delete", "Modify"]


def _failure(write: Callable[[], object]) -> GatewayError:
    with pytest.raises(WriteError) as info:
        write()
    (error,) = info.value.failures.values()
    return error


def test_write_errors(connect: Connect) -> None:
    client = connect()
    client.create("CLASS", [{"CLASSID": "EMU-DUP", "NAME": "First"}])
    dup = _failure(lambda: client.create("CLASS", [{"CLASSID": "EMU-DUP", "NAME": "Second"}]))
    assert isinstance(dup, DuplicateError)
    assert isinstance(
        _failure(lambda: client.create("CLASS", [{"NAME": "no id"}])), ValidationError
    )
    missing = _failure(lambda: client.delete("CLASS", [999999]))
    assert isinstance(missing, NotFoundError) and "Cannot find class with key '999999'" in str(
        missing
    )
    bad = _failure(lambda: client.update("CLASS", [{"RECORDNO": 999999, "NAME": "x"}]))
    assert isinstance(bad, NotFoundError)


def test_partial_create_without_transaction(connect: Connect) -> None:
    client = connect()
    result = client.execute(
        [
            fn.Create(
                [("CLASS", {"CLASSID": "EMU-P1", "NAME": "ok"}), ("CLASS", {"NAME": "missing id"})]
            )
        ]
    )[0]
    assert result.status == "failure"
    assert [r["CLASSID"] for r in result.records] == ["EMU-P1"]
    assert result.errors


def test_replayed_write_is_refused_as_already_applied(connect: Connect) -> None:
    ids = ["emulator-run-1-0"]  # a deliberate re-run passes the same control ids
    (first,) = connect().create("CLASS", [{"CLASSID": "EMU-R1", "NAME": "Once"}], controlids=ids)
    (again,) = connect().create("CLASS", [{"CLASSID": "EMU-R1", "NAME": "Once"}], controlids=ids)
    assert first.ok
    assert isinstance(error_for_result(again), AlreadyAppliedError)


def test_multi_entity_visibility(connect: Connect) -> None:
    top = connect(company_id="DEMO-ME")
    us = connect(company_id="DEMO-ME", entity_id="E100")
    uk = connect(company_id="DEMO-ME", entity_id="E200")
    us_vendors = {r["VENDORID"] for r in us.iter_query("VENDOR", ["VENDORID"])}
    uk_vendors = {r["VENDORID"] for r in uk.iter_query("VENDOR", ["VENDORID"])}
    assert us_vendors and uk_vendors and not us_vendors & uk_vendors
    assert us.session is not None and us.session.locationid == "E100"
    everything = {r["VENDORID"] for r in top.iter_query("VENDOR", ["VENDORID"], showprivate=True)}
    assert us_vendors | uk_vendors <= everything
    accounts_us = us.query("GLACCOUNT", ["RECORDNO"], pagesize=1).data
    accounts_top = top.query("GLACCOUNT", ["RECORDNO"], pagesize=1).data
    assert accounts_us and accounts_top and accounts_us.totalcount == accounts_top.totalcount
    (created,) = us.create(
        "VENDOR",
        [{"VENDORID": "EMU-US1", "NAME": "US only", "DISPLAYCONTACT": {"CONTACTNAME": "US only"}}],
    )
    assert created.ok, created.errors
    assert uk.read_by_name("VENDOR", ["EMU-US1"]) == []
    (mine,) = us.read_by_name("VENDOR", ["EMU-US1"])
    assert mine["MEGAENTITYID"] == "E100"
    assert [e["id"] for e in top.read_entity_details()] == ["E100", "E200"]


def test_restricted_user_lacks_ap(connect: Connect) -> None:
    client = connect(user_id="demo_restricted")
    with pytest.raises(PermissionDeniedError):
        client.query("APBILL", ["RECORDNO"])
    assert client.query("CUSTOMER", ["RECORDNO"], pagesize=1).ok


def test_metadata(connect: Connect) -> None:
    client = connect()
    vendor = client.lookup("VENDOR")
    assert "VENDORID" in vendor.required_fields and vendor.field("STATUS").valid_values
    assert any(f.custom for f in vendor.fields)
    detail = client.inspect("CUSTOMER")
    assert detail.field("CUSTOMERID").max_length
    dimensions = {d["objectName"] for d in client.get_dimensions()}
    assert {"DEPARTMENT", "LOCATION", "CLASS", "PROJECT"} <= dimensions
    assert any(d["userDefinedDimension"] == "true" for d in client.get_dimensions())


def test_legacy_functions(connect: Connect) -> None:
    client = connect()
    created = client.call(fn.LegacyCreate("class", {"classid": "EMU-L1", "name": "Legacy"}))
    assert created.key == "EMU-L1"
    listed = client.call(
        fn.GetList("class", maxitems=500, filter=fn.expression("classid", "=", "EMU-L1"))
    )
    assert listed.listtype is not None and listed.listtype.text == "class"
    # the 2.1 answer names the class id `key` (no classid element), as the real capture
    assert [r["key"] for r in listed.records] == ["EMU-L1"]
    client.call(fn.LegacyUpdate("class", "key", "EMU-L1", {"name": "Legacy 2"}))
    got = client.call(fn.Get("class", "EMU-L1"))
    assert got.records[0]["name"] == "Legacy 2"
    client.call(fn.LegacyDelete("class", "key", "EMU-L1"))
    assert client.call(fn.Get("class", "EMU-L1")).records == []


def test_json_and_csv_return_formats(connect: Connect) -> None:
    client = connect()
    as_json = client.execute(
        [fn.Query("CLASS", ["CLASSID", "NAME"], returnformat="json", pagesize=3)]
    )[0]
    as_csv = client.execute(
        [fn.ReadByQuery("CLASS", fields=["CLASSID", "NAME"], returnformat="csv", pagesize=3)]
    )[0]
    assert len(as_json.records) == 3 and set(as_json.records[0]) == {"CLASSID", "NAME"}
    assert [dict(r) for r in as_csv.records] == [dict(r) for r in as_json.records]


def test_result_ids_expire(connect: Connect, server: EmulatorServer) -> None:
    client = connect()
    first = client.call(fn.ReadByQuery("CLASS", pagesize=1))
    assert first.data is not None and first.data.result_id
    ttl = server.store.cursor_ttl_s
    server.store.cursor_ttl_s = 0.0
    try:
        with pytest.raises(NotFoundError, match="invalid or expired resultId"):
            client.call(fn.ReadMore(result_id=first.data.result_id))
    finally:
        server.store.cursor_ttl_s = ttl


def test_one_client_shared_by_threads_opens_one_session(
    connect: Connect, server: EmulatorServer
) -> None:
    stats = server.url.replace("/ia/xml/xmlgw.phtml", "/_emulator/stats")
    before = httpx.get(stats).json().get("getAPISession", 0)
    client = connect(max_concurrency=2)
    found: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(5):
            rows = client.query("CLASS", ["RECORDNO"], pagesize=3).records
            with lock:
                found.append(len(rows))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == [3] * 30
    assert httpx.get(stats).json()["getAPISession"] == before + 1
