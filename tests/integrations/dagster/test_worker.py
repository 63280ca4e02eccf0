"""The run worker host's HTTP API refuses what it must, starting nothing: a request
without the token or with a wrong one, a run id that is no Dagster run id (it names a
file), args that are not a run's, args of another run, an oversized body; and its
command line refuses a short token. (Runs it does start: test_deploy.py.)"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from intacct.integrations.dagster.worker import MAX_BODY, TOKEN_VAR, serve

TOKEN = "a-worker-token-for-tests"


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[str]:
    server = serve("127.0.0.1", 0, tmp_path, TOKEN)
    # polled every 50 ms (not 0.5 s): shutting it down after each test waits one poll
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _post(url: str, body: object, token: str | None = TOKEN) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.post(f"{url}/runs", json=body, headers=headers, timeout=30)


@pytest.mark.parametrize("token", [None, "wrong-token", TOKEN + "x"])
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
    running = httpx.get(f"{worker}/runs", headers={"Authorization": f"Bearer {TOKEN}"})
    assert running.json() == {"running": 0}


def test_an_oversized_body_is_refused_unread(worker: str) -> None:
    answer = _post(worker, {"run_id": "0a", "args": "x" * (MAX_BODY + 1)})
    assert answer.status_code == 413


def test_a_short_token_is_refused_at_start(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "intacct.integrations.dagster.worker", "--port", "0"]
    done = subprocess.run(command, env={TOKEN_VAR: "short"}, cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 2 and TOKEN_VAR in done.stderr
