"""Running a Data Delivery Service job and waiting for it: ``runDdsJob`` sent once, then
the job's DDSJOB record read until it is ``Completed`` or ``Failed``.

What it costs (developer.intacct.com, data-delivery-service/; [U] that each is billed as
one API transaction, as every function is and as the emulator bills them):

* :func:`run_job`: one ``runDdsJob`` (one API transaction) and one DDSJOB ``read`` a
  poll (one each): a job polled ``n`` times costs ``1 + n``.
* :func:`wait_for_job`: one DDSJOB ``read`` a poll.

Waiting is not retrying: each poll is one request through the client, which retries it
under the client's one policy (:mod:`intacct.client.retry`) like any read; between polls
the job is left to run, the pause growing from :attr:`Polling.first_s` by
:attr:`Polling.factor` up to :attr:`Polling.cap_s`, for :attr:`Polling.max_wait_s` in
all. ``runDdsJob`` queues a job, so it is sent as a write: under ``uniqueid`` with its
control id, a retry of it the gateway already applied is refused, never a second job
(:class:`~intacct.client.gateway.IntacctClient.execute`).

A wait that ends before the job does raises :class:`~intacct.errors.DdsJobPendingError`
naming the job's RECORDNO: the job goes on in Intacct, and :func:`wait_for_job` with that
RECORDNO picks it up again (a later run, no new job). A job that ends ``Failed`` raises
:class:`~intacct.errors.DdsJobFailedError` with Intacct's ERROR.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from intacct.client.gateway import IntacctClient
from intacct.errors import (
    AlreadyAppliedError,
    DdsError,
    DdsJobFailedError,
    DdsJobPendingError,
    RequestBuildError,
)
from intacct.protocol import dds
from intacct.protocol.dds import DdsJob, RunDdsJob

__all__ = ["Polling", "check_completed", "poll_job", "run_job", "start_job", "wait_for_job"]

log = logging.getLogger("intacct.client.dds")


@dataclass(frozen=True, slots=True)
class Polling:
    """How long and how often a job is polled: the first pause ``first_s``, each next
    one ``factor`` times longer up to ``cap_s``, and ``max_wait_s`` in all (the last
    pause shortened to end there, then one last read). Each poll is one billed read."""

    first_s: float = 5.0
    factor: float = 2.0
    cap_s: float = 300.0
    max_wait_s: float = 4 * 3600.0

    def __post_init__(self) -> None:
        if not 0 < self.first_s <= self.cap_s:
            raise RequestBuildError("Polling", "0 < first_s <= cap_s is required")
        if self.factor < 1:
            raise RequestBuildError("Polling", "factor must be 1 or more")
        if self.max_wait_s < 0:
            raise RequestBuildError("Polling", "max_wait_s must be 0 or more")


def start_job(client: IntacctClient, job: RunDdsJob) -> DdsJob:
    """Send ``runDdsJob`` once (one API transaction) and answer the queued job.

    Raises :class:`~intacct.errors.DdsError` when the gateway says the send was already
    applied (a retry after a lost answer): the job exists but its RECORDNO was lost;
    find it with :func:`intacct.protocol.dds.query_dds_jobs` (the object's latest)."""
    try:
        (record,) = client.call(job).records
    except AlreadyAppliedError:
        raise DdsError(
            f"DDS job for {job.object}: runDdsJob was queued but its answer was lost; "
            "find the job among the object's latest DDSJOB records and wait for it by its "
            "RECORDNO (running it again would export twice)",
            object=job.object,
        ) from None
    queued = dds.parse_dds_job(record)
    log.info("DDS job %d (%s) queued: %s", queued.recordno, queued.ddsjob, queued.status)
    return queued


def poll_job(client: IntacctClient, recordno: int) -> DdsJob:
    """Read the DDSJOB record ``recordno`` once (one API transaction)."""
    (record,) = client.call(dds.read_dds_job(recordno)).records
    return dds.parse_dds_job(record)


def wait_for_job(
    client: IntacctClient,
    recordno: int,
    polling: Polling = Polling(),
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> DdsJob:
    """Poll the job ``recordno`` until it is done; answer it when ``Completed``.

    Costs one API transaction a poll (the first right away). Raises
    :class:`~intacct.errors.DdsJobFailedError` for a ``Failed`` job and
    :class:`~intacct.errors.DdsJobPendingError` when ``polling.max_wait_s`` passes first
    (the job goes on; call this again with the same RECORDNO). ``sleep`` and ``clock``
    are injectable for tests."""
    return _wait(client, recordno, polling, polling.first_s, sleep, clock)


def _wait(
    client: IntacctClient,
    recordno: int,
    polling: Polling,
    pause: float,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> DdsJob:
    started = clock()
    while True:
        job = poll_job(client, recordno)
        if job.done:
            return check_completed(job)
        left = polling.max_wait_s - (clock() - started)
        if left <= 0:
            raise DdsJobPendingError(
                f"DDS job {job.recordno} ({job.ddsjob or job.object}) not done after "
                f"{polling.max_wait_s:g} s: last status {job.status}; it goes on in "
                f"Intacct: wait for it again by RECORDNO {job.recordno}",
                recordno=job.recordno,
                object=job.object,
                status=job.status,
            )
        log.debug("DDS job %d %s; next poll in %.1f s", job.recordno, job.status, pause)
        sleep(min(pause, left))
        pause = min(pause * polling.factor, polling.cap_s)


def run_job(
    client: IntacctClient,
    job: RunDdsJob,
    polling: Polling = Polling(),
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> DdsJob:
    """Run ``job`` to its end: :func:`start_job`, then :func:`wait_for_job` (``1 + n``
    API transactions for ``n`` polls), the first poll after ``polling.first_s``. Answers
    the ``Completed`` job (its FILELIST); raises as :func:`wait_for_job` does, the
    pending error naming the RECORDNO to resume with."""
    queued = start_job(client, job)
    if queued.done:
        return check_completed(queued)
    sleep(polling.first_s)
    after = min(polling.first_s * polling.factor, polling.cap_s)
    return _wait(client, queued.recordno, polling, after, sleep, clock)


def check_completed(job: DdsJob) -> DdsJob:
    """``job`` when it is ``Completed``; :class:`~intacct.errors.DdsJobFailedError`
    when ``Failed``, :class:`~intacct.errors.DdsJobPendingError` while it runs."""
    if job.completed:
        return job
    name = f"DDS job {job.recordno} ({job.ddsjob or job.object})"
    if job.failed:
        raise DdsJobFailedError(
            f"{name} of {job.object} failed: {job.error or 'Intacct gave no ERROR'}",
            recordno=job.recordno,
            object=job.object,
            error=job.error,
        )
    raise DdsJobPendingError(
        f"{name} is not done: status {job.status}; wait for it by RECORDNO {job.recordno}",
        recordno=job.recordno,
        object=job.object,
        status=job.status,
    )
