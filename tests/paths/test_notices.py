"""The README's "Changes within a minute" as a user runs it: ``intacct notices serve``
and ``intacct sync --follow``, the installed commands in a fresh HOME, the connection
(with the OAuth app) in ``INTACCT_*``, against the emulator on a socket whose VENDOR
trigger posts to the receiver. A vendor written in Intacct is in the DuckDB file within
seconds; Ctrl-C stops both; the table is the emulator's."""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import httpx

from intacct import IntacctClient
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from tests.paths.commands import INTACCT, connection, user_env


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Command:
    """A long-running command, its output collected as it comes."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
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

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(60)
        self._reader.join(10)
        assert self.process.stdout is not None
        self.process.stdout.close()
        return code


def _wait(done: Callable[[], bool], seconds: float, *commands: Command) -> float:
    began = time.monotonic()
    while not done():
        shown = "".join(line for c in commands for line in c.lines[-20:])
        assert time.monotonic() - began < seconds, shown
        assert all(c.process.poll() is None for c in commands), shown
        time.sleep(0.2)
    return time.monotonic() - began


def _vendors(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute('SELECT VENDORID FROM "VENDOR" WHERE _sdc_deleted_at IS NULL')
        return {row[0] for row in rows.fetchall()}


def test_notices_serve_and_sync_follow(emulator: EmulatorServer, tmp_path: Path) -> None:
    env = user_env(tmp_path / "home", connection(emulator.url, "DEMO"))
    port, queue, db = _port(), tmp_path / "notices.sqlite", tmp_path / "intacct.duckdb"
    receiver = Command(
        [str(INTACCT), "notices", "serve", "--port", str(port), "--notices", str(queue)],
        tmp_path, env,
    )  # fmt: skip
    follower = Command(
        [str(INTACCT), "sync", "--objects", "VENDOR", "--db", str(db), "--follow",
         "--notices", str(queue)],
        tmp_path, env,
    )  # fmt: skip
    subscription: dict[str, str] = {}
    try:
        _wait(lambda: receiver.said("Receiving Intacct's notices"), 60, receiver)
        _wait(lambda: follower.said("Following DEMO"), 120, follower)
        url = f"http://127.0.0.1:{port}/intacct/notices"
        subscription = emulator.subscribe("DEMO", "VENDOR", url=url)
        with IntacctClient.from_mapping(client_config(emulator.url)) as client:
            client.create("VENDOR", [{"VENDORID": "PATH-NOTICE", "NAME": "documented"}])
        seconds = _wait(lambda: follower.said("notice(s) of VENDOR"), 60, receiver, follower)
        assert seconds < 30
        assert httpx.get(f"http://127.0.0.1:{port}/health").json() == {"ok": True}
    finally:
        follower_code, receiver_code = follower.stop(), receiver.stop()
        if subscription:
            emulator.unsubscribe(subscription["id"])
    assert follower_code == 130 and receiver_code in (0, 130), follower.lines[-5:]
    assert follower.said("Stopped following after 1 run(s)")
    with IntacctClient.from_mapping(client_config(emulator.url)) as client:
        truth = {r["VENDORID"] for r in client.iter_query("VENDOR", ["VENDORID"])}
    assert "PATH-NOTICE" in _vendors(db) and _vendors(db) == truth
