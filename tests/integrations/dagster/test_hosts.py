"""HostRunLauncher never starts a run on a second host when the first took the request to
start it but did not answer (a slow host: it may well have started it), and its
``hosts`` may come from one environment variable. (Health through real outages:
test_deploy_hosts.py.)"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import dagster as dg
import httpx
import pytest
from dagster._core.launcher import LaunchRunContext

from intacct.integrations.dagster.hosts import HOST_TAG, HostRunLauncher
from tests.integrations.dagster.conftest import WORKER_TOKEN


@dg.op
def nothing() -> None: ...


@dg.job
def a_job() -> None:
    nothing()


@pytest.fixture
def slow_host() -> Iterator[str]:
    """A host that tells its load and then takes a request to start a run and never
    answers it (as a host that has stopped or is swamped mid-request)."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            request = connection.recv(65536)
            if request.startswith(b"GET /runs "):
                body = b'{"running": 0}'
                head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                connection.sendall(head + body)
                connection.close()
            else:
                held.append(connection)  # read, never answered

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()
        for connection in held:
            connection.close()


def test_an_unanswered_start_is_left_to_its_host(slow_host: str, worker: str) -> None:
    launcher = HostRunLauncher([f"{slow_host}, {worker}"], WORKER_TOKEN, timeout_s=0.5)
    assert launcher.hosts == [slow_host, worker]  # one entry may name several
    with dg.DagsterInstance.ephemeral() as instance:
        launcher.register_instance(instance)
        origin = dg.reconstructable(a_job).get_python_origin()
        run = instance.create_run_for_job(a_job, job_code_origin=origin)
        launcher.launch_run(LaunchRunContext(dagster_run=run, workspace=None))
        found = instance.get_run_by_id(run.run_id)
        assert found is not None and found.tags[HOST_TAG] == slow_host
        told = [e.message for e in instance.all_logs(run.run_id)]
        assert any("did not answer the start" in (m or "") for m in told), told
    running = httpx.get(f"{worker}/runs", headers={"Authorization": f"Bearer {WORKER_TOKEN}"})
    assert running.json() == {"running": 0}  # the second host started nothing


def test_no_hosts_is_refused() -> None:
    with pytest.raises(ValueError, match="hosts is empty"):
        HostRunLauncher([" , "], WORKER_TOKEN)
