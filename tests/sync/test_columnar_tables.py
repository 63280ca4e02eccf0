"""``intacct sync`` writes the same tables whether pages are read and typed as columns
(the default) or record by record: every default object, every row, every column and
type, the bookmarks; on the demo company, on DEMO-ME with every entity, with the user's
``timezone`` set to a zone with DST, and again after creates, updates and deletes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from intacct import IntacctClient
from intacct.client.registry import ObjectRegistry
from intacct.destinations import saved_state
from intacct.emulator.inprocess import InProcessEmulator
from intacct.replication import ReplicationSettings
from intacct.replication.records.columnar import ColumnTyper
from intacct.sync import DEFAULT_OBJECTS, SyncSettings, run_sync
from tests.sync.test_sync import Quiet

SCENARIOS = {
    "demo": ("DEMO", {}, {}),
    "multi-entity-every-entity": ("DEMO-ME", {}, {"entity_ids": "all"}),
    "timezone-with-dst": ("DEMO", {"timezone": "America/New_York"}, {}),
}


@pytest.fixture
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=150, seed=11) as emu:
        yield emu


def tables(db: Path) -> dict[str, Any]:
    """Each object table's columns and types and its rows in order; each stream's
    bookmarks but the time the deletes were last asked for."""
    out: dict[str, Any] = {}
    with duckdb.connect(str(db), read_only=True) as con:
        names = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY 1"
        ).fetchall()
        for (name,) in names:
            columns = con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = ? ORDER BY ordinal_position",
                [name],
            ).fetchall()
            rows = con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall()  # noqa: S608
            out[name] = (columns, rows)
    streams = saved_state(db)["streams"]
    for entities in streams.values():
        for bookmark in entities.values():
            bookmark.get("deletes", {}).pop("ACCESSTIME", None)
            bookmark.get("deletes", {}).pop("wall", None)
            # when the audit trail last accounted for it: each run's own start
            bookmark.pop("checked", None)
            bookmark.pop("verified", None)
    out["_bookmarks"] = streams
    return out


def change(client: IntacctClient) -> None:
    """A create, an update and a delete of a few default objects."""
    client.create("CLASS", [{"CLASSID": "COL-NEW", "NAME": "New ½ class"}])
    classes = list(client.iter_query("CLASS", ["RECORDNO", "CLASSID"]))
    client.update("CLASS", [{"CLASSID": classes[0]["CLASSID"], "NAME": "Renamed & <so>"}])
    client.delete("CLASS", [int(classes[1]["RECORDNO"])])
    vendors = list(client.iter_query("VENDOR", ["RECORDNO", "VENDORID"]))
    client.update("VENDOR", [{"VENDORID": vendors[0]["VENDORID"], "NAME": "Müller GmbH"}])
    client.delete("VENDOR", [int(vendors[-1]["RECORDNO"])])


def typed_in_bulk(client: IntacctClient) -> int:
    """How many default objects have records; their first page must be read and typed
    as columns (so that the comparison compares the two paths, not the record path with
    itself)."""
    registry = ObjectRegistry(client)
    formatting = client.user_formatting()
    read = 0
    for name in DEFAULT_OBJECTS:
        if name == "TRIALBALANCE":
            continue
        info = registry.get(name)
        page = next(client.iter_pages(name, info.queryable_fields, pagesize=25, columnar=True))
        if len(page):  # an object the company has none of is an empty page, read as such
            assert page.columns is not None, name
            assert ColumnTyper(info, formatting, "")(page.columns) is not None, name
            read += 1
    return read


@pytest.mark.parametrize("scenario", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_the_columnar_and_the_record_way_write_the_same_tables(
    emulator: InProcessEmulator, tmp_path: Path, scenario: tuple[str, dict[str, str], Any]
) -> None:
    company, extra, settings = scenario
    if "timezone" in extra:
        emulator.configure_company(company, timezone=extra["timezone"])
    config = {**emulator.config(company), "timeout_s": 30, **extra}
    dbs = {columnar: tmp_path / f"columnar-{columnar}.duckdb" for columnar in (True, False)}

    def sync() -> dict[bool, Any]:
        with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
            for columnar, db in dbs.items():
                engine = ReplicationSettings.from_mapping(settings)
                chosen = engine.with_overrides(page_size=25, columnar=columnar)
                report = run_sync(client, db, Quiet(), SyncSettings(replication=chosen))
                assert report.failed == []
        return {columnar: tables(db) for columnar, db in dbs.items()}

    with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
        entities = ["E100", "E200"] if settings else []
        read = typed_in_bulk(client) + sum(typed_in_bulk(client.for_entity(e)) for e in entities)
    assert read >= 10
    first = sync()
    assert first[True] == first[False]
    assert sum(len(rows) for name, (_, rows) in objects(first[True])) > 1000
    with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
        change(client.for_entity("E100") if settings else client)
    second = sync()
    assert second[True] == second[False]
    columns, rows = second[True]["CLASS"]
    deleted_at = [name for name, _ in columns].index("_sdc_deleted_at")
    assert second[True] != first[True] and any(row[deleted_at] for row in rows)


def objects(tables: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(name, table) for name, table in tables.items() if not name.startswith("_")]
