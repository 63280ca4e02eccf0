"""Deletes of the objects only the REST API has, by key reconciliation: each page of a
whole read tombstones the keys the destination stores live in the range it covered and
did not return (the last page: every key after it), so after a run the table's live rows
are exactly the emulator's REST answer and its tombstones exactly the records deleted,
on DuckDB, Postgres and through dlt; a run stopped after a page and resumed stays exact.

The demo's vendor totals (one per vendor, keyed by the vendor's RECORDNO 1..22 at this
scale) lose a row when its vendor is deleted (an XML delete). Pages of 5 keys put keys
9 and 10 in different pages: a store comparing keys as text ("10" < "9") would
tombstone the wrong ones."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from intacct import IntacctClient
from intacct.destinations.base import in_key_range
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.replication import DELETED_AT, ReplicationSettings, Replicator, RunState, StreamSpec
from intacct.sync import SyncSettings, run_sync
from intacct.sync.job import SyncInterrupted
from tests.conftest import DEMO_APP
from tests.paths.expected import rest_only_problems
from tests.replication.test_engine import ListSink
from tests.sync.stores import Store
from tests.sync.test_sync import Quiet, settings_of

TOTALS = "accounts_payable_vendor_total"
PAGE = 5


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    """A demo company of its own (its vendors are deleted): 22 vendors."""
    emulator = EmulatorServer(port=0, scale=3000, seed=4).start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def store(sql_store: Store) -> Store:
    """The SQL stores; through dlt: test_rest_only_deletes_dlt.py (the exact tier)."""
    return sql_store


def connect(server: EmulatorServer) -> IntacctClient:
    return IntacctClient.from_mapping({**client_config(server.url), **DEMO_APP, "timeout_s": 30})


def sync(server: EmulatorServer, store: Store, reporter: Quiet | None = None) -> Any:
    with connect(server) as client:
        # read whole every run, as a run verifying it does (verify_every 0)
        settings: SyncSettings = settings_of([TOTALS], page_size=PAGE, verify_every=timedelta(0))
        report = run_sync(client, store.where, reporter or Quiet(), settings)
    assert report.failed == []
    return report.objects[0]


def delete_vendors(server: EmulatorServer, keys: Sequence[int]) -> None:
    with connect(server) as client:
        client.delete("VENDOR", [str(k) for k in keys])


def vendor_keys(server: EmulatorServer) -> list[int]:
    with connect(server) as client:
        return sorted(int(r["RECORDNO"]) for r in client.iter_query("VENDOR", ["RECORDNO"]))


def tombstoned(store: Store) -> dict[int, datetime]:
    """The table's tombstoned keys and their delete times."""
    rows = [{k.lower(): v for k, v in r.items()} for r in store.records(TOTALS)]
    return {int(r["key"]): r[DELETED_AT] for r in rows if r[DELETED_AT] is not None}


def exact(server: EmulatorServer, store: Store, deleted: set[int]) -> None:
    """The live rows are the emulator's REST answer, the tombstones ``deleted``."""
    assert rest_only_problems(TOTALS, store.records(TOTALS), server.url, "DEMO") == []
    assert set(tombstoned(store)) == deleted


def test_deleted_records_become_tombstones_and_nothing_else_changes(
    server: EmulatorServer, store: Store
) -> None:
    keys = vendor_keys(server)
    assert keys == list(range(1, 23))
    first = sync(server, store)
    assert (first.read, first.deleted) == (22, 0)
    exact(server, store, set())
    # the first key, a first page's last key, a middle key after 9, the last key
    gone = {1, PAGE, 10, 22}
    delete_vendors(server, sorted(gone))
    before = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    second = sync(server, store)
    assert (second.read, second.deleted) == (18, 4)
    exact(server, store, gone)
    when = tombstoned(store)
    assert all(before <= at <= datetime.now(UTC).replace(tzinfo=None) for at in when.values())
    third = sync(server, store)  # nothing deleted since: nothing touched
    assert (third.read, third.deleted, third.updated) == (18, 0, 0)
    exact(server, store, gone)
    assert tombstoned(store) == when


def test_every_record_deleted_tombstones_every_key(server: EmulatorServer, store: Store) -> None:
    sync(server, store)
    delete_vendors(server, vendor_keys(server))
    emptied = sync(server, store)  # one empty page: every stored key is beyond it
    assert (emptied.read, emptied.deleted) == (0, 22)
    exact(server, store, set(range(1, 23)))


def test_a_run_stopped_after_a_page_and_resumed_tombstones_exactly(
    server: EmulatorServer, store: Store
) -> None:
    sync(server, store)
    delete_vendors(server, [3, 12, 22])
    with pytest.raises(SyncInterrupted):
        sync(server, store, Quiet(stop_after=1))
    assert set(tombstoned(store)) == {3}  # the first page's range: keys 1..6
    # behind the page stored (its range is not read again until the next whole read)
    # and ahead of it
    delete_vendors(server, [2, 15])
    resumed = sync(server, store)
    assert resumed.deleted == 3
    assert set(tombstoned(store)) == {3, 12, 15, 22}
    again = sync(server, store)  # a whole read: key 2 too
    assert again.deleted == 1
    exact(server, store, {2, 3, 12, 15, 22})


class KeyedSink(ListSink):
    """A sink that keeps what it is given and names its live keys (the capability)."""

    def __init__(self) -> None:
        super().__init__()
        self.live: dict[str, bool] = {}
        self.pages: list[tuple[int, int]] = []  # per page: records, tombstones

    def page(self, page: Any) -> None:
        super().page(page)
        self.live |= {str(r["key"]): True for r in page.records}
        self.live |= {str(t["key"]): False for t in page.tombstones}
        self.pages.append((len(page.records), len(page.tombstones)))

    def stored_keys(
        self, stream: str, entity: str, after: int | None, upto: int | None
    ) -> list[str]:
        return [k for k, alive in self.live.items() if alive and in_key_range(k, after, upto)]


def test_the_engine_counts_the_tombstones_on_the_page_that_covers_them(
    server: EmulatorServer,
) -> None:
    sink = KeyedSink()
    settings = ReplicationSettings.from_mapping({"lookback_minutes": 0, "verify_every": "0"})
    with connect(server) as client:
        engine = Replicator(client, settings, page_size=PAGE, max_concurrency=1)
        engine.run([StreamSpec(TOTALS)], RunState(), sink)
        delete_vendors(server, [4, 9, 10, 21, 22])
        sink.pages.clear()
        report = engine.run([StreamSpec(TOTALS)], RunState.from_dict(sink.states[-1]), sink)
    (result,) = report.streams
    assert (result.records, result.tombstones, result.error) == (17, 5, None)
    # pages covering 1-6, 7-13, 14-18 and 19 on: each tombstones the keys of its range
    assert sink.pages == [(5, 1), (5, 2), (5, 0), (2, 2)]
    assert sink.warnings == []


def test_with_verify_every_a_vendor_deleted_names_its_totals(
    server: EmulatorServer, store: Store
) -> None:
    """The audit trail lists the vendors' deletes, not the totals computed from them: the
    totals follow what they are made of (issue 67), and stay quiet when nothing did."""

    def run() -> Any:
        with connect(server) as client:
            settings = settings_of([TOTALS], page_size=PAGE, verify_every=timedelta(days=1))
            report = run_sync(client, store.where, Quiet(), settings)
        assert report.failed == []
        return report

    run()
    quiet = run()
    assert (quiet.objects[0].read, quiet.objects[0].transactions, quiet.question) == (0, 0, 1)
    delete_vendors(server, [4, 11])
    named = run().objects[0]
    assert (named.read, named.deleted) == (20, 2)
    exact(server, store, {4, 11})
    again = run().objects[0]  # the deletes' rows, listed again, name nothing
    assert (again.read, again.deleted) == (0, 0)
