"""examples/dagster-deploy run on one machine as on many hosts: the example copied to a
folder, its processes (two run worker hosts, the code server, the daemon) started with
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

import yaml

from intacct.integrations.dagster.once import ONCE, SHARD_TAG
from tests.checksums import EmulatorData
from tests.paths.expected import object_problems
from tests.sync.stores import Store

__all__ = ["EXAMPLE", "TOKEN", "Deployment", "free_port", "readme_lines", "table_problems", "wait"]

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "dagster-deploy"
TOKEN = "test-worker-token-0123456789"
BIN = Path(sys.executable).parent
BASH = shutil.which("bash") or "/bin/bash"
#: the README's processes, by the comment that ends each line; the ports it names
PROCESSES = ("host 1", "host 2", "code", "the daemon")
PORTS = {"host 1": "7101", "host 2": "7102", "code": "4266"}


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
        run monitoring and the workers' watch every 1-2 s, hosts given 2 s to answer (a
        test's pace), else the example's."""
        self.root, self.repo = root, root / "repo"
        self.project = self.repo / "examples" / "dagster-deploy"
        shutil.copytree(EXAMPLE, self.project)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.ports = {name: str(free_port()) for name in PORTS}
        self.commands = {
            name: re.sub(rf"\b{PORTS[name]}\b", self.ports[name], line) if name in PORTS else line
            for name, line in readme_lines().items()
        }
        hosts = ",".join(f"http://127.0.0.1:{self.ports[h]}" for h in ("host 1", "host 2"))
        self.env = {**os.environ, "FLEET": str(root), "DAGSTER_PG_URL": instance_url,
                    "INTACCT_DESTINATION": destination, "INTACCT_API_URL": emulator,
                    "INTACCT_FLEET_SHARED": str(root / "shared"),
                    "INTACCT_WORKER_HOSTS": hosts, "INTACCT_WORKER_TOKEN": TOKEN,
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
            config["run_monitoring"]["poll_interval_seconds"] = 2
            config["run_launcher"]["config"]["timeout_s"] = 2.0
            for name in ("host 1", "host 2"):
                self.commands[name] += " --watch-s 1 --grace-s 2"
        self.config = yaml.safe_dump(config)
        if companies:
            tenants = yaml.safe_load((EXAMPLE / "tenants.yaml").read_text(encoding="utf-8"))
            tenants["tenants"] = [{"company_id": c} for c in companies]
            (self.project / "tenants.yaml").write_text(yaml.safe_dump(tenants), encoding="utf-8")

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
        """The worker hosts and the code server, then (the code served) the daemon."""
        for name in ("host 1", "host 2", "code"):
            self.spawn(name)
        wait("the code server", self._code_served, self)
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

    def _code_served(self) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", int(self.ports["code"]))) == 0

    def stop(self) -> None:
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
