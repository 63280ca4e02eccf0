"""Ctrl-C and SIGTERM for a long command: the first stops it cleanly, a second at once.

The first SIGINT or SIGTERM raises :class:`Interrupted` (a ``KeyboardInterrupt``) in the
main thread, so the command stops where it is, finishes the page it is storing and says
what it kept. A second signal while it does leaves at once with ``os._exit``: running
the interpreter's shutdown then would wait for threads still writing and dump the
state of native libraries (DuckDB's "leaked" lines); a page cut off there was not
committed, and the database keeps every page before it. Once the command has said what
it kept, the process ends there too (``os._exit``): in the 0.1 s the interpreter's
shutdown would take, the usual double Ctrl-C said "stopped at once" after that line or,
once Python's signal handlers were gone, killed the process without a word.

Exit statuses follow the shell's convention: 128 + the signal (130 for SIGINT, 143 for
SIGTERM).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import FrameType
from typing import NoReturn

__all__ = ["Interrupted", "exit_status", "signal_of", "stop_on_signals"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """The command got ``signum``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def signal_of(exc: BaseException) -> signal.Signals:
    """The signal behind ``exc`` or the exceptions it was raised from; SIGINT for a
    plain KeyboardInterrupt."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, Interrupted):
            return signal.Signals(cause.signum)
        cause = cause.__cause__
    return signal.SIGINT


def exit_status(exc: BaseException) -> int:
    """128 + the signal: 130 for Ctrl-C, 143 for SIGTERM."""
    return 128 + signal_of(exc)


@contextmanager
def stop_on_signals(at_once: str) -> Iterator[None]:
    """Within the block (or the function it decorates), the first SIGINT/SIGTERM raises
    :class:`Interrupted`; a second one writes ``at_once`` to stderr and exits with 128 +
    the signal. The block's ``sys.exit`` after a signal ends the process at once. Outside
    the main thread (no signals there) the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: list[int] = []

    def handle(signum: int, frame: FrameType | None) -> None:
        if got:
            sys.stderr.write(at_once + "\n")
            _leave(128 + signum)
        got.append(signum)
        raise Interrupted(signum)

    previous = {s: signal.signal(s, handle) for s in _SIGNALS}
    try:
        yield
    except SystemExit as exc:
        if got:  # stopped on a signal, and said so: nothing is left to do
            _leave(exc.code if isinstance(exc.code, int) else 1)
        raise
    finally:
        if not got:  # once stopping, a second signal until the very end leaves at once
            for s, handler in previous.items():
                signal.signal(s, handler)


def _leave(status: int) -> NoReturn:
    """End the process now, what is buffered written out first."""
    for stream in (sys.stdout, sys.stderr):
        with suppress(Exception):  # a closed or broken pipe
            stream.flush()
    os._exit(status)
