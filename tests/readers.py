"""Readers beside ``intacct sync``: reader processes as users run them (a dashboard
refreshing, a notebook holding a connection), and what the tests of readers share."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import duckdb

from intacct import IntacctClient
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.notices import Notice
from tests.paths.commands import Command

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


def reader(script: str, *args: object, cwd: Path) -> Command:
    return Command([sys.executable, "-c", script, *map(str, args)], cwd)


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
