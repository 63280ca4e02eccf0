"""intacct sync --unified: hotglue's unified tables built from the synced objects, the
same records the mappings make of what the gateway returns, documents with every line."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from intacct import IntacctClient
from intacct.client.registry import ObjectRegistry
from intacct.emulator.inprocess import InProcessEmulator
from intacct.mappings import UNIFIED_STREAMS, to_unified
from intacct.replication.records.typed import Typer
from intacct.sync import run_sync

from .test_sync import Quiet, settings_of


@pytest.fixture(scope="module", params=[True, False], ids=["columnar", "records"])
def columnar(request: pytest.FixtureRequest) -> bool:
    """The objects behind the unified tables read and typed as columns, or record by
    record: the unified tables are the same."""
    return bool(request.param)


@pytest.fixture(scope="module")
def synced(
    tmp_path_factory: pytest.TempPathFactory, columnar: bool
) -> Iterator[tuple[IntacctClient, Path]]:
    db = tmp_path_factory.mktemp("unified") / "u.duckdb"
    with InProcessEmulator(scale=300, seed=8) as emu:
        config = {**emu.config(), "timeout_s": 30}
        with IntacctClient.from_mapping(config, http_transport=emu.transport()) as client:
            report = run_sync(
                client, db, Quiet(), settings_of(["CLASS"], unified=True, columnar=columnar)
            )
            assert report.failed == []
            assert set(report.unified) == set(UNIFIED_STREAMS)
            yield client, db


def rows(db: Path, table: str) -> list[dict[str, object]]:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute(f'SELECT * FROM "{table}" ORDER BY id')  # noqa: S608 - test
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def test_vendors_are_what_the_mappings_make_of_the_gateways_records(
    synced: tuple[IntacctClient, Path],
) -> None:
    client, db = synced
    info = ObjectRegistry(client).get("VENDOR")
    typer = Typer(info, client.user_formatting(), "")
    expected = {
        str(u["id"]): u
        for u in (to_unified("Vendors", typer(r))
                  for r in client.iter_query("VENDOR", list(info.queryable_fields)))
    }  # fmt: skip
    stored = {str(r["id"]): r for r in rows(db, "Vendors")}
    assert stored.keys() == expected.keys()
    for key, row in stored.items():
        want = expected[key]
        assert (row["vendorNumber"], row["vendorName"], row["isActive"]) == (
            want["vendorNumber"], want["vendorName"], want["isActive"],
        )  # fmt: skip
        if want["balance"] is not None:
            assert Decimal(str(row["balance"])) == want["balance"]


def test_bills_carry_every_line_with_exact_amounts(synced: tuple[IntacctClient, Path]) -> None:
    client, db = synced
    lines = Counter(int(r["RECORDKEY"]) for r in client.iter_query("APBILLITEM", ["RECORDKEY"]))
    bills = rows(db, "Bills")
    assert len(bills) == len(list(client.iter_query("APBILL", ["RECORDNO"])))
    for bill in bills:
        items = json.loads(str(bill["lineItems"]))
        assert len(items) == lines[int(str(bill["id"]))]
        assert all(Decimal(i["amount"]) == Decimal(i["amount"]).normalize() for i in items)


def test_a_second_run_rebuilds_the_same_tables(
    synced: tuple[IntacctClient, Path], columnar: bool
) -> None:
    client, db = synced
    before = {name: rows(db, name) for name in ("Accounts", "JournalEntries")}
    run_sync(client, db, Quiet(), settings_of(["CLASS"], unified=True, columnar=columnar))
    assert {name: rows(db, name) for name in before} == before
