"""Metadata once (issue 67, part 3): ``intacct sync`` keeps the company's object
descriptions (XML ``lookup`` answers) on disk, and a later run looks up again only the
objects it reads: none at rest, the one the audit trail names when it changed. A custom
field added becomes a column when its object is next read (its first value is a change
the trail lists); a damaged cache file is no cache; without one, every run looks up."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from intacct import IntacctClient
from intacct.emulator.inprocess import InProcessEmulator
from intacct.sync import SyncReport, run_sync
from tests.sync.test_sync import Quiet, settings_of

OBJECTS = ("CLASS", "VENDOR", "DEPARTMENT")


@pytest.fixture
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=150, seed=4) as emu:
        yield emu


def client(emulator: InProcessEmulator) -> IntacctClient:
    config = {**emulator.config(), "timeout_s": 30}
    return IntacctClient.from_mapping(config, http_transport=emulator.transport())


def sync(emulator: InProcessEmulator, tmp_path: Path, cache: Path | None) -> tuple[Any, int]:
    """The run's report and the lookups it sent."""
    before = emulator.emulator.snapshot().get("lookup.DEMO", 0)
    settings = settings_of(OBJECTS, verify_every=timedelta(days=1))
    with client(emulator) as c:
        report: SyncReport = run_sync(
            c, str(tmp_path / "data.duckdb"), Quiet(), replace(settings, metadata_cache=cache)
        )
    assert report.failed == []
    return report, emulator.emulator.snapshot().get("lookup.DEMO", 0) - before


def vendors(tmp_path: Path, *columns: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(tmp_path / "data.duckdb"), read_only=True) as con:
        names = ", ".join(f'"{c}"' for c in columns)
        return con.execute(f'SELECT {names} FROM "VENDOR" ORDER BY 1').fetchall()  # noqa: S608


def test_a_run_looks_up_only_what_it_reads(emulator: InProcessEmulator, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert sync(emulator, tmp_path, cache)[1] == len(OBJECTS)  # a first run: each object
    (kept,) = (cache / "lookups").glob("*.json")
    assert set(json.loads(kept.read_text())["objects"]) == set(OBJECTS)
    report, looked = sync(emulator, tmp_path, cache)
    assert (looked, report.question) == (0, 1)  # at rest: the question alone
    with client(emulator) as c:
        vendor = next(c.iter_query("VENDOR", ["VENDORID"]))["VENDORID"]
        c.update("VENDOR", [{"VENDORID": vendor, "NAME": "Changed"}])
    report, looked = sync(emulator, tmp_path, cache)
    assert looked == 1 and report.objects[1].read == 1  # VENDOR's, read again
    # a custom field added: empty in every record, nothing to read until one has it
    emulator.add_custom_field("VENDOR", {"name": "LOYALTY_TIER", "type": "text"})
    assert sync(emulator, tmp_path, cache)[1] == 0
    with client(emulator) as c:
        c.update("VENDOR", [{"VENDORID": vendor, "LOYALTY_TIER": "Gold"}])
    report, looked = sync(emulator, tmp_path, cache)
    assert looked == 1  # named: looked up again, the field a column now
    tiers = dict(vendors(tmp_path, "VENDORID", "LOYALTY_TIER"))
    assert tiers[vendor] == "Gold" and set(tiers.values()) == {"Gold", None}
    assert "LOYALTY_TIER" in json.dumps(json.loads(kept.read_text())["objects"]["VENDOR"])


def test_a_damaged_cache_is_no_cache(emulator: InProcessEmulator, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    sync(emulator, tmp_path, cache)
    (kept,) = (cache / "lookups").glob("*.json")
    for damaged in ("{not json", json.dumps({"format": 1, "objects": {"VENDOR": {"x": 1}}})):
        kept.write_text(damaged)
        assert sync(emulator, tmp_path, cache)[1] == len(OBJECTS)  # looked up, rewritten
        assert set(json.loads(kept.read_text())["objects"]) == set(OBJECTS)


def test_without_a_cache_every_run_looks_up(emulator: InProcessEmulator, tmp_path: Path) -> None:
    sync(emulator, tmp_path, None)
    assert sync(emulator, tmp_path, None)[1] == len(OBJECTS)
