"""Secrets across every surface: each scenario runs the public executables as a user
would (-vv, JSON logs, failures on purpose) with passwords of their own, and everything
captured is scanned: standard output and error, the DuckDB file (its
bytes and every table's rows), the state, the target's report, Singer messages, doctor's
output, profiles. Session ids the emulator issued during the runs are secrets too. Each
executable runs once as a process of its own (what a process prints outside ``main``
counts too); the other scenarios run its ``main`` in-process (:mod:`tests.singer_cli`:
the same arguments, environment, standard streams and exit status), which spares a
second of importing each.

Surfaces of later parts (Postgres, dlt, the Dagster fleet) join this scan as they land.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

import duckdb
import pytest

from intacct.cli import main as intacct_main
from intacct.emulator.server import EmulatorServer
from intacct.emulator.store import DEMO_SENDER
from intacct.tap import main as tap_main
from tests.singer_cli import run_main

SENDER = ("scan_sender", "Sndr-pw-7Qx!<&>'\"")
USER = ("scan_user", "Usr-pw-4Zk%20&amp;")
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=150, seed=11) as emulator:
        store = emulator.store
        store.add_user("DEMO", *USER, recordno=77)
        store.add_sender(SENDER[0], SENDER[1], ["DEMO"])
        yield emulator


class Captured:
    """Everything the scenarios left, and the session ids the emulator gave out."""

    def __init__(self, server: EmulatorServer) -> None:
        self.server = server
        self.texts: list[tuple[str, str]] = []
        self.sessions: set[str] = set()

    def add(self, where: str, text: str | bytes) -> None:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        self.texts.append((where, text))
        self.sessions |= set(self.server.store.sessions)

    def leaks(self) -> list[str]:
        # a password's plain core: found however the rest was escaped (JSON, XML, URL)
        secrets = {SENDER[1][:11], USER[1][:10], *self.sessions}
        assert self.sessions, "no session was opened: the scan would prove nothing"
        found = []
        for where, text in self.texts:
            for secret in secrets:
                if secret and secret in text:
                    found.append(f"{where}: {secret[:6]}...")
        return found


@pytest.fixture
def env(server: EmulatorServer, tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    base = {k: v for k, v in os.environ.items() if not k.startswith("INTACCT_")}
    return {
        **base,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "INTACCT_API_URL": server.url,
        "INTACCT_SENDER_ID": SENDER[0],
        "INTACCT_SENDER_PASSWORD": SENDER[1],
        "INTACCT_COMPANY_ID": "DEMO",
        "INTACCT_USER_ID": USER[0],
        "INTACCT_USER_PASSWORD": USER[1],
        "INTACCT_TIMEOUT_S": "30",
    }


class Done(Protocol):
    returncode: int
    stdout: str
    stderr: str


#: each executable's ``main``, run in-process by :func:`_run`
MAINS: dict[str, Callable[[], object]] = {"intacct": intacct_main, "tap-sage-intacct": tap_main}


def _run(
    captured: Captured,
    what: str,
    args: list[str],
    env: dict[str, str],
    stdin: str = "",
    *,
    process: bool = False,
) -> Done:
    """``args`` run as a user would, in-process (``main``, with ``env`` as the whole
    environment), or with ``process`` as a process of its own, but never at a terminal:
    in a session of its own it has none to open, so a prompt reads ``stdin`` (getpass
    reads /dev/tty whenever there is one, and the suite would wait for a person)."""
    done: Done
    if process:
        done = subprocess.run(
            args,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            start_new_session=True,
        )
    else:
        name = Path(args[0]).name
        gone = {k: None for k in os.environ if k not in env}  # env is all there is
        done = run_main(MAINS[name], name, *args[1:], stdin=stdin, env={**gone, **env})
    captured.add(f"{what} stdout", done.stdout)
    captured.add(f"{what} stderr", done.stderr)
    return done


def _duckdb(captured: Captured, path: Path) -> None:
    captured.add(f"{path.name} bytes", path.read_bytes())
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        for table in tables:
            rows = con.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: S608
            captured.add(f"{path.name} table {table}", repr(rows))


def test_no_surface_shows_a_secret(
    server: EmulatorServer, env: dict[str, str], tmp_path: Path
) -> None:
    captured = Captured(server)
    intacct = [str(BIN / "intacct")]
    db = tmp_path / "scan.duckdb"
    objects = "VENDOR,CLASS,APBILL,TRIALBALANCE"

    done = _run(captured, "sync -vv", [*intacct, "sync", "-vv", "--objects", objects, "--db",
                                       str(db)], env, process=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = _run(captured, "sync json", [*intacct, "sync", "-vv", "--log-format", "json",
                                        "--objects", objects, "--db", str(db)], env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    _duckdb(captured, db)
    done = _run(captured, "state show", [*intacct, "state", "show", "--db", str(db),
                                         "--format", "json"], env)  # fmt: skip
    assert done.returncode == 0, done.stderr

    wrong = {**env, "INTACCT_USER_PASSWORD": USER[1] + "x"}
    other = str(tmp_path / "w.duckdb")
    done = _run(captured, "sync wrong password", [*intacct, "sync", "-vv", "--db", other], wrong)
    assert done.returncode == 1
    done = _run(captured, "doctor -vv", [*intacct, "doctor", "-vv"], env)
    assert done.returncode == 0, done.stderr
    done = _run(captured, "doctor wrong", [*intacct, "doctor", "-vv", "--log-format", "json"],
                wrong)  # fmt: skip
    assert done.returncode == 1

    # the passwords from the variables the profile names: none in the file to scan
    done = _run(captured, "profiles add", [*intacct, "profiles", "add", "scan", "--api-url",
                                           server.url, "--sender-id", SENDER[0],
                                           "--company-id", "DEMO", "--user-id", USER[0],
                                           "--sender-password-env", "INTACCT_SENDER_PASSWORD",
                                           "--user-password-env", "INTACCT_USER_PASSWORD"],
                env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = _run(captured, "profiles show", [*intacct, "profiles", "show", "scan"], env)
    assert done.returncode == 0 and "environment variable" in done.stdout, done.stderr
    done = _run(captured, "sync profile", [*intacct, "sync", "-vv", "--profile", "scan",
                                           "--objects", "CLASS", "--db", other], env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    _duckdb(captured, Path(other))

    config = tmp_path / "config.json"
    config.write_text(json.dumps({
        "api_url": server.url, "sender_id": SENDER[0], "sender_password": SENDER[1],
        "company_id": "DEMO", "user_id": USER[0], "user_password": USER[1],
    }))  # fmt: skip
    tap = str(BIN / "tap-sage-intacct")
    done = _run(captured, "tap discover", [tap, "--config", str(config), "--discover"], env)
    assert done.returncode == 0, done.stderr
    catalog = json.loads(done.stdout)
    for stream in catalog["streams"]:
        selected = stream["tap_stream_id"] in ("VENDOR", "CLASS")
        stream["metadata"][0]["metadata"]["selected"] = selected
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    done = _run(captured, "tap run", [tap, "--config", str(config), "--catalog",
                                      str(tmp_path / "catalog.json")], env,
                process=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert '"type":"STATE"' in done.stdout.replace(" ", "")

    report = tmp_path / "report.jsonl"
    target_config = tmp_path / "target.json"
    target_config.write_text(json.dumps({**json.loads(config.read_text()),
                                         "report_path": str(report)}))  # fmt: skip
    messages = [
        {"type": "SCHEMA", "stream": "CLASS", "schema": {"properties": {}}, "key_properties": []},
        {"type": "RECORD", "stream": "CLASS", "record": {"CLASSID": "SCAN-1", "NAME": "ok"}},
        {"type": "RECORD", "stream": "CLASS", "record": {"CLASSID": "SCAN-2", "NOPE": "bad"}},
    ]
    done = _run(captured, "target", [str(BIN / "target-sage-intacct"), "--config",
                                     str(target_config)], env,
                stdin="\n".join(json.dumps(m) for m in messages) + "\n",
                process=True)  # fmt: skip
    assert done.returncode != 0 and report.exists()  # one record is reported invalid
    captured.add("target report", report.read_text())
    cache = Path(env["XDG_CACHE_HOME"])
    config_dir = Path(env["XDG_CONFIG_HOME"])
    for folder in (cache, config_dir):
        for path in folder.rglob("*") if folder.exists() else []:
            if path.is_file() and path.stat().st_size < 50_000_000:
                captured.add(str(path.relative_to(tmp_path)), path.read_bytes())

    assert DEMO_SENDER[1] not in {SENDER[1], USER[1]}
    assert captured.leaks() == []


def test_a_one_character_secret_leaves_every_line_whole(
    server: EmulatorServer, env: dict[str, str], tmp_path: Path
) -> None:
    """A password of one character is in every line ("e"): it is blanked where it stands
    as a value (tests/protocol/test_redact.py), never wherever the character is, which
    would leave no message readable. A process of its own: what it registers stays in
    it."""
    server.store.add_user("DEMO", "short_user", "e", recordno=78)
    short = {**env, "INTACCT_USER_ID": "short_user", "INTACCT_USER_PASSWORD": "e"}
    captured = Captured(server)
    command = [str(BIN / "intacct"), "sync", "-vv", "--objects", "CLASS", "--db",
               str(tmp_path / "short.duckdb")]  # fmt: skip
    done = _run(captured, "sync -vv", command, short, process=True)
    assert done.returncode == 0, done.stderr
    assert "syncing 1 object: CLASS" in done.stderr
    said = re.search(r"CLASS: done, (\d+) records read \(\1 inserted, 0 updated, 0 deleted\)",
                     done.stderr)  # fmt: skip
    assert said is not None, done.stderr
    assert "REDACTED" not in done.stderr  # before: every "e" of every line
    assert captured.leaks() == []
