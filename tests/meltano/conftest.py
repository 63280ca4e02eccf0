"""A real Meltano (from PyPI, in its own cached virtualenv: tests/tools.py) running the
repository's meltano.yml against an emulator started here.

The plugins are installed once, in ``.cache/test-tools/meltano-project`` (a copy of
meltano.yml, so the checkout's file is never rewritten): its ``.meltano/`` plugin
virtualenvs are kept between runs (Meltano reinstalls a plugin only when its pip_url
changes) and dropped when pyproject.toml changes (an editable install does not follow new
dependencies). Every test runs Meltano on a project of its own (meltano.yml, a state
database and ``.meltano/run``, where Meltano writes the discovered catalog, linked to
those installed plugins): two runs on one project at once, another pytest's or another
worker's, rewrite each other's catalog while it is read ("Invalid catalog"). A file lock
keeps an install from running while another pytest runs Meltano on the plugins. Meltano
runs from the repository's root, where meltano.yml's ``pip_url: -e .`` points; each
pipeline runs in its own directory (what the demo writes goes to ``output/`` there).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from intacct.emulator.server import EmulatorServer
from tests.docs import shell_block
from tests.tools import REPO as ROOT
from tests.tools import index_reachable, tool_venv, tools_dir

#: the Meltano the tests run (latest 4.x when written)
MELTANO = ["meltano==4.4.1"]
PROJECT = tools_dir() / "meltano-project"
#: the plugins' settings the tests set through the environment, as a user would
_PREFIXES = ("TAP_SAGE_INTACCT_", "TARGET_SAGE_INTACCT_", "TARGET_JSONL_", "MELTANO_", "INTACCT_")


def documented() -> list[list[str]]:
    """The guide's Meltano commands (docs/tap-and-target.md), each as its words after
    ``meltano``: the tests run them as written."""
    block = shell_block("tap-and-target.md", "meltano install")
    commands = [shlex.split(line, comments=True) for line in block.splitlines()]
    assert all(c[0] == "meltano" for c in commands), commands
    return [c[1:] for c in commands]


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


@contextmanager
def _plugins_locked(how: int) -> Iterator[None]:
    """The installed plugins, for an install (``LOCK_EX``) or for runs (``LOCK_SH``):
    another pytest on this checkout shares them."""
    PROJECT.parent.mkdir(parents=True, exist_ok=True)
    with open(PROJECT.parent / f".{PROJECT.name}.lock", "w") as lock:
        fcntl.flock(lock, how)
        yield


@pytest.fixture(scope="session")
def installed(emulator: EmulatorServer, tmp_path_factory: pytest.TempPathFactory) -> Meltano:
    """Meltano on the cached project, its plugins installed (``meltano install``),
    pointed at the emulator through the plugins' environment variables."""
    venv = tool_venv("meltano", MELTANO)
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
    with _plugins_locked(fcntl.LOCK_EX):
        _fresh_project()
        try:
            runner(*documented()[0])  # meltano install
        except AssertionError:
            if index_reachable("target-jsonl"):
                raise
            pytest.skip(
                "cannot reach the package index for the Meltano project's plugins; install "
                f"them with: MELTANO_PROJECT_ROOT={PROJECT.relative_to(ROOT)} "
                f"{venv.bin('meltano')} install"
            )
    return runner


@pytest.fixture
def meltano(installed: Meltano, tmp_path: Path) -> Iterator[Meltano]:
    """Meltano on a project of this test's own: meltano.yml, its state database and
    ``.meltano/run`` (the discovered catalog), with the installed plugins linked in."""
    project = tmp_path / "meltano-project"
    (project / ".meltano").mkdir(parents=True)
    shutil.copyfile(ROOT / "meltano.yml", project / "meltano.yml")
    for kind in (installed.project / ".meltano").iterdir():  # extractors, loaders, ...
        if kind.is_dir() and kind.name not in ("run", "logs"):
            (project / ".meltano" / kind.name).symlink_to(kind, target_is_directory=True)
    env = {
        **installed.env,
        "MELTANO_PROJECT_ROOT": str(project),
        "MELTANO_DATABASE_URI": f"sqlite:///{tmp_path / 'meltano.db'}",
    }
    with _plugins_locked(fcntl.LOCK_SH):
        yield Meltano(installed.executable, project, env)
