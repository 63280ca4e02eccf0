"""Visibility lag: a company's queries see each write 0..L seconds after its stamp, in
no particular order; a writer's own reads see it at once. Then the sync's lookback: with
a lag L, a lookback shorter than L loses changes and one of L loses none."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from intacct import IntacctClient
from intacct.emulator.demo import client_config
from intacct.emulator.inprocess import InProcessEmulator
from intacct.emulator.server import EmulatorServer
from intacct.replication import ReplicationSettings
from intacct.sync import SyncSettings, run_sync
from intacct.sync.display import QuietReporter

LAG_S = 600


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=200, seed=9) as emulator:
        yield emulator


def _control(server: EmulatorServer, path: str, payload: dict[str, Any]) -> Any:
    url = server.url.replace("/ia/xml/xmlgw.phtml", f"/_emulator/{path}")
    answer = httpx.post(url, json=payload)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _names(client: IntacctClient) -> dict[str, str]:
    return {r["CLASSID"]: r["NAME"] for r in client.iter_query("CLASS", ["CLASSID", "NAME"])}


def test_queries_see_writes_late_and_writers_at_once(server: EmulatorServer) -> None:
    assert _control(server, "lag", {"company": "DEMO", "seconds": LAG_S}) == {"DEMO": LAG_S}
    try:
        with IntacctClient.from_mapping(client_config(server.url)) as client:
            before = _names(client)
            changed = next(iter(before))
            client.create("CLASS", [{"CLASSID": "LATE-1", "NAME": "late"}])
            client.update("CLASS", [{"CLASSID": changed, "NAME": "renamed late"}])
            assert _names(client) == before  # nothing visible yet
            rows = list(client.iter_read_by_query("CLASS", fields=["CLASSID", "NAME"]))
            assert {r["CLASSID"]: r["NAME"] for r in rows} == before  # readByQuery too
            found = client.read_by_name("CLASS", ["LATE-1"])  # a writer's read: the primary
            assert [r["NAME"] for r in found] == ["late"]
            _control(server, "clock", {"advance_s": LAG_S + 1})
            after = _names(client)
            assert after["LATE-1"] == "late" and after[changed] == "renamed late"
            client.delete("CLASS", [int(found[0]["RECORDNO"])])
            assert "LATE-1" in _names(client)  # a delete is seen late too
            _control(server, "clock", {"advance_s": LAG_S + 1})
            assert "LATE-1" not in _names(client)
    finally:
        _control(server, "lag", {"company": "DEMO", "seconds": 0})
        httpx.delete(server.url.replace("/ia/xml/xmlgw.phtml", "/_emulator/clock"))


def _sync(emulator: InProcessEmulator, db: Path, lookback: int) -> None:
    config = {**emulator.config(), "timeout_s": 30}
    with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
        engine = ReplicationSettings(lookback_minutes=lookback)
        settings = SyncSettings(("VENDOR",), replication=engine)
        report = run_sync(client, db, QuietReporter(), settings)
    assert not report.failed


def _lost(emulator: InProcessEmulator, db: Path) -> int:
    """Vendors whose stored name is not the emulator's."""
    config = {**emulator.config(), "timeout_s": 30}
    with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
        truth = {
            r["VENDORID"]: r["NAME"] for r in client.iter_query("VENDOR", ["VENDORID", "NAME"])
        }
    with duckdb.connect(str(db), read_only=True) as con:
        stored = dict(con.execute('SELECT "VENDORID", "NAME" FROM "VENDOR"').fetchall())
    return sum(1 for vendor, name in truth.items() if stored.get(vendor) != name)


@pytest.mark.parametrize(("lookback_minutes", "loses"), [(0, True), (LAG_S // 60, False)])
def test_a_lookback_as_long_as_the_lag_loses_nothing(
    tmp_path: Path, lookback_minutes: int, loses: bool
) -> None:
    with InProcessEmulator(scale=200, seed=2) as emulator:
        db = tmp_path / "lag.duckdb"
        _sync(emulator, db, lookback_minutes)
        emulator.set_visibility_lag("DEMO", LAG_S)
        config = {**emulator.config(), "timeout_s": 30}
        with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
            vendors = [r["VENDORID"] for r in client.iter_query("VENDOR", ["VENDORID"])][:12]
            for n, vendor in enumerate(vendors):  # a change a minute, each seen 0..10 min late
                client.update("VENDOR", [{"VENDORID": vendor, "NAME": f"changed {n}"}])
                emulator.advance_clock(60)
        _sync(emulator, db, lookback_minutes)  # sees some changes, bookmark past others
        emulator.advance_clock(LAG_S + 1)  # every change is visible now
        _sync(emulator, db, lookback_minutes)
        assert (_lost(emulator, db) > 0) is loses
