"""The emulator's bulk job worker: one thread per emulator, started with its first job,
that runs the store's queued jobs (:mod:`.store.jobs`) one after the other, record by
record, on its own (whether anyone polls or not), in the server and in-process alike;
:meth:`JobWorker.close` (the emulator's close) stops it between two records.

Its pace is a control (``/_emulator/bulk``, ``InProcessEmulator.pace_bulk``):
``record_ms`` waited before each record [U: Intacct's pace is unpublished; none by
default], ``paused`` (no record is written: a job not started stays ``queued``, one
started stays ``inProgress``) and ``step`` (while paused, let that many more records
through), so a test sees each status when it wants to, without racing a clock.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from intacct.emulator.store.jobs import COMPLETED, FAILED, BulkJobs, Job

__all__ = ["Background", "JobWorker"]

log = logging.getLogger("intacct.emulator")


class Background:
    """One daemon thread named ``name`` running :meth:`_run`, started by the first
    :meth:`_wake` and stopped by :meth:`close`; every setting and wait of a subclass goes
    through one condition, ``_cond``, and ends once ``_closed``."""

    def __init__(self, name: str, join_timeout_s: float = 30) -> None:
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._name = name
        self._join_timeout_s = join_timeout_s

    def _wake(self) -> bool:
        """Start the thread if it is not running and tell it there is work (with
        ``_cond`` held); False once closed."""
        if self._closed:
            return False
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()
        self._cond.notify_all()
        return True

    def _run(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Stop the thread after the step under way (it waits at most the join timeout)."""
        with self._cond:
            self._closed = True
            thread = self._thread
            self._cond.notify_all()
        if thread is not None:
            thread.join(timeout=self._join_timeout_s)


class JobWorker(Background):
    """Runs the jobs of ``jobs``; every setting and wait goes through one condition.
    :meth:`close` stops after the record being written (queued jobs stay queued)."""

    def __init__(self, jobs: BulkJobs) -> None:
        super().__init__("emulator-bulk-jobs")
        self._jobs = jobs
        self._record_ms = 0
        self._paused = False
        self._steps = 0

    def wake(self) -> None:
        """A job was queued: start the thread if it is not running, and tell it."""
        with self._cond:
            self._wake()

    def pace(
        self, *, record_ms: int | None = None, paused: bool | None = None, step: int | None = None
    ) -> dict[str, Any]:
        """Change what is given; the settings as they are then (``steps`` those left)."""
        with self._cond:
            if record_ms is not None:
                self._record_ms = record_ms
            if paused is not None:
                self._paused = paused
                self._steps = 0
            if step is not None:
                self._steps += step
            self._cond.notify_all()
            return {"record_ms": self._record_ms, "paused": self._paused, "steps": self._steps}

    def _run(self) -> None:
        while (job := self._next()) is not None:
            self._process(job)

    def _next(self) -> Job | None:
        """The next job to run, once one is queued and the pace lets it start; None when
        closed."""
        with self._cond:
            while not self._closed:
                if not self._paused or self._steps:
                    job = self._jobs.take()
                    if job is not None:
                        return job
                self._cond.wait()
            return None

    def _process(self, job: Job) -> None:
        try:
            for record in job.records:
                if not self._admit():
                    return  # closed: the job stays in progress, as an interrupted one
                item, succeeded = job.write(record)
                if not self._jobs.record(job, item, succeeded):
                    return  # the emulator was reset under it
        except Exception:  # the job as a whole cannot go on: failed, never a dead thread
            log.exception("bulk job %s failed", job.id)
            self._jobs.finish(job, FAILED)
            return
        self._jobs.finish(job, COMPLETED)

    def _admit(self) -> bool:
        """Wait until the pace lets the next record go (one step used while paused);
        False when closed."""
        with self._cond:
            deadline = time.monotonic() + self._record_ms / 1000
            while not self._closed:
                if self._paused and not self._steps:
                    self._cond.wait()
                    deadline = time.monotonic() + self._record_ms / 1000
                    continue
                left = deadline - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                if self._paused:
                    self._steps -= 1
                return True
            return False
