"""``intacct emulator serve`` as a user runs it: first line, credentials, clean stop.
Started as processes (``python -m intacct.cli``) for those; the mistakes it refuses and
the help are asked of the command in-process (click's runner)."""

from __future__ import annotations

import logging
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import click
import httpx
from click.testing import CliRunner, Result
from lxml import etree

from intacct.cli import main
from intacct.cli.emulator import serve

from .conftest import envelope


def test_serve_prints_the_listening_line_first_and_stops_on_sigterm() -> None:
    """Standard output's first line is the listening line; the seeding before it is
    told on standard error, with how long it took."""
    command = [
        sys.executable,
        "-m",
        "intacct.cli",
        "emulator",
        "serve",
        "--port",
        "0",
        "--scale",
        "500",
    ]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline().strip()
            assert first.startswith("Intacct emulator listening on http://127.0.0.1:")
            assert first.endswith("/ia/xml/xmlgw.phtml")
            banner: list[str] = []  # up to the control API's line, the last
            while not banner or "control API" not in banner[-1]:
                banner.append(proc.stdout.readline().rstrip())
            for text in ("demo_sender", "demo-sender-password", "demo_user", "DEMO-ME", "E100"):
                assert text in "".join(banner[:3])
            # the REST API's demo OAuth app, and where that API is
            assert banner[3] == "  OAuth app id / secret: demo_client_id / demo-client-secret"
            rest = first.rsplit(" ", 1)[1].replace("/ia/xml/xmlgw.phtml", "/ia/api/v1")
            assert banner[4] == f"  REST API             : {rest}"
            assert banner[5].startswith("  control API          : http://127.0.0.1:")
            token = httpx.post(
                f"{rest}/oauth2/token",
                data={"grant_type": "client_credentials", "username": "demo_user@DEMO"},
                auth=("demo_client_id", "demo-client-secret"),
                timeout=10,
            )
            assert token.status_code == 200 and token.json()["access_token"]
            answer = httpx.post(
                first.rsplit(" ", 1)[1],
                content=envelope("<getAPISession/>"),
                headers={"Content-Type": "application/xml"},
                timeout=10,
            )
            root = etree.fromstring(answer.content)
            assert root.findtext("operation/result/status") == "success"
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=15) == 0
            assert proc.stderr is not None
            told = proc.stderr.read().splitlines()
            assert told[0] == "Seeding the demo companies DEMO, DEMO-ME (about 500 records)..."
            assert re.fullmatch(r"Seeded in \d+\.\d s\.", told[1]), told
        finally:
            if proc.poll() is None:
                proc.kill()


def _intacct(*args: str) -> Result:
    """``intacct *args`` in-process; an exception the command let out is a traceback a
    user would see, so none may be (only the exit). The logging it sets up for its
    process is put back after."""
    loggers = [logging.getLogger(n) for n in ("", "intacct.progress", "httpx", "httpcore")]
    levels, handlers = [logger.level for logger in loggers], list(loggers[0].handlers)
    try:
        done = CliRunner().invoke(main, list(args))
    finally:
        loggers[0].handlers[:] = handlers
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
    assert done.exception is None or isinstance(done.exception, SystemExit), done.exc_info
    return done


def test_serve_rejects_a_bad_fault_spec() -> None:
    done = _intacct("emulator", "serve", "--port", "0", "--scale", "0", "--fault", "nonsense=1")
    assert done.exit_code == 2
    assert "--fault" in done.stderr and "nonsense" in done.stderr


def test_cli_basics() -> None:
    """``--version`` as a process (``python -m intacct.cli``)."""
    done = subprocess.run(
        [sys.executable, "-m", "intacct.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_serve_help() -> None:
    done = _intacct("emulator", "serve", "--help")
    assert done.exit_code == 0, done.stderr


def _serve(*args: str) -> Result:
    return _intacct("emulator", "serve", "--scale", "0", *args)


def test_a_busy_port_is_one_line_naming_it() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _serve("--port", str(port))
    assert done.exit_code != 0
    assert f"127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a_db_in_a_missing_directory_is_one_line_naming_it(tmp_path: Path) -> None:
    db = tmp_path / "no" / "such" / "emulator.db"
    done = _serve("--port", "0", "--db", str(db))
    assert done.exit_code != 0
    assert str(db) in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_every_serve_option_has_help() -> None:
    options = [p for p in serve.params if isinstance(p, click.Option)]
    assert {"--latency-ms", "--latency-per-row-us", "--max-concurrency"} <= {
        name for option in options for name in option.opts
    }
    assert [option.opts for option in options if not option.help] == []


def test_intacct_help_names_only_commands_that_exist() -> None:
    done = _intacct("--help")
    assert done.exit_code == 0, done.stderr
    commands = set(main.list_commands(click.Context(main)))
    named = {
        word
        for word in ("sync", "doctor", "objects", "describe", "query", "profiles")
        if word in done.stdout
    }
    assert named <= commands, f"--help names {sorted(named - commands)}, which do not exist"
