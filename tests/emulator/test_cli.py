"""``intacct emulator serve`` as a user runs it: first line, credentials, clean stop."""

from __future__ import annotations

import signal
import subprocess
import sys

import httpx
import pytest
from lxml import etree

from .conftest import envelope


def test_serve_prints_the_listening_line_first_and_stops_on_sigterm() -> None:
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
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as proc:
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
