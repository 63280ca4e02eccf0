"""The fleet's Dagster definitions: the assets, their job, the sensor that adds tenants,
the schedule that syncs every company and, given a queue of change notices, the sensor
whose runs read what they announce (:mod:`.notices`)."""

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
from dagster import ScheduleEvaluationContext, SensorEvaluationContext

from intacct.integrations.dagster.assets import COMPANY_TAG, fleet_assets
from intacct.integrations.dagster.notices import notices_sensor
from intacct.integrations.dagster.notices_run import notices_job
from intacct.integrations.dagster.once import ONCE, SHARD_TAG, in_shard, once_job
from intacct.integrations.dagster.tenants import load_tenants
from intacct.integrations.dagster.writer import pool_ready_first
from intacct.replication.catalog import DEFAULT_OBJECTS
from intacct.sync.follow import FollowSettings

if TYPE_CHECKING:  # dagster exports the class only as define_asset_job's return
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )

__all__ = ["PARTITIONS", "fleet_definitions"]

#: the dynamic partitions' name: one key per company id
PARTITIONS = "intacct_companies"
JOB = "intacct_fleet"


def fleet_definitions(
    tenants_file: str | Path,
    folder: str | Path,
    *,
    objects: Sequence[str] = DEFAULT_OBJECTS,
    cron_schedule: str = "0 * * * *",
    pool: str | None = "intacct",
    sensor_interval_s: int = 60,
    companies_per_step: int = 1,
    shards: int = 0,
    notices: str | Path | None = None,
    notices_interval_s: int = 5,
    follow: FollowSettings | None = None,
    notices_per_run: int = 50,
    notices_concurrency: int = 4,
    executor: dg.ExecutorDefinition | None = None,
) -> dg.Definitions:
    """Definitions for the companies of ``tenants_file``: an asset per object of
    ``objects`` partitioned by company, each company's DuckDB file under ``folder``
    (unless its tenant names one); a sensor adding the file's new tenants as partitions
    and starting their first run; a schedule syncing every company on ``cron_schedule``;
    and ``intacct_fleet_once``, every company in one run (:mod:`.once`).
    ``pool``: the Dagster pool the syncs take a slot of (dagster.yaml sets its limit);
    ``companies_per_step``: how many companies a step of ``intacct_fleet_once`` syncs in
    turn (more: fewer step processes to start, see docs/fleet.md); ``shards`` > 0: a
    second schedule, ``intacct_fleet_shards_schedule`` (on ``cron_schedule``, running from
    the start), syncs every company in that many runs of ``intacct_fleet_once``, a shard
    each (tagged ``intacct/shard``), instead of a run per company: far less to launch.
    ``notices``: the queue file ``intacct notices serve`` records Intacct's change
    notices in; the sensor ``intacct_notices`` (running from the start) looks at it every
    ``notices_interval_s`` and, for the companies whose burst has settled (``follow``:
    its ``coalesce_s`` and ``max_wait_s``), requests a run of ``intacct_notices_run``
    reading only what they announce (:mod:`.notices`): up to ``notices_per_run``
    companies a run, ``notices_concurrency`` of them at a time; the schedule stays the
    safety net. ``executor``: the jobs' (default: Dagster's, a process per step), which
    gives ``pool`` its row before a run's steps claim its slots (:mod:`.writer`)."""
    # absolute: runs start in processes of their own, wherever Dagster puts them
    tenants_file, folder = Path(tenants_file).resolve(), Path(folder).resolve()
    partitions = dg.DynamicPartitionsDefinition(name=PARTITIONS)
    names = [o.upper() for o in objects]
    assets = fleet_assets(partitions, tenants_file, folder, names, pool)
    job = dg.define_asset_job(JOB, selection=dg.AssetSelection.assets(assets))
    once = once_job(PARTITIONS, tenants_file, folder, names, pool, companies_per_step)
    schedules = [fleet_schedule(job, cron_schedule)]
    sensors = [tenants_sensor(tenants_file, job, sensor_interval_s, once, shards)]
    jobs: list[dg.JobDefinition | UnresolvedAssetJobDefinition] = [job, once]
    if notices is not None:
        queue = Path(notices).resolve()
        reads = notices_job(tenants_file, folder, names, pool, notices_concurrency)
        jobs.append(reads)
        sensors.append(notices_sensor(
            queue, tenants_file, reads, job, PARTITIONS, names, notices_interval_s, follow,
            notices_per_run,
        ))  # fmt: skip
    if shards > 0:
        schedules.append(shards_schedule(once, cron_schedule, shards))
    return dg.Definitions(
        assets=[assets],
        jobs=jobs,
        sensors=sensors,
        schedules=schedules,
        executor=pool_ready_first(executor or dg.multi_or_in_process_executor, pool),
    )


def run_request(company: str, key: str | None = None) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=key, job_name=JOB, partition_key=company, tags={COMPANY_TAG: company}
    )


def shard_request(shard: str, key: str) -> dg.RunRequest:
    """A run of ``intacct_fleet_once`` over ``shard`` ("i/n")."""
    return dg.RunRequest(
        run_key=key,
        job_name=ONCE,
        run_config={"ops": {"intacct_tenants": {"config": {"shard": shard}}}},
        tags={SHARD_TAG: shard},
    )


def tenants_sensor(
    tenants_file: str | Path,
    job: "UnresolvedAssetJobDefinition",
    interval_s: int,
    once: dg.JobDefinition,
    shards: int = 0,
) -> dg.SensorDefinition:
    """Adds each tenant the file has and the partitions lack, and requests its first run:
    a run of its own, or with ``shards``, a run of each shard that has new tenants (its
    other companies' runs are incremental). A tenant removed from the file keeps its
    partition (and its data): removing a company is a person's decision."""

    @dg.sensor(name="intacct_new_tenants", jobs=[job, once], minimum_interval_seconds=interval_s,
               default_status=dg.DefaultSensorStatus.RUNNING)  # fmt: skip
    def intacct_new_tenants(context: SensorEvaluationContext) -> dg.SensorResult:
        known = set(context.instance.get_dynamic_partitions(PARTITIONS))
        new = [c for c in load_tenants(tenants_file) if c not in known]
        if not new:
            return dg.SensorResult(skip_reason="no new tenants")
        context.log.info(f"new tenants: {', '.join(new)}")
        return dg.SensorResult(
            run_requests=_first_runs(new, shards),
            dynamic_partitions_requests=[dg.AddDynamicPartitionsRequest(PARTITIONS, new)],
        )

    return intacct_new_tenants


def _first_runs(new: Sequence[str], shards: int) -> list[dg.RunRequest]:
    if not shards:
        return [run_request(c, f"first:{c}") for c in new]
    requests = []
    for index in range(1, shards + 1):
        shard = f"{index}/{shards}"
        mine = in_shard(new, shard)
        if mine:  # the key names its new tenants: a later newcomer asks again
            digest = hashlib.sha256(",".join(sorted(mine)).encode()).hexdigest()[:16]
            requests.append(shard_request(shard, f"first:{shard}:{digest}"))
    return requests


def fleet_schedule(job: "UnresolvedAssetJobDefinition", cron: str) -> dg.ScheduleDefinition:
    """A run per company on ``cron``; the run queue's tag limits keep one run per
    company at a time, so a company whose last run is still going waits."""

    @dg.schedule(name="intacct_fleet_schedule", job=job, cron_schedule=cron)
    def intacct_fleet_schedule(context: ScheduleEvaluationContext) -> Iterator[dg.RunRequest]:
        stamp = context.scheduled_execution_time.isoformat()
        for company in context.instance.get_dynamic_partitions(PARTITIONS):
            yield run_request(company, f"{company}:{stamp}")

    return intacct_fleet_schedule


def shards_schedule(once: dg.JobDefinition, cron: str, shards: int) -> dg.ScheduleDefinition:
    """The fleet in ``shards`` runs on ``cron``, each syncing its shard of the tenant list
    (the queue's limit on ``intacct/shard`` keeps a shard's runs from piling up)."""

    @dg.schedule(name="intacct_fleet_shards_schedule", job=once, cron_schedule=cron,
                 default_status=dg.DefaultScheduleStatus.RUNNING)  # fmt: skip
    def intacct_fleet_shards_schedule(
        context: ScheduleEvaluationContext,
    ) -> Iterator[dg.RunRequest]:
        stamp = context.scheduled_execution_time.isoformat()
        for index in range(1, shards + 1):
            shard = f"{index}/{shards}"
            yield shard_request(shard, f"shard {shard}:{stamp}")

    return intacct_fleet_shards_schedule
