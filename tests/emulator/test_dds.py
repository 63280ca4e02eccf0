"""The Data Delivery Service through the XML gateway, as a client sees it: jobs queued
with runDdsJob, polled through DDSJOB reads while the emulator's clock moves, and the
CSV files they write to a real object store: one that speaks the S3 API (moto's server)
or, where a test runs over both kinds, Azure Blob Storage (Azurite)."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from intacct.client import IntacctClient
from intacct.emulator.server import EmulatorServer
from intacct.errors import GatewayError
from intacct.protocol import dds
from intacct.protocol import functions as fn
from tests.dds import KINDS, Control, Storage, control_api, dds_client

QUEUE_S, RUN_S = 60, 120


@pytest.fixture
def control(emulator: EmulatorServer) -> Iterator[Control]:
    """POST to the emulator's control API; DDS and the clock put back afterwards."""
    with control_api(emulator.url, QUEUE_S, RUN_S) as post:
        yield post


@pytest.fixture
def client(emulator: EmulatorServer) -> Iterator[IntacctClient]:
    with dds_client(emulator.url) as made:
        yield made


@pytest.fixture
def bucket(storage: Storage, control: Control) -> str:
    """A bucket (container) of the test's own, DEMO's target (``AWS-S3-DDS`` on S3)
    writing to it."""
    name = storage.server.new_bucket()
    target = storage.target(name, "intacct/dds")
    control("dds", {"company": "DEMO", "subscribed": True, "targets": {storage.name: target}})
    return name


def _run(client: IntacctClient, *args: Any, **kwargs: Any) -> dds.DdsJob:
    (record,) = client.call(dds.RunDdsJob(*args, **kwargs)).records
    return dds.parse_dds_job(record)


def _read(client: IntacctClient, job: dds.DdsJob) -> dds.DdsJob:
    (record,) = client.call(dds.read_dds_job(job.recordno)).records
    return dds.parse_dds_job(record)


def _poll(client: IntacctClient, control: Control, job: dds.DdsJob) -> dds.DdsJob:
    """Read the job, moving the clock on, until it is done; the statuses seen must go
    Queued, then Processing, then done, each read once a step."""
    seen = [job.status]
    for _ in range(5):
        job = _read(client, job)
        if job.status != seen[-1]:
            seen.append(job.status)
        if job.done:
            break
        control("clock", {"advance_s": max(QUEUE_S, RUN_S)})
    assert seen in (["Queued", "Processing", "Completed"], ["Queued", "Failed"]), seen
    return job


def _rows(storage: Storage, bucket: str, name: str) -> list[dict[str, str]]:
    body = storage.server.read(bucket, f"intacct/dds/{name}")
    if name.endswith(".gz"):
        body = gzip.decompress(body)
    return list(csv.DictReader(io.StringIO(body.decode("utf-8"), newline="")))


def _records(client: IntacctClient, obj: str) -> dict[str, dict[str, str]]:
    return {r["RECORDNO"]: dict(r) for r in client.iter_read_by_query(obj)}


@pytest.mark.parametrize("storage", KINDS, indirect=True)
def test_a_job_is_polled_to_completion_and_its_files_hold_the_objects_records(
    client: IntacctClient, control: Control, storage: Storage, bucket: str
) -> None:
    queued = _run(client, "CLASS", storage.name, "all")
    assert (queued.status, queued.files, queued.start_time) == ("Queued", (), None)
    assert queued.ddsjob.startswith("CLASS;all;") and queued.object == "CLASS"
    assert _read(client, queued).status == "Queued"  # nothing moves until the clock does
    done = _poll(client, control, queued)
    assert done.completed and done.error == "" and len(done.files) == 1
    assert done.start_time is not None and done.end_time is not None
    assert done.files[0].startswith("DEMO/CLASS.all.") and done.files[0].endswith(".csv")
    assert storage.server.keys(bucket, "") == [f"intacct/dds/{done.files[0]}"]
    rows = _rows(storage, bucket, done.files[0])
    expected = _records(client, "CLASS")
    assert done.records_created == len(rows) == len(expected) > 0
    read_times = {row.pop("ddsReadTime") for row in rows}
    assert len(read_times) == 1 and read_times.pop().endswith("+00:00")
    assert {row["RECORDNO"]: row for row in rows} == expected
    # the job listed through query and readByQuery too, as the dds-jobs page shows
    listed = client.call(dds.query_dds_jobs()).records
    assert done in [dds.parse_dds_job(r) for r in listed]
    legacy = client.call(fn.ReadByQuery("DDSJOB", f"RECORDNO = {done.recordno}")).records
    assert [dds.parse_dds_job(r) for r in legacy] == [done]


def test_files_are_split_by_the_record_limit(
    client: IntacctClient, control: Control, storage: Storage, bucket: str
) -> None:
    expected = _records(client, "DEPARTMENT")
    control("dds", {"split_records": 2})
    done = _poll(client, control, _run(client, "DEPARTMENT", "AWS-S3-DDS", "all"))
    assert len(done.files) == (len(expected) + 1) // 2 > 1
    assert [f.rsplit(".", 2)[1] for f in done.files] == [
        str(n) for n in range(1, len(done.files) + 1)
    ]
    parts = [_rows(storage, bucket, name) for name in done.files]
    assert all(len(part) == 2 for part in parts[:-1]) and 1 <= len(parts[-1]) <= 2
    rows = [row for part in parts for row in part]
    assert {r["RECORDNO"]: {k: v for k, v in r.items() if k != "ddsReadTime"} for r in rows} == (
        expected
    )
    # the job's own fileConfiguration: its split, line ends, no header, gzip
    config = dds.FileConfiguration(
        split_size=100_000, file_format="windows", include_headers=False, compress=True
    )
    done = _poll(client, control, _run(client, "DEPARTMENT", "AWS-S3-DDS", "all", None, config))
    (name,) = done.files
    assert name.endswith(".csv.gz")
    text = gzip.decompress(storage.server.read(bucket, f"intacct/dds/{name}")).decode()
    assert text.count("\r\n") == len(expected) and "ddsReadTime" not in text


def test_a_change_job_exports_what_changed_since_the_objects_last_job(
    client: IntacctClient, control: Control, storage: Storage, bucket: str
) -> None:
    client.create("VENDOR", [{"VENDORID": f"DDS-{n}", "NAME": f"DDS {n}"} for n in "AB"])
    first = _poll(client, control, _run(client, "VENDOR", "AWS-S3-DDS", "all"))
    assert first.completed
    control("clock", {"advance_s": 60})
    client.update("VENDOR", [{"VENDORID": "DDS-A", "NAME": "DDS A, renamed"}])
    (gone,) = client.read_by_name("VENDOR", ["DDS-B"])
    client.delete("VENDOR", [gone["RECORDNO"]])
    client.create("VENDOR", [{"VENDORID": "DDS-C", "NAME": "DDS C"}])
    done = _poll(client, control, _run(client, "VENDOR", "AWS-S3-DDS", "change"))
    assert (done.records_created, done.records_updated, done.records_deleted) == (1, 1, 1)
    changed, deleted = sorted(done.files, key=lambda name: ".delete." in name)
    assert ".change." in changed and ".delete." in deleted
    rows = {r["VENDORID"]: r for r in _rows(storage, bucket, changed)}
    kinds = {key: row.pop("ddsChangeType") for key, row in rows.items()}
    assert kinds == {"DDS-A": "update", "DDS-C": "create"}
    read_time = {row.pop("ddsReadTime") for row in rows.values()}.pop()
    named = "VENDORID IN ('DDS-A', 'DDS-C')"
    live = {r["VENDORID"]: dict(r) for r in client.iter_read_by_query("VENDOR", named)}
    assert rows == live
    assert _rows(storage, bucket, deleted) == [
        {"VENDORID": "DDS-B", "ddsReadTime": read_time, "ddsChangeType": "delete"}
    ]
    # nothing changed since: the next change job exports a header alone, no deletes
    again = _poll(client, control, _run(client, "VENDOR", "AWS-S3-DDS", "change"))
    (empty,) = again.files
    assert _rows(storage, bucket, empty) == [] and again.records_created == 0


@pytest.mark.parametrize("storage", KINDS, indirect=True)
def test_a_job_fails_without_its_target_with_refused_credentials_or_when_told(
    client: IntacctClient, control: Control, storage: Storage, bucket: str
) -> None:
    missing = _poll(client, control, _run(client, "CLASS", "NO-SUCH-TARGET", "all"))
    assert missing.failed and missing.files == ()
    assert missing.error == "Cloud storage target 'NO-SUCH-TARGET' is not defined."
    wrong = storage.wrong()
    bad = storage.target(bucket, "intacct/dds", wrong)
    control("dds", {"company": "DEMO", "targets": {"BAD-KEY": bad}})
    refused = _poll(client, control, _run(client, "CLASS", "BAD-KEY", "all"))
    assert refused.failed and "refused the credentials" in refused.error
    gone = storage.target("no-such-bucket-" + bucket[-8:], "intacct/dds")
    control("dds", {"company": "DEMO", "targets": {"NO-BUCKET": gone}})
    lost = _poll(client, control, _run(client, "CLASS", "NO-BUCKET", "all"))
    assert lost.failed and "does not exist" in lost.error
    control("dds", {"company": "DEMO", "fail_next": 1})
    told = _poll(client, control, _run(client, "CLASS", storage.name, "all"))
    assert told.failed and "could not be run" in told.error
    assert _poll(client, control, _run(client, "CLASS", storage.name, "all")).completed
    shown = f"{control('dds', {})} {refused.error} {lost.error}"
    for hidden in (wrong, *storage.secrets()):
        assert hidden not in shown
    assert "secret" not in shown


def test_a_company_without_the_subscription_is_refused(
    client: IntacctClient, control: Control
) -> None:
    for function in (
        dds.GetDdsObjects(),
        dds.RunDdsJob("VENDOR", "AWS-S3-DDS"),
        dds.read_dds_job(1),
        dds.query_dds_jobs(),
    ):
        (result,) = client.execute([function])
        assert result.status == "failure"
        assert isinstance(result.error, GatewayError)
        (detail,) = result.errors
        assert detail.errorno == "DDS not subscribed"
        assert "not subscribed to the Data Delivery Service" in (detail.description2 or "")


def test_get_dds_objects_lists_standard_and_custom_objects(
    client: IntacctClient, control: Control, bucket: str
) -> None:
    names = dds.parse_dds_objects(client.call(dds.GetDdsObjects()).records)
    assert {"VENDOR", "CUSTOMER", "GLACCOUNT", "GLENTRY", "FUND"} <= set(names)
    assert "DDSJOB" not in names and "AUDITHISTORY" not in names
    (result,) = client.execute([dds.RunDdsJob("AUDITHISTORY", "AWS-S3-DDS")])
    assert result.status == "failure" and "not available for DDS" in str(result.errors)


def test_jobs_and_their_reads_are_billed_one_transaction_each(
    client: IntacctClient, control: Control, emulator: EmulatorServer, bucket: str
) -> None:
    stats = emulator.url.replace("/ia/xml/xmlgw.phtml", "/_emulator/stats")
    before = httpx.get(stats).json().get("api_transactions.DEMO", 0)
    job = _run(client, "CLASS", "AWS-S3-DDS", "all")
    _read(client, job)
    client.call(dds.GetDdsObjects())
    assert httpx.get(stats).json()["api_transactions.DEMO"] - before == 2
