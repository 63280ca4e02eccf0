"""The rest of a process's output, once a test has read some of it line by line.

``Popen.communicate`` reads the pipes' descriptors, not their file objects: what a
``readline`` had already read ahead into a file object's buffer is skipped, so a test
that reads a few lines and then communicates misses a piece of the output (a region
rich drew just after the line waited for, say), at random."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["finish", "read_until"]


def finish(proc: subprocess.Popen[Any], timeout: float) -> tuple[Any, Any]:
    """``proc``'s stdout and stderr from where the test left them to their end, its
    exit awaited: ``communicate``'s answer with nothing lost. Past ``timeout`` seconds
    the process is killed and :class:`subprocess.TimeoutExpired` raised."""
    told: dict[str, Any] = {}
    readers = [
        threading.Thread(target=lambda n=name, f=file: told.__setitem__(n, f.read()), daemon=True)
        for name, file in (("out", proc.stdout), ("err", proc.stderr))
        if file is not None
    ]
    for reader in readers:
        reader.start()
    deadline = time.monotonic() + timeout
    for reader in readers:
        reader.join(max(deadline - time.monotonic(), 0))
        if reader.is_alive():
            proc.kill()
            proc.wait()
            raise subprocess.TimeoutExpired(proc.args, timeout)
    proc.wait(max(deadline - time.monotonic(), 0.1))
    for file in (proc.stdout, proc.stderr):
        if file is not None:
            file.close()
    return told.get("out"), told.get("err")


def read_until(
    proc: subprocess.Popen[Any], enough: Callable[[list[str]], bool], told: list[str]
) -> list[str]:
    """``proc``'s stderr lines (bytes decoded) added to ``told`` until ``enough`` of
    them; a command that ends first fails the test with what it said."""
    assert proc.stderr is not None
    while not enough(told):
        line = proc.stderr.readline()
        line = line.decode() if isinstance(line, bytes) else line
        assert line, "".join(told)
        told.append(line)
    return told
