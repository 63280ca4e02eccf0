"""Deletes as tombstones from AUDITHISTORY, against the in-process emulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from intacct.client import IntacctClient
from intacct.client.registry import ObjectInfo, ObjectRegistry
from intacct.emulator.inprocess import InProcessEmulator
from intacct.emulator.store import RESTRICTED_USER
from intacct.errors import PermissionDeniedError, UnavailableError
from intacct.protocol import query as q
from intacct.replication.streams.deletes import (
    DELETED_AT,
    DeleteBookmark,
    DeletesUnavailableError,
    TombstonePage,
    iter_tombstones,
)


@pytest.fixture
def emu() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=300) as emulator:
        yield emulator


def _client(emu: InProcessEmulator, **changes: Any) -> IntacctClient:
    return IntacctClient.from_mapping({**emu.config(), **changes}, http_transport=emu.transport())


@pytest.fixture
def client(emu: InProcessEmulator) -> Iterator[IntacctClient]:
    with _client(emu) as c:
        yield c


def _info(client: IntacctClient, name: str) -> ObjectInfo:
    return ObjectRegistry(client).get(name)


def _drain(
    client: IntacctClient, info: ObjectInfo, since: DeleteBookmark | None, **kwargs: Any
) -> tuple[list[dict[str, Any]], DeleteBookmark | None, list[TombstonePage]]:
    pages = list(iter_tombstones(client, info, since, **kwargs))
    assert pages and pages[-1].last and not any(p.last for p in pages[:-1])
    return [t for p in pages for t in p.tombstones], pages[-1].after, pages


def _new_vendor(client: IntacctClient, vendorid: str) -> int:
    name = f"Gone {vendorid}"
    [result] = client.create(
        "VENDOR",
        [{"VENDORID": vendorid, "NAME": name, "DISPLAYCONTACT": {"CONTACTNAME": name}}],
    )
    return int(result.records[0]["RECORDNO"])


def _new_bill(client: IntacctClient) -> int:
    vendor = next(client.iter_query("VENDOR", ["VENDORID"]))
    account = next(client.iter_query("GLACCOUNT", ["ACCOUNTNO"]))
    bill = {
        "VENDORID": vendor["VENDORID"],
        "WHENCREATED": "11/01/2026",
        "WHENPOSTED": "11/01/2026",
        "APBILLITEMS": {"APBILLITEM": [{"ACCOUNTNO": account["ACCOUNTNO"], "AMOUNT": "10.00"}]},
    }
    [result] = client.create("APBILL", [bill])
    return int(result.records[0]["RECORDNO"])


def _deleted_at(tombstone: dict[str, Any]) -> datetime:
    text = tombstone[DELETED_AT]
    assert text.endswith("Z")
    return datetime.fromisoformat(text)


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def test_a_deleted_vendor_and_bill_are_tombstones_keyed_as_their_objects(
    client: IntacctClient,
) -> None:
    vendor, bill = _info(client, "VENDOR"), _info(client, "APBILL")
    _, vendor_mark, _ = _drain(client, vendor, None)
    _, bill_mark, _ = _drain(client, bill, None)
    before = _utc_now()
    client.delete("VENDOR", [_new_vendor(client, "VDEL1")])
    bill_no = _new_bill(client)
    client.delete("APBILL", [bill_no])
    after = _utc_now()

    vendor_stones, _, _ = _drain(client, vendor, vendor_mark)
    bill_stones, _, _ = _drain(client, bill, bill_mark)

    assert [{k: v for k, v in t.items() if k != DELETED_AT} for t in vendor_stones] == [
        {"VENDORID": "VDEL1"}
    ]
    assert [{k: v for k, v in t.items() if k != DELETED_AT} for t in bill_stones] == [
        {"RECORDNO": bill_no}
    ]
    for stone in vendor_stones + bill_stones:  # the delete's time, in UTC
        assert before <= _deleted_at(stone) <= after


def test_the_bookmark_resumes_after_the_deletes_read(client: IntacctClient) -> None:
    vendor = _info(client, "VENDOR")
    client.delete("VENDOR", [_new_vendor(client, "VDEL2")])
    first, mark, _ = _drain(client, vendor, None)
    assert {"VDEL2"} <= {t["VENDORID"] for t in first}
    assert mark is not None

    again, same, _ = _drain(client, vendor, mark)
    assert again == [] and same == mark

    client.delete("VENDOR", [_new_vendor(client, "VDEL3")])
    later, moved, _ = _drain(client, vendor, DeleteBookmark.from_dict(mark.to_dict()))
    assert [t["VENDORID"] for t in later] == ["VDEL3"]
    assert moved is not None and (moved.accessed, moved.id) > (mark.accessed, mark.id)


def test_pages_of_one_row_keep_ties_of_one_second(client: IntacctClient) -> None:
    vendor = _info(client, "VENDOR")
    _, mark, _ = _drain(client, vendor, None)
    ids = [f"VTIE{i}" for i in range(4)]
    client.delete("VENDOR", [_new_vendor(client, v) for v in ids])  # within a second or two

    stones, end, pages = _drain(client, vendor, mark, pagesize=1)

    # ties of one second come in the gateway's ID order (text order here)
    order = [t["VENDORID"] for t in stones]
    assert sorted(order) == ids
    assert len(pages) >= len(ids)
    assert end == pages[-1].after
    for index, page in enumerate(pages[: len(ids)]):  # resuming after any page: the rest
        assert page.after is not None
        rest = [t["VENDORID"] for t in _drain(client, vendor, page.after)[0]]
        assert rest == order[index + 1 :]


def test_lookback_rereads_a_window_without_moving_the_bookmark_back(
    client: IntacctClient,
) -> None:
    vendor = _info(client, "VENDOR")
    client.delete("VENDOR", [_new_vendor(client, "VBACK")])
    _, mark, _ = _drain(client, vendor, None)
    assert mark is not None

    stones, end, _ = _drain(client, vendor, mark, lookback=timedelta(hours=1))

    assert "VBACK" in {t["VENDORID"] for t in stones}
    assert end == mark


def test_every_audit_delete_maps_to_its_objects_key(client: IntacctClient) -> None:
    client.delete("VENDOR", [_new_vendor(client, "VDEL4")])
    client.delete("APBILL", [_new_bill(client)])
    # readByQuery compares ACCESSMODE by its word, query by its letter
    rows = list(client.iter_read_by_query("AUDITHISTORY", "ACCESSMODE = 'Delete'"))
    by_type: dict[str, list[str]] = {}
    for row in rows:
        by_type.setdefault(row["OBJECTTYPE"], []).append(row["OBJECTKEY"])
    assert {"vendor", "apbill"} <= set(by_type)

    registry = ObjectRegistry(client)
    for objecttype, keys in by_type.items():
        info = registry.get(objecttype.upper())
        stones, _, pages = _drain(client, info, None)
        assert not any(p.unmapped for p in pages), objecttype
        field = info.id_field or "RECORDNO"
        assert sorted(str(t[field]) for t in stones) == sorted(keys), objecttype
        assert all(isinstance(t[field], int if field == "RECORDNO" else str) for t in stones)
        assert all(set(t) == {field, DELETED_AT} for t in stones)


def test_a_user_without_audit_permission_gets_deletes_unavailable(
    emu: InProcessEmulator,
) -> None:
    audit = emu.store.catalog.get_object("AUDITHISTORY")
    assert audit is not None
    user, password = RESTRICTED_USER
    emu.store.identities.configure_user("DEMO", user, denied_modules=[audit.module])
    with _client(emu, user_id=user, user_password=password) as restricted:
        vendor = _info(restricted, "VENDOR")
        with pytest.raises(DeletesUnavailableError) as caught:
            list(iter_tombstones(restricted, vendor, None))
        assert isinstance(caught.value.cause, PermissionDeniedError)
        assert "VENDOR" in str(caught.value) and "AUDITHISTORY" in str(caught.value)
        # the stream itself goes on
        assert next(restricted.iter_query("VENDOR", ["VENDORID"]))["VENDORID"]


def test_a_failing_audit_query_is_retried_once_then_unavailable(
    emu: InProcessEmulator,
) -> None:
    with _client(emu, max_retries="0") as c:
        vendor = _info(c, "VENDOR")
        c.delete("VENDOR", [_new_vendor(c, "VFLAKY")])
        emu.add_fault("errorno=DL02000001,function=query,times=1")
        stones, _, _ = _drain(c, vendor, None)
        assert "VFLAKY" in {t["VENDORID"] for t in stones}

        emu.add_fault("errorno=DL02000001,function=query,times=2")
        with pytest.raises(DeletesUnavailableError) as caught:
            list(iter_tombstones(c, vendor, None))
        assert caught.value.cause.errorno == "DL02000001"

        emu.add_fault("errorno=XL03000011,function=query,times=1")  # other errors propagate
        with pytest.raises(UnavailableError):
            list(iter_tombstones(c, vendor, None))


def test_a_company_far_from_utc_gets_utc_delete_times(emu: InProcessEmulator) -> None:
    emu.configure_company("DEMO", timezone="Pacific/Kiritimati")  # UTC+14
    with _client(emu) as c:
        vendor = _info(c, "VENDOR")
        _, mark, _ = _drain(c, vendor, None)
        before = _utc_now()
        c.delete("VENDOR", [_new_vendor(c, "VKIRI")])
        after = _utc_now()
        stones, end, _ = _drain(c, vendor, mark)
        assert [t["VENDORID"] for t in stones] == ["VKIRI"]
        assert before <= _deleted_at(stones[0]) <= after
        assert end is not None and before <= end.accessed <= after
        # the bookmark is written back in the company's zone: nothing comes twice
        assert _drain(c, vendor, end)[0] == []


def test_a_delete_then_a_re_create_is_a_tombstone_before_the_new_record(
    client: IntacctClient,
) -> None:
    vendor = _info(client, "VENDOR")
    _, mark, _ = _drain(client, vendor, None)
    client.delete("VENDOR", [_new_vendor(client, "VREUSE")])
    _new_vendor(client, "VREUSE")

    stones, _, _ = _drain(client, vendor, mark)

    assert [t["VENDORID"] for t in stones] == ["VREUSE"]
    [record] = client.query(
        "VENDOR", ["WHENMODIFIED"], filter=q.equalto("VENDORID", "VREUSE")
    ).records
    modified = client.user_formatting().decode_timestamp(record["WHENMODIFIED"])
    assert modified is not None and _deleted_at(stones[0]) <= modified


def test_bookmark_state_form_round_trips_and_names_what_is_wrong() -> None:
    mark = DeleteBookmark(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "17")
    assert mark.to_dict() == {"ACCESSTIME": "2026-01-02T03:04:05+00:00", "ID": "17"}
    assert DeleteBookmark.from_dict(mark.to_dict()) == mark
    with pytest.raises(ValueError, match="UTC offset"):
        DeleteBookmark(datetime(2026, 1, 2), "17")  # noqa: DTZ001 - refused on purpose
    with pytest.raises(ValueError, match="ACCESSTIME"):
        DeleteBookmark.from_dict({"ACCESSTIME": "yesterday", "ID": "17"})
    with pytest.raises(ValueError, match="ACCESSTIME"):
        DeleteBookmark.from_dict({"ACCESSTIME": "2026-01-02T03:04:05", "ID": "17"})
    with pytest.raises(ValueError, match="ID"):
        DeleteBookmark.from_dict({"ACCESSTIME": "2026-01-02T03:04:05+00:00", "ID": 17})
