"""``intacct_notices_run``: the run the sensor ``intacct_notices`` asks (:mod:`.notices`),
reading what the settled notices of many companies announce, in one Dagster run.

A run costs Dagster about 2.5 s of CPU to launch and record whatever it reads (BENCHMARKS.md
"Through Dagster"), while a notice's read is well under a tenth of that: a run per company
cannot keep up with hundreds of companies on two cores. So each tick's settled companies
share one run (up to ``per_run`` of them), whose one step syncs each company's announced
objects, ``concurrency`` companies at a time, in the run's own process. Each company is
synced exactly as a run of its partition would: its slot held (:mod:`.writer`, so no two
syncs of a company overlap whatever launched them), its budget and monthly entitlement
applied, its objects' materializations recorded under its partition, so the assets' pages
in Dagster's UI show every notices read. A company that fails does not stop the others;
the step fails after them, naming each.

Run config (the sensor writes it; the UI's launchpad takes it too)::

    ops:
      intacct_notices_read:
        config:
          companies: {DEMO: [VENDOR, APBILL, APBILLITEM, TRIALBALANCE], ACME: [VENDOR]}
"""

import functools
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import OpExecutionContext

from intacct.integrations.dagster.assets import companies_failure, materialize_company
from intacct.integrations.dagster.tenants import Tenant, load_tenants
from intacct.integrations.dagster.writer import pool_ready_first

__all__ = ["NOTICES_JOB", "NOTICES_OP", "notices_job", "notices_run_config"]

NOTICES_JOB = "intacct_notices_run"
NOTICES_OP = "intacct_notices_read"

#: one company's outcome: its materializations, and its failure if it had one
_Outcome = tuple[list[dg.MaterializeResult[Any]], dg.Failure | None]


def notices_run_config(companies: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The run config of a run reading ``companies`` (company -> its objects)."""
    chosen = {company: list(objects) for company, objects in companies.items()}
    return {"ops": {NOTICES_OP: {"config": {"companies": chosen}}}}


def notices_job(
    tenants_file: Path,
    folder: Path,
    fleet: Sequence[str],
    pool: str | None,
    concurrency: int = 4,
) -> dg.JobDefinition:
    """The job: one step in the run's process (``in_process`` executor: starting a
    process for a step was most of a small run's CPU), holding one slot of ``pool``
    (its row made first: :func:`~.writer.pool_ready_first`)."""

    @dg.op(
        name=NOTICES_OP,
        pool=pool,
        config_schema={
            "companies": dg.Field(
                dg.Map(str, [str]),  # type: ignore[no-untyped-call]  # dagster's untyped
                description="company id -> the objects its notices announce",
            )
        },
    )
    def intacct_notices_read(context: OpExecutionContext) -> None:
        companies: dict[str, list[str]] = context.op_config["companies"]
        context.log.info(f"{len(companies)} companies' notices: {', '.join(companies)}")
        tenants = functools.cache(lambda: load_tenants(tenants_file))  # once for them all
        read = functools.partial(_company, context, tenants, folder, fleet)
        failed: list[tuple[str, dg.Failure]] = []
        with ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="notices") as pool:
            futures = {pool.submit(read, item): item[0] for item in companies.items()}
            # recorded in the step's own thread, each company as soon as it ends
            for future in as_completed(futures):
                company, (results, failure) = futures[future], future.result()
                for result in results:
                    assert result.asset_key is not None
                    materialized = dg.AssetMaterialization(
                        result.asset_key, partition=company, metadata=result.metadata
                    )
                    context.log_event(materialized)
                if failure is not None:
                    context.log.error(failure.description or company)
                    failed.append((company, failure))
        if len(failed) == len(companies) == 1:
            raise failed[0][1]  # its own failure, as a run of its partition raises it
        if failed:
            raise companies_failure(failed, len(companies))

    @dg.job(
        name=NOTICES_JOB,
        description="What Intacct's change notices announce, for the companies in its config",
        executor_def=pool_ready_first(dg.in_process_executor, pool),
    )
    def intacct_notices_run() -> None:
        intacct_notices_read()

    return intacct_notices_run


def _company(
    context: OpExecutionContext,
    tenants: Callable[[], Mapping[str, Tenant]],
    folder: Path,
    fleet: Sequence[str],
    asked: tuple[str, Sequence[str]],
) -> _Outcome:
    """One company's sync of the objects asked: what it stored, then its failure (the
    objects before a failure are stored and recorded all the same)."""
    company, objects = asked
    unknown = sorted(set(objects) - set(fleet))
    if unknown:  # a run launched by hand with a typo
        said = f"company {company}: {', '.join(unknown)} not among the fleet's assets"
        return [], dg.Failure(description=said, allow_retries=False)
    wanted = [o for o in fleet if o in objects]
    results: list[dg.MaterializeResult[Any]] = []
    try:
        for result in materialize_company(context, company, tenants, folder, wanted, fleet):
            results.append(result)
    except dg.Failure as exc:
        return results, exc
    return results, None
