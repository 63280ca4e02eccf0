"""tap-sage-intacct with ``unified_schema: true``: hotglue's unified tables from the same
engine, documents with all their lines, STATE that never gets ahead of the documents
written, and a round trip through a second emulator (read unified, write back, read
again: what was written comes back unchanged)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from intacct.client import IntacctClient
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.mappings import (
    REFERENCE_KINDS,
    UNIFIED_STREAMS,
    CachedReferences,
    from_unified,
    written_view,
)
from intacct.replication import DELETED_AT, ENTITY_ID
from intacct.tap import StreamsFailedError, TapSageIntacct
from tests.tap.conftest import messages, run_tap, tap_config

#: document tables, their header and line objects, and the line's parent key
DOCUMENTS = {
    "Bills": ("APBILL", "APBILLITEM", "RECORDKEY", "lineItems"),
    "Invoices": ("ARINVOICE", "ARINVOICEITEM", "RECORDKEY", "lineItems"),
    "JournalEntries": ("GLBATCH", "GLENTRY", "BATCHKEY", "journalLines"),
    "BillPayments": ("APPYMT", "APPYMTDETAIL", "PAYMENTKEY", "lineItems"),
    "InvoicePayments": ("ARPYMT", "ARPYMTDETAIL", "PAYMENTKEY", "lineItems"),
}
LINE_OBJECTS = {line for _, line, _, _ in DOCUMENTS.values()}


def unified_catalog(server: EmulatorServer, streams: set[str] | None = None) -> dict[str, Any]:
    tap = TapSageIntacct(config=tap_config(server, unified_schema=True))
    entries = [
        e for e in tap.catalog_dict["streams"] if streams is None or e["tap_stream_id"] in streams
    ]
    for entry in entries:
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = True
    return {"streams": entries}


def run(
    server: EmulatorServer, streams: set[str] | None = None, state: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    # no lookback window: it would be emitted again (the tap cannot know what the
    # target stores)
    config = tap_config(server, unified_schema=True, lookback_minutes=0)
    return run_tap(
        TapSageIntacct(config=config, catalog=unified_catalog(server, streams), state=state)
    )


def records(msgs: list[dict[str, Any]], stream: str) -> list[dict[str, Any]]:
    return [m["record"] for m in msgs if m["type"] == "RECORD" and m["stream"] == stream]


def last_state(msgs: list[dict[str, Any]]) -> dict[str, Any]:
    return [m for m in msgs if m["type"] == "STATE"][-1]["value"]


def intacct_rows(server: EmulatorServer, obj: str, fields: list[str]) -> list[dict[str, Any]]:
    with IntacctClient.from_mapping(client_config(server.url)) as client:
        return [dict(r) for r in client.iter_query(obj, ["RECORDNO", *fields])]


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    """The demo company as the other tap tests have it (same scale and seed), in an
    emulator of the module's own: the tests here change its bills, and the others read
    DEMO unchanged (a record changed a moment ago is read again by a restarted run, so
    test_tap's restart would see it twice)."""
    with EmulatorServer(port=0, scale=300, seed=3) as server:
        yield server


@pytest.fixture(scope="module")
def first_run(emulator: EmulatorServer) -> list[dict[str, Any]]:
    return run(emulator)


def test_catalog_is_hotglues_unified_tables(emulator: EmulatorServer) -> None:
    stats = emulator.url.replace("/ia/xml/xmlgw.phtml", "/_emulator/stats")
    before = httpx.get(stats, timeout=30).json()
    catalog = TapSageIntacct(config=tap_config(emulator, unified_schema=True)).catalog_dict
    assert httpx.get(stats, timeout=30).json() == before  # the schemas are known: no request
    entries = {e["tap_stream_id"]: e for e in catalog["streams"]}
    assert set(entries) == set(UNIFIED_STREAMS)
    bills = entries["Bills"]
    assert bills["key_properties"] == ["id"]
    properties = bills["schema"]["properties"]
    assert {"vendorNumber", "issueDate", "lineItems", ENTITY_ID, DELETED_AT} <= set(properties)
    assert "accountNumber" in properties["lineItems"]["items"]["properties"]
    # every table selected: the discovered catalog as it is reads them all (it read none)
    for entry in entries.values():
        top = next(m for m in entry["metadata"] if m["breadcrumb"] == [])
        assert top["metadata"]["selected-by-default"] is True, entry["tap_stream_id"]


def test_every_record_once_and_every_document_with_all_its_lines(
    emulator: EmulatorServer, first_run: list[dict[str, Any]]
) -> None:
    for table, mapping in UNIFIED_STREAMS.items():
        expected = sum(len(intacct_rows(emulator, obj, [])) for obj in mapping.objects)
        got = records(first_run, table)
        assert len(got) == expected, table
        assert len({(r["id"], r[ENTITY_ID]) for r in got}) == expected, table
    for table, (_header, line, parent_key, prop) in DOCUMENTS.items():
        lines_by_header: dict[str, set[str]] = defaultdict(set)
        for row in intacct_rows(emulator, line, [parent_key]):
            lines_by_header[str(row[parent_key])].add(str(row["RECORDNO"]))
        for document in records(first_run, table):
            assert {x["id"] for x in document[prop]} == lines_by_header.get(document["id"], set())
        assert sum(len(d[prop]) for d in records(first_run, table)) == len(
            intacct_rows(emulator, line, [])
        )


def test_state_holds_document_bookmarks_until_the_documents_are_written(
    first_run: list[dict[str, Any]],
) -> None:
    first_bill = next(i for i, m in enumerate(first_run) if m.get("stream") == "Bills")
    for message in first_run[:first_bill]:
        if message["type"] == "STATE":
            assert "APBILL" not in message["value"].get("bookmarks", {})
    bookmarks = last_state(first_run)["bookmarks"]
    assert {"APBILL", "ARINVOICE", "GLBATCH", "APPYMT", "ARPYMT", "VENDOR"} <= set(bookmarks)
    assert not LINE_OBJECTS & set(bookmarks)  # lines are read in full on every run


def test_next_run_emits_only_changed_documents_with_all_their_lines(
    emulator: EmulatorServer, first_run: list[dict[str, Any]]
) -> None:
    state = last_state(first_run)
    quiet = run(emulator, {"Bills", "Vendors"}, state)
    assert records(quiet, "Bills") == [] and records(quiet, "Vendors") == []

    bill = next(b for b in records(first_run, "Bills") if len(b["lineItems"]) > 1)
    with IntacctClient.from_mapping(client_config(emulator.url)) as client:
        client.update("APBILL", [{"RECORDNO": int(bill["id"]), "DESCRIPTION": "changed by test"}])
    changed = run(emulator, {"Bills"}, state)
    (again,) = [b for b in records(changed, "Bills") if b["id"] == bill["id"]]
    assert again["description"] == "changed by test"
    assert again["lineItems"] == bill["lineItems"]


# --- round trip through a second emulator ---------------------------------------------------


@pytest.fixture(scope="module")
def second() -> Iterator[EmulatorServer]:
    """The same demo company (same seed) in its own emulator: its references match."""
    server = EmulatorServer(port=0, scale=300, seed=3).start()
    yield server
    server.stop()


def references(server: EmulatorServer) -> CachedReferences:
    rows: dict[str, list[dict[str, Any]]] = {}
    for kind, spec in REFERENCE_KINDS.items():
        fields = sorted({spec.id_field, spec.name_field})
        rows[kind] = [r for obj in spec.objects for r in intacct_rows(server, obj, fields)]
    return CachedReferences(rows)


#: per keyed table, the property made new so the copy does not collide with the original
NEW_KEY = {
    "Accounts": "accountNumber",
    "Vendors": "vendorNumber",
    "Customers": "customerNumber",
    "Classes": "classNumber",
    "Departments": "departmentNumber",
    "Locations": "locationNumber",
    "Projects": "projectNumber",
    "Items": "itemNumber",
    "BankAccounts": "id",
}


def test_read_unified_write_back_read_again_lands_unchanged(
    first_run: list[dict[str, Any]], second: EmulatorServer
) -> None:
    refs = references(second)
    copies: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)  # table -> new id -> original
    with IntacctClient.from_mapping(client_config(second.url)) as client:
        for table in UNIFIED_STREAMS:
            for original in records(first_run, table)[:3]:
                record = {k: v for k, v in original.items() if k != "id" or table == "BankAccounts"}
                if table in NEW_KEY:
                    record[NEW_KEY[table]] = f"{original[NEW_KEY[table]]}-RT"
                write = from_unified(table, record, refs)
                (result,) = client.create(write.object, [write.fields])
                new_id = record["id"] if table == "BankAccounts" else result.records[0]["RECORDNO"]
                copies[table][str(new_id)] = record
    again = run(second, set(UNIFIED_STREAMS))
    compared = Counter[str]()
    for table, written in copies.items():
        read = {r["id"]: r for r in records(again, table)}
        for new_id, record in written.items():
            assert written_view(table, read[new_id]) == written_view(table, record), table
            compared[table] += 1
    assert set(compared) == set(UNIFIED_STREAMS)


def test_documents_of_a_failed_object_are_not_written_and_their_bookmark_stays(
    emulator: EmulatorServer,
) -> None:
    """A user without AP: APBILL and APBILLITEM fail, the others finish."""
    config = tap_config(emulator, unified_schema=True, user_id="demo_restricted")
    cat = unified_catalog(emulator, {"Bills", "Accounts", "Invoices"})
    with pytest.raises(StreamsFailedError) as failed:
        run_tap(TapSageIntacct(config=config, catalog=cat))
    assert {r.object for r in failed.value.report.failed} == {"APBILL", "APBILLITEM"}
    msgs = messages(run_tap.last_lines)  # type: ignore[attr-defined]
    assert records(msgs, "Bills") == []
    assert len(records(msgs, "Invoices")) == len(intacct_rows(emulator, "ARINVOICE", []))
    bookmarks = last_state(msgs)["bookmarks"]
    assert "APBILL" not in bookmarks and {"ARINVOICE", "GLACCOUNT"} <= set(bookmarks)


def test_each_entitys_documents_get_that_entitys_lines(emulator: EmulatorServer) -> None:
    config = tap_config(emulator, unified_schema=True, company_id="DEMO-ME")
    config["entity_ids"] = ["E100", "E200"]
    msgs = run_tap(TapSageIntacct(config=config, catalog=unified_catalog(emulator, {"Bills"})))
    bills = records(msgs, "Bills")
    with IntacctClient.from_mapping(tap_config(emulator, company_id="DEMO-ME")) as client:
        for entity in ("E100", "E200"):
            reader = client.for_entity(entity)
            expected: dict[str, set[str]] = defaultdict(set)
            for bill in reader.iter_query("APBILL", ["RECORDNO"]):
                expected[str(bill["RECORDNO"])] = set()
            for line in reader.iter_query("APBILLITEM", ["RECORDNO", "RECORDKEY"]):
                expected[str(line["RECORDKEY"])].add(str(line["RECORDNO"]))
            got = {
                b["id"]: {x["id"] for x in b["lineItems"]} for b in bills if b[ENTITY_ID] == entity
            }
            assert got == expected and got, entity


def test_suppliers_is_the_vendors_table_under_hotglues_other_name(emulator: EmulatorServer) -> None:
    cat = unified_catalog(emulator, {"Vendors"})
    suppliers = json.loads(json.dumps(cat["streams"][0]))
    suppliers["tap_stream_id"] = suppliers["stream"] = "Suppliers"
    cat["streams"].append(suppliers)
    config = tap_config(emulator, unified_schema=True)
    msgs = run_tap(TapSageIntacct(config=config, catalog=cat))
    vendors = records(msgs, "Vendors")
    assert vendors and records(msgs, "Suppliers") == vendors
    assert len(vendors) == len(intacct_rows(emulator, "VENDOR", []))


def test_with_start_date_a_changed_document_still_has_its_older_lines(
    emulator: EmulatorServer, first_run: list[dict[str, Any]]
) -> None:
    bill = next(b for b in records(first_run, "Bills") if len(b["lineItems"]) > 1)
    with IntacctClient.from_mapping(client_config(emulator.url)) as client:
        client.update("APBILL", [{"RECORDNO": int(bill["id"]), "DESCRIPTION": "since start"}])
    since = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    config = tap_config(emulator, unified_schema=True, start_date=since)
    msgs = run_tap(TapSageIntacct(config=config, catalog=unified_catalog(emulator, {"Bills"})))
    (again,) = [b for b in records(msgs, "Bills") if b["id"] == bill["id"]]
    assert again["description"] == "since start"
    assert again["lineItems"] == bill["lineItems"]  # lines last changed before start_date
