"""The lookback window's digest: a later run lists the window's RECORDNO and WHENMODIFIED
and reads in full only the records the destination lacks or stores in another version;
every destination answers what it stores; a quiet run with the default lookback sends
the probe's batch alone; with a visibility lag L, a window of L or more loses nothing."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from lxml import etree

from intacct import IntacctClient
from intacct.client.registry import ObjectRegistry
from intacct.destinations import open_destination
from intacct.destinations.tables import table_for
from intacct.emulator.inprocess import InProcessEmulator
from intacct.replication.records.typed import iso_utc
from intacct.replication.settings import DEFAULT_LOOKBACK_MINUTES
from intacct.sync import SyncReport, run_sync
from intacct.sync.display import QuietReporter
from tests.conftest import DEMO_APP
from tests.sync.stores import Store
from tests.sync.test_sync import settings_of

NARROW = {"RECORDNO", "WHENMODIFIED", "ID"}  # the probe's, the digest's and the deletes'
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


class Wire(httpx.BaseTransport):
    """The emulator's transport, counting what its answers carry: records of ``object``
    read in full (a query selecting more than the narrow fields), digest rows listed."""

    def __init__(self, inner: httpx.BaseTransport, object: str) -> None:
        self.inner, self.object = inner, object
        self.full = self.listed = self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        if request.headers.get("content-encoding", "").lower() == "gzip":
            body = gzip.decompress(body)
        response = self.inner.handle_request(request)
        self.requests += 1
        functions = etree.fromstring(body, _PARSER).iter("function")
        results = etree.fromstring(response.read(), _PARSER).iter("result")
        for function, result in zip(functions, results, strict=False):
            query = function.find("query")
            data = result.find("data")
            if query is None or data is None or query.findtext("object") != self.object:
                continue
            fields = {f.text for f in query.iter("field")}
            if fields == {"RECORDNO", "WHENMODIFIED"}:
                self.listed += len(data)
            elif not fields <= NARROW:
                self.full += len(data)
        return response


def _sync(emulator: InProcessEmulator, where: str, wire: httpx.BaseTransport | None = None,
          objects: tuple[str, ...] = ("CLASS",), **settings: Any) -> SyncReport:  # fmt: skip
    config = {**emulator.config(), **DEMO_APP, "timeout_s": 30}
    # the digest as a run verifying each object reads it (verify_every 0: every run),
    # unless the test asks the audit trail's question
    settings.setdefault("verify_every", timedelta(0))
    with IntacctClient.from_mapping(config, http_transport=wire or emulator.transport()) as client:
        report = run_sync(client, where, QuietReporter(), settings_of(objects, **settings))
    assert not report.failed
    return report


def _rename(emulator: InProcessEmulator, ids: list[str], name: str) -> None:
    config = {**emulator.config(), "timeout_s": 30}
    with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
        client.update("CLASS", [{"CLASSID": i, "NAME": name} for i in ids])


def _classes(emulator: InProcessEmulator) -> dict[str, str]:
    config = {**emulator.config(), "timeout_s": 30}
    with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
        return {r["CLASSID"]: r["NAME"] for r in client.iter_query("CLASS", ["CLASSID", "NAME"])}


@pytest.fixture
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=100, seed=4) as emu:
        # before now: a bookmark this recent would keep only its second (objects._settled)
        emu.set_clock(datetime(2026, 3, 1, 8, tzinfo=UTC))
        yield emu


def test_the_digest_reads_in_full_only_what_the_destination_lacks(
    emulator: InProcessEmulator, tmp_path: Path
) -> None:
    db = str(tmp_path / "digest.duckdb")
    _sync(emulator, db, lookback_minutes=60)
    ids = sorted(_classes(emulator))[:6]
    emulator.advance_clock(600)
    _rename(emulator, ids, "renamed")
    emulator.advance_clock(60)
    _sync(emulator, db, lookback_minutes=60)  # reads the six: the bookmark is theirs now
    with duckdb.connect(db) as con:  # one row lost, one stored in another version
        con.execute('DELETE FROM "CLASS" WHERE "CLASSID" = ?', [ids[0]])
        con.execute('UPDATE "CLASS" SET "WHENMODIFIED" = "WHENMODIFIED" - INTERVAL 1 SECOND, '
                    '"NAME" = \'stale\' WHERE "CLASSID" = ?', [ids[1]])  # fmt: skip
    wire = Wire(emulator.transport(), "CLASS")
    report = _sync(emulator, db, wire, lookback_minutes=60)
    assert wire.full == 2  # the missing one and the other version, nothing else
    assert wire.listed >= 6 and report.objects[0].listed == wire.listed
    with duckdb.connect(db, read_only=True) as con:
        stored = dict(con.execute('SELECT "CLASSID", "NAME" FROM "CLASS"').fetchall())
    assert stored == _classes(emulator)
    wire = Wire(emulator.transport(), "CLASS")
    report = _sync(emulator, db, wire, lookback_minutes=60)  # the window matches now
    assert wire.full == 0 and report.objects[0].requests == 0  # the probe's batch alone


def test_a_quiet_run_with_the_default_lookback_sends_the_probe_batch_alone(
    emulator: InProcessEmulator, tmp_path: Path
) -> None:
    objects = ("CLASS", "VENDOR", "GLACCOUNT")
    asked = {}
    for lookback in (0, None):
        db = str(tmp_path / f"{lookback}.duckdb")
        settings = {} if lookback is None else {"lookback_minutes": lookback}
        _sync(emulator, db, objects=objects, **settings)
        wire = Wire(emulator.transport(), "CLASS")
        report = _sync(emulator, db, wire, objects=objects, **settings)
        asked[lookback] = (wire.requests, wire.full, [o.requests for o in report.objects])
        transactions = [o.transactions for o in report.objects]
        # changed? deleted? and, with the default lookback, the window's first page
        assert transactions == [2 if lookback == 0 else 3] * len(objects)
    assert DEFAULT_LOOKBACK_MINUTES == 120
    assert asked[None] == asked[0]  # the same requests, none of an object's own
    assert asked[0][1:] == (0, [0, 0, 0])


@pytest.mark.parametrize("api", ["xml", "rest"])
@pytest.mark.parametrize("lookback_minutes", [10, 20])
def test_with_a_lag_a_window_at_least_as_long_loses_nothing(
    emulator: InProcessEmulator, tmp_path: Path, lookback_minutes: int, api: str
) -> None:
    """Records read through either API (REST: the window's stale records too; its
    listing is XML's)."""
    lag_s, db = 600, str(tmp_path / "lag.duckdb")
    _sync(emulator, db, lookback_minutes=lookback_minutes, api=api)
    emulator.set_visibility_lag("DEMO", lag_s)
    listed = 0
    for n, class_id in enumerate(sorted(_classes(emulator))[:12]):
        _rename(emulator, [class_id], f"changed {n}")  # a change a minute, seen 0..10 late
        emulator.advance_clock(60)
        if n % 4 == 3:
            report = _sync(emulator, db, lookback_minutes=lookback_minutes, api=api)
            listed += report.objects[0].listed
    emulator.advance_clock(lag_s + 1)
    _sync(emulator, db, lookback_minutes=lookback_minutes, api=api)
    with duckdb.connect(db, read_only=True) as con:
        stored = dict(con.execute('SELECT "CLASSID", "NAME" FROM "CLASS"').fetchall())
    assert stored == _classes(emulator)
    assert listed > 0  # through the digest, not a full re-read


@pytest.mark.parametrize("api", ["xml", "rest"])
def test_with_the_question_a_lag_within_the_lookback_loses_nothing(
    emulator: InProcessEmulator, tmp_path: Path, api: str
) -> None:
    """The same writes seen 0..10 minutes late, read with ``verify_every`` (issue 67): an
    audit row is seen when its write is, so the question names each change once it can
    be read, and one seen behind the bookmark is read through the window's digest."""
    lag_s, db, every = 600, str(tmp_path / "lag.duckdb"), timedelta(days=1)
    settings: dict[str, Any] = {"lookback_minutes": 20, "api": api, "verify_every": every}
    _sync(emulator, db, **settings)
    emulator.set_visibility_lag("DEMO", lag_s)
    asked, runs = 0, 1
    for n, class_id in enumerate(sorted(_classes(emulator))[:12]):
        _rename(emulator, [class_id], f"asked {n}")  # a change a minute, seen 0..10 late
        emulator.advance_clock(60)
        if n % 4 == 3:
            asked += _sync(emulator, db, **settings).question
            runs += 1
    emulator.advance_clock(lag_s + 1)
    asked += _sync(emulator, db, **settings).question
    with duckdb.connect(db, read_only=True) as con:
        stored = dict(con.execute('SELECT "CLASSID", "NAME" FROM "CLASS"').fetchall())
    assert stored == _classes(emulator)
    assert asked == runs  # one question a run


def _check_versions(emulator: InProcessEmulator, where: str, stored: dict[int, Any]) -> None:
    config = {**emulator.config(), "timeout_s": 30}
    with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
        table = table_for(ObjectRegistry(client).get("CLASS"))
    destination = open_destination(where)
    try:
        destination.prepare(table)
        recordnos = sorted(stored)
        got = destination.stored_versions("CLASS", "", [*recordnos, 99_999_999])
        want = {r: iso_utc(w.replace(tzinfo=UTC) if w.tzinfo is None else w)
                for r, w in stored.items()}  # fmt: skip
        assert got == want
        assert destination.stored_versions("CLASS", "E-OTHER", recordnos) == {}
        assert destination.stored_versions("CLASS", "", []) == {}
    finally:
        destination.close()


def test_every_destination_tells_the_versions_it_stores(
    emulator: InProcessEmulator, destination: Store
) -> None:
    _sync(emulator, destination.where, lookback_minutes=60)
    rows = {r["RECORDNO"]: r["WHENMODIFIED"] for r in destination.records("CLASS")}
    assert rows
    _check_versions(emulator, destination.where, rows)
    # a later run reads through the digest there: nothing changed, nothing read in full
    wire = Wire(emulator.transport(), "CLASS")
    report = _sync(emulator, destination.where, wire, lookback_minutes=60)
    assert wire.full == 0 and report.objects[0].listed > 0
