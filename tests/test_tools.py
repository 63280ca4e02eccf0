"""The test tools themselves: a third-party tool's virtualenv (tests/tools.py) is made once
per pin, remade when the pin changes, skipped with the install command when pip is
offline; the PostgreSQL server (tests/postgres.py) serves real databases."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psycopg
import pytest

from tests import tools

#: a small pure-Python wheel, in two releases
OLD, NEW = "six==1.16.0", "six==1.17.0"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(tools.ENV_VAR, str(tmp_path / "tools"))
    return tmp_path / "tools"


def version(venv: tools.ToolVenv, package: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({package!r}))"
    return subprocess.run([venv.python, "-c", code], capture_output=True, text=True).stdout.strip()


def test_a_tool_is_installed_once_per_pin_and_remade_when_it_changes(cache: Path) -> None:
    venv = tools.tool_venv("six-tool", [OLD])
    assert venv.path == cache / "six-tool" and version(venv, "six") == "1.16.0"
    marker = venv.path / "kept"
    marker.touch()
    assert tools.tool_venv("six-tool", [OLD]) == venv and marker.exists()  # reused
    assert version(tools.tool_venv("six-tool", [NEW]), "six") == "1.17.0"
    assert not marker.exists()  # made anew, not patched


def test_without_the_index_the_test_skips_with_the_install_command(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # an index on a closed loopback port, no local wheels, no pip configuration; one
    # retry instead of five (pip says why it retries: that is how offline is told apart)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", "https://127.0.0.1:9/simple/")
    monkeypatch.setenv("PIP_RETRIES", "1")
    for name in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(tools, "_OFFLINE", [])  # what this test learns stays in it
    with pytest.raises(pytest.skip.Exception) as skipped:
        tools.tool_venv("offline-tool", [NEW])
    command = tools.install_command("offline-tool", [NEW])
    assert str(skipped.value).endswith(f"install it with: {command}")
    venv = cache / "offline-tool"
    assert command == f"python3 -m venv {venv} && {venv}/bin/pip install {NEW}"
    assert not venv.exists()
    # the next tool of the run skips at once, naming its own command
    with pytest.raises(pytest.skip.Exception) as skipped:
        tools.tool_venv("other-tool", [OLD])
    assert str(skipped.value).endswith(tools.install_command("other-tool", [OLD]))
    assert not (cache / "other-tool").exists()


def test_a_pin_that_does_not_exist_fails_the_test(cache: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match=r"six==0\.0\.0"):
        tools.tool_venv("bad-pin", ["six==0.0.0"])


def test_only_exact_pins_are_accepted(cache: Path) -> None:
    with pytest.raises(ValueError, match="pin an exact version"):
        tools.tool_venv("loose", ["six>=1"])


def test_the_postgres_fixture_serves_a_fresh_database(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as connection:
        tables = connection.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
        connection.execute("CREATE TABLE t (id int PRIMARY KEY)")
        connection.execute("INSERT INTO t VALUES (1)")
        assert tables == (0,)
        assert connection.execute("SELECT id FROM t").fetchall() == [(1,)]
