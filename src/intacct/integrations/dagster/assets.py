"""The fleet's assets: one per Intacct object, partitioned by company.

A run materializes one company (a partition): the engine reads the selected objects into
the company's destination and each object's asset gets its numbers as metadata. A
company that cannot run (a missing variable, a wrong password, its destination held by
another run) raises a :class:`dagster.Failure` with the classified error and a hint.
"""

import functools
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext

from intacct.destinations import DestinationError, PageCounts, describe
from intacct.errors import IntacctError, PermissionDeniedError
from intacct.integrations.dagster.hints import hint
from intacct.integrations.dagster.instance import hold_connections
from intacct.integrations.dagster.run import month_of, sync_company
from intacct.integrations.dagster.tenants import Tenant, TenantError, load_tenants
from intacct.integrations.dagster.writer import company_slot
from intacct.protocol.redact import redact
from intacct.sync import ObjectSummary, SyncReport
from intacct.sync.budget import MonthlyBudget

__all__ = ["COMPANY_TAG", "GROUP", "asset_key", "companies_failure", "fleet_assets"]

GROUP = "intacct"
#: the run tag naming the company (also in ``dagster/partition``)
COMPANY_TAG = "intacct/company"


def asset_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["intacct", name.lower()])


class _Reporter:
    """The engine's progress into the run's log, and each object's bytes read. One line a
    company, not one an object: each line is an event the instance stores, and a fleet
    syncs thousands of companies an hour (the objects' figures are in their
    materializations); an object that failed has a line of its own."""

    def __init__(self, log: Any, company: str) -> None:
        self.log, self.company = log, company
        self.bytes: dict[str, int] = {}
        self._lock = threading.Lock()

    def start(self, objects: Sequence[str]) -> None:
        """Told in :meth:`summary` with the figures."""

    def page(self, stream: str, entity: str, records: int, requests: int, size: int) -> None:
        with self._lock:
            self.bytes[stream] = self.bytes.get(stream, 0) + size

    def stored(self, stream: str, counts: PageCounts) -> None:
        """Counted in the object's summary."""

    def done(self, stream: str, summary: ObjectSummary) -> None:
        if summary.error:
            self.log.warning(f"{self.company} {stream}: {summary.error}")

    def warning(self, stream: str, text: str) -> None:
        self.log.warning(f"{self.company} {stream}: {text}")

    def summary(self, report: SyncReport) -> None:
        objects = report.objects
        read = sum(o.read for o in objects)
        changed = sum(o.inserted + o.updated + o.deleted for o in objects)
        asked = f" ({report.question:,} for the audit trail's changes)" if report.question else ""
        self.log.info(
            f"{self.company}: {len(objects)} objects synced, {read:,} records read, "
            f"{changed:,} stored, {report.transactions:,} API transactions{asked}"
        )


def fleet_assets(
    partitions: dg.DynamicPartitionsDefinition,
    tenants_file: str | Path,
    folder: str | Path,
    objects: Sequence[str],
    pool: str | None,
) -> dg.AssetsDefinition:
    """The multi-asset: ``objects`` of each company in ``tenants_file``, into
    ``folder`` unless the tenant names its own destination; ``pool``: the fleet-wide
    Dagster pool (its limit in dagster.yaml caps the companies syncing at once)."""
    specs = [
        dg.AssetSpec(
            asset_key(name),
            group_name=GROUP,
            skippable=True,  # a tenant may read only some of the fleet's objects
            description=f"Intacct {name}, one partition per company",
            kinds={"duckdb"},
        )
        for name in objects
    ]

    @dg.multi_asset(
        name="intacct_sync",
        specs=specs,
        partitions_def=partitions,
        can_subset=True,
        pool=pool,
    )
    def intacct_sync(context: AssetExecutionContext) -> Iterator[dg.MaterializeResult[Any]]:
        company = context.partition_key
        wanted = [n for n in objects if asset_key(n) in context.selected_asset_keys]
        tenants = functools.partial(load_tenants, tenants_file)
        yield from materialize_company(context, company, tenants, folder, wanted, objects)

    return intacct_sync


def materialize_company(
    context: Any,
    company: str,
    tenants: Callable[[], Mapping[str, Tenant]],
    folder: str | Path,
    wanted: Sequence[str],
    fleet: Sequence[str],
) -> Iterator[dg.MaterializeResult[Any]]:
    """Sync ``wanted`` (of the ``fleet``'s objects) of ``company`` and yield a result per
    object stored; a Failure after the results of the objects that did succeed when some
    did not. ``context``: the step's (its log, and the instance holding the company's
    slot while it syncs: :mod:`.writer`); ``tenants``: reads the tenant list (its
    errors are the company's failure)."""
    log = context.log
    hold_connections(context.instance)
    secrets: tuple[str, ...] = ()
    try:
        tenant = _tenant(tenants(), company, fleet)
        connection = tenant.connection()
        secrets = connection.secrets
        chosen = [n for n in wanted if not tenant.objects or n in tenant.objects]
        if not chosen:
            log.info(f"{company}: none of the selected objects is the tenant's")
            return
        reporter = _Reporter(log, company)
        with company_slot(context, company):  # the month is read by the one writer
            monthly = month_of(tenant, folder)
            if monthly is not None:
                log.info(f"{company}: {monthly.describe()}")
            report = sync_company(tenant, connection, folder, chosen, reporter, monthly)
        reporter.summary(report)
    except (IntacctError, DestinationError, OSError) as exc:  # OSError: the data folder
        raise _failure(company, exc, secrets) from None
    where = tenant.destination_at(folder)
    path = describe(where)  # a URL without its password
    for summary in report.objects:
        touched = summary.requests + summary.inserted + summary.updated + summary.deleted
        if report.budget and not touched:
            continue  # the budget stopped the run before this object was read
        if summary.error is None:
            yield dg.MaterializeResult(
                asset_key=asset_key(summary.object),
                metadata=_metadata(summary, reporter.bytes.get(summary.object, 0), path),
            )
    if report.failed:
        raise _objects_failure(company, report, secrets)
    if report.budget:
        raise _budget_failure(company, report, tenant, monthly)


def _tenant(tenants: Mapping[str, Tenant], company: str, fleet: Sequence[str]) -> Tenant:
    if company not in tenants:
        raise IntacctError(f"company {company} is not in the tenant list (removed from it?)")
    tenant = tenants[company]
    unknown = [o for o in tenant.objects if o not in fleet]
    if unknown:
        raise TenantError(
            company, "objects", f"{', '.join(unknown)} not among the fleet's assets "
            f"({', '.join(fleet)}); add them to fleet_definitions' objects",
        )  # fmt: skip
    return tenant


def _metadata(summary: ObjectSummary, size: int, path: str) -> dict[str, Any]:
    return {
        "records": summary.read,
        "inserted": summary.inserted,
        "updated": summary.updated,
        "deleted": summary.deleted,
        "requests": summary.requests,
        "api_transactions": summary.transactions,
        # why it read or stayed quiet (the audit trail's question: verify_every)
        "why": summary.why,
        "bytes": size,
        "seconds": round(summary.seconds, 3),
        "destination": path,
    }


def _failure(company: str, exc: BaseException, secrets: tuple[str, ...]) -> dg.Failure:
    # the tenant list's own errors name keys ("user_password: ...") and never hold a value
    line = _one_line(exc) if isinstance(exc, TenantError) else redact(_one_line(exc), secrets)
    return dg.Failure(
        description=f"company {company}: {line}",
        metadata={
            "company": company,
            "error_type": type(exc).__name__,
            "error": line,
            "hint": hint(type(exc), company, str(exc)),
        },
        allow_retries=False,
    )


def _objects_failure(company: str, report: SyncReport, secrets: tuple[str, ...]) -> dg.Failure:
    failed = report.failed
    first = failed[0]
    kind = PermissionDeniedError if first.denied else IntacctError
    line = redact(f"{first.object}: {_one_line(first.error or '')}", secrets)
    return dg.Failure(
        description=f"company {company}: {len(failed)} object(s) failed; {line}",
        metadata={
            "company": company,
            "error_type": kind.__name__,
            "error": line,
            "failed_objects": ", ".join(o.object for o in failed),
            "hint": hint(kind, company),
        },
        allow_retries=False,
    )


def _budget_failure(
    company: str, report: SyncReport, tenant: Tenant, monthly: MonthlyBudget | None
) -> dg.Failure:
    month: dict[str, Any] = {}
    if monthly is not None:
        month = {"entitlement": monthly.entitlement.transactions,
                 "share": monthly.entitlement.share, "month": monthly.month,
                 "spent_before_run": monthly.spent, "left_before_run": monthly.left}  # fmt: skip
    said = f"; {monthly.describe()} before the run" if monthly is not None else ""
    return dg.Failure(
        description=f"company {company}: stopped by its budget: {report.budget}{said}",
        metadata={
            "company": company,
            "error_type": "BudgetStop",
            "error": str(report.budget),
            "budget": tenant.budget,
            **month,
            "api_transactions": report.transactions,
            "hint": "every page before the stop is stored with its state; the next run "
            "goes on from there (raise the tenant's budget to read more per run)",
        },
        allow_retries=False,
    )


def companies_failure(failed: Sequence[tuple[str, dg.Failure]], count: int) -> dg.Failure:
    """The failure of a step that synced ``count`` companies, naming each that failed
    (the others were stored)."""
    return dg.Failure(
        description=f"{len(failed)} of {count} companies failed: "
        + "; ".join(exc.description or c for c, exc in failed),
        metadata={"failed_companies": ", ".join(c for c, _ in failed)},
        allow_retries=False,
    )


def _one_line(error: BaseException | str) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
