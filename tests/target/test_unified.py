"""Unified streams (hotglue's names) written through the mappings: references resolved
from cached lookups, unknown ones reported with near matches, re-runs idempotent."""

from __future__ import annotations

from pathlib import Path

from intacct.emulator.server import EmulatorServer
from intacct.target import RecordsFailedError

from .conftest import record, rows, run_target, schema, target_config


def test_vendors_and_bills_that_name_them(emulator: EmulatorServer, tmp_path: Path) -> None:
    vendor = {"vendorNumber": "UNI-V1", "vendorName": "Unified Supplies", "_batch_id": "b1"}
    bill = {
        "billNumber": "UNI-B1",
        "vendorName": "Unified Supplies",  # created earlier in the same run, found by name
        "issueDate": "2026-03-01T00:00:00Z",
        "lineItems": [
            {"accountNumber": "6000", "amount": "12.50", "quantity": 3},
            {"accountNumber": "6000", "amount": "7.50"},
        ],
    }
    typo = {**bill, "billNumber": "UNI-B2", "vendorName": "Unified Suplies"}
    messages = [
        schema("Suppliers"),
        record("Suppliers", vendor),
        schema("Bills"),
        record("Bills", bill),
        record("Bills", typo),
    ]
    config = target_config(emulator, tmp_path)
    run = run_target(config, messages)
    assert isinstance(run.error, RecordsFailedError)
    by_stream = {(x["stream"], x["index"]): x for x in run.lines}
    assert by_stream[("Suppliers", 0)]["status"] == "applied"
    created = by_stream[("Bills", 0)]
    assert created["status"] == "applied"
    assert created["ignored"] == ["lineItems[0].quantity"]
    refused = by_stream[("Bills", 1)]
    assert refused["status"] == "invalid"
    assert refused["field"] == "Bills.vendorName"
    assert "'Unified Supplies'" in refused["description"]  # the near match
    assert rows(emulator, "APBILL", ["VENDORID"], RECORDID="UNI-B1") == [{"VENDORID": "UNI-V1"}]
    lines = rows(emulator, "APBILLITEM", ["AMOUNT"], RECORDKEY=created["recordno"])
    assert sorted(x["AMOUNT"] for x in lines) == ["12.50", "7.50"]

    again = run_target(config, messages[:4])
    assert again.error is None
    assert [(x["stream"], x["action"], x["status"]) for x in again.lines] == [
        ("Suppliers", "update", "applied"),
        ("Bills", "create", "already_applied"),
    ]
    assert len(rows(emulator, "APBILL", ["RECORDNO"], RECORDID="UNI-B1")) == 1
