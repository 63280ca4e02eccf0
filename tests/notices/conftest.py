"""The receiver served as Intacct reaches it (uvicorn on a socket of its own), its queue,
and the follower reading what it keeps."""

from __future__ import annotations

import gc
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
import uvicorn

from intacct.notices import NoticeQueue
from intacct.sync import SyncReport
from intacct.sync.follow import Follower, FollowSettings


def serve_command(
    folder: Path, queue_file: Path, port: int, extra: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """``intacct notices serve`` as a user starts it (a fresh HOME in ``folder``, the demo
    app's client ID and secret in ``INTACCT_*``, and ``extra``), once it answers."""
    from tests.paths.commands import INTACCT, user_env

    from .deliveries import CLIENT_ID, SECRET

    env = user_env(folder / "home", {
        "INTACCT_SENDER_ID": "demo_sender", "INTACCT_SENDER_PASSWORD": "x",
        "INTACCT_COMPANY_ID": "DEMO", "INTACCT_USER_ID": "demo_user",
        "INTACCT_AUTH_TYPE": "oauth", "INTACCT_CLIENT_ID": CLIENT_ID,
        "INTACCT_CLIENT_SECRET": SECRET, **(extra or {}),
    })  # fmt: skip
    argv = [str(INTACCT), "notices", "serve", "--port", str(port), "--notices", str(queue_file)]
    process = subprocess.Popen(argv, env=env, cwd=folder, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            return process
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                stopped(process)  # not left running for the next test to collect
                raise RuntimeError("intacct notices serve did not start") from None
            time.sleep(0.05)


def stopped(process: subprocess.Popen[bytes]) -> None:
    """``process`` killed if it still runs, and reaped (a ``Popen`` collected while
    running is an unraisable warning in whichever test runs then: filterwarnings error)."""
    if process.poll() is None:
        process.kill()
    process.wait(30)


@contextmanager
def serving(app: Any) -> Iterator[httpx.Client]:
    """``app`` on 127.0.0.1 (a free port) in a thread; a client of it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the receiver did not start")
        threading.Event().wait(0.01)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


class Swapped:
    """An ASGI app handing each request to the app a test set: one server a module
    (a uvicorn server takes ~0.2 s to stop), each test's own receiver behind it."""

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.app is not None, "no receiver set: use the receiving fixture"
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def _served() -> Iterator[tuple[Swapped, httpx.Client]]:
    swapped = Swapped()
    with serving(swapped) as client:
        yield swapped, client


@pytest.fixture
def receiving(_served: tuple[Swapped, httpx.Client]) -> Iterator[Callable[[Any], httpx.Client]]:
    """``receiving(app)``: a client of ``app``, served for this test."""
    swapped, client = _served

    def use(app: Any) -> httpx.Client:
        swapped.app = app
        return client

    yield use
    swapped.app = None


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[NoticeQueue]:
    with NoticeQueue(tmp_path / "notices.sqlite") as kept:
        yield kept


def wait_for(done: Callable[[], bool], seconds: float = 60) -> float:
    """Seconds until ``done()`` (failing past ``seconds``)."""
    began = time.monotonic()
    while not done():
        assert time.monotonic() - began < seconds
        time.sleep(0.05)
    return time.monotonic() - began


def vendor_names(db: Path) -> dict[str, str]:
    """The live vendors of the DuckDB file at ``db``: VENDORID -> NAME."""
    gc.collect()  # a run's connection let go of: another configuration may open the file
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute('SELECT VENDORID, NAME FROM "VENDOR" WHERE _sdc_deleted_at IS NULL')
        return {row[0]: row[1] for row in rows.fetchall()}


@dataclass
class Following:
    follower: Follower
    said: list[str]


@contextmanager
def following(
    queue: NoticeQueue,
    run: Callable[[tuple[str, ...] | None], SyncReport],
    settings: FollowSettings,
) -> Iterator[Following]:
    """DEMO's VENDOR followed in a thread (as ``intacct sync --follow``) until the block
    ends; what it said is kept."""
    said: list[str] = []
    stop = threading.Event()
    follower = Follower(queue, "DEMO", ("VENDOR",), run, settings, stop=stop, said=said.append)
    thread = threading.Thread(target=follower.follow, daemon=True)
    thread.start()
    try:
        yield Following(follower, said)
    finally:
        stop.set()
        thread.join(60)
