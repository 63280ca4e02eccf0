"""``intacct sync --history`` through dlt: the versions and deletes loaded with their
pages, ``<table>_history`` a view over them (:func:`intacct.destinations.history.view`),
against the emulator's own record of what each write made, as in the SQL stores
(``test_sync_history.py``)."""

# ruff: noqa: S608 - SQL here names the tests' own tables

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from intacct.cli import main
from intacct.emulator.inprocess import InProcessEmulator
from intacct.errors import ConfigError
from tests.history.test_history_rules import naive
from tests.history.test_sync_history import AUDIT, client_of, emulator, observed, sync, write
from tests.sync.stores import Store, dlt_store
from tests.sync.test_sync import Quiet

__all__ = ["emulator"]  # the fixture, shared


def versions(
    store: Store, classid: str, columns: str = "valid_from, valid_to, is_current, is_deleted"
) -> list[tuple[Any, ...]]:
    rows = store.query(
        f"SELECT name, {columns} FROM class_history WHERE classid = ? ORDER BY valid_from",
        [classid],
    )
    return [tuple(naive(v) for v in row) for row in rows]


def test_each_version_read_is_kept_once_and_a_delete_closes_the_last(
    emulator: InProcessEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = dlt_store("duckdb", tmp_path, monkeypatch).committing_every(1)
    write(emulator, "H-1", "first", create=True)
    sync(emulator, store.where)
    write(emulator, "H-1", "second")
    sync(emulator, store.where)
    sync(emulator, store.where, lookback_minutes=600)
    write(emulator, "H-1", "third")
    sync(emulator, store.where)
    ((recordno,),) = store.query("SELECT recordno FROM class WHERE classid = 'H-1'")
    emulator.advance_clock(60)
    with client_of(emulator) as client:
        client.delete("CLASS", [int(recordno)])
    sync(emulator, store.where)
    found = versions(store, "H-1")
    assert [v[0] for v in found] == ["first", "second", "third"]
    starts = [v[1] for v in found]
    assert [v[2] for v in found[:2]] == starts[1:]  # each ends where the next begins
    assert found[2][2] is not None and found[2][2] > starts[2]  # the delete ended the last
    assert [(v[3], v[4]) for v in found] == [(False, False), (False, False), (False, True)]


def as_of(store: Store, moment: datetime) -> dict[str, str]:
    """``intacct query --as-of`` on the Postgres schema dlt loaded."""
    where = f"{store.url}?schema={store.schema}"
    done = CliRunner().invoke(main, [
        "query", "CLASS", "--db", where, "--as-of", moment.isoformat(), "--limit", "0",
        "--fields", "CLASSID,NAME", "--format", "json",
    ])  # fmt: skip
    assert done.exit_code == 0, done.output
    return {r["classid"]: r["name"] for r in json.loads(done.stdout)}


def test_as_of_reads_the_view_as_the_emulator_stood(
    emulator: InProcessEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    """Through dlt into Postgres, ``intacct query --as-of`` reads the view as it reads
    a history table: what the emulator held at each moment (a write, a rename, a
    delete, a record made again)."""
    store = dlt_store("postgres", tmp_path, monkeypatch, postgres_url)
    monkeypatch.setenv("PGTZ", "America/New_York")  # dlt's times have a zone; the moment UTC
    sync(emulator, store.where)
    for moment, state in observed(emulator, lambda: sync(emulator, store.where)):
        assert as_of(store, moment) == state, moment


def every_version(store: Store, table: str) -> list[tuple[Any, ...]]:
    return store.query(f"SELECT * FROM {table}_history ORDER BY ALL")


def test_a_run_killed_and_resumed_or_read_again_whole_keeps_each_version_once(
    emulator: InProcessEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load a page (the most loads a kill can fall between): a killed run's pages read
    again merge onto their own versions."""
    objects = ("CLASS", "VENDOR")
    base = dlt_store("duckdb", tmp_path, monkeypatch)
    whole, resumed = (
        replace(base, where=f"dlt:duckdb?dataset={d}&pages_per_load=1", schema=d)
        for d in ("whole", "resumed")
    )
    sync(emulator, whole.where, objects=objects)
    with pytest.raises(KeyboardInterrupt):
        sync(emulator, resumed.where, objects=objects, reporter=Quiet(stop_after=2))
    write(emulator, "H-1", "made", create=True)
    for store in (whole, resumed):
        sync(emulator, store.where, objects=objects)
    sync(emulator, resumed.where, objects=objects, full_refresh=True)
    for table in ("class", "vendor"):
        assert every_version(resumed, table) == every_version(whole, table)
        assert len(every_version(whole, table)) == len(whole.query(f"SELECT * FROM {table}"))


def test_history_is_remembered_by_dlt_until_a_run_says_otherwise(
    emulator: InProcessEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = dlt_store("duckdb", tmp_path, monkeypatch)
    sync(emulator, store.where, history=("class",))
    write(emulator, "H-1", "made", create=True)
    sync(emulator, store.where, history=None)
    assert [v[0] for v in versions(store, "H-1")] == ["made"]
    sync(emulator, store.where, history=())
    write(emulator, "H-1", "renamed")
    sync(emulator, store.where, history=None)
    assert [v[0] for v in versions(store, "H-1")] == ["made"]


def test_history_on_dlt_files_is_refused(
    emulator: InProcessEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dlt:filesystem holds no view: the versions would have no ends."""
    dlt_store("duckdb", tmp_path, monkeypatch)  # dlt's folders under tmp_path
    monkeypatch.setenv("DESTINATION__FILESYSTEM__BUCKET_URL", str(tmp_path / "files"))
    with pytest.raises(ConfigError, match="'history': is kept through dlt as a view"):
        sync(emulator, "dlt:filesystem?dataset=x")


@pytest.mark.parametrize("destination", ["duckdb", "postgres"])
def test_audithistory_says_who_made_each_version_and_the_changes_no_read_saw(
    emulator: InProcessEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    destination: str,
) -> None:
    """AUDITHISTORY's changes loaded into ``_intacct_changes`` with the pages, read by
    the view as the SQL stores' mend reads them."""
    url = str(request.getfixturevalue("postgres_url")) if destination == "postgres" else ""
    store = dlt_store(destination, tmp_path, monkeypatch, url)
    sync(emulator, store.where)
    write(emulator, "H-1", "made", create=True)
    sync(emulator, store.where)
    write(emulator, "H-1", "unseen")  # no read between this change and the next
    write(emulator, "H-1", "seen")
    sync(emulator, store.where)
    user = emulator.config()["user_id"]
    assert versions(store, "H-1", AUDIT) == [
        ("made", user, "create", 1),  # a change in its span that no read saw
        ("seen", user, "modify", 0),
    ]
    sync(emulator, store.where)  # read again: nothing is counted twice
    assert [v[3] for v in versions(store, "H-1", AUDIT)] == [1, 0]
