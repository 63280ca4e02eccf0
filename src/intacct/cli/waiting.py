"""A visible line while the gateway is silent, so that no command seems to hang.

On a terminal, once a request has waited ``after_s`` with nothing received, a line on
stderr counts the seconds and says when the request gives up and which setting says so
(``first_byte_timeout_s``, or a shorter ``timeout_s``); it is erased the moment the
answer begins.
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

from intacct.client.transport import InFlight, Silence
from intacct.logging import plain_text, say

__all__ = ["wait_notice"]

_ERASE = "\r\x1b[K"


@contextmanager
def wait_notice(
    in_flight: InFlight,
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
    notice = _Notice(in_flight, out, terminal, after_s, every_s)
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
        out: IO[str],
        terminal: bool,
        after_s: float,
        every_s: float,
    ) -> None:
        self.in_flight, self.out = in_flight, out
        self.terminal, self.after_s, self.every_s = terminal, after_s, every_s
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.shown = False  # a terminal line is on screen
        self.told = 0.0  # the wait last told in a plain line

    def watch(self) -> None:
        while not self.stop.wait(0.25):
            silence = self.in_flight.silence()
            waited = silence.waited_s if silence is not None else 0.0
            if silence is None or waited < self.after_s:
                self.told = 0.0
                continue
            text = _told(silence)
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


def _told(silence: Silence) -> str:
    return (
        f"waiting for the gateway: {silence.waited_s:.0f} s so far with nothing received "
        f"(the request fails at {silence.gives_up_s:g} s if nothing comes; "
        f"{silence.setting} sets it)"
    )
