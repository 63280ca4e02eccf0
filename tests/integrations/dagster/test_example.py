"""examples/dagster as its README runs it, in its two commands, taken from the README as
written: ``pip install -r examples/dagster/requirements.txt`` from the repository's root
into a virtualenv of its own (made once, under ``.cache/test-tools/``, and again when
the requirements or the project's dependencies change; skipped, naming the command,
where pip cannot reach the package index), then ``cd examples/dagster && dg launch
--job intacct_fleet_once -f definitions.py`` in that virtualenv (Dagster's own one-shot
command: ``dagster job execute`` is superseded by it and warns so), in a fresh copy of
the example (its .env giving the demo passwords, its definitions serving the demo
emulator themselves), with an empty HOME and no DAGSTER_HOME.

Then every table of each company's file (``data/<company>.duckdb``) is compared with the
example's emulator data (``emulator.sqlite``, opened again): every field of every row by
count and checksum, per entity the tenant reads (:mod:`tests.paths.expected`).

Its emulator's port is a setting, and only an emulator it identifies is used; its change
notices as the README runs them: the profile, ``intacct notices serve``, ``dagster
dev``, a vendor written, the notices run (issue 46)."""

from __future__ import annotations

import ast
import hashlib
import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from intacct import IntacctClient
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.integrations.dagster.notices import NOTICES_TAG, companies_of
from tests.checksums import EmulatorData
from tests.paths.commands import Command, numbered_commands, run, user_env, wait_until
from tests.paths.expected import TRIAL_BALANCE, left_out, object_problems, trial_balance_problems
from tests.ports import README_PORTS
from tests.sync.stores import Store
from tests.tools import REPO, tools_dir

pytestmark = README_PORTS

EXAMPLE = REPO / "examples" / "dagster"
BASH = shutil.which("bash") or "/bin/bash"
#: what pip prints when it cannot reach the index (tests/tools.py's list)
OFFLINE = re.compile(
    r"after connection broken by|Could not fetch URL|NewConnectionError|Failed to establish"
    r"|Temporary failure in name resolution|Name or service not known|Network is unreachable"
    r"|ProxyError|ConnectTimeoutError|ReadTimeoutError|No matching distribution found"
)


def readme_command(number: int) -> str:
    """The README's command marked ``# <number>.``, as written."""
    found = numbered_commands((EXAMPLE / "README.md").read_text(encoding="utf-8"))
    assert number in found, f"examples/dagster/README.md marks no command '# {number}.'"
    return found[number]


def _port_taken(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _stamp() -> str:
    """What the example's virtualenv was made from: Python, requirements, dependencies."""
    made = hashlib.sha256(sys.version.encode())
    for path in (EXAMPLE / "requirements.txt", REPO / "pyproject.toml"):
        made.update(path.read_bytes())
    return made.hexdigest()


@pytest.fixture(scope="module")
def example_venv() -> Path:
    """A virtualenv after the README's first command (run in it from the repository's
    root, with its own pip), made once and kept while what made it is unchanged."""
    venv = tools_dir() / "dagster-example"
    stamp = venv / "made-from"
    if stamp.exists() and stamp.read_text() == _stamp() and (venv / "bin" / "dagster").exists():
        return venv
    command = readme_command(1)
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "VIRTUAL_ENV": str(venv)}
    done = subprocess.run(
        [BASH, "-c", command], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=1200, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        said = done.stdout + done.stderr
        if OFFLINE.search(said):
            pytest.skip(f"pip cannot reach the package index; in a virtualenv: {command}")
        pytest.fail(f"{command} failed:\n{said[-3000:]}")
    stamp.write_text(_stamp())
    return venv


def fleet_objects(definitions: Path) -> list[str]:
    """The objects the example's definitions give the fleet (``objects=[...]``)."""
    for node in ast.walk(ast.parse(definitions.read_text())):
        if isinstance(node, ast.keyword) and node.arg == "objects":
            return list(ast.literal_eval(node.value))
    raise AssertionError(f"{definitions} gives fleet_definitions no objects")


def checkout_of(tmp_path: Path) -> tuple[Path, Path]:
    """A fresh copy of the example (nothing a run left), as ``examples/dagster`` of a
    checkout: the checkout and the example's folder."""
    checkout = tmp_path / "checkout"
    project = checkout / "examples" / "dagster"
    left = ("data", "storage", "history", "emulator.sqlite*", "notices.sqlite*", "__pycache__",
            ".tmp_dagster_home_*")  # fmt: skip
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(*left))
    return checkout, project


def venv_env(tmp_path: Path, venv: Path) -> dict[str, str]:
    """A fresh HOME, the virtualenv ``venv`` activated."""
    path = f"{venv / 'bin'}:{os.environ.get('PATH', '')}"
    return user_env(tmp_path / "home", {"PATH": path, "VIRTUAL_ENV": str(venv)})


def test_example_in_its_two_commands(example_venv: Path, tmp_path: Path) -> None:
    if _port_taken(8089):
        pytest.skip("port 8089 is in use here: the example serves its emulator there")
    checkout, project = checkout_of(tmp_path)
    env = venv_env(tmp_path, example_venv)
    done = run((BASH, "-c", readme_command(2)), checkout, env, timeout=600)
    said = done.out + done.err
    assert done.code == 0, done.said()
    assert 'RUN_SUCCESS - Finished execution of run for "intacct_fleet_once"' in said
    assert "Warning" not in said, said  # no SupersessionWarning: the command is current
    assert not _port_taken(8089)  # the example's emulator went with its process

    objects = fleet_objects(project / "definitions.py")
    tenants = yaml.safe_load((project / "tenants.yaml").read_text())["tenants"]
    assert {t["company_id"] for t in tenants} == {"DEMO", "DEMO-ME"}
    problems: list[str] = []
    with EmulatorServer(port=0, db=project / "emulator.sqlite") as emulator:
        data = EmulatorData.of(emulator)
        for tenant in tenants:
            company = tenant["company_id"]
            problems += company_problems(
                project / "data" / f"{company}.duckdb", emulator, data, company,
                list(tenant.get("objects") or objects), list(tenant.get("entity_ids") or [""]),
                left_out(said),
            )  # fmt: skip
        data.close()
    assert problems == [], "\n".join(problems)


def company_problems(
    db: Path,
    emulator: EmulatorServer,
    data: EmulatorData,
    company: str,
    objects: list[str],
    entities: list[str],
    left: dict[str, set[str]],
) -> list[str]:
    if not db.exists():
        return [f"{company}: no {db.name}"]
    store = Store("duckdb", str(db), str(db), schema="main")
    problems = []
    with store.connected() as con:
        tables = set(con.tables())
        if tables != set(objects):
            problems.append(
                f"{company}: tables {sorted(tables)}, not the tenant's {sorted(objects)}"
            )
        for name in objects:
            records, label = con.records(name), f"{company} {name}"
            if name == TRIAL_BALANCE:
                problems += trial_balance_problems(label, records, emulator.url, company, entities)
                continue
            problems += object_problems(label, name, list(con.columns(name)), records, data,
                                        company, entities, left.get(name, ()))  # fmt: skip
    return problems


def test_the_emulator_port_is_a_setting_and_an_emulator_there_is_used(
    example_venv: Path, tmp_path: Path
) -> None:
    """``INTACCT_EXAMPLE_EMULATOR_PORT`` (its README): the example's second command with
    an emulator of one's own already on that port syncs that emulator's companies, and
    serves none of its own (no emulator.sqlite). In the README's virtualenv (its ``dg``)."""
    checkout, project = checkout_of(tmp_path)
    with EmulatorServer(port=0, scale=300, seed=46, max_concurrency=0) as emulator:
        env = venv_env(tmp_path, example_venv)
        env["INTACCT_EXAMPLE_EMULATOR_PORT"] = str(emulator.port)
        done = run((BASH, "-c", readme_command(2)), checkout, env, timeout=600)
        said = done.out + done.err
        assert done.code == 0 and "RUN_SUCCESS" in said, done.said()
        assert not (project / "emulator.sqlite").exists()
        data = EmulatorData.of(emulator)
        tenants = yaml.safe_load((project / "tenants.yaml").read_text())["tenants"]
        problems: list[str] = []
        for tenant in tenants:
            company = tenant["company_id"]
            problems += company_problems(
                project / "data" / f"{company}.duckdb", emulator, data, company,
                list(tenant.get("objects") or fleet_objects(project / "definitions.py")),
                list(tenant.get("entity_ids") or [""]), left_out(said),
            )  # fmt: skip
        data.close()
    assert problems == [], "\n".join(problems)


class _NotAnEmulator(http.server.BaseHTTPRequestHandler):
    """Something else on the port: a web server that has no /_emulator/."""

    def do_GET(self) -> None:
        self.send_error(404)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def test_anything_else_on_the_emulator_port_is_a_clear_error(
    example_venv: Path, tmp_path: Path
) -> None:
    """Not a bare TCP probe: a web server on the port is not taken for the emulator (the
    runs would fail against it, one by one); loading the definitions fails, naming the
    port and the setting."""
    checkout, project = checkout_of(tmp_path)
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotAnEmulator) as other:
        threading.Thread(target=other.serve_forever, daemon=True).start()
        port = other.server_address[1]
        env = venv_env(tmp_path, example_venv)
        env["INTACCT_EXAMPLE_EMULATOR_PORT"] = str(port)
        done = run((BASH, "-c", readme_command(2)), checkout, env, timeout=600)
        other.shutdown()
    said = done.out + done.err
    assert done.code != 0, done.said()
    assert f"http://127.0.0.1:{port} answers, but not as the example's intacct emulator" in said
    assert "GET /_emulator/companies: HTTP 404" in said and "INTACCT_EXAMPLE_EMULATOR_PORT" in said
    assert not (project / "emulator.sqlite").exists() and not (project / "data").exists()


def test_example_notices_as_written(
    example_venv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's "Changes within seconds", each command as written in its terminal:
    the profile, the receiver (its first line names the profile and the emulator's
    issuer), ``dagster dev``; once the first runs are done, a vendor written; a run
    tagged ``intacct/notices`` naming DEMO stores it in data/DEMO.duckdb and the notice is
    read."""
    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

    if any(_port_taken(port) for port in (8089, 8080, 3000)):
        pytest.skip("port 8089, 8080 or 3000 is in use here: the example listens there")
    checkout, project = checkout_of(tmp_path)
    env, running = venv_env(tmp_path, example_venv), []
    try:
        added = run((BASH, "-c", readme_command(3)), checkout, env, timeout=120)
        assert added.code == 0, added.said()
        receiver = Command(readme_command(4), checkout, env)
        running.append(receiver)
        wait_until(lambda: receiver.said("Receiving Intacct's notices"), 60, receiver)
        started = receiver.line("Receiving Intacct's notices")
        assert "for profile 'emulator'" in started, started
        assert "their tokens issued by http://127.0.0.1:8089/ia/api/v1" in started, started
        dagster = Command(readme_command(5), checkout, env)
        running.append(dagster)
        wait_until(lambda: (project / "dagster.yaml").exists() and _port_taken(3000), 300, dagster)
        monkeypatch.setenv("DAGSTER_HOME", str(project))  # the instance dagster dev runs
        instance = DagsterInstance.get()

        def succeeded(noticed: bool = False) -> set[str]:
            """The companies with a run done (a notices run's when ``noticed``)."""
            runs = instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.SUCCESS]))
            if noticed:
                return {c for r in runs if NOTICES_TAG in r.tags
                        for c in companies_of(r.run_config)}  # fmt: skip
            return {r.tags.get("dagster/partition", "") for r in runs}

        wait_until(lambda: succeeded() >= {"DEMO", "DEMO-ME"}, 900, receiver, dagster)
        written = run((BASH, "-c", readme_command(6)), checkout, env, timeout=120)
        assert written.code == 0, written.said()
        wait_until(lambda: receiver.said("delivery accepted: VENDOR create"), 60, receiver)
        wait_until(lambda: "DEMO" in succeeded(noticed=True), 600, receiver, dagster)
        status = run((BASH, "-c", readme_command(7)), checkout, env)
        for _ in range(30):  # consumed on the sensor's next tick (every 5 s)
            if "1 notice kept, 0 pending" in status.out:
                break
            time.sleep(2)
            status = run((BASH, "-c", readme_command(7)), checkout, env)
        assert "1 notice kept, 0 pending, 1 read" in status.out, status.said()
    finally:
        codes = [command.stop() for command in reversed(running)][::-1]
    assert codes == [130, 0], [c.lines[-5:] for c in running]
    assert not _port_taken(8089)  # the example's emulator went with dagster dev
    with (
        EmulatorServer(port=0, db=project / "emulator.sqlite") as emulator,
        IntacctClient.from_mapping(client_config(emulator.url)) as client,
    ):
        truth = {r["VENDORID"] for r in client.iter_query("VENDOR", ["VENDORID"])}
    with duckdb.connect(str(project / "data" / "DEMO.duckdb"), read_only=True) as con:
        stored = {row[0] for row in con.execute("SELECT VENDORID FROM VENDOR").fetchall()}
    assert "V-NEW" in stored and stored == truth
