"""Which streams the tap reads unless told otherwise: discovery marks what ``intacct sync``
reads by default (the accounting lists, documents with their lines, journals, the trial
balance) selected, so the discovered catalog used as it is costs a few API transactions
instead of one or more for each of the company's 200-odd objects; every other stream is
in the catalog, one ``selected: true`` away. Through the Singer executable's ``main``
(in-process, :mod:`tests.singer_cli`), with the transactions counted on the emulator's
``/_emulator/stats``."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from intacct.emulator.server import EmulatorServer
from intacct.sync import DEFAULT_OBJECTS
from intacct.tap import main
from tests.singer_cli import run_main
from tests.tap.conftest import tap_config


def stats(server: EmulatorServer) -> dict[str, int]:
    url = server.url.replace("/ia/xml/xmlgw.phtml", "/_emulator/stats")
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (loopback URL)
        return {k: int(v) for k, v in json.load(answer).items()}


def tap(*args: str) -> str:
    done = run_main(main, "tap-sage-intacct", *args)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def root_metadata(entry: dict[str, Any]) -> dict[str, Any]:
    return next(m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == [])


def record_streams(output: str) -> set[str]:
    return {
        message["stream"]
        for message in map(json.loads, output.splitlines())
        if message["type"] == "RECORD"
    }


def transactions(server: EmulatorServer, *args: str) -> tuple[int, set[str]]:
    """API transactions one tap run costs, and the streams it wrote records of."""
    before = stats(server).get("api_transactions", 0)
    output = tap(*args)
    return stats(server).get("api_transactions", 0) - before, record_streams(output)


@pytest.fixture(scope="module")
def files(emulator: EmulatorServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The config and the catalog ``--discover`` wrote, as a user keeps them."""
    folder = tmp_path_factory.mktemp("selection")
    config = folder / "config.json"
    config.write_text(json.dumps(tap_config(emulator)))
    catalog = folder / "catalog.json"
    catalog.write_text(tap("--config", str(config), "--discover"))
    return {"config": config, "catalog": catalog}


def test_discovery_selects_what_intacct_sync_reads_by_default(files: dict[str, Path]) -> None:
    streams = json.loads(files["catalog"].read_text())["streams"]
    selected = {e["tap_stream_id"] for e in streams if root_metadata(e).get("selected")}
    by_default = {
        e["tap_stream_id"] for e in streams if root_metadata(e).get("selected-by-default")
    }
    assert selected == by_default == set(DEFAULT_OBJECTS)
    # every other object is still there, with its schema, to be selected
    assert len(streams) > 200
    assert {"ITEM", "GLDETAIL", "APPYMT", "EMPLOYEE"} <= {e["tap_stream_id"] for e in streams}
    unselected = [e for e in streams if e["tap_stream_id"] not in DEFAULT_OBJECTS]
    assert all(root_metadata(e)["selected-by-default"] is False for e in unselected)
    assert all(e["schema"]["properties"] for e in unselected)


def test_the_discovered_catalog_as_it_is_reads_the_default_streams_only(
    emulator: EmulatorServer, files: dict[str, Path]
) -> None:
    streams = len(json.loads(files["catalog"].read_text())["streams"])
    cost, read = transactions(
        emulator, "--config", str(files["config"]), "--catalog", str(files["catalog"])
    )
    assert read == set(DEFAULT_OBJECTS)
    # each object read costs a transaction or more, the trial balance one per month read:
    # far fewer than the catalog's streams (a read of all of them costs ~3 per stream)
    assert 0 < cost < streams / 2


def test_no_catalog_reads_the_default_streams_only(
    emulator: EmulatorServer, files: dict[str, Path]
) -> None:
    """Without ``--catalog`` singer-sdk discovers and reads what is selected."""
    _, read = transactions(emulator, "--config", str(files["config"]))
    assert read == set(DEFAULT_OBJECTS)


def test_a_selected_stream_outside_the_default_is_read(
    emulator: EmulatorServer, files: dict[str, Path], tmp_path: Path
) -> None:
    catalog = json.loads(files["catalog"].read_text())
    for entry in catalog["streams"]:
        root_metadata(entry)["selected"] = entry["tap_stream_id"] in ("ITEM", "VENDOR")
    chosen = tmp_path / "catalog.json"
    chosen.write_text(json.dumps(catalog))
    _, read = transactions(emulator, "--config", str(files["config"]), "--catalog", str(chosen))
    assert read == {"ITEM", "VENDOR"}
