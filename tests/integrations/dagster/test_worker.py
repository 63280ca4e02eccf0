"""The run worker host's HTTP API refuses what it must, starting nothing: a request
without the token or with a wrong one, a run id that is no Dagster run id (it names a
file), args that are not a run's, args of another run, an oversized body; and its
command line refuses a short token. The runs it starts are known again by a server
started after it, and a run is going while any process of it lives. (Dagster's runs
through it: test_deploy.py, test_deploy_hosts.py.)"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from intacct.integrations.dagster.host_runs import HostRuns
from intacct.integrations.dagster.worker import MAX_BODY, TOKEN_VAR, watch
from tests.integrations.dagster.conftest import WORKER_TOKEN


def _post(url: str, body: object, token: str | None = WORKER_TOKEN) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.post(f"{url}/runs", json=body, headers=headers, timeout=30)


@pytest.mark.parametrize("token", [None, "wrong-token", WORKER_TOKEN + "x"])
def test_no_valid_token_no_run(worker: str, tmp_path: Path, token: str | None) -> None:
    answer = _post(worker, {"run_id": "0a", "args": "{}"}, token)
    assert answer.status_code == 401
    assert httpx.get(f"{worker}/runs", timeout=30).status_code == 401
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"run_id": "../../etc/x", "args": "{}"}, "is not a Dagster run id"),
        ({"run_id": "0a1b", "args": '{"__class__": "Nothing"}'}, "not a Dagster run's"),
        ({"run_id": "0a1b"}, "not a run to start"),
        ({"run_id": 1, "args": "{}"}, "run_id and args are text"),
    ],
)
def test_what_is_not_a_run_is_refused(
    worker: str, tmp_path: Path, body: dict[str, object], said: str
) -> None:
    answer = _post(worker, body)
    assert answer.status_code == 400 and said in answer.json()["error"]
    assert not list(tmp_path.iterdir())
    running = httpx.get(f"{worker}/runs", headers={"Authorization": f"Bearer {WORKER_TOKEN}"})
    assert running.json() == {"running": 0}


def test_an_oversized_body_is_refused_unread(worker: str) -> None:
    answer = _post(worker, {"run_id": "0a", "args": "x" * (MAX_BODY + 1)})
    assert answer.status_code == 413


def test_a_short_token_is_refused_at_start(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "intacct.integrations.dagster.worker", "--port", "0"]
    done = subprocess.run(command, env={TOKEN_VAR: "short"}, cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 2 and TOKEN_VAR in done.stderr


def _wait_for(check: Callable[[], bool]) -> None:
    for _ in range(200):
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("waited 10 s")


def test_a_restarted_worker_answers_for_its_runs(tmp_path: Path) -> None:
    """The records on the host's disk: a new server knows the runs an earlier one
    started, going or ended, and the exit status the earlier one saw."""
    first = HostRuns(tmp_path)
    pid = first.start("0a1b", [sys.executable, "-c", "import time; time.sleep(60)"])["pid"]
    again = HostRuns(tmp_path)  # the server restarted; the run goes on
    assert again.describe("0a1b") == {"pid": pid, "state": "running"}
    assert again.running() == 1
    os.killpg(pid, signal.SIGKILL)
    _wait_for(lambda: first.describe("0a1b")["state"] == "exited")  # type: ignore[index]
    assert first.describe("0a1b")["returncode"] == -signal.SIGKILL  # type: ignore[index]
    said = HostRuns(tmp_path).describe("0a1b")
    assert said is not None and (said["state"], said["returncode"]) == ("exited", -9)
    assert HostRuns(tmp_path).describe("0a2b") is None  # never started here


def test_a_run_goes_while_a_process_of_it_lives(tmp_path: Path) -> None:
    """A run whose leader has exited but whose step still runs is going: its host never
    calls it ended while a step of it may write."""
    step = "import time; time.sleep(60)"
    leader = f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {step!r}])"
    runs = HostRuns(tmp_path)
    pid = runs.start("0c1d", [sys.executable, "-c", leader])["pid"]
    _wait_for(lambda: bool(runs.describe("0c1d")) and runs.runs["0c1d"].returncode == 0)
    assert runs.describe("0c1d") == {"pid": pid, "state": "running"}  # its leader exited
    os.killpg(pid, signal.SIGKILL)  # the step, its group's last process
    _wait_for(lambda: runs.describe("0c1d")["state"] == "exited")  # type: ignore[index]


def test_the_watch_opens_the_instance_again_when_it_could_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An instance that cannot be opened (here a storage class that is not there; in CI
    another process making Dagster's tables at the same moment) does not end the watch:
    once it can be, it is opened and watched (a dead watch left a killed run's slots
    held, its company's next run waiting for an hour)."""
    home = tmp_path / "home"
    home.mkdir()
    yaml = home / "dagster.yaml"
    yaml.write_text("run_storage:\n  module: no_such_module\n  class: NoSuchStorage\n")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=(HostRuns(tmp_path / "runs"), 0.05, 1.0, stop))
    with caplog.at_level(logging.WARNING, logger="intacct.worker"):
        thread.start()
        try:
            _wait_for(lambda: "could not open the Dagster instance" in caplog.text)
            assert thread.is_alive()
            yaml.write_text("")  # Dagster's defaults: its tables in files under the home
            _wait_for(lambda: any(p != yaml for p in home.rglob("*")))
            assert thread.is_alive()
        finally:
            stop.set()
            thread.join(timeout=10)
    assert not thread.is_alive()
