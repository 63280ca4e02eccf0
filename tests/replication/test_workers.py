"""The engine's workers: a signal stops the main thread's wait for them cleanly."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from types import FrameType
from typing import Any

import pytest

from intacct.replication.run.workers import Workers


def _interrupted_at(step: int, wait: Callable[[], object]) -> int:
    """Run ``wait`` raising KeyboardInterrupt at its ``step``-th bytecode instruction,
    as a signal arriving there would; the instructions it ran when it was not reached."""
    ran = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal ran
        frame.f_trace_opcodes = True
        if event == "opcode":
            ran += 1
            if ran == step:
                raise KeyboardInterrupt
        return trace

    sys.settrace(trace)
    try:
        wait()
    finally:
        sys.settrace(None)
    return ran


def _outcomes(submit: Callable[[threading.Event], Future[object]]) -> dict[str, list[int]]:
    """What an interrupt at each instruction of waiting for a future does."""
    outcomes: dict[str, list[int]] = {}
    for step in range(1, 1000):
        release = threading.Event()
        future = submit(release)
        timer = threading.Timer(0.005, release.set)
        timer.start()
        try:
            _interrupted_at(step, future.result)
        except KeyboardInterrupt:
            outcomes.setdefault("stopped", []).append(step)
        except RuntimeError:
            outcomes.setdefault("broken", []).append(step)
        else:
            return outcomes
        finally:
            timer.join()
            future.result()
    pytest.fail("the wait never ended")


def test_a_signal_at_any_instruction_of_a_wait_stops_it_cleanly() -> None:
    workers = Workers(1, "test-workers")
    try:
        outcomes = _outcomes(lambda release: workers.submit(release.wait))
    finally:
        workers.shutdown()
    assert "broken" not in outcomes, outcomes
    assert outcomes["stopped"]


def test_the_standard_futures_wait_would_break() -> None:
    """The reason for the above: the standard library's future, waited on the same way,
    leaves its lock released and raises RuntimeError (CPython's Condition.wait)."""

    def submit(release: threading.Event) -> Future[object]:
        future: Future[object] = Future()
        threading.Thread(target=lambda: future.set_result(release.wait()), daemon=True).start()
        return future

    assert _outcomes(submit).get("broken"), "the standard future no longer breaks"
