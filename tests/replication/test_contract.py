"""The engine's public contract (docs/engine.md): one entry point, a state store apart
from the data, a stop flag, and declared streams described without the registry."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intacct import IntacctClient
from intacct.client.registry import ObjectRegistry
from intacct.destinations.tables import Column, declared_table, table_of
from intacct.emulator.inprocess import InProcessEmulator
from intacct.replication import (
    ReplicationSettings,
    RunState,
    StateError,
    StateFile,
    StreamSpec,
    declared,
    objects_among,
    replicate,
    stream_names,
)
from intacct.replication.streams.trialbalance import TRIAL_BALANCE

from .test_engine import ListSink

SETTINGS = ReplicationSettings(page_size=7, max_concurrency=2)


@pytest.fixture(scope="module")
def client() -> Iterator[IntacctClient]:
    with (
        InProcessEmulator(scale=120, seed=3) as emu,
        IntacctClient.from_mapping(emu.config(), http_transport=emu.transport()) as c,
    ):
        yield c


def test_a_state_file_is_saved_after_every_page_and_resumes_exactly(
    client: IntacctClient, tmp_path: Path
) -> None:
    store = StateFile(tmp_path / "state" / "run.json")
    assert store.load().to_dict() == RunState().to_dict()  # no file yet: a first run
    crashed = ListSink(stop_after=3)
    with pytest.raises(KeyboardInterrupt):
        replicate(client, [StreamSpec("GLACCOUNT")], sink=crashed, state=store, settings=SETTINGS)
    # the file holds the state after the last page the sink took, and nothing later
    assert json.loads(store.path.read_text()) == crashed.states[-1]
    rest = ListSink()
    report = replicate(client, [StreamSpec("GLACCOUNT")], sink=rest, state=store, settings=SETTINGS)
    assert not report.failed and not report.stopped
    every = [int(r["RECORDNO"]) for r in client.iter_query("GLACCOUNT", ["RECORDNO"])]
    got = crashed.keys("GLACCOUNT") + rest.keys("GLACCOUNT")
    assert sorted(got) == sorted(every) and len(got) == len(set(got))
    assert json.loads(store.path.read_text()) == rest.states[-1]


def test_a_state_file_is_replaced_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = StateFile(tmp_path / "run.json")
    first = {"version": 1, "streams": {"VENDOR": {"": {"token": "WHENMODIFIED|1|x"}}}}
    store.save(first)

    def crash(src: Any, dst: Any) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk gone"):
        store.save({"version": 1, "streams": {}})
    assert json.loads(store.path.read_text()) == first  # the old state, whole
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]  # no temporary left


def test_a_broken_state_file_is_one_line_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    path.write_text("{not json")
    with pytest.raises(StateError, match=r"run\.json is not JSON"):
        StateFile(path).load()
    path.write_text(json.dumps({"version": 9}))
    with pytest.raises(StateError, match=r"run\.json: state key 'version'"):
        StateFile(path).load()


def test_stop_ends_the_run_at_a_page_and_the_next_run_goes_on(client: IntacctClient) -> None:
    stop = threading.Event()

    class Stopping(ListSink):
        def page(self, *args: Any) -> None:
            super().page(*args)
            if len(self.states) == 2:
                stop.set()

    first, state = Stopping(), RunState()
    report = replicate(
        client, [StreamSpec("GLACCOUNT")], sink=first, state=state, settings=SETTINGS, stop=stop
    )
    assert report.stopped and len(first.states) == 2
    rest = ListSink()
    resumed = RunState.from_dict(first.states[-1])
    replicate(client, [StreamSpec("GLACCOUNT")], sink=rest, state=resumed, settings=SETTINGS)
    every = [int(r["RECORDNO"]) for r in client.iter_query("GLACCOUNT", ["RECORDNO"])]
    got = first.keys("GLACCOUNT") + rest.keys("GLACCOUNT")
    assert sorted(got) == sorted(every) and len(got) == len(set(got))


def test_declared_streams_are_described_without_the_registry(client: IntacctClient) -> None:
    names = stream_names(["VENDOR", "GLACCOUNT"])
    assert names == ["VENDOR", "GLACCOUNT", TRIAL_BALANCE]
    assert objects_among(names) == ["VENDOR", "GLACCOUNT"]
    kind = declared(TRIAL_BALANCE)
    assert kind is not None and declared("VENDOR") is None
    table = declared_table(kind)
    decimal = "DECIMAL(38,12)"
    assert table.columns == (
        Column("PERIODSTART", "DATE"), Column("PERIODEND", "DATE"),
        Column("GLACCOUNTNO", "VARCHAR"), Column("DEPARTMENTID", "VARCHAR"),
        Column("LOCATIONID", "VARCHAR"), Column("STARTBALANCE", decimal),
        Column("DEBITS", decimal), Column("CREDITS", decimal), Column("ENDBALANCE", decimal),
        Column("_entity_id", "VARCHAR"), Column("_sdc_deleted_at", "TIMESTAMP"),
    )  # fmt: skip
    assert table.key == ("PERIODSTART", "GLACCOUNTNO", "_entity_id")
    assert table_of("VENDOR", ObjectRegistry(client)).key == ("VENDORID", "_entity_id")
