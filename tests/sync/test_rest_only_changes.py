"""Objects only REST has, with Sage's change time, read by their changes (issue 67, part
4): once read whole, a run the audit trail names one in reads only its records changed
since its bookmark less the lookback, not the object again; a delete listed reads it
whole (its tombstones); a change to what it only points at names it not; a read of its
changes stopped after a page goes on from its token; verification reads it whole. After
each run the table is the emulator's REST answer (live rows and tombstones).

``accounts-payable/vendor-contact``: 5 records at this scale, each pointing at a vendor."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import duckdb
import httpx
import pytest

from intacct import IntacctClient
from intacct.client.rest import RestCall
from intacct.destinations import saved_state
from intacct.emulator.demo import client_config
from intacct.emulator.inprocess import InProcessEmulator
from intacct.emulator.server import EmulatorServer
from intacct.sync import SyncReport, run_sync
from intacct.sync.job import SyncInterrupted
from tests.conftest import DEMO_APP
from tests.paths.expected import rest_only_problems
from tests.sync.stores import Store
from tests.sync.test_sync import Quiet, settings_of

PATH = "accounts-payable/vendor-contact"
NAME = "accounts_payable_vendor_contact"
DAILY = timedelta(days=1)


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    emulator = EmulatorServer(port=0, scale=150, seed=4).start()
    try:
        yield emulator
    finally:
        emulator.stop()


def connect(server: EmulatorServer) -> IntacctClient:
    return IntacctClient.from_mapping({**client_config(server.url), **DEMO_APP, "timeout_s": 30})


def sync(server: EmulatorServer, where: str, reporter: Quiet | None = None, **given: Any) -> Any:
    with connect(server) as client:
        settings = settings_of([NAME], **{"verify_every": DAILY, **given})
        report: SyncReport = run_sync(client, where, reporter or Quiet(), settings)
    assert report.failed == []
    return report


def write(server: EmulatorServer, method: str, key: str, body: Any = None) -> None:
    call = RestCall(
        method, f"/objects/{PATH}/{key}", body, writes=True, idempotency_key=uuid.uuid4().hex
    )
    with connect(server) as client:
        client.rest.requestor.send(call)


def keys(server: EmulatorServer) -> list[str]:
    with connect(server) as client:
        answer = client.rest.query(PATH, ["key"], order_by=[{"key": "asc"}], size=100)
    return [r["key"] for r in answer.result]


def exact(server: EmulatorServer, store: Store) -> None:
    assert rest_only_problems(NAME, store.records(NAME), server.url, "DEMO") == []


def test_a_named_object_reads_its_changes_and_a_delete_reads_it_whole(
    server: EmulatorServer, sql_store: Store
) -> None:
    where = sql_store.where
    first = sync(server, where).objects[0]
    assert first.read == len(keys(server)) >= 5
    quiet = sync(server, where)
    assert (quiet.objects[0].read, quiet.objects[0].transactions, quiet.question) == (0, 0, 1)
    some = keys(server)
    write(server, "PATCH", some[1], {"categoryName": "changed"})
    changed = sync(server, where).objects[0]
    # the one record changed (and any the lookback keeps behind it: none here), one page
    assert (changed.read, changed.updated, changed.transactions) == (1, 1, 1)
    assert changed.why == "the audit trail lists 1 change"
    exact(server, sql_store)
    write(server, "DELETE", some[2])
    deleted = sync(server, where).objects[0]
    assert (deleted.read, deleted.deleted) == (len(some) - 1, 1)  # whole: its tombstone
    exact(server, sql_store)


def test_a_change_to_a_vendor_it_points_at_names_it_not_a_vendor_deleted_does(
    server: EmulatorServer, tmp_path: Any
) -> None:
    where = str(tmp_path / "contacts.duckdb")
    sync(server, where)
    with connect(server) as client:
        answer = client.rest.query(PATH, ["key", "vendor.id"], size=100)
        vendor = next(r["vendor"]["id"] for r in answer.result if r["vendor"]["id"])
        client.update("VENDOR", [{"VENDORID": vendor, "NAME": "Renamed"}])
    renamed = sync(server, where)
    assert renamed.objects[0].transactions == 0 and renamed.objects[0].why.startswith("quiet")
    with connect(server) as client:
        rows = client.iter_query("VENDOR", ["RECORDNO", "VENDORID"])
        (recordno,) = [r["RECORDNO"] for r in rows if r["VENDORID"] == vendor]
        client.delete("VENDOR", [recordno])
    gone = sync(server, where).objects[0]
    assert gone.why == "the audit trail lists 1 change" and gone.read > 0  # read whole


def test_a_read_of_its_changes_stopped_after_a_page_goes_on_from_its_token(
    server: EmulatorServer, tmp_path: Any
) -> None:
    where = str(tmp_path / "stopped.duckdb")
    sync(server, where, page_size=2)
    some = keys(server)
    for n, key in enumerate(some):
        write(server, "PATCH", key, {"categoryName": f"stop {n}"})

    class Stop(Quiet):
        def stored(self, stream: str, counts: object) -> None:
            raise KeyboardInterrupt

    with pytest.raises((KeyboardInterrupt, SyncInterrupted)):
        sync(server, where, Stop(), page_size=2)
    resumed = sync(server, where, page_size=2).objects[0]
    # the first page (2 records) was stored: the rest, after its token, none twice
    assert resumed.read == len(some) - 2
    with connect(server) as client:
        answer = client.rest.query(PATH, ["key", "categoryName"], size=100)
    truth = {r["key"]: r["categoryName"] for r in answer.result}
    with duckdb.connect(where, read_only=True) as con:
        sql = f'SELECT "key", "categoryName" FROM "{NAME}"'  # noqa: S608 (our own name)
        stored = dict(con.execute(sql).fetchall())
    assert stored == truth


def test_verified_it_is_read_whole(server: EmulatorServer, tmp_path: Any) -> None:
    where = str(tmp_path / "verified.duckdb")
    total = sync(server, where).objects[0].read
    write(server, "PATCH", keys(server)[0], {"categoryName": "verified"})
    every = sync(server, where, verify_every=timedelta(0)).objects[0]
    assert every.read == total  # every run verifies: whole, by key


def test_named_every_run_it_is_still_read_whole_when_due(
    server: EmulatorServer, tmp_path: Any
) -> None:
    """A delete the trail leaves out, while a change to another record is listed: the
    run the change names reads its changes alone; the run verifying it (due, named or
    not) reads it whole and tombstones the delete."""
    where = str(tmp_path / "due.duckdb")
    sync(server, where)
    some = keys(server)
    _omit(server, [PATH.upper()])
    write(server, "DELETE", some[0])
    _omit(server, [])
    write(server, "PATCH", some[1], {"categoryName": "listed"})
    named = sync(server, where).objects[0]
    assert (named.why, named.read, named.deleted) == ("the audit trail lists 1 change", 1, 0)
    write(server, "PATCH", some[2], {"categoryName": "listed too"})
    # verified over a second ago on the gateway's clock (seconds, read from its answers,
    # on a loaded machine): due at verify_every 1 s
    time.sleep(3)
    due = sync(server, where, verify_every=timedelta(seconds=1)).objects[0]
    assert (due.why, due.deleted) == ("verified (every 1s)", 1)


def _omit(server: EmulatorServer, objects: list[str]) -> None:
    body = {"company": "DEMO", "omit": objects}
    control = f"http://{server.host}:{server.port}/_emulator/audit"
    httpx.post(control, json=body, timeout=10).raise_for_status()


def test_changes_seen_ten_minutes_late_within_the_lookback_lose_nothing(tmp_path: Any) -> None:
    """Each write seen 10 minutes late (the emulator's visibility lag, its audit row with
    it), a write and a run a minute: a run reading the changes of one write moves the
    bookmark past the next, not yet seen; the 20-minute lookback reads it once seen
    (with none, it is lost: checked by hand)."""
    where, lag_s = str(tmp_path / "lag.duckdb"), 600
    with InProcessEmulator(scale=150, seed=4) as emulator:
        config = {**emulator.config(), **DEMO_APP, "timeout_s": 30}

        def run() -> str:
            settings = settings_of([NAME], verify_every=DAILY, lookback_minutes=20)
            with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as c:
                report = run_sync(c, where, Quiet(), settings)
            assert report.failed == []
            return report.objects[0].why

        def truth() -> dict[str, str]:
            emulator.set_visibility_lag("DEMO", 0)
            with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as c:
                answer = c.rest.query(PATH, ["key", "categoryName"], size=100)
            emulator.set_visibility_lag("DEMO", lag_s)
            return {r["key"]: r["categoryName"] for r in answer.result}

        run()
        wanted = sorted(truth(), key=int)
        named = []
        with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
            for minute in range(len(wanted) + lag_s // 60 + 2):
                if minute < len(wanted):
                    body = {"categoryName": f"lag {minute}"}
                    call = RestCall("PATCH", f"/objects/{PATH}/{wanted[minute]}", body,
                                    writes=True, idempotency_key=uuid.uuid4().hex)  # fmt: skip
                    client.rest.requestor.send(call)
                emulator.advance_clock(60)
                if not run().startswith("quiet"):
                    named.append(_pass_of(where))
        expected = truth()
    with duckdb.connect(where, read_only=True) as con:
        sql = f'SELECT "key", "categoryName" FROM "{NAME}"'  # noqa: S608 (our own name)
        stored = dict(con.execute(sql).fetchall())
    assert stored == expected
    # one run a write once seen, each by its changes, never the object again
    assert named == ["WHENMODIFIED"] * len(wanted)


def _pass_of(where: str) -> str:
    """The kind of the stream's last read, from its token: by key or by change time."""
    token = saved_state(where)["streams"][NAME][""]["token"]
    return str(json.loads(token)["key"])
