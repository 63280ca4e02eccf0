"""A real Meltano (from PyPI, in its own cached virtualenv: tests/tools.py) running the
repository's meltano.yml against an emulator started here.

The Meltano project is a copy of meltano.yml in ``.cache/test-tools/meltano-project``,
so the checkout's file is never rewritten, while ``.meltano/`` there (the plugins'
virtualenvs) is kept between runs: Meltano reinstalls a plugin only when its pip_url
changes, and the copy is dropped when pyproject.toml changes (an editable install does
not follow new dependencies). Meltano runs from the repository's root, where meltano.yml's
``pip_url: -e .`` points; each pipeline runs in its own directory (what the demo writes
goes to ``output/`` there), and a test session has its own state database.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from intacct.emulator.server import EmulatorServer
from tests.tools import REPO as ROOT
from tests.tools import index_reachable, tool_venv, tools_dir

#: the Meltano the tests run (latest 4.x when written)
MELTANO = ["meltano==4.4.1"]
PROJECT = tools_dir() / "meltano-project"
#: the plugins' settings the tests set through the environment, as a user would
_PREFIXES = ("TAP_SAGE_INTACCT_", "TARGET_SAGE_INTACCT_", "TARGET_JSONL_", "MELTANO_", "INTACCT_")


@dataclass(frozen=True)
class Meltano:
    executable: Path
    project: Path
    env: dict[str, str]

    def __call__(
        self, *args: str, cwd: Path = ROOT, timeout: float = 600, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """``meltano ARGS`` on the project; a failure shows Meltano's own log."""
        done = subprocess.run(
            [str(self.executable), *args],
            cwd=cwd,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"meltano {' '.join(args)}:\n{done.stderr[-6000:]}"
        return done


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=300, seed=5) as server:
        yield server


def _fresh_project() -> None:
    """The cached project with the checkout's meltano.yml; its plugins' virtualenvs are
    dropped when pyproject.toml (this package's dependencies) changed."""
    stamp = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    marker = PROJECT / "pyproject.sha256"
    if not marker.is_file() or marker.read_text() != stamp:
        shutil.rmtree(PROJECT, ignore_errors=True)
        PROJECT.mkdir(parents=True)
        marker.write_text(stamp)
    shutil.copyfile(ROOT / "meltano.yml", PROJECT / "meltano.yml")


@pytest.fixture(scope="session")
def meltano(emulator: EmulatorServer, tmp_path_factory: pytest.TempPathFactory) -> Meltano:
    """Meltano on a copy of meltano.yml, its plugins installed (``meltano install``),
    pointed at the emulator through the plugins' environment variables."""
    venv = tool_venv("meltano", MELTANO)
    _fresh_project()
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(_PREFIXES)}
    state = tmp_path_factory.mktemp("meltano-state") / "meltano.db"
    env = {
        **inherited,
        "MELTANO_PROJECT_ROOT": str(PROJECT),
        "MELTANO_DATABASE_URI": f"sqlite:///{state}",
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        # Meltano installs plugins with uv, which reads neither pip's config nor its
        # certificate: the system's trust store is what pip trusts here too
        "UV_NATIVE_TLS": os.environ.get("UV_NATIVE_TLS", "true"),
        "TAP_SAGE_INTACCT_API_URL": emulator.url,
        "TARGET_SAGE_INTACCT_API_URL": emulator.url,
        # numbers through the environment arrive as text unless declared with a kind
        "TAP_SAGE_INTACCT_TIMEOUT_S": "60",
        "TARGET_SAGE_INTACCT_TIMEOUT_S": "60",
    }
    runner = Meltano(venv.bin("meltano"), PROJECT, env)
    try:
        runner("install")
    except AssertionError:
        if index_reachable("target-jsonl"):
            raise
        pytest.skip(
            "cannot reach the package index for the Meltano project's plugins; install "
            f"them with: MELTANO_PROJECT_ROOT={PROJECT.relative_to(ROOT)} "
            f"{venv.bin('meltano')} install"
        )
    return runner
