"""pytest installs nothing: the README's two test commands install what they run (the
Quick start's last, the newcomer's run: the package with its test extras, then the inner
loop; Development's whole suite: the third-party SDKs too, then every tier), CI runs the
whole suite's command verbatim, and without the SDKs their tests skip naming what to run."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests import azurite, docs

from . import conftest

REPO = docs.ROOT
DEV_INSTALL = "-m pip install -e '.[dev]'"
#: how the README gives a command's time from a fresh clone: "about 4 minutes", "25 to
#: 40 minutes"
TIMED = re.compile(r"\b\d+(?: to \d+)? minutes\b[^.]*\bfresh clone\b")


def section(title: str) -> str:
    """The README's ``## title`` section, up to the next one."""
    return docs.section("README.md", title, subsections=True)


def commands(title: str) -> list[str]:
    """The ``sh`` blocks of a README section, in order."""
    return [block.rstrip("\n") for block in docs.blocks(section(title), "sh")]


def quick_start_commands() -> list[str]:
    """The commands of the README's Quick start section, in order (each one line)."""
    found = commands("Quick start")
    assert all(len(c.splitlines()) == 1 for c in found)
    return found


def newcomers_command() -> str:
    """The Quick start's last command: installs the package with its test extras and runs
    the newcomer's run, ``pytest`` alone (the inner loop: tests/conftest.py)."""
    return quick_start_commands()[-1]


def whole_suite_command() -> str:
    """Development's command that installs everything and runs every tier (CI's)."""
    found = [c for c in commands("Development") if len(c.splitlines()) == 1]
    (command,) = [c for c in found if c.endswith("--tier all")]
    return command


def test_the_quick_start_installs_and_runs_the_main_job_then_the_newcomers_tests() -> None:
    first, *_, last = quick_start_commands()
    assert first.startswith("python3 -m venv .venv && .venv/bin/pip install . ")
    assert first.endswith("&& .venv/bin/intacct sync")
    assert last == "python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && .venv/bin/pytest"


def test_ci_runs_the_whole_suite_as_the_readme_writes_it() -> None:
    command = whole_suite_command()
    assert command in (REPO / ".ci" / "run").read_text().splitlines()
    assert command.startswith("python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && ")
    assert conftest.INSTALL_JS in command
    assert command.index(conftest.INSTALL_JS) < command.index("pytest")
    assert command.index(azurite.INSTALL) < command.index("pytest")  # the DDS tests' Azure
    assert command not in quick_start_commands()


@pytest.mark.parametrize("title", ["Quick start", "Development"])
def test_each_test_command_says_how_long_it_takes_from_a_fresh_clone(title: str) -> None:
    command = newcomers_command() if title == "Quick start" else whole_suite_command()
    after = section(title).split(f"```sh\n{command}\n```", 1)[1]
    said = after.split("```", 1)[0].split("\n## ", 1)[0]  # up to the next block
    assert TIMED.search(" ".join(said.split())), f"{title}: how long does {command!r} take?"


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
