"""The target writing the objects only the REST API has, against the emulator: a stream
named as the tap names it (or by its REST path) is written through REST whatever
``api`` says, records matched by their id (else their key) in the company written to,
updated or created, deleted by ``_sdc_deleted_at``, never twice; what cannot be written
is reported, never dropped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from intacct import IntacctClient
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.errors import ConfigError
from intacct.tap import TapSageIntacct

from ..conftest import DEMO_APP
from ..tap.conftest import run_tap
from .conftest import new_company, record, rows, run_target, schema, target_config

SHIPPING = "accounts-receivable/shipping-method"
SHIPPING_STREAM = "accounts_receivable_shipping_method"
MESSAGE = "company-config/company-message"
#: the shipping method's fields a client writes (key, href and entity are read-only)
WRITTEN = ("id", "status", "daysInTransit")


def _rest(emulator: EmulatorServer, company: str = "DEMO") -> IntacctClient:
    return IntacctClient.from_mapping({**client_config(emulator.url, company), **DEMO_APP})


def _read(
    emulator: EmulatorServer, path: str, fields: tuple[str, ...], company: str = "DEMO"
) -> list[dict[str, Any]]:
    """Every record of ``path`` through the query service (``fields`` and ``key``)."""
    out: list[dict[str, Any]] = []
    with _rest(emulator, company) as client:
        while True:
            answer = client.rest.query(path, ["key", *fields], start=len(out) + 1, size=1000)
            page = list(answer.result or [])
            out += page
            if len(page) < 1000:
                return out


def _by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: {f: r.get(f) for f in WRITTEN} for r in rows}


def _tap_records(emulator: EmulatorServer, stream: str) -> list[dict[str, Any]]:
    """The tap's SCHEMA and RECORD messages of ``stream`` read from DEMO through REST."""
    config = {**client_config(emulator.url), "timeout_s": 30, **DEMO_APP}
    found = TapSageIntacct(config=config).catalog_dict
    entries = [e for e in found["streams"] if e["tap_stream_id"] == stream]
    for item in entries[0]["metadata"]:
        if item["breadcrumb"] == []:
            item["metadata"]["selected"] = True
    tap = TapSageIntacct(config=config, catalog={"streams": entries})
    return [m for m in run_tap(tap) if m["type"] in ("SCHEMA", "RECORD")]


def _config(emulator: EmulatorServer, tmp_path: Path, company: str = "DEMO") -> dict[str, Any]:
    return target_config(emulator, tmp_path, company, **DEMO_APP)


def test_the_tap_copies_a_rest_only_object_to_another_company_and_again_writes_nothing_twice(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    """DEMO's shipping methods through the tap into an empty company (under ``api:
    xml``: only REST has them), matched by id: read back through REST they are DEMO's,
    field by field; the same input again creates nothing."""
    messages = _tap_records(emulator, SHIPPING_STREAM)
    source = _by_id(_read(emulator, SHIPPING, WRITTEN))
    assert len(source) == len([m for m in messages if m["type"] == "RECORD"]) > 1
    company = new_company(emulator, "SHIPCOPY")
    before = _by_id(_read(emulator, SHIPPING, WRITTEN, company))
    config = _config(emulator, tmp_path, company)

    first = run_target(config, messages)
    assert first.error is None, first.lines
    copied = _by_id(_read(emulator, SHIPPING, WRITTEN, company))
    given = {k: {f: v for f, v in r.items() if v is not None} for k, r in source.items()}
    # a null is not sent (the field keeps Intacct's default: a status of active)
    assert {k: {f: copied[k][f] for f in r} for k, r in given.items()} == given
    assert len(copied) == len(before | source)  # matched by id: no id twice
    assert all({"key", "href"} <= set(line["ignored"]) for line in first.lines)  # read-only
    created = [x for x in first.lines if x["action"] == "create"]
    assert len(created) == len(source.keys() - before.keys())

    second = run_target(config, messages)
    assert second.error is None, second.lines
    assert {(x["action"], x["status"]) for x in second.lines} <= {
        ("update", "applied"),
        ("update", "already_applied"),
    }
    assert _by_id(_read(emulator, SHIPPING, WRITTEN, company)) == copied


def test_keyless_records_are_created_once_and_a_second_run_is_already_applied(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    """Company messages have no id of their own (``id`` is the key): records without a
    key are created, by the REST path as the stream's name; the same input again is
    answered as already processed."""
    messages = [
        schema(MESSAGE),
        record(
            MESSAGE, {"subject": "Closing", "message": "Books close Friday", "priority": "high"}
        ),
        record(
            MESSAGE, {"subject": "Audit", "message": "Auditors on site", "viewLevel": "allUsers"}
        ),
    ]
    before = len(_read(emulator, MESSAGE, ("subject",)))
    first = run_target(_config(emulator, tmp_path), messages)
    assert first.statuses() == {"applied": ["#0", "#1"]}, first.lines
    written = {
        r["subject"]: r for r in _read(emulator, MESSAGE, ("subject", "message", "priority"))
    }
    assert written["Closing"]["message"] == "Books close Friday"
    assert written["Closing"]["priority"] == "high"

    second = run_target(_config(emulator, tmp_path), messages)
    assert second.statuses() == {"already_applied": ["#0", "#1"]}, second.lines
    assert len(_read(emulator, MESSAGE, ("subject",))) == before + 2


def test_a_changed_field_updates_and_sdc_deleted_at_deletes(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    config = _config(emulator, tmp_path)
    method = {"id": "TRUCK-1", "status": "active", "daysInTransit": 3}
    created = run_target(config, [schema(SHIPPING_STREAM), record(SHIPPING_STREAM, method)])
    assert [(x["action"], x["status"]) for x in created.lines] == [("create", "applied")]

    changed = {**method, "daysInTransit": 5}
    updated = run_target(config, [schema(SHIPPING_STREAM), record(SHIPPING_STREAM, changed)])
    assert [(x["action"], x["status"]) for x in updated.lines] == [("update", "applied")]
    found = [r for r in _read(emulator, SHIPPING, WRITTEN) if r["id"] == "TRUCK-1"]
    assert [r["daysInTransit"] for r in found] == [5]

    gone = {"id": "TRUCK-1", "_sdc_deleted_at": "2026-06-30T00:00:00Z"}
    deleted = run_target(config, [schema(SHIPPING_STREAM), record(SHIPPING_STREAM, gone)])
    assert [(x["action"], x["status"]) for x in deleted.lines] == [("delete", "applied")]
    assert not [r for r in _read(emulator, SHIPPING, WRITTEN) if r["id"] == "TRUCK-1"]
    again = run_target(config, [schema(SHIPPING_STREAM), record(SHIPPING_STREAM, gone)])
    assert [(x["action"], x["status"]) for x in again.lines] == [("delete", "already_applied")]


def test_what_cannot_be_written_is_reported_and_the_rest_of_the_batch_written(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    totals = "accounts_payable_vendor_total"
    messages = [
        schema(SHIPPING_STREAM),
        record(SHIPPING_STREAM, {"id": "BAD-1", "wheels": 18}),
        record(SHIPPING_STREAM, {"id": "BAD-2", "status": "parked"}),
        record(SHIPPING_STREAM, {"id": "GOOD-1", "daysInTransit": 2}),
        schema(totals),
        record(totals, {"vendor.id": "V10001", "totalDue": 12.5}),
    ]
    run = run_target(_config(emulator, tmp_path), messages)
    lines = {x["key"]: x for x in run.lines}
    assert (lines["id=BAD-1"]["status"], lines["id=BAD-1"]["field"]) == ("invalid", "wheels")
    assert "has no field wheels" in lines["id=BAD-1"]["description"]
    assert (lines["id=BAD-2"]["status"], lines["id=BAD-2"]["field"]) == ("invalid", "status")
    assert lines["id=GOOD-1"]["status"] == "applied"
    assert lines["#0"]["description"] == (
        "accounts-payable/vendor-total is read-only in the REST API"
    )
    assert len(run.lines) == 4 and run.error is not None  # the run ends failed, all reported
    ids = {r["id"] for r in _read(emulator, SHIPPING, WRITTEN)}
    assert "GOOD-1" in ids and not {"BAD-1", "BAD-2"} & ids


def test_without_the_oauth_app_the_run_stops_naming_the_stream_and_the_setting(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    before = len(_read(emulator, SHIPPING, WRITTEN))
    config = target_config(emulator, tmp_path)  # no client_id
    run = run_target(config, [schema(SHIPPING_STREAM), record(SHIPPING_STREAM, {"id": "NO-APP"})])
    assert isinstance(run.error, ConfigError) and run.error.key == "client_id"
    assert SHIPPING_STREAM in str(run.error) and run.lines == []
    assert len(_read(emulator, SHIPPING, WRITTEN)) == before


def test_values_go_as_rest_takes_them(emulator: EmulatorServer, tmp_path: Path) -> None:
    """A fixed asset (a REST-only object): an amount given as a JSON number is sent as
    its exact text (REST's decimal format), a date-time's date as a date, a boolean as
    one; a boolean that is none is ``invalid`` naming its column."""
    stream, path = "fixed_assets_asset", "fixed-assets/asset"
    asset = {
        "id": "FA-PRESS-1",
        "name": "Printing press",
        "assetCost": 1250.5,
        "inServiceDate": "2026-03-01T00:00:00Z",
        "isDepreciable": True,
        "state": "inService",
    }
    bad = {"id": "FA-PRESS-2", "name": "Folder", "isDepreciable": "yes"}
    run = run_target(
        _config(emulator, tmp_path), [schema(stream), record(stream, asset), record(stream, bad)]
    )
    lines = {x["key"]: x for x in run.lines}
    assert lines["id=FA-PRESS-1"]["status"] == "applied", run.lines
    assert (lines["id=FA-PRESS-2"]["status"], lines["id=FA-PRESS-2"]["field"]) == (
        "invalid",
        "isDepreciable",
    )
    fields = ("id", "assetCost", "inServiceDate", "isDepreciable", "state")
    (found,) = [r for r in _read(emulator, path, fields) if r["id"] == "FA-PRESS-1"]
    assert {f: found[f] for f in fields} == {
        "id": "FA-PRESS-1",
        "assetCost": "1250.50",
        "inServiceDate": "2026-03-01",
        "isDepreciable": True,
        "state": "inService",
    }


def test_many_records_go_as_one_bulk_job_and_again_as_the_same_job(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    """From ``bulk_from`` records, a REST-only object's creates (``upsert: false``: no
    lookup, all creates) go as one bulk job under an idempotency key: the same input
    again awaits that job and writes nothing."""
    stream = SHIPPING_STREAM
    methods = [{"id": f"BULK-{n}", "daysInTransit": n} for n in range(3)]
    messages = [schema(stream), *(record(stream, m) for m in methods)]
    config = {**_config(emulator, tmp_path), "bulk_from": 3, "upsert": False}
    first = run_target(config, messages)
    assert first.statuses() == {"applied": [f"id=BULK-{n}" for n in range(3)]}, first.lines
    second = run_target(config, messages)
    assert second.statuses() == {"already_applied": [f"id=BULK-{n}" for n in range(3)]}
    found = [r for r in _read(emulator, SHIPPING, WRITTEN) if r["id"].startswith("BULK-")]
    assert sorted((r["id"], r["daysInTransit"]) for r in found) == [
        (f"BULK-{n}", n) for n in range(3)
    ]


def test_without_an_id_of_its_own_a_record_is_matched_by_its_key_in_this_company(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    """A company message's ``key`` that exists in the company is updated; one that does
    not is created (a key is a company's record number, not the record's identity)."""
    (existing, *_) = _read(emulator, MESSAGE, ("subject",))
    messages = [
        schema(MESSAGE),
        record(MESSAGE, {"key": existing["key"], "subject": "Renamed", "message": "Moved"}),
        record(MESSAGE, {"key": "987654", "subject": "Stray", "message": "Elsewhere"}),
    ]
    run = run_target(_config(emulator, tmp_path), messages)
    lines = sorted(run.lines, key=lambda x: x["index"])  # creates and updates go side by side
    assert [(x["key"], x["action"], x["status"]) for x in lines] == [
        (f"key={existing['key']}", "update", "applied"),
        ("key=987654", "create", "applied"),
    ], run.lines
    by_key = {r["key"]: r for r in _read(emulator, MESSAGE, ("subject",))}
    assert by_key[existing["key"]]["subject"] == "Renamed"
    assert "987654" not in by_key and "Stray" in {r["subject"] for r in by_key.values()}


def test_a_custom_object_the_model_service_lists_is_written_through_rest(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    """The company's own object (the user-defined dimension FUND as
    ``platform-apps/nsp::fund``), which no packaged catalog has: the target finds it by
    the model service, creates, updates and deletes through REST; the XML gateway sees
    each write in FUND's records."""
    stream, config = "platform_apps_nsp_fund", _config(emulator, tmp_path)
    fund = {"id": "FUND-NEW", "description": "Scholarships"}
    created = run_target(config, [schema(stream), record(stream, fund)])
    assert [(x["action"], x["status"]) for x in created.lines] == [("create", "applied")]
    assert rows(emulator, "FUND", ["NAME", "DESCRIPTION"], NAME="FUND-NEW") == [
        {"NAME": "FUND-NEW", "DESCRIPTION": "Scholarships"}
    ]
    changed = {**fund, "description": "Grants"}
    updated = run_target(config, [schema(stream), record(stream, changed)])
    assert [(x["action"], x["status"]) for x in updated.lines] == [("update", "applied")]
    assert rows(emulator, "FUND", ["DESCRIPTION"], NAME="FUND-NEW") == [{"DESCRIPTION": "Grants"}]
    unknown = run_target(config, [schema(stream), record(stream, {**fund, "colour": "red"})])
    assert [(x["status"], x.get("field")) for x in unknown.lines] == [("invalid", "colour")]
    gone = {"id": "FUND-NEW", "_sdc_deleted_at": "2026-06-30T00:00:00Z"}
    deleted = run_target(config, [schema(stream), record(stream, gone)])
    assert [(x["action"], x["status"]) for x in deleted.lines] == [("delete", "applied")]
    assert rows(emulator, "FUND", ["NAME"], NAME="FUND-NEW") == []
