"""The glue between a tenant and the engine, in one place: one company's sync into its
own destination, with its state there, at its own concurrency limit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from intacct.client import IntacctClient
from intacct.config import ClientConfig
from intacct.integrations.dagster.tenants import Tenant
from intacct.sync import SyncReport, run_sync
from intacct.sync.budget import MonthlyBudget, monthly_budget, run_budget
from intacct.sync.job import Reporter

__all__ = ["METADATA_FOLDER", "month_of", "sync_company"]

#: under the fleet's data folder: the companies' object descriptions (SyncSettings'
#: ``metadata_cache``), as ``intacct sync`` keeps them in the user's cache folder
METADATA_FOLDER = ".metadata"


def sync_company(
    tenant: Tenant,
    connection: ClientConfig,
    folder: str | Path,
    objects: Sequence[str],
    reporter: Reporter,
    monthly: MonthlyBudget | None = None,
) -> SyncReport:
    """``objects`` of the tenant's company (``connection``: :meth:`Tenant.connection`)
    into its destination (a DuckDB file, default ``<folder>/<company_id>.duckdb``, or a
    Postgres schema), which also keeps the state: the next run goes on from there. The
    client's company-wide semaphore holds the requests in flight to the tenant's limit;
    the destination's lock (DuckDB's on its file, Postgres's advisory lock per company)
    refuses a second run of the company. The run bills at most the tenant's budget and
    what ``monthly`` (:func:`month_of`) has left."""
    where = tenant.destination_at(folder)
    if isinstance(where, Path):
        where.parent.mkdir(parents=True, exist_ok=True)
    # the company's object descriptions, kept on this host between its runs
    kept = Path(folder) / METADATA_FOLDER
    settings = replace(tenant.sync_settings(connection, objects), metadata_cache=kept)
    budget = run_budget(tenant.budget, monthly)
    oauth = tenant.oauth(connection, folder)
    with IntacctClient(connection, budget=budget, oauth=oauth) as client:
        return run_sync(client, where, reporter, settings)


def month_of(tenant: Tenant, folder: str | Path) -> MonthlyBudget | None:
    """What the tenant's monthly entitlement leaves this month (None: it declares none)."""
    if tenant.entitlement is None:
        return None
    return monthly_budget(tenant.destination_at(folder), tenant.entitlement)
