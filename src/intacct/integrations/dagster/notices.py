"""``intacct_notices``: Intacct's change notices drive the fleet's runs (issues 37, 48).

The webhook receiver (``intacct notices serve``) records each verified notice in a queue
file (:class:`intacct.notices.NoticeQueue`); this sensor, given that file, looks at it
every few seconds and gathers the companies whose burst of notices has settled (the
follower's rule, :func:`intacct.sync.follow.settled`: ``coalesce_s`` of quiet, or
``max_wait_s`` after the first notice), each with the objects worth reading
(:func:`intacct.sync.follow.objects_to_read`: the dirty objects the tenant syncs, their
documents' lines, the trial balance after a posting document). It asks one run of
``intacct_notices_run`` for them (:mod:`.notices_run`; more runs past ``per_run``
companies): a run costs Dagster about 2.5 s of CPU whatever it reads, so a run per
company cannot keep up with hundreds of companies on two cores, and one run for the
tick's companies can. The run is the ordinary incremental read of each company: a notice
only marks an object dirty, the read is the truth.

- **Run key**: ``notices:<digest of the notices' idempotency keys>``, also the run's tag
  ``intacct/notices``: a tick evaluated again over the same notices asks the same run,
  which Dagster launches once. The tag ``intacct/companies`` counts its companies.
- **Consumed** on the tick after the request, once Dagster has accepted it: the sensor's
  cursor keeps, per company, the run key asked and its notices' keys; the next tick
  finds the run (by its tag) in the instance and consumes them. A request Dagster did
  not take leaves them pending, asked again. Notices of objects the tenant does not
  sync, of a company that is no tenant, or of a tenant not yet a partition (its first
  run reads everything) are consumed at once, with no run.
- **One sync at a time per company**: the company's slot (:mod:`.writer`) keeps two syncs
  of it apart whatever launched them. While a run that will read the company waits in
  the queue (a run of its partition or a notices run naming it, not started: it reads
  later than any notice pending now), the company's notices stay pending: a burst during
  a long run makes one queued read, not one every ``max_wait_s``.
- **Budgets**: each company's read in the run is the same as a run of its partition, so
  the tenant's per-run ``budget`` and monthly ``entitlement`` x ``share`` apply alike;
  its objects' materializations are recorded under its partition.
- **A failed read** has consumed its notices: what it did not store (its objects' state
  did not move) is read by the next notice of the object or by the hourly schedule, the
  safety net that reads everything.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg
from dagster import SensorEvaluationContext

from intacct.integrations.dagster.notices_run import NOTICES_OP, notices_run_config
from intacct.integrations.dagster.tenants import Tenant, load_tenants
from intacct.notices import Dirty, NoticeQueue
from intacct.sync.follow import FollowSettings, objects_to_read, settled

if TYPE_CHECKING:  # dagster exports the class only as define_asset_job's return
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )

__all__ = ["COMPANIES_TAG", "NOTICES_SENSOR", "NOTICES_TAG", "companies_of", "notices_sensor"]

NOTICES_SENSOR = "intacct_notices"
#: the run tag of a run notices asked: its run key
NOTICES_TAG = "intacct/notices"
#: the run tag counting the companies a notices run reads
COMPANIES_TAG = "intacct/companies"
#: Dagster's tag of a run's partition (the run queue's limit in dagster.yaml is on it)
PARTITION_TAG = "dagster/partition"
#: runs that have not begun: a notice pending now is older than their read
WAITING = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.QUEUED]


@dataclass(frozen=True, slots=True)
class _Asked:
    """A run requested on a tick: its key and the notices it covers."""

    company: str
    run_key: str
    keys: tuple[str, ...]


def notices_sensor(
    queue_path: str | Path,
    tenants_file: str | Path,
    job: dg.JobDefinition,
    fleet_job: UnresolvedAssetJobDefinition,
    partitions: str,
    fleet: Sequence[str],
    interval_s: int = 5,
    settings: FollowSettings | None = None,
    per_run: int = 50,
) -> dg.SensorDefinition:
    """The sensor over the queue file at ``queue_path``: runs of ``job``
    (:func:`~.notices_run.notices_job`) for the tenants of ``tenants_file`` (the
    partitions of ``partitions``, read by ``fleet_job``), of the ``fleet``'s objects,
    looked at every ``interval_s``, up to ``per_run`` companies a run; ``settings``: when
    a burst has settled (:class:`~intacct.sync.follow.FollowSettings`)."""
    path, follow = Path(queue_path), settings or FollowSettings()

    @dg.sensor(name=NOTICES_SENSOR, job=job, minimum_interval_seconds=interval_s,
               default_status=dg.DefaultSensorStatus.RUNNING)  # fmt: skip
    def intacct_notices(context: SensorEvaluationContext) -> dg.SensorResult:
        with NoticeQueue(path) as queue:
            _consume_accepted(context, queue, _read_cursor(context.cursor))
            tenants = load_tenants(tenants_file)
            tick = _Tick(context, queue, tenants, (job.name, fleet_job.name), partitions, fleet)
            ready = list(tick.requests(follow, time.time()))
        step = max(1, per_run)
        runs = [_keyed(ready[i : i + step]) for i in range(0, len(ready), step)]
        asked = [one for run in runs for one in run]
        cursor = json.dumps({a.company: {"run_key": a.run_key, "keys": a.keys} for a in asked})
        if not asked:
            return dg.SensorResult(skip_reason="no settled notices", cursor=cursor)
        requests = [_request(job.name, run, tick.objects) for run in runs]
        return dg.SensorResult(run_requests=requests, cursor=cursor)

    return intacct_notices


class _Tick:
    """One look at the queue: what each company's settled notices ask."""

    def __init__(
        self,
        context: SensorEvaluationContext,
        queue: NoticeQueue,
        tenants: Mapping[str, Tenant],
        jobs: tuple[str, str],
        partitions: str,
        fleet: Sequence[str],
    ) -> None:
        self.log, self.queue, self.fleet = context.log, queue, fleet
        instance = context.instance
        self.tenants = {company.upper(): tenant for company, tenant in tenants.items()}
        self.known = set(instance.get_dynamic_partitions(partitions))
        self.waiting = _waiting(instance, *jobs)
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
        self.objects[partition] = objects
        self.log.info(f"{partition}: {said}: reads {', '.join(objects)}")
        return _Asked(partition, "", dirty.keys)

    def _objects(self, dirty: Dirty, tenant: Tenant | None) -> tuple[str, ...] | str:
        """What a run for ``dirty`` reads, or why there is no run for it."""
        if tenant is None:
            return "not a tenant of this fleet"
        if tenant.company_id not in self.known:
            return "not a partition yet (its first run reads everything)"
        selected = [o for o in tenant.objects or self.fleet if o in self.fleet]
        return objects_to_read(dirty.objects, selected) or "none is an object it syncs"


def _keyed(run: Sequence[_Asked]) -> list[_Asked]:
    """The companies of one run, each with the run's key."""
    key = run_key(run)
    return [replace(one, run_key=key) for one in run]


def run_key(asked: Sequence[_Asked]) -> str:
    """The run key of a run for the notices ``asked`` (in any order)."""
    keys = sorted(f"{one.company}\t{key}" for one in asked for key in one.keys)
    return f"notices:{hashlib.sha256(chr(10).join(keys).encode()).hexdigest()[:24]}"


def _request(
    job: str, run: Sequence[_Asked], objects: Mapping[str, Sequence[str]]
) -> dg.RunRequest:
    key = run[0].run_key
    return dg.RunRequest(
        run_key=key,
        job_name=job,
        tags={NOTICES_TAG: key, COMPANIES_TAG: str(len(run))},
        run_config=notices_run_config({one.company: objects[one.company] for one in run}),
    )


def _waiting(instance: dg.DagsterInstance, job: str, fleet_job: str) -> set[str]:
    """The companies a run that has not begun will read: a notices run of ``job``
    naming them, a run of ``fleet_job`` of their partition."""
    found: set[str] = set()
    for run in instance.get_runs(filters=dg.RunsFilter(job_name=job, statuses=WAITING)):
        found.update(companies_of(run.run_config))
    runs = instance.get_runs(filters=dg.RunsFilter(job_name=fleet_job, statuses=WAITING))
    return found | {run.tags[PARTITION_TAG] for run in runs if PARTITION_TAG in run.tags}


def companies_of(run_config: Mapping[str, Any]) -> list[str]:
    """The companies a notices run's config names."""
    ops: Any = run_config.get("ops", {})
    return list(ops.get(NOTICES_OP, {}).get("config", {}).get("companies", {}))


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
