"""The notices guide (docs/notices.md) as a user runs it: ``intacct notices serve``
and ``intacct sync --follow``, the installed commands in a fresh HOME, the connection
(with the OAuth app) in ``INTACCT_*``, against the emulator on a socket whose VENDOR
trigger posts to the receiver; and its Smart Event form: the receiver given only
``INTACCT_SMART_EVENT_TOKEN`` (no app), a Smart Event posting the guide's template. A
vendor written in Intacct is in the DuckDB file within seconds; Ctrl-C stops both; the
table is the emulator's. The receiver's ``--issuer``. And the guide's "Try it offline"
as written, command by command in its four terminals (issue 46)."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from intacct import IntacctClient
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from tests.docs import blocks, page, section
from tests.paths.commands import (
    BASH,
    BIN,
    INTACCT,
    Command,
    connection,
    numbered_commands,
    run,
    user_env,
    wait_until,
)
from tests.ports import README_PORTS

pytestmark = README_PORTS


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _vendors(db: Path) -> set[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute('SELECT VENDORID FROM "VENDOR" WHERE _sdc_deleted_at IS NULL')
        return {row[0] for row in rows.fetchall()}


#: the guide's page of change notices
NOTICES = "notices.md"
#: the token the receiver is given and the guide's Smart Event body carries
TOKEN = "a-long-random-token-of-yours"


def _guide_template() -> str:
    """The guide's Smart Event body, as a user fills it in for DEMO's added vendors."""
    (block,) = [b for b in blocks(page(NOTICES), "json") if "{!VENDOR.RECORDNO!}" in b]
    filled = block.rstrip("\n").replace("<your token>", TOKEN).replace("<COMPANY>", "DEMO")
    return filled.replace('"event": "update"', '"event": "create"')


def test_notices_serve_and_sync_follow(emulator: EmulatorServer, tmp_path: Path) -> None:
    env = user_env(tmp_path / "home", connection(emulator.url, "DEMO"))
    _receive_and_follow(emulator, tmp_path, env, env, "/intacct/notices", {}, "PATH-NOTICE")


def test_notices_serve_smart_events_and_sync_follow(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    """The guide's Smart Event form: the token in INTACCT_SMART_EVENT_TOKEN (beside the
    connection's variables, which ``intacct sync`` takes as they are)."""
    env = user_env(tmp_path / "home", connection(emulator.url, "DEMO"))
    env["INTACCT_SMART_EVENT_TOKEN"] = TOKEN
    only_token = {k: v for k, v in env.items() if not k.startswith("INTACCT_CLIENT_")}
    smart_event = {"mode": "smart_event", "body": _guide_template(), "events": ["add"]}
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
        wait_until(lambda: receiver.said(f"{port}{path}"), 60, receiver)
        wait_until(lambda: follower.said("Following DEMO"), 120, follower)
        url = f"http://127.0.0.1:{port}{path}"
        subscription = emulator.subscribe("DEMO", "VENDOR", url=url, **subscribed)
        with IntacctClient.from_mapping(client_config(emulator.url)) as client:
            client.create("VENDOR", [{"VENDORID": vendor, "NAME": "documented"}])
        seconds = wait_until(lambda: follower.said("notice(s) of VENDOR"), 60, receiver, follower)
        assert seconds < 30
        started = receiver.line("Receiving Intacct's notices")
        assert "for environment (INTACCT_*)" in started, started
        if "INTACCT_CLIENT_ID" in receiver_env:  # webhooks: the issuer checked is named
            assert f"their tokens issued by {emulator.rest_url()} (" in started, started
        assert receiver.said("accepted: VENDOR create") and receiver.said(" in DEMO (notice ")
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


def _offline_block() -> dict[int, str]:
    """The guide's "Try it offline": its commands by number, as written."""
    commands = numbered_commands(section(NOTICES, "Try it offline"))
    assert sorted(commands) == [1, 2, 3, 4, 5, 6, 7], commands
    return commands


def _taken(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_try_it_offline_as_written(tmp_path: Path) -> None:
    """The guide's block in its four terminals, each command as written, in a fresh
    HOME with the installed commands first on PATH (an activated virtualenv): the
    receiver verifies against the profile the follower uses, and says so; the vendor
    written is a line of the receiver's, then of the follower's, then a row of its
    table that ``intacct query --db`` shows while it follows, which is the emulator's."""
    if _taken(8089) or _taken(8080):
        pytest.skip("port 8089 or 8080 is in use here: the guide's block listens there")
    commands, folder = _offline_block(), tmp_path / "work"
    folder.mkdir()
    env = user_env(tmp_path / "home", {"PATH": f"{BIN}:{os.environ.get('PATH', '')}"})
    running: list[Command] = []
    try:
        emulator = _started(commands[1], folder, env, running, "Intacct emulator listening", 120)
        added = run((BASH, "-c", commands[2]), folder, env, timeout=120)
        assert added.code == 0 and "Saved profile 'emulator'" in added.out, added.said()
        receiver = _started(commands[3], folder, env, running, "Receiving Intacct's", 60)
        started = receiver.line("Receiving Intacct's")
        assert "for profile 'emulator'" in started, started
        assert "http://127.0.0.1:8080/intacct/notices" in started, started
        assert "their tokens issued by http://127.0.0.1:8089/ia/api/v1" in started, started
        subscribed = run((BASH, "-c", commands[4]), folder, env, timeout=120)
        assert subscribed.code == 0 and "Subscribed" in subscribed.out, subscribed.said()
        follower = _started(commands[5], folder, env, running, "Following DEMO", 300)
        written = run((BASH, "-c", commands[6]), folder, env, timeout=120)
        assert written.code == 0, written.said()
        wait_until(lambda: receiver.said("delivery accepted: VENDOR create"), 60, *running)
        assert "in DEMO" in receiver.line("delivery accepted"), receiver.lines[-3:]
        wait_until(lambda: follower.said("1 notice(s) of VENDOR: read VENDOR"), 60, *running)
        looked = run((BASH, "-c", commands[7]), folder, env, timeout=120)  # it goes on
        assert looked.code == 0 and "V-OFFLINE" in looked.out, looked.said()
        assert "1 record" in looked.err and follower.process.poll() is None, looked.said()
        url = "http://127.0.0.1:8089/ia/xml/xmlgw.phtml"
        with IntacctClient.from_mapping(client_config(url)) as client:
            truth = {r["VENDORID"] for r in client.iter_query("VENDOR", ["VENDORID"])}
    finally:
        codes = [command.stop() for command in reversed(running)][::-1]
    # Ctrl-C: the emulator ends with 0 (serve until SIGINT), the others with 130
    assert codes == [0, 130, 130], [c.lines[-3:] for c in running]
    # the emulator prints its demo credentials, the app's secret among them; the
    # receiver and the follower never
    said = [line for command in running[1:] for line in command.lines]
    assert not any("demo-client-secret" in line for line in said)
    assert not (folder / "intacct.duckdb").exists()  # the quick start's file left alone
    stored = _vendors(folder / "offline.duckdb")
    assert "V-OFFLINE" in stored and stored == truth, emulator.lines[-3:]


def _started(
    command: str, folder: Path, env: dict[str, str], running: list[Command], says: str, wait: float
) -> Command:
    """A long-running command of the block, once it says ``says``."""
    started = Command(command, folder, env)
    running.append(started)
    wait_until(lambda: started.said(says), wait, started)
    return started


def test_notices_serve_checks_the_issuer_it_is_given(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    """``--issuer`` (docs/notices.md): the start-up line names it, and a delivery whose token
    names another issuer (the emulator's own) is refused with both named, never kept."""
    env = user_env(tmp_path / "home", connection(emulator.url, "DEMO"))
    port, queue, issuer = _port(), tmp_path / "notices.sqlite", "https://api.intacct.com/ia/api/v1"
    receiver = Command(
        [str(INTACCT), "notices", "serve", "--port", str(port), "--notices", str(queue),
         "--issuer", issuer],
        tmp_path, env,
    )  # fmt: skip
    subscription: dict[str, str] = {}
    try:
        wait_until(lambda: receiver.said("Receiving Intacct's notices"), 60, receiver)
        assert f"their tokens issued by {issuer} (--issuer)" in receiver.lines[0], receiver.lines
        url = f"http://127.0.0.1:{port}/intacct/notices"
        subscription = emulator.subscribe("DEMO", "VENDOR", url=url)
        with IntacctClient.from_mapping(client_config(emulator.url)) as client:
            client.create("VENDOR", [{"VENDORID": "PATH-ISSUER", "NAME": "refused"}])
        wait_until(lambda: receiver.said("refused (401)"), 60, receiver)
    finally:
        code = receiver.stop()
        if subscription:
            emulator.unsubscribe(subscription["id"])
    refused = receiver.line("refused (401)")
    assert f"the token's issuer is {emulator.rest_url()}, not {issuer}" in refused, refused
    assert code == 130 and not receiver.said("accepted")
