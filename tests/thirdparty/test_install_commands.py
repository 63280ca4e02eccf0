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


def readme_test_command() -> str:
    """The one command in the README's Quick start block."""
    quick_start = (REPO / "README.md").read_text().split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)\n```", quick_start, re.DOTALL)
    assert block is not None
    (command,) = block.group(1).splitlines()
    return command


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
