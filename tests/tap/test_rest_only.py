"""The tap lists the objects only the REST API has where its config has the OAuth app,
and emits them like any stream: a SCHEMA keyed by ``key`` (and ``_entity_id`` where
several entities are read), RECORDs typed as REST types them, a STATE after each page."""

from __future__ import annotations

import json
from typing import Any

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
