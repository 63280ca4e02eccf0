"""What ``intacct sync --dry-run`` shows: a line per object (what kind of read, records
and deletes to read, API transactions), the total, the API each object's records go
through and why (its route), and what the estimate itself cost."""

from __future__ import annotations

import logging
import sys

import click
from rich.table import Table

from intacct.logging import counted, say
from intacct.sync.display import (
    API_TRANSACTIONS,
    ObjectName,
    figure_columns,
    object_table,
    show_table,
)
from intacct.sync.dryrun import SyncEstimate

__all__ = ["show_estimate"]


def _number(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def estimate_table(estimate: SyncEstimate) -> Table:
    failed = any(o.error for o in estimate.objects)
    table = object_table(
        "intacct sync --dry-run",
        "records to read (?: not known before reading), API transactions as billed",
    )
    rows = [
        [_number(o.records), "" if o.deletes is None else f"{o.deletes:,}", f"{o.transactions:,}"]
        for o in estimate.objects
    ]
    known = [o.records for o in estimate.objects if o.error is None]
    records = None if None in known else sum(r for r in known if r is not None)
    deletes = sum(o.deletes or 0 for o in estimate.objects)
    rows.append([_number(records), f"{deletes:,}", f"{estimate.transactions:,}"])
    figure_columns(table, ("records", "deletes", API_TRANSACTIONS), rows)
    table.add_column("error" if failed else "read", overflow="fold")
    for row, cells in zip(estimate.objects, rows[:-1], strict=True):
        table.add_row(ObjectName(row.object), *cells, row.error or row.what)
    shared = [f"{estimate.shared:,} to list the entities"] if estimate.shared else []
    if estimate.question:
        shared.append(f"{estimate.question:,} for the audit trail's changes")
    note = f"with {' and '.join(shared)}" if shared else ""
    table.add_row(ObjectName("all"), *rows[-1], note, style="bold")
    return table


def routes(estimate: SyncEstimate) -> list[str]:
    """The API each object's records go through and why, as "VENDOR: xml (REST lacks
    32 fields)", then, with ``verify_every``, when each reads: the objects of one route
    (one rule) on one line."""
    lines = []
    for kind in ("route", "rule"):
        grouped: dict[str, list[str]] = {}
        for row in estimate.objects:
            if getattr(row, kind) and row.error is None:
                grouped.setdefault(getattr(row, kind), []).append(row.object)
        lines += [f"{', '.join(names)}: {said}" for said, names in grouped.items()]
    return lines


def show_estimate(estimate: SyncEstimate, db_path: str) -> None:
    """The table on standard output, then each object's route; the estimate's own cost
    as a note; exit 1 when an object cannot be read (the run would fail there too)."""
    if estimate.at_rest:  # the whole answer, in one line, where the table would be
        click.echo(
            f"At rest: the audit trail lists no change since the last run; the run costs "
            f"{counted(estimate.transactions, 'API transaction')}, no object read."
        )
        return
    show_table(estimate_table(estimate))
    for line in routes(estimate):
        say(line)
    if estimate.left_out is not None:
        say(estimate.left_out, logging.WARNING)
    say(
        f"Dry run: {counted(estimate.cost, 'API transaction')} to ask the counts (a run asks "
        f"them again); nothing read, {db_path} not written."
    )
    failed = [o.object for o in estimate.objects if o.error]
    if failed:
        say(f"{counted(len(failed), 'object')} cannot be read: {', '.join(failed)}", logging.ERROR)
        sys.exit(1)
