"""Run ``intacct`` with a profiler that counts, or SIGKILLs the process at, a named point.

A point is a call as the interpreter sees it: ``callee<caller:line`` (e.g. DuckDB's
``DuckDBPyConnection.execute`` called from ``DuckDBDestination.transaction`` at its COMMIT
line). No hook in the product: the profiler (``sys.setprofile`` in every thread) watches
the real run and kills it at the Nth call of one point, or a few microseconds into it.

Usage (by benchmarks/kills.py):
    python _killpoint.py census OUT.json -- sync ...     counts every point of a run
    python _killpoint.py kill POINT N DELAY_US -- sync ...
    python _killpoint.py plain -- sync ...              no profiler
DELAY_US = 0 kills as the call starts; > 0 kills that long after it started (inside
the call if it is still running, e.g. in the middle of a COMMIT).
"""

from __future__ import annotations

import atexit
import json
import linecache
import os
import runpy
import signal
import sys
import threading
import time
from collections import Counter
from types import FrameType
from typing import Any

#: the code whose calls are points: ours, and the stores' drivers and libraries
WATCHED = ("/intacct/", "/duckdb/", "/psycopg/", "/dlt/")


def _watched(frame: FrameType | None) -> bool:
    return frame is not None and any(part in frame.f_code.co_filename for part in WATCHED)


def _point(frame: FrameType, event: str, arg: Any) -> str | None:
    """The point an event is, or None for events that are not calls we watch."""
    if event == "call":
        caller = frame.f_back
        if not (_watched(frame) or _watched(caller)):
            return None
        where = f"{caller.f_code.co_qualname}:{caller.f_lineno}" if caller else "?"
        return f"{frame.f_code.co_qualname}<{where}"
    if event == "c_call" and _watched(frame):
        name = getattr(arg, "__qualname__", None) or getattr(arg, "__name__", "?")
        return f"{name}<{frame.f_code.co_qualname}:{frame.f_lineno}"
    return None


def _census(out: str) -> None:
    counts: Counter[str] = Counter()
    lines: dict[str, str] = {}  # the caller's source line of each point, to tell what it is

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        point = _point(frame, event, arg)
        if point is None:
            return
        counts[point] += 1
        if point not in lines:
            caller = frame.f_back if event == "call" else frame
            code = caller.f_code if caller else None
            text = linecache.getline(code.co_filename, caller.f_lineno) if code and caller else ""
            lines[point] = text.strip()

    atexit.register(lambda: _dump(out, counts, lines))
    _install(profile)


def _dump(out: str, counts: Counter[str], lines: dict[str, str]) -> None:
    with open(out, "w", encoding="utf-8") as handle:
        json.dump({"counts": dict(counts), "lines": lines}, handle)


def _kill(point: str, nth: int, delay_us: int) -> None:
    callee = point.split("<", 1)[0]
    leaf = callee.rsplit(".", 1)[-1]
    seen = 0
    lock = threading.Lock()

    def die() -> None:
        if delay_us:
            time.sleep(delay_us / 1e6)
        os.kill(os.getpid(), signal.SIGKILL)

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal seen
        if event == "call":
            if frame.f_code.co_name != leaf:
                return
        elif event == "c_call":
            if getattr(arg, "__name__", None) != leaf:
                return
        else:
            return
        if _point(frame, event, arg) != point:
            return
        with lock:
            seen += 1
            if seen != nth:
                return
        if delay_us:
            threading.Thread(target=die, daemon=True).start()
        else:
            die()

    _install(profile)


def _install(profile: Any) -> None:
    threading.setprofile(profile)
    sys.setprofile(profile)


def main() -> None:
    split = sys.argv.index("--")
    mode, args, command = sys.argv[1], sys.argv[2:split], sys.argv[split + 1 :]
    if mode == "census":
        _census(args[0])
    elif mode == "kill":
        _kill(args[0], int(args[1]), int(args[2]))
    sys.argv = ["intacct", *command]
    runpy.run_module("intacct.cli", run_name="__main__")


if __name__ == "__main__":
    main()
