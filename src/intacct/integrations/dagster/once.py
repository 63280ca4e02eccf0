"""``intacct_fleet_once``: every company of the tenant list in one run, a step each.

The one-shot way (``dagster job execute -j intacct_fleet_once``): it adds the tenants
as partitions first, so a fresh Dagster instance needs nothing else, then syncs each
company in a step of its own (the multiprocess executor runs them side by side, each
taking a slot of the fleet's pool) and records the same materializations, per object
and company, as the partitioned assets do. One run for many companies also saves the
launch of a run per company."""

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import dagster as dg
from dagster import OpExecutionContext

from intacct.integrations.dagster.assets import materialize_company
from intacct.integrations.dagster.tenants import load_tenants

__all__ = ["ONCE", "once_job"]

ONCE = "intacct_fleet_once"


def once_job(
    partitions: str, tenants_file: Path, folder: Path, objects: Sequence[str], pool: str | None
) -> dg.JobDefinition:
    @dg.op(name="intacct_tenants", out=dg.DynamicOut(str))
    def intacct_tenants(context: OpExecutionContext) -> Iterator[dg.DynamicOutput[str]]:
        companies = list(load_tenants(tenants_file))
        known = set(context.instance.get_dynamic_partitions(partitions))
        new = [c for c in companies if c not in known]
        if new:
            context.instance.add_dynamic_partitions(partitions, new)
            context.log.info(f"added tenants: {', '.join(new)}")
        for key, company in _mapping_keys(companies):
            yield dg.DynamicOutput(company, mapping_key=key)

    @dg.op(name="intacct_company", pool=pool)
    def intacct_company(context: OpExecutionContext, company: str) -> None:
        results = materialize_company(context.log, company, tenants_file, folder, objects, objects)
        for result in results:
            assert result.asset_key is not None
            context.log_event(
                dg.AssetMaterialization(
                    result.asset_key, partition=company, metadata=result.metadata
                )
            )

    @dg.job(name=ONCE, description="Every company of the tenant list, once")
    def intacct_fleet_once() -> None:
        intacct_tenants().map(intacct_company)

    return intacct_fleet_once


def _mapping_keys(companies: Sequence[str]) -> Iterator[tuple[str, str]]:
    """Dagster's step keys take letters, digits and _ only: DEMO-ME is DEMO_ME."""
    seen: set[str] = set()
    for company in companies:
        key = base = re.sub(r"[^A-Za-z0-9_]", "_", company)
        n = 1
        while key in seen:
            n += 1
            key = f"{base}_{n}"
        seen.add(key)
        yield key, company
