"""What ``intacct sync --dry-run`` shows: a line per object (what kind of read, records
and deletes to read, API transactions), the total, and what the estimate itself cost."""

from __future__ import annotations

import logging
import sys

from rich.console import Console
from rich.table import Table

from intacct.logging import say
from intacct.sync.display import object_table
from intacct.sync.dryrun import SyncEstimate

__all__ = ["show_estimate"]


def _number(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def estimate_table(estimate: SyncEstimate) -> Table:
    failed = any(o.error for o in estimate.objects)
    table = object_table(
        "intacct sync --dry-run",
        "records to read (?: not known before reading), API transactions as billed",
        [o.object for o in estimate.objects],
    )
    for heading in ("records", "deletes", "API transactions"):
        table.add_column(heading, justify="right", no_wrap=True)
    table.add_column("error" if failed else "read", overflow="fold")
    for row in estimate.objects:
        table.add_row(
            row.object,
            _number(row.records),
            "" if row.deletes is None else f"{row.deletes:,}",
            f"{row.transactions:,}",
            row.error or row.what,
        )
    known = [o.records for o in estimate.objects if o.error is None]
    records = None if None in known else sum(r for r in known if r is not None)
    deletes = sum(o.deletes or 0 for o in estimate.objects)
    shared = f"with {estimate.shared:,} to list the entities" if estimate.shared else ""
    table.add_row(
        "all", _number(records), f"{deletes:,}", f"{estimate.transactions:,}", shared, style="bold"
    )
    return table


def show_estimate(estimate: SyncEstimate, db_path: str) -> None:
    """The table on standard output; the estimate's own cost as a note; exit 1 when an
    object cannot be read (the run would fail there too)."""
    out = Console()
    if not out.is_terminal:
        out = Console(width=160)
    out.print(estimate_table(estimate))
    say(
        f"Dry run: {estimate.cost:,} API transactions to ask the counts (a run asks them "
        f"again); nothing read, {db_path} not written."
    )
    failed = [o.object for o in estimate.objects if o.error]
    if failed:
        say(f"{len(failed)} object(s) cannot be read: {', '.join(failed)}", logging.ERROR)
        sys.exit(1)
