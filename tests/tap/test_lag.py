"""The tap under a visibility lag: a deleted record's older version, read after its
tombstone (by the record pass or the lookback window), is not emitted after it, so a
target that applies the messages in order keeps the record deleted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from intacct.client import IntacctClient
from intacct.emulator.server import EmulatorServer
from intacct.replication import DELETED_AT
from intacct.tap import TapSageIntacct
from tests.tap.conftest import catalog, run_tap, tap_config

START = datetime(2027, 3, 1, 8, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    """An emulator of its own: these tests move its clock and lag its queries."""
    with EmulatorServer(port=0, scale=200, seed=5) as started:
        yield started


class Target:
    """Runs of the tap, each from the last STATE, their messages applied in order as a
    Singer target applies them: CLASSID -> its last version."""

    def __init__(self, server: EmulatorServer) -> None:
        self.server = server
        self.rows: dict[str, Any] = {}
        self.state: dict[str, Any] = {}

    def run_at(self, *moments: datetime) -> None:
        for moment in moments:
            self.server.store.clock.set(moment)
            tap = TapSageIntacct(
                config=tap_config(self.server),
                catalog=catalog(self.server, ("CLASS",)),
                state=self.state,
            )
            for message in run_tap(tap):
                if message["type"] == "RECORD":
                    self.rows[message["record"]["CLASSID"]] = message["record"]
                elif message["type"] == "STATE":
                    self.state = message["value"]


def _rename_then_delete(server: EmulatorServer, ids: list[str], moment: datetime) -> datetime:
    """Each class renamed, then deleted 20 s later; returns the last write's time."""
    with IntacctClient.from_mapping(tap_config(server)) as client:
        for classid in ids:
            moment += timedelta(seconds=20)
            server.store.clock.set(moment)
            client.update("CLASS", [{"CLASSID": classid, "NAME": "renamed"}])
            moment += timedelta(seconds=20)
            server.store.clock.set(moment)
            (found,) = client.read_by_name("CLASS", [classid])
            client.delete("CLASS", [int(found["RECORDNO"])])
    return moment


def test_a_deleted_records_older_version_seen_late_is_not_emitted_after_its_delete(
    server: EmulatorServer,
) -> None:
    server.store.clock.set(START)
    ids = [f"LATE-{n:02d}" for n in range(12)]
    with IntacctClient.from_mapping(tap_config(server)) as client:
        client.create("CLASS", [{"CLASSID": i, "NAME": "new"} for i in ids])
    target = Target(server)
    target.run_at(START + timedelta(minutes=1))
    server.emulator.store.records.lag.set("DEMO", 30 * 60)
    last = _rename_then_delete(server, ids, START + timedelta(minutes=2))
    # the last run when every write is visible
    target.run_at(*(last + timedelta(minutes=m) for m in (5, 10, 15, 20, 25, 31, 62)))
    assert set(ids) <= set(target.rows)
    assert [i for i in ids if target.rows[i][DELETED_AT] is None] == []
    remembered = target.state["bookmarks"]["CLASS"]["recent_deletes"][""]["keys"]
    assert set(remembered["CLASSID"]) == set(ids)
    # a change 3 hours on: the window (2 hours behind it) cannot reach them, forgotten
    server.emulator.store.records.lag.set("DEMO", 0)
    server.store.clock.set(last + timedelta(hours=3))
    with IntacctClient.from_mapping(tap_config(server)) as client:
        client.create("CLASS", [{"CLASSID": "LATER", "NAME": "new"}])
    target.run_at(last + timedelta(hours=3, minutes=1))
    assert target.state["bookmarks"]["CLASS"]["recent_deletes"][""]["keys"] == {}


def test_a_record_made_again_with_a_deleted_key_is_emitted(server: EmulatorServer) -> None:
    """A version later than the delete is a new record reusing the id: it comes out."""
    server.store.clock.set(START)
    with IntacctClient.from_mapping(tap_config(server)) as client:
        client.create("CLASS", [{"CLASSID": "AGAIN", "NAME": "first"}])
        target = Target(server)
        target.run_at(START + timedelta(seconds=30))
        server.store.clock.set(START + timedelta(minutes=1))
        (found,) = client.read_by_name("CLASS", ["AGAIN"])
        client.delete("CLASS", [int(found["RECORDNO"])])
        server.store.clock.set(START + timedelta(minutes=2))
        client.create("CLASS", [{"CLASSID": "AGAIN", "NAME": "second"}])
    target.run_at(START + timedelta(minutes=3), START + timedelta(minutes=13))
    assert target.rows["AGAIN"]["NAME"] == "second" and target.rows["AGAIN"][DELETED_AT] is None
