"""Readers beside ``intacct sync``: reader processes as users run them (a dashboard
refreshing, a notebook holding a connection), and what the tests of readers share."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import duckdb

from intacct import IntacctClient
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.notices import Notice

#: a reader process: opens ``path`` read-only every ``every`` seconds for ``hold``
#: seconds (a dashboard refreshing), printing "opened N refused M" after each try
POLLER = """
import sys, time, duckdb
path, every, hold = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
opened = refused = 0
while True:
    try:
        with duckdb.connect(path, read_only=True) as con:
            con.execute('SELECT count(*) FROM "VENDOR"').fetchone()
            time.sleep(hold)
        opened += 1
    except duckdb.Error:
        refused += 1
    print(f"opened {opened} refused {refused}", flush=True)
    time.sleep(every)
"""
#: a reader process that opens ``path`` read-only, says so, and holds it ``hold`` s
HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
"""


class Process:
    """A command running beside the test, its output collected as it comes."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        self.lines.extend(self.process.stdout)

    @property
    def pid(self) -> int:
        return self.process.pid

    def said(self, text: str) -> list[str]:
        return [line for line in self.lines if text in line]

    def end(self, sig: signal.Signals = signal.SIGINT) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(60)
        self._reader.join(10)
        assert self.process.stdout is not None
        self.process.stdout.close()
        return code


def reader(script: str, *args: object, cwd: Path) -> Process:
    return Process([sys.executable, "-c", script, *map(str, args)], cwd)


def wait(done: Callable[[], object], seconds: float, *watched: Process) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        shown = "".join(line for p in watched for line in p.lines[-30:])
        assert time.monotonic() < deadline, shown
        assert all(p.process.poll() is None for p in watched), shown
        time.sleep(0.1)


def new_vendor(server: EmulatorServer, vendor_id: str) -> str:
    with IntacctClient.from_mapping(client_config(server.url)) as client:
        (result,) = client.create("VENDOR", [{"VENDORID": vendor_id, "NAME": vendor_id}])
        return str(result.records[0]["RECORDNO"])


def notice(key: str) -> Notice:
    return Notice(
        str(uuid.uuid4()), "demo_client_id", "DEMO", "", "VENDOR", "create", key, None,
        "2026-11-26T04:00:00Z",
    )  # fmt: skip


def vendors(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {r[0] for r in con.execute('SELECT VENDORID FROM "VENDOR"').fetchall()}
