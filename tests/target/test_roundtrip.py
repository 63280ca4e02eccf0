"""tap -> target -> tap: records read from the demo company, written into an empty
company, and read back from it, are the same records (every writable field)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from intacct import IntacctClient
from intacct.client.registry import ObjectRegistry
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.tap import TapSageIntacct
from tests.tap.conftest import catalog, run_tap

from .conftest import new_company, run_target, target_config

#: terms before the vendors naming them
STREAMS = ("CLASS", "DEPARTMENT", "APTERM", "VENDOR", "GLACCOUNT")


def _read(server: EmulatorServer, company: str) -> list[dict[str, Any]]:
    config = {**client_config(server.url, company), "timeout_s": 30}
    tap = TapSageIntacct(config=config, catalog=catalog(server, STREAMS))
    return run_tap(tap)


def _writable(server: EmulatorServer) -> dict[str, tuple[str, set[str]]]:
    """object -> (id field, its writable fields). A ``...KEY`` field is another record's
    RECORDNO, which differs from company to company, so it is left out."""
    with IntacctClient.from_mapping(client_config(server.url)) as client:
        registry = ObjectRegistry(client)
        out = {}
        for name in STREAMS:
            info = registry.get(name)
            assert info.id_field is not None
            out[name] = (
                info.id_field,
                {
                    f.name
                    for f in info.model.fields
                    if not f.read_only and not (f.name.endswith("KEY") and f.type == "integer")
                },
            )
        return out


def _by_id(
    messages: list[dict[str, Any]], writable: dict[str, tuple[str, set[str]]]
) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for message in messages:
        if message["type"] != "RECORD":
            continue
        id_field, fields = writable[message["stream"]]
        data = message["record"]
        out[(message["stream"], data[id_field])] = {k: v for k, v in data.items() if k in fields}
    return out


def test_tap_target_tap_reproduces_the_records(emulator: EmulatorServer, tmp_path: Path) -> None:
    source = _read(emulator, "DEMO")
    company = new_company(emulator, "ROUNDTRIP")
    run = run_target(target_config(emulator, tmp_path, company), source)
    assert run.error is None, [line for line in run.lines if line["status"] != "applied"][:3]
    records = [m for m in source if m["type"] == "RECORD"]
    assert len(run.lines) == len(records) > 50
    assert {line["action"] for line in run.lines} == {"create"}

    writable = _writable(emulator)
    copied = _by_id(_read(emulator, company), writable)
    original = _by_id(source, writable)
    assert copied.keys() == original.keys()
    for key, fields in original.items():
        assert copied[key] == fields, key

    again = run_target(target_config(emulator, tmp_path, company), source)
    assert again.error is None
    assert {line["action"] for line in again.lines} == {"update"}  # found by id: no copy
    assert _by_id(_read(emulator, company), writable).keys() == original.keys()
