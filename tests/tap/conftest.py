"""One seeded emulator on a real socket for the tap's tests, and helpers to run the tap
in-process and read the Singer messages it writes."""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Iterator
from contextlib import redirect_stdout
from decimal import Decimal
from typing import Any

import pytest

from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.tap import TapSageIntacct

#: a handful of small objects: a list, a dimension, the chart of accounts, bills
STREAMS = ("VENDOR", "CLASS", "GLACCOUNT", "APBILL")


@functools.cache
def demo_server() -> EmulatorServer:
    """Started on first use: singer-sdk's standard test class needs its URL when the
    test module is collected, before any fixture runs."""
    return EmulatorServer(port=0, scale=300, seed=3).start()


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
    server = demo_server()
    yield server
    server.stop()


def tap_config(server: EmulatorServer, **extra: Any) -> dict[str, Any]:
    return {**client_config(server.url), "timeout_s": 30, **extra}


@functools.cache
def discovered_catalog(url: str) -> str:
    """The whole catalog, discovered once per session (as JSON text: callers edit it)."""
    config = {**client_config(url), "timeout_s": 30}
    return json.dumps(TapSageIntacct(config=config).catalog_dict)


def catalog(server: EmulatorServer, streams: tuple[str, ...] = STREAMS) -> dict[str, Any]:
    """The discovered catalog cut down to ``streams``, all selected."""
    full = json.loads(discovered_catalog(server.url))
    entries = [e for e in full["streams"] if e["tap_stream_id"] in streams]
    for entry in entries:
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = True
    return {"streams": entries}


def run_tap(tap: TapSageIntacct) -> list[dict[str, Any]]:
    """``sync_all`` (the CLI's sync) in-process; the messages it wrote, numbers exact."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    try:
        with redirect_stdout(out):
            tap.sync_all()
    finally:
        out.flush()
        out.seek(0)
        run_tap.last_lines = out.read().splitlines()  # type: ignore[attr-defined]
    return messages(run_tap.last_lines)  # type: ignore[attr-defined]


def messages(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line, parse_float=Decimal) for line in lines if line]
