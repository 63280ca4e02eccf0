"""A DDS job run through the client (runDdsJob once, DDSJOB polled with growing pauses
while the emulator's clock moves) and its files read back from a real S3 API (moto's
server) or, where a test runs over both kinds, Azure Blob Storage (Azurite), through
fsspec and pyarrow's streaming CSV reader."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pyarrow as pa
import pytest

from intacct.client import IntacctClient
from intacct.client.dds import Polling, check_completed, run_job, start_job, wait_for_job
from intacct.client.dds_files import DdsReader, StorageTarget
from intacct.emulator.server import EmulatorServer
from intacct.errors import (
    DdsFileError,
    DdsJobFailedError,
    DdsJobPendingError,
    DdsStorageError,
    RequestBuildError,
)
from intacct.protocol.dds import DdsJob, FileConfiguration, RunDdsJob
from tests.dds import KINDS, Control, Storage, control_api, dds_client

PREFIX = "intacct/dds"
#: the pool a test measures Arrow's memory with: one for the whole process, never freed,
#: as a buffer it gave may be released after the test (a pool freed first, under buffers
#: still alive, segfaulted the process at a later free)
MEASURED = pa.proxy_memory_pool(pa.default_memory_pool())


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=300, seed=7) as server:
        yield server


@pytest.fixture
def control(emulator: EmulatorServer) -> Iterator[Control]:
    with control_api(emulator.url, 30, 60) as post:
        yield post


@pytest.fixture
def client(emulator: EmulatorServer) -> Iterator[IntacctClient]:
    with dds_client(emulator.url) as made:
        yield made


@pytest.fixture
def bucket(storage: Storage, control: Control, monkeypatch: pytest.MonkeyPatch) -> str:
    """A bucket (container) of the test's own, DEMO's target (``AWS-S3-DDS`` on S3)
    writing to it; the reader's credentials in the environment, as the store's chain
    finds them."""
    name = storage.server.new_bucket()
    target = storage.target(name, PREFIX)
    control("dds", {"company": "DEMO", "subscribed": True, "targets": {storage.name: target}})
    storage.sign(monkeypatch)
    return name


def _target(storage: Storage, bucket: str) -> StorageTarget:
    keys = storage.reader_keys()
    return StorageTarget(
        "azure" if keys["dds_storage"] == "azure" else "s3",
        bucket,
        PREFIX,
        endpoint_url=keys.get("dds_endpoint_url"),
        region=keys.get("dds_region"),
        account_name=keys.get("dds_account_name"),
    )


class Clock:
    """The emulator's clock moved by each pause; the pauses and the time kept."""

    def __init__(self, control: Control) -> None:
        self.control, self.now, self.pauses = control, 0.0, list[float]()

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds
        self.control("clock", {"advance_s": seconds})

    def __call__(self) -> float:
        return self.now


POLLING = Polling(first_s=10, factor=2, cap_s=40, max_wait_s=600)


def _run(client: IntacctClient, control: Control, *args: Any, **kwargs: Any) -> DdsJob:
    clock = Clock(control)
    return run_job(client, RunDdsJob(*args, **kwargs), POLLING, sleep=clock.sleep, clock=clock)


def _reader(
    client: IntacctClient, job: DdsJob, storage: Storage, bucket: str, **kw: Any
) -> DdsReader:
    model = client.lookup(job.object)
    key = {"VENDOR": "VENDORID", "DEPARTMENT": "DEPARTMENTID", "CLASS": "CLASSID"}[job.object]
    return DdsReader(job, _target(storage, bucket), [f.name for f in model.fields], key, **kw)


def _records(client: IntacctClient, obj: str, where: str = "") -> dict[str, dict[str, str]]:
    return {r["RECORDNO"]: dict(r) for r in client.iter_read_by_query(obj, where)}


def test_a_job_is_run_polled_with_growing_pauses_and_its_rows_read_as_the_api_reads_them(
    client: IntacctClient, control: Control, storage: Storage, bucket: str
) -> None:
    before = client.api_transactions
    clock = Clock(control)
    job = run_job(client, RunDdsJob("CLASS", "AWS-S3-DDS"), POLLING, sleep=clock.sleep, clock=clock)
    assert job.completed and len(job.files) == 1
    assert clock.pauses == [10, 20, 40, 40]  # queued 30 s, then 60 s running: growing, capped
    polls = len(clock.pauses)  # the first read after the first pause, one after each other
    assert client.api_transactions - before == 1 + polls
    rows = list(_reader(client, job, storage, bucket).rows())
    assert {r.file for r in rows} == set(job.files) and not any(r.deletes for r in rows)
    read_times = {r.values.pop("ddsReadTime") for r in rows}
    assert len(read_times) == 1
    assert {r.values["RECORDNO"]: r.values for r in rows} == _records(client, "CLASS")


def test_split_and_compressed_files_are_read_in_order_block_by_block(
    client: IntacctClient, control: Control, storage: Storage, bucket: str
) -> None:
    control("dds", {"split_records": 2})
    job = _run(client, control, "DEPARTMENT", "AWS-S3-DDS")
    assert len(job.files) > 1
    reader = _reader(client, job, storage, bucket)
    assert [b.file for b in reader.batches()] == list(job.files)
    expected = _records(client, "DEPARTMENT")
    got = {r.values["RECORDNO"]: r.values for r in reader.rows()}
    assert {k: {c: v for c, v in r.items() if c != "ddsReadTime"} for k, r in got.items()} == (
        expected
    )
    gz = FileConfiguration(compress=True, file_format="windows", enclosure='"')
    job = _run(client, control, "DEPARTMENT", "AWS-S3-DDS", "all", None, gz)
    assert [f.endswith(".csv.gz") for f in job.files] == [True] * len(job.files)
    again = {r.values["RECORDNO"]: r.values for r in _reader(client, job, storage, bucket).rows()}
    assert {k: {c: v for c, v in r.items() if c != "ddsReadTime"} for k, r in again.items()} == (
        expected
    )


def test_a_change_job_yields_the_updates_and_the_deletes(
    client: IntacctClient, control: Control, storage: Storage, bucket: str
) -> None:
    client.create("VENDOR", [{"VENDORID": f"RD-{n}", "NAME": f"RD {n}"} for n in "AB"])
    assert _run(client, control, "VENDOR", "AWS-S3-DDS").completed
    control("clock", {"advance_s": 60})
    client.update("VENDOR", [{"VENDORID": "RD-A", "NAME": "RD A, renamed"}])
    (gone,) = client.read_by_name("VENDOR", ["RD-B"])
    client.delete("VENDOR", [gone["RECORDNO"]])
    job = _run(client, control, "VENDOR", "AWS-S3-DDS", "change")
    rows = list(_reader(client, job, storage, bucket).rows())
    changed = {r.values["VENDORID"]: r.values for r in rows if not r.deletes}
    deleted = [r.values for r in rows if r.deletes]
    assert {k: v.pop("ddsChangeType") for k, v in changed.items()} == {"RD-A": "update"}
    read_time = changed["RD-A"].pop("ddsReadTime")
    assert changed == {
        r["VENDORID"]: r for r in _records(client, "VENDOR", "VENDORID = 'RD-A'").values()
    }
    assert deleted == [{"VENDORID": "RD-B", "ddsReadTime": read_time, "ddsChangeType": "delete"}]


def test_a_failed_job_and_a_wait_past_its_bound_name_the_job(
    client: IntacctClient, control: Control, bucket: str
) -> None:
    with pytest.raises(DdsJobFailedError) as failed:
        _run(client, control, "CLASS", "NO-SUCH-TARGET")
    error = failed.value
    assert error.object == "CLASS" and error.recordno > 0 and "NO-SUCH-TARGET" in error.error
    assert f"DDS job {error.recordno} (CLASS;all;" in str(error) and error.error in str(error)
    # a wait shorter than the job: the job named with its last status; resumed later
    clock = Clock(control)
    short = Polling(first_s=10, max_wait_s=15)
    with pytest.raises(DdsJobPendingError) as pending:
        run_job(client, RunDdsJob("CLASS", "AWS-S3-DDS"), short, sleep=clock.sleep, clock=clock)
    late = pending.value
    assert late.status == "Queued" and f"RECORDNO {late.recordno}" in str(late)
    assert sum(clock.pauses) == 25  # the first pause, then the wait's 15 s
    done = wait_for_job(client, late.recordno, POLLING, sleep=clock.sleep, clock=clock)
    assert done.completed and done.recordno == late.recordno
    queued = start_job(client, RunDdsJob("CLASS", "AWS-S3-DDS"))
    with pytest.raises(DdsJobPendingError, match="status Queued"):
        check_completed(queued)
    with pytest.raises(RequestBuildError):
        DdsReader(queued, StorageTarget("s3", "b"), ["RECORDNO"], "RECORDNO")


@pytest.fixture
def vendors(client: IntacctClient, control: Control, storage: Storage, bucket: str) -> DdsJob:
    control("dds", {"split_records": 3})
    job = _run(client, control, "VENDOR", storage.name)
    assert len(job.files) >= 3
    return job


def _drain(reader: DdsReader) -> int:
    return sum(1 for _ in reader.rows())


@pytest.mark.parametrize("storage", KINDS, indirect=True)
def test_a_missing_file_names_the_job_and_the_file(
    client: IntacctClient, storage: Storage, bucket: str, vendors: DdsJob
) -> None:
    lost = vendors.files[1]
    storage.server.delete(bucket, f"{PREFIX}/{lost}")
    reader = _reader(client, vendors, storage, bucket)
    seen: list[str] = []
    with pytest.raises(DdsFileError) as raised:
        seen.extend(row.file for row in reader.rows())
    assert set(seen) == {vendors.files[0]}  # the files before it were read
    error = raised.value
    assert (error.file, error.problem, error.recordno) == (lost, "missing", vendors.recordno)
    assert (
        str(error)
        == f"DDS job {vendors.recordno} ({vendors.ddsjob}): file {lost} is missing from the storage"
    )


@pytest.mark.parametrize("storage", KINDS, indirect=True)
def test_a_truncated_file_and_a_foreign_header_name_the_job_and_the_file(
    client: IntacctClient, storage: Storage, bucket: str, vendors: DdsJob
) -> None:
    cut = vendors.files[0]
    lines = storage.server.read(bucket, f"{PREFIX}/{cut}").decode().splitlines(keepends=True)
    short = "".join(lines[:-1]) + ",".join(lines[-1].split(",")[:3]) + "\n"
    storage.server.write(bucket, f"{PREFIX}/{cut}", short.encode())
    with pytest.raises(DdsFileError) as raised:
        _drain(_reader(client, vendors, storage, bucket))
    assert (raised.value.file, raised.value.problem) == (cut, "truncated")
    assert f"file {cut} is truncated" in str(raised.value) and "3 columns" in str(raised.value)
    other = vendors.files[2]
    body = storage.server.read(bucket, f"{PREFIX}/{other}").decode()
    storage.server.write(bucket, f"{PREFIX}/{other}", body.replace("NAME", "NOM", 1).encode())
    reader = _reader(client, vendors, storage, bucket)
    with pytest.raises(DdsFileError) as raised:
        _drain(
            DdsReader(replace(vendors, files=(other,)), reader.target, reader.fields, reader.key)
        )
    assert (raised.value.file, raised.value.problem) == (other, "header")
    assert "NOM" in str(raised.value) and f"DDS job {vendors.recordno}" in str(raised.value)


@pytest.mark.parametrize("storage", KINDS, indirect=True)
def test_refused_credentials_name_the_job_and_keep_the_secret_out(
    client: IntacctClient,
    storage: Storage,
    bucket: str,
    vendors: DdsJob,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = storage.sign(monkeypatch, wrong=True)
    with pytest.raises(DdsStorageError) as raised:
        _drain(_reader(client, vendors, storage, bucket))
    error = raised.value
    assert "refused the credentials" in str(error) and error.file == vendors.files[0]
    assert error.recordno == vendors.recordno
    shown = f"{error!s} {error!r} {error.__cause__!r} {error.__context__!r} {caplog.text}"
    for secret in (wrong, *storage.secrets()):
        assert secret not in shown


@pytest.mark.parametrize("storage", KINDS, indirect=True)
def test_a_large_file_is_read_a_block_at_a_time(storage: Storage, bucket: str) -> None:
    fields = ("RECORDNO", "VENDORID", "NAME", "WHENMODIFIED")
    text = io.StringIO()
    out = csv.writer(text, lineterminator="\n")
    out.writerow((*fields, "ddsReadTime"))
    rows = 25_000
    for n in range(rows):
        out.writerow((n, f"V-{n:06d}", f"Vendor number {n} of many", "01/02/2026 10:11:12",
                      "2026-01-02T10:11:12+00:00"))  # fmt: skip
    body = text.getvalue().encode()
    name = "DEMO/VENDOR.all.big.1.1.csv"
    storage.server.write(bucket, f"{PREFIX}/{name}", body)
    job = DdsJob(7, "VENDOR;all;x", "VENDOR", "all", "Completed", None, None, None, rows, 0, 0,
                 "", (name,))  # fmt: skip
    block = 32 * 1024
    pool = MEASURED
    reader = DdsReader(job, _target(storage, bucket), fields, "VENDORID", block_size=block,
                       memory_pool=pool)  # fmt: skip
    count = batches = 0
    for part in reader.batches():
        count += part.batch.num_rows
        batches += 1
        del part
    assert count == rows and batches >= len(body) // block
    assert len(body) > 40 * block
    # Arrow's buffers: the block being parsed and its batch's columns (each padded and
    # grown by doubling), never the file (tracemalloc would count moto's server too: it
    # runs in this process)
    assert pool.max_memory() < min(16 * block, len(body) // 4), (pool.max_memory(), len(body))


def test_a_storage_target_holds_no_credential_and_checks_its_kind() -> None:
    target = StorageTarget("s3", "my-bucket", "/intacct/dds/")
    assert target.path("DEMO/VENDOR.all.1.csv") == "my-bucket/intacct/dds/DEMO/VENDOR.all.1.csv"
    with pytest.raises(RequestBuildError):
        StorageTarget("gcs", "b")  # type: ignore[arg-type]
    with pytest.raises(RequestBuildError):
        StorageTarget("s3", "a/b")
