"""``intacct_source(history=...)``: every version of a record in ``<table>_versions``,
each delete in ``<table>_deletes`` and AUDITHISTORY's changes in ``_intacct_changes``,
loaded with the pages, and ``intacct_history_views(pipeline)`` making ``<table>_history``
over them: the same history ``intacct sync --db dlt:… --history`` keeps, run beside it
on the same writes of an emulator on a socket; a page read again keeps no version
twice; an object without WHENMODIFIED is said, as sync says it."""

# ruff: noqa: S608 - SQL here names the tests' own tables

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from intacct import IntacctClient
from intacct.emulator.server import EmulatorServer
from intacct.emulator.store import RESTRICTED_USER
from intacct.errors import ConfigError
from intacct.replication import ReplicationSettings
from intacct.sync import SyncSettings, run_sync
from tests.integrations.test_dlt_source import credentials
from tests.sync.stores import Store, dlt_store
from tests.sync.test_sync import Quiet

dlt = pytest.importorskip("dlt", reason="pip install -e '.[dev]' (dlt is in the dev extra)")

from dlt.pipeline.exceptions import PipelineStepFailed  # noqa: E402
from dlt.pipeline.helpers import pipeline_drop  # noqa: E402

from intacct.integrations.dlt_source import intacct_history_views, intacct_source  # noqa: E402

OBJECTS = ("CLASS", "VENDOR")
SOURCE_DATASET, SYNC_DATASET = "from_source", "from_sync"


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=60, seed=4) as server:
        yield server


def pipeline(tmp_path: Path, destination: str, name: str = "intacct_history_test") -> Any:
    return dlt.pipeline(
        pipeline_name=name,
        pipelines_dir=str(tmp_path / "pipelines"),
        destination=destination,
        dataset_name=SOURCE_DATASET,
    )


def write(server: EmulatorServer, classid: str, name: str, create: bool = False) -> None:
    """A class made or renamed a minute after the last write, as another user would."""
    server.store.clock.advance(60)
    with IntacctClient.from_mapping(credentials(server)) as client:
        call = client.create if create else client.update
        call("CLASS", [{"CLASSID": classid, "NAME": name}])


def delete(server: EmulatorServer, classid: str) -> None:
    server.store.clock.advance(60)
    with IntacctClient.from_mapping(credentials(server)) as client:
        (found,) = client.read_by_name("CLASS", [classid])
        client.delete("CLASS", [int(found["RECORDNO"])])


class Both:
    """The same company read by the source (history asked in its credentials, a page of
    25) and by ``intacct sync --db dlt:…?dataset=from_sync --history``, into the same
    destination."""

    def __init__(self, server: EmulatorServer, store: Store, tmp_path: Path) -> None:
        self.server, self.store = server, store
        self.pipeline = pipeline(tmp_path, store.kind.removeprefix("dlt-"))
        self.synced = f"dlt:{store.kind.removeprefix('dlt-')}?dataset={SYNC_DATASET}"

    def read(self, **engine: Any) -> None:
        config = credentials(self.server, history=True, page_size=25, **engine)
        self.pipeline.run(intacct_source(config, objects=list(OBJECTS)))
        intacct_history_views(self.pipeline)
        replication = ReplicationSettings().with_overrides(page_size=25, **engine)
        settings = SyncSettings(OBJECTS, False, replication, history=("all",))
        with IntacctClient.from_mapping(credentials(self.server)) as client:
            run_sync(client, self.synced, Quiet(), settings)

    def history(self, dataset: str, table: str) -> list[tuple[Any, ...]]:
        """Every version, as the view gives it (the object's columns and the history's)."""
        rows = replace(self.store, schema=dataset).query(f"SELECT * FROM {table}_history")
        return sorted(rows, key=str)

    def columns(self, dataset: str, table: str) -> list[tuple[str, str]]:
        sql = (
            "SELECT column_name, data_type FROM information_schema.columns WHERE "
            "table_schema = ? AND table_name = ? ORDER BY ordinal_position"
        )
        return replace(self.store, schema=dataset).query(sql, [dataset, table])

    def versions(self, classid: str) -> list[tuple[Any, ...]]:
        """``classid``'s versions from the source, in order: NAME and their ends."""
        return replace(self.store, schema=SOURCE_DATASET).query(
            "SELECT name, valid_to IS NULL, is_current, is_deleted, change_mode, "
            "unseen_changes FROM class_history WHERE classid = ? ORDER BY valid_from",
            [classid],
        )


@pytest.mark.parametrize("destination", ["duckdb", "postgres"])
def test_the_source_keeps_the_history_intacct_sync_keeps(
    emulator: EmulatorServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    destination: str,
) -> None:
    url = str(request.getfixturevalue("postgres_url")) if destination == "postgres" else ""
    store = dlt_store(destination, tmp_path, monkeypatch, url)
    both = Both(emulator, store, tmp_path)
    both.read()  # a history begun with the first read: every record's version
    write(emulator, "H-1", "made", create=True)
    both.read()
    write(emulator, "H-1", "unseen")  # no read between this change and the next
    write(emulator, "H-1", "seen")
    write(emulator, "H-2", "other", create=True)
    both.read()
    delete(emulator, "H-1")
    both.read()
    for table in ("class", "vendor"):
        assert both.history(SOURCE_DATASET, table) == both.history(SYNC_DATASET, table), table
    merged = ("class", "class_versions", "class_deletes", "_intacct_changes")
    for table in merged:
        assert both.columns(SOURCE_DATASET, table) == both.columns(SYNC_DATASET, table), table
    assert keys(both.pipeline, merged) == {
        "class": ("classid", "_entity_id"),
        "class_versions": ("classid", "_entity_id", "valid_from"),
        "class_deletes": ("classid", "_entity_id", "deleted_at"),
        "_intacct_changes": ("object", "entity", "id"),
    }
    assert both.versions("H-1") == [
        ("made", False, False, False, "create", 1),  # a change in its span no read saw
        ("seen", False, False, True, "modify", 0),  # the delete ended the last version
    ]
    current = replace(store, schema=SOURCE_DATASET).query(
        "SELECT count(*) FROM class_history WHERE is_current"
    )
    assert current == replace(store, schema=SOURCE_DATASET).query("SELECT count(*) FROM class")


def test_pages_read_again_keep_no_version_twice(
    emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lookback read again, then every page read again (the source's state lost):
    each version merges onto its own, and the view is as it was."""
    store = dlt_store("duckdb", tmp_path, monkeypatch)
    both = Both(emulator, store, tmp_path)
    both.read()
    write(emulator, "H-1", "made", create=True)
    write(emulator, "H-2", "other", create=True)
    both.read()
    write(emulator, "H-1", "renamed")
    delete(emulator, "H-2")
    both.read()
    before = {t: both.history(SOURCE_DATASET, t) for t in ("class", "vendor")}
    counts = counted(store, ["class_versions", "class_deletes", "_intacct_changes"])
    both.read(lookback_minutes=600)
    # the resources' state wiped, the tables kept (dlt pipeline drop --state-only): the
    # next run reads every page whole again, and begins the history again from the rows
    pipeline_drop(both.pipeline, resources=["class", "vendor"], state_only=True)()
    both.read()
    read = both.pipeline.last_trace.last_normalize_info.row_counts
    assert read["class_versions"] >= counted(store, ["class"])["class"]  # every record
    assert counted(store, list(counts)) == counts
    assert {t: both.history(SOURCE_DATASET, t) for t in before} == before
    assert [v[0] for v in both.versions("H-1")] == ["made", "renamed"]
    assert [v[3] for v in both.versions("H-2")] == [True]


def test_a_rerun_after_a_failed_extract_keeps_each_version_once(
    emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's restricted user may not read AP: the extract fails (dlt keeps none of
    it, versions included), and the run after it reads the same pages again."""
    store = dlt_store("duckdb", tmp_path, monkeypatch)
    user, password = RESTRICTED_USER
    config = credentials(emulator, user_id=user, user_password=password, history=True)
    run = pipeline(tmp_path, "duckdb")
    write(emulator, "H-1", "made", create=True)
    with pytest.raises(PipelineStepFailed, match="APBILL cannot be read"):
        run.run(intacct_source(config, objects=["CLASS", "APBILL"]))
    for _ in range(2):
        run.run(intacct_source(config, objects=["CLASS", "APBILL"]).with_resources("class"))
    intacct_history_views(run)
    source = replace(store, schema=SOURCE_DATASET)
    assert counted(store, ["class_versions"]) == {"class_versions": len(source.keys("CLASS"))}
    assert source.query("SELECT name FROM class_history WHERE classid = 'H-1'") == [("made",)]


def keys(run: Any, names: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The merge keys dlt's schema gives the tables ``names`` (none: not merged)."""
    tables = run.default_schema.tables
    return {
        name: tuple(c for c, hints in tables[name]["columns"].items() if hints.get("primary_key"))
        for name in names
        if tables[name].get("write_disposition") == "merge"
    }


def counted(store: Store, tables: Sequence[str]) -> dict[str, int]:
    source = replace(store, schema=SOURCE_DATASET)
    return {t: source.query(f"SELECT count(*) FROM {t}")[0][0] for t in tables}


def test_history_begun_on_a_filled_table_starts_from_its_rows(
    emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As ``intacct sync`` begins one: the rows stored are the records' first versions."""
    store = dlt_store("duckdb", tmp_path, monkeypatch)
    run = pipeline(tmp_path, "duckdb")
    write(emulator, "H-1", "made", create=True)
    run.run(intacct_source(credentials(emulator), objects=["CLASS"]))
    assert intacct_history_views(run) == []  # no history asked: no view
    run.run(intacct_source(credentials(emulator), objects=["CLASS"], history=["class"]))
    assert intacct_history_views(run) == [f'"{SOURCE_DATASET}"."class_history"']
    source = replace(store, schema=SOURCE_DATASET)
    rows = source.query("SELECT classid, whenmodified FROM class ORDER BY ALL")
    assert source.query("SELECT classid, valid_from FROM class_history ORDER BY ALL") == rows
    write(emulator, "H-1", "renamed")
    run.run(intacct_source(credentials(emulator), objects=["CLASS"], history=["class"]))
    intacct_history_views(run)
    assert [v[0] for v in Both(emulator, store, tmp_path).versions("H-1")] == ["made", "renamed"]


def test_an_object_that_cannot_keep_history_is_said_and_read_without(
    emulator: EmulatorServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The trial balance has no WHENMODIFIED: named, it is said, as sync says it; by
    ``true`` (every object), silently read without."""
    store = dlt_store("duckdb", tmp_path, monkeypatch)
    run = pipeline(tmp_path, "duckdb")
    with caplog.at_level(logging.WARNING, logger="intacct"):
        source = intacct_source(
            credentials(emulator), objects=["CLASS", "TRIALBALANCE"], history="CLASS,TRIALBALANCE"
        )
    said = [r.getMessage() for r in caplog.records if "no history kept" in r.getMessage()]
    assert said == ["TRIALBALANCE: no history kept: its records have no WHENMODIFIED to order "
                    "their versions by"]  # fmt: skip
    run.run(source)
    intacct_history_views(run)
    sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = ?"
    tables = {t for (t,) in replace(store, schema=SOURCE_DATASET).query(sql, [SOURCE_DATASET])}
    assert {"class_versions", "class_history", "trialbalance"} <= tables
    assert not {t for t in tables if t.startswith("trialbalance_")}
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="intacct"):
        intacct_source(credentials(emulator), objects=["TRIALBALANCE"], history=True)
    assert not [r for r in caplog.records if "no history kept" in r.getMessage()]


def test_bad_history_settings_are_refused(
    emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The setting is read as everywhere; a destination that cannot hold the view (dlt's
    filesystem) is refused before a page is read, as ``intacct sync`` refuses it."""
    with pytest.raises(ConfigError, match="'history': must be true, false"):
        intacct_source(credentials(emulator), objects=["CLASS"], history=3)
    with pytest.raises(ConfigError, match="'history': 'all' cannot be combined"):
        intacct_source(credentials(emulator, history="all,CLASS"), objects=["CLASS"])
    dlt_store("duckdb", tmp_path, monkeypatch)  # dlt's folders under tmp_path
    monkeypatch.setenv("DESTINATION__FILESYSTEM__BUCKET_URL", str(tmp_path / "files"))
    files = pipeline(tmp_path, "filesystem")
    with pytest.raises(PipelineStepFailed, match="'history': is kept through dlt as a view"):
        files.run(intacct_source(credentials(emulator), objects=["CLASS"], history=True))
    assert not files.has_pending_data
