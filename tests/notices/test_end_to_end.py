"""Intacct's notices end to end, against the emulator that sends them as Intacct does:
a subscription on VENDOR posting to the receiver, the follower reading what the notices
name into DuckDB. A vendor written through the XML gateway is in the destination within
seconds; duplicated and reordered deliveries are kept once; a lost one is found by the
safety run, and the destination is exact once the faults stop."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from intacct import IntacctClient
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.notices import NoticeQueue
from intacct.notices.receiver import NOTICES_PATH, receiver_app
from intacct.sync import SyncReport, SyncSettings, run_sync
from intacct.sync.display import QuietReporter
from intacct.sync.follow import FollowSettings

from .conftest import following, serving, vendor_names, wait_for
from .deliveries import CLIENT_ID, SECRET


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=100, seed=3) as server:
        server.pace_webhooks(retry_scale=0.01)
        yield server


def test_a_write_reaches_the_destination_through_its_notice(
    emulator: EmulatorServer, queue: NoticeQueue, tmp_path: Path
) -> None:
    db, settings = tmp_path / "intacct.duckdb", SyncSettings(objects=("VENDOR",))
    emulator.add_webhook_fault("duplicate=1,times=2")
    emulator.add_webhook_fault("reorder=1,times=1")
    with (
        serving(receiver_app(queue, {CLIENT_ID: SECRET})) as receiver,
        IntacctClient.from_mapping(client_config(emulator.url)) as client,
    ):
        url = f"{receiver.base_url}{NOTICES_PATH}"
        emulator.subscribe("DEMO", "VENDOR", events=["create", "update"], url=url)

        def run(objects: tuple[str, ...] | None) -> SyncReport:
            return run_sync(client, str(db), QuietReporter(), settings)

        run(None)
        quick = FollowSettings(coalesce_s=0.3, max_wait_s=3, safety_every_s=3600, poll_s=0.1)
        with following(queue, run, quick) as followed:
            written = [f"E2E-{n}" for n in range(3)]
            for vendor in written:
                client.create("VENDOR", [{"VENDORID": vendor, "NAME": vendor}])
            # two delivered twice, one late: three kept, read
            seconds = wait_for(lambda: queue.counts() == {"kept": 3, "pending": 0, "consumed": 3})
            assert seconds < 30, followed.said
            emulator.add_webhook_fault("lose=1,times=1")
            client.create("VENDOR", [{"VENDORID": "E2E-LOST", "NAME": "no notice"}])
            time.sleep(2)  # nothing announces it
        assert followed.follower.runs >= 1 and queue.counts()["kept"] == 3
        assert set(vendor_names(db)) & {*written, "E2E-LOST"} == set(written)
        followed.follower.safety_run()  # the lost notice's vendor: read by the safety net
        assert followed.said[-1] == "Safety run: 1 change(s) that no notice had announced"
        with IntacctClient.from_mapping(client_config(emulator.url)) as reader:
            truth = {r["VENDORID"] for r in reader.iter_query("VENDOR", ["VENDORID"])}
        assert set(vendor_names(db)) == truth
