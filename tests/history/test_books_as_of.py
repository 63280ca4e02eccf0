"""The books as they stood: ``intacct query TRIALBALANCE --db … --as-of`` answers, for
every moment a run observed, what the emulator's own ``get_trialbalance`` answered
then (both from the same posted lines), through entries posted, back-dated and deleted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from intacct.cli import main
from intacct.emulator.inprocess import InProcessEmulator
from intacct.replication import ReplicationSettings
from intacct.sync import SyncSettings, run_sync
from tests.sync.test_sync import Quiet
from tests.sync.test_sync import connect as client_of

#: the months the test posts into: (first day, last day)
MONTHS = [(date(2026, 5, 1), date(2026, 5, 31)), (date(2026, 6, 1), date(2026, 6, 30))]
Balances = dict[tuple[str, str], tuple[Decimal, ...]]


@pytest.fixture
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=60, seed=4) as emu:
        yield emu


def sync(emulator: InProcessEmulator, db: Path) -> None:
    replication = ReplicationSettings().with_overrides(page_size=500)
    settings = SyncSettings(("GLDETAIL",), replication=replication, history=("all",))
    with client_of(emulator) as client:
        run_sync(client, db, Quiet(), settings)


def post(emulator: InProcessEmulator, day: str, amount: str) -> int:
    """A balanced entry dated ``day`` (MM/DD/YYYY), posted; its RECORDNO."""
    emulator.advance_clock(60)
    lines = [
        {"ACCOUNTNO": account, "TR_TYPE": kind, "TRX_AMOUNT": amount}
        for account, kind in (("1010", 1), ("4000", -1))
    ]
    entry = {
        "JOURNAL": "GJ",
        "BATCH_DATE": day,
        "BATCH_TITLE": "as-of",
        "ENTRIES": {"GLENTRY": lines},
    }
    with client_of(emulator) as client:
        (result,) = client.create("GLBATCH", [entry])
    return int(result.data.records[0]["RECORDNO"])


def ledger(emulator: InProcessEmulator) -> Balances:
    """The emulator's trial balance of :data:`MONTHS` now."""
    with client_of(emulator) as client:
        answers = client.get_trialbalances(MONTHS)
    return {
        (str(start), row["glaccountno"]): tuple(
            Decimal(row[k]) for k in ("startbalance", "debits", "credits", "endbalance")
        )
        for (start, _), rows in zip(MONTHS, answers, strict=True)
        for row in rows
    }


def as_of(db: Path, moment: datetime) -> Balances:
    where = "PERIODSTART BETWEEN DATE '2026-05-01' AND DATE '2026-06-01'"
    done = CliRunner().invoke(main, [
        "query", "TRIALBALANCE", "--db", str(db), "--as-of", moment.isoformat(),
        "--where", where, "--limit", "0", "--format", "json",
    ])  # fmt: skip
    assert done.exit_code == 0, done.output
    return {
        (r["PERIODSTART"], r["GLACCOUNTNO"]): tuple(
            Decimal(str(r[k])) for k in ("STARTBALANCE", "DEBITS", "CREDITS", "ENDBALANCE")
        )
        for r in json.loads(done.stdout)
    }


def test_the_trial_balance_as_of_each_moment_is_the_emulators_then(
    emulator: InProcessEmulator, tmp_path: Path
) -> None:
    db = tmp_path / "books.duckdb"
    moments: list[tuple[datetime, Balances]] = []

    def seen() -> None:
        sync(emulator, db)
        moments.append((emulator.store.clock.now() + timedelta(seconds=30), ledger(emulator)))

    seen()
    june = post(emulator, "06/15/2026", "125.50")
    seen()
    post(emulator, "05/20/2026", "40.00")  # back-dated: May's balances move after the fact
    seen()
    emulator.advance_clock(60)
    with client_of(emulator) as client:
        client.delete("GLBATCH", [june])
    seen()
    assert len({str(state) for _, state in moments}) == len(moments)  # each moment differs
    for moment, state in moments:
        assert as_of(db, moment) == state, moment
