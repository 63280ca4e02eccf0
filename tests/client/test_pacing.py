"""A throttle slows the whole client down: a shared pause, and request slots held back
until the gateway has been calm for a while; a run against a gateway that allows fewer
requests than asked for finishes, complete."""

from __future__ import annotations

import logging
import threading

import pytest

from intacct import IntacctClient
from intacct.client.pacing import CALM_ANSWERS, PAUSE_S, Pacer
from intacct.emulator.inprocess import InProcessEmulator
from intacct.replication import Replicator, RunState, StreamPage, StreamSpec


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def pacer(limit: int = 4) -> tuple[Pacer, threading.BoundedSemaphore, Clock]:
    slots = threading.BoundedSemaphore(limit)
    clock = Clock()
    return Pacer(slots, limit, clock=clock, sleep=clock.sleep), slots, clock


def free(slots: threading.BoundedSemaphore) -> int:
    taken = 0
    while slots.acquire(blocking=False):
        taken += 1
    for _ in range(taken):
        slots.release()
    return taken


def test_a_throttle_pauses_every_request_for_retry_after_or_the_default() -> None:
    p, _, clock = pacer()
    p.wait()
    assert clock.slept == []
    p.throttled(retry_after=3.0)
    p.wait()
    p.wait()  # the pause is over for the second one
    p.throttled(retry_after=None)
    p.wait()
    assert clock.slept == [3.0, PAUSE_S]


def test_each_throttle_holds_a_slot_back_down_to_one_and_calm_gives_them_back() -> None:
    p, slots, _ = pacer(limit=3)
    for _ in range(5):
        p.throttled(None)
    assert (p.held, free(slots)) == (2, 1)  # never below one slot
    for _ in range(CALM_ANSWERS - 1):
        p.answered()
    assert free(slots) == 1
    p.answered()
    assert (p.held, free(slots)) == (1, 2)
    p.throttled(None)  # a new throttle starts the calm count again
    for _ in range(CALM_ANSWERS - 1):
        p.answered()
    assert free(slots) == 1


def test_a_run_asking_more_than_the_company_allows_finishes_complete(
    caplog: pytest.LogCaptureFixture,
) -> None:
    objects = ("VENDOR", "CUSTOMER", "GLACCOUNT", "APBILL", "CLASS", "DEPARTMENT")
    with InProcessEmulator(scale=200, max_concurrency=1) as emu:
        config = {**emu.config(), "max_concurrency": 4, "page_size": 25, "timeout_s": 30}
        with IntacctClient.from_mapping(config, http_transport=emu.transport()) as client:
            seen: dict[str, set[int]] = {}

            class Keep:
                def page(self, page: StreamPage) -> None:
                    seen.setdefault(page.stream, set()).update(r["RECORDNO"] for r in page.records)

                def warning(self, stream: str, text: str) -> None:
                    raise AssertionError(text)

            with caplog.at_level(logging.WARNING, logger="intacct.retry"):
                report = Replicator(client, page_size=25).run(
                    [StreamSpec(o) for o in objects], RunState(), Keep()
                )
            truth = {o: {int(r["RECORDNO"]) for r in client.iter_query(o, ["RECORDNO"])}
                     for o in objects}  # fmt: skip
    assert report.failed == []
    assert seen == truth
    assert any("ThrottledError" in r.getMessage() for r in caplog.records)
