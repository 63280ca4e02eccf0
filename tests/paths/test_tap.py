"""The Singer tap as docs/tap-and-target.md runs it: ``tap-sage-intacct --config demo.json
--discover > catalog.json``, every stream of the catalog selected, then ``--catalog
catalog.json``; on DEMO, on DEMO-ME (its top level, and with ``entity_ids: all``), and
with ``unified_schema: true`` on both. Each stream's RECORD messages against the
emulator (:mod:`tests.paths.expected`): every field of every record by count and
checksum, per entity; every record exactly once (no key twice); the trial balance
against the emulator's own answers; the unified streams against the records behind them.

On DEMO the run then goes on incrementally, as the guide says (the last STATE passed
back with ``--state``) after a class was created, one renamed and one deleted: the two
runs' records applied in order by each stream's key, tombstones (``_sdc_deleted_at``)
removing their record, are the emulator's data again."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from intacct import IntacctClient
from intacct.emulator.catalog import load_catalog
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from tests.checksums import EmulatorData
from tests.paths.commands import TAP, Ran, run, user_env
from tests.paths.expected import (
    DEFAULT_OBJECTS,
    DELETED_AT,
    ENTITY_ID,
    TRIAL_BALANCE,
    UNIFIED_TABLES,
    left_out,
    object_problems,
    parse_singer,
    singer_rows,
    trial_balance_problems,
    unified_problems,
)

Records = dict[str, list[dict[str, Any]]]


class Tap:
    """The tap in a folder of its own: a config file, a fresh HOME."""

    def __init__(self, folder: Path, config: Mapping[str, Any]) -> None:
        self.folder, self.env = folder, user_env(folder / "home")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "demo.json").write_text(json.dumps(config))

    def run(self, *args: str) -> Ran:
        return run((TAP, "--config", "demo.json", *args), self.folder, self.env)

    def discover_all(self) -> list[str]:
        """``--discover > catalog.json`` with every stream then selected; the streams.
        ``self.defaults``: the streams the catalog selected itself."""
        found = self.run("--discover")
        assert found.code == 0, found.said()
        catalog = json.loads(found.out)
        self.defaults: set[str] = set()
        for stream in catalog["streams"]:
            for item in stream["metadata"]:
                if item["breadcrumb"] == []:
                    if item["metadata"].get("selected"):
                        self.defaults.add(stream["tap_stream_id"])
                    item["metadata"]["selected"] = True
        (self.folder / "catalog.json").write_text(json.dumps(catalog))
        return [s["tap_stream_id"] for s in catalog["streams"]]

    def read(self, state: Any = None) -> tuple[Ran, dict[str, Any], Records, list[Any]]:
        args = ["--catalog", "catalog.json"]
        if state is not None:
            (self.folder / "state.json").write_text(json.dumps(state))
            args += ["--state", "state.json"]
        done = self.run(*args)
        assert done.code == 0 and "Traceback" not in done.err, done.said()
        return done, *parse_singer(done.out)


def config(server: EmulatorServer, company: str, **extra: Any) -> dict[str, Any]:
    found: dict[str, Any] = {**client_config(server.url, company), **extra}
    found.pop("entity_id")
    return found


def stream_problems(
    streams: Sequence[str],
    schemas: Mapping[str, Mapping[str, Any]],
    records: Records,
    ran: Ran,
    data: EmulatorData,
    url: str,
    company: str,
    entities: Sequence[str],
) -> list[str]:
    """Every selected object stream and the trial balance against the emulator."""
    problems = [f"{s}: no SCHEMA message" for s in streams if s not in schemas]
    problems += [f"{s}: records of a stream not selected" for s in set(records) - set(streams)]
    left = left_out(ran.err)
    for name in streams:
        emitted = records.get(name, [])
        problems += _twice(name, schemas.get(name, {}), emitted)
        if name == TRIAL_BALANCE:
            problems += trial_balance_problems(name, emitted, url, company, entities)
            continue
        columns = list(schemas.get(name, {}).get("schema", {}).get("properties", {}))
        problems += object_problems(
            name, name, columns, singer_rows(name, emitted), data, company, entities,
            left.get(name, ()),
        )  # fmt: skip
    return problems


def _twice(name: str, schema: Mapping[str, Any], emitted: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every record exactly once: no key emitted twice in a run."""
    key = schema.get("key_properties") or []
    seen = [tuple(r.get(k) for k in key) for r in emitted]
    twice = len(seen) - len(set(seen))
    return [f"{name}: {twice} records emitted twice (key {key})"] if key and twice else []


def test_every_stream_of_demo_then_incrementally(
    emulator: EmulatorServer, data: EmulatorData, tmp_path: Path
) -> None:
    tap = Tap(tmp_path, config(emulator, "DEMO"))
    streams = tap.discover_all()
    assert set(streams) == {*load_catalog(), TRIAL_BALANCE}
    assert tap.defaults == set(DEFAULT_OBJECTS)  # the guide: what intacct sync reads by default
    ran, schemas, records, states = tap.read()
    problems = stream_problems(streams, schemas, records, ran, data, emulator.url, "DEMO", [""])
    assert not [r for rows in records.values() for r in rows if r.get(DELETED_AT)]  # first run
    assert problems == [], "\n".join(problems)
    assert states, "no STATE message"

    gone = _change(emulator.url, "DEMO")
    again, schemas, later, _ = tap.read(states[-1])
    merged = {name: _apply(schemas.get(name, {}), records.get(name, []), later.get(name, []))
              for name in streams if name != TRIAL_BALANCE}  # fmt: skip
    tombstones = [r.get("CLASSID") for r in later.get("CLASS", []) if r.get(DELETED_AT)]
    assert tombstones == [gone], later.get("CLASS")  # a record of its key alone
    merged_streams = [s for s in streams if s != TRIAL_BALANCE]
    # what either run left out (a stream the audit trail's question left quiet reads
    # nothing the second time, so says nothing then of the fields it cannot read)
    both = replace(again, err=ran.err + again.err)
    problems = stream_problems(
        merged_streams, schemas, merged, both, data, emulator.url, "DEMO", [""]
    )
    assert problems == [], "\n".join(problems)


def _apply(
    schema: Mapping[str, Any], first: Sequence[dict[str, Any]], then: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Two runs' records as a target applies them: by the stream's key, later wins, a
    tombstone marks its record deleted."""
    key = schema.get("key_properties") or ["RECORDNO"]
    rows = {tuple(r.get(k) for k in key): r for r in [*first, *then]}
    return list(rows.values())


def _change(url: str, company: str) -> str:
    """A class created, one renamed, one deleted; the deleted one's CLASSID."""
    with IntacctClient.from_mapping(client_config(url, company)) as client:
        classes = sorted(
            (int(r["RECORDNO"]), r["CLASSID"])
            for r in client.iter_query("CLASS", ["RECORDNO", "CLASSID"])
        )
        client.create("CLASS", [{"CLASSID": "PATHS-TAP", "NAME": "Added by issue 33"}])
        client.update("CLASS", [{"RECORDNO": classes[0][0], "NAME": "Renamed by issue 33"}])
        client.delete("CLASS", [classes[1][0]])
    return str(classes[1][1])


@pytest.mark.parametrize("entity_ids", [None, "all"], ids=["top-level", "entity_ids-all"])
def test_every_stream_of_demo_me(
    emulator: EmulatorServer, data: EmulatorData, tmp_path: Path, entity_ids: str | None
) -> None:
    extra = {"entity_ids": entity_ids} if entity_ids else {}
    tap = Tap(tmp_path, config(emulator, "DEMO-ME", **extra))
    streams = tap.discover_all()
    ran, schemas, records, _ = tap.read()
    entities = ["E100", "E200"] if entity_ids else [""]
    if entity_ids:  # the entity joins every key (docs/tap-and-target.md, "Keys and _entity_id")
        assert all(ENTITY_ID in s["key_properties"] for s in schemas.values())
    problems = stream_problems(
        streams, schemas, records, ran, data, emulator.url, "DEMO-ME", entities
    )
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("company", ["DEMO", "DEMO-ME"])
def test_every_unified_stream(
    emulator: EmulatorServer, data: EmulatorData, tmp_path: Path, company: str
) -> None:
    tap = Tap(tmp_path, config(emulator, company, unified_schema=True))
    streams = tap.discover_all()
    assert set(streams) == set(UNIFIED_TABLES)
    _, schemas, records, _ = tap.read()
    problems = [f"{s}: no SCHEMA message" for s in streams if s not in schemas]
    for stream in streams:
        problems += _twice(stream, schemas.get(stream, {}), records.get(stream, []))
        problems += unified_problems(stream, stream, records.get(stream, []), data, company)
    assert problems == [], "\n".join(problems)
