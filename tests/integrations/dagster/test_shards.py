"""The fleet in shards: ``intacct_fleet_once`` with ``shard: i/n`` syncs the companies of
its shard and no other; every company is in exactly one shard, the same one whatever
the tenant list's order; the shards' schedule asks one run per shard, tagged; a shard
that is not i/n fails the run saying how to write it."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from intacct.integrations.dagster import fleet_definitions
from intacct.integrations.dagster.once import SHARD_TAG, in_shard

from .conftest import OBJECTS

pytestmark = pytest.mark.usefixtures("secrets")
COMPANIES = [f"FLEET{n:04d}" for n in range(1, 41)] + ["DEMO", "DEMO-ME", "acme-1"]


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_every_company_is_in_one_shard_whatever_the_order(count: int) -> None:
    shards = [in_shard(COMPANIES, f"{i}/{count}") for i in range(1, count + 1)]
    assert sorted(c for shard in shards for c in shard) == sorted(COMPANIES)
    backwards = [in_shard(COMPANIES[::-1], f"{i}/{count}") for i in range(1, count + 1)]
    assert [sorted(s) for s in backwards] == [sorted(s) for s in shards]
    if count > 1:  # the hash spreads them, not the order
        assert all(shards), shards
    assert in_shard(COMPANIES, "") == COMPANIES


def test_the_schedule_asks_a_run_per_shard(tmp_path: Path, instance: dg.DagsterInstance) -> None:
    tenants = tmp_path / "tenants.yaml"
    tenants.write_text("tenants: []\n", encoding="utf-8")
    defs = fleet_definitions(tenants, tmp_path, objects=OBJECTS, shards=3)
    schedule = defs.resolve_schedule_def("intacct_fleet_shards_schedule")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    when = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
    context = dg.build_schedule_context(instance=instance, scheduled_execution_time=when)
    requests = list(schedule.evaluate_tick(context).run_requests or [])
    assert [(r.tags[SHARD_TAG], r.run_config) for r in requests] == [
        (f"{i}/3", {"ops": {"intacct_tenants": {"config": {"shard": f"{i}/3"}}}}) for i in (1, 2, 3)
    ]
    assert len({r.run_key for r in requests}) == 3
    unsharded = fleet_definitions(tenants, tmp_path, objects=OBJECTS)
    assert [s.name for s in unsharded.schedules or []] == ["intacct_fleet_schedule"]


def test_a_shard_run_syncs_its_companies_only(
    write_tenants: Callable[..., Path], tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    companies = ["DEMO", "DEMO-ME"]
    shard = next(
        f"{i}/{n}" for n in range(2, 10) for i in range(1, n + 1)
        if in_shard(companies, f"{i}/{n}") == ["DEMO"]
    )  # fmt: skip
    tenants = write_tenants(*({"company_id": c, "objects": ["CLASS"]} for c in companies))
    defs = fleet_definitions(tenants, tmp_path / "data", objects=["CLASS"])
    config = {"ops": {"intacct_tenants": {"config": {"shard": shard}}}}
    result = defs.resolve_job_def("intacct_fleet_once").execute_in_process(
        instance=instance, run_config=config
    )
    assert result.success
    # the shard's company alone (and the object descriptions its runs keep)
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == [".metadata", "DEMO.duckdb"]
    assert len(list((tmp_path / "data" / ".metadata" / "lookups").iterdir())) == 1
    index, count = (int(p) for p in shard.split("/"))
    assert zlib.crc32(b"DEMO") % count == index - 1


@pytest.mark.parametrize("shard", ["3/2", "0/2", "a/b", "1"])
def test_a_shard_not_i_of_n_fails_the_run(
    write_tenants: Callable[..., Path], tmp_path: Path, instance: dg.DagsterInstance, shard: str
) -> None:
    defs = fleet_definitions(write_tenants({"company_id": "DEMO"}), tmp_path, objects=OBJECTS)
    config = {"ops": {"intacct_tenants": {"config": {"shard": shard}}}}
    result = defs.resolve_job_def("intacct_fleet_once").execute_in_process(
        instance=instance, run_config=config, raise_on_error=False
    )
    assert not result.success
    (failure,) = result.get_step_failure_events()
    assert "give it as i/n" in str(failure.step_failure_data.user_failure_data.description)


def test_new_tenants_start_their_shards_runs(
    write_tenants: Callable[..., Path], tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    companies = [f"FLEET{n:04d}" for n in range(1, 7)]
    tenants = write_tenants(*({"company_id": c} for c in companies))
    defs = fleet_definitions(tenants, tmp_path, objects=OBJECTS, shards=4)
    sensor = defs.resolve_sensor_def("intacct_new_tenants")
    first = sensor(dg.build_sensor_context(instance=instance))
    expected = [f"{i}/4" for i in range(1, 5) if in_shard(companies, f"{i}/4")]
    requests = first.run_requests or []
    assert [r.tags[SHARD_TAG] for r in requests] == expected
    assert {r.job_name for r in requests} == {"intacct_fleet_once"}
    assert not any(r.partition_key for r in requests)  # no run per company
    (added,) = first.dynamic_partitions_requests or []
    assert list(added.partition_keys) == companies
