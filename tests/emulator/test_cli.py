"""``intacct emulator serve`` as a user runs it: first line, credentials, clean stop."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import click
import httpx
import pytest
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
            banner = "".join(proc.stdout.readline() for _ in range(4))
            for text in ("demo_sender", "demo-sender-password", "demo_user", "DEMO-ME", "E100"):
                assert text in banner
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


def test_serve_rejects_a_bad_fault_spec() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "intacct.cli",
            "emulator",
            "serve",
            "--port",
            "0",
            "--scale",
            "0",
            "--fault",
            "nonsense=1",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "--fault" in done.stderr and "nonsense" in done.stderr


@pytest.mark.parametrize("args", [["--version"], ["emulator", "serve", "--help"]])
def test_cli_basics(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "intacct.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "intacct.cli", "emulator", "serve", "--scale", "0", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_busy_port_is_one_line_naming_it() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _serve("--port", str(port))
    assert done.returncode != 0
    assert f"127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a_db_in_a_missing_directory_is_one_line_naming_it(tmp_path: Path) -> None:
    db = tmp_path / "no" / "such" / "emulator.db"
    done = _serve("--port", "0", "--db", str(db))
    assert done.returncode != 0
    assert str(db) in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_every_serve_option_has_help() -> None:
    options = [p for p in serve.params if isinstance(p, click.Option)]
    assert {"--latency-ms", "--latency-per-row-us", "--max-concurrency"} <= {
        name for option in options for name in option.opts
    }
    assert [option.opts for option in options if not option.help] == []


def test_intacct_help_names_only_commands_that_exist() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "intacct.cli", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    commands = set(main.list_commands(click.Context(main)))
    named = {
        word
        for word in ("sync", "doctor", "objects", "describe", "query", "profiles")
        if word in done.stdout
    }
    assert named <= commands, f"--help names {sorted(named - commands)}, which do not exist"
