"""What ``intacct sync`` shows: live progress on a terminal (rich), plain lines when not
on one (CI, a pipe, a log file), log records with ``--log-format json``, nothing with
``-q``; and the summary table at the end. Objects are always named in full.

Progress and notes go to standard error; the summary goes to standard output.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import IO, Any

from rich import box
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.progress import (
    Progress,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Column, Table
from rich.text import Text

from intacct.destinations import PageCounts
from intacct.logging import PROGRESS
from intacct.sync.job import ObjectSummary, SyncReport, vars_of

__all__ = [
    "LogReporter",
    "PlainReporter",
    "QuietReporter",
    "RichReporter",
    "object_table",
    "reporter_for",
    "summary_table",
]


def _outcome(summary: ObjectSummary) -> str:
    if summary.error is not None:
        return f"failed: {summary.error}"
    return (
        f"done, {summary.read:,} records read ({summary.inserted:,} inserted, "
        f"{summary.updated:,} updated, {summary.deleted:,} deleted), "
        f"{summary.transactions:,} API transactions"
    )


class PlainReporter:
    """One line per page, per warning and per object done, for logs."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.out = stream or sys.stderr
        self.started = time.monotonic()
        self.records: dict[str, int] = {}
        self._lock = threading.Lock()
        self._writing = threading.Lock()

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

    def done(self, stream: str, summary: ObjectSummary) -> None:
        self._line(f"{stream}: {_outcome(summary)}")

    def warning(self, stream: str, text: str) -> None:
        self._line(f"warning: {text}")

    def stop(self, outcome: str = "done") -> None:
        """Nothing is left on screen to clean up (the command says how the run ended)."""

    def _line(self, text: str) -> None:
        elapsed = time.monotonic() - self.started
        # one write a line, one writer at a time: a worker's warning and the delivery
        # thread's page line came out as one line (print writes the newline apart)
        with self._writing:
            self.out.write(f"[{elapsed:7.1f}s] {text}\n")
            self.out.flush()


class LogReporter:
    """Progress as log records on :data:`~intacct.logging.PROGRESS` (``--log-format
    json``: one JSON line each, with the numbers as fields)."""

    def __init__(self) -> None:
        self.log = logging.getLogger(PROGRESS)
        self.records: dict[str, int] = {}
        self._lock = threading.Lock()

    def start(self, objects: Sequence[str]) -> None:
        self._info(f"syncing {len(objects)} objects", objects=list(objects))

    def page(self, stream: str, entity: str, records: int, requests: int, size: int) -> None:
        with self._lock:
            total = self.records[stream] = self.records.get(stream, 0) + records
        self._info(
            f"{stream}: page of {records} records",
            object=stream, entity=entity, records=records, read=total, requests=requests,
            bytes=size,
        )  # fmt: skip

    def stored(self, stream: str, counts: PageCounts) -> None:
        """Stored pages are already told by :meth:`page`."""

    def done(self, stream: str, summary: ObjectSummary) -> None:
        level = logging.ERROR if summary.error is not None else logging.INFO
        fields = {"object": stream, "status": "failed" if summary.error else "done"}
        fields |= {k: v for k, v in vars_of(summary).items() if k != "object"}
        self.log.log(level, f"{stream}: {_outcome(summary)}", extra={"fields": fields})

    def warning(self, stream: str, text: str) -> None:
        self.log.warning(text, extra={"fields": {"object": stream}})

    def stop(self, outcome: str = "done") -> None:
        """Nothing to clean up (the command says how the run ended)."""

    def _info(self, message: str, **fields: Any) -> None:
        self.log.info(message, extra={"fields": fields})


class QuietReporter(PlainReporter):
    """``-q``: shows nothing (the command reports errors)."""

    def _line(self, text: str) -> None:
        """Nothing is shown."""


#: a line's mark once it is no longer going (a done line gets the spinner's ✓)
_MARKS = {"failed": "[red]✗[/red]", "interrupted": "[yellow]■[/yellow]"}
_STATUS = {"failed": "[red]failed[/red]", "interrupted": "[yellow]interrupted[/yellow]"}


class _Mark(SpinnerColumn):
    """The spinner while a line is going, ✓ when done, or its ``mark`` field (failed,
    interrupted): never ✓ for a line that did not finish."""

    def render(self, task: Task) -> RenderableType:
        mark = task.fields.get("mark")
        return Text.from_markup(mark) if mark else super().render(task)


def _number(template: str) -> TextColumn:
    """A count, right-aligned, as wide as it is now: fixed widths for the largest
    numbers would not leave the elapsed time room at 80 columns."""
    return TextColumn(template, justify="right", table_column=Column(justify="right", no_wrap=True))


class RichReporter:
    """A live line per object (records read, pages, rate, done) and an overall one (all
    records and pages, the requests sent), on standard error; names in full. At 80
    columns every column shows whole; the status (last) is the one to give way."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.tasks: dict[str, TaskID] = {}
        self.started = time.monotonic()
        self.requests = 0  # pages, in fact: one request each
        self.records = 0
        #: the client's count of requests sent (logins, lookups, planning included)
        self.requests_sent: Callable[[], int] | None = None
        self._lock = threading.Lock()
        self.progress = self._progress(16)

    def _progress(self, name_width: int) -> Progress:
        return Progress(
            _Mark(finished_text="[green]✓[/green]"),
            TextColumn(
                "[bold]{task.description}", table_column=Column(no_wrap=True, min_width=name_width)
            ),
            _number("{task.fields[records]:,} read"),
            _number("{task.fields[pages]:,} pages"),
            _number("{task.fields[rate]:,.0f} rec/s"),
            TimeElapsedColumn(table_column=Column(no_wrap=True)),
            TextColumn("{task.fields[status]}"),
            console=self.console,
            transient=False,
        )

    def start(self, objects: Sequence[str]) -> None:
        self.progress = self._progress(max([len("all"), *map(len, objects)]))
        for name in objects:
            self.tasks[name] = self.progress.add_task(
                name, records=0, pages=0, rate=0.0, status="", total=1
            )
        self.overall = self.progress.add_task(
            "all", records=0, pages=0, rate=0.0, status="0 requests", total=None
        )
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
            self.records += records
            sent = self.requests_sent() if self.requests_sent else self.requests
            self.progress.update(
                self.overall,
                records=self.records,
                pages=self.requests,
                rate=self.records / elapsed,
                status=f"{sent:,} requests",
            )

    def stored(self, stream: str, counts: PageCounts) -> None:
        """The live lines count records read; the summary tells what was stored."""

    def done(self, stream: str, summary: ObjectSummary) -> None:
        with self._lock:
            task = self.tasks.get(stream)
            if task is None:
                return
            if summary.error is not None:
                self._end(task, "failed")
            else:
                self.progress.update(task, completed=1, status="[green]done[/green]")

    def warning(self, stream: str, text: str) -> None:
        # the text as it is: a warning may hold brackets rich would take for markup
        self.progress.console.print(f"[yellow]warning:[/yellow] {escape(text)}")

    def stop(self, outcome: str = "done") -> None:
        """The last frame: with ``outcome`` "done" the overall line is done; otherwise
        ("interrupted", "failed") it, and every object line still going, says so."""
        if self.tasks and outcome == "done":
            self.progress.update(self.overall, total=1, completed=1)
        elif self.tasks:
            for task in [*self.tasks.values(), self.overall]:
                line = self.progress.tasks[task]
                if not line.finished and "mark" not in line.fields:
                    self._end(task, outcome)
        self.progress.stop()

    def _end(self, task: TaskID, outcome: str) -> None:
        self.progress.update(task, mark=_MARKS[outcome], status=_STATUS[outcome])


def reporter_for(stream: IO[str]) -> PlainReporter | RichReporter:
    """Live progress on a terminal (as rich sees it: ``TTY_COMPATIBLE=1`` makes one),
    plain lines otherwise."""
    console = Console(file=stream)
    return RichReporter(console) if console.is_terminal else PlainReporter(stream)


def object_table(title: str, caption: str, objects: Sequence[str]) -> Table:
    """A table with a line per object, its name whole (the column is as wide as the
    longest), no vertical rules: 80 columns hold it."""
    table = Table(
        title=title,
        caption=caption,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )
    width = max([len("object"), *map(len, objects)])
    table.add_column("object", no_wrap=True, min_width=width)
    return table


_COUNTS = ("read", "inserted", "updated", "deleted", "requests", "transactions")
_HEADINGS = {"transactions": "API transactions"}


def summary_table(report: SyncReport) -> Table:
    """object, records read, inserted, updated, deleted, requests, API transactions; the
    totals, and the run's time in the caption, with the objects that failed (their rows
    red; each error is a line of its own after the table, on standard error: an error
    column would be a few characters wide at 80 columns, or 160 wide in a log).
    Fits 80 columns with the longest object names whole."""
    caption = (
        f"{report.requests:,} requests, {report.transactions:,} API transactions "
        f"in {report.seconds:.1f} s"
    )
    if report.failed:
        caption += f"; failed: {', '.join(o.object for o in report.failed)}"
    table = object_table("intacct sync", caption, [o.object for o in report.objects])
    for name in _COUNTS:
        table.add_column(_HEADINGS.get(name, name), justify="right", no_wrap=True)
    for row in report.objects:
        cells = [f"{getattr(row, name):,}" for name in _COUNTS]
        table.add_row(row.object, *cells, style="red" if row.error is not None else None)
    totals = {name: sum(getattr(o, name) for o in report.objects) for name in _COUNTS}
    totals |= {"requests": report.requests, "transactions": report.transactions}
    table.add_row("all", *(f"{totals[name]:,}" for name in _COUNTS), style="bold")
    return table
