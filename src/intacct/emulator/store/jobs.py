"""The REST API's bulk jobs (``services/bulk/job/create``, :mod:`..rest.bulk`): each
job's records, where its processing stands and its results file, kept per company and
user (a job is seen only by the user who created it).

A job is ``queued`` until the worker (:mod:`..worker`) takes it, ``inProgress`` while it
writes its records one at a time, then ``completed``; ``failed`` only when the job as a
whole could not go on (its user gone, a fault of the emulator's own) [U: the portal
names the statuses of its samples, not when a job fails].

[U] Sage publishes no retention: a job is kept 24 hours after its creation (as
idempotency keys are), on the emulator's clock so a test moves time instead of waiting;
a job not finished yet is kept until it is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from intacct.emulator.store.idempotency import KEY_TTL_S

__all__ = [
    "COMPLETED",
    "FAILED",
    "IN_PROGRESS",
    "JOB_TTL_S",
    "QUEUED",
    "BulkJobs",
    "Job",
    "Progress",
    "Writer",
]

JOB_TTL_S = KEY_TTL_S
QUEUED, IN_PROGRESS, COMPLETED, FAILED = "queued", "inProgress", "completed", "failed"

#: writes one record of a job: its place in the results file and whether it was written
Writer = Callable[[Any], tuple[dict[str, Any], bool]]


@dataclass(eq=False, slots=True)
class Job:
    """A job as created: its owner, its records and how each is written (``write``, the
    same code as a batch write of the job's operation); the rest is the table's."""

    id: str
    company: str
    userid: str
    created: float
    records: list[Any]
    write: Writer
    callback_url: str | None = None
    total: int = 0
    status: str = QUEUED
    results: list[dict[str, Any]] = field(default_factory=list)
    succeeded: int = 0
    failed: int = 0

    def __post_init__(self) -> None:
        self.total = len(self.records)


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a job stands, read at one moment: ``results`` only once it completed."""

    status: str
    total: int
    succeeded: int
    failed: int
    results: tuple[dict[str, Any], ...] | None

    @property
    def percent(self) -> int:
        """Whole percent of the records done (100 only when every one is)."""
        done = self.succeeded + self.failed
        return 100 if self.status == COMPLETED else done * 100 // max(self.total, 1)


class BulkJobs:
    """Jobs by id; every operation holds one lock."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def add(self, job: Job) -> None:
        with self._lock:
            self._expire(job.created)
            self._jobs[job.id] = job

    def progress(self, company: str, user: str, job_id: str, now: float) -> Progress | None:
        """The job ``job_id`` of this company's user (None when it is unknown, gone, or
        another's)."""
        with self._lock:
            self._expire(now)
            job = self._jobs.get(job_id)
            if job is None or (job.company, job.userid) != (company, user):
                return None
            done = tuple(job.results) if job.status == COMPLETED else None
            return Progress(job.status, job.total, job.succeeded, job.failed, done)

    def take(self) -> Job | None:
        """The oldest queued job, now in progress."""
        with self._lock:
            job = next((j for j in self._jobs.values() if j.status == QUEUED), None)
            if job is not None:
                job.status = IN_PROGRESS
            return job

    def record(self, job: Job, item: dict[str, Any], succeeded: bool) -> bool:
        """One record of ``job`` done; False when the job is gone (the emulator reset)."""
        with self._lock:
            if self._jobs.get(job.id) is not job:
                return False
            job.results.append(item)
            if succeeded:
                job.succeeded += 1
            else:
                job.failed += 1
            return True

    def finish(self, job: Job, status: str) -> None:
        """``job`` ended (``completed`` or ``failed``); its records are let go."""
        with self._lock:
            job.status = status
            job.records = []

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()

    def _expire(self, now: float) -> None:
        ended = (COMPLETED, FAILED)
        for name in [
            k for k, j in self._jobs.items() if j.status in ended and j.created + JOB_TTL_S <= now
        ]:
            del self._jobs[name]
