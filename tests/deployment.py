"""examples/dagster-deploy run on one machine as on many hosts: the example copied to a
folder, its processes (the broker, two run worker hosts, the code server, the daemon) started with
the README's own command lines, each with its own HOME and DAGSTER_HOME holding the
example's dagster.yaml, sharing only the network, Postgres and the shared folder
(``INTACCT_FLEET_SHARED``); every setting in the README's environment variables.
tests/integrations/dagster/test_deploy.py, test_deploy_hosts.py and benchmarks/deploy.py
run it."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from celery import Celery
from dagster import DagsterEventType, DagsterInstance, DagsterRun
from dagster_celery.tags import DAGSTER_CELERY_TASK_ID_TAG

from intacct.integrations.dagster.once import ONCE, SHARD_TAG
from tests.checksums import EmulatorData
from tests.paths.expected import object_problems
from tests.sync.stores import Store

__all__ = [
    "EXAMPLE", "Deployment", "free_port", "readme_lines", "run_processes", "table_problems",
    "wait",
]  # fmt: skip

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "dagster-deploy"
BIN = Path(sys.executable).parent
BASH = shutil.which("bash") or "/bin/bash"
#: the README's processes, by the comment that ends each line; the ports it names
PROCESSES = ("the broker", "host 1", "host 2", "code", "the daemon")
PORTS = {"the broker": "6379", "code": "4266"}
#: the run worker hosts' processes
HOSTS = ("host 1", "host 2")


def readme_lines() -> dict[str, str]:
    """The README's command lines of the processes, by the comment that ends each."""
    text = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    found = {}
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            command, _, comment = line.partition("  # ")
            if comment.strip() in PROCESSES:
                found[comment.strip()] = command.strip()
    missing = set(PROCESSES) - set(found)
    assert not missing, f"examples/dagster-deploy/README.md has no command marked {missing}"
    return found


class Deployment:
    """The example copied to ``root``: its files, the processes, their environment."""

    def __init__(
        self,
        root: Path,
        instance_url: str,
        destination: str,
        emulator: str,
        companies: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        fast: bool = True,
    ) -> None:
        """``companies``: the tenant list's (default: the example's); ``env``: more
        variables for every process (``INTACCT_FLEET_SHARDS``...); ``fast``: the sensor,
        the run queue, run monitoring and the workers' watch every 1-2 s, hosts given 2 s
        to answer (a test's pace), else the example's."""
        _need_the_broker()
        self.root, self.repo = root, root / "repo"
        self.project = self.repo / "examples" / "dagster-deploy"
        shutil.copytree(EXAMPLE, self.project)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._celery: Celery | None = None
        self.ports = {name: str(free_port()) for name in PORTS}
        self.commands = {
            name: re.sub(rf"\b{PORTS[name]}\b", self.ports[name], line) if name in PORTS else line
            for name, line in readme_lines().items()
        }
        self.env = {**os.environ, "FLEET": str(root), "DAGSTER_PG_URL": instance_url,
                    "INTACCT_DESTINATION": destination, "INTACCT_API_URL": emulator,
                    "INTACCT_FLEET_SHARED": str(root / "shared"),
                    "INTACCT_CELERY_BROKER": f"redis://127.0.0.1:{self.ports['the broker']}/0",
                    "INTACCT_CODE_SERVER_HOST": "127.0.0.1",
                    "INTACCT_CODE_SERVER_PORT": self.ports["code"],
                    "INTACCT_SENDER_PASSWORD": "demo-sender-password",
                    "FLEET_USER_PASSWORD": "demo-user-password",
                    "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
                    # the shards' schedule never fires mid-run (at the top of an hour it
                    # queued runs of its own): :meth:`launch` queues its runs
                    "INTACCT_FLEET_CRON": "0 0 1 1 *",
                    **(env or {})}  # fmt: skip
        (root / "shared").mkdir(exist_ok=True)
        config = yaml.safe_load((EXAMPLE / "dagster.yaml").read_text(encoding="utf-8"))
        if fast:
            self.env["INTACCT_SENSOR_INTERVAL_S"] = "2"
            config["run_queue"] = {"dequeue_interval_seconds": 1}  # Dagster's default: 5
            config["run_monitoring"]["poll_interval_seconds"] = 2
            config["run_monitoring"]["free_slots_after_run_end_seconds"] = 2
            # a run a process, a process a host: the first two runs on both hosts
            config["concurrency"]["runs"]["max_concurrent_runs"] = len(HOSTS)
            for name in HOSTS:
                self.commands[name] = self.commands[name].replace(" -c 4", " -c 1")
        self.config = yaml.safe_dump(config)
        if companies:
            tenants = yaml.safe_load((EXAMPLE / "tenants.yaml").read_text(encoding="utf-8"))
            tenants["tenants"] = [{"company_id": c} for c in companies]
            (self.project / "tenants.yaml").write_text(yaml.safe_dump(tenants), encoding="utf-8")

    def configure(self, **sections: dict[str, Any]) -> None:
        """Settings of dagster.yaml's ``sections`` changed, for every process started
        after (``run_monitoring={"max_runtime_seconds": 90}``)."""
        config = yaml.safe_load(self.config)
        for name, settings in sections.items():
            config[name].update(settings)
        self.config = yaml.safe_dump(config)

    def host(self, name: str) -> dict[str, str]:
        """A host's own folder, HOME and DAGSTER_HOME (with the shared instance's file)."""
        folder = self.root / name
        (folder / "dagster_home").mkdir(parents=True, exist_ok=True)
        (folder / "dagster_home" / "dagster.yaml").write_text(self.config, encoding="utf-8")
        return {**self.env, "HOME": str(folder), "DAGSTER_HOME": str(folder / "dagster_home")}

    def instance_env(self) -> dict[str, str]:
        """The variables the example's dagster.yaml reads: what opening the instance takes."""
        text = (EXAMPLE / "dagster.yaml").read_text(encoding="utf-8")
        return {name: self.env[name] for name in re.findall(r"\{env: (\w+)\}", text)}

    def start(self) -> None:
        """The broker, the worker hosts and the code server, then (the code served) the
        daemon."""
        self.spawn("the broker")
        wait("the broker", lambda: self._listening("the broker"), self)
        for name in (*HOSTS, "code"):
            self.spawn(name)
        wait("the code server", lambda: self._listening("code"), self)
        self.spawn("the daemon")

    def spawn(self, name: str) -> subprocess.Popen[bytes]:
        """The README's process ``name`` (again, after :meth:`signal`), as a host of its own."""
        folder = self.root / name.removeprefix("the ").replace(" ", "")
        env = self.host(folder.name)
        with (folder / "process.log").open("ab") as log:  # the child keeps its own copy
            self.processes[name] = subprocess.Popen(
                [BASH, "-c", self.commands[name]],
                env=env,
                cwd=self.repo,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self.processes[name]

    def signal(self, name: str, how: signal.Signals) -> None:
        """``how`` to process ``name``'s group: the process alone, not the runs it started."""
        os.killpg(self.processes[name].pid, how)
        if how == signal.SIGKILL:
            self.processes[name].wait(30)

    def _listening(self, name: str) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", int(self.ports[name]))) == 0

    def run_host(self, run: DagsterRun) -> str | None:
        """The host whose worker took ``run`` ("host 1"), as its Celery task's state says
        (None while no worker has)."""
        if self._celery is None:  # one app for every question (tests poll with it)
            broker = self.env["INTACCT_CELERY_BROKER"]
            self._celery = Celery(broker=broker, backend=broker, set_as_current=False)
        result = self._celery.AsyncResult(run.tags[DAGSTER_CELERY_TASK_ID_TAG])
        # a started task's state names its worker; an ended one's, with extended results
        started = result.info if result.state == "STARTED" else None
        worker = started.get("hostname") if isinstance(started, dict) else result.worker
        return f"host {worker.split('@')[0].removeprefix('host')}" if worker else None

    def stop(self) -> None:
        if self._celery is not None:
            self._celery.close()
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGCONT)  # a stopped one too
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p}\n{p.read_text(errors='replace')[-4000:]}"
            for p in sorted(self.root.glob("*/process.log")) + sorted(self.root.glob("w*/*.log"))
        )

    def launch(self, shard: str) -> None:
        """The shard's next run, queued as the shards' schedule queues it."""
        config = json.dumps({"ops": {"intacct_tenants": {"config": {"shard": shard}}}})
        tags = json.dumps({SHARD_TAG: shard})
        command = [str(BIN / "dagster"), "job", "launch", "-w", "workspace.yaml", "-j",
                   ONCE, "--config-json", config, "--tags", tags]  # fmt: skip
        done = subprocess.run(command, env=self.host("launcher"), cwd=self.project,
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr


def _need_the_broker() -> None:
    """Redis, the README's broker: skipped without it, with the command that installs it
    (.ci/run installs it: under CI its absence fails)."""
    if shutil.which("redis-server"):
        return
    said = "redis-server is not installed: apt-get install redis-server (Debian's package)"
    if os.environ.get("CI"):
        raise AssertionError(said)
    pytest.skip(said)


def run_processes(instance: DagsterInstance, run_id: str) -> list[int]:
    """The run worker's pid (its engine event says it) and its descendants' (the steps)."""
    said = [e.message for e in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT)]
    pids = [
        int(m.group(1))
        for s in said
        if (m := re.match(r"Started process for run \(pid: (\d+)\)", s))
    ]
    found: list[int] = []
    while pids:
        pid = pids.pop()
        found.append(pid)
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            pids += [int(child) for child in task.read_text().split()]
    return found


def free_port() -> int:

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait(
    what: str,
    done: Callable[[], Any],
    deployment: Deployment,
    limit_s: float = 180,
    state: Callable[[], str] | None = None,
) -> Any:
    """``done()`` once true; else fail after ``limit_s`` with ``state()`` (what is still
    waited for, said first: the processes' logs after it may be cut short) and the logs."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        found = done()
        if found:
            return found
        time.sleep(0.5)
    said = f"{state()}\n" if state else ""
    raise AssertionError(f"waited {limit_s:.0f} s for {what}\n{said}{deployment.logs()}")


def table_problems(company: str, url: str, data: EmulatorData, objects: Sequence[str]) -> list[str]:
    """``objects`` of ``company`` in its schema ``intacct_<company>`` at ``url`` against
    the emulator's rows (counts and checksums of every field)."""
    store = Store("postgres", url, url, schema=f"intacct_{company}")
    problems = []
    for name in objects:
        columns = list(store.columns(name))
        problems += object_problems(
            f"{company} {name}", name, columns, store.records(name), data, company, [""]
        )
    return problems
