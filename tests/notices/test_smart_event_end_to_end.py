"""Smart Events end to end, against the emulator that posts them as Intacct does: two
Smart Events on VENDOR (one on add, one on set, each with docs/notices.md's template and the
receiver's token) posting to the receiver, the follower reading what their notices name
into DuckDB. Written vendors are in the destination within seconds, a duplicated post
is kept once, and the destination is the emulator's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from intacct import IntacctClient
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.notices import NoticeQueue
from intacct.notices.receiver import SMART_EVENTS_PATH, receiver_app
from intacct.sync import SyncReport, SyncSettings, run_sync
from intacct.sync.display import QuietReporter
from intacct.sync.follow import FollowSettings

from .conftest import following, serving, vendor_names, wait_for

TOKEN = "e2e-smart-event-token-5be1"


def template(event: str) -> str:
    """docs/notices.md's documented body, for ``event``."""
    return (
        f'{{"token": "{TOKEN}", "companyId": "DEMO", "object": "VENDOR", "event": "{event}", '
        '"key": "{!VENDOR.RECORDNO!}", "modified": "{!VENDOR.WHENMODIFIED!}"}'
    )


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=20, seed=3) as server:
        yield server


def test_smart_event_posts_bring_writes_to_the_destination(
    emulator: EmulatorServer, queue: NoticeQueue, tmp_path: Path
) -> None:
    db, settings = tmp_path / "intacct.duckdb", SyncSettings(objects=("VENDOR",))
    emulator.add_webhook_fault("duplicate=1,times=1")
    with (
        serving(receiver_app(queue, {}, smart_event_token=TOKEN)) as receiver,
        IntacctClient.from_mapping(client_config(emulator.url)) as client,
    ):
        url = f"{receiver.base_url}{SMART_EVENTS_PATH}"
        for event, fires_on in (("create", "add"), ("update", "set")):
            emulator.subscribe(
                "DEMO", "VENDOR", events=[fires_on], url=url, mode="smart_event",
                body=template(event),
            )  # fmt: skip

        def run(objects: tuple[str, ...] | None) -> SyncReport:
            return run_sync(client, str(db), QuietReporter(), settings)

        run(None)
        quick = FollowSettings(coalesce_s=0.2, max_wait_s=2, safety_every_s=3600, poll_s=0.05)
        with following(queue, run, quick) as followed:
            client.create("VENDOR", [{"VENDORID": f"SE2E-{n}", "NAME": "new"} for n in range(2)])
            client.update("VENDOR", [{"VENDORID": "SE2E-0", "NAME": "renamed"}])
            # SE2E-0's create posted twice: three notices kept, read
            expected = {"kept": 3, "pending": 0, "consumed": 3}
            seconds = wait_for(lambda: queue.counts() == expected, 20)
            assert seconds < 10, followed.said
        assert emulator.emulator.snapshot()["smart_event.duplicated"] == 1
        rows = client.iter_query("VENDOR", ["VENDORID", "NAME"])
        truth = {row["VENDORID"]: row["NAME"] for row in rows}
    found = vendor_names(db)
    assert found["SE2E-0"] == "renamed" and found["SE2E-1"] == "new"
    assert found == truth
