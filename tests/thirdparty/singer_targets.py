"""What the Singer-target tests feed the targets: the tap's own output from the emulator.

A :class:`Story` is two runs of ``tap-sage-intacct`` (this checkout's, as a subprocess)
on one :class:`Scenario`: a full run, then changes in the emulator (a rename, a delete, a
new record), then an incremental run from the first run's last STATE. Each run keeps the
tap's output file, fed unchanged to every target, and what the emulator holds at that
moment, which the destinations are compared with.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from intacct.client import IntacctClient
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.replication import ENTITY_ID

TAP = [sys.executable, "-c", "from intacct.tap import main; main()"]
#: the objects' own keys: a run of one session is keyed by exactly these
OWN_KEYS = {
    "VENDOR": ("VENDORID",),
    "CLASS": ("CLASSID",),
    "GLACCOUNT": ("ACCOUNTNO",),
    "APBILL": ("RECORDNO",),
    "APBILLITEM": ("RECORDNO",),
    "TRIALBALANCE": ("PERIODSTART", "GLACCOUNTNO"),
}
STREAMS = tuple(OWN_KEYS)
OBJECTS = tuple(s for s in STREAMS if s != "TRIALBALANCE")
NEW_CLASS = "INTEROP-NEW"
RENAMED = "Renamed by the interop test"

Key = tuple[Any, ...]


@dataclass(frozen=True)
class Scenario:
    """Where the tap reads: a company's top level in one session, or its entities."""

    name: str
    company: str
    entities: tuple[str, ...] = ()

    def config(self, url: str) -> dict[str, Any]:
        # the story's second run is exactly the changes: no lookback window (the tap
        # would emit it again, not knowing what the target stores)
        config: dict[str, Any] = {
            **client_config(url, self.company), "timeout_s": 30, "lookback_minutes": 0,
        }  # fmt: skip
        if self.entities:
            config["entity_ids"] = list(self.entities)
        return config

    def key(self, stream: str) -> tuple[str, ...]:
        """The key the tap must declare: the object's own, ``_entity_id`` with entities."""
        return OWN_KEYS[stream] + ((ENTITY_ID,) if self.entities else ())

    def rows(self, own: Key, owner: str | None = None) -> list[Key]:
        """The destination keys of one record: once per entity that sees it (all of
        them for a top-level record, ``owner`` for an entity's own)."""
        if not self.entities:
            return [own]
        return [(*own, entity) for entity in self.entities if owner in (None, entity)]


TOP = Scenario("top-level", "DEMO")
ENTITIES = Scenario("entities", "DEMO-ME", ("E100", "E200"))


@dataclass
class Run:
    """One tap run: its output (a file of Singer messages) and the emulator's counts."""

    path: Path
    messages: list[dict[str, Any]]
    #: live records per object in the emulator; TRIALBALANCE: distinct keys read so far
    counts: dict[str, int]

    @property
    def state(self) -> dict[str, Any]:
        return [m for m in self.messages if m["type"] == "STATE"][-1]["value"]

    def records(self, stream: str) -> list[dict[str, Any]]:
        return [m["record"] for m in self.messages if m.get("stream") == stream and "record" in m]

    def key_properties(self, stream: str) -> list[str]:
        (schema,) = [m for m in self.messages if m["type"] == "SCHEMA" and m["stream"] == stream]
        return list(schema["key_properties"])


@dataclass
class Changes:
    """What changed between the runs, as the destination keys of the rows it touches."""

    renamed: dict[str, list[Key]] = field(default_factory=dict)
    deleted: dict[str, list[Key]] = field(default_factory=dict)
    created: dict[str, list[Key]] = field(default_factory=dict)


@dataclass(frozen=True)
class Story:
    """A full run, changes, an incremental run."""

    scenario: Scenario
    first: Run
    changes: Changes
    second: Run


def discover(emulator: EmulatorServer, folder: Path) -> Path:
    """The tap's catalog (``--discover`` on DEMO) with :data:`STREAMS` selected."""
    config = folder / "discover.json"
    config.write_text(json.dumps(TOP.config(emulator.url)))
    out = _tap("--config", str(config), "--discover")
    catalog = json.loads(out)
    catalog["streams"] = [s for s in catalog["streams"] if s["tap_stream_id"] in STREAMS]
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = True
    path = folder / "catalog.json"
    path.write_text(json.dumps(catalog))
    return path


def tell(emulator: EmulatorServer, catalog: Path, scenario: Scenario, folder: Path) -> Story:
    """Run the tap, change the emulator, run it again from the STATE (see module doc)."""
    folder.mkdir(parents=True, exist_ok=True)
    first = _run(emulator, catalog, scenario, folder / "first", None, set())
    with IntacctClient.from_mapping(client_config(emulator.url, scenario.company)) as client:
        changes = _change(client, scenario, first)
    seen = set(_trial_balance_keys(first.messages, scenario))
    second = _run(emulator, catalog, scenario, folder / "second", first.state, seen)
    return Story(scenario, first, changes, second)


def _change(client: IntacctClient, scenario: Scenario, first: Run) -> Changes:
    """A rename, a delete and a create at the top level (seen by every entity), and with
    entities a rename of an entity's own vendor as well."""
    classes = first.records("CLASS")
    renamed, gone = classes[0], classes[-1]
    client.update("CLASS", [{"RECORDNO": renamed["RECORDNO"], "NAME": RENAMED}])
    client.delete("CLASS", [gone["RECORDNO"]])
    client.create("CLASS", [{"CLASSID": NEW_CLASS, "NAME": "Created by the interop test"}])
    changes = Changes(
        renamed={"CLASS": scenario.rows((renamed["CLASSID"],))},
        deleted={"CLASS": scenario.rows((gone["CLASSID"],))},
        created={"CLASS": scenario.rows((NEW_CLASS,))},
    )
    if scenario.entities:
        owner = scenario.entities[0]
        vendor = next(v for v in first.records("VENDOR") if v[ENTITY_ID] == owner)
        entity = client.for_entity(owner)
        entity.update("VENDOR", [{"RECORDNO": vendor["RECORDNO"], "NAME": RENAMED}])
        changes.renamed["VENDOR"] = scenario.rows((vendor["VENDORID"],), owner)
    return changes


def _run(
    emulator: EmulatorServer,
    catalog: Path,
    scenario: Scenario,
    stem: Path,
    state: dict[str, Any] | None,
    balances_seen: set[Key],
) -> Run:
    config = stem.with_suffix(".config.json")
    config.write_text(json.dumps(scenario.config(emulator.url)))
    args = ["--config", str(config), "--catalog", str(catalog)]
    if state is not None:
        stem.with_suffix(".state.json").write_text(json.dumps(state))
        args += ["--state", str(stem.with_suffix(".state.json"))]
    output = stem.with_suffix(".singer.jsonl")
    output.write_text(_tap(*args))
    messages = [json.loads(line, parse_float=Decimal) for line in output.read_text().splitlines()]
    counts = emulator_counts(emulator, scenario)
    counts["TRIALBALANCE"] = len(balances_seen | set(_trial_balance_keys(messages, scenario)))
    return Run(output, messages, counts)


def emulator_counts(emulator: EmulatorServer, scenario: Scenario) -> dict[str, int]:
    """Live records per object, summed over the sessions the scenario reads."""
    counts = dict.fromkeys(OBJECTS, 0)
    with IntacctClient.from_mapping(client_config(emulator.url, scenario.company)) as client:
        sessions = [client.for_entity(e) for e in scenario.entities] or [client]
        for session in sessions:
            for obj in OBJECTS:
                counts[obj] += sum(1 for _ in session.iter_query(obj, ["RECORDNO"]))
    return counts


def _trial_balance_keys(messages: Iterable[dict[str, Any]], scenario: Scenario) -> list[Key]:
    key = scenario.key("TRIALBALANCE")
    return [
        tuple(m["record"][k] for k in key)
        for m in messages
        if m.get("stream") == "TRIALBALANCE" and m["type"] == "RECORD"
    ]


def _tap(*args: str) -> str:
    done = subprocess.run([*TAP, *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout
