"""examples/dagster as its README runs it, in its two commands, taken from the README as
written: ``pip install -r examples/dagster/requirements.txt`` from the repository's root
into a virtualenv of its own (made once, under ``.cache/test-tools/``, and again when
the requirements or the project's dependencies change; skipped, naming the command,
where pip cannot reach the package index), then ``cd examples/dagster && dagster job
execute -f definitions.py -j intacct_fleet_once`` in that virtualenv, in a fresh copy of
the example (its .env giving the demo passwords, its definitions serving the demo
emulator themselves), with an empty HOME and no DAGSTER_HOME.

Then every table of each company's file (``data/<company>.duckdb``) is compared with the
example's emulator data (``emulator.sqlite``, opened again): every field of every row by
count and checksum, per entity the tenant reads (:mod:`tests.paths.expected`)."""

from __future__ import annotations

import ast
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from intacct.emulator.server import EmulatorServer
from tests.checksums import EmulatorData
from tests.paths.commands import run, user_env
from tests.paths.expected import TRIAL_BALANCE, left_out, object_problems, trial_balance_problems
from tests.sync.stores import Store
from tests.tools import REPO, tools_dir

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
    blocks = re.findall(r"```sh\n(.*?)```", (EXAMPLE / "README.md").read_text(), re.S)
    found = [line for block in blocks for line in block.splitlines() if f"# {number}." in line]
    assert len(found) == 1, f"examples/dagster/README.md marks no one command '# {number}.'"
    return str(found[0]).split(f"# {number}.")[0].strip()


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


def test_example_in_its_two_commands(example_venv: Path, tmp_path: Path) -> None:
    if _port_taken(8089):
        pytest.skip("port 8089 is in use here: the example serves its emulator there")
    checkout = tmp_path / "checkout"
    project = checkout / "examples" / "dagster"
    left = ("data", "storage", "history", "emulator.sqlite*", "__pycache__", ".tmp_dagster_home_*")
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(*left))
    path = f"{example_venv / 'bin'}:{os.environ.get('PATH', '')}"
    env = user_env(tmp_path / "home", {"PATH": path, "VIRTUAL_ENV": str(example_venv)})
    done = run((BASH, "-c", readme_command(2)), checkout, env, timeout=600)
    said = done.out + done.err
    assert done.code == 0, done.said()
    assert 'RUN_SUCCESS - Finished execution of run for "intacct_fleet_once"' in said
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
