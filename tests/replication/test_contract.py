"""The engine's public contract (docs/engine.md): one entry point, the pages a sink is
handed, a stop flag, and declared streams described without the registry."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator

import pytest

from intacct import IntacctClient
from intacct.client.registry import ObjectRegistry
from intacct.destinations.tables import Column, declared_table, table_of
from intacct.emulator.inprocess import InProcessEmulator
from intacct.replication import (
    ReplicationSettings,
    RunState,
    StreamPage,
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


def test_a_sink_is_handed_frozen_stream_pages(client: IntacctClient) -> None:
    """A first run's pages carry their records as dicts and, typed in bulk, as Arrow, and
    say they are a first read; a later run's changes do not; every page has its state."""

    class Pages(ListSink):
        def __init__(self) -> None:
            super().__init__()
            self.pages: list[StreamPage] = []

        def page(self, page: StreamPage) -> None:
            super().page(page)
            self.pages.append(page)

    first, state = Pages(), RunState()
    replicate(client, [StreamSpec("CLASS")], sink=first, state=state, settings=SETTINGS)
    read = [p for p in first.pages if p.records]
    assert read and all(p.first_read and p.stream == "CLASS" and p.entity == "" for p in read)
    assert all(p.table is not None and p.table.to_pylist()[0]["RECORDNO"] == p.records[0][
        "RECORDNO"] for p in read)  # fmt: skip
    assert [p.state for p in first.pages] == first.states
    with pytest.raises(dataclasses.FrozenInstanceError):
        read[0].first_read = False  # type: ignore[misc]
    client.create("CLASS", [{"CLASSID": "PAGE-NEW", "NAME": "new"}])
    later = Pages()
    resumed = RunState.from_dict(first.states[-1])
    replicate(client, [StreamSpec("CLASS")], sink=later, state=resumed, settings=SETTINGS)
    (changed,) = [p for p in later.pages if p.records]
    assert not changed.first_read and "PAGE-NEW" in [r["CLASSID"] for r in changed.records]


def test_stop_ends_the_run_at_a_page_and_the_next_run_goes_on(client: IntacctClient) -> None:
    stop = threading.Event()

    class Stopping(ListSink):
        def page(self, page: StreamPage) -> None:
            super().page(page)
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
