"""Third-party command-line tools for the tests, each in a virtualenv of its own.

``tool_venv("target-duckdb", ["target-duckdb==0.8.0", "duckdb==1.1.3"])`` returns the
virtualenv ``.cache/test-tools/target-duckdb`` (git-ignored; ``INTACCT_TEST_TOOLS`` moves
the cache) with exactly those pins installed; ``.bin("target-duckdb")`` is the executable.
A virtualenv whose pins or Python differ from the ones asked for is made again, so a change
of pin rebuilds it and an unchanged one costs one quick check. A tool keeps its own
dependencies (old singer-python, jsonschema 2.x, another duckdb) out of the project's venv,
as Meltano installs every plugin in its own.

When pip cannot reach the package index the calling test is **skipped** with the exact
command that installs the tool; any other install failure (a pin that does not exist, no
wheel for this Python) fails the test with pip's own words.
"""

from __future__ import annotations

import fcntl
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement

__all__ = ["REPO", "ToolVenv", "index_reachable", "install_command", "tool_venv", "tools_dir"]

REPO = Path(__file__).resolve().parents[1]
ENV_VAR = "INTACCT_TEST_TOOLS"
#: what pip prints when the index cannot be reached (DNS, refused, offline, proxy): its
#: retry warnings, which its default of 5 retries always prints
_OFFLINE_MARKERS = (
    "after connection broken by",
    "Could not fetch URL",
    "NewConnectionError",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Network is unreachable",
    "ProxyError",
    "ConnectTimeoutError",
    "ReadTimeoutError",
)
#: the tools pip could not reach the index for, in this run
_OFFLINE: list[str] = []
#: run inside the tool's venv: does it hold this Python and exactly these pins?
_CHECK = """
import sys, importlib.metadata as md
want_python, *pins = sys.argv[1:]
ok = "%d.%d" % sys.version_info[:2] == want_python
for pin in pins:
    name, _, version = pin.partition("==")
    try:
        ok = ok and md.version(name) == version
    except md.PackageNotFoundError:
        ok = False
sys.exit(0 if ok else 1)
"""


@dataclass(frozen=True)
class ToolVenv:
    """An installed tool's virtualenv."""

    path: Path

    def bin(self, command: str) -> Path:
        """The path of one of its executables (``bin/<command>``)."""
        return self.path / "bin" / command

    @property
    def python(self) -> Path:
        return self.bin("python")


def tools_dir() -> Path:
    return Path(os.environ.get(ENV_VAR) or REPO / ".cache" / "test-tools")


def install_command(name: str, requirements: Sequence[str]) -> str:
    """The shell command a user runs to install the tool where the tests look for it."""
    venv = tools_dir() / name
    shown = venv.relative_to(REPO) if venv.is_relative_to(REPO) else venv
    pip = shlex.join([f"{shown}/bin/pip", "install", *requirements])
    return f"python3 -m venv {shlex.quote(str(shown))} && {pip}"


def tool_venv(name: str, requirements: Sequence[str]) -> ToolVenv:
    """The virtualenv of tool ``name`` with ``requirements`` (each ``name==version``)
    installed, made or remade as needed; skips the test when pip is offline."""
    pins = [_pin(spec) for spec in requirements]
    venv = ToolVenv(tools_dir() / name)
    with _locked(venv.path):
        if not _current(venv, pins):
            if _OFFLINE:  # pip's retries take seconds: one tool finds out for the run
                pytest.skip(_offline_reason(name, requirements))
            _install(name, venv, requirements)
    return venv


def index_reachable(package: str, timeout: float = 120) -> bool:
    """Whether pip (as configured here) can list ``package``'s versions: tells a failed
    install of a tool's own plugins (Meltano's) that could not reach the index apart
    from one that did and failed."""
    probe = [sys.executable, "-m", "pip", "index", "versions", package]
    return subprocess.run(probe, capture_output=True, timeout=timeout, check=False).returncode == 0


def _pin(spec: str) -> str:
    """``name==version`` (extras dropped) for the check; only exact pins are accepted."""
    requirement = Requirement(spec)
    (specifier,) = requirement.specifier or [None]
    if specifier is None or specifier.operator != "==":
        raise ValueError(f"tool requirement {spec!r}: pin an exact version (name==X)")
    return f"{requirement.name}=={specifier.version}"


def _current(venv: ToolVenv, pins: Sequence[str]) -> bool:
    if not venv.python.exists():
        return False
    python = "{}.{}".format(*sys.version_info[:2])
    check = [str(venv.python), "-c", _CHECK, python, *pins]
    return subprocess.run(check, capture_output=True, check=False).returncode == 0


def _install(name: str, venv: ToolVenv, requirements: Sequence[str]) -> None:
    """A new venv without pip of its own (5 s saved per tool), filled by this Python's pip."""
    shutil.rmtree(venv.path, ignore_errors=True)
    venv.path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv.path)], check=True)
    pip = [sys.executable, "-m", "pip", "--python", str(venv.python), "install", "-q"]
    done = subprocess.run([*pip, *requirements], capture_output=True, text=True, check=False)
    if done.returncode == 0:
        return
    shutil.rmtree(venv.path, ignore_errors=True)  # no half-installed tool is reused
    output = done.stdout + done.stderr
    if any(marker in output for marker in _OFFLINE_MARKERS):
        _OFFLINE.append(name)
        pytest.skip(_offline_reason(name, requirements))
    pytest.fail(f"installing {name} ({' '.join(requirements)}) failed:\n{output[-3000:]}")


def _offline_reason(name: str, requirements: Sequence[str]) -> str:
    return (
        f"needs {name} ({' '.join(requirements)}) and pip cannot reach the package "
        f"index; install it with: {install_command(name, requirements)}"
    )


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One installer per tool at a time (two pytest runs sharing the cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.parent / f".{path.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
