"""examples/dagster-deploy/README.md's Postgres of one's own, as written: its variables
(``export PGHOST=... PGPASSWORD=...``, the two URLs; the port alone made a free one),
then its commands ``# 1.`` to ``# 4.`` (``initdb`` asking for the password over TCP,
``pg_ctl start``, ``createdb`` of the two databases), run under root as another user, as
the README says. The README's URLs carry no password: through ``PGPASSWORD`` both
drivers connect, Dagster's (psycopg2) to ``dagster`` and the connector's (psycopg 3) to
``warehouse``; without it the server refuses them (``fe_sendauth``)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import psycopg2
import pytest

from intacct.destinations.locations import split_url
from tests.deployment import BASH, EXAMPLE, free_port
from tests.postgres import reachable_binaries, server_binaries, server_user

README = EXAMPLE / "README.md"
#: the README's variables for Postgres: the PG* line and the two URLs built on it
VARIABLES = ("PGHOST", "DAGSTER_PG_URL", "INTACCT_DESTINATION")


def _readme_command(number: int) -> str:
    found = re.findall(rf"^(.*?)\s+# {number}\.$", README.read_text(encoding="utf-8"), re.M)
    assert len(found) == 1, f"{README} marks no one command '# {number}.'"
    return str(found[0])


def _readme_exports() -> str:
    """The README's export lines of the Postgres variables, the port made a free one."""
    text = README.read_text(encoding="utf-8")
    lines = [
        line
        for line in text.splitlines()
        if line.startswith("export ") and line.split()[1].split("=")[0] in VARIABLES
    ]
    assert len(lines) == len(VARIABLES), lines
    exports = "\n".join(lines)
    return re.sub(r"PGPORT=\d+", f"PGPORT={free_port()}", exports)


@pytest.fixture
def fleet() -> Iterator[tuple[Path, dict[str, str], str | None]]:
    """$FLEET (the server user's under root), the variables, the user to run as."""
    user = server_user()
    folder = Path(tempfile.mkdtemp(prefix="intacct-fleet-"))  # others may enter /tmp
    binaries = reachable_binaries(server_binaries(), folder)
    if user is not None:
        shutil.chown(folder, user)
    env = {"PATH": f"{binaries}{os.pathsep}{os.environ['PATH']}", "FLEET": str(folder),
           "LC_ALL": "C", "HOME": str(folder)}  # fmt: skip
    printed = subprocess.run(
        [BASH, "-c", _readme_exports() + "\nenv"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    env |= dict(line.split("=", 1) for line in printed.stdout.splitlines() if "=" in line)
    try:
        yield folder, env, user
    finally:
        stop = ["pg_ctl", "-D", str(folder / "pg" / "data"), "-m", "immediate", "stop"]
        subprocess.run(stop, env=env, user=user, cwd=folder, capture_output=True, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def test_the_readme_postgres_of_ones_own(
    fleet: tuple[Path, dict[str, str], str | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, env, user = fleet
    for number in (1, 2, 3, 4):
        command = _readme_command(number)
        done = subprocess.run([BASH, "-c", command], env=env, user=user, cwd=folder,
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
        assert done.returncode == 0, f"$ {command}\n{done.stdout}{done.stderr}"
    for name in [k for k in os.environ if k.startswith("PG")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PGPASSFILE", str(folder / "no-pgpass"))  # nor this user's ~/.pgpass
    with pytest.raises(psycopg2.OperationalError, match="no password supplied"):
        psycopg2.connect(env["DAGSTER_PG_URL"])
    monkeypatch.setenv("PGPASSWORD", env["PGPASSWORD"])
    psycopg2.connect(env["DAGSTER_PG_URL"]).close()  # Dagster's driver
    url, _ = split_url(env["INTACCT_DESTINATION"])
    with psycopg.connect(url) as connection:  # the connector's
        assert connection.execute("SELECT current_database()").fetchone() == ("warehouse",)
