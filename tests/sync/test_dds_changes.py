"""``intacct sync``'s later runs through DDS change jobs (issue 71): after a first read
through DDS, a run whose changes would take more pages than a change job (its check,
``runDdsJob`` and polls) reads them from one ``jobType`` change job's files on moto's
S3, and lands the very tables paging lands, its deletes as tombstones; it is chosen
only where it pays and only while the object's last DDS job is ours (another
consumer's job in between: paged, and said); stopped, it goes on with that job; a job
not done within ``dds_max_wait_s`` stops the object, its job waited for next run.

Pages of five records here, so a change job (~4 API transactions) pays from 21
changed records."""

# ruff: noqa: F811 - the emulator fixture, imported from test_dds_sync, is the tests' parameter

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from intacct import IntacctClient
from intacct.client.pagination import PageToken
from intacct.destinations import saved_state
from intacct.emulator.inprocess import InProcessEmulator
from intacct.protocol.dds import RunDdsJob
from intacct.replication import ReplicationSettings
from intacct.replication.streams.changes import CLOCK_MARGIN
from intacct.sync import SyncSettings
from intacct.sync.dryrun import estimate_sync
from tests.dds import Storage
from tests.replication.test_trialbalance import post_entry
from tests.sync.stores import Store, duckdb_store
from tests.sync.test_dds_sync import (  # noqa: F401 (the emulator fixture, collected here)
    QUICK,
    WAIT_S,
    dds_keys,
    emulator,
    jobs,
    same,
    summary,
    sync,
)
from tests.sync.test_sync import Quiet

#: records a page: a change job's ~4 transactions pay from 5 pages, 21 records
SMALL = 5
OBJECTS = ("GLBATCH", "GLENTRY")


def settings(
    keys: dict[str, Any], objects: tuple[str, ...] = OBJECTS, **given: Any
) -> SyncSettings:
    engine = ReplicationSettings.from_mapping(
        {"page_size": SMALL, "dds_max_wait_s": WAIT_S, **keys}
    )
    engine = replace(engine, page_size=SMALL, dds_polling=QUICK, **given)
    return SyncSettings(replication=engine, objects=objects)


def client_of(emulator: InProcessEmulator) -> IntacctClient:
    config = {**emulator.config("DEMO"), "timeout_s": 30}
    return IntacctClient.from_mapping(config, http_transport=emulator.transport())


def change(emulator: InProcessEmulator, entries: int, deleted: int = 0) -> list[int]:
    """``entries`` journal entries posted (a GLBATCH and two GLENTRY lines each) and the
    first ``deleted`` entries deleted (their lines with them), as another user would;
    the deleted entries' RECORDNOs."""
    with client_of(emulator) as client:
        for _ in range(entries):
            post_entry(emulator, client, date(2026, 11, 2))
        batches = sorted(int(r["RECORDNO"]) for r in client.iter_query("GLBATCH", ["RECORDNO"]))
        gone = batches[:deleted]
        if gone:
            client.delete("GLBATCH", gone)
    emulator.advance_clock(60)
    return gone


def first_reads(
    emulator: InProcessEmulator, s3: Storage, db: Path, paged: Path, **given: Any
) -> dict[str, Any]:
    """Both stores read whole: ``db`` through one DDS job an object, ``paged`` paged;
    the DDS keys."""
    keys = dds_keys(emulator, s3, least=10)
    assert not any(o.error for o in sync(emulator, paged, settings({}, **given)).objects)
    report = sync(emulator, db, settings(keys, **given))
    assert all(o.error is None for o in report.objects)
    assert all(o.requests == 0 for o in report.objects if o.object in OBJECTS)  # from files
    emulator.advance_clock(600)
    return keys


def test_many_changes_come_through_one_change_job_and_land_as_paging_lands_them(
    emulator: InProcessEmulator, storage: Storage, tmp_path: Path
) -> None:
    """40 entries posted (40 GLBATCH, 80 GLENTRY lines: 8 and 16 pages) and two
    deleted (the audit trail's deletes tombstone them and their lines, at its times):
    each object through one change job, the tables as paging leaves them."""
    db, paged = tmp_path / "dds.duckdb", tmp_path / "paged.duckdb"
    keys = first_reads(emulator, storage, db, paged)
    before = {j["RECORDNO"] for j in jobs(emulator, "GLENTRY") + jobs(emulator, "GLBATCH")}
    gone = change(emulator, 40, deleted=2)
    report = sync(emulator, db, settings(keys))
    by_paging = sync(emulator, paged, settings({}))
    for name, read in (("GLBATCH", 40), ("GLENTRY", 80)):
        done = summary(report, name)
        assert done.error is None, done.error
        # no page of records (the job's files): the audit trail's deletes alone
        assert done.read == read and done.requests == 1
        assert done.why.startswith("dds change (1 job, ~4 transactions, against "), done.why
        # the count (GLENTRY's, named by its entries' rows), the check, the job, its
        # polls and the deletes, against the same and a page a page
        assert done.transactions < summary(by_paging, name).transactions
        (job,) = [j for j in jobs(emulator, name) if j["RECORDNO"] not in before]
        assert job["STATUS"] == "Completed"
        stood = saved_state(db)["streams"][name][""]
        assert stood["dds"] == {"last": {**stood["dds"]["last"], "job": int(job["RECORDNO"])}}
        assert stood["dds"]["last"]["ddsjob"].startswith(f"{name};change;")
        # the bookmark: the job's read less the clock margin
        read = PageToken.parse(stood["token"]).modified + CLOCK_MARGIN
        assert read.isoformat() == stood["dds"]["last"]["read"]
    assert summary(report, "GLBATCH").deleted == len(gone)
    same(db, paged)


def test_a_change_job_is_run_only_where_it_costs_less_than_the_pages(
    emulator: InProcessEmulator, storage: Storage, tmp_path: Path
) -> None:
    """Three entries (3 GLBATCH, 6 lines: 1 and 2 pages) are paged, no job run; the dry
    run says so, and prices a change job where it pays."""
    db, paged = tmp_path / "dds.duckdb", tmp_path / "paged.duckdb"
    keys = first_reads(emulator, storage, db, paged)
    count = len(jobs(emulator, "GLENTRY")) + len(jobs(emulator, "GLBATCH"))
    change(emulator, 3)
    report = sync(emulator, db, settings(keys))
    for name, read in (("GLBATCH", 3), ("GLENTRY", 6)):
        assert summary(report, name).read == read and summary(report, name).requests > 0
        assert "dds change" not in summary(report, name).why
    assert len(jobs(emulator, "GLENTRY")) + len(jobs(emulator, "GLBATCH")) == count
    sync(emulator, paged, settings({}))
    same(db, paged)
    from intacct.cli.dryrun import routes

    change(emulator, 12)  # 12 GLBATCH (3 pages: paged), 24 lines (5 pages: a job)
    with client_of(emulator) as client:
        estimate = estimate_sync(client, db, settings(keys))
    lines = routes(estimate)
    # against the pages of the 24 lines and those of the bookmark's second, read again
    assert "GLENTRY: dds change (1 job, ~4 transactions, against 6 by query)" in lines, lines
    assert not [line for line in lines if line.startswith("GLBATCH: dds")], lines
    glentry = next(e for e in estimate.objects if e.object == "GLENTRY")
    # the 24 new lines and the last entry's two, of the bookmark's second, read again
    assert glentry.records == 26 and glentry.what.endswith("1 DDS change job")
    # the lookback window's listing, the count it asks (named by its entries), the job's
    assert glentry.transactions == 1 + 1 + 4
    fewer = {**keys, "dds_min_records": 27}  # 26 changed: the cost pays, not the size
    with client_of(emulator) as client:
        lines = routes(estimate_sync(client, db, settings(fewer)))
    assert not [line for line in lines if line.startswith("GLENTRY: dds")], lines
    assert len(jobs(emulator, "GLENTRY")) + len(jobs(emulator, "GLBATCH")) == count


def test_another_consumers_job_in_between_makes_the_run_page_and_say_why(
    emulator: InProcessEmulator, storage: Storage, tmp_path: Path
) -> None:
    """A change job exports what changed since the object's last job, whoever ran it:
    after another consumer's job (run straight against the gateway) ours would miss
    what that one took, so the run pages, says so, and pages from then on."""
    db, paged = tmp_path / "dds.duckdb", tmp_path / "paged.duckdb"
    keys = first_reads(emulator, storage, db, paged, objects=("GLENTRY",))
    (ours,) = jobs(emulator)
    change(emulator, 6)
    with client_of(emulator) as client:  # another consumer's: it takes these changes
        (answer,) = client.call(RunDdsJob("GLENTRY", storage.name, "change")).records
    theirs = answer["RECORDNO"]
    change(emulator, 12)
    report = sync(emulator, db, settings(keys, ("GLENTRY",)))
    glentry = summary(report)
    assert glentry.error is None and glentry.read == 36 and glentry.requests > 0
    why = f"another DDS job ({theirs}, GLENTRY;change;"
    assert glentry.why.startswith(f"xml ({why}"), glentry.why
    assert glentry.why.endswith(f"ran for GLENTRY after ours ({ours['RECORDNO']}); paged)")
    assert len(jobs(emulator)) == 2  # none of ours
    assert "last" not in (saved_state(db)["streams"]["GLENTRY"][""].get("dds") or {})
    sync(emulator, paged, settings({}, ("GLENTRY",)))
    same(db, paged)
    # ours no longer the last: later runs page without asking, and say why
    change(emulator, 12)
    later = summary(sync(emulator, db, settings(keys, ("GLENTRY",))))
    assert later.inserted == 24  # and the bookmark's second read again
    assert later.why == "xml (DDS: no DDS job of ours to take GLENTRY's changes after; paged)"
    assert len(jobs(emulator)) == 2


class _Meddler(Quiet):
    """Another consumer queues a GLENTRY job as the run stores its first page (the
    deletes, read before the change job is queued)."""

    def __init__(self, meddle: Callable[[], None]) -> None:
        super().__init__()
        self.meddle: Callable[[], None] | None = meddle

    def stored(self, stream: str, counts: Any) -> None:
        super().stored(stream, counts)
        if self.meddle is not None and stream == "GLENTRY":
            meddle, self.meddle = self.meddle, None
            meddle()


def test_a_job_queued_between_the_check_and_ours_is_found_and_the_run_pages(
    emulator: InProcessEmulator, storage: Storage, tmp_path: Path
) -> None:
    """The check found ours the last job; another is queued before ours is: ours
    would run after it, so the run gives its job up and pages."""
    db, paged = tmp_path / "dds.duckdb", tmp_path / "paged.duckdb"
    keys = first_reads(emulator, storage, db, paged, objects=("GLENTRY",))
    change(emulator, 12, deleted=1)  # a delete: GLENTRY's deletes pass stores a page

    def meddle() -> None:
        with client_of(emulator) as client:
            client.call(RunDdsJob("GLENTRY", storage.name, "change"))

    report = sync(emulator, db, settings(keys, ("GLENTRY",)), _Meddler(meddle))
    glentry = summary(report)
    assert glentry.error is None and glentry.read == 24 and glentry.requests > 0
    assert "was queued for GLENTRY before ours" in glentry.why, glentry.why
    assert len(jobs(emulator)) == 3  # ours, theirs, and the one given up
    sync(emulator, paged, settings({}, ("GLENTRY",)))
    same(db, paged)


def test_a_run_stopped_while_its_change_job_loads_goes_on_from_there(
    emulator: InProcessEmulator, storage: Storage, tmp_path: Path
) -> None:
    """24 lines in files of 5: stopped once the job and two files are stored, the next
    run waits for no new job and stores the rest alone."""
    db, paged = tmp_path / "dds.duckdb", tmp_path / "paged.duckdb"
    keys = first_reads(emulator, storage, db, paged, objects=("GLENTRY",))
    emulator.configure_dds(split_records=5)
    change(emulator, 12)
    with pytest.raises(KeyboardInterrupt):  # the job's page, then two files' pages
        sync(emulator, db, settings(keys, ("GLENTRY",)), Quiet(stop_after=3))
    stood = saved_state(db)["streams"]["GLENTRY"][""]["dds"]
    (job,) = [j for j in jobs(emulator) if j["RECORDNO"] == str(stood["job"])]
    assert job["STATUS"] == "Completed" and stood["type"] == "change"
    assert stood["file"] == 1 and stood["rows"] == 5
    report = sync(emulator, db, settings(keys, ("GLENTRY",)))
    glentry = summary(report)
    assert glentry.error is None and glentry.read == 24 - 10  # the rest alone
    assert len(jobs(emulator)) == 2  # the first read's and this one: never a second
    sync(emulator, paged, settings({}, ("GLENTRY",)))
    same(db, paged)


def test_a_change_job_not_done_in_dds_max_wait_s_stops_the_object_and_is_waited_for_next(
    emulator: InProcessEmulator, storage: Storage, tmp_path: Path
) -> None:
    db, paged = tmp_path / "dds.duckdb", tmp_path / "paged.duckdb"
    keys = first_reads(emulator, storage, db, paged, objects=("GLENTRY", "CLASS"))
    change(emulator, 12)
    emulator.configure_dds(queue_s=60, run_s=60)
    waiting = settings({**keys, "dds_max_wait_s": "0.2"}, ("GLENTRY", "CLASS"))
    report = sync(emulator, db, waiting)
    job = jobs(emulator)[-1]
    error = summary(report).error
    assert error is not None and f"DDS job {job['RECORDNO']} (GLENTRY;change;" in error
    assert "not done after 0.2 s" in error and summary(report, "CLASS").error is None
    stood = saved_state(db)["streams"]["GLENTRY"][""]
    assert stood["dds"]["job"] == int(job["RECORDNO"]) and stood["dds"]["type"] == "change"
    for _ in range(2):  # the job starts when next asked about, then runs its minute
        emulator.advance_clock(90)
        jobs(emulator)
    report = sync(emulator, db, settings(keys, ("GLENTRY", "CLASS")))
    assert summary(report).error is None and summary(report).read == 24
    assert [j["RECORDNO"] for j in jobs(emulator)][-1] == job["RECORDNO"]  # no other job
    sync(emulator, paged, settings({}, ("GLENTRY", "CLASS")))
    same(db, paged)


def test_deletes_the_audit_trail_did_not_give_this_run_come_from_the_delete_files(
    emulator: InProcessEmulator, storage: Storage, tmp_path: Path
) -> None:
    """Stopped once its deletes and its job are stored, a run's change job is loaded by
    the next run, whose deletes pass (no lookback here) finds nothing new: the job's
    delete files tombstone the two entries deleted, at the job's read."""
    db, paged = tmp_path / "dds.duckdb", tmp_path / "paged.duckdb"
    only = {"objects": ("GLBATCH",), "lookback_minutes": 0}
    keys = first_reads(emulator, storage, db, paged, **only)
    gone = change(emulator, 40, deleted=2)
    with pytest.raises(KeyboardInterrupt):  # the deletes' page, then the job's
        sync(emulator, db, settings(keys, **only), Quiet(stop_after=2))
    assert saved_state(db)["streams"]["GLBATCH"][""]["dds"]["type"] == "change"
    report = sync(emulator, db, settings(keys, **only))
    glbatch = summary(report, "GLBATCH")
    assert glbatch.error is None and glbatch.read == 40 and glbatch.deleted == 2
    read = saved_state(db)["streams"]["GLBATCH"][""]["dds"]["last"]["read"]
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            'SELECT "RECORDNO", "_sdc_deleted_at" FROM "GLBATCH" '
            'WHERE "_sdc_deleted_at" IS NOT NULL ORDER BY 1'
        ).fetchall()
    assert [r[0] for r in rows] == gone
    moment = datetime.fromisoformat(read).astimezone(UTC).replace(tzinfo=None)
    assert {r[1] for r in rows} == {moment}


def test_every_destination_stores_a_change_job_as_paging_stores_it(
    emulator: InProcessEmulator, storage: Storage, tmp_path: Path, destination: Store
) -> None:
    """DuckDB, Postgres and dlt's (duckdb, postgres), through DDS: after a change job of
    each object (40 entries, 80 lines) and two entries deleted, the same rows and
    tombstones as a DuckDB file paged (dlt's twin stores would share its variables)."""
    folder = tmp_path / "paged"
    folder.mkdir()
    paged = duckdb_store(folder)
    keys = dds_keys(emulator, storage, least=10)
    for where, given in ((paged.where, {}), (destination.where, keys)):
        assert not any(o.error for o in sync(emulator, where, settings(given)).objects)
    emulator.advance_clock(600)
    change(emulator, 40, deleted=2)
    report = sync(emulator, destination.where, settings(keys))
    for name in OBJECTS:
        assert summary(report, name).error is None
        assert "dds change" in summary(report, name).why, summary(report, name).why
    sync(emulator, paged.where, settings({}))
    dropped = {"_dlt_load_id", "_dlt_id"}
    for name in OBJECTS:
        rows = [
            sorted((tuple(sorted((k, v) for k, v in r.items() if k not in dropped)) for r in
                    store.records(name)), key=repr)
            for store in (destination, paged)
        ]  # fmt: skip
        assert rows[0] == rows[1], name
        deleted = [r for r in rows[0] if dict(r).get("_sdc_deleted_at") is not None]
        assert len(deleted) >= 2, name


def test_history_keeps_each_version_a_change_job_brings_as_paging_keeps_it(
    emulator: InProcessEmulator, storage: Storage, tmp_path: Path
) -> None:
    """With every object's history kept (docs/history.md), a change job's pages and
    tombstones make the versions paging makes: the same ``<table>_history`` rows."""
    db, paged = tmp_path / "dds.duckdb", tmp_path / "paged.duckdb"
    keys = dds_keys(emulator, storage, least=10)
    for where, given in ((paged, {}), (db, keys)):
        kept = replace(settings(given), history=("all",))
        assert not any(o.error for o in sync(emulator, where, kept).objects)
    emulator.advance_clock(600)
    change(emulator, 40, deleted=2)
    report = sync(emulator, db, replace(settings(keys), history=("all",)))
    assert all("dds change" in summary(report, name).why for name in OBJECTS)
    sync(emulator, paged, replace(settings({}), history=("all",)))
    with duckdb.connect(str(db), read_only=True) as con:
        versions = con.execute('SELECT count(*) FROM "GLENTRY_history"').fetchone()
    assert versions is not None and versions[0] > 80  # compared below, with the tables
    same(db, paged)
