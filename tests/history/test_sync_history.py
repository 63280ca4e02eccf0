"""``intacct sync`` with history: every version a run read, exactly once, in
``<table>_history``, against the emulator's own record of what each write made."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from intacct.cli import main
from intacct.emulator.inprocess import InProcessEmulator
from intacct.replication import ReplicationSettings
from intacct.sync import SyncSettings, run_sync
from tests.sync.test_sync import Quiet
from tests.sync.test_sync import connect as client_of


@pytest.fixture
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=60, seed=4) as emu:
        yield emu


def sync(
    emulator: InProcessEmulator,
    db: Path | str,
    history: tuple[str, ...] | None = ("all",),
    objects: tuple[str, ...] = ("CLASS",),
    reporter: Quiet | None = None,
    full_refresh: bool = False,
    **engine: Any,
) -> Quiet:
    reporter = reporter or Quiet()
    replication = ReplicationSettings().with_overrides(page_size=25, **engine)
    settings = SyncSettings(objects, full_refresh, replication, history=history)
    with client_of(emulator) as client:
        run_sync(client, db, reporter, settings)
    return reporter


def versions(
    db: Path, classid: str, columns: str = "valid_from, valid_to, is_current, is_deleted"
) -> list[tuple[Any, ...]]:
    """``classid``'s versions in order: NAME and ``columns``."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            f"SELECT NAME, {columns} FROM CLASS_history WHERE CLASSID = ? ORDER BY valid_from",  # noqa: S608
            [classid],
        ).fetchall()


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


def names_now(emulator: InProcessEmulator) -> dict[str, str]:
    """The emulator's CLASS records as they are: {CLASSID: NAME}."""
    with client_of(emulator) as client:
        return {r["CLASSID"]: r["NAME"] for r in client.iter_query("CLASS", ["CLASSID", "NAME"])}


def as_of(db: Path, moment: datetime) -> dict[str, str]:
    done = CliRunner().invoke(main, [
        "query", "CLASS", "--db", str(db), "--as-of", moment.isoformat(), "--limit", "0",
        "--fields", "CLASSID,NAME", "--format", "json",
    ])  # fmt: skip
    assert done.exit_code == 0, done.output
    return {r["CLASSID"]: r["NAME"] for r in json.loads(done.stdout)}


def test_as_of_answers_are_the_emulators_state_at_each_moment(
    emulator: InProcessEmulator, tmp_path: Path
) -> None:
    """A read after every write sees every version: the records as of any moment are
    what the emulator held then (a write, a rename, a delete, a record made again)."""
    db = tmp_path / "h.duckdb"
    sync(emulator, db)
    for moment, state in observed(emulator, lambda: sync(emulator, db)):
        assert as_of(db, moment) == state, moment


def observed(
    emulator: InProcessEmulator, read: Callable[[], object]
) -> list[tuple[datetime, dict[str, str]]]:
    """Writes (a record made, renamed, deleted, made again), ``read`` after each: the
    moments after each read, with the records as the emulator held them then."""
    moments: list[tuple[datetime, dict[str, str]]] = []

    def seen() -> None:
        read()
        moments.append((emulator.store.clock.now() + timedelta(seconds=30), names_now(emulator)))

    seen()
    write(emulator, "H-1", "made", create=True)
    seen()
    write(emulator, "H-1", "renamed")
    write(emulator, "H-2", "other", create=True)
    seen()
    emulator.advance_clock(60)
    with client_of(emulator) as client:
        rows = client.iter_query("CLASS", ["RECORDNO", "CLASSID"])
        victim = next(r["RECORDNO"] for r in rows if r["CLASSID"] == "H-1")
        client.delete("CLASS", [int(victim)])
    seen()
    write(emulator, "H-1", "again", create=True)
    seen()
    return moments


def test_as_of_on_an_object_keeping_no_history_says_how_to_keep_it(
    emulator: InProcessEmulator, tmp_path: Path
) -> None:
    db = tmp_path / "h.duckdb"
    sync(emulator, db, history=None)
    done = CliRunner().invoke(main, ["query", "CLASS", "--db", str(db), "--as-of", "2026-01-01"])
    assert done.exit_code == 1
    assert "keeps no history of CLASS: intacct sync --history" in done.output


def test_as_of_shows_the_historys_own_columns_when_asked(
    emulator: InProcessEmulator, tmp_path: Path
) -> None:
    """``--fields`` may name the history's own columns (``unseen_changes`` says whether
    an as-of answer is whole); refused as no column before (issue 68)."""
    db = tmp_path / "h.duckdb"
    sync(emulator, db)
    asked = "CLASSID,is_current,is_deleted,changed_by,change_mode,unseen_changes"
    done = CliRunner().invoke(main, [
        "query", "CLASS", "--db", str(db), "--as-of", "2100-01-01", "--limit", "0",
        "--fields", asked, "--format", "json",
    ])  # fmt: skip
    assert done.exit_code == 0, done.output
    rows = json.loads(done.stdout)
    assert rows and set(rows[0]) == set(asked.split(","))
    assert {(r["is_current"], r["is_deleted"]) for r in rows} == {(True, False)}
    plain = CliRunner().invoke(main, [
        "query", "CLASS", "--db", str(db), "--as-of", "2100-01-01", "--format", "json",
    ])  # fmt: skip
    assert "unseen_changes" not in json.loads(plain.stdout)[0]  # not shown unless asked


def test_an_object_asked_for_that_cannot_keep_history_is_named(
    emulator: InProcessEmulator, tmp_path: Path
) -> None:
    """``--history`` (every object) with ``--objects`` naming the trial balance: the run
    says it keeps none of it, as docs/history.md says (it said nothing: issue 68); the
    default objects under ``--history`` alone name nothing."""
    asked = sync(emulator, tmp_path / "asked.duckdb", objects=("CLASS", "TRIALBALANCE"))
    said = [w for w in asked.warnings if "no history kept" in w]
    assert len(said) == 1 and said[0].startswith("TRIALBALANCE: no history kept: ")
    named = sync(emulator, tmp_path / "named.duckdb", ("TRIALBALANCE",), ("TRIALBALANCE",))
    assert [w for w in named.warnings if "no history kept" in w] == said
    settings = SyncSettings(None, False, ReplicationSettings(page_size=25), history=("all",))
    alone = Quiet()
    with client_of(emulator) as client:
        run_sync(client, tmp_path / "default.duckdb", alone, settings)
    assert not [w for w in alone.warnings if "no history kept" in w]


def every_version(db: Path, table: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f'SELECT * FROM "{table}_history" ORDER BY ALL').fetchall()  # noqa: S608


def test_a_run_killed_and_resumed_or_read_again_whole_keeps_each_version_once(
    emulator: InProcessEmulator, tmp_path: Path
) -> None:
    objects = ("CLASS", "VENDOR")
    whole, resumed = tmp_path / "whole.duckdb", tmp_path / "resumed.duckdb"
    sync(emulator, whole, objects=objects)
    with pytest.raises(KeyboardInterrupt):
        sync(emulator, resumed, objects=objects, reporter=Quiet(stop_after=2))
    write(emulator, "H-1", "made", create=True)
    for db in (whole, resumed):
        sync(emulator, db, objects=objects)
    sync(emulator, resumed, objects=objects, full_refresh=True)
    for table in objects:
        assert every_version(resumed, table) == every_version(whole, table)
        assert len(every_version(whole, table)) == len(keys_of(whole, table))


def keys_of(db: Path, table: str) -> list[Any]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: S608


def test_history_is_remembered_until_a_run_says_otherwise(
    emulator: InProcessEmulator, tmp_path: Path
) -> None:
    db = tmp_path / "h.duckdb"
    sync(emulator, db, history=("class",))  # object names in any case
    write(emulator, "H-1", "made", create=True)
    sync(emulator, db, history=None)  # remembered
    assert [v[0] for v in versions(db, "H-1")] == ["made"]
    sync(emulator, db, history=())  # stopped: the table stays, nothing more is added
    write(emulator, "H-1", "renamed")
    sync(emulator, db, history=None)
    assert [v[0] for v in versions(db, "H-1")] == ["made"]


AUDIT = "changed_by, change_mode, unseen_changes"


def test_audithistory_says_who_made_each_version_and_the_changes_no_read_saw(
    emulator: InProcessEmulator, tmp_path: Path
) -> None:
    db = tmp_path / "h.duckdb"
    sync(emulator, db)
    write(emulator, "H-1", "made", create=True)
    sync(emulator, db)
    write(emulator, "H-1", "unseen")  # no read between this change and the next
    write(emulator, "H-1", "seen")
    sync(emulator, db)
    user = emulator.config()["user_id"]
    assert versions(db, "H-1", AUDIT) == [
        ("made", user, "create", 1),  # a change in its span that no read saw
        ("seen", user, "modify", 0),
    ]
    sync(emulator, db)  # read again: nothing is counted twice
    assert [v[3] for v in versions(db, "H-1", AUDIT)] == [1, 0]


def test_a_moment_that_is_no_time_is_a_usage_error(tmp_path: Path) -> None:
    done = CliRunner().invoke(main, ["query", "CLASS", "--db", str(tmp_path / "x.duckdb"),
                                     "--as-of", "yesterday"])  # fmt: skip
    assert done.exit_code == 2 and "Traceback" not in done.output
    assert "Invalid value for --as-of: must be an ISO-8601 date or timestamp" in done.output
