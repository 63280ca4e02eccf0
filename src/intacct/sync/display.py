"""What ``intacct sync`` shows: live progress on a terminal (rich), plain lines when not
on one (CI, a pipe, a log file), and the summary table at the end.

Progress and warnings go to standard error; the summary goes to standard output.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import IO

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from intacct.sync.database import PageCounts
from intacct.sync.job import SyncReport

__all__ = ["PlainReporter", "RichReporter", "reporter_for", "summary_table"]


class PlainReporter:
    """One line per page and per warning, for logs."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.out = stream or sys.stderr
        self.started = time.monotonic()
        self.records: dict[str, int] = {}
        self._lock = threading.Lock()

    def start(self, objects: Sequence[str]) -> None:
        self._line(f"syncing {len(objects)} objects: {', '.join(objects)}")

    def page(self, stream: str, entity: str, records: int, requests: int, size: int) -> None:
        with self._lock:
            total = self.records[stream] = self.records.get(stream, 0) + records
        where = f" (entity {entity})" if entity else ""
        self._line(
            f"{stream}{where}: page of {records} records, {size:,} bytes; "
            f"{total} records in {requests} requests"
        )

    def stored(self, stream: str, counts: PageCounts) -> None:
        """Stored pages are already told by :meth:`page`."""

    def warning(self, stream: str, text: str) -> None:
        self._line(f"warning: {text}")

    def stop(self) -> None:
        """Nothing is left on screen to clean up."""

    def _line(self, text: str) -> None:
        elapsed = time.monotonic() - self.started
        print(f"[{elapsed:7.1f}s] {text}", file=self.out, flush=True)


class RichReporter:
    """A live line per object (records, pages, rate) and an overall line (requests,
    elapsed), on standard error."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description:<16}"),
            TextColumn("{task.fields[records]:>10,} records"),
            TextColumn("{task.fields[pages]:>6} pages"),
            TextColumn("{task.fields[rate]:>8,.0f} rec/s"),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
        )
        self.tasks: dict[str, TaskID] = {}
        self.started = time.monotonic()
        self.requests = 0
        #: the client's count of requests sent (logins, lookups, planning included)
        self.requests_sent: Callable[[], int] | None = None
        self._lock = threading.Lock()

    def start(self, objects: Sequence[str]) -> None:
        # the overall line: requests sent (in the records column) and pages, elapsed
        self.overall = self.progress.add_task("all: requests", records=0, pages=0, rate=0.0)
        for name in objects:
            self.tasks[name] = self.progress.add_task(name, records=0, pages=0, rate=0.0)
        self.progress.start()

    def page(self, stream: str, entity: str, records: int, requests: int, size: int) -> None:
        with self._lock:
            task = self.tasks.get(stream)
            if task is None:
                return
            current = self.progress.tasks[task].fields
            total = current["records"] + records
            elapsed = max(time.monotonic() - self.started, 1e-6)
            self.progress.update(
                task, records=total, pages=current["pages"] + 1, rate=total / elapsed
            )
            self.requests += 1
            sent = self.requests_sent() if self.requests_sent else self.requests
            self.progress.update(self.overall, records=sent, pages=self.requests)

    def stored(self, stream: str, counts: PageCounts) -> None:
        """The live lines count records read; the summary tells what was stored."""

    def warning(self, stream: str, text: str) -> None:
        self.progress.console.print(f"[yellow]warning:[/yellow] {text}")

    def stop(self) -> None:
        self.progress.stop()


def reporter_for(stream: IO[str]) -> PlainReporter | RichReporter:
    """Live progress on a terminal, plain lines otherwise."""
    return RichReporter() if stream.isatty() else PlainReporter(stream)


def summary_table(report: SyncReport) -> Table:
    """object, inserted, updated, deleted, requests, API transactions, seconds; the total."""
    table = Table(title="intacct sync")
    for heading in ("object", "inserted", "updated", "deleted", "requests", "API transactions"):
        table.add_column(heading, justify="left" if heading == "object" else "right")
    table.add_column("seconds", justify="right")
    table.add_column("error")
    for row in report.objects:
        table.add_row(
            row.object,
            f"{row.inserted:,}",
            f"{row.updated:,}",
            f"{row.deleted:,}",
            f"{row.requests:,}",
            f"{row.transactions:,}",
            f"{row.seconds:.1f}",
            row.error or "",
        )
    totals = [
        sum(getattr(r, k) for r in report.objects) for k in ("inserted", "updated", "deleted")
    ]
    table.add_row(
        "all",
        *(f"{n:,}" for n in totals),
        f"{report.requests:,}",
        f"{report.transactions:,}",
        f"{report.seconds:.1f}",
        f"{len(report.failed)} failed" if report.failed else "",
        style="bold",
    )
    return table
