"""The writer's parts alone: a record made an item (local checks), an item decided
(upsert lookups, control ids) against the emulator, waves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from intacct import IntacctClient
from intacct.client.registry import ObjectRegistry
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.target.items import Item, item_for, waves
from intacct.target.upserts import Resolver


@pytest.fixture
def reader(emulator: EmulatorServer) -> Iterator[IntacctClient]:
    with IntacctClient.from_mapping({**client_config(emulator.url), "timeout_s": 30}) as client:
        yield client


def _resolver(reader: IntacctClient, upsert: bool = True) -> Resolver:
    return Resolver(reader, upsert=upsert, legacy=False, top_level=True, line_model=lambda _: None)


def test_a_record_is_checked_before_any_request(reader: IntacctClient) -> None:
    info = ObjectRegistry(reader).get("CLASS")
    bad = item_for(info, None, 4, {"CLASSID": "X", "RECORDNO": "12a"}, legacy=False)
    assert bad.outcome is not None and bad.outcome.status == "invalid"
    assert (bad.outcome.field, bad.outcome.index) == ("RECORDNO", 4)
    unknown = item_for(info, None, 5, {"NOPE": "x"}, legacy=False)
    assert unknown.outcome is not None
    assert (unknown.outcome.field, unknown.outcome.description) == (
        "NOPE",
        "CLASS has no such field",
    )
    gone = item_for(info, None, 6, {"CLASSID": "X", "_sdc_deleted_at": "2026-01-01"}, legacy=False)
    assert (gone.action, gone.outcome, gone.id_value) == ("delete", None, "X")


def test_an_item_is_decided_from_one_batched_lookup(reader: IntacctClient) -> None:
    registry = ObjectRegistry(reader)
    info = registry.get("CLASS")
    existing = next(iter(reader.iter_query("CLASS", ["CLASSID", "RECORDNO"])))
    items = [
        item_for(info, None, 0, {"CLASSID": existing["CLASSID"], "NAME": "n"}, legacy=False),
        item_for(info, None, 1, {"CLASSID": "PARTS-NEW", "NAME": "n"}, legacy=False),
        item_for(info, None, 2, {"CLASSID": "PARTS-GONE", "_sdc_deleted_at": "x"}, legacy=False),
    ]
    before = reader.requests_sent
    _resolver(reader).resolve(items, info)
    assert reader.requests_sent - before == 1  # every id of the wave in one request
    assert [(i.action, i.recordno) for i in items[:2]] == [
        ("update", int(existing["RECORDNO"])),
        ("create", None),
    ]
    assert items[2].outcome is not None and items[2].outcome.status == "already_applied"
    assert items[0].controlid != items[1].controlid and all(i.controlid for i in items[:2])


def test_a_keyless_create_gets_the_same_control_id_in_every_run(reader: IntacctClient) -> None:
    info = ObjectRegistry(reader).get("GLBATCH")
    record = {"JOURNAL": "GJ", "BATCH_DATE": "2026-06-30", "BATCH_TITLE": "same"}

    def ids(resolver: Resolver) -> list[str]:
        items = [Item("GLBATCH", n, "GLBATCH", dict(record)) for n in range(2)]
        resolver.resolve(items, info)
        return [i.controlid for i in items]

    first, second = ids(_resolver(reader)), ids(_resolver(reader))
    assert first == second  # a re-run of the same input is refused as a replay
    assert first[0] != first[1]  # a second identical record of one input is its own


def test_waves_never_hold_one_key_twice() -> None:
    items = [Item("CLASS", n, "CLASS", {}, id_field="CLASSID", id_value=v)
             for n, v in enumerate(["A", "B", "A", "C", "B"])]  # fmt: skip
    assert [[i.index for i in w] for w in waves(items)] == [[0, 1], [2, 3, 4]]
