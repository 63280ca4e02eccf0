"""Batching, per-function results, control ids per logical send, request headers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from intacct import __version__
from intacct.client import IntacctClient, is_applied
from intacct.errors import (
    DuplicateError,
    NotFoundError,
    RequestBuildError,
    TransactionAbortedError,
    WriteError,
)
from intacct.protocol import functions as fn
from intacct.protocol.classify import error_for_result

from .fakegw import Call, E, FakeGateway, error, record

VENDORS = {"1": "V1", "2": "V2"}


def _read(call: Call) -> object:
    keys = (call.body.findtext("keys") or "").split(",")
    found = [record("VENDOR", RECORDNO=k, VENDORID=VENDORS[k]) for k in keys if k in VENDORS]
    return E("data", *found, listtype="VENDOR", count=str(len(found)))


def _create(call: Call) -> object:
    vendor = call.body[0]
    if vendor.findtext("VENDORID") == "DUP":
        return "Another Vendor with the given value(s) DUP already exists"
    return E(
        "data",
        record("vendor", RECORDNO="10", VENDORID=vendor.findtext("VENDORID")),
        listtype="objects",
        count="1",
    )


def _delete(call: Call) -> object:
    return f"Cannot find vendor with key '{call.body.findtext('keys')}' to delete."


@pytest.fixture(autouse=True)
def _handlers(gateway: FakeGateway) -> None:
    gateway.handlers.update(read=_read, create=_create, delete=_delete)  # type: ignore[arg-type]


def test_batch_returns_one_result_per_function_in_order(
    client: IntacctClient, gateway: FakeGateway
) -> None:
    results = client.execute(
        [
            fn.Read("VENDOR", [1]),
            fn.Delete("VENDOR", [99]),
            fn.Create([("VENDOR", {"VENDORID": "V3", "NAME": "Three"})]),
            fn.Read("VENDOR", [2]),
        ]
    )
    assert [r.function for r in results] == ["read", "delete", "create", "read"]
    assert [r.ok for r in results] == [True, False, True, True]
    assert results[0].records[0]["VENDORID"] == "V1"
    assert results[3].records[0]["VENDORID"] == "V2"
    assert isinstance(error_for_result(results[1]), NotFoundError)
    assert len(gateway.requests) == 2  # session + one batch
    assert [c.controlid for c in gateway.calls[1:]] == [r.controlid for r in results]


def test_failed_write_is_reported_with_its_record(client: IntacctClient) -> None:
    with pytest.raises(WriteError, match=r"1 of 2 records not applied: records\[1\]") as info:
        client.create("VENDOR", [{"VENDORID": "V5"}, {"VENDORID": "DUP"}])
    ok, dup = info.value.results
    assert ok.ok and ok.records[0]["RECORDNO"] == "10"
    error = info.value.failures[1]
    assert isinstance(error, DuplicateError) and error is not None
    assert error.control_id == dup.controlid and "DUP" in str(error)
    assert isinstance(dup.error, DuplicateError)
    with pytest.raises(DuplicateError):
        dup.raise_for_error()
    assert ok.raise_for_error() is ok


def test_delete_raises_with_every_result(client: IntacctClient) -> None:
    with pytest.raises(WriteError) as info:
        client.delete("VENDOR", [7, 8])
    assert sorted(info.value.failures) == [0, 1]
    assert all(isinstance(e, NotFoundError) for e in info.value.failures.values())
    assert "Cannot find vendor with key '7'" in str(info.value)


def test_call_raises_the_classified_error(client: IntacctClient) -> None:
    with pytest.raises(NotFoundError, match="Cannot find vendor with key '7'"):
        client.call(fn.Delete("VENDOR", [7]))


def test_every_send_gets_new_controlids_and_uniqueid_is_on(
    client: IntacctClient, gateway: FakeGateway
) -> None:
    first = client.create("VENDOR", [{"VENDORID": "V5", "NAME": "Five"}])[0]
    again = client.execute([fn.Create([("VENDOR", {"VENDORID": "V5", "NAME": "Five"})])])[0]
    assert first.controlid != again.controlid  # same content, another logical send
    assert first.ok and again.ok
    assert gateway.requests[-1].uniqueid == "true"


def test_caller_supplied_controlids_make_a_rerun_safe(
    make_client: Callable[..., IntacctClient],
) -> None:
    records = [{"VENDORID": "V5"}, {"VENDORID": "V6"}]
    ids = ["batch-7-0", "batch-7-1"]
    first = make_client().create("VENDOR", records, controlids=ids)
    rerun = make_client().create("VENDOR", records, controlids=ids)  # after a "crash"
    assert all(r.ok for r in first)
    assert all(is_applied(r) and not r.ok for r in rerun)  # refused: it already ran
    with pytest.raises(RequestBuildError, match="one per record"):
        make_client().create("VENDOR", records, controlids=ids[:1])


def test_reads_use_fresh_controlids_and_no_uniqueid(
    client: IntacctClient, gateway: FakeGateway
) -> None:
    a = client.execute([fn.Read("VENDOR", [1])])[0]
    b = client.execute([fn.Read("VENDOR", [1])])[0]
    assert a.controlid != b.controlid
    assert gateway.requests[-1].uniqueid == "false"


def test_identical_writes_in_one_batch_get_distinct_controlids(client: IntacctClient) -> None:
    same = fn.Create([("VENDOR", {"VENDORID": "V7"})])
    a, b = client.execute([same, same])
    assert a.controlid != b.controlid and a.ok and b.ok


def test_a_controlid_twice_in_one_request_is_refused(client: IntacctClient) -> None:
    same = fn.Create([("VENDOR", {"VENDORID": "V7"})])
    with pytest.raises(RequestBuildError, match=r"functions\[1\] controlid"):
        client.execute([("x", same), ("x", same)])


def test_caller_supplied_controlid(client: IntacctClient, gateway: FakeGateway) -> None:
    result = client.execute([("my-id-1", fn.Create([("VENDOR", {"VENDORID": "V8"})]))])[0]
    assert result.controlid == "my-id-1" == gateway.calls[-1].controlid


def test_more_than_100_functions_is_refused(client: IntacctClient) -> None:
    with pytest.raises(RequestBuildError, match="at most 100"):
        client.execute([fn.Read("VENDOR", [1])] * 101)


def test_create_batches_records_100_per_request(
    client: IntacctClient, gateway: FakeGateway
) -> None:
    results = client.create("VENDOR", [{"VENDORID": f"B{i}"} for i in range(250)])
    assert len(results) == 250 and all(r.ok for r in results)
    sizes = [len(r.controlids) for r in gateway.requests[1:]]
    assert sizes == [100, 100, 50]


def test_getapisession_must_be_alone(client: IntacctClient) -> None:
    with pytest.raises(RequestBuildError, match="alone"):
        client.execute([fn.GetAPISession(), fn.Read("VENDOR", [1])])


def test_transaction_flag_and_aborted_results(client: IntacctClient, gateway: FakeGateway) -> None:
    rolled_back = error(
        "XL03000009",
        "The entire transaction in this operation has been rolled back due to an error.",
    )

    def abort_all(call: Call) -> object:
        return "Another Vendor with the given value(s) X already exists"

    gateway.handlers["create"] = abort_all  # type: ignore[assignment]
    results = client.execute([fn.Create([("VENDOR", {"VENDORID": "X"})])], transaction=True)
    assert gateway.requests[-1].transaction == "true"
    assert isinstance(error_for_result(results[0]), DuplicateError)
    aborted = type(results[0])(
        "aborted",
        "create",
        "c",
        errors=[
            type(error_for_result(results[0]).errors[0])(
                "XL03000009",
                None,  # type: ignore[union-attr]
                rolled_back.findtext("description2"),
            )
        ],
    )
    assert isinstance(error_for_result(aborted), TransactionAbortedError)


def test_headers(client: IntacctClient, gateway: FakeGateway) -> None:
    client.read("VENDOR", [1])
    headers = gateway.requests[-1].headers
    assert headers["user-agent"] == f"intacct-connector/{__version__}"
    assert headers["content-type"] == "application/xml"
    assert "gzip" in headers["accept-encoding"]


def test_dtd21_refuses_generic_functions(make_client: Callable[..., IntacctClient]) -> None:
    client = make_client(dtd_version="2.1")
    with pytest.raises(RequestBuildError, match=r"dtd_version 3\.0"):
        client.read("VENDOR", [1])


def test_gzip_answers_are_decoded(client: IntacctClient, gateway: FakeGateway) -> None:
    import gzip

    import httpx

    def gzipped(request: httpx.Request) -> httpx.Response:
        plain = gateway.handle(request)
        return httpx.Response(
            200,
            content=gzip.compress(plain.content),
            headers={"Content-Encoding": "gzip", "Content-Type": 'text/xml; encoding="UTF-8"'},
        )

    client.read("VENDOR", [1])
    gateway.faults.append(gzipped)
    assert client.read("VENDOR", [2])[0]["VENDORID"] == "V2"


def test_a_bad_record_is_named_by_its_own_index(client: IntacctClient) -> None:
    records: list[dict[str, object]] = [{"VENDORID": f"V{i}"} for i in range(150)]
    records[137] = {"VENDORID": "V137", "CREDITLIMIT": 1.5}
    with pytest.raises(RequestBuildError, match=r"^records\[137\] VENDOR.*CREDITLIMIT.*float"):
        client.create("VENDOR", records)
    with pytest.raises(RequestBuildError, match=r"^keys\[2\]"):
        client.delete("VENDOR", [1, 2, "bad,key"])
