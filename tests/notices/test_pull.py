"""The event queue's puller against the emulator's trigger event queue: events kept
before they are acknowledged (a crash between the two loses nothing: the lease runs out
and they are listed again, kept once); and ``intacct notices pull`` as a user runs it."""

from __future__ import annotations

import os
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
from tests.docs import shell_block
from tests.paths.commands import BASH, INTACCT, user_env

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
    """docs/notices.md's command as written, the profile it names made for the emulator;
    the queue where it keeps notices by default (the user data directory)."""
    _vendors(client, "CLI-1")
    home = tmp_path / "home"
    env = user_env(home, {"PATH": f"{INTACCT.parent}:{os.environ['PATH']}"})
    given = client_config(emulator.url) | app_config()
    keys = ("api_url", "sender_id", "sender_password", "company_id", "user_id",
            "user_password", "client_id", "client_secret")  # fmt: skip
    flags = [f"--{key.replace('_', '-')}={given[key]}" for key in keys]
    profile = [str(INTACCT), "profiles", "add", "acme", *flags]
    made = subprocess.run(profile, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert made.returncode == 0, made.stdout + made.stderr
    command = shell_block("notices.md", "intacct notices pull --profile acme")
    piped = {"stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE, "stderr": subprocess.STDOUT}
    bash = [BASH, "-c", f"exec {command}"]  # its one command: SIGINT reaches it
    with subprocess.Popen(bash, env=env, cwd=tmp_path, text=True, **piped) as process:
        deadline = time.monotonic() + 60
        while _waiting(client):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.2)
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=30)
    assert process.returncode == 130, out
    assert "Pulling DEMO's event queue" in out and "demo-client-secret" not in out
    with NoticeQueue(home / ".local" / "share" / "intacct-connector" / "notices.sqlite") as kept:
        assert kept.counts()["kept"] == 1
