"""The Singer side of the chaos run (``chaos.py --tap``): ``tap-sage-intacct`` run again and
again from the last STATE it emitted, some runs killed, its RECORD messages kept by
primary key as a target would keep them.

Singer lets a tap emit a record again (a killed run's last pages are read again from the
STATE before them), so "exact" here is: every record's last version is the source's,
every deleted record is a tombstone, no live record is missing."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

#: the tap's executable, as a user runs it (beside this interpreter)
TAP = [str(Path(sys.executable).with_name("tap-sage-intacct"))]
DELETED_AT = "_sdc_deleted_at"
ENTITY_ID = "_entity_id"


@dataclass
class SingerStore:
    """What a target keeps of a tap's messages: the last version of each record by its
    stream and key (with the entity), tombstones applied, and the last STATE."""

    keys: dict[str, list[str]] = field(default_factory=dict)
    live: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)
    deleted: set[tuple[Any, ...]] = field(default_factory=set)
    state: dict[str, Any] | None = None

    def apply(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "SCHEMA":
            self.keys[message["stream"]] = list(message.get("key_properties") or [])
        elif kind == "STATE":
            self.state = message["value"]
        elif kind == "RECORD":
            record = message["record"]
            key = self._key(message["stream"], record)
            if record.get(DELETED_AT):
                self.live.pop(key, None)
                self.deleted.add(key)
            else:
                self.live[key] = record
                self.deleted.discard(key)

    def _key(self, stream: str, record: dict[str, Any]) -> tuple[Any, ...]:
        names = self.keys.get(stream) or ["RECORDNO"]
        return (stream, record.get(ENTITY_ID), *(record.get(n) for n in names))


def run_tap(
    config: Path, catalog: Path, store: SingerStore, folder: Path, kill_after: float | None
) -> str:
    """One run of the tap from ``store``'s STATE, its messages applied to ``store`` as they
    come (a line cut by a kill is dropped): "ok", "failed" or "killed"."""
    command = [*TAP, "--config", str(config), "--catalog", str(catalog)]
    if store.state is not None:
        state = folder / "state.json"
        state.write_text(json.dumps(store.state))
        command += ["--state", str(state)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=folder)
    reader = threading.Thread(target=_read, args=(proc, store), daemon=True)
    reader.start()
    try:
        proc.wait(timeout=kill_after if kill_after is not None else 600)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    reader.join(timeout=60)
    if proc.returncode == -signal.SIGKILL:
        return "killed"
    return "ok" if proc.returncode == 0 else "failed"


def _read(proc: subprocess.Popen[bytes], store: SingerStore) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.endswith(b"\n"):  # else the kill cut it
            store.apply(json.loads(line, parse_float=Decimal))


def select(catalog: dict[str, Any], streams: tuple[str, ...]) -> dict[str, Any]:
    """The discovered catalog cut down to ``streams``, each selected."""
    entries = [e for e in catalog["streams"] if e["tap_stream_id"] in streams]
    for entry in entries:
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = True
    return {"streams": entries}


def discover(config: Path, folder: Path, attempts: int = 5) -> dict[str, Any]:
    """The tap's catalog (tried again: discovery meets the storm's faults too)."""
    for _ in range(attempts):
        done = subprocess.run(
            [*TAP, "--config", str(config), "--discover"],
            capture_output=True, cwd=folder, check=False, timeout=600,
        )  # fmt: skip
        if done.returncode == 0:
            return dict(json.loads(done.stdout))
    raise SystemExit(f"tap-sage-intacct --discover failed {attempts} times")


@dataclass
class Difference:
    checked: int
    lost: int  # live in the source, missing (or a tombstone) in the store
    wrong: int  # a last version not the source's, or live though deleted at the source
    problems: list[str]


def compare(store: SingerStore, truth: SingerStore) -> Difference:
    """``store`` against a fresh run's (``truth``), record by record, field by field."""
    lost = [k for k in truth.live if k not in store.live]
    wrong = [k for k, r in store.live.items() if truth.live.get(k) != r]
    problems = [f"{k}: missing" for k in lost[:5]] + [f"{k}: not the source's" for k in wrong[:5]]
    return Difference(len(truth.live), len(lost), len(wrong), problems)
