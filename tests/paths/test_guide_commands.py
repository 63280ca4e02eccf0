"""The guide's shell blocks that run as written with nothing configured (the embedded
demo emulator answers, as the guide says), each read from its page and run through
``bash -e`` in a fresh HOME: every command of the block ends well, with no traceback.
A block that reads ``intacct.duckdb`` runs where ``intacct sync --history`` made it (the
history block's own first command, run once for the module). What the commands return
is proven elsewhere (the sync matrix, tests/cli); here, that the documented commands
are the commands that work.

Every shell block of the docs is run by a test or says why it cannot be
(tests/documented.py, tests/test_docs.py)."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from intacct.emulator.server import EmulatorServer
from tests.docs import shell_block
from tests.paths.commands import BASH, INTACCT, Command, user_env, wait_until
from tests.ports import README_PORTS
from tests.postgres import drop_database, server_binaries

#: (page, how the block's first line starts): blocks run where ``intacct.duckdb`` is
DEMO_BLOCKS = (
    ("README.md", "intacct query VENDOR --fields VENDORID,NAME,TOTALDUE"),
    ("README.md", "intacct profiles add sandbox"),
    ("getting-started.md", "intacct profiles add sandbox"),
    ("history.md", "intacct query VENDOR --db intacct.duckdb --as-of"),
    ("doctor-and-exploring.md", "intacct objects "),
)
HISTORY = ("history.md", "intacct sync --history ")
#: the variable the profile blocks name (``--sender-password-env ACME_SENDER_PASSWORD``)
NAMED = {"ACME_SENDER_PASSWORD": "not-a-real-one"}
#: what a user types at a prompt (the profile blocks ask the user's password)
TYPED = "not-a-real-one\n"
#: the guide's emulator's demo companies, small: the commands are proven, not the data
SCALE = 300


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The module's HOME, where the embedded emulator seeds its demo once (each test
    runs in a copy)."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def synced(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder after history.md's first block (``intacct sync --history``, then a look
    as of a time) and GLDETAIL synced with ``--history``, as "As of a moment" asks for
    the books as they stood."""
    folder = tmp_path_factory.mktemp("synced")
    bash(shell_block(*HISTORY), folder, demo_env(home))
    bash("intacct sync --history --objects GLDETAIL", folder, demo_env(home))
    return folder


def demo_env(home: Path, **more: str) -> dict[str, str]:
    """A user's shell at ``home``: the installed commands on its PATH, nothing configured."""
    return user_env(home, {"PATH": f"{INTACCT.parent}:/usr/bin:/bin", **NAMED, **more})


def bash(block: str, folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``block`` run as a script (``bash -e``: every command must end well), the user
    typing :data:`TYPED` at a prompt; no traceback."""
    ran = subprocess.run(
        (BASH, "-e", "-o", "pipefail", "-c", block), cwd=folder, env=env, input=TYPED,
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    said = f"$ {block}(exit {ran.returncode})\n{(ran.stdout + ran.stderr)[-3000:]}"
    assert ran.returncode == 0 and "Traceback" not in ran.stdout + ran.stderr, said
    return ran


@pytest.mark.parametrize(("name", "start"), DEMO_BLOCKS, ids=[" ".join(b) for b in DEMO_BLOCKS])
def test_a_block_runs_as_written(
    name: str, start: str, synced: Path, home: Path, tmp_path: Path
) -> None:
    folder, own = tmp_path / "work", tmp_path / "home"
    shutil.copytree(synced, folder)
    shutil.copytree(home, own)  # the demo seeded, no profile another block made
    bash(shell_block(name, start), folder, demo_env(own))


@README_PORTS
def test_the_emulator_serves_where_the_readme_says(tmp_path: Path) -> None:
    """README's ``intacct emulator serve --port 8089``: it listens there, Ctrl-C stops it."""
    block = shell_block("README.md", "intacct emulator serve --port 8089")
    serving = Command(f"exec {block}", tmp_path, demo_env(tmp_path / "home"))
    try:
        wait_until(lambda: serving.said("listening on http://127.0.0.1:8089/"), 120, serving)
    finally:
        code = serving.stop()
    assert code in (0, 130), "".join(serving.lines[-20:])


def test_a_postgres_of_ones_own_as_the_guide_makes_it(postgres_server: str, tmp_path: Path) -> None:
    """destinations.md's local Postgres: its ``createuser`` and ``createdb`` lines, then
    ``intacct sync --db postgresql:///intacct``, as written, on the run's real server (the
    libpq variables pointing at it: what a local socket would be). The first line, the
    server's install (``sudo apt install postgresql``), is what tests/postgres.py stands
    in for; ``sudo -u postgres`` becomes the server's superuser."""
    block = shell_block("destinations.md", "sudo apt install postgresql")
    install, *lines = block.splitlines()
    assert install == "sudo apt install postgresql"
    server = urlsplit(postgres_server)
    shims = tmp_path / "shims"
    shims.mkdir()
    sudo = shims / "sudo"  # `sudo -u NAME command...`: the command as the server's superuser
    sudo.write_text(f'#!{BASH}\n[ "$1" = -u ] && shift 2\nPGUSER={server.username} exec "$@"\n')
    sudo.chmod(0o755)
    path = f"{shims}:{server_binaries()}:{INTACCT.parent}:/usr/bin:/bin"
    # the user's login name, as $USER and as libpq finds it (here: the system's is root)
    user = {"USER": "guide_reader", "PGUSER": "guide_reader"}
    libpq = {"PGHOST": server.hostname or "", "PGPORT": str(server.port), **user}
    env = demo_env(tmp_path / "home", **libpq, PATH=path)
    folder = tmp_path / "work"
    folder.mkdir()
    try:
        bash("\n".join(lines), folder, env)
        database = urlunsplit(server._replace(path="/intacct"))
        with psycopg.connect(database) as connection:
            tables = {row[0] for row in connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'intacct'"
            )}  # fmt: skip
        assert {"VENDOR", "GLACCOUNT"} <= tables, tables
    finally:
        drop_database(urlunsplit(server._replace(path="/intacct")))
        with psycopg.connect(postgres_server, autocommit=True) as connection:
            connection.execute('DROP ROLE IF EXISTS "guide_reader"')


@README_PORTS
def test_the_tap_and_the_target_as_the_guide_runs_them(tmp_path: Path) -> None:
    """tap-and-target.md's tap against an emulator on 8089 (its config file, discovery
    and a read), then its target copying DEMO's classes and departments into DEMO-ME."""
    if _port_taken(8089):
        pytest.skip("port 8089 is in use here: the guide's emulator listens there")
    env, folder = demo_env(tmp_path / "home"), tmp_path / "work"
    folder.mkdir()
    with EmulatorServer(port=8089, scale=SCALE):
        bash(shell_block("tap-and-target.md", "cat > demo.json"), folder, env)
        copy = shell_block("tap-and-target.md", "tap-sage-intacct --config demo.json --discover >")
        ran = bash(copy, folder, env)
    records = [json.loads(line) for line in (folder / "out.singer").read_text().splitlines()]
    assert {r["stream"] for r in records if r["type"] == "RECORD"} >= {"VENDOR", "GLACCOUNT"}
    # the block's own comment: the classes and departments applied in DEMO-ME
    assert re.search(r"CLASS \w+: \d+ applied", ran.stderr), ran.stderr
    assert re.search(r"DEPARTMENT \w+: \d+ applied", ran.stderr), ran.stderr


def _port_taken(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
