"""``intacct sync`` with DDS configured (issue 71): a first read of GLENTRY goes through one
Data Delivery Service job whose CSV files the emulator wrote to a real object store (an
S3 API, moto's server; where a test says so Azure Blob Storage too, Azurite), and lands
the very tables paging lands; resumable while the job runs and between its files; a job
or file gone wrong fails the stream alone and the next run pages; the dry run chooses
and prices it; the next run after a DDS load reads exactly the later changes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from intacct import IntacctClient
from intacct.client.dds import Polling
from intacct.client.pagination import PageToken
from intacct.destinations import saved_state
from intacct.emulator.inprocess import InProcessEmulator
from intacct.replication import ReplicationSettings
from intacct.replication.streams.changes import CLOCK_MARGIN
from intacct.sync import SyncSettings, run_sync
from intacct.sync.dryrun import estimate_sync
from intacct.sync.job import SyncReport
from tests.dds import KINDS, Storage
from tests.postgres import create_database, drop_database
from tests.replication.test_trialbalance import post_entry
from tests.sync.stores import Store, dlt_store, duckdb_store, postgres_store
from tests.sync.test_columnar_tables import tables
from tests.sync.test_sync import Quiet

PREFIX = "intacct/dds"
#: the stores the tests that hold for every kind run against: S3, Azure signed by its
#: account key and by a connection string
STORES = (*KINDS, "azure-connection")
#: polls a few hundredths of a second apart (the wait in all is ``dds_max_wait_s``'s)
QUICK = Polling(first_s=0.02, factor=2, cap_s=0.1)
#: the key's wait in these tests, unless one gives another
WAIT_S = 5


@pytest.fixture
def emulator(
    request: pytest.FixtureRequest, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> Iterator[InProcessEmulator]:
    """DEMO subscribed to DDS, its target a bucket (container) of the test's own; the
    reader's credentials in the environment, as the store's usual chain finds them. Its
    (scale, records a file) are the test's parameter where it gives one (GLENTRY: 280 at
    150)."""
    scale, split = getattr(request, "param", (150, 100))
    bucket = storage.server.new_bucket()
    storage.sign(monkeypatch)
    with InProcessEmulator(scale=scale, seed=11) as emu:
        emu.configure_dds(queue_s=0, run_s=0, split_records=split)
        target = storage.target(bucket, PREFIX)
        emu.configure_dds(company="DEMO", subscribed=True, targets={storage.name: target})
        emu.bucket = bucket  # type: ignore[attr-defined]
        yield emu


def dds_keys(emulator: InProcessEmulator, storage: Storage, least: int = 100) -> dict[str, Any]:
    return {
        "dds_target": storage.name,
        "dds_bucket": emulator.bucket,  # type: ignore[attr-defined]
        "dds_prefix": PREFIX,
        **storage.reader_keys(),
        "dds_min_records": least,
    }


def settings(
    keys: dict[str, Any], objects: Sequence[str] = ("GLENTRY",), **given: Any
) -> SyncSettings:
    engine = ReplicationSettings.from_mapping({"page_size": 25, "dds_max_wait_s": WAIT_S, **keys})
    engine = replace(engine, page_size=25, dds_polling=QUICK, **given)
    return SyncSettings(replication=engine, objects=tuple(objects))


def sync(
    emulator: InProcessEmulator,
    db: Path,
    chosen: SyncSettings,
    reporter: Quiet | None = None,
    company: str = "DEMO",
) -> SyncReport:
    config = {**emulator.config(company), "timeout_s": 30}
    with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
        return run_sync(client, db, reporter or Quiet(), chosen)


def same(db: Path, paged: Path) -> None:
    """The two stores hold the same tables, rows, columns and types; their bookmarks
    differ only in where the next run starts (the DDS read's time, the plan's newest)
    and in the DDS job the first keeps (``dds``)."""
    got, expected = tables(db), tables(paged)
    for store in (got, expected):
        for entities in store["_bookmarks"].values():
            for bookmark in entities.values():
                bookmark.pop("token", None)
                bookmark.pop("dds", None)
    assert got == expected


def jobs(
    emulator: InProcessEmulator, obj: str = "GLENTRY", company: str = "DEMO"
) -> list[dict[str, str]]:
    config = {**emulator.config(company), "timeout_s": 30}
    with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
        fields = ["RECORDNO", "OBJECT", "STATUS", "FILELIST"]
        return [dict(r) for r in client.iter_query("DDSJOB", fields) if r["OBJECT"] == obj]


def summary(report: SyncReport, obj: str = "GLENTRY") -> Any:
    (found,) = [o for o in report.objects if o.object == obj]
    return found


#: how pages are typed, and the user's zone (one with DST: the emulator's files print
#: times on the user's clock, as the gateway does)
READINGS = {
    "columnar": (True, ""),
    "records": (False, ""),
    "columnar-new-york": (True, "America/New_York"),
}


@pytest.mark.parametrize("storage", STORES, indirect=True)
@pytest.mark.parametrize("reading", READINGS.values(), ids=READINGS.keys())
def test_a_first_read_through_dds_lands_the_tables_paging_lands(
    emulator: InProcessEmulator, storage: Storage, tmp_path: Path, reading: tuple[bool, str]
) -> None:
    columnar, zone = reading
    if zone:
        emulator.configure_company("DEMO", timezone=zone)
    paged, db = tmp_path / "paged.duckdb", tmp_path / "dds.duckdb"
    objects = ("GLENTRY", "CLASS")
    assert not summary(sync(emulator, paged, settings({}, objects, columnar=columnar))).error
    report = sync(emulator, db, settings(dds_keys(emulator, storage), objects, columnar=columnar))
    glentry = summary(report)
    assert glentry.error is None and glentry.read == 280
    assert glentry.requests == 0  # no page asked: the rows came from the job's files
    # the plan's two questions, runDdsJob and its polls: a handful, against 12 pages
    assert 4 <= glentry.transactions <= 6
    (job,) = jobs(emulator)
    assert job["STATUS"] == "Completed" and len(job["FILELIST"].split(",")) == 3
    same(db, paged)
    state = saved_state(db)["streams"]["GLENTRY"][""]
    assert state["nulls_done"] and state["checked"] == state["verified"]
    # the job kept as the object's last, ours: what a later run's change job goes on from
    last = state["dds"]["last"]
    assert set(state["dds"]) == {"last"} and last["job"] == int(job["RECORDNO"])
    assert last["ddsjob"].startswith("GLENTRY;all;") and last["read"]


def twin(
    destination: Store,
    folder: Path,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> Store:
    """A second, empty store of ``destination``'s kind (its own file or database)."""
    folder.mkdir()
    if destination.kind == "duckdb":
        return duckdb_store(folder)
    if destination.kind == "dlt-duckdb":
        return dlt_store("duckdb", folder, monkeypatch)
    url = create_database(str(request.getfixturevalue("postgres_server")))
    request.addfinalizer(lambda: drop_database(url))
    if destination.kind == "postgres":
        return postgres_store(url)
    return dlt_store("postgres", folder, monkeypatch, url)


def test_every_destination_stores_a_dds_load_as_it_stores_the_pages(
    emulator: InProcessEmulator,
    storage: Storage,
    tmp_path: Path,
    destination: Store,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DuckDB, Postgres and dlt's (duckdb, postgres): the same columns, types and rows."""
    assert not summary(sync(emulator, destination.where, settings({}))).error
    loaded = twin(destination, tmp_path / "dds", request, monkeypatch)
    report = sync(emulator, loaded.where, settings(dds_keys(emulator, storage)))
    assert summary(report).error is None and summary(report).requests == 0
    assert loaded.columns("GLENTRY") == destination.columns("GLENTRY")
    dropped = {"_dlt_load_id", "_dlt_id"}
    rows = [
        sorted((tuple(sorted((k, v) for k, v in r.items() if k not in dropped)) for r in
                store.records("GLENTRY")), key=repr)
        for store in (loaded, destination)
    ]  # fmt: skip
    assert len(rows[0]) == 280 and rows[0] == rows[1]


def test_the_dry_run_chooses_and_prices_dds_per_object(
    emulator: InProcessEmulator, storage: Storage, tmp_path: Path
) -> None:
    from intacct.cli.dryrun import routes

    config = {**emulator.config("DEMO"), "timeout_s": 30}
    chosen = settings(dds_keys(emulator, storage), ("GLENTRY", "GLDETAIL", "CLASS"))
    with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
        estimate = estimate_sync(client, tmp_path / "x.duckdb", chosen)
    lines = routes(estimate)
    assert "GLENTRY: dds (1 job, ~3 transactions, against 12 by query)" in lines
    # Sage's DDS objects list GLENTRY and GLBATCH, not the view GLDETAIL
    assert "GLDETAIL: xml (DDS does not serve GLDETAIL; paged)" in lines
    by_object = {row.object: row for row in estimate.objects}
    assert by_object["GLENTRY"].transactions == 2 + 3  # the plan's questions, the job's
    assert estimate.shared == 1  # once a run: whether the company has entities
    assert by_object["GLENTRY"].records == 280
    assert "dds" not in by_object["CLASS"].route  # fewer records than dds_min_records
    assert jobs(emulator) == []  # a dry run starts no job


#: what rules DDS out of a read it would take, and the route that says so
REFUSALS = {
    "not-subscribed": "DDS unavailable to the company",
    "no-bucket": "DDS: dds_bucket not set",
    "an-entity": "DDS exports the top level only",
}


@pytest.mark.parametrize("refusal", REFUSALS, ids=REFUSALS.keys())
def test_what_rules_dds_out_is_said_and_the_object_paged(
    emulator: InProcessEmulator, storage: Storage, tmp_path: Path, refusal: str
) -> None:
    keys, company = dds_keys(emulator, storage, least=10), "DEMO"
    if refusal == "not-subscribed":
        emulator.configure_dds(company="DEMO", subscribed=False)
    elif refusal == "no-bucket":
        keys["dds_bucket"] = ""
    else:  # an entity's session: DDS exports from the top level
        company, keys["entity_ids"] = "DEMO-ME", "E100"
        emulator.configure_dds(company=company, subscribed=True)
    reporter = Quiet()
    report = sync(emulator, tmp_path / "dds.duckdb", settings(keys), reporter, company)
    (read,) = report.objects
    assert read.error is None and read.requests > 0 and read.why.startswith(REFUSALS[refusal])
    if refusal != "not-subscribed":  # whose DDSJOB the gateway refuses to show
        assert jobs(emulator, company=company) == []
    said = [w for w in reporter.warnings if "DDS" in w]
    assert len(said) == (1 if refusal == "not-subscribed" else 0), said


def test_a_multi_entity_companys_top_level_is_paged(
    emulator: InProcessEmulator, storage: Storage, tmp_path: Path
) -> None:
    """DDS exports every entity's records; a read at the top level reads its own."""
    emulator.configure_dds(company="DEMO-ME", subscribed=True)
    config = {**emulator.config("DEMO-ME"), "timeout_s": 30}
    chosen = settings(dds_keys(emulator, storage, least=10), ("GLACCOUNT",))
    with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
        (glaccount,) = estimate_sync(client, tmp_path / "x.duckdb", chosen).objects
    assert glaccount.records == 100
    expected = "xml (DDS exports every entity's records, the top level reads its own; paged)"
    assert glaccount.route == expected


def test_a_run_stopped_while_the_job_runs_waits_for_that_job_next_time(
    emulator: InProcessEmulator, storage: Storage, tmp_path: Path
) -> None:
    paged, db = tmp_path / "paged.duckdb", tmp_path / "dds.duckdb"
    sync(emulator, paged, settings({}, ("GLENTRY", "CLASS")))
    emulator.configure_dds(queue_s=60, run_s=60)
    keys = dds_keys(emulator, storage)
    with pytest.raises(KeyboardInterrupt):  # Ctrl-C once the job's page is stored
        sync(emulator, db, settings(keys), Quiet(stop_after=1))
    (job,) = jobs(emulator)
    assert job["STATUS"] == "Queued"
    assert saved_state(db)["streams"]["GLENTRY"][""]["dds"]["job"] == int(job["RECORDNO"])
    # the wait running out fails the stream alone; the job is kept, not run again
    report = sync(emulator, db, settings({**keys, "dds_max_wait_s": "0.1"}, ("GLENTRY", "CLASS")))
    error = summary(report).error
    assert f"DDS job {job['RECORDNO']}" in error and "not done after 0.1 s" in error
    assert "wait for it again by RECORDNO" in error
    assert summary(report, "CLASS").error is None
    assert saved_state(db)["streams"]["GLENTRY"][""]["dds"]["job"] == int(job["RECORDNO"])
    for _ in range(2):  # the job starts when next asked about, then runs its minute
        emulator.advance_clock(90)
        jobs(emulator)
    report = sync(emulator, db, settings(keys))
    assert summary(report).error is None and summary(report).read == 280
    assert [j["RECORDNO"] for j in jobs(emulator)] == [job["RECORDNO"]]  # never a second job
    same(db, paged)
    # the audit trail accounts for it up to the job's read, before this run began: a
    # change in between is the trail's to name (the bookmark: that read less the margin)
    stood = saved_state(db)["streams"]["GLENTRY"][""]
    read = PageToken.parse(stood["token"]).modified + CLOCK_MARGIN
    assert stood["checked"] == stood["verified"] == read.isoformat()


#: where a load is stopped: the emulator's (scale, records a file), the pages stored
#: before Ctrl-C (the job's, then a block each) and the file the state then stands in
STOPS = {
    # 280 GLENTRY rows in files of 100: stopped after two files
    "between-files": ((150, 100), 3, 1),
    # 12,070 in one file, read a 1 MiB block at a time: stopped after its first block
    "inside-a-file": ((50_000, 100_000), 2, 0),
}


@pytest.mark.parametrize(
    ("emulator", "stop_after", "file"), STOPS.values(), ids=STOPS.keys(), indirect=["emulator"]
)
def test_a_load_stopped_goes_on_from_its_next_row(
    emulator: InProcessEmulator, storage: Storage, tmp_path: Path, stop_after: int, file: int
) -> None:
    paged, db = tmp_path / "paged.duckdb", tmp_path / "dds.duckdb"
    total = summary(sync(emulator, paged, settings({}))).read
    keys = dds_keys(emulator, storage)
    with pytest.raises(KeyboardInterrupt):
        sync(emulator, db, settings(keys), Quiet(stop_after=stop_after))
    stood = saved_state(db)["streams"]["GLENTRY"][""]["dds"]
    loaded = stood["file"] * 100 + stood["rows"]  # the files before it are whole
    assert stood["file"] == file and stood["rows"] > 0 and loaded < total
    report = sync(emulator, db, settings(keys))
    assert summary(report).error is None
    assert summary(report).read == total - loaded  # the rest alone: none read twice
    assert len(jobs(emulator)) == 1
    same(db, paged)


def test_a_failed_job_fails_its_stream_alone_and_the_next_run_pages(
    emulator: InProcessEmulator, storage: Storage, tmp_path: Path
) -> None:
    paged, db = tmp_path / "paged.duckdb", tmp_path / "dds.duckdb"
    objects = ("GLENTRY", "CLASS")
    sync(emulator, paged, settings({}, objects))
    keys = dds_keys(emulator, storage)
    emulator.configure_dds(company="DEMO", fail_next=1)
    report = sync(emulator, db, settings(keys, objects))
    (job,) = jobs(emulator)
    error = summary(report).error
    assert f"DDS job {job['RECORDNO']}" in error and "failed" in error
    assert summary(report, "CLASS").error is None  # the other stream finished
    failed = saved_state(db)["streams"]["GLENTRY"][""]["dds"]["failed"]
    assert f"DDS job {job['RECORDNO']}" in failed
    config = {**emulator.config("DEMO"), "timeout_s": 30}
    with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
        estimate = estimate_sync(client, db, settings(keys))
    (glentry,) = estimate.objects
    assert glentry.route.startswith("xml (DDS failed last run: DDS job")
    assert glentry.route.endswith("; paged)")
    report = sync(emulator, db, settings(keys, objects))
    assert summary(report).error is None and summary(report).requests > 0
    assert summary(report).why.startswith("DDS failed last run: DDS job")
    assert len(jobs(emulator)) == 1  # paged: no second job
    same(db, paged)
    assert "dds" not in saved_state(db)["streams"]["GLENTRY"][""]


@pytest.mark.parametrize("storage", STORES, indirect=True)
@pytest.mark.parametrize("problem", ["missing", "truncated", "header"])
def test_a_bad_file_names_the_job_and_the_file_keeps_the_pages_and_pages_next(
    emulator: InProcessEmulator, storage: Storage, tmp_path: Path, problem: str
) -> None:
    """The job's files are written once it starts; the second of three is spoiled
    before the job completes and its files are read."""
    paged, db = tmp_path / "paged.duckdb", tmp_path / "dds.duckdb"
    sync(emulator, paged, settings({}))
    keys = dds_keys(emulator, storage)
    emulator.configure_dds(queue_s=0, run_s=60)
    waiting = settings({**keys, "dds_max_wait_s": 0.1})
    assert "not done" in summary(sync(emulator, db, waiting)).error
    bucket = emulator.bucket  # type: ignore[attr-defined]
    spoiled = storage.server.keys(bucket, PREFIX)[1]
    if problem == "missing":
        storage.server.delete(bucket, spoiled)
    else:
        text = storage.server.read(bucket, spoiled).decode()
        header, *rows = text.splitlines()
        if problem == "truncated":
            text = "\n".join([header, *rows[:10], rows[10][: len(rows[10]) // 2]]) + "\n"
        else:
            text = "\n".join([header.replace("RECORDNO", "RECORD_NO"), *rows]) + "\n"
        storage.server.write(bucket, spoiled, text.encode())
    emulator.advance_clock(120)
    report = sync(emulator, db, settings(keys))
    (job,) = jobs(emulator)
    error = summary(report).error
    name = spoiled.removeprefix(f"{PREFIX}/")
    assert f"DDS job {job['RECORDNO']}" in error and name in error
    assert summary(report).read == 100  # the first file's pages, stored and kept
    assert "failed" in saved_state(db)["streams"]["GLENTRY"][""]["dds"]
    report = sync(emulator, db, settings(keys))
    assert summary(report).error is None
    same(db, paged)


@pytest.mark.parametrize("storage", STORES, indirect=True)
def test_storage_refusing_the_credentials_names_the_job_and_never_the_secret(
    emulator: InProcessEmulator,
    storage: Storage,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "dds.duckdb"
    wrong = storage.sign(monkeypatch, wrong=True)
    report = sync(emulator, db, settings(dds_keys(emulator, storage)))
    (job,) = jobs(emulator)
    error = summary(report).error
    assert f"DDS job {job['RECORDNO']}" in error and "refused the credentials" in error
    saved = str(saved_state(db))
    for secret in (wrong, *storage.secrets()):
        assert secret not in error and secret not in saved


def test_a_full_refresh_goes_through_dds_over_the_stored_rows(
    emulator: InProcessEmulator, storage: Storage, tmp_path: Path
) -> None:
    paged, db = tmp_path / "paged.duckdb", tmp_path / "dds.duckdb"
    keys = dds_keys(emulator, storage)
    for where in (paged, db):
        sync(emulator, where, settings({}))
    config = {**emulator.config("DEMO"), "timeout_s": 30}
    with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
        post_entry(emulator, client, date(2026, 11, 3))
    emulator.advance_clock(60)
    sync(emulator, paged, replace(settings({}), full_refresh=True))
    report = sync(emulator, db, replace(settings(keys), full_refresh=True))
    assert summary(report).error is None and summary(report).read == 282
    assert summary(report).requests == 0 and len(jobs(emulator)) == 1
    same(db, paged)


def test_the_next_run_after_a_dds_load_reads_exactly_the_later_changes(
    emulator: InProcessEmulator, storage: Storage, tmp_path: Path
) -> None:
    paged, db = tmp_path / "paged.duckdb", tmp_path / "dds.duckdb"
    keys = dds_keys(emulator, storage)
    sync(emulator, paged, settings({}))
    assert summary(sync(emulator, db, settings(keys))).read == 280
    emulator.advance_clock(600)
    config = {**emulator.config("DEMO"), "timeout_s": 30}
    with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
        post_entry(emulator, client, date(2026, 11, 2))  # a batch of two lines
    emulator.advance_clock(60)
    later = summary(sync(emulator, db, settings(keys)))
    assert later.error is None and later.read == 2  # the two new lines: no gap, no double
    sync(emulator, paged, settings({}))
    same(db, paged)
