"""The target writing through the REST API (``api: rest``) against the emulator: the same
records as through XML, in batches of 500 and bulk jobs under idempotency keys, never
twice, a field REST cannot write reported, the objects REST does not write still sent
through XML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from intacct.emulator.server import EmulatorServer
from intacct.errors import ConfigError
from intacct.target import RecordsFailedError, TargetSageIntacct

from ..conftest import DEMO_APP
from .conftest import ACCOUNTS, journal_entry, record, rows, run_target, schema, target_config

#: the fields compared between a record written through XML and its REST twin
BILL = ["VENDORID", "DESCRIPTION", "WHENPOSTED", "WHENDUE", "TOTALENTERED", "STATE"]
LINE = ["ACCOUNTNO", "AMOUNT", "TRX_AMOUNT"]


def rest_config(emulator: EmulatorServer, tmp_path: Path, **extra: Any) -> dict[str, Any]:
    return target_config(emulator, tmp_path, api="rest", **DEMO_APP, **extra)


def _bill(
    title: str, amounts: tuple[str, ...] = ("10.00", "5.50"), amount: str = "TRX_AMOUNT"
) -> dict[str, Any]:
    """A bill whose lines give their ``amount``: REST writes the transaction amount
    (txnAmount, XML's TRX_AMOUNT; its baseAmount, XML's AMOUNT, is read-only), the XML
    gateway takes AMOUNT."""
    lines = [{"ACCOUNTNO": ACCOUNTS[0], amount: a, "ENTRYDESCRIPTION": title} for a in amounts]
    return {
        "VENDORID": "V10001",
        "CURRENCY": "USD",
        "STATE": "Posted",  # REST creates a bill as a draft by default, XML posts it
        "WHENCREATED": "2026-05-01",
        "WHENPOSTED": "2026-05-01",
        "WHENDUE": "06/15/2026",
        "DESCRIPTION": title,
        "APBILLITEMS": {"APBILLITEM": lines},
    }


def _vendor(vendor_id: str) -> dict[str, Any]:
    return {
        "VENDORID": vendor_id,
        "NAME": f"Vendor {vendor_id}",
        "STATUS": "active",
        "PAYMENTPRIORITY": "High",
        "CREDITLIMIT": "2500.75",
        "ONHOLD": False,
        "TERMNAME": "Net 30",  # a term the demo company has (REST checks the reference)
    }


def _stat(emulator: EmulatorServer, name: str) -> int:
    return emulator.emulator.snapshot().get(name, 0)


def _count(emulator: EmulatorServer, obj: str, field: str, value: str) -> int:
    return len(rows(emulator, obj, ["RECORDNO"], **{field: value}))


def test_records_written_through_rest_equal_their_xml_twins(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    """Vendors (references, enums, numbers, booleans), bills with lines and journal
    entries: written once through each API, they read back the same through XML."""
    written: dict[str, dict[str, int]] = {}
    amounts = {"xml": "AMOUNT", "rest": "TRX_AMOUNT"}
    for api in ("xml", "rest"):
        extra = {"api": api, **DEMO_APP}
        messages = [
            schema("VENDOR"),
            record("VENDOR", _vendor(f"TWIN-{api}")),
            schema("APBILL"),
            record("APBILL", _bill(f"twin bill {api}", ("1.25", "2.50", "3.75"), amounts[api])),
            schema("GLBATCH"),
            record("GLBATCH", journal_entry(f"twin entry {api}")),
        ]
        creates = _stat(emulator, "rest:create")
        run = run_target(target_config(emulator, tmp_path, **extra), messages)
        assert run.error is None, run.lines
        assert set(run.statuses()) == {"applied"}
        assert (_stat(emulator, "rest:create") - creates) == (3 if api == "rest" else 0)
        written[api] = {line["stream"]: line["recordno"] for line in run.lines}

    vendor = ["NAME", "STATUS", "PAYMENTPRIORITY", "CREDITLIMIT", "ONHOLD", "TERMNAME"]
    xml_vendor, rest_vendor = (
        rows(emulator, "VENDOR", vendor, VENDORID=f"TWIN-{api}") for api in ("xml", "rest")
    )
    assert [{**v, "NAME": None} for v in xml_vendor] == [{**v, "NAME": None} for v in rest_vendor]
    assert rest_vendor[0]["CREDITLIMIT"] == "2500.75"

    def bill(api: str) -> tuple[Any, ...]:
        (head,) = rows(emulator, "APBILL", BILL, RECORDNO=written[api]["APBILL"])
        lines = rows(emulator, "APBILLITEM", LINE, RECORDKEY=written[api]["APBILL"])
        head["DESCRIPTION"] = head["DESCRIPTION"].replace(api, "")
        return head, sorted((r["ACCOUNTNO"], r["AMOUNT"], r["TRX_AMOUNT"]) for r in lines)

    assert bill("xml") == bill("rest")
    entries = {
        api: sorted(
            (r["ACCOUNTNO"], r["TR_TYPE"], r["TRX_AMOUNT"])
            for r in rows(
                emulator,
                "GLENTRY",
                ["ACCOUNTNO", "TR_TYPE", "TRX_AMOUNT"],
                BATCHKEY=written[api]["GLBATCH"],
            )
        )
        for api in ("xml", "rest")
    }
    assert entries["xml"] == entries["rest"] and len(entries["rest"]) == 2


def test_upserts_and_deletes_go_through_rest(emulator: EmulatorServer, tmp_path: Path) -> None:
    config = rest_config(emulator, tmp_path)
    first = [record("CLASS", {"CLASSID": f"RUP-{n}", "NAME": f"Class {n}"}) for n in range(3)]
    run = run_target(config, [schema("CLASS"), *first])
    assert run.statuses() == {"applied": ["CLASSID=RUP-0", "CLASSID=RUP-1", "CLASSID=RUP-2"]}
    created = {line["key"]: line["recordno"] for line in run.lines}

    updates = _stat(emulator, "rest:update")
    run = run_target(config, [schema("CLASS"), record("CLASS", {"CLASSID": "RUP-1", "NAME": "Re"})])
    ((line),) = run.lines
    assert (line["action"], line["status"]) == ("update", "applied")
    assert line["recordno"] == created["CLASSID=RUP-1"]
    assert _stat(emulator, "rest:update") == updates + 1
    assert rows(emulator, "CLASS", ["NAME"], CLASSID="RUP-1") == [{"NAME": "Re"}]

    tombstone = {"CLASSID": "RUP-2", "_sdc_deleted_at": "2026-07-01T00:00:00Z"}
    run = run_target(config, [schema("CLASS"), record("CLASS", tombstone)])
    assert [(x["action"], x["status"]) for x in run.lines] == [("delete", "applied")]
    assert _count(emulator, "CLASS", "CLASSID", "RUP-2") == 0
    by_recordno = {"RECORDNO": created["CLASSID=RUP-0"], "_sdc_deleted_at": "2026-07-01"}
    run = run_target(
        config, [schema("CLASS"), record("CLASS", tombstone), record("CLASS", by_recordno)]
    )
    assert [(x["action"], x["status"]) for x in run.lines] == [
        ("delete", "already_applied"),
        ("delete", "applied"),
    ]
    assert _count(emulator, "CLASS", "CLASSID", "RUP-0") == 0


def test_the_same_input_twice_writes_nothing_twice(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    """Keyless documents get the same control ids from the same input, so their request
    the same idempotency key: the second run is answered "already processed"."""
    messages = [
        schema("GLBATCH"),
        record("GLBATCH", journal_entry("rest twice")),
        record("GLBATCH", journal_entry("rest twice")),  # a second identical entry, legitimately
        schema("APBILL"),
        record("APBILL", {**_bill("rest twice"), "_batch_id": "input-1"}),
    ]
    config = rest_config(emulator, tmp_path)
    first = run_target(config, messages)
    assert first.error is None and set(first.statuses()) == {"applied"}, first.lines
    second = run_target(config, messages)
    assert second.error is None, second.lines
    assert second.statuses("GLBATCH") == {"already_applied": ["#0", "#1"]}
    assert second.statuses("APBILL") == {"already_applied": ["#0"]}
    assert second.lines[0]["errorno"] == "conflict"  # the key's first request wrote these:
    assert "written: /objects/general-ledger/journal-entry/" in second.lines[0]["description"]
    assert _count(emulator, "GLBATCH", "BATCH_TITLE", "rest twice") == 2
    assert _count(emulator, "APBILL", "DESCRIPTION", "rest twice") == 1


def test_a_lost_answer_is_sent_again_under_its_key_and_writes_once(
    emulator: EmulatorServer, tmp_path: Path, faults: Any
) -> None:
    """The answer of the create breaks off after the records were written: the retry
    policy sends the request again under the same idempotency key, refused as processed."""
    faults.add("body=truncated,function=rest:create,times=1")
    messages = [
        schema("CLASS"),
        *(record("CLASS", {"CLASSID": f"RLOST-{n}", "NAME": "n"}) for n in range(3)),
    ]
    run = run_target(rest_config(emulator, tmp_path, max_retries=2), messages)
    assert faults.describe()[0]["fired"] == 1
    assert run.error is None, run.lines
    assert run.statuses() == {
        "already_applied": ["CLASSID=RLOST-0", "CLASSID=RLOST-1", "CLASSID=RLOST-2"]
    }
    for n in range(3):
        assert _count(emulator, "CLASS", "CLASSID", f"RLOST-{n}") == 1


def test_records_go_500_to_a_request(emulator: EmulatorServer, tmp_path: Path) -> None:
    records = [
        record("DEPARTMENT", {"DEPARTMENTID": f"R5-{n:04}", "TITLE": f"Dept {n}"})
        for n in range(1_200)
    ]
    creates = _stat(emulator, "rest:create")
    run = run_target(rest_config(emulator, tmp_path), [schema("DEPARTMENT"), *records])
    assert run.error is None
    assert len(run.statuses()["applied"]) == 1_200
    assert _stat(emulator, "rest:create") - creates == 3  # 500 + 500 + 200


def test_a_batch_reports_each_record_in_its_place(emulator: EmulatorServer, tmp_path: Path) -> None:
    """One record Intacct refuses (a duplicate id, created meanwhile by someone else)
    fails alone; the others of its request are written."""
    config = rest_config(emulator, tmp_path, upsert=False)
    messages = [
        schema("CLASS"),
        record("CLASS", {"CLASSID": "RB-1", "NAME": "a"}),
        record("CLASS", {"CLASSID": "C400", "NAME": "exists already"}),
        record("CLASS", {"CLASSID": "RB-2", "NAME": "b"}),
    ]
    run = run_target(config, messages)
    assert isinstance(run.error, RecordsFailedError)
    assert run.statuses() == {
        "applied": ["CLASSID=RB-1", "CLASSID=RB-2"],
        "failed": ["CLASSID=C400"],
    }
    failed = next(line for line in run.lines if line["status"] == "failed")
    assert failed["errorno"] == "duplicateValue" and "C400" in failed["description"]


def test_fields_rest_cannot_write_are_left_out_and_listed(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    """REST's vendor names its contact by id and has no field for the XML contact's
    e-mail, and a bill line's base amount (XML's AMOUNT) is read-only there: such
    fields are left out and listed in the record's ``ignored``, as the XML gateway's
    read-only fields are, and what REST then misses is its refusal, record by record."""
    based = _bill("rest base amount")
    based["APBILLITEMS"]["APBILLITEM"].append({"ACCOUNTNO": ACCOUNTS[0], "AMOUNT": "4.00"})
    messages = [
        schema("VENDOR"),
        record("VENDOR", {**_vendor("RIGN-1"), "DISPLAYCONTACT": {"EMAIL1": "a@example.com"}}),
        schema("APBILL"),
        record("APBILL", based),
    ]
    run = run_target(rest_config(emulator, tmp_path), messages)
    assert isinstance(run.error, RecordsFailedError)
    assert run.statuses() == {"applied": ["VENDORID=RIGN-1"], "failed": ["#0"]}
    vendor, bill = run.lines
    assert vendor["ignored"] == ["DISPLAYCONTACT.EMAIL1"]
    assert "APBILLITEMS[2].AMOUNT" in bill["ignored"]
    assert "txnAmount" in bill["description"]
    assert _count(emulator, "VENDOR", "VENDORID", "RIGN-1") == 1
    assert _count(emulator, "APBILL", "DESCRIPTION", "rest base amount") == 0


def test_a_unified_record_lists_what_rest_cannot_carry(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    """A unified stream's record is mapped to XML fields by the mappings: what REST has
    no place for is left out and listed the same way."""
    vendor = {"vendorNumber": "RUNI-1", "vendorName": "Unified", "email": "u@x.com"}
    run = run_target(
        rest_config(emulator, tmp_path), [schema("Vendors"), record("Vendors", vendor)]
    )
    ((line),) = run.lines
    assert line["status"] == "applied", line
    assert line["ignored"] == ["DISPLAYCONTACT.EMAIL1"]
    assert rows(emulator, "VENDOR", ["NAME"], VENDORID="RUNI-1") == [{"NAME": "Unified"}]


def test_objects_rest_does_not_write_still_go_through_xml(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    creates = _stat(emulator, "rest:create")
    run = run_target(
        rest_config(emulator, tmp_path),
        # an account group purpose: an XML object no REST object holds
        [schema("GLACCTGRPPURPOSE"), record("GLACCTGRPPURPOSE", {"NAME": "RXML-1"})],
    )
    assert run.error is None, run.lines
    assert run.statuses() == {"applied": ["NAME=RXML-1"]}
    assert _stat(emulator, "rest:create") == creates


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ({"client_id": "", "client_secret": ""}, "client_id"),
        ({"transaction": True}, "transaction"),
        ({"dtd_version": "2.1"}, "dtd_version"),
    ],
)
def test_what_rest_cannot_do_is_refused_at_the_start(
    emulator: EmulatorServer, tmp_path: Path, extra: dict[str, Any], key: str
) -> None:
    config = {**rest_config(emulator, tmp_path), **extra}
    with pytest.raises(ConfigError) as refused:
        TargetSageIntacct(config=config)
    assert refused.value.key == key


def test_from_bulk_from_records_a_bulk_job_writes_them(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    """150 creates (one of an id that exists) and a batch below the mark: one job, its
    results reported record by record; the small group goes as a batch."""
    config = rest_config(emulator, tmp_path, upsert=False, bulk_from=100)
    classes = [
        record("CLASS", {"CLASSID": f"RBULK-{n:03}", "NAME": f"Bulk {n}"}) for n in range(149)
    ]
    classes.insert(70, record("CLASS", {"CLASSID": "C400", "NAME": "exists already"}))
    departments = [record("DEPARTMENT", {"DEPARTMENTID": "RBULK-D1", "TITLE": "small"})]
    jobs, creates = _stat(emulator, "rest:bulk.job.create"), _stat(emulator, "rest:create")
    run = run_target(config, [schema("CLASS"), *classes, schema("DEPARTMENT"), *departments])
    assert isinstance(run.error, RecordsFailedError)
    assert _stat(emulator, "rest:bulk.job.create") - jobs == 1
    assert _stat(emulator, "rest:create") - creates == 1  # the department's batch
    statuses = run.statuses("CLASS")
    assert statuses["failed"] == ["CLASSID=C400"] and len(statuses["applied"]) == 149
    failed = next(line for line in run.lines if line["status"] == "failed")
    assert failed["index"] == 70 and failed["errorno"] == "duplicateValue"
    applied = [line for line in run.lines if line["status"] == "applied"]
    assert all(line["recordno"] for line in applied)
    assert _count(emulator, "CLASS", "CLASSID", "RBULK-148") == 1
    assert run.statuses("DEPARTMENT") == {"applied": ["DEPARTMENTID=RBULK-D1"]}


def test_a_bulk_job_whose_answer_was_lost_is_awaited_not_made_twice(
    emulator: EmulatorServer, tmp_path: Path, faults: Any
) -> None:
    """The job's creation answer breaks off after the job was made: sent again under the
    same idempotency key, Intacct names the job it made, which is awaited, and its
    records reported as written by that earlier try (as a batch's replay is)."""
    faults.add("body=truncated,function=rest:bulk.job.create,times=1")
    config = rest_config(emulator, tmp_path, bulk_from=10, max_retries=2)
    messages = [
        schema("GLBATCH"),
        *(record("GLBATCH", journal_entry(f"bulk lost {n}")) for n in range(12)),
    ]
    jobs = _stat(emulator, "rest:bulk.job.create")
    run = run_target(config, messages)
    assert faults.describe()[0]["fired"] == 1
    assert run.error is None, run.lines
    assert _stat(emulator, "rest:bulk.job.create") - jobs == 2  # the lost one, and its resend
    assert run.statuses() == {"already_applied": [f"#{n}" for n in range(12)]}
    assert all(line["recordno"] for line in run.lines)
    for n in range(12):
        assert _count(emulator, "GLBATCH", "BATCH_TITLE", f"bulk lost {n}") == 1
    again = run_target(config, messages)  # the same input: the same job, not another
    assert again.statuses() == {"already_applied": [f"#{n}" for n in range(12)]}
    for n in range(12):
        assert _count(emulator, "GLBATCH", "BATCH_TITLE", f"bulk lost {n}") == 1


def test_custom_fields_are_written_through_rest(emulator: EmulatorServer, tmp_path: Path) -> None:
    """A vendor's custom fields (XML's VENDOR_TIER, VENDOR_ESG_CERTIFIED) go through
    REST as the company's model names them (``nsp::VENDOR_TIER``) into the same columns."""
    vendor = {**_vendor("CUSTOM-REST"), "VENDOR_TIER": "Approved", "VENDOR_ESG_CERTIFIED": True}
    creates = _stat(emulator, "rest:create")
    run = run_target(rest_config(emulator, tmp_path), [schema("VENDOR"), record("VENDOR", vendor)])
    assert run.error is None, run.lines
    assert set(run.statuses()) == {"applied"} and _stat(emulator, "rest:create") - creates == 1
    names = ["VENDOR_TIER", "VENDOR_ESG_CERTIFIED"]
    (written,) = rows(emulator, "VENDOR", names, VENDORID="CUSTOM-REST")
    assert written["VENDOR_TIER"] == "Approved" and written["VENDOR_ESG_CERTIFIED"] in (
        True,
        "true",
    )
