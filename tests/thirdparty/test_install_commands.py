"""pytest installs nothing: the README's test command installs the third-party SDKs, CI
runs that very command, and without them the SDK tests skip naming what to run."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from . import conftest

REPO = Path(__file__).resolve().parents[2]
DEV_INSTALL = "-m pip install -e '.[dev]'"


def quick_start_commands() -> list[str]:
    """The one-line commands of the README's Quick start section, in order."""
    quick_start = (REPO / "README.md").read_text().split("## Quick start", 1)[1]
    quick_start = quick_start.split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)\n```", quick_start, re.DOTALL)
    assert all(len(b.splitlines()) == 1 for b in blocks)
    return blocks


def readme_test_command() -> str:
    """The Quick start's command that installs and runs the whole test suite (every tier:
    tests/conftest.py)."""
    (command,) = [c for c in quick_start_commands() if c.endswith("--tier all")]
    return command


def test_the_quick_start_installs_and_runs_the_main_job_then_the_tests() -> None:
    first, *_, last = quick_start_commands()
    assert first.startswith("python3 -m venv .venv && .venv/bin/pip install . ")
    assert first.endswith("&& .venv/bin/intacct sync")
    assert last == readme_test_command()


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    command = readme_test_command()
    assert command in (REPO / ".ci" / "run").read_text().splitlines()
    assert "pip install -e '.[dev]'" in command and conftest.INSTALL_JS in command
    assert command.index(conftest.INSTALL_JS) < command.index("pytest")


def test_without_node_the_js_tests_name_the_install_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no node on it
    assert shutil.which("node") is None
    reason = conftest.js_sdk_missing()
    assert reason is not None and reason.endswith(conftest.INSTALL_JS)


def test_a_missing_js_sdk_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "JS_SDK_VERSION", "0.0.0-not-released")
    reason = conftest.js_sdk_missing()
    assert reason is not None and reason.endswith(conftest.INSTALL_JS)


def test_a_missing_fylein_pin_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(conftest.FYLEIN_PINS, "sageintacctsdk", "0.0.0-not-released")
    reason = conftest.fylein_missing()
    assert reason is not None and "sageintacctsdk==0.0.0-not-released" in reason
    assert reason.endswith(DEV_INSTALL)


def test_a_missing_fylein_rest_pin_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(conftest.FYLEIN_REST_PINS, "sageintacctrestsdk", "0.0.0-not-released")
    reason = conftest.fylein_rest_missing()
    assert reason is not None and "sageintacctrestsdk==0.0.0-not-released" in reason
    assert reason.endswith(DEV_INSTALL)
