"""``HostRunLauncher``: Dagster runs started on run worker hosts, with their health.

A deployment on many hosts launches each run away from the daemon: Dagster's
``K8sRunLauncher`` as a pod, its ``DockerRunLauncher`` as a container. This launcher does
the same with hosts that run :mod:`.worker` (``python -m
intacct.integrations.dagster.worker``), which is what the repository's deployment
example and its CI run use to stand in for them on one machine. In ``dagster.yaml``::

    run_launcher:
      module: intacct.integrations.dagster.hosts
      class: HostRunLauncher
      config:
        hosts: [http://worker1:7101, http://worker2:7101]   # or [{env: INTACCT_WORKER_HOSTS}]
        token: {env: INTACCT_WORKER_TOKEN}

``hosts`` lists the workers' base URLs; an entry may hold several, split by commas or
spaces (so one ``{env: NAME}`` can name them all). A run goes to the reachable host with
the fewest runs going (tagged ``intacct/host``); a host that took the request to start a
run but did not answer is left with it, never a second host. The run worker is
Dagster's own ``dagster api execute_run``, which loads the instance from the host's
``DAGSTER_HOME``.

Health, for run monitoring (``run_monitoring: enabled``), is what the run's host
answers: a run is failed only when its host says that its processes are all gone (SIGKILL,
an OOM kill, a host rebooted) or that it has no such run. A host that does not answer, or
answers late, cannot tell, and Dagster's monitoring fails every status but running and
success: the run is reported running, with an engine event on the run while its host is
silent. A run alive on its host is never failed; a run Dagster does end (a timeout, a
termination, by hand) is stopped by its host, whose worker frees the run's slots once
its processes are gone (:mod:`.host_runs`). A host lost for good leaves its runs started
until someone ends them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from dagster import Array, Field, StringSource
from dagster._core.errors import DagsterLaunchFailedError
from dagster._core.launcher.base import (
    CheckRunHealthResult,
    LaunchRunContext,
    RunLauncher,
    WorkerStatus,
)
from dagster._core.storage.dagster_run import DagsterRun
from dagster._grpc.types import ExecuteRunArgs
from dagster._serdes import ConfigurableClass, ConfigurableClassData

__all__ = ["HOST_TAG", "HostRunLauncher"]

#: the run tag naming the host its worker runs on
HOST_TAG = "intacct/host"
#: a host that does not answer in this long is passed over (launch) or cannot tell (health)
TIMEOUT_S = 10.0


class HostRunLauncher(RunLauncher, ConfigurableClass):
    """Runs on the hosts of ``hosts`` (their worker's base URLs), ``token`` their secret."""

    def __init__(
        self,
        hosts: Sequence[str],
        token: str,
        inst_data: ConfigurableClassData | None = None,
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        self.hosts = [h.rstrip("/") for entry in hosts for h in entry.replace(",", " ").split()]
        if not self.hosts:
            raise ValueError("HostRunLauncher: hosts is empty; name each worker's URL")
        self._token = token
        self._inst_data = inst_data
        self.timeout_s = timeout_s
        #: the runs whose host has not answered, told so on the run (this process's)
        self._silent: dict[str, str] = {}
        super().__init__()  # type: ignore[no-untyped-call]

    @property
    def inst_data(self) -> ConfigurableClassData | None:
        return self._inst_data

    @classmethod
    def config_type(cls) -> dict[str, Field]:
        return {
            "hosts": Field(
                Array(StringSource),
                description="each run worker host's base URL (an entry may hold several, "
                "split by commas or spaces: [{env: NAME}] names them all)",
            ),
            "token": Field(StringSource, description="the workers' secret ({env: NAME})"),
            "timeout_s": Field(
                float,
                default_value=TIMEOUT_S,
                description="how long a host has to answer before it is passed over "
                "(launch) or cannot tell (health)",
            ),
        }

    @classmethod
    def from_config_value(
        cls, inst_data: ConfigurableClassData, config_value: Mapping[str, Any]
    ) -> HostRunLauncher:
        return cls(
            config_value["hosts"],
            config_value["token"],
            inst_data=inst_data,
            timeout_s=config_value["timeout_s"],
        )

    # -- launching ------------------------------------------------------------------------

    def launch_run(self, context: LaunchRunContext) -> None:
        run = context.dagster_run
        self._make_pools(run)
        args = ExecuteRunArgs(
            job_origin=context.job_code_origin,  # type: ignore[arg-type]  # set on launch
            run_id=run.run_id,
            instance_ref=None,  # the host's own DAGSTER_HOME: the shared instance
            set_exit_code_on_failure=True,
        )
        from dagster._serdes import serialize_value

        body = {"run_id": run.run_id, "args": serialize_value(args)}
        problems: list[str] = []
        for host in self._by_load(problems):
            # tagged first: the host is named before the run can start there
            self._instance.add_run_tags(run.run_id, {HOST_TAG: host})
            try:
                said = self._call("POST", host, "/runs", body)
            except _HostError as exc:
                if exc.maybe_taken:  # it may have started the run: never a second host
                    self._instance.report_engine_event(
                        f"run worker host {host} did not answer the start ({exc}); the run "
                        "is left to it: if it never starts, run monitoring fails it after "
                        "start_timeout_seconds", run, cls=self.__class__,
                    )  # fmt: skip
                    return
                problems.append(str(exc))
                continue
            self._instance.report_engine_event(
                f"Started on run worker host {host} as process {said.get('pid')}",
                run, cls=self.__class__,
            )  # fmt: skip
            return
        raise DagsterLaunchFailedError(  # type: ignore[no-untyped-call]
            f"no run worker host took run {run.run_id}: " + "; ".join(problems)
        )

    def _make_pools(self, run: DagsterRun) -> None:
        """The pools the run's steps take slots of, made here if new. Dagster makes a
        pool's row at its first claim, and two hosts' first claims at once collide (a
        UniqueViolation failed a step); the launcher is one process, runs one at a time."""
        storage = self._instance.event_log_storage
        if not storage.supports_global_concurrency_limits or not run.execution_plan_snapshot_id:
            return
        plan = self._instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
        known = storage.get_concurrency_keys()
        for pool in sorted({step.pool for step in plan.steps if step.pool} - known):
            storage.initialize_concurrency_limit_to_default(pool)

    def _by_load(self, problems: list[str]) -> list[str]:
        """The reachable hosts, fewest runs going first (a host that does not answer is
        left out, its reason kept in ``problems``)."""
        loads: list[tuple[int, int, str]] = []
        for order, host in enumerate(self.hosts):
            try:
                loads.append((int(self._call("GET", host, "/runs")["running"]), order, host))
            except (_HostError, KeyError, ValueError) as exc:
                problems.append(str(exc))
        return [host for _, _, host in sorted(loads)]

    def terminate(self, run_id: str) -> bool:
        run = self._instance.get_run_by_id(run_id)
        if run is None or run.is_finished or HOST_TAG not in run.tags:
            return False
        self._instance.report_run_canceling(run)
        try:
            said = self._call("POST", run.tags[HOST_TAG], f"/runs/{run_id}/terminate")
        except _HostError as exc:
            self._instance.report_engine_event(str(exc), run, cls=self.__class__)
            return False
        return bool(said.get("signalled"))

    # -- health ---------------------------------------------------------------------------

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        host = run.tags.get(HOST_TAG)
        if host is None:
            return CheckRunHealthResult(WorkerStatus.UNKNOWN, "the run names no host")
        try:
            said = self._call("GET", host, f"/runs/{run.run_id}")
        except _HostError as exc:
            if exc.status == 404:
                return CheckRunHealthResult(
                    WorkerStatus.NOT_FOUND,
                    f"host {host} has no record of the run: it never started there, or the "
                    "host's run folder was lost",
                )
            return self._silent_host(run, host, exc)
        self._heard(run, host)
        if said.get("state") == "running":
            return CheckRunHealthResult(WorkerStatus.RUNNING, run_worker_id=str(said.get("pid")))
        code = said.get("returncode")
        if code == 0:
            return CheckRunHealthResult(WorkerStatus.SUCCESS)
        if code is None:
            how = "an exit its host did not see (its worker's server restarted meanwhile)"
        elif code < 0:
            how = f"signal {-code}"
        else:
            how = f"exit status {code}"
        tail = said.get("tail") or ""
        return CheckRunHealthResult(
            WorkerStatus.FAILED, f"the run's processes on {host} ended by {how}\n{tail}".strip()
        )

    def _silent_host(self, run: DagsterRun, host: str, exc: _HostError) -> CheckRunHealthResult:
        """A host that cannot tell: the run is left running (Dagster's monitoring fails
        any other status), the run told once."""
        said = f"run worker host {host} cannot tell how the run is ({exc})"
        if self._silent.get(run.run_id) != host:
            self._silent[run.run_id] = host
            self._instance.report_engine_event(
                f"{said}: it is left running until its host answers (a run is failed only "
                "when its host says that its processes are gone)", run, cls=self.__class__,
            )  # fmt: skip
        return CheckRunHealthResult(WorkerStatus.RUNNING, said, transient=True)

    def _heard(self, run: DagsterRun, host: str) -> None:
        if self._silent.pop(run.run_id, None) is not None:
            self._instance.report_engine_event(
                f"run worker host {host} answers again", run, cls=self.__class__
            )

    # -- the workers' API -----------------------------------------------------------------

    def _call(
        self, method: str, host: str, path: str, body: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            answer = httpx.request(
                method, host + path, json=body, headers=headers, timeout=self.timeout_s
            )
        except httpx.HTTPError as exc:
            unsent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
            raise _HostError(
                f"host {host}: {type(exc).__name__}: {exc}", maybe_taken=not unsent
            ) from None
        try:
            said = answer.json()
        except ValueError:
            said = {}
        if answer.status_code >= 300:
            error = said.get("error") if isinstance(said, dict) else None
            raise _HostError(f"host {host}: HTTP {answer.status_code}: {error}", answer.status_code)
        return said if isinstance(said, dict) else {}


class _HostError(Exception):
    """A host's refusal (``status``), or no answer: ``maybe_taken`` when the request went
    out (the host may have acted on it), not when no connection was made."""

    def __init__(self, text: str, status: int | None = None, maybe_taken: bool = False) -> None:
        super().__init__(text)
        self.status = status
        self.maybe_taken = maybe_taken
