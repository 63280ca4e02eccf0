"""What each daylight saving rule costs in records read again, and that none loses one.

A day of a company in America/Los_Angeles (the emulator's clock moved to it): a new
CLASS every 5 minutes and the one before it renamed, an hourly ``intacct sync`` of
CLASS, for three days: an ordinary one, the spring change and the autumn change. Three
readers run side by side on the same changes, each into its own DuckDB file:

* ``timezone`` set: bookmarks on the wall clock, stepped back over a repeated hour;
* no ``timezone``: the same, with every zone that has the user's ``gmtoffset`` in mind;
* no ``timezone`` and ``lookback_minutes=60`` (the blunt alternative: an hour behind
  every bookmark, every run).

Re-read = records read minus records changed since the reader's previous run. The
emulator's clock is a year ahead of this machine's, so every bookmark counts as recent
and its own second is read again (the engine's CLOCK_MARGIN rule): the ordinary day
shows that floor. Lost = records whose last values are not in the reader's table.

Usage: ``python benchmarks/dst_rereads.py``
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from intacct import IntacctClient
from intacct.emulator.inprocess import InProcessEmulator
from intacct.replication import ReplicationSettings
from intacct.sync import SyncSettings, run_sync

from _report import write_section

ZONE = "America/Los_Angeles"
YEAR = 2027
EVERY = timedelta(minutes=5)
STRATEGIES: dict[str, dict[str, Any]] = {
    "timezone set": {"timezone": ZONE},
    "gmtoffset only": {},
    "gmtoffset only + lookback 60 min": {"lookback_minutes": 60},
}


class Counting:
    """A sync reporter that counts the records read."""

    def __init__(self) -> None:
        self.read = 0

    def start(self, objects: Sequence[str]) -> None:
        pass

    def page(self, stream: str, entity: str, records: int, requests: int, size: int) -> None:
        self.read += records

    def stored(self, stream: str, counts: Any) -> None:
        pass

    def done(self, stream: str, summary: Any) -> None:
        pass

    def warning(self, stream: str, text: str) -> None:
        pass


def change(kind: str) -> datetime:
    """The UTC hour of ZONE's change in YEAR (spring: offset up; autumn: down)."""
    zone, moment = ZoneInfo(ZONE), datetime(YEAR, 1, 1, tzinfo=UTC)
    while True:
        later = moment + timedelta(hours=1)
        before, after = (m.astimezone(zone).utcoffset() for m in (moment, later))
        assert before is not None and after is not None
        if before != after and (after > before) == (kind == "spring"):
            return later
        moment = later


class Day:
    def __init__(self, emu: InProcessEmulator, folder: Path) -> None:
        self.emu, self.folder = emu, folder
        self.made = 0
        self.changed: dict[str, set[str]] = {name: set() for name in STRATEGIES}
        self.lost: dict[str, int] = {}
        self.read = dict.fromkeys(STRATEGIES, 0)
        self.reread = dict.fromkeys(STRATEGIES, 0)

    def client(self, **extra: Any) -> IntacctClient:
        config = {**self.emu.config(), **extra}
        return IntacctClient.from_mapping(config, http_transport=self.emu.transport())

    def write(self) -> None:
        """A new class, and the one before it renamed (two records changed)."""
        new, previous = f"D{self.made:05d}", f"D{self.made - 1:05d}"
        with self.client() as client:
            client.create("CLASS", [{"CLASSID": new, "NAME": "new"}])
            if self.made:
                client.update("CLASS", [{"CLASSID": previous, "NAME": "renamed"}])
        self.made += 1
        for changed in self.changed.values():
            changed |= {new, previous} if self.made > 1 else {new}

    def sync(self, name: str, settings: dict[str, Any], count: bool) -> None:
        counting = Counting()
        options = {k: v for k, v in settings.items() if k != "timezone"}
        zone = {k: v for k, v in settings.items() if k == "timezone"}
        db = self.folder / f"{list(STRATEGIES).index(name)}.duckdb"
        with self.client(**zone) as client:
            engine = ReplicationSettings.from_mapping(options)  # query's largest page, 2000
            run_sync(client, db, counting, SyncSettings(("CLASS",), replication=engine))
        if count:
            self.read[name] += counting.read
            self.reread[name] += counting.read - len(self.changed[name])
        self.changed[name] = set()

    def count_lost(self, name: str) -> int:
        with self.client() as client:
            rows = client.iter_query("CLASS", ["RECORDNO", "NAME"])
            truth = {int(r["RECORDNO"]): r["NAME"] for r in rows}
        db = self.folder / f"{list(STRATEGIES).index(name)}.duckdb"
        with duckdb.connect(str(db), read_only=True) as con:
            stored = dict(con.execute('SELECT "RECORDNO", "NAME" FROM "CLASS"').fetchall())
        return sum(1 for key, value in truth.items() if stored.get(key) != value)


def simulate(start: datetime) -> tuple[Day, int]:
    """24 hourly runs from ``start`` (each reader's first run the hour before)."""
    with InProcessEmulator(scale=100, seed=5) as emu, tempfile.TemporaryDirectory() as tmp:
        emu.configure_company("DEMO", timezone=ZONE)
        day = Day(emu, Path(tmp))
        emu.set_clock(start - timedelta(hours=1))
        for name, settings in STRATEGIES.items():
            day.sync(name, settings, count=False)
        moment = start - timedelta(hours=1)
        for _ in range(24 * 60 // 5):
            moment += EVERY
            emu.set_clock(moment)
            day.write()
            if moment.minute == 0:
                for name, settings in STRATEGIES.items():
                    day.sync(name, settings, count=True)
        day.lost = {name: day.count_lost(name) for name in STRATEGIES}
        return day, day.made


def main() -> None:
    days = {
        "ordinary day": change("autumn") - timedelta(days=14, hours=12),
        "spring change": change("spring") - timedelta(hours=12),
        "autumn change": change("autumn") - timedelta(hours=12),
    }
    rows = []
    for label, start in days.items():
        day, writes = simulate(start)
        for name in STRATEGIES:
            lost = day.lost[name]
            rows.append(
                f"| {label} | {name} | {writes} | {day.read[name]:,} | "
                f"{day.reread[name]:,} | {lost} |"
            )
            print(rows[-1], flush=True)
    body = (
        f"A company in {ZONE}: a new CLASS every 5 minutes and the previous one renamed, "
        "an hourly `intacct sync` of CLASS for 24 hours from 12 hours before the change "
        "(the ordinary day: two weeks before the autumn one). The three readers run side "
        "by side on the same changes. Re-read = read minus changed since that reader's "
        "previous run; each run reads its bookmark's own second again, since the emulator's "
        "clock is a year ahead of this machine's (the ordinary day shows that floor).\n\n"
        "| day | reader | writes | records read | re-read | lost |\n"
        "| --- | --- | ---: | ---: | ---: | ---: |\n" + "\n".join(rows) + "\n"
    )
    write_section(
        "Daylight saving time: records read again", "python benchmarks/dst_rereads.py", body
    )


if __name__ == "__main__":
    main()
