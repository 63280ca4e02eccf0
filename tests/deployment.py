"""examples/dagster-deploy run on one machine as on many hosts: the example copied to a
folder, two run worker hosts and the daemon as processes, each with its own folder, HOME
and DAGSTER_HOME holding the example's dagster.yaml (the hosts' ports put in), sharing
only the network and Postgres. tests/integrations/dagster/test_deploy.py and
benchmarks/deploy.py run it."""

from __future__ import annotations

import json
import os
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

__all__ = ["EXAMPLE", "TOKEN", "Deployment", "free_port", "table_problems", "wait"]

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "dagster-deploy"
TOKEN = "test-worker-token-0123456789"
BIN = Path(sys.executable).parent


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
        variables for every process (``INTACCT_FLEET_SHARDS``...); ``fast``: the sensor
        and run monitoring every 2 s (a test's pace), else the example's."""
        self.root, self.project = root, root / "project"
        shutil.copytree(EXAMPLE, self.project)
        self.processes: list[subprocess.Popen[bytes]] = []
        self.ports = [free_port(), free_port()]
        self.env = {**os.environ, "DAGSTER_PG_URL": instance_url, "INTACCT_WORKER_TOKEN": TOKEN,
                    "INTACCT_DESTINATION": destination,
                    "INTACCT_SENDER_PASSWORD": "demo-sender-password",
                    "FLEET_USER_PASSWORD": "demo-user-password", **(env or {})}  # fmt: skip
        config = yaml.safe_load((EXAMPLE / "dagster.yaml").read_text(encoding="utf-8"))
        config["run_launcher"]["config"]["hosts"] = [f"http://127.0.0.1:{p}" for p in self.ports]
        if fast:
            self.env["INTACCT_SENSOR_INTERVAL_S"] = "2"
            config["run_monitoring"] |= {
                "poll_interval_seconds": 2,
                "free_slots_after_run_end_seconds": 2,
            }
        self.config = yaml.safe_dump(config)
        tenants = yaml.safe_load((EXAMPLE / "tenants.yaml").read_text(encoding="utf-8"))
        tenants["defaults"]["api_url"] = emulator
        if companies:
            tenants["tenants"] = [{"company_id": c} for c in companies]
        (self.project / "tenants.yaml").write_text(yaml.safe_dump(tenants), encoding="utf-8")

    def host(self, name: str) -> dict[str, str]:
        """A host's own folder, HOME and DAGSTER_HOME (with the shared instance's file)."""
        folder = self.root / name
        (folder / "dagster_home").mkdir(parents=True, exist_ok=True)
        (folder / "dagster_home" / "dagster.yaml").write_text(self.config, encoding="utf-8")
        return {**self.env, "HOME": str(folder), "DAGSTER_HOME": str(folder / "dagster_home")}

    def start(self) -> None:
        for n, port in enumerate(self.ports, 1):
            env = self.host(f"worker{n}")
            runs = str(self.root / f"worker{n}" / "runs")
            command = [sys.executable, "-m", "intacct.integrations.dagster.worker",
                       "--port", str(port), "--folder", runs]  # fmt: skip
            self._spawn(command, env, cwd=self.root / f"worker{n}")
        env = self.host("daemon")
        command = [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"]
        self._spawn(command, env, cwd=self.project)

    def _spawn(self, command: list[str], env: dict[str, str], cwd: Path) -> None:
        with (cwd / "process.log").open("ab") as log:  # the child keeps its own copy
            self.processes.append(
                subprocess.Popen(
                    command,
                    env=env,
                    cwd=cwd,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p}\n{p.read_text(errors='replace')[-4000:]}"
            for p in sorted(self.root.glob("*/process.log")) + sorted(self.root.glob("*/runs/*"))
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


def wait(what: str, done: Callable[[], Any], deployment: Deployment, limit_s: float = 180) -> Any:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        found = done()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"waited {limit_s:.0f} s for {what}\n{deployment.logs()}")


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
