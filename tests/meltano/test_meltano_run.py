"""``meltano install`` and ``meltano run`` with the repository's meltano.yml, for real, as
docs/tap-and-target.md writes them:
tap-sage-intacct into target-jsonl (the default selection, Meltano's state, a ``select``
pattern) and into target-sage-intacct, which copies DEMO's lists and documents into
DEMO-ME. Meltano and target-jsonl come from PyPI (see conftest.py)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from intacct.client import IntacctClient
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.sync import DEFAULT_OBJECTS
from tests.meltano.conftest import Meltano, documented
from tests.tools import REPO as ROOT

#: what the loader's stream maps drop: lines without their document, journals and the
#: trial balance do not copy between companies (meltano.yml)
NOT_COPIED = {"APBILLITEM", "ARINVOICEITEM", "GLBATCH", "GLENTRY", "TRIALBALANCE"}


def jsonl_output(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """target-jsonl's files (``output/<stream>-<time>.jsonl``): records per stream."""
    records: dict[str, list[dict[str, Any]]] = {}
    for path in sorted((folder / "output").glob("*.jsonl")):
        stream = path.name.rsplit("-", 1)[0]
        lines = path.read_text().splitlines()
        records.setdefault(stream, []).extend(json.loads(line) for line in lines)
    return records


def recordnos(server: EmulatorServer, obj: str, company: str = "DEMO") -> list[int]:
    config = {**client_config(server.url, company), "timeout_s": 30}
    with IntacctClient.from_mapping(config) as client:
        return sorted(int(r["RECORDNO"]) for r in client.iter_query(obj, ["RECORDNO"]))


def ids(server: EmulatorServer, obj: str, field: str, company: str) -> set[str]:
    config = {**client_config(server.url, company), "timeout_s": 30}
    with IntacctClient.from_mapping(config) as client:
        return {r[field] for r in client.iter_query(obj, ["RECORDNO", field])}


def test_install_leaves_meltano_yml_as_committed(installed: Meltano, meltano: Meltano) -> None:
    """Meltano rewrites meltano.yml whenever it sets a value (a missing project_id is
    one); the committed file is already in the form it writes, comments included."""
    for name in ("tap-sage-intacct", "target-sage-intacct", "target-jsonl"):
        meltano("config", "list", name)
    for project in (installed.project, meltano.project):  # after install, after config
        assert (project / "meltano.yml").read_text() == (ROOT / "meltano.yml").read_text()


def test_tap_to_jsonl_reads_the_default_streams_then_only_changes(
    meltano: Meltano, emulator: EmulatorServer, tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.mkdir()
        # no lookback window: the tap would emit it again (it cannot know what the
        # target stores), and this run checks that only changes come
        meltano(*documented()[1], cwd=folder, TAP_SAGE_INTACCT_LOOKBACK_MINUTES="0")

    records = jsonl_output(first)
    assert set(records) == set(DEFAULT_OBJECTS)
    for obj in ("VENDOR", "APBILL", "GLENTRY"):
        assert sorted(int(r["RECORDNO"]) for r in records[obj]) == recordnos(emulator, obj)
    assert {r["_entity_id"] for r in records["VENDOR"]} == {None}
    # Meltano kept the tap's STATE: nothing changed, so no object has a record to give
    # (the trial balance reads its last two months again: entries still post into them)
    assert set(jsonl_output(second)) <= {"TRIALBALANCE"}


def test_a_select_pattern_reads_another_stream(
    meltano: Meltano, emulator: EmulatorServer, tmp_path: Path
) -> None:
    """``select:`` (here through its environment variable) replaces the default."""
    meltano(
        "run",
        "--full-refresh",
        "tap-sage-intacct",
        "target-jsonl",
        cwd=tmp_path,
        TAP_SAGE_INTACCT__SELECT='["ITEM.*", "VENDOR.VENDORID", "VENDOR.NAME"]',
    )
    records = jsonl_output(tmp_path)
    assert set(records) == {"ITEM", "VENDOR"}
    assert sorted(int(r["RECORDNO"]) for r in records["ITEM"]) == recordnos(emulator, "ITEM")
    # the key, the replication key and the paging fields come with the chosen ones
    chosen = {"VENDORID", "NAME", "RECORDNO", "WHENMODIFIED", "_entity_id"}
    assert {"VENDORID", "NAME"} <= set(records["VENDOR"][0]) <= chosen


def test_tap_to_target_copies_demo_into_demo_me(
    meltano: Meltano, emulator: EmulatorServer, tmp_path: Path
) -> None:
    bills_before = recordnos(emulator, "APBILL", "DEMO-ME")
    meltano(*documented()[2], cwd=tmp_path)  # the guide's: DEMO's lists into DEMO-ME

    lines = (tmp_path / "output" / "target-report.jsonl").read_text().splitlines()
    report = [json.loads(line) for line in lines]
    assert {line["status"] for line in report} == {"applied"}
    written = Counter(line["stream"] for line in report)
    assert set(written) == set(DEFAULT_OBJECTS) - NOT_COPIED
    # lists upserted by their id: DEMO's departments now in DEMO-ME
    assert ids(emulator, "DEPARTMENT", "DEPARTMENTID", "DEMO") <= ids(
        emulator, "DEPARTMENT", "DEPARTMENTID", "DEMO-ME"
    )
    # documents created (their RECORDNO dropped by the stream map), none updated
    bills = [line for line in report if line["stream"] == "APBILL"]
    assert {line["action"] for line in bills} == {"create"}
    assert len(recordnos(emulator, "APBILL", "DEMO-ME")) == len(bills_before) + len(bills)
    assert len(bills) == len(recordnos(emulator, "APBILL"))
