"""Incremental runs across daylight saving changes lose nothing.

The emulator stamps WHENMODIFIED on the company's wall clock and answers ``gmtoffset`` as
the offset now, like Intacct; its clock is moved across each change of a few zones (north
and south, a half-hour zone, a half-hour shift) with changes made just before, in and
after the switch and runs on both sides. Every record must end up in DuckDB exactly
once with its last values, and the tap's STATE must carry a reader past the change the
same way, with the user's ``timezone`` configured and without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pytest

from intacct import IntacctClient
from intacct.emulator.inprocess import InProcessEmulator
from intacct.emulator.server import EmulatorServer
from intacct.sync import run_sync
from intacct.tap import TapSageIntacct
from tests.conftest import DEMO_APP, Reading
from tests.sync.test_sync import Quiet, settings_of
from tests.tap.conftest import catalog, run_tap, tap_config

#: after the emulator's seeded history (it ends in November 2026), so new stamps sort last
YEAR = 2027
ZONES = (
    "America/Los_Angeles",  # north, 1 h shift at 02:00
    "Australia/Sydney",  # south: the autumn change comes in April
    "America/St_Johns",  # a half-hour zone (UTC-03:30 / -02:30)
    "Australia/Lord_Howe",  # a half-hour shift (UTC+10:30 / +11)
)
#: minutes from the change: a run, a change, ... (the run at -5 takes a bookmark in the
#: hour an autumn change repeats; the one at +8 runs in its second pass)
TIMELINE = (
    (-180, "run"),
    (-10, "change"),
    (-5, "run"),
    (-2, "change"),
    (5, "change"),
    (8, "run"),
    (12, "change"),
    (120, "change"),
    (180, "run"),
)


def change_of(zone: str, kind: str) -> datetime:
    """The instant (UTC, to the minute) in YEAR when ``zone``'s offset goes up
    (``spring``: the wall clock skips ahead) or down (``autumn``: it repeats)."""
    tz = ZoneInfo(zone)
    moment = datetime(YEAR, 1, 1, tzinfo=UTC)
    before = moment.astimezone(tz).utcoffset()
    while moment.year == YEAR:
        later = moment + timedelta(hours=1)
        after = later.astimezone(tz).utcoffset()
        assert before is not None and after is not None
        if after != before and (after > before) == (kind == "spring"):
            low, high = moment, later
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if middle.astimezone(tz).utcoffset() == before else (
                    low, middle
                )  # fmt: skip
            return high
        before, moment = after, later
    raise AssertionError(f"{zone} has no {kind} change in {YEAR}")


class Company:
    """The demo company in ``zone``, changed through the client at moved times."""

    def __init__(self, emulator: InProcessEmulator | EmulatorServer, zone: str) -> None:
        self.emulator = emulator
        self.zone = zone
        self.store = emulator.store if isinstance(emulator, InProcessEmulator) else (
            emulator.emulator.store
        )  # fmt: skip
        self.store.configure_company("DEMO", timezone=zone)
        self.made: list[str] = []
        self.deleted: set[str] = set()

    def client(self, **extra: Any) -> IntacctClient:
        if isinstance(self.emulator, InProcessEmulator):
            config = {**self.emulator.config(), **extra}
            return IntacctClient.from_mapping(config, http_transport=self.emulator.transport())
        return IntacctClient.from_mapping(tap_config(self.emulator, **extra))

    def at(self, moment: datetime) -> None:
        self.store.clock.set(moment)

    def change(self, label: str) -> None:
        """A new class, the one before it renamed, the one before that deleted: a
        create, an update and a delete."""
        with self.client() as client:
            new = f"DST-{len(self.made)}"
            client.create("CLASS", [{"CLASSID": new, "NAME": f"made {label}"}])
            if self.made:
                client.update("CLASS", [{"CLASSID": self.made[-1], "NAME": f"renamed {label}"}])
            if len(self.made) >= 2:
                (victim,) = client.read_by_name("CLASS", [self.made[-2]])
                client.delete("CLASS", [int(victim["RECORDNO"])])
                self.deleted.add(self.made[-2])
            self.made.append(new)

    def truth(self) -> dict[str, str]:
        with self.client() as client:
            return {
                r["CLASSID"]: r["NAME"] for r in client.iter_query("CLASS", ["CLASSID", "NAME"])
            }


class Counting(Quiet):
    """Counts the records read."""

    read = 0

    def page(self, stream: str, entity: str, records: int, requests: int, size: int) -> None:
        self.read += records


def walk(company: Company, change: datetime, run: Any) -> None:
    for minutes, what in TIMELINE:
        company.at(change + timedelta(minutes=minutes))
        if what == "run":
            run()
        else:
            company.change(f"at {minutes:+d} min")


@pytest.fixture
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=100, seed=2) as emu:
        yield emu


@pytest.mark.parametrize("configured", [True, False], ids=["timezone", "gmtoffset-only"])
@pytest.mark.parametrize("kind", ["spring", "autumn"])
@pytest.mark.parametrize("zone", ZONES)
def test_sync_keeps_every_change_across_the_switch(
    emulator: InProcessEmulator,
    tmp_path: Path,
    zone: str,
    kind: str,
    configured: bool,
    reading: Reading,
) -> None:
    company = Company(emulator, zone)
    db = tmp_path / "dst.duckdb"
    extra = {"timezone": zone} if configured else {}

    def run() -> None:
        with company.client(**DEMO_APP, **extra) as client:
            report = run_sync(client, db, Quiet(), settings_of(["CLASS"], page_size=25, **reading))
        assert report.failed == []

    walk(company, change_of(zone, kind), run)
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute('SELECT "CLASSID", "NAME" FROM "CLASS"').fetchall()
        live = con.execute('SELECT "CLASSID", "NAME" FROM "CLASS" WHERE "_sdc_deleted_at" IS NULL')
        stored = dict(live.fetchall())
        gone = con.execute('SELECT "CLASSID" FROM "CLASS" WHERE "_sdc_deleted_at" IS NOT NULL')
        tombstones = {row[0] for row in gone.fetchall()}
    assert len(rows) == len({key for key, _ in rows})  # each record once
    assert stored == company.truth()
    assert tombstones == company.deleted and len(company.deleted) == 3
    assert len(company.made) == sum(1 for _, what in TIMELINE if what == "change")


@pytest.mark.parametrize("kind", ["spring", "autumn"])
def test_the_taps_state_carries_a_reader_across_the_switch(kind: str) -> None:
    """No timezone configured: the STATE alone carries the reader past the change."""
    zone = "America/Los_Angeles"
    with EmulatorServer(port=0, scale=100, seed=2) as server:
        company = Company(server, zone)
        state: dict[str, Any] = {}
        emitted: dict[str, str] = {}
        tombstones: set[str] = set()

        def run() -> None:
            tap = TapSageIntacct(
                config=tap_config(server), catalog=catalog(server, ("CLASS",)), state=state
            )
            messages = run_tap(tap)
            for message in messages:
                if message["type"] != "RECORD":
                    continue
                record = message["record"]
                if record.get("_sdc_deleted_at"):
                    tombstones.add(record["CLASSID"])
                    emitted.pop(record["CLASSID"], None)
                else:
                    emitted[record["CLASSID"]] = record["NAME"]
            state.clear()
            state.update(next(m for m in reversed(messages) if m["type"] == "STATE")["value"])

        walk(company, change_of(zone, kind), run)
        assert emitted == company.truth()
        assert tombstones == company.deleted


@pytest.mark.parametrize("configured", [True, False], ids=["timezone", "gmtoffset-only"])
def test_a_bookmark_in_a_repeated_hour_costs_an_hour_of_re_reads(
    emulator: InProcessEmulator, tmp_path: Path, configured: bool, columnar: bool
) -> None:
    """What the rule costs: while the bookmark is in the hour the autumn change repeats,
    a run reads again what changed from an hour before the bookmark on, not more."""
    zone = "America/Los_Angeles"
    company = Company(emulator, zone)
    db = tmp_path / "cost.duckdb"
    change = change_of(zone, "autumn")
    reads = []

    def run() -> None:
        counting = Counting()
        with company.client(**({"timezone": zone} if configured else {})) as client:
            # the rule's cost alone: no lookback window (gmtoffset only, the digest would
            # also re-read once what the new offset stamps at another UTC time)
            # and every run checks CLASS as before the audit trail's question (a run the
            # question leaves quiet re-reads nothing: test_daylight_saving's walks)
            settings = settings_of(
                ["CLASS"], page_size=25, columnar=columnar, lookback_minutes=0, verify_every=0
            )
            run_sync(client, db, counting, settings)
        reads.append(counting.read)

    def create(minutes: int) -> None:
        company.at(change + timedelta(minutes=minutes))
        with company.client() as client:
            client.create("CLASS", [{"CLASSID": f"COST{minutes + 200}", "NAME": "x"}])

    company.at(change - timedelta(hours=3))
    run()
    for minutes in (-130, -100, -40, -10):  # the last two in the first pass of 01:00-02:00
        create(minutes)
    company.at(change - timedelta(minutes=5))
    run()  # all four
    company.at(change + timedelta(hours=2))
    run()  # the bookmark (-10) is in the repeated hour: from an hour before it, -40 and -10
    create(125)
    company.at(change + timedelta(minutes=130))
    run()  # the same two again, and the new one: the bookmark is past the repeated hour now
    assert reads[1:] == [4, 2, 3]
