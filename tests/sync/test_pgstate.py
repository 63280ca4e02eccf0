"""A shared Postgres table of run states, one row per company: the engine loads it and
saves it after every page; a second run of one company is refused; companies share it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
import pytest

from intacct import IntacctClient
from intacct.destinations import DestinationError
from intacct.destinations.pgstate import PostgresStateStore
from intacct.emulator.inprocess import InProcessEmulator
from intacct.replication import ReplicationSettings, StreamSpec, replicate


class Pages:
    """A sink that keeps what it is given."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def page(self, stream: str, entity: str, records: Sequence[dict[str, Any]],
             tombstones: list[dict[str, Any]], state: dict[str, Any]) -> None:  # fmt: skip
        self.records += list(records)

    def warning(self, stream: str, text: str) -> None:
        pass


def _read(emulator: InProcessEmulator, store: PostgresStateStore, company: str) -> int:
    config = {**emulator.config(company), "timeout_s": 30}
    sink = Pages()
    with IntacctClient.from_mapping(config, http_transport=emulator.transport()) as client:
        # no lookback: these pages cannot say what they store, so a window is re-read
        settings = ReplicationSettings.from_mapping(
            {"entity_ids": "all", "lookback_minutes": 0}
            if company == "DEMO-ME"
            else {"lookback_minutes": 0}
        )
        report = replicate(client, [StreamSpec("VENDOR"), StreamSpec("CLASS")], sink=sink,
                           state=store, settings=settings)  # fmt: skip
    assert not report.failed
    return len(sink.records)


def test_companies_share_the_table_each_with_its_state(postgres_url: str) -> None:
    with InProcessEmulator(scale=100, seed=3) as emulator:
        with PostgresStateStore(postgres_url, "DEMO") as demo:
            first = _read(emulator, demo, "DEMO")
            assert first > 0
            with pytest.raises(DestinationError, match="another run of company DEMO"):
                PostgresStateStore(postgres_url, "DEMO")
        with PostgresStateStore(postgres_url, "DEMO-ME") as other:
            assert _read(emulator, other, "DEMO-ME") > 0
        with PostgresStateStore(postgres_url, "DEMO") as demo:
            assert _read(emulator, demo, "DEMO") == 0  # goes on from its saved state
    with psycopg.connect(postgres_url.split("?")[0]) as con:
        rows = con.execute(
            "SELECT company, state -> 'streams' ? 'VENDOR' FROM intacct.intacct_states ORDER BY 1"
        ).fetchall()
    assert rows == [("DEMO", True), ("DEMO-ME", True)]
