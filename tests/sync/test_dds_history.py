"""History through DDS (issue 71): a first read taken from a DDS job's files keeps its
versions as a paged first read does, and the runs after it (a change, a delete) add
theirs to the same ``<table>_history`` rows paging gives."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb

from intacct import IntacctClient
from intacct.emulator.inprocess import InProcessEmulator
from tests.dds import Storage
from tests.sync.test_dds_sync import dds_keys, emulator, jobs, same, settings, summary, sync

__all__ = ["emulator"]  # the DDS-subscribed DEMO fixture, used here as there


def write(emulator: InProcessEmulator, call: str, *args: object) -> None:
    emulator.advance_clock(60)
    config = {**emulator.config("DEMO"), "timeout_s": 30}
    with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
        getattr(client, call)("CLASS", *args)
    emulator.advance_clock(60)


def versions(db: Path, classid: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT NAME, is_current, is_deleted FROM CLASS_history WHERE CLASSID = ? "
            "ORDER BY valid_from",
            [classid],
        ).fetchall()


def test_a_dds_first_read_keeps_history_as_paging_does(
    emulator: InProcessEmulator, storage: Storage, tmp_path: Path
) -> None:
    paged, db = tmp_path / "paged.duckdb", tmp_path / "dds.duckdb"
    keys = dds_keys(emulator, storage, least=1)
    kept = ("all",)
    runs = {paged: replace(settings({}, ("CLASS",)), history=kept),
            db: replace(settings(keys, ("CLASS",)), history=kept)}  # fmt: skip
    first = summary(sync(emulator, db, runs[db]), "CLASS")
    assert first.error is None and first.read > 0 and first.requests == 0  # from the files
    assert len(jobs(emulator, "CLASS")) == 1
    sync(emulator, paged, runs[paged])
    same(db, paged)
    (classid, recordno) = _first_class(db)
    write(emulator, "update", [{"CLASSID": classid, "NAME": "renamed after the load"}])
    for where, chosen in runs.items():
        assert summary(sync(emulator, where, chosen), "CLASS").error is None
    write(emulator, "delete", [recordno])
    for where, chosen in runs.items():
        assert summary(sync(emulator, where, chosen), "CLASS").error is None
    same(db, paged)
    history = versions(db, classid)
    first_name = history[0][0]
    assert history == [(first_name, False, False), ("renamed after the load", False, True)]
    assert versions(paged, classid) == history  # and `same` compared every version's row
    assert len(jobs(emulator, "CLASS")) == 1  # the later runs paged their changes


def _first_class(db: Path) -> tuple[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        found = con.execute("SELECT CLASSID, RECORDNO FROM CLASS ORDER BY RECORDNO").fetchone()
    assert found is not None
    return str(found[0]), int(found[1])
