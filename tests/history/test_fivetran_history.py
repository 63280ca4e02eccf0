"""``--layout fivetran`` with history: Fivetran's history-mode views beside the current
ones (schema sage_intacct_history), with its columns and rules, so that a model written
for Fivetran's history mode (``WHERE moment BETWEEN _fivetran_start AND _fivetran_end``,
``WHERE _fivetran_active``) reads the versions as Fivetran would have kept them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from intacct.emulator.inprocess import InProcessEmulator
from intacct.replication import ReplicationSettings
from intacct.sync import SyncSettings, run_sync
from intacct.sync.fivetran import HISTORY_SCHEMA, SCHEMA
from tests.sync.test_sync import Quiet
from tests.sync.test_sync import connect as client_of


@pytest.fixture
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=60, seed=4) as emu:
        yield emu


def sync(emulator: InProcessEmulator, db: Path) -> None:
    settings = SyncSettings(
        ("GLACCOUNT",), replication=ReplicationSettings(), layout="fivetran", history=("all",)
    )
    with client_of(emulator) as client:
        run_sync(client, db, Quiet(), settings)


def test_history_mode_views_keep_fivetrans_columns_and_rules(
    emulator: InProcessEmulator, tmp_path: Path
) -> None:
    db = tmp_path / "f.duckdb"
    sync(emulator, db)
    with client_of(emulator) as client:
        account = next(client.iter_query("GLACCOUNT", ["ACCOUNTNO"]))["ACCOUNTNO"]
        emulator.advance_clock(60)
        client.update("GLACCOUNT", [{"ACCOUNTNO": account, "TITLE": "Renamed"}])
    sync(emulator, db)
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            f"SELECT title, _fivetran_start, _fivetran_end, _fivetran_active "  # noqa: S608
            f"FROM {HISTORY_SCHEMA}.gl_account WHERE accountno = ? ORDER BY _fivetran_start",
            [account],
        ).fetchall()
        current = con.execute(
            f"SELECT count(*) FROM {SCHEMA}.gl_account WHERE accountno = ?",  # noqa: S608
            [account],
        ).fetchone()
        before, after = rows[0][1], rows[1][1]
        moment = before + (after - before) / 2
        at = con.execute(
            f"SELECT title FROM {HISTORY_SCHEMA}.gl_account WHERE accountno = ? "  # noqa: S608
            "AND ? BETWEEN _fivetran_start AND _fivetran_end",
            [account, moment],
        ).fetchall()
    assert current == (1,)  # the package's own views stay one row a record
    assert [(r[0] == "Renamed", r[3]) for r in rows] == [(False, False), (True, True)]
    assert rows[0][2] == after - timedelta(milliseconds=1)  # the next start less 1 ms
    assert str(rows[1][2]) == "9999-12-31 23:59:59.999000"  # active: the end of time
    assert at == [(rows[0][0],)]
