"""The documented commands run as a user runs them: the installed executables
(``intacct``, ``tap-sage-intacct``, beside this Python), a fresh empty HOME, nothing of
the tests' environment (no ``INTACCT_*``, ``XDG_*``, ``DESTINATION__*``, ``PG*``),
default settings; the connection only where the docs say to give one (the
``INTACCT_*`` variables, a tap config file)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from intacct.emulator.demo import app_config, client_config

__all__ = [
    "BASH",
    "BIN",
    "INTACCT",
    "TAP",
    "Command",
    "Ran",
    "connection",
    "numbered_commands",
    "run",
    "user_env",
    "wait_until",
]

BIN = Path(sys.executable).parent
INTACCT = BIN / "intacct"
TAP = BIN / "tap-sage-intacct"
BASH = shutil.which("bash") or "/bin/bash"
#: what a user's shell has that the commands may look at; nothing else is passed on
_KEPT = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "SYSTEMROOT")


@dataclass(frozen=True)
class Ran:
    """A finished command: what was run, where, its exit status and output."""

    argv: tuple[str, ...]
    cwd: Path
    code: int
    out: str
    err: str
    seconds: float

    def said(self, tail: int = 3000) -> str:
        """The command and the end of its output, for a failure message."""
        shown = " ".join([Path(self.argv[0]).name, *self.argv[1:]])
        return f"$ {shown}  (exit {self.code})\n{(self.out + self.err)[-tail:]}"


def user_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A fresh machine's environment: an empty HOME (made here), the shell's PATH and
    locale, and ``extra``. dlt's anonymous telemetry is turned off, as docs/destinations.md
    says users may (it would reach for the network in CI)."""
    home.mkdir(parents=True, exist_ok=True)
    env = {name: os.environ[name] for name in _KEPT if name in os.environ}
    env |= {"HOME": str(home), "RUNTIME__DLTHUB_TELEMETRY": "false"}
    return env | dict(extra or {})


def connection(url: str, company: str) -> dict[str, str]:
    """The ``INTACCT_*`` variables that point ``intacct`` at ``company`` of the emulator
    at ``url`` (the demo credentials it prints)."""
    config = client_config(url, company) | app_config()  # the demo OAuth app: --api rest
    return {f"INTACCT_{key.upper()}": value for key, value in config.items() if value}


def run(argv: Sequence[str | Path], cwd: Path, env: Mapping[str, str], timeout: float = 900) -> Ran:
    """Run a command to its end (stdin closed, as in CI)."""
    cwd.mkdir(parents=True, exist_ok=True)
    args = tuple(str(a) for a in argv)
    began = time.monotonic()
    done = subprocess.run(
        args, cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, capture_output=True,
        text=True, timeout=timeout, check=False,
    )  # fmt: skip
    return Ran(args, cwd, done.returncode, done.stdout, done.stderr, time.monotonic() - began)


def numbered_commands(markdown: str) -> dict[int, str]:
    """The commands of ``markdown``'s ``sh`` blocks marked ``# N.`` (after the command),
    by N, as written: a command continued with a backslash, or over a newline inside
    quotes, is one (its lines as they are, for ``bash -c``)."""
    found: dict[int, str] = {}
    for block in re.findall(r"```sh\n(.*?)```", markdown, re.S):
        for command in _commands(block):
            marks = re.findall(r"#\s*(\d+)\.", command)
            if marks:
                number = int(marks[-1])
                assert number not in found, f"two commands are marked '# {number}.'"
                found[number] = command
    return found


def _commands(block: str) -> list[str]:
    """A block's commands: lines joined while a backslash ends one or a quote is open."""
    commands: list[str] = []
    lines: list[str] = []
    for line in block.splitlines():
        lines.append(line)
        text = "\n".join(lines)
        if line.endswith("\\") or not _complete(text):
            continue
        if text.strip() and not text.lstrip().startswith("#"):
            commands.append(text)
        lines = []
    assert not lines, f"a command is not finished: {lines}"
    return commands


def _complete(text: str) -> bool:
    try:
        shlex.split(text, comments=True)
    except ValueError:  # a quote still open
        return False
    return True


class Command:
    """A long-running command (an argv, or a line of shell), its output collected as it
    comes; stopped as Ctrl-C in its terminal stops it (SIGINT to its process group)."""

    def __init__(self, argv: list[str] | str, cwd: Path, env: dict[str, str] | None = None) -> None:
        """``env`` None: this process's environment (a reader script of a test's)."""
        self.lines: list[str] = []
        command = [BASH, "-c", argv] if isinstance(argv, str) else argv
        self.process = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        self.lines.extend(self.process.stdout)

    def said(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def saying(self, text: str) -> list[str]:
        """Every line saying ``text``."""
        return [line for line in self.lines if text in line]

    def line(self, text: str) -> str:
        """The first line saying ``text``."""
        return next(line for line in self.lines if text in line)

    def stop(self, sig: signal.Signals = signal.SIGINT) -> int:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
        code = self.process.wait(60)
        self._reader.join(10)
        assert self.process.stdout is not None
        self.process.stdout.close()
        return code


def wait_until(done: Callable[[], bool], seconds: float, *commands: Command) -> float:
    """Seconds until ``done()``; failing past ``seconds`` or when one of ``commands``
    ends meanwhile, with the end of their output."""
    began = time.monotonic()
    while not done():
        shown = "".join(line for c in commands for line in c.lines[-20:])
        assert time.monotonic() - began < seconds, shown
        assert all(c.process.poll() is None for c in commands), shown
        time.sleep(0.2)
    return time.monotonic() - began
