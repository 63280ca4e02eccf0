"""Intacct's notices end to end, against the emulator that sends them as Intacct does:
a subscription on VENDOR posting to the receiver, the follower reading what the notices
name into DuckDB. A vendor written through the XML gateway is in the destination within
seconds; duplicated and reordered deliveries are kept once; a lost one is found by the
safety run, and the destination is exact once the faults stop."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from intacct import IntacctClient
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.notices import NoticeQueue
from intacct.notices.receiver import NOTICES_PATH, receiver_app
from intacct.sync import SyncReport, SyncSettings, run_sync
from intacct.sync.display import QuietReporter
from intacct.sync.follow import Follower, FollowSettings

from .conftest import serving
from .deliveries import CLIENT_ID, SECRET


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=100, seed=3) as server:
        server.pace_webhooks(retry_scale=0.01)
        yield server


def _vendors(db: Path) -> set[str]:
    gc.collect()  # a run's connection let go of: another configuration may open the file
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute('SELECT VENDORID FROM "VENDOR" WHERE _sdc_deleted_at IS NULL')
        return {row[0] for row in rows.fetchall()}


def _wait(done: Callable[[], bool], seconds: float = 60) -> float:
    began = time.monotonic()
    while not done():
        assert time.monotonic() - began < seconds
        time.sleep(0.1)
    return time.monotonic() - began


def test_a_write_reaches_the_destination_through_its_notice(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    db, settings = tmp_path / "intacct.duckdb", SyncSettings(objects=("VENDOR",))
    emulator.add_webhook_fault("duplicate=1,times=2")
    emulator.add_webhook_fault("reorder=1,times=1")
    with (
        NoticeQueue(tmp_path / "notices.sqlite") as queue,
        serving(receiver_app(queue, {CLIENT_ID: SECRET})) as receiver,
        IntacctClient.from_mapping(client_config(emulator.url)) as client,
    ):
        url = f"{receiver.base_url}{NOTICES_PATH}"
        emulator.subscribe("DEMO", "VENDOR", events=["create", "update"], url=url)

        def run(objects: tuple[str, ...] | None) -> SyncReport:
            return run_sync(client, str(db), QuietReporter(), settings)

        run(None)
        said: list[str] = []
        stop = threading.Event()
        follower = Follower(
            queue, "DEMO", ("VENDOR",), run,
            FollowSettings(coalesce_s=0.3, max_wait_s=3, safety_every_s=3600, poll_s=0.1),
            stop=stop, said=said.append,
        )  # fmt: skip
        thread = threading.Thread(target=follower.follow, daemon=True)
        thread.start()
        try:
            written = [f"E2E-{n}" for n in range(3)]
            for vendor in written:
                client.create("VENDOR", [{"VENDORID": vendor, "NAME": vendor}])
            # two delivered twice, one late: three kept, read
            seconds = _wait(lambda: queue.counts() == {"kept": 3, "pending": 0, "consumed": 3})
            assert seconds < 30, said
            emulator.add_webhook_fault("lose=1,times=1")
            client.create("VENDOR", [{"VENDORID": "E2E-LOST", "NAME": "no notice"}])
            time.sleep(2)  # nothing announces it
        finally:
            stop.set()
            thread.join(60)
        assert follower.runs >= 1 and queue.counts()["kept"] == 3
        assert _vendors(db) & {*written, "E2E-LOST"} == set(written)
        follower.safety_run()  # the lost notice's vendor: read by the safety net
        assert said[-1] == "Safety run: 1 change(s) that no notice had announced"
        with IntacctClient.from_mapping(client_config(emulator.url)) as reader:
            truth = {r["VENDORID"] for r in reader.iter_query("VENDOR", ["VENDORID"])}
        assert _vendors(db) == truth
