"""Which lookback loses nothing under Intacct's eventual consistency, and what it costs.

The emulator's visibility lag (``POST /_emulator/lag``): each write of the company
reaches its queries 0..L seconds after its WHENMODIFIED, in no order. For each lag L,
six hours of a company: a new CLASS every 2 minutes and the previous one renamed, an
``intacct sync`` of CLASS every 15 minutes; readers with different ``lookback_minutes``
run side by side on the same changes, each into its own DuckDB file; at the end every
write is let become visible and each reader runs once more.

Lost = records whose last values are not in the reader's table; read = records read in
all; re-read = read minus the records changed since that reader's previous run.

Usage: ``python benchmarks/lookback.py``
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
from dst_rereads import Counting

from intacct import IntacctClient
from intacct.emulator.inprocess import InProcessEmulator
from intacct.sync import run_sync

from _report import write_section

LAGS_MIN = (10, 30)
LOOKBACKS_MIN = (0, 2, 5, 10, 15, 30, 60)
WRITE_EVERY = timedelta(minutes=2)
SYNC_EVERY = timedelta(minutes=15)
HOURS = 6


class Company:
    def __init__(self, emu: InProcessEmulator, folder: Path) -> None:
        self.emu, self.folder = emu, folder
        self.made = 0
        self.changed: dict[int, set[str]] = {m: set() for m in LOOKBACKS_MIN}
        self.read = dict.fromkeys(LOOKBACKS_MIN, 0)
        self.reread = dict.fromkeys(LOOKBACKS_MIN, 0)

    def client(self) -> IntacctClient:
        return IntacctClient.from_mapping(self.emu.config(), http_transport=self.emu.transport())

    def write(self) -> None:
        new, previous = f"L{self.made:05d}", f"L{self.made - 1:05d}"
        with self.client() as client:
            client.create("CLASS", [{"CLASSID": new, "NAME": "new"}])
            if self.made:
                client.update("CLASS", [{"CLASSID": previous, "NAME": "renamed"}])
        self.made += 1
        for changed in self.changed.values():
            changed |= {new, previous} if self.made > 1 else {new}

    def sync(self, lookback: int, count: bool = True) -> None:
        counting = Counting()
        with self.client() as client:
            run_sync(client, self.folder / f"{lookback}.duckdb", counting, objects=["CLASS"],
                     settings={"lookback_minutes": lookback}, page_size=2000)  # fmt: skip
        if count:
            self.read[lookback] += counting.read
            self.reread[lookback] += max(0, counting.read - len(self.changed[lookback]))
        self.changed[lookback] = set()

    def lost(self, lookback: int) -> int:
        with self.client() as client:
            truth = {int(r["RECORDNO"]): r["NAME"] for r in client.iter_query(
                "CLASS", ["RECORDNO", "NAME"])}  # fmt: skip
        with duckdb.connect(str(self.folder / f"{lookback}.duckdb"), read_only=True) as con:
            stored = dict(con.execute('SELECT "RECORDNO", "NAME" FROM "CLASS"').fetchall())
        return sum(1 for key, value in truth.items() if stored.get(key) != value)


def simulate(lag_min: int) -> Company:
    start = datetime(2027, 3, 1, 8, tzinfo=UTC)
    with InProcessEmulator(scale=100, seed=5) as emu, tempfile.TemporaryDirectory() as tmp:
        company = Company(emu, Path(tmp))
        emu.set_clock(start)
        for lookback in LOOKBACKS_MIN:
            company.sync(lookback, count=False)
        emu.set_visibility_lag("DEMO", lag_min * 60)
        moment = start
        while moment < start + timedelta(hours=HOURS):
            moment += WRITE_EVERY
            emu.set_clock(moment)
            company.write()
            if (moment - start) % SYNC_EVERY == timedelta(0):
                for lookback in LOOKBACKS_MIN:
                    company.sync(lookback)
        emu.set_clock(moment + timedelta(minutes=lag_min, seconds=1))  # all visible now
        for lookback in LOOKBACKS_MIN:
            company.sync(lookback)
        company.lost_by = {m: company.lost(m) for m in LOOKBACKS_MIN}  # type: ignore[attr-defined]
        return company


def main() -> None:
    rows = []
    smallest = {}
    for lag in LAGS_MIN:
        company = simulate(lag)
        lost_by: dict[int, int] = company.lost_by  # type: ignore[attr-defined]
        smallest[lag] = min(m for m in LOOKBACKS_MIN if all(
            lost_by[k] == 0 for k in LOOKBACKS_MIN if k >= m))  # fmt: skip
        for lookback in LOOKBACKS_MIN:
            rows.append(
                f"| {lag} min | {lookback} min | {company.made} | {company.read[lookback]:,} | "
                f"{company.reread[lookback]:,} | {lost_by[lookback]} |"
            )
            print(rows[-1], flush=True)
    verdict = "; ".join(
        f"lag {lag} min: the smallest lookback that loses nothing is {m} min"
        for lag, m in smallest.items()
    )
    body = (
        f"Each write reaches queries 0..L after its WHENMODIFIED (the emulator's visibility "
        f"lag, seeded). {HOURS} hours: a new CLASS every {WRITE_EVERY.seconds // 60} minutes "
        f"and the previous one renamed; `intacct sync` of CLASS every "
        f"{SYNC_EVERY.seconds // 60} minutes, one reader per lookback side by side; at the "
        "end every write is visible and each reader runs once more. Lost = records whose "
        "last values are not in the reader's table.\n\n"
        "| lag L | lookback | writes | records read | re-read | lost |\n"
        "| --- | --- | ---: | ---: | ---: | ---: |\n" + "\n".join(rows) + f"\n\n{verdict}.\n"
    )
    write_section(
        "Eventual consistency: the lookback that loses nothing",
        "python benchmarks/lookback.py",
        body,
    )


if __name__ == "__main__":
    main()
