"""``intacct_notices``: Intacct's change notices drive the fleet's runs (issue 37).

The webhook receiver (``intacct notices serve``) records each verified notice in a queue
file (:class:`intacct.notices.NoticeQueue`); this sensor, given that file, looks at it
every few seconds and, for each company whose burst of notices has settled (the
follower's rule, :func:`intacct.sync.follow.settled`: ``coalesce_s`` of quiet, or
``max_wait_s`` after the first notice), requests one run of the company's partition of
``intacct_fleet`` limited to the assets of the objects worth reading
(:func:`intacct.sync.follow.objects_to_read`: the dirty objects the tenant syncs, their
documents' lines, the trial balance after a posting document). The run is the ordinary
incremental read: a notice only marks an object dirty, the read is the truth.

- **Run key**: ``notices:<company>:<digest of the notices' idempotency keys>``, also the
  run's tag ``intacct/notices``: a tick evaluated again over the same notices asks the
  same run, which Dagster launches once.
- **Consumed** on the tick after the request, once Dagster has accepted it: the sensor's
  cursor keeps, per company, the run key asked and its notices' keys; the next tick
  finds the run (by its tag) in the instance and consumes them. A request Dagster did
  not take leaves them pending, asked again. Notices of objects the tenant does not
  sync, of a company that is no tenant, or of a tenant not yet a partition (its first
  run reads everything) are consumed at once, with no run.
- **One run at a time per company**: the run carries ``dagster/partition`` and
  ``intacct/company`` like a scheduled one, so the run queue's limit per partition
  (dagster.yaml) queues it behind a run of the company still going, and the company's
  slot (:mod:`.writer`) keeps two syncs apart whatever launched them. While a run of the
  company's partition waits in the queue (not started: it reads later than any notice
  pending now), the company's notices stay pending: a burst during a long run makes one
  queued run, not one every ``max_wait_s``.
- **Budgets**: the run is the same asset as a scheduled one, so the tenant's per-run
  ``budget`` and monthly ``entitlement`` x ``share`` apply to it alike.
- **In process**: the run's one step (the company's sync) runs in the run's process
  (``execution: in_process``), not in a second process of its own: a notices run is
  small and frequent, and starting processes is most of its cost.
- **A failed run** has consumed its notices: what it did not store (its objects' state
  did not move) is read by the next notice of the object or by the hourly schedule, the
  safety net that reads everything.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg
from dagster import SensorEvaluationContext

from intacct.integrations.dagster.assets import COMPANY_TAG, asset_key
from intacct.integrations.dagster.tenants import Tenant, load_tenants
from intacct.notices import Dirty, NoticeQueue
from intacct.sync.follow import FollowSettings, objects_to_read, settled

if TYPE_CHECKING:  # dagster exports the class only as define_asset_job's return
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )

__all__ = ["NOTICES_SENSOR", "NOTICES_TAG", "notices_sensor"]

NOTICES_SENSOR = "intacct_notices"
#: the run tag of a run notices asked: its run key
NOTICES_TAG = "intacct/notices"
#: Dagster's tag of a run's partition (the run queue's limit in dagster.yaml is on it)
PARTITION_TAG = "dagster/partition"
#: runs that have not begun: a notice pending now is older than their read
WAITING = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.QUEUED]
#: a company's run is one step (the sync of its objects): run in the run's own process,
#: not a second one the multiprocess executor would start (measured in BENCHMARKS.md,
#: "Through Dagster": the processes are most of a small run's CPU)
IN_PROCESS: dict[str, Any] = {"execution": {"config": {"in_process": {}}}}


@dataclass(frozen=True, slots=True)
class _Asked:
    """A run requested on a tick: its key and the notices it covers."""

    company: str
    run_key: str
    keys: tuple[str, ...]


def notices_sensor(
    queue_path: str | Path,
    tenants_file: str | Path,
    job: UnresolvedAssetJobDefinition,
    partitions: str,
    fleet: Sequence[str],
    interval_s: int = 5,
    settings: FollowSettings | None = None,
) -> dg.SensorDefinition:
    """The sensor over the queue file at ``queue_path``: runs of ``job`` (the assets of
    the ``fleet``'s objects, partitioned by company in ``partitions``) for the tenants of
    ``tenants_file``, looked at every ``interval_s``; ``settings``: when a burst has
    settled (:class:`~intacct.sync.follow.FollowSettings`)."""
    path, follow = Path(queue_path), settings or FollowSettings()

    @dg.sensor(name=NOTICES_SENSOR, job=job, minimum_interval_seconds=interval_s,
               default_status=dg.DefaultSensorStatus.RUNNING)  # fmt: skip
    def intacct_notices(context: SensorEvaluationContext) -> dg.SensorResult:
        with NoticeQueue(path) as queue:
            _consume_accepted(context, queue, _read_cursor(context.cursor))
            tenants = load_tenants(tenants_file)
            tick = _Tick(context, queue, tenants, job.name, partitions, fleet)
            asked = list(tick.requests(follow, time.time()))
        cursor = json.dumps({a.company: {"run_key": a.run_key, "keys": a.keys} for a in asked})
        if not asked:
            return dg.SensorResult(skip_reason="no settled notices", cursor=cursor)
        return dg.SensorResult(
            run_requests=[_request(job.name, a, tick.objects[a.company]) for a in asked],
            cursor=cursor,
        )

    return intacct_notices


class _Tick:
    """One look at the queue: what each company's settled notices ask."""

    def __init__(
        self,
        context: SensorEvaluationContext,
        queue: NoticeQueue,
        tenants: Mapping[str, Tenant],
        job: str,
        partitions: str,
        fleet: Sequence[str],
    ) -> None:
        self.log, self.queue, self.fleet = context.log, queue, fleet
        instance = context.instance
        self.tenants = {company.upper(): tenant for company, tenant in tenants.items()}
        self.known = set(instance.get_dynamic_partitions(partitions))
        self.waiting = _waiting(instance, job)
        #: the objects each request reads, by company
        self.objects: dict[str, tuple[str, ...]] = {}

    def requests(self, follow: FollowSettings, now: float) -> Iterator[_Asked]:
        for company in self.queue.companies():
            dirty = self.queue.pending(company)
            if dirty is None or not settled(dirty, follow, now):
                continue  # the burst goes on
            asked = self._ask(dirty)
            if asked is not None:
                yield asked

    def _ask(self, dirty: Dirty) -> _Asked | None:
        """The run ``dirty`` asks, None when it asks none now (its notices consumed when
        no run will ever be theirs, else left pending)."""
        company, said = dirty.company, f"{len(dirty.keys)} notice(s) of {', '.join(dirty.objects)}"
        tenant = self.tenants.get(company.upper())
        partition = tenant.company_id if tenant is not None else company
        objects = self._objects(dirty, tenant)
        if isinstance(objects, str):  # why no run will be theirs
            self.queue.consume(dirty.keys)
            self.log.info(f"{partition}: {said}: {objects}; consumed, no run")
            return None
        if partition in self.waiting or partition in self.objects:
            return None  # a queued run reads later than these; once it starts, they ask
        key = run_key(partition, dirty.keys)
        self.objects[partition] = objects
        self.log.info(f"{partition}: {said}: a run of {', '.join(objects)} ({key})")
        return _Asked(partition, key, dirty.keys)

    def _objects(self, dirty: Dirty, tenant: Tenant | None) -> tuple[str, ...] | str:
        """What a run for ``dirty`` reads, or why there is no run for it."""
        if tenant is None:
            return "not a tenant of this fleet"
        if tenant.company_id not in self.known:
            return "not a partition yet (its first run reads everything)"
        selected = [o for o in tenant.objects or self.fleet if o in self.fleet]
        return objects_to_read(dirty.objects, selected) or "none is an object it syncs"


def run_key(company: str, keys: Sequence[str]) -> str:
    """The run key of a run for the notices of ``keys`` (in any order)."""
    digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:24]
    return f"notices:{company}:{digest}"


def _request(job: str, asked: _Asked, objects: Sequence[str]) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=asked.run_key,
        job_name=job,
        partition_key=asked.company,
        tags={COMPANY_TAG: asked.company, NOTICES_TAG: asked.run_key},
        asset_selection=[asset_key(o) for o in objects],
        run_config=IN_PROCESS,
    )


def _waiting(instance: dg.DagsterInstance, job: str) -> set[str]:
    """The partitions with a run of ``job`` that has not begun."""
    runs = instance.get_runs(filters=dg.RunsFilter(job_name=job, statuses=WAITING))
    return {run.tags[PARTITION_TAG] for run in runs if PARTITION_TAG in run.tags}


def _read_cursor(cursor: str | None) -> list[_Asked]:
    if not cursor:
        return []
    data: dict[str, Any] = json.loads(cursor)
    return [_Asked(c, str(a["run_key"]), tuple(a["keys"])) for c, a in data.items()]


def _consume_accepted(
    context: SensorEvaluationContext, queue: NoticeQueue, asked: Sequence[_Asked]
) -> None:
    """Consume the notices of the runs the last tick asked and Dagster has created."""
    for one in asked:
        filters = dg.RunsFilter(tags={NOTICES_TAG: one.run_key})
        if context.instance.get_runs(filters=filters, limit=1):
            queue.consume(one.keys)
        else:
            context.log.info(f"{one.company}: run {one.run_key} not launched; asked again")
