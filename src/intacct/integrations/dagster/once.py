"""``intacct_fleet_once``: every company of the tenant list in one run, a step each.

The one-shot way (``dg launch --job intacct_fleet_once``): it adds the tenants
as partitions first, so a fresh Dagster instance needs nothing else, then syncs each
company in a step of its own (the multiprocess executor runs them side by side, each
taking a slot of the fleet's pool) and records the same materializations, per object
and company, as the partitioned assets do. One run for many companies also saves the
launch of a run per company. With ``companies_per_step`` > 1 a step syncs that many
companies one after the other (its process started once for them: a step costs about
1.2 s of CPU besides its sync, measured in BENCHMARKS.md "Fleet on Dagster"); a company
that fails does not stop the others of its step, and the step fails after them naming
every company that failed."""

import functools
import re
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import dagster as dg
from dagster import OpExecutionContext

from intacct.integrations.dagster.assets import companies_failure, materialize_company
from intacct.integrations.dagster.tenants import Tenant, load_tenants

__all__ = ["ONCE", "SHARD_TAG", "in_shard", "once_job"]

ONCE = "intacct_fleet_once"
#: the run tag of a shard's run ("i/n")
SHARD_TAG = "intacct/shard"
SHARD_DOC = ("the shard of the tenant list this run syncs, i/n (the i-th of n, by a stable "
             "hash of the company id); empty: every company")  # fmt: skip


def once_job(
    partitions: str,
    tenants_file: Path,
    folder: Path,
    objects: Sequence[str],
    pool: str | None,
    companies_per_step: int = 1,
) -> dg.JobDefinition:
    @dg.op(
        name="intacct_tenants",
        out=dg.DynamicOut(list),
        config_schema={"shard": dg.Field(str, default_value="", description=SHARD_DOC)},
    )
    def intacct_tenants(context: OpExecutionContext) -> Iterator[dg.DynamicOutput[list[str]]]:
        every = list(load_tenants(tenants_file))
        companies = in_shard(every, context.op_config["shard"])
        context.log.info(f"{len(companies)} of {len(every)} companies in this run")
        known = set(context.instance.get_dynamic_partitions(partitions))
        new = [c for c in companies if c not in known]
        if new:
            context.instance.add_dynamic_partitions(partitions, new)
            context.log.info(f"added tenants: {', '.join(new)}")
        step = max(1, companies_per_step)
        groups = [companies[i : i + step] for i in range(0, len(companies), step)]
        # a step is named by its first company
        for (key, _), group in zip(_mapping_keys([g[0] for g in groups]), groups, strict=True):
            yield dg.DynamicOutput(group, mapping_key=key)

    @dg.op(name="intacct_company", pool=pool)
    def intacct_company(context: OpExecutionContext, companies: list[str]) -> None:
        failed: list[tuple[str, dg.Failure]] = []
        # read once for the step's companies, not once each (a list of thousands of
        # tenants takes a quarter of a second to read)
        tenants = functools.cache(lambda: load_tenants(tenants_file))
        for company in companies:
            try:
                _materialize(context, company, tenants, folder, objects)
            except dg.Failure as exc:
                if len(companies) == 1:
                    raise
                context.log.error(exc.description or company)
                failed.append((company, exc))
        if failed:
            raise companies_failure(failed, len(companies))

    @dg.job(name=ONCE, description="Every company of the tenant list, once")
    def intacct_fleet_once() -> None:
        intacct_tenants().map(intacct_company)

    return intacct_fleet_once


def _materialize(
    context: OpExecutionContext,
    company: str,
    tenants: Callable[[], Mapping[str, Tenant]],
    folder: Path,
    objects: Sequence[str],
) -> None:
    for result in materialize_company(context, company, tenants, folder, objects, objects):
        assert result.asset_key is not None
        context.log_event(
            dg.AssetMaterialization(result.asset_key, partition=company, metadata=result.metadata)
        )


def in_shard(companies: Sequence[str], shard: str) -> list[str]:
    """The ``companies`` of ``shard`` ("i/n": the i-th of n, from 1; "": all of them),
    by a stable hash of the company id: a company stays in its shard from run to run
    and host to host, whatever the order of the tenant list."""
    if not shard:
        return list(companies)
    index, count = _shard(shard)
    return [c for c in companies if zlib.crc32(c.upper().encode()) % count == index - 1]


def _shard(shard: str) -> tuple[int, int]:
    try:
        index, count = (int(part) for part in shard.split("/"))
    except ValueError:
        index = count = 0
    if not 1 <= index <= count:
        raise dg.Failure(f"shard {shard!r}: give it as i/n, the i-th of n shards (1 <= i <= n)")
    return index, count


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
