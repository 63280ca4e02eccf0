"""Third-party command-line tools for tests, each in its own virtualenv under
``.cache/test-tools/<name>`` (git-ignored), installed from PyPI on first use and reused
while the requirements stay the same. Where the install cannot run (the package index
is out of reach), the test skips with the exact command that installs the tool; an
install that reaches the index and fails is a test failure."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / ".cache" / "test-tools"
_MARKER = "installed.txt"  # the requirements a venv was installed with, written last


def install_command(name: str, requirements: list[str]) -> str:
    """What installs the tool, to run from the repository's root."""
    venv = (TOOLS / name).relative_to(ROOT)
    packages = " ".join(shlex.quote(r) for r in requirements)
    return f"python3 -m venv {venv} && {venv}/bin/pip install {packages}"


def tool_venv(name: str, requirements: list[str], timeout: float = 600) -> Path:
    """The virtualenv of ``name`` with ``requirements`` installed (a new one when they
    changed); ``pytest.skip`` with the install command when the index is out of reach."""
    venv = TOOLS / name
    wanted = "\n".join(requirements) + "\n"
    marker = venv / _MARKER
    if marker.is_file() and marker.read_text() == wanted:
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    package = re.split(r"[<>=!~\[; ]", requirements[0], maxsplit=1)[0]
    if not index_reachable(package):
        pytest.skip(
            f"cannot reach the package index for {package}; "
            f"install it with: {install_command(name, requirements)}"
        )
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *requirements],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            pytest.fail(f"{shlex.join(step)} failed:\n{done.stderr[-3000:]}")
    marker.write_text(wanted)
    return venv


def index_reachable(package: str, timeout: float = 120) -> bool:
    """Whether pip (as configured here) can list ``package``'s versions."""
    probe = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", package],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return probe.returncode == 0
