"""A receiver SIGKILLed mid-burst loses no notice: ``intacct notices serve`` as a user
starts it (the installed command, a fresh HOME, the app's client ID and secret in
``INTACCT_*``), deliveries posted from several threads, the process killed while they
arrive; every delivery it answered 200 is in the queue file afterwards, once, and those
it never answered are simply sent again by Intacct (here: by the test) to a new
receiver and kept then."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from intacct.notices import NoticeQueue
from intacct.notices.receiver import NOTICES_PATH
from tests.paths.commands import INTACCT, user_env

from .deliveries import CLIENT_ID, SECRET, Delivery

BURST = 300


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _receiver(tmp_path: Path, queue: Path, port: int) -> subprocess.Popen[bytes]:
    env = user_env(
        tmp_path / "home",
        {
            "INTACCT_SENDER_ID": "demo_sender", "INTACCT_SENDER_PASSWORD": "x",
            "INTACCT_COMPANY_ID": "DEMO", "INTACCT_USER_ID": "demo_user",
            "INTACCT_AUTH_TYPE": "oauth", "INTACCT_CLIENT_ID": CLIENT_ID,
            "INTACCT_CLIENT_SECRET": SECRET,
        },
    )  # fmt: skip
    argv = [str(INTACCT), "notices", "serve", "--port", str(port), "--notices", str(queue)]
    process = subprocess.Popen(argv, env=env, cwd=tmp_path, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            return process
        except httpx.TransportError:
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)


def _post(port: int, delivery: Delivery) -> int:
    try:
        answer = httpx.post(
            f"http://127.0.0.1:{port}{NOTICES_PATH}", content=delivery.content(),
            headers=delivery.headers(), timeout=10,
        )  # fmt: skip
    except httpx.TransportError:  # killed: no answer, so Intacct sends it again
        return 0
    return answer.status_code


def test_a_receiver_killed_mid_burst_loses_no_notice(tmp_path: Path) -> None:
    queue, port = tmp_path / "notices.sqlite", _free_port()
    deliveries = [Delivery() for _ in range(BURST)]
    for n, delivery in enumerate(deliveries):
        delivery.body["key"] = str(n)
    process = _receiver(tmp_path, queue, port)
    kept_so_far, lock = [0], threading.Lock()

    def post(delivery: Delivery) -> int:  # SIGKILL once 30 deliveries have been answered
        status = _post(port, delivery)
        with lock:
            kept_so_far[0] += status == 200
            if kept_so_far[0] == 30:
                os.kill(process.pid, signal.SIGKILL)
        return status

    with ThreadPoolExecutor(8) as pool:
        answered = list(pool.map(post, deliveries))
    process.wait(30)
    acknowledged = {d.key for d, status in zip(deliveries, answered, strict=True) if status == 200}
    assert 0 < len(acknowledged) < BURST, "the kill must land mid-burst"
    with NoticeQueue(queue) as kept:
        dirty = kept.pending("DEMO")
        assert dirty is not None and acknowledged <= set(dirty.keys)

    # Intacct retries what was not answered 200: a new receiver keeps each once
    process = _receiver(tmp_path, queue, port)
    try:
        again = [d for d, status in zip(deliveries, answered, strict=True) if status != 200]
        assert {_post(port, d) for d in again} == {200}
        assert _post(port, deliveries[0]) == 200  # a redelivery of one kept already
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)
    with NoticeQueue(queue) as kept:
        assert kept.counts() == {"kept": BURST, "pending": BURST, "consumed": 0}
