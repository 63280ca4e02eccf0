"""A transaction definition's documents and lines (``order-entry/document::<name>``,
listed by the company's model service) synced through REST: one stream per concrete
path, each holding exactly the emulator's records of that definition, every header
and line in one stream only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from intacct import IntacctClient
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.sync import run_sync
from tests.conftest import DEMO_APP
from tests.sync.stores import duckdb_store
from tests.sync.test_sync import Quiet, settings_of


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=300, seed=7) as emulator:
        yield emulator


def connect(server: EmulatorServer) -> IntacctClient:
    return IntacctClient.from_mapping({**client_config(server.url), **DEMO_APP, "timeout_s": 30})


def table(path: str) -> str:
    return re.sub(r"\W", "_", path.replace("::", "_"), flags=re.ASCII)


def test_each_definition_is_a_stream_of_exactly_its_records(
    server: EmulatorServer, tmp_path: Path
) -> None:
    with connect(server) as client:
        headers = list(client.iter_query("SODOCUMENT", ["RECORDNO", "DOCPARID"]))
        lines = list(client.iter_query("SODOCUMENTENTRY", ["RECORDNO", "DOCHDRNO"]))
    owner = {str(r["RECORDNO"]): str(r["DOCPARID"]) for r in headers}
    names = sorted(set(owner.values()))
    assert len(names) >= 2
    wanted = {f"order-entry/document::{n}": n for n in names}
    wanted |= {f"order-entry/document-line::{n}": n for n in names}
    store = duckdb_store(tmp_path)
    with connect(server) as client:
        settings = settings_of([table(p) for p in wanted], page_size=5, api="rest")
        report = run_sync(client, store.where, Quiet(), settings)
    assert report.failed == []
    assert {o.object for o in report.objects} == {table(p) for p in wanted}
    seen_headers: list[str] = []
    seen_lines: list[str] = []
    for path, name in wanted.items():
        stored = [str(r["key"]) for r in store.records(table(path))]
        assert len(stored) == len(set(stored))
        if "document-line" in path:
            expected = {str(r["RECORDNO"]) for r in lines if owner[str(r["DOCHDRNO"])] == name}
            seen_lines += stored
        else:
            expected = {k for k, v in owner.items() if v == name}
            seen_headers += stored
        assert set(stored) == expected, path
    assert sorted(seen_headers) == sorted(owner)  # every header once, across the streams
    assert sorted(seen_lines) == sorted(str(r["RECORDNO"]) for r in lines)
