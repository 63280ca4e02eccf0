"""intacct sync's library: the engine's records in DuckDB, typed, exactly once, with the
state in the same transactions; incremental runs; crashes; schema changes."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from intacct import IntacctClient
from intacct.client.registry import ObjectRegistry
from intacct.destinations import DestinationBusyError, PageCounts
from intacct.destinations.tables import Table, table_for
from intacct.emulator.inprocess import InProcessEmulator
from intacct.errors import ConfigError
from intacct.replication import ReplicationSettings
from intacct.sync import DuckDBDestination, ObjectSummary, SyncSettings, run_sync

OBJECTS = ["VENDOR", "GLACCOUNT", "APBILL", "CLASS", "TRIALBALANCE"]


class Quiet:
    """A reporter that remembers; ``stop_after`` stored pages, it is Ctrl-C."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.pages = 0
        self.rows = 0
        self.warnings: list[str] = []
        self.finished: dict[str, tuple[int, int]] = {}  # object: (read, inserted) when done
        self.stop_after = stop_after

    def start(self, objects: Sequence[str]) -> None:
        self.objects = list(objects)

    def page(self, stream: str, entity: str, records: int, requests: int, size: int) -> None:
        """Pages are counted when stored."""

    def stored(self, stream: str, counts: PageCounts) -> None:
        self.pages += 1
        self.rows += counts.inserted
        if self.stop_after is not None and self.pages >= self.stop_after:
            raise KeyboardInterrupt

    def done(self, stream: str, summary: ObjectSummary) -> None:
        assert stream not in self.finished
        self.finished[stream] = (summary.read, summary.inserted)

    def warning(self, stream: str, text: str) -> None:
        self.warnings.append(text)


@pytest.fixture
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=300, seed=4) as emu:
        yield emu


@pytest.fixture(scope="module", params=[True, False], ids=["columnar", "records"])
def columnar(request: pytest.FixtureRequest) -> bool:
    """Pages read and typed as columns or record by record (tests/conftest.py's
    ``columnar``), once per module: :func:`first_run` is made once for each."""
    return bool(request.param)


@dataclass(frozen=True)
class FirstRun:
    """:data:`OBJECTS` synced once into a new database: the tests that read facts of a
    first run read this one (its emulator is not changed after)."""

    emulator: InProcessEmulator
    db: Path
    reporter: Quiet
    report: Any

    def copy(self, to: Path) -> Path:
        """The database as the first run left it, for a test that writes to it."""
        for path in self.db.parent.glob(f"{self.db.name}*"):  # the file and any WAL
            shutil.copy(path, to / path.name)
        return to / self.db.name


@pytest.fixture(scope="module")
def first_run(columnar: bool, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FirstRun]:
    with InProcessEmulator(scale=300, seed=4) as emu:
        db = tmp_path_factory.mktemp("first") / "x.duckdb"
        reporter = Quiet()
        report = sync(emu, db, objects=OBJECTS, reporter=reporter, columnar=columnar)
        yield FirstRun(emu, db, reporter, report)


def connect(emulator: InProcessEmulator, **extra: Any) -> IntacctClient:
    config = {**emulator.config(), "timeout_s": 30, **extra}
    return IntacctClient.from_mapping(config, http_transport=emulator.transport())


def settings_of(
    objects: Sequence[str] | None = None,
    full_refresh: bool = False,
    unified: bool = False,
    layout: str | None = None,
    **engine: Any,
) -> SyncSettings:
    """A run's settings, the engine's (page_size, columnar, lookback_minutes...) among
    them as keywords (None: the default)."""
    replication = ReplicationSettings().with_overrides(**engine)
    chosen = tuple(objects) if objects else None
    return SyncSettings(chosen, full_refresh, replication, unified, layout)


def sync(emulator: InProcessEmulator, db: Path, **options: Any) -> Any:
    with connect(emulator) as client:
        reporter = options.pop("reporter", Quiet())
        return run_sync(client, db, reporter, settings_of(page_size=25, **options))


def keys(db: Path, table: str, key: str = "RECORDNO") -> list[Any]:
    with duckdb.connect(str(db), read_only=True) as con:
        sql = f'SELECT "{key}" FROM "{table}" ORDER BY 1'  # noqa: S608 - test tables
        return [r[0] for r in con.execute(sql).fetchall()]


def truth(emulator: InProcessEmulator, table: str) -> list[int]:
    with connect(emulator) as client:
        return sorted(int(r["RECORDNO"]) for r in client.iter_query(table, ["RECORDNO"]))


def test_a_first_run_stores_every_record_once_in_typed_tables(first_run: FirstRun) -> None:
    emulator, db, report = first_run.emulator, first_run.db, first_run.report
    assert report.failed == []
    for table in ("VENDOR", "GLACCOUNT", "APBILL", "CLASS"):
        assert keys(db, table) == truth(emulator, table)
    with duckdb.connect(str(db), read_only=True) as con:
        types = dict(
            con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'APBILL'"
            ).fetchall()
        )
        amount = con.execute('SELECT "TOTALENTERED" FROM "APBILL" LIMIT 1').fetchone()
        state = con.execute("SELECT name FROM _intacct_state ORDER BY name").fetchall()
        months = con.execute('SELECT count(DISTINCT "PERIODSTART") FROM "TRIALBALANCE"').fetchone()
    assert types["TOTALENTERED"].startswith("DECIMAL") and types["WHENDUE"] == "DATE"
    assert types["WHENMODIFIED"] == "TIMESTAMP" and types["ONHOLD"] == "BOOLEAN"
    assert types["RECORDNO"] == "BIGINT" and types["_entity_id"] == "VARCHAR"
    assert amount is not None and isinstance(amount[0], Decimal)
    # the run's row and one of each object's bookmarks (rewritten when a page moves it)
    assert state == [("run",), *((f"run/{name}",) for name in sorted(OBJECTS))]
    assert months is not None and months[0] > 12
    inserted = {o.object: o.inserted for o in report.objects}
    assert inserted["VENDOR"] == len(truth(emulator, "VENDOR"))


def test_each_object_is_done_once_with_every_page_stored(first_run: FirstRun) -> None:
    reporter, report = first_run.reporter, first_run.report
    assert reporter.finished == {o.object: (o.inserted, o.inserted) for o in report.objects}
    assert all(read > 0 for read, _ in reporter.finished.values())


def test_a_second_run_with_nothing_changed_costs_no_request_of_its_own_per_object(
    first_run: FirstRun, tmp_path: Path, columnar: bool
) -> None:
    db = first_run.copy(tmp_path)
    report = sync(first_run.emulator, db, objects=OBJECTS, columnar=columnar)
    for row in report.objects:
        if row.object != "TRIALBALANCE":  # re-reads its last months, one request each
            assert (row.requests, row.inserted, row.updated, row.deleted) == (0, 0, 0, 0)
    assert report.requests <= 8  # session, lookups, formatting, one probe, three months


def test_records_read_again_unchanged_are_neither_inserted_nor_updated(
    emulator: InProcessEmulator, tmp_path: Path, columnar: bool
) -> None:
    db = tmp_path / "x.duckdb"
    sync(emulator, db, objects=["VENDOR", "TRIALBALANCE"], columnar=columnar)
    again = sync(
        emulator, db, objects=["VENDOR", "TRIALBALANCE"], full_refresh=True, columnar=columnar
    )
    read = {o.object: (o.requests > 0, o.inserted, o.updated) for o in again.objects}
    assert read == {"VENDOR": (True, 0, 0), "TRIALBALANCE": (True, 0, 0)}
    with connect(emulator) as client:
        vendor = next(client.iter_query("VENDOR", ["VENDORID"]))["VENDORID"]
        client.update("VENDOR", [{"VENDORID": vendor, "NAME": "Renamed Vendor"}])
    changed = sync(emulator, db, objects=["VENDOR"], full_refresh=True, columnar=columnar)
    assert [(o.inserted, o.updated) for o in changed.objects] == [(0, 1)]


def test_changes_made_through_the_client_come_out_as_inserts_updates_and_tombstones(
    emulator: InProcessEmulator, tmp_path: Path, columnar: bool
) -> None:
    db = tmp_path / "x.duckdb"
    sync(emulator, db, objects=["CLASS"], columnar=columnar)
    with connect(emulator) as client:
        client.create("CLASS", [{"CLASSID": "SYNC-NEW", "NAME": "New"}])
        client.update("CLASS", [{"CLASSID": "SYNC-NEW", "NAME": "Renamed"}])
        victim = next(r for r in client.iter_query("CLASS", ["RECORDNO", "CLASSID"])
                      if r["CLASSID"] != "SYNC-NEW")  # fmt: skip
        client.delete("CLASS", [int(victim["RECORDNO"])])
    report = sync(emulator, db, objects=["CLASS"], columnar=columnar)
    (row,) = report.objects
    assert (row.inserted, row.deleted) == (1, 1)
    with duckdb.connect(str(db), read_only=True) as con:
        name = con.execute("SELECT NAME FROM CLASS WHERE CLASSID = 'SYNC-NEW'").fetchone()
        gone = con.execute(
            "SELECT _sdc_deleted_at IS NOT NULL FROM CLASS WHERE CLASSID = ?",
            [victim["CLASSID"]],
        ).fetchone()
    assert name == ("Renamed",) and gone == (True,)


def test_an_interrupted_run_keeps_whole_pages_and_the_next_one_goes_on(
    emulator: InProcessEmulator, tmp_path: Path, columnar: bool
) -> None:
    db = tmp_path / "x.duckdb"
    stopped = Quiet(stop_after=3)
    with pytest.raises(KeyboardInterrupt):
        sync(emulator, db, objects=["APBILL", "VENDOR"], reporter=stopped, columnar=columnar)
    stored = keys(db, "APBILL") + keys(db, "VENDOR")
    assert 0 < len(stored) == stopped.rows  # the pages stored, whole, and nothing else
    sync(emulator, db, objects=["APBILL", "VENDOR"], columnar=columnar)
    assert keys(db, "APBILL") == truth(emulator, "APBILL")
    assert keys(db, "VENDOR") == truth(emulator, "VENDOR")


def test_a_field_new_since_the_last_run_becomes_a_column(
    emulator: InProcessEmulator, tmp_path: Path, columnar: bool
) -> None:
    db = tmp_path / "x.duckdb"
    with connect(emulator) as client:  # a table made when the company lacked the field
        table = table_for(ObjectRegistry(client).get("VENDOR"))
    older = Table(table.name, tuple(c for c in table.columns if c.name != "VENDOR_TIER"), table.key)
    database = DuckDBDestination(db)
    database.prepare(older)
    database.close()
    report = sync(emulator, db, objects=["VENDOR"], columnar=columnar)
    assert report.failed == [] and report.columns_added == {"VENDOR": ["VENDOR_TIER"]}
    with duckdb.connect(str(db), read_only=True) as con:
        filled = con.execute('SELECT count("VENDOR_TIER") FROM "VENDOR"').fetchone()
    assert filled is not None and filled[0] > 0


def test_an_unknown_object_names_the_near_miss(emulator: InProcessEmulator, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="VENDOR"):
        sync(emulator, tmp_path / "x.duckdb", objects=["VENDORS"])


def test_a_database_held_past_lock_wait_s_is_said_so_naming_the_holder(
    emulator: InProcessEmulator, tmp_path: Path
) -> None:
    """A writer waits for a reader holding the file (tests/sync/test_readers.py), then
    gives up naming it and the setting, having stored nothing (another writer is
    refused at once: tests/sync/test_destinations.py)."""
    import subprocess
    import sys

    db = tmp_path / "x.duckdb"
    duckdb.connect(str(db)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(db)!r}, "
         "read_only=True); print('ready', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        settings = replace(settings_of(objects=["CLASS"]), lock_wait_s=0.3)
        with connect(emulator) as client, pytest.raises(DestinationBusyError) as refused:
            run_sync(client, db, Quiet(), settings)
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    said = str(refused.value)  # the seconds waited: at least the bound, however loaded
    gave_up = rf"\(PID {holder.pid}\), which did not let go in [\d.]+ s \(lock_wait_s\)"
    assert re.search(gave_up, said), said
