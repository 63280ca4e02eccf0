"""The engine's threads: an executor whose workers a stopped run can leave behind.

A run stopped by Ctrl-C (or any failure) must not wait for the requests in flight: a
page of a big object can take a quarter of a minute to come, and its records would not
be stored anyway. :class:`concurrent.futures.ThreadPoolExecutor` cannot leave them, since
the interpreter joins its threads before it exits. These workers are daemon threads:
:meth:`Workers.shutdown` with ``wait=False`` returns at once and the process may exit
while a worker still waits for its answer, which then goes nowhere.

Their futures are waited on in the main thread, where Ctrl-C and SIGTERM raise: see
:class:`_Future` for why they do not wait as the standard library's do.
"""

from __future__ import annotations

import _thread
import queue
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Executor, Future
from contextlib import suppress
from typing import Any, TypeVar, cast

__all__ = ["Workers"]

T = TypeVar("T")

#: the longest the main thread waits on a future or a worker before its signal handlers
#: may run
_SLICE_S = 0.1

_Job = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class _Future(Future[T]):
    """A future a signal can stop the wait for cleanly.

    ``Future.result`` waits in ``threading.Condition.wait``, which releases the
    condition's lock before its ``try``: a signal's exception raised in between leaves
    the lock released, and leaving ``with self._condition`` then raises RuntimeError
    "cannot release un-acquired lock" in place of the KeyboardInterrupt (CI saw a
    SIGTERM end a sync with status 1, not 143); raised just after ``with`` took the lock,
    it leaves the lock held and the worker finishing the future waits for it forever.
    So the main thread never touches the condition: it waits on a bare lock, which an
    exception leaves as it was, and reads the outcome kept beside it."""

    def __init__(self) -> None:
        super().__init__()
        self._finished = _thread.allocate_lock()
        self._finished.acquire()
        self._outcome: tuple[bool, Any] | None = None  # (failed, result or exception)

    def set_result(self, result: T) -> None:
        super().set_result(result)
        self._finish((False, result))

    def set_exception(self, exception: BaseException | None) -> None:
        super().set_exception(exception)
        self._finish((True, exception))

    def cancel(self) -> bool:
        cancelled = super().cancel()
        if cancelled:
            self._finish((True, CancelledError()))
        return cancelled

    def result(self, timeout: float | None = None) -> T:
        if timeout is not None:
            return super().result(timeout)
        if self._outcome is None:
            # a bare lock (a signal leaves it as it was), waited on in slices: a signal
            # that lands just before the wait blocks, or on another thread, wakes
            # nothing, and its handler runs only once this thread runs Python again
            # (Ctrl-C was seen ignored for a 20 s request, 1 run in 5 on a loaded host)
            while not self._finished.acquire(timeout=_SLICE_S):
                pass
            self._release()  # for any other waiter
        assert self._outcome is not None
        failed, value = self._outcome
        if failed:
            raise value
        return cast(T, value)

    def _finish(self, outcome: tuple[bool, Any]) -> None:
        self._outcome = self._outcome or outcome  # before the lock opens
        self._release()

    def _release(self) -> None:
        with suppress(RuntimeError):  # already open
            self._finished.release()


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
        future: Future[T] = _Future()
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
                while thread.is_alive():  # in slices, as a future's result (a signal)
                    thread.join(_SLICE_S)
