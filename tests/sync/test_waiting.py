"""A writer's wait for whoever holds its store (:func:`intacct.destinations.waiting.wait_for`):
a moment's wait is told at INFO (``-v``), a long one once as a warning; a reader waiting
for a run is not sent to the readers' rules."""

from __future__ import annotations

import logging

import pytest

from intacct.destinations.waiting import wait_for


class HeldError(Exception):
    """The store refused: someone holds it."""


def attempts(busy_for_s: float, clock: list[float]) -> object:
    """An attempt that fails while the (fake) clock is under ``busy_for_s``."""

    def attempt() -> str:
        clock[0] += 0.05  # each try and its pause move the clock
        if clock[0] < busy_for_s:
            raise HeldError
        return "opened"

    return attempt


def waited(busy_for_s: float, caplog: pytest.LogCaptureFixture, writer: bool = True) -> list:
    clock = [0.0]
    caplog.set_level(logging.INFO, "intacct.destinations")
    result = wait_for(
        attempts(busy_for_s, clock),  # type: ignore[arg-type]
        lambda exc: "python3 (PID 7)" if isinstance(exc, HeldError) else None,
        where="x.duckdb",
        bound_s=30,
        writer=writer,
        clock=lambda: clock[0],
    )
    assert result == "opened"
    return [(r.levelno, r.getMessage()) for r in caplog.records]


def test_a_moments_wait_is_told_at_info_only(caplog: pytest.LogCaptureFixture) -> None:
    said = waited(0.3, caplog)
    assert [level for level, _ in said] == [logging.INFO, logging.INFO]
    assert "is in use by python3 (PID 7)" in said[0][1] and "let go after" in said[1][1]


def test_a_long_wait_is_a_warning_once(caplog: pytest.LogCaptureFixture) -> None:
    said = waited(2.5, caplog)
    levels = [level for level, _ in said]
    assert levels == [logging.INFO, logging.WARNING, logging.WARNING], said
    assert "Reading while a run goes on" in said[1][1]


def test_a_reader_waiting_for_a_run_is_not_sent_to_the_readers_rules(
    caplog: pytest.LogCaptureFixture,
) -> None:
    said = waited(2.5, caplog, writer=False)
    assert all("Reading while a run goes on" not in message for _, message in said)
