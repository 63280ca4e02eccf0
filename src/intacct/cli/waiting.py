"""A visible line while the gateway is silent, so that no command seems to hang.

On a terminal, once a request has waited ``after_s`` a line on stderr counts the seconds
and names the deadline (``timeout_s``); it is erased the moment the answer comes.
Elsewhere (a pipe, a log, ``--log-format json``) a line is said
(:func:`intacct.logging.say`, a warning) when a wait passes ``after_s`` and again every
``every_s`` while it lasts; ``-q`` silences it.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from intacct.logging import plain_text, say
from intacct.transport import InFlight

__all__ = ["wait_notice"]

_ERASE = "\r\x1b[K"


@contextmanager
def wait_notice(
    in_flight: InFlight,
    deadline_s: float,
    *,
    after_s: float = 3.0,
    every_s: float = 30.0,
    live: bool = True,
) -> Iterator[None]:
    """Within the block, tell stderr about long waits for the requests ``in_flight``
    tracks; ``live=False``: the command's own live display owns the terminal (it shows
    the command is alive), so only logs are told."""
    out = sys.stderr
    terminal = out.isatty() and plain_text()
    if terminal and not live:
        yield
        return
    notice = _Notice(in_flight, deadline_s, out, terminal, after_s, every_s)
    in_flight.on_answer = notice.erase
    worker = threading.Thread(target=notice.watch, name="intacct-wait-notice", daemon=True)
    worker.start()
    try:
        yield
    finally:
        in_flight.on_answer = None
        notice.stop.set()
        worker.join()
        notice.erase()


class _Notice:
    def __init__(
        self,
        in_flight: InFlight,
        deadline_s: float,
        out: IO[str],
        terminal: bool,
        after_s: float,
        every_s: float,
    ) -> None:
        self.in_flight, self.deadline_s, self.out = in_flight, deadline_s, out
        self.terminal, self.after_s, self.every_s = terminal, after_s, every_s
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.shown = False  # a terminal line is on screen
        self.told = 0.0  # the wait last told in a plain line

    def watch(self) -> None:
        while not self.stop.wait(0.25):
            waited = self.in_flight.waited()
            if waited < self.after_s:
                self.told = 0.0
                continue
            text = (
                f"waiting for the gateway: {waited:.0f} s so far "
                f"(a request gives up after {self.deadline_s:g} s; timeout_s sets it)"
            )
            with self.lock:
                if self.terminal:
                    self.out.write(f"{_ERASE}{text}...")
                    self.out.flush()
                    self.shown = True
                elif not self.told or waited - self.told >= self.every_s:
                    say(text, logging.WARNING)
                    self.told = waited

    def erase(self) -> None:
        with self.lock:
            if self.shown:
                self.out.write(_ERASE)
                self.out.flush()
                self.shown = False
