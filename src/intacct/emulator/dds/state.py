"""What the emulator's DDS holds in memory: its settings and, beside each unfinished
job's DDSJOB row, what the job will do (a target's credentials never reach the store)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from intacct.emulator.dds.files import FileSettings
from intacct.emulator.dds.settings import DdsSettings

__all__ = ["DataDelivery", "JobRequest", "Plan"]


@dataclass(frozen=True, slots=True)
class JobRequest:
    """What ``runDdsJob`` asked for, checked."""

    object: str
    target: str
    job_type: str
    since: str | None  # timeStamp as stored time (the company's wall clock), or None
    files: FileSettings | None  # None: the defaults, the emulator's split


@dataclass(slots=True)
class Plan:
    """What a queued job will do, kept beside its DDSJOB row (in memory: it names a
    target, whose credentials stay in memory too)."""

    request: JobRequest
    userid: str
    due: datetime  # when it may start, on the emulator's clock
    ends: datetime | None = None  # when it completes, once started
    files: tuple[str, ...] = ()


@dataclass
class DataDelivery:
    """The emulator's DDS: its settings and its jobs' plans; one lock moves the jobs."""

    settings: DdsSettings = field(default_factory=DdsSettings)
    plans: dict[tuple[str, int], Plan] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def clear(self) -> None:
        with self.lock:
            self.settings.clear()
            self.plans.clear()
