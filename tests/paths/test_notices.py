"""The README's "Changes within a minute" as a user runs it: ``intacct notices serve``
and ``intacct sync --follow``, the installed commands in a fresh HOME, the connection
(with the OAuth app) in ``INTACCT_*``, against the emulator on a socket whose VENDOR
trigger posts to the receiver; and its Smart Event form: the receiver given only
``INTACCT_SMART_EVENT_TOKEN`` (no app), a Smart Event posting the README's template. A
vendor written in Intacct is in the DuckDB file within seconds; Ctrl-C stops both; the
table is the emulator's."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


README = Path(__file__).resolve().parents[2] / "README.md"
#: the token the receiver is given and the README's Smart Event body carries
TOKEN = "a-long-random-token-of-yours"


def _readme_template() -> str:
    """The README's Smart Event body, as a user fills it in for DEMO's added vendors."""
    blocks = re.findall(r"```json\n(.*?)\n```", README.read_text(encoding="utf-8"), re.S)
    (block,) = [b for b in blocks if "{!VENDOR.RECORDNO!}" in b]
    filled = block.replace("<your token>", TOKEN).replace("<COMPANY>", "DEMO")
    return filled.replace('"event": "update"', '"event": "create"')


def test_notices_serve_and_sync_follow(emulator: EmulatorServer, tmp_path: Path) -> None:
    env = user_env(tmp_path / "home", connection(emulator.url, "DEMO"))
    _receive_and_follow(emulator, tmp_path, env, env, "/intacct/notices", {}, "PATH-NOTICE")


def test_notices_serve_smart_events_and_sync_follow(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    """The README's Smart Event form: the token in INTACCT_SMART_EVENT_TOKEN (beside the
    connection's variables, which ``intacct sync`` takes as they are)."""
    env = user_env(tmp_path / "home", connection(emulator.url, "DEMO"))
    env["INTACCT_SMART_EVENT_TOKEN"] = TOKEN
    only_token = {k: v for k, v in env.items() if not k.startswith("INTACCT_CLIENT_")}
    smart_event = {"mode": "smart_event", "body": _readme_template(), "events": ["add"]}
    _receive_and_follow(
        emulator, tmp_path, only_token, env, "/intacct/smart-events", smart_event, "PATH-SMART"
    )


def _receive_and_follow(
    emulator: EmulatorServer,
    tmp_path: Path,
    receiver_env: dict[str, str],
    follower_env: dict[str, str],
    path: str,
    subscribed: dict[str, Any],
    vendor: str,
) -> None:
    port, queue, db = _port(), tmp_path / "notices.sqlite", tmp_path / "intacct.duckdb"
    receiver = Command(
        [str(INTACCT), "notices", "serve", "--port", str(port), "--notices", str(queue)],
        tmp_path, receiver_env,
    )  # fmt: skip
    follower = Command(
        [str(INTACCT), "sync", "--objects", "VENDOR", "--db", str(db), "--follow",
         "--notices", str(queue)],
        tmp_path, follower_env,
    )  # fmt: skip
    subscription: dict[str, str] = {}
    try:
        _wait(lambda: receiver.said(f"{port}{path}"), 60, receiver)
        _wait(lambda: follower.said("Following DEMO"), 120, follower)
        url = f"http://127.0.0.1:{port}{path}"
        subscription = emulator.subscribe("DEMO", "VENDOR", url=url, **subscribed)
        with IntacctClient.from_mapping(client_config(emulator.url)) as client:
            client.create("VENDOR", [{"VENDORID": vendor, "NAME": "documented"}])
        seconds = _wait(lambda: follower.said("notice(s) of VENDOR"), 60, receiver, follower)
        assert seconds < 30
        assert httpx.get(f"http://127.0.0.1:{port}/health").json() == {"ok": True}
    finally:
        follower_code, receiver_code = follower.stop(), receiver.stop()
        if subscription:
            emulator.unsubscribe(subscription["id"])
    assert follower_code == 130 and receiver_code in (0, 130), follower.lines[-5:]
    assert not any(TOKEN in line for line in [*receiver.lines, *follower.lines])
    assert follower.said("Stopped following after 1 run(s)")
    with IntacctClient.from_mapping(client_config(emulator.url)) as client:
        truth = {r["VENDORID"] for r in client.iter_query("VENDOR", ["VENDORID"])}
    assert vendor in _vendors(db) and _vendors(db) == truth
