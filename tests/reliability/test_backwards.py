"""A record whose WHENMODIFIED moves backwards: its new version is stamped before the
reader's bookmark (a server clock stepped back, a node behind the others). The incremental
pass asks for changes after the bookmark, so only a lookback at least as long as the step
finds it; without one the old version stays until a full refresh (RELIABILITY.md)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from intacct import IntacctClient
from intacct.emulator.inprocess import InProcessEmulator
from intacct.replication import ReplicationSettings
from intacct.sync import SyncSettings, run_sync
from intacct.sync.display import QuietReporter

STEP_BACK = timedelta(minutes=10)


def _client(emulator: InProcessEmulator) -> IntacctClient:
    config = {**emulator.config(), "timeout_s": 30}
    return IntacctClient.from_mapping(config, http_transport=emulator.transport())


def _sync(emulator: InProcessEmulator, db: Path, lookback: int, full: bool = False) -> None:
    with _client(emulator) as client:
        engine = ReplicationSettings(lookback_minutes=lookback)
        settings = SyncSettings(("VENDOR",), full_refresh=full, replication=engine)
        report = run_sync(client, db, QuietReporter(), settings)
    assert not report.failed


def _stored(db: Path, vendor: str) -> tuple[str, object]:
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            'SELECT "NAME", "WHENMODIFIED" FROM "VENDOR" WHERE "VENDORID" = ?', [vendor]
        ).fetchone()
    assert row is not None
    return row[0], row[1]


@pytest.mark.parametrize(("lookback_minutes", "found"), [(0, False), (15, True)])
def test_a_stamp_moved_back_is_found_by_a_lookback_longer_than_the_step(
    tmp_path: Path, lookback_minutes: int, found: bool
) -> None:
    db = tmp_path / "back.duckdb"
    with InProcessEmulator(scale=200, seed=3) as emulator:
        _sync(emulator, db, lookback_minutes)
        emulator.advance_clock(1800)
        with _client(emulator) as client:
            vendor = next(r["VENDORID"] for r in client.iter_query("VENDOR", ["VENDORID"]))
            client.update("VENDOR", [{"VENDORID": vendor, "NAME": "forward"}])
        _sync(emulator, db, lookback_minutes)  # the bookmark is this change now
        first_name, first_stamp = _stored(db, vendor)
        assert first_name == "forward"

        now = emulator.advance_clock(0)
        emulator.set_clock(now - STEP_BACK)
        with _client(emulator) as client:
            client.update("VENDOR", [{"VENDORID": vendor, "NAME": "backwards"}])
        _sync(emulator, db, lookback_minutes)
        name, stamp = _stored(db, vendor)
        if found:
            assert (name, stamp < first_stamp) == ("backwards", True)  # type: ignore[operator]
        else:
            assert (name, stamp) == ("forward", first_stamp)  # the known limit
            _sync(emulator, db, lookback_minutes, full=True)  # what repairs it
            assert _stored(db, vendor)[0] == "backwards"
