"""A write is never silently lost: control ids identify one logical send.

Against the emulator, which refuses a ``uniqueid=true`` function whose control id already
ran, as the gateway does. Derived-from-content control ids used to make a legitimate
later write (A -> B -> A, delete then create again) look like a replay of an earlier one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from intacct import IntacctClient, is_applied
from intacct.emulator.inprocess import InProcessEmulator


@pytest.fixture(scope="module")
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator() as emu:
        yield emu


@pytest.fixture
def connect(emulator: InProcessEmulator) -> Iterator[Callable[[], IntacctClient]]:
    clients: list[IntacctClient] = []

    def make() -> IntacctClient:
        clients.append(
            IntacctClient.from_mapping(emulator.config(), http_transport=emulator.transport())
        )
        return clients[-1]

    yield make
    for client in clients:
        client.close()


def _name(client: IntacctClient, classid: str) -> str:
    return client.read_by_name("CLASS", [classid], ["NAME"])[0]["NAME"]


@pytest.mark.parametrize("clients", ["one", "several"])
def test_changing_a_value_back_and_forth_is_applied_every_time(
    connect: Callable[[], IntacctClient], clients: str
) -> None:
    first = connect()
    pick = (lambda: first) if clients == "one" else connect
    first.create("CLASS", [{"CLASSID": f"AB-{clients}", "NAME": "A"}])
    for name in ("B", "A", "B"):
        (result,) = pick().update("CLASS", [{"CLASSID": f"AB-{clients}", "NAME": name}])
        assert result.ok, result.errors  # applied now, not "refused as a replay"
        assert _name(first, f"AB-{clients}") == name


@pytest.mark.parametrize("clients", ["one", "several"])
def test_deleting_and_creating_the_same_content_again_creates_it(
    connect: Callable[[], IntacctClient], clients: str
) -> None:
    first = connect()
    pick = (lambda: first) if clients == "one" else connect
    record = {"CLASSID": f"DC-{clients}", "NAME": "Again"}
    for _ in range(2):
        (created,) = pick().create("CLASS", [record])
        assert created.ok
        recordno = created.records[0]["RECORDNO"]
        assert _name(first, record["CLASSID"]) == "Again"
        (deleted,) = pick().delete("CLASS", [recordno])
        assert deleted.ok
        assert first.read_by_name("CLASS", [record["CLASSID"]]) == []


def test_a_deliberate_rerun_with_the_same_controlids_is_refused_as_applied(
    connect: Callable[[], IntacctClient],
) -> None:
    records = [{"CLASSID": "RR-1", "NAME": "One"}, {"CLASSID": "RR-2", "NAME": "Two"}]
    ids = ["run-42-0", "run-42-1"]
    first = connect().create("CLASS", records, controlids=ids)
    again = connect().create("CLASS", records, controlids=ids)  # e.g. after a crash
    assert all(r.ok for r in first)
    assert all(not r.ok and is_applied(r) for r in again)
    assert [_name(connect(), r["CLASSID"]) for r in records] == ["One", "Two"]
