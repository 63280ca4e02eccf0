"""The engine's threads: an executor whose workers a stopped run can leave behind.

A run stopped by Ctrl-C (or any failure) must not wait for the requests in flight: a
page of a big object can take a quarter of a minute to come, and its records would not
be stored anyway. :class:`concurrent.futures.ThreadPoolExecutor` cannot leave them, since
the interpreter joins its threads before it exits. These workers are daemon threads:
:meth:`Workers.shutdown` with ``wait=False`` returns at once and the process may exit
while a worker still waits for its answer, which then goes nowhere.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

__all__ = ["Workers"]

T = TypeVar("T")

_Job = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class Workers(Executor):
    """``count`` daemon threads named ``name-N``, started as work comes."""

    def __init__(self, count: int, name: str) -> None:
        self._count, self._name = max(1, count), name
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._idle = threading.Semaphore(0)
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot submit work to workers that were shut down")
            self._jobs.put((future, fn, args, kwargs))
            if not self._idle.acquire(blocking=False) and len(self._threads) < self._count:
                thread = threading.Thread(
                    target=self._work, name=f"{self._name}-{len(self._threads)}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
        return future

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, fn, args, kwargs = job
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args, **kwargs))
                except BaseException as exc:  # noqa: BLE001 (the future carries it)
                    future.set_exception(exc)
            del job, future, fn, args, kwargs  # nothing of the job is kept while idle
            self._idle.release()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """No more work; with ``cancel_futures`` the work not started is cancelled; with
        ``wait`` the workers finish what they run, else they are left to it."""
        with self._lock:
            self._closed = True
            threads = list(self._threads)
        if cancel_futures:
            while True:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    job[0].cancel()
        for _ in threads:
            self._jobs.put(None)
        if wait:
            for thread in threads:
                thread.join()
