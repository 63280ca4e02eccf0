"""A receiver SIGKILLed mid-burst loses no notice: ``intacct notices serve`` as a user
starts it (the installed command, a fresh HOME, the app's client ID and secret in
``INTACCT_*``), deliveries posted from several threads, the process killed while they
arrive; every delivery it answered 200 is in the queue file afterwards, once, and those
it never answered are simply sent again by Intacct (here: by the test) to a new
receiver and kept then."""

from __future__ import annotations

import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from intacct.notices import NoticeQueue
from intacct.notices.receiver import NOTICES_PATH
from tests.deployment import free_port

from .conftest import serve_command, stopped
from .deliveries import Delivery

BURST = 300


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
    queue, port = tmp_path / "notices.sqlite", free_port()
    deliveries = [Delivery() for _ in range(BURST)]
    for n, delivery in enumerate(deliveries):
        delivery.body["key"] = str(n)
    process = serve_command(tmp_path, queue, port)
    kept_so_far, lock = [0], threading.Lock()

    def post(delivery: Delivery) -> int:  # SIGKILL once 30 deliveries have been answered
        status = _post(port, delivery)
        with lock:
            kept_so_far[0] += status == 200
            if kept_so_far[0] == 30:
                os.kill(process.pid, signal.SIGKILL)
        return status

    try:
        with ThreadPoolExecutor(8) as pool:
            answered = list(pool.map(post, deliveries))
    finally:
        stopped(process)  # killed mid-burst, or by this if the burst ended first
    acknowledged = {d.key for d, status in zip(deliveries, answered, strict=True) if status == 200}
    assert 0 < len(acknowledged) < BURST, "the kill must land mid-burst"
    with NoticeQueue(queue) as kept:
        dirty = kept.pending("DEMO")
        assert dirty is not None and acknowledged <= set(dirty.keys)

    # Intacct retries what was not answered 200: a new receiver keeps each once
    process = serve_command(tmp_path, queue, port)
    try:
        again = [d for d, status in zip(deliveries, answered, strict=True) if status != 200]
        assert {_post(port, d) for d in again} == {200}
        assert _post(port, deliveries[0]) == 200  # a redelivery of one kept already
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        finally:
            stopped(process)
    with NoticeQueue(queue) as kept:
        assert kept.counts() == {"kept": BURST, "pending": BURST, "consumed": 0}
