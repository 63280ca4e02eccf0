"""Deadlines on a gateway that accepts the connection and never answers: interactive
commands give up after ``timeout_s`` (60 s unless set) without sending again, and a line
says they are waiting and when they give up; ``intacct sync`` gives a silent gateway
``first_byte_timeout_s`` (60 s) in all, its tries included, tells a log so, and ends
within (max_retries + 1) requests and their backoff on a gateway that never recovers."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from intacct.cli import main
from intacct.emulator.server import EmulatorServer
from tests.sockets import Server, serving

from .conftest import use_env


@pytest.fixture
def silent() -> Iterator[Server]:
    """A server that takes connections and requests and never answers."""
    with serving() as server:
        yield server


@pytest.mark.parametrize(
    "command",
    [["objects"], ["describe", "VENDOR"], ["query", "VENDOR"], ["doctor", "--objects", "CLASS"]],
)
def test_interactive_commands_give_up_after_timeout_s_without_sending_again(
    silent: Server, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    use_env(monkeypatch, silent.url)
    monkeypatch.setenv("INTACCT_TIMEOUT_S", "2")
    started = time.monotonic()
    result = CliRunner().invoke(main, command)
    seconds = time.monotonic() - started
    assert result.exit_code == 1
    assert seconds < 4.5, f"{seconds:.1f} s"  # not one more wait for a timed-out request
    assert len(silent.connections) == 1
    said = f"no answer from {silent.url} within 2 s (timeout_s)"
    assert said in result.output
    assert "Traceback" not in result.output


def _told(command: list[str], limit_s: float, *, terminal: bool = False) -> str:
    """What ``intacct COMMAND`` writes to stderr (a terminal, or a pipe) until it names
    ``timeout_s``, for at most ``limit_s``; then it is stopped."""
    reader, writer = pty.openpty() if terminal else os.pipe()
    proc = subprocess.Popen(
        [sys.executable, "-m", "intacct.cli", *command], stdout=subprocess.DEVNULL, stderr=writer
    )
    os.close(writer)
    seen = b""
    deadline = time.monotonic() + limit_s
    try:
        while b"timeout_s" not in seen and time.monotonic() < deadline:
            if select.select([reader], [], [], 0.2)[0]:
                chunk = os.read(reader, 4096)
                if not chunk:
                    break
                seen += chunk
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        os.close(reader)
    return seen.decode("utf-8", "replace")


@pytest.mark.parametrize("terminal", [False, True])
def test_a_line_tells_that_the_gateway_is_silent_and_the_default_deadline(
    silent: Server, monkeypatch: pytest.MonkeyPatch, terminal: bool
) -> None:
    use_env(monkeypatch, silent.url)
    monkeypatch.delenv("INTACCT_TIMEOUT_S")
    told = _told(["query", "VENDOR"], 15, terminal=terminal)
    said = "waiting for the gateway: 3 s so far with nothing received (the request fails at 60 s"
    assert said in told and "timeout_s sets it" in told
    assert ("\x1b[K" in told) is terminal


def test_sync_tells_a_log_when_it_gives_up_on_a_silent_gateway(
    silent: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not "gives up after 300 s" (timeout_s, per try, six tries: 30 minutes in all)."""
    use_env(monkeypatch, silent.url)
    monkeypatch.delenv("INTACCT_TIMEOUT_S")
    told = _told(["sync", "--objects", "CLASS"], 20)
    assert (
        "waiting for the gateway: 10 s so far with nothing received (the request fails at "
        "60 s if nothing comes; first_byte_timeout_s sets it)"
    ) in told


@pytest.mark.parametrize("first_byte_s", [1, 2])
def test_sync_gives_up_on_a_silent_gateway_after_first_byte_timeout_s_in_all(
    silent: Server, monkeypatch: pytest.MonkeyPatch, first_byte_s: int
) -> None:
    """With the default timeout_s (300 s a try) and max_retries (5): one wait of
    first_byte_timeout_s, not six tries of timeout_s; exit 1 with the cause."""
    use_env(monkeypatch, silent.url)
    monkeypatch.delenv("INTACCT_TIMEOUT_S")
    monkeypatch.setenv("INTACCT_FIRST_BYTE_TIMEOUT_S", str(first_byte_s))
    command = [sys.executable, "-m", "intacct.cli", "sync", "--objects", "CLASS"]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    seconds = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    assert len(silent.connections) == 1
    assert first_byte_s <= seconds < first_byte_s + 5, f"{seconds:.1f} s"  # start-up: ~2 s
    said = f"no answer from {silent.url} within {first_byte_s} s (first_byte_timeout_s)"
    assert said in done.stderr


def test_ctrl_c_while_waiting_is_exit_status_130(
    silent: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_env(monkeypatch, silent.url)
    command = [sys.executable, "-m", "intacct.cli", "describe", "VENDOR"]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not silent.connections and time.monotonic() < deadline:  # the request is out
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert err.strip() == "Interrupted."


def test_sync_on_a_gateway_that_never_answers_ends_within_its_bound(
    silent: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The documented bound: (max_retries + 1) requests of timeout_s each, plus the
    backoff between them (at most 0.5, 1, 2... s); then a typed error and exit 1."""
    use_env(monkeypatch, silent.url)
    monkeypatch.setenv("INTACCT_TIMEOUT_S", "1")
    monkeypatch.setenv("INTACCT_MAX_RETRIES", "2")
    started = time.monotonic()
    result = CliRunner().invoke(main, ["sync", "--objects", "CLASS"])
    seconds = time.monotonic() - started
    assert result.exit_code == 1
    assert len(silent.connections) == 3  # the first try and two retries, no more
    assert seconds < 3 * 1 + 0.5 + 1 + 3, f"{seconds:.1f} s"
    assert f"no answer from {silent.url} within 1 s (timeout_s)" in result.output


def test_sync_on_a_gateway_that_never_recovers_ends_within_its_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with EmulatorServer(port=0, scale=50, seed=1, faults=["status=503"]) as server:
        use_env(monkeypatch, server.url)
        monkeypatch.setenv("INTACCT_MAX_RETRIES", "3")
        started = time.monotonic()
        result = CliRunner().invoke(main, ["sync", "--objects", "CLASS"])
        seconds = time.monotonic() - started
    assert result.exit_code == 1
    assert seconds < 0.5 + 1 + 2 + 5, f"{seconds:.1f} s"  # three backoffs at most
    assert "503" in result.output and "Traceback" not in result.output
