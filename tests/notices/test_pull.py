"""The event queue's puller against the emulator's trigger event queue: events kept
before they are acknowledged (a crash between the two loses nothing: the lease runs out
and they are listed again, kept once); and ``intacct notices pull`` as a user runs it."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from intacct import IntacctClient
from intacct.emulator.demo import app_config, client_config
from intacct.emulator.server import EmulatorServer
from intacct.notices import NoticeQueue
from intacct.notices.pull import pull_once
from tests.paths.commands import INTACCT, connection, user_env

CLIENT_ID = app_config()["client_id"]


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=100, seed=9) as server:
        server.subscribe("DEMO", "VENDOR", mode="queue")
        yield server


@pytest.fixture
def client(emulator: EmulatorServer) -> Iterator[IntacctClient]:
    with IntacctClient.from_mapping({**client_config(emulator.url), **app_config()}) as c:
        yield c


def _vendors(client: IntacctClient, *names: str) -> None:
    client.create("VENDOR", [{"VENDORID": n, "NAME": n} for n in names])


def _waiting(client: IntacctClient) -> int:
    from intacct.client.rest import RestCall

    answer = client.rest.requestor.send(RestCall("GET", "/services/delivery/event/count"))
    return int(answer.result["count"])


def test_events_are_kept_then_acknowledged(client: IntacctClient, tmp_path: Path) -> None:
    _vendors(client, "PULL-1", "PULL-2", "PULL-3")
    with NoticeQueue(tmp_path / "notices.sqlite") as queue:
        assert pull_once(client.rest, queue, CLIENT_ID) == (3, 3)
        dirty = queue.pending("DEMO")
        assert dirty is not None and dirty.objects == ("VENDOR",) and dirty.records == 3
    assert _waiting(client) == 0
    with NoticeQueue(tmp_path / "notices.sqlite") as queue:
        assert pull_once(client.rest, queue, CLIENT_ID) == (0, 0)


def test_a_crash_before_the_acknowledgement_loses_nothing(
    emulator: EmulatorServer, client: IntacctClient, tmp_path: Path
) -> None:
    _vendors(client, "CRASH-1", "CRASH-2")
    broken = NoticeQueue(tmp_path / "broken.sqlite")
    broken.close()  # the puller dies keeping the first event
    with pytest.raises(Exception, match="closed"):
        pull_once(client.rest, broken, CLIENT_ID)
    assert _waiting(client) == 2  # nothing acknowledged
    emulator.store.clock.advance(61)  # the lease runs out: listed again
    with NoticeQueue(tmp_path / "notices.sqlite") as queue:
        assert pull_once(client.rest, queue, CLIENT_ID) == (2, 2)
        emulator.store.clock.advance(61)
        assert pull_once(client.rest, queue, CLIENT_ID) == (0, 0)
        assert queue.counts()["kept"] == 2
    assert _waiting(client) == 0


def test_intacct_notices_pull_as_a_user_runs_it(
    emulator: EmulatorServer, client: IntacctClient, tmp_path: Path
) -> None:
    _vendors(client, "CLI-1")
    queue = tmp_path / "notices.sqlite"
    env = user_env(tmp_path / "home", connection(emulator.url, "DEMO"))
    argv = [str(INTACCT), "notices", "pull", "--notices", str(queue), "--every-s", "0.5"]
    piped = {"stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE, "stderr": subprocess.STDOUT}
    with subprocess.Popen(argv, env=env, cwd=tmp_path, text=True, **piped) as process:
        deadline = time.monotonic() + 60
        while _waiting(client):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=30)
    assert process.returncode == 130, out
    assert "Pulling DEMO's event queue" in out and "demo-client-secret" not in out
    with NoticeQueue(queue) as kept:
        assert kept.counts()["kept"] == 1
