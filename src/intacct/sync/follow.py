"""``intacct sync --follow``: change notices drive incremental reads of one company.

A notice (:mod:`intacct.notices`) only marks an object dirty. The follower waits for a
company's pending notices, lets a burst settle (``coalesce_s`` of quiet, at most
``max_wait_s`` after the first), then runs the ordinary incremental read of the dirty
objects (with their documents' lines and, when a posting document changed, the trial
balance), and marks the notices it started with consumed once that run has stored
what it read. The read is the truth: a lost notice is found by the next read of its
object or by the safety run, the whole incremental read every ``safety_every_s``, which
says how many changes no notice had announced; a reordered or repeated notice only
makes a read run again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from intacct.destinations import DestinationBusyError
from intacct.notices import Dirty, NoticeQueue
from intacct.replication.streams.deletes import OWNERS
from intacct.replication.streams.trialbalance import TRIAL_BALANCE
from intacct.sync.job import SyncReport

__all__ = ["FollowSettings", "Follower", "objects_to_read", "settled"]

log = logging.getLogger("intacct.sync")

#: a run of the given objects (None: every selected one), as ``intacct sync`` runs it
RunObjects = Callable[[tuple[str, ...] | None], SyncReport]


@dataclass(frozen=True, slots=True)
class FollowSettings:
    """How the follower waits: ``coalesce_s`` of quiet ends a burst, ``max_wait_s``
    after its first notice at the latest; ``safety_every_s`` between safety runs;
    ``poll_s`` between looks at the queue."""

    coalesce_s: float = 2.0
    max_wait_s: float = 20.0
    safety_every_s: float = 3600.0
    poll_s: float = 0.5


def objects_to_read(dirty: Sequence[str], selected: Sequence[str] | None) -> tuple[str, ...]:
    """The selected objects (None: every one) a notice of ``dirty`` objects makes worth
    reading: each, the lines its documents own (AUDITHISTORY and notices name only the
    document), and the trial balance when a posting document or journal entry changed."""
    wanted = set(dirty)
    for line, owners in OWNERS.items():
        if wanted & set(owners):
            wanted.add(line)
    if any(obj in OWNERS or any(obj in owners for owners in OWNERS.values()) for obj in dirty):
        wanted.add(TRIAL_BALANCE)
    if selected is None:
        return tuple(sorted(wanted))
    return tuple(obj for obj in selected if obj in wanted)


def settled(dirty: Dirty, settings: FollowSettings, now: float) -> bool:
    """Whether the burst of ``dirty`` has settled at ``now``: ``coalesce_s`` of quiet
    since its last notice, or ``max_wait_s`` since its first (the Dagster sensor asks
    the same)."""
    quiet = now - dirty.last_received >= settings.coalesce_s
    return quiet or now - dirty.first_received >= settings.max_wait_s


class Follower:
    """Follows ``company``'s notices in ``queue`` until ``stop`` is set, reading the
    ``selected`` objects with ``run``."""

    def __init__(
        self,
        queue: NoticeQueue,
        company: str,
        selected: Sequence[str] | None,
        run: RunObjects,
        settings: FollowSettings,
        *,
        stop: threading.Event,
        clock: Callable[[], float] = time.time,
        said: Callable[[str], None] = log.info,
        read: Callable[[Dirty, SyncReport], None] | None = None,
    ) -> None:
        self.queue, self.company = queue, company
        self.selected = None if selected is None else tuple(selected)
        self.run, self.settings, self.stop = run, settings, stop
        self.clock, self.said = clock, said
        #: told of each read the notices made, once it has stored what it read
        #: (benchmarks/freshness.py measures from it)
        self.read = read
        self.runs = 0
        #: the changes the last safety run read beyond the records notices had named
        self.unannounced = 0
        self._next_safety = clock() + settings.safety_every_s

    def follow(self) -> None:
        """Read what notices announce, and everything every ``safety_every_s``. A
        reader holding the destination past ``lock_wait_s`` does not end it: the notices
        stay queued and the read is tried again."""
        while not self.stop.is_set():
            try:
                self._next()
            except DestinationBusyError as exc:
                self.said(f"{exc}. Still following: the notices stay queued for the next try.")
                self.stop.wait(self.settings.poll_s)

    def _next(self) -> None:
        if self.clock() >= self._next_safety:
            self.safety_run()
            return
        dirty = self._settled()
        if dirty is None:
            self.stop.wait(self.settings.poll_s)
            return
        self._read(dirty)

    def safety_run(self) -> SyncReport:
        """The whole incremental read: what it finds changed, no notice had announced
        (the notices pending when it started are covered by it)."""
        pending = self.queue.pending(self.company)
        report = self.run(None)
        self._done(pending, report)
        self._next_safety = self.clock() + self.settings.safety_every_s
        announced = pending.records if pending else 0
        self.unannounced = max(0, _changed(report) - announced)
        self.said(f"Safety run: {self.unannounced:,} change(s) that no notice had announced")
        return report

    def _settled(self) -> Dirty | None:
        """The pending notices once their burst has settled; None while there are none
        or the burst goes on."""
        dirty = self.queue.pending(self.company)
        if dirty is None:
            return None
        return dirty if settled(dirty, self.settings, self.clock()) else None

    def _read(self, dirty: Dirty) -> None:
        objects = objects_to_read(dirty.objects, self.selected)
        if not objects:  # notices of objects this sync does not read
            self.queue.consume(dirty.keys)
            return
        began = self.clock()
        report = self.run(objects)
        self._done(dirty, report)
        self.runs += 1
        if self.read is not None:
            self.read(dirty, report)
        self.said(
            f"{len(dirty.keys)} notice(s) of {', '.join(dirty.objects)}: read "
            f"{', '.join(objects)}, {_changed(report):,} change(s) in {self.clock() - began:.1f} s"
        )

    def _done(self, dirty: Dirty | None, report: SyncReport) -> None:
        """Consume the notices a run that started after them has covered. An object that
        failed is not lost: its state did not move, so the next notice of it or the next
        safety run reads its changes."""
        for failed in report.failed:
            self.said(f"{failed.object} failed ({failed.error}): the next read of it goes on")
        if dirty is not None:
            self.queue.consume(dirty.keys)


def _changed(report: SyncReport) -> int:
    return sum(o.inserted + o.updated + o.deleted for o in report.objects)
