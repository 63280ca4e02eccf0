"""The target against the emulator: creates, upserts, deletes, documents with their
lines, invalid records reported exactly, re-runs and lost answers that write nothing
twice, transactions, batching."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from singer_sdk.exceptions import ConfigValidationError

from intacct import IntacctClient
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.errors import ConfigError
from intacct.target import RecordsFailedError, TargetSageIntacct

from .conftest import ACCOUNTS, journal_entry, record, rows, run_target, schema, target_config


def _bill(vendor: str, title: str, amounts: tuple[str, ...] = ("10.00", "5.50")) -> dict[str, Any]:
    lines = [{"ACCOUNTNO": ACCOUNTS[0], "AMOUNT": a, "ENTRYDESCRIPTION": title} for a in amounts]
    return {
        "VENDORID": vendor,
        "WHENCREATED": "2026-05-01",
        "WHENPOSTED": "2026-05-01",
        "DESCRIPTION": title,
        "APBILLITEMS": {"APBILLITEM": lines},
    }


def test_a_bad_config_names_its_key(emulator: EmulatorServer, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'batch_size'"):
        TargetSageIntacct(config=target_config(emulator, tmp_path, batch_size=101))
    with pytest.raises(ConfigValidationError) as refused:
        TargetSageIntacct(config=target_config(emulator, tmp_path, upsert="perhaps"))
    assert refused.value.errors == [
        "'perhaps' is not of type 'boolean', 'null' in config['upsert']"
    ]
    with pytest.raises(ConfigError, match=r"'transactoin'.*did you mean 'transaction'"):
        TargetSageIntacct(config=target_config(emulator, tmp_path, transactoin=True))


def test_records_are_created_then_upserted_by_their_id(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    config = target_config(emulator, tmp_path)
    first = [record("CLASS", {"CLASSID": f"UP-{n}", "NAME": f"Class {n}"}) for n in range(3)]
    run = run_target(config, [schema("CLASS", ["CLASSID"]), *first])
    assert run.error is None
    assert run.statuses() == {"applied": ["CLASSID=UP-0", "CLASSID=UP-1", "CLASSID=UP-2"]}
    created = {line["key"]: line["recordno"] for line in run.lines}

    again = [record("CLASS", {"CLASSID": "UP-1", "NAME": "Renamed"})]
    run = run_target(config, [schema("CLASS", ["CLASSID"]), *again])
    (line,) = run.lines
    assert (line["action"], line["status"], line["recordno"]) == (
        "update",
        "applied",
        created["CLASSID=UP-1"],
    )
    assert rows(emulator, "CLASS", ["NAME"], CLASSID="UP-1") == [{"NAME": "Renamed"}]


def test_a_batch_with_invalid_records_reports_exactly_those(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    good = [{"CLASSID": f"IV-{n}", "NAME": "ok"} for n in range(4)]
    bad = [
        {"CLASSID": "IV-missing"},  # NAME is required
        {"CLASSID": "IV-unknown", "NAME": "x", "COLOUR": "red"},
        {"CLASSID": "IV-type", "NAME": "x", "STATUS": "active", "PARENTID": ["a"]},
    ]
    vendor = {"VENDORID": "IV-V", "NAME": "v", "CREDITLIMIT": "lots"}
    tier = {"VENDORID": "IV-T", "NAME": "t", "VENDOR_TIER": "Gold"}
    read_only = {"RECORDNO": 3, "WHENCREATED": "2026-01-01T00:00:00Z", "RECORD_URL": "x"}
    messages = [
        schema("CLASS"),
        *(record("CLASS", r) for r in [good[0], bad[0], good[1], bad[1], good[2], bad[2], good[3]]),
        schema("VENDOR"),
        record("VENDOR", vendor),
        record("VENDOR", tier),
        schema("GLDETAIL"),
        record("GLDETAIL", read_only),  # a report object: every field read-only
    ]
    run = run_target(target_config(emulator, tmp_path), messages)
    assert isinstance(run.error, RecordsFailedError)
    invalid = {
        line["key"]: (line["field"], line["description"])
        for line in run.lines
        if line["status"] == "invalid"
    }
    assert set(invalid) == {
        "CLASSID=IV-missing",
        "CLASSID=IV-unknown",
        "CLASSID=IV-type",
        "VENDORID=IV-V",
        "VENDORID=IV-T",
        "RECORDNO=3",
    }
    assert invalid["CLASSID=IV-missing"][0] == "NAME"
    assert invalid["CLASSID=IV-unknown"] == ("COLOUR", "CLASS has no such field")
    assert invalid["CLASSID=IV-type"][0] == "PARENTID"
    assert invalid["VENDORID=IV-V"][0] == "CREDITLIMIT"
    assert invalid["RECORDNO=3"] == (
        "WHENCREATED, RECORD_URL",
        "nothing to write: no writable GLDETAIL field",
    )
    assert sorted(run.statuses()["applied"]) == [f"CLASSID=IV-{n}" for n in range(4)]
    assert invalid["VENDORID=IV-T"] == (
        "VENDOR_TIER",
        "'Gold' is not one of its values (Strategic, Preferred, Approved, Probation)",
    )
    assert len(run.lines) == 10  # one line per record, nothing dropped
    written = rows(emulator, "CLASS", ["CLASSID"])
    assert {r["CLASSID"] for r in written} >= {f"IV-{n}" for n in range(4)}
    assert not {r["CLASSID"] for r in written} & {"IV-missing", "IV-unknown", "IV-type"}


def test_intacct_refusals_carry_errorno_and_correction(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    messages = [
        schema("CLASS"),
        record("CLASS", {"CLASSID": "C400", "NAME": "exists already"}),
        record("CLASS", {"CLASSID": "RF-1", "NAME": "new"}),
    ]
    run = run_target(target_config(emulator, tmp_path, upsert=False), messages)
    assert isinstance(run.error, RecordsFailedError)
    (failed,) = (line for line in run.lines if line["status"] == "failed")
    assert failed["key"] == "CLASSID=C400"
    assert failed["errorno"] == "BL34000061"
    assert "already exists" in failed["description"]
    assert failed["correction"] == "Use a unique value instead."
    assert run.statuses()["applied"] == ["CLASSID=RF-1"]


def test_documents_are_written_with_their_lines(emulator: EmulatorServer, tmp_path: Path) -> None:
    bill = _bill("V10001", "lines test", ("1.25", "2.50", "3.75"))
    bill["APBILLITEMS"] = bill["APBILLITEMS"]["APBILLITEM"]  # a plain list works too
    messages = [
        schema("APBILL"),
        record("APBILL", bill),
        schema("GLBATCH"),
        record("GLBATCH", journal_entry("lines")),
    ]
    run = run_target(target_config(emulator, tmp_path), messages)
    assert run.error is None, run.lines
    recordnos = {line["stream"]: line["recordno"] for line in run.lines}
    items = rows(emulator, "APBILLITEM", ["AMOUNT"], RECORDKEY=recordnos["APBILL"])
    assert sorted(r["AMOUNT"] for r in items) == ["1.25", "2.50", "3.75"]
    entries = rows(emulator, "GLENTRY", ["TR_TYPE"], BATCHKEY=recordnos["GLBATCH"])
    assert sorted(r["TR_TYPE"] for r in entries) == ["-1", "1"]


def _count(emulator: EmulatorServer, obj: str, field: str, value: str) -> int:
    return len(rows(emulator, obj, ["RECORDNO"], **{field: value}))


def test_the_same_input_twice_creates_nothing_new(emulator: EmulatorServer, tmp_path: Path) -> None:
    messages = [
        schema("CLASS"),
        record("CLASS", {"CLASSID": "TW-1", "NAME": "Twice"}),
        schema("GLBATCH"),
        record("GLBATCH", journal_entry("twice")),
        record("GLBATCH", journal_entry("twice")),  # a second identical entry in the same input
        schema("APBILL"),
        record("APBILL", {**_bill("V10001", "twice"), "_batch_id": "input-7"}),
    ]
    config = target_config(emulator, tmp_path)
    first = run_target(config, messages)
    assert first.error is None
    assert set(first.statuses()) == {"applied"}
    second = run_target(config, messages)
    assert second.error is None
    assert second.statuses("GLBATCH") == {"already_applied": ["#0", "#1"]}
    assert second.statuses("APBILL") == {"already_applied": ["#0"]}
    assert second.statuses("CLASS") == {"applied": ["CLASSID=TW-1"]}
    assert [line["action"] for line in second.lines if line["stream"] == "CLASS"] == ["update"]
    assert _count(emulator, "GLBATCH", "BATCH_TITLE", "twice") == 2
    assert _count(emulator, "APBILL", "DESCRIPTION", "twice") == 1
    assert _count(emulator, "CLASS", "CLASSID", "TW-1") == 1

    # a legitimate second identical bill: another _batch_id
    third = run_target(
        config,
        [schema("APBILL"), record("APBILL", {**_bill("V10001", "twice"), "_batch_id": "input-8"})],
    )
    assert third.statuses() == {"applied": ["#0"]}
    assert _count(emulator, "APBILL", "DESCRIPTION", "twice") == 2


@pytest.mark.parametrize(
    "spec", ["status=524,function=create,times=2", "body=truncated,function=create,times=1"]
)
def test_lost_answers_create_no_duplicates(
    emulator: EmulatorServer, tmp_path: Path, faults: Any, spec: str
) -> None:
    title = f"lost {spec}"
    faults.add(spec)
    messages = [
        schema("GLBATCH"),
        record("GLBATCH", journal_entry(title)),
        schema("CLASS"),
        *(record("CLASS", {"CLASSID": f"LOST-{spec[:10]}-{n}", "NAME": "n"}) for n in range(3)),
    ]
    run = run_target(target_config(emulator, tmp_path, max_retries=2), messages)
    assert run.error is None, run.lines
    assert faults.describe()[0]["fired"] >= 1
    # the lost answers' writes were applied: their replays are refused as replays
    assert {line["status"] for line in run.lines} == {"applied", "already_applied"}
    assert _count(emulator, "GLBATCH", "BATCH_TITLE", title) == 1
    for n in range(3):
        assert _count(emulator, "CLASS", "CLASSID", f"LOST-{spec[:10]}-{n}") == 1


def test_one_owner_decides_replays_and_then_the_records_are_reported(
    emulator: EmulatorServer, tmp_path: Path, faults: Any
) -> None:
    """The client's retry policy alone replays a lost answer (max_retries + 1 posts in
    all, never a second loop on top); then every record of the request is reported
    failed with its control id, and running the same input again posts nothing twice."""
    title = "never answered"
    faults.add("status=524,function=create")
    messages = [
        schema("GLBATCH"),
        record("GLBATCH", journal_entry(title)),
        schema("CLASS"),
        record("CLASS", {"CLASSID": "NOANSWER-1", "NAME": "n"}),
    ]
    config = target_config(emulator, tmp_path, max_retries=2)
    run = run_target(config, messages)
    assert faults.describe()[0]["fired"] == 2 * 3  # two requests, 1 + max_retries posts each
    assert isinstance(run.error, RecordsFailedError)
    failed = [line for line in run.lines if line["status"] == "failed"]
    assert len(failed) == 2 and all(line["controlid"] for line in failed)
    assert all("no answer after 3 attempt(s) under the same control ids" in line["description"]
               for line in failed)  # fmt: skip
    faults.clear()
    again = run_target(config, messages)
    assert again.error is None, again.lines
    assert _count(emulator, "GLBATCH", "BATCH_TITLE", title) == 1
    assert _count(emulator, "CLASS", "CLASSID", "NOANSWER-1") == 1


def test_deletes_by_id_and_a_second_delete_is_already_applied(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    config = target_config(emulator, tmp_path)
    run_target(
        config, [schema("CLASS"), record("CLASS", {"CLASSID": "DEL-1", "NAME": "gone soon"})]
    )
    tombstone = {"CLASSID": "DEL-1", "_sdc_deleted_at": "2026-07-01T00:00:00Z"}
    run = run_target(config, [schema("CLASS"), record("CLASS", tombstone)])
    assert [(x["action"], x["status"]) for x in run.lines] == [("delete", "applied")]
    assert _count(emulator, "CLASS", "CLASSID", "DEL-1") == 0
    run = run_target(config, [schema("CLASS"), record("CLASS", tombstone)])
    assert [(x["action"], x["status"]) for x in run.lines] == [("delete", "already_applied")]


def test_a_transaction_rolls_back_its_whole_batch(emulator: EmulatorServer, tmp_path: Path) -> None:
    config = target_config(emulator, tmp_path, transaction=True, upsert=False)
    messages = [
        schema("CLASS"),
        record("CLASS", {"CLASSID": "TX-1", "NAME": "a"}),
        record("CLASS", {"CLASSID": "C400", "NAME": "exists already"}),
        record("CLASS", {"CLASSID": "TX-2", "NAME": "b"}),
    ]
    run = run_target(config, messages)
    assert isinstance(run.error, RecordsFailedError)
    assert run.statuses() == {
        "rolled_back": ["CLASSID=TX-1", "CLASSID=TX-2"],
        "failed": ["CLASSID=C400"],
    }
    assert _count(emulator, "CLASS", "CLASSID", "TX-1") == 0

    invalid = [
        schema("CLASS"),
        record("CLASS", {"CLASSID": "TX-3", "NAME": "a"}),
        record("CLASS", {"CLASSID": "TX-4"}),
    ]
    run = run_target(config, invalid)
    assert run.statuses() == {"invalid": ["CLASSID=TX-4"], "rolled_back": ["CLASSID=TX-3"]}
    assert _count(emulator, "CLASS", "CLASSID", "TX-3") == 0


def test_records_go_100_to_a_request(emulator: EmulatorServer, tmp_path: Path) -> None:
    records = [
        record("DEPARTMENT", {"DEPARTMENTID": f"B-{n:03}", "TITLE": f"Dept {n}"})
        for n in range(250)
    ]
    run = run_target(target_config(emulator, tmp_path), [schema("DEPARTMENT"), *records])
    assert run.error is None
    assert len(run.statuses()["applied"]) == 250
    # a session, the lookup of DEPARTMENT, one request of 3 upsert queries, 3 writes
    assert run.requests == 6


def test_an_unknown_object_fails_its_records_only(emulator: EmulatorServer, tmp_path: Path) -> None:
    messages = [
        schema("NOSUCHOBJECT"),
        record("NOSUCHOBJECT", {"X": "1"}),
        schema("CLASS"),
        record("CLASS", {"CLASSID": "UO-1", "NAME": "still written"}),
    ]
    run = run_target(target_config(emulator, tmp_path), messages)
    assert isinstance(run.error, RecordsFailedError)
    assert run.statuses("NOSUCHOBJECT")["failed"] == ["#0"]
    assert run.statuses("CLASS") == {"applied": ["CLASSID=UO-1"]}


def test_dtd_21_writes_with_legacy_functions(emulator: EmulatorServer, tmp_path: Path) -> None:
    config = target_config(emulator, tmp_path, dtd_version="2.1")
    run = run_target(
        config, [schema("CLASS"), record("CLASS", {"classid": "LEG-1", "name": "Legacy"})]
    )
    assert run.statuses() == {"applied": ["CLASSID=LEG-1"]}, run.lines
    run = run_target(
        config, [schema("CLASS"), record("CLASS", {"classid": "LEG-1", "name": "Legacy 2"})]
    )
    assert [(x["action"], x["status"]) for x in run.lines] == [("update", "applied")]
    assert rows(emulator, "CLASS", ["NAME"], CLASSID="LEG-1") == [{"NAME": "Legacy 2"}]


def test_upserts_at_the_top_level_find_the_entities_records(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    """DEMO-ME's vendors belong to its entities (private to them): a top-level write must
    find them (showprivate) and update them, not try to create them again."""
    owned = rows(emulator, "VENDOR", ["VENDORID"], company="DEMO-ME")  # top level: none
    assert owned == []
    config = target_config(emulator, tmp_path, "DEMO-ME")
    run = run_target(
        config,
        [schema("VENDOR"), record("VENDOR", {"VENDORID": "V10001", "NAME": "Renamed at the top"})],
    )
    assert [(x["action"], x["status"]) for x in run.lines] == [("update", "applied")], run.lines
    with IntacctClient.from_mapping(client_config(emulator.url, "DEMO-ME", "E100")) as e100:
        (vendor,) = e100.read_by_name("VENDOR", ["V10001"], ["NAME"])
    assert vendor["NAME"] == "Renamed at the top"  # written in E100, which owns it


def test_custom_fields_and_dimensions_pass_through(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    vendor = {"VENDORID": "CF-V1", "NAME": "Custom", "VENDOR_TIER": "Preferred"}
    batch = journal_entry("dimensions")
    batch["ENTRIES"][0]["GLDIMFUND"] = "F-100"
    messages = [
        schema("VENDOR"),
        record("VENDOR", vendor),
        schema("GLBATCH"),
        record("GLBATCH", batch),
    ]
    run = run_target(target_config(emulator, tmp_path), messages)
    assert run.error is None, run.lines
    assert rows(emulator, "VENDOR", ["VENDOR_TIER"], VENDORID="CF-V1") == [
        {"VENDOR_TIER": "Preferred"}
    ]
    recordno = next(x["recordno"] for x in run.lines if x["stream"] == "GLBATCH")
    funds = rows(emulator, "GLENTRY", ["GLDIMFUND"], BATCHKEY=recordno)
    assert sorted(f["GLDIMFUND"] or "" for f in funds) == ["", "F-100"]


def test_records_whose_lookup_gets_no_answer_are_reported_failed(
    emulator: EmulatorServer, tmp_path: Path, faults: Any
) -> None:
    """An upsert's lookup that never answers sends nothing of the wave, and reports each
    of its records failed (before: the run ended with no line for any of them)."""
    faults.add("status=503,function=query")
    messages = [schema("CLASS"), *(record("CLASS", {"CLASSID": f"NOLOOK-{n}", "NAME": "n"})
                                   for n in range(3))]  # fmt: skip
    config = target_config(emulator, tmp_path, max_retries=1)
    run = run_target(config, messages)
    assert isinstance(run.error, RecordsFailedError), run.error
    assert run.statuses() == {"failed": [f"CLASSID=NOLOOK-{n}" for n in range(3)]}
    assert all("not sent: looking up" in line["description"] for line in run.lines)
    faults.clear()
    assert _count(emulator, "CLASS", "CLASSID", "NOLOOK-0") == 0
    again = run_target(config, messages)
    assert again.statuses() == {"applied": [f"CLASSID=NOLOOK-{n}" for n in range(3)]}
