"""The tap lists the objects only the REST API has where its config has the OAuth app,
and emits them like any stream: a SCHEMA keyed by ``key`` (and ``_entity_id`` where
several entities are read), RECORDs typed as REST types them, a STATE after each page."""

from __future__ import annotations

import json
from typing import Any

import pytest

from intacct import IntacctClient
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.tap import TapSageIntacct
from tests.conftest import DEMO_APP
from tests.tap.conftest import discovered_catalog, run_tap, tap_config

TOTALS = "accounts_payable_vendor_total"


def _selected(catalog: dict[str, Any], stream: str) -> dict[str, Any]:
    entries = [e for e in catalog["streams"] if e["tap_stream_id"] == stream]
    for item in entries[0]["metadata"]:
        if item["breadcrumb"] == []:
            item["metadata"]["selected"] = True
    return {"streams": entries}


def test_rest_only_streams_are_discovered_with_the_app_and_emitted(
    emulator: EmulatorServer,
) -> None:
    without = {e["tap_stream_id"] for e in json.loads(discovered_catalog(emulator.url))["streams"]}
    config = tap_config(emulator, **DEMO_APP)
    catalog = TapSageIntacct(config=config).catalog_dict
    entry = next(e for e in catalog["streams"] if e["tap_stream_id"] == TOTALS)
    assert TOTALS not in without
    assert entry["key_properties"] == ["key"]  # one entity session: its own key
    assert entry["schema"]["properties"]["totalDue"]["type"] == ["number", "null"]
    msgs = run_tap(TapSageIntacct(config=config, catalog=_selected(catalog, TOTALS)))
    records = [m["record"] for m in msgs if m["type"] == "RECORD"]
    assert records and {m["stream"] for m in msgs if m["type"] == "RECORD"} == {TOTALS}
    assert all(r["key"] and r["vendor.id"] == r["id"] for r in records)
    assert msgs[-1]["type"] == "STATE" and TOTALS in json.dumps(msgs[-1]["value"])


def test_the_tap_cannot_tell_what_its_target_holds_so_it_warns_once_and_tombstones_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A REST-only object's deletes are found by comparing a whole read with the keys the
    destination holds; a Singer tap cannot ask its target, so a vendor's total gone in
    Intacct is said once per stream and run, never guessed as a tombstone."""
    server = EmulatorServer(port=0, scale=3000, seed=4).start()  # its vendors are deleted
    try:
        config = tap_config(server, **DEMO_APP, page_size=5)
        catalog = _selected(TapSageIntacct(config=config).catalog_dict, TOTALS)
        caplog.set_level("WARNING")
        first = run_tap(TapSageIntacct(config=config, catalog=catalog))
        with IntacctClient.from_mapping(client_config(server.url)) as client:
            client.delete("VENDOR", ["1", "10", "22"])
        caplog.clear()
        state = [m for m in first if m["type"] == "STATE"][-1]["value"]
        second = run_tap(TapSageIntacct(config=config, catalog=catalog, state=state))
    finally:
        server.stop()
    records = [m["record"] for m in second if m["type"] == "RECORD"]
    assert sorted(int(r["key"]) for r in records) == [k for k in range(2, 22) if k != 10]
    assert not [r for r in records if r.get("_sdc_deleted_at")]
    said = [r.getMessage() for r in caplog.records if "not marked deleted" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith(f"{TOTALS}: "), said


def test_a_transaction_definitions_documents_are_a_stream_of_their_own(
    emulator: EmulatorServer,
) -> None:
    """``order-entry/document::<name>``, as the company's model lists it: one stream per
    definition, its records exactly the definition's documents."""
    config = tap_config(emulator, **DEMO_APP, api="rest")
    catalog = TapSageIntacct(config=config).catalog_dict
    with IntacctClient.from_mapping(client_config(emulator.url)) as client:
        headers = list(client.iter_query("SODOCUMENT", ["RECORDNO", "DOCPARID"]))
    name = str(headers[0]["DOCPARID"])
    stream = "order_entry_document_" + name.replace("-", "_").replace(" ", "_")
    ids = {e["tap_stream_id"] for e in catalog["streams"]}
    assert stream in ids and not any("documentName" in i for i in ids)
    msgs = run_tap(TapSageIntacct(config=config, catalog=_selected(catalog, stream)))
    keys = [m["record"]["key"] for m in msgs if m["type"] == "RECORD"]
    expected = {str(r["RECORDNO"]) for r in headers if r["DOCPARID"] == name}
    assert keys and len(keys) == len(expected) and set(keys) == expected
