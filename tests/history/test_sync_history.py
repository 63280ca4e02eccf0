"""``intacct sync`` with history: every version a run read, exactly once, in
``<table>_history``, against the emulator's own record of what each write made."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from intacct import IntacctClient
from intacct.emulator.inprocess import InProcessEmulator
from intacct.replication import ReplicationSettings
from intacct.sync import SyncSettings, run_sync
from tests.sync.test_sync import Quiet


@pytest.fixture
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=60, seed=4) as emu:
        yield emu


def client_of(emulator: InProcessEmulator) -> IntacctClient:
    config = {**emulator.config(), "timeout_s": 30}
    return IntacctClient.from_mapping(config, http_transport=emulator.transport())


def sync(emulator: InProcessEmulator, db: Path, history: tuple[str, ...] | None = ("all",),
         **engine: Any) -> Quiet:  # fmt: skip
    reporter = Quiet()
    settings = SyncSettings(
        ("CLASS",), replication=ReplicationSettings().with_overrides(page_size=25, **engine),
        history=history,
    )  # fmt: skip
    with client_of(emulator) as client:
        run_sync(client, db, reporter, settings)
    return reporter


def versions(db: Path, classid: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT NAME, valid_from, valid_to, is_current, is_deleted FROM CLASS_history "
            "WHERE CLASSID = ? ORDER BY valid_from",
            [classid],
        ).fetchall()


def stored(emulator: InProcessEmulator, classid: str) -> tuple[str, datetime]:
    """The emulator's record of ``classid`` as a read sees it: (NAME, WHENMODIFIED UTC)."""
    with client_of(emulator) as client:
        rows = list(client.iter_query("CLASS", ["NAME", "WHENMODIFIED"], f"CLASSID = '{classid}'"))
    (row,) = rows
    return row["NAME"], row["WHENMODIFIED"]


def write(emulator: InProcessEmulator, classid: str, name: str, create: bool = False) -> None:
    emulator.advance_clock(60)
    with client_of(emulator) as client:
        call = client.create if create else client.update
        call("CLASS", [{"CLASSID": classid, "NAME": name}])


def test_each_version_read_is_kept_once_and_a_delete_closes_the_last(
    emulator: InProcessEmulator, tmp_path: Path
) -> None:
    db = tmp_path / "h.duckdb"
    write(emulator, "H-1", "first", create=True)
    sync(emulator, db)
    write(emulator, "H-1", "second")
    sync(emulator, db)
    sync(emulator, db, lookback_minutes=600)  # the window read again: nothing new
    write(emulator, "H-1", "third")
    sync(emulator, db)
    with duckdb.connect(str(db), read_only=True) as con:
        (recordno,) = con.execute("SELECT RECORDNO FROM CLASS WHERE CLASSID = 'H-1'").fetchone()
    emulator.advance_clock(60)
    with client_of(emulator) as client:
        client.delete("CLASS", [int(recordno)])
    sync(emulator, db)
    found = versions(db, "H-1")
    assert [v[0] for v in found] == ["first", "second", "third"]
    starts = [v[1] for v in found]
    assert [v[2] for v in found[:2]] == starts[1:]  # each ends where the next begins
    assert found[2][2] is not None and found[2][2] > starts[2]  # the delete ended the last
    assert [(v[3], v[4]) for v in found] == [(False, False), (False, False), (False, True)]
