"""What ``intacct sync`` shows: live progress on a terminal (rich), plain lines when not
on one (CI, a pipe, a log file), log records with ``--log-format json``, nothing with
``-q``; and the summary table at the end. Objects are always named in full, and every
figure is shown whole: where 80 columns cannot hold a long name beside the figures
(``accounts_payable_vendor_restricted_department``), the name goes on two lines.

Progress and notes go to standard error; the summary goes to standard output.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import IO, Any

from rich import box
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.markup import escape
from rich.measure import Measurement
from rich.progress import (
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Column, Table
from rich.text import Text

from intacct.destinations import PageCounts
from intacct.logging import PROGRESS, counted
from intacct.sync.job import ObjectSummary, SyncReport, vars_of

__all__ = [
    "API_TRANSACTIONS",
    "LogReporter",
    "ObjectName",
    "PlainReporter",
    "QuietReporter",
    "RichReporter",
    "figure_columns",
    "object_table",
    "reporter_for",
    "show_table",
    "summary_table",
]

#: how wide a table is written where there is no terminal (a pipe, a log file)
PIPE_WIDTH = 80
#: an object name's narrowest line: past that, the table is widened (a figure is
#: never cut)
NAME_LEAST = 10


def _outcome(summary: ObjectSummary) -> str:
    if summary.error is not None:
        return f"failed: {summary.error}"
    return (
        f"done, {counted(summary.read, 'record')} read ({summary.inserted:,} inserted, "
        f"{summary.updated:,} updated, {summary.deleted:,} deleted), "
        f"{counted(summary.transactions, 'API transaction')}"
    )


_PIECES = re.compile(r"[^_]*_+|[^_]+")


def _name_lines(name: str, width: int) -> list[str]:
    """``name`` in lines of at most ``width``: broken after an underscore where one
    is, else folded."""
    width = max(width, 1)
    lines = [""]
    for piece in _PIECES.findall(name):
        if lines[-1] and len(lines[-1]) + len(piece) > width:
            lines.append("")
        lines[-1] += piece
        while len(lines[-1]) > width:
            lines[-1], rest = lines[-1][:width], lines[-1][width:]
            lines.append(rest)
    return lines


class ObjectName:
    """An object's name in a column that may be narrower than it: whole, on as many
    lines as it takes (:func:`_name_lines`); a table gives it room before it wraps."""

    def __init__(self, name: str, style: str = "") -> None:
        self.name = name
        self.style = style

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        least = min(len(self.name), NAME_LEAST)
        return Measurement(least, len(self.name)).with_maximum(options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text("\n".join(_name_lines(self.name, options.max_width)), style=self.style)


class PlainReporter:
    """One line per page, per warning and per object done, for logs."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.out = stream or sys.stderr
        self.started = time.monotonic()
        self.records: dict[str, int] = {}
        self._lock = threading.Lock()
        self._writing = threading.Lock()

    def start(self, objects: Sequence[str]) -> None:
        self._line(f"syncing {counted(len(objects), 'object')}: {', '.join(objects)}")

    def page(self, stream: str, entity: str, records: int, requests: int, size: int) -> None:
        with self._lock:
            total = self.records[stream] = self.records.get(stream, 0) + records
        where = f" (entity {entity})" if entity else ""
        self._line(
            f"{stream}{where}: page of {counted(records, 'record')}, {counted(size, 'byte')}; "
            f"{counted(total, 'record')} in {counted(requests, 'request')}"
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
        self._info(f"syncing {counted(len(objects), 'object')}", objects=list(objects))

    def page(self, stream: str, entity: str, records: int, requests: int, size: int) -> None:
        with self._lock:
            total = self.records[stream] = self.records.get(stream, 0) + records
        self._info(
            f"{stream}: page of {counted(records, 'record')}",
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
#: redraws of the live region a second: rich's 10 cost a run of many small objects a
#: tenth of its CPU more than a pipe (benchmarks/live_view.py); a figure moving 4 times
#: a second still reads as live
REFRESHES = 4
_MARKS = {"failed": "[red]✗[/red]", "interrupted": "[yellow]■[/yellow]"}
_STATUS = {"failed": "[red]failed[/red]", "interrupted": "[yellow]interrupted[/yellow]"}


class _Mark(SpinnerColumn):
    """The spinner while a line is going, ✓ when done, or its ``mark`` field (failed,
    interrupted): never ✓ for a line that did not finish."""

    def render(self, task: Task) -> RenderableType:
        mark = task.fields.get("mark")
        return Text.from_markup(mark) if mark else super().render(task)


#: a line's figures as it shows them, live and once finished
FIGURES: tuple[Callable[[Mapping[str, Any]], str], ...] = (
    lambda line: f"{line['records']:,} read",
    lambda line: counted(line["pages"], "page"),
    lambda line: f"{line['rate']:,.0f} rec/s",
)


class _Figure(ProgressColumn):
    """A figure of the line, right-aligned, as wide as it is now: fixed widths for the
    largest numbers would not leave the elapsed time room at 80 columns."""

    def __init__(self, said: Callable[[Mapping[str, Any]], str]) -> None:
        super().__init__(table_column=Column(justify="right", no_wrap=True))
        self.said = said

    def render(self, task: Task) -> RenderableType:
        return Text(self.said(task.fields), justify="right")


class _Name(ProgressColumn):
    """The line's object, whole (:class:`ObjectName`): the column to give way first."""

    def render(self, task: Task) -> RenderableType:
        return ObjectName(task.description, "bold")


class RichReporter:
    """Live progress on standard error, a region of bounded height: a line per object
    being read (records, pages, rate, elapsed), at most as many as the screen leaves
    room for, and an overall one (all records and pages, the requests sent). An object
    done (or failed) leaves the region as a line printed above it, once; an object that
    read nothing shows nowhere (the summary lists every one). At 80 columns every figure
    shows whole: a long name goes on two lines, the status (last) gives way after it."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.tasks: dict[str, TaskID] = {}
        self.started = time.monotonic()
        self.requests = 0  # pages, in fact: one request each
        self.records = 0
        #: the client's count of requests sent (logins, lookups, planning included)
        self.requests_sent: Callable[[], int] | None = None
        self._lock = threading.Lock()
        # each line, and where it is, kept here: rich's ``Progress.tasks`` is a copy of
        # every line (641 with --objects all), too dear to read at every page
        self._lines: dict[TaskID, Task] = {}
        self._shown: set[TaskID] = set()  # in the region
        self._waiting: list[TaskID] = []  # read from, no room in the region yet
        self._marked: set[TaskID] = set()  # failed or interrupted
        self._finished: list[TaskID] = []  # left the region, not printed yet
        self._printed = time.monotonic()
        self._timer: threading.Timer | None = None  # the next print of finished lines
        self._room, self._room_at = 0, -1.0  # the screen's room, asked once a frame
        self._sent_at = -1.0  # when the overall line last asked the client its count
        self.progress = self._progress()

    def _progress(self) -> Progress:
        return Progress(
            _Mark(finished_text="[green]✓[/green]"),
            _Name(),
            *(_Figure(said) for said in FIGURES),
            TimeElapsedColumn(table_column=Column(no_wrap=True)),
            TextColumn("{task.fields[status]}"),
            console=self.console,
            transient=False,
            refresh_per_second=REFRESHES,
        )

    @property
    def room(self) -> int:
        """Object lines the region holds: the screen's height less the overall line,
        the prompt and the lines printed above it moving, at least 3 (the height asked
        at most once a frame: asking costs more than the rest of a page's bookkeeping)."""
        now = time.monotonic()
        if now - self._room_at >= 1 / REFRESHES:
            self._room, self._room_at = max(3, self.console.size.height - 4), now
        return self._room

    def start(self, objects: Sequence[str]) -> None:
        for name in objects:
            self.tasks[name] = self.progress.add_task(
                name, records=0, pages=0, rate=0.0, status="", total=1, visible=False
            )
        self.overall = self.progress.add_task(
            "all", records=0, pages=0, rate=0.0, status=counted(0, "request"), total=None
        )
        self._lines = {line.id: line for line in self.progress.tasks}
        self.progress.start()

    def page(self, stream: str, entity: str, records: int, requests: int, size: int) -> None:
        with self._lock:
            task = self.tasks.get(stream)
            if task is None:
                return
            # the figures set in the lines' fields, which the next frame reads: a page
            # needs none of Progress.update's work (its lock, its speed samples)
            now = time.monotonic()
            elapsed = max(now - self.started, 1e-6)
            fields = self._lines[task].fields
            fields["records"] += records
            fields["pages"] += 1
            fields["rate"] = fields["records"] / elapsed
            if fields["pages"] == 1:  # its first page: it joins the region, or waits
                self._show(task)
            self.requests += 1
            self.records += records
            overall = self._lines[self.overall].fields
            overall.update(records=self.records, pages=self.requests, rate=self.records / elapsed)
            if now - self._sent_at >= 1 / REFRESHES:  # the client's count, once a frame
                self._sent_at = now
                sent = self.requests_sent() if self.requests_sent else self.requests
                overall["status"] = counted(sent, "request")

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
            self._leave(task)
            wait = self._printed + 1 / REFRESHES - time.monotonic()
            if wait <= 0:
                self._print_finished()
            elif self._timer is None:  # the lines finished meanwhile go with it
                self._timer = threading.Timer(wait, self._print_later)
                self._timer.daemon = True
                self._timer.start()

    def warning(self, stream: str, text: str) -> None:
        # the text as it is: a warning may hold brackets rich would take for markup
        self.progress.console.print(f"[yellow]warning:[/yellow] {escape(text)}")

    def stop(self, outcome: str = "done") -> None:
        """The last frame: with ``outcome`` "done" the overall line is done; otherwise
        ("interrupted", "failed") it, and every object line still going, says so."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._print_finished()
            if self.tasks:  # the last frame's count of requests, whenever it was asked
                sent = self.requests_sent() if self.requests_sent else self.requests
                self._lines[self.overall].fields["status"] = counted(sent, "request")
        if self.tasks and outcome == "done":
            self.progress.update(self.overall, total=1, completed=1)
        elif self.tasks:
            for task in self._waiting:  # read from: shown with the others
                self.progress.update(task, visible=True)
            for line in self.progress.tasks:
                if line.visible and not line.finished and "mark" not in line.fields:
                    self._end(line.id, outcome)
        self.progress.stop()

    def _show(self, task: TaskID) -> None:
        """A line read from joins the region, or waits for room in it."""
        if len(self._shown) < self.room:
            self._shown.add(task)
            self.progress.update(task, visible=True)
        else:
            self._waiting.append(task)

    def _leave(self, task: TaskID) -> None:
        """A finished line out of the region, to be printed above it, and its room
        given on."""
        if task in self._shown:
            self._shown.discard(task)
        elif task in self._waiting:
            self._waiting.remove(task)
        if self._lines[task].fields["pages"] or task in self._marked:
            self._finished.append(task)
        self.progress.update(task, visible=False)
        if self._waiting and len(self._shown) < self.room:
            self._show(self._waiting.pop(0))

    def _print_later(self) -> None:
        with self._lock:
            self._print_finished()

    def _print_finished(self) -> None:
        """The lines finished since the last print, above the region, in one print (a
        print redraws the region: one per object cost --objects all a tenth more CPU)."""
        self._printed, self._timer = time.monotonic(), None
        if not self._finished:
            return
        width = self.console.width
        said = [_finished(self._lines[task], width) for task in self._finished]
        self._finished.clear()
        self.progress.console.print(Text("\n").join(said))

    def _end(self, task: TaskID, outcome: str) -> None:
        self._marked.add(task)
        self.progress.update(task, mark=_MARKS[outcome], status=_STATUS[outcome])


def _finished(line: Task, width: int) -> Text:
    """A finished line as text (a table per line costs a tenth of a run's CPU): its
    mark, its name whole (on more lines where the figures leave too little room), its
    figures and outcome."""
    fields = line.fields
    elapsed = timedelta(seconds=int(line.finished_time or line.elapsed or 0))
    failed = "mark" in fields
    shown = "  ".join(said(fields) for said in FIGURES)
    figures = f"{shown}  {elapsed} {'failed' if failed else 'done'}"
    room = max(width - len(figures) - 3, NAME_LEAST)
    names = _name_lines(line.description, room)
    text = Text.from_markup(fields["mark"] if failed else "[green]✓[/green]")
    text.append(" ")
    text.append(names[0].ljust(room) if len(names) > 1 else names[0], style="bold")
    text.append(f" {figures}")
    for more in names[1:]:
        text.append(f"\n  {more}", style="bold")
    return text


def reporter_for(stream: IO[str]) -> PlainReporter | RichReporter:
    """Live progress on a terminal (as rich sees it: ``TTY_COMPATIBLE=1`` makes one),
    plain lines otherwise."""
    console = Console(file=stream)
    return RichReporter(console) if console.is_terminal else PlainReporter(stream)


def object_table(title: str, caption: str) -> Table:
    """A table with a line per object, no vertical rules; its rows start with an
    :class:`ObjectName`: the name column is as wide as the longest name where there is
    room, else the names wrap (the figures' columns, :func:`figure_columns`, never do).
    It is as wide as its caption, up to 80 columns."""
    table = Table(
        title=title,
        caption=caption,
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
        min_width=min(len(caption), PIPE_WIDTH),  # the caption on one line where it can
    )
    table.add_column("object")
    return table


def figure_columns(table: Table, headings: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A right-aligned column per heading (a long one on two lines), for the figures
    of ``rows`` (a row's cells in the headings' order): each as wide as its widest
    cell, never wrapped nor cut."""
    for index, heading in enumerate(headings):
        widest = max([*map(len, heading.splitlines()), *(len(row[index]) for row in rows)])
        table.add_column(heading, justify="right", no_wrap=True, min_width=widest)


def show_table(table: Table, console: Console | None = None) -> None:
    """``table`` on standard output: as wide as the terminal, else (a pipe, a log)
    :data:`PIPE_WIDTH`; wider only if its figures and the narrowest names need it."""
    console = console or Console()
    room = console.width
    least = Measurement.get(console, console.options.update_width(10_000), table).minimum
    console.width = max(room if console.is_terminal else PIPE_WIDTH, least)
    try:
        console.print(table)  # print(width=) is never wider than the console
    finally:
        console.width = room


_COUNTS = ("read", "inserted", "updated", "deleted", "transactions")
#: the widest heading on two lines: its figures are seldom half as wide
API_TRANSACTIONS = "API\ntransactions"
_HEADINGS = {"transactions": API_TRANSACTIONS}


def summary_table(report: SyncReport) -> Table:
    """object, records read, inserted, updated, deleted, API transactions; the totals,
    and in the caption the requests, the run's time and the objects that failed (their
    rows red; each error is a line of its own after the table, on standard error: an
    error column would be a few characters wide at 80 columns). Figures are never cut:
    with the longest object names, 80 columns hold it, the names on two lines."""
    caption = (
        f"{counted(report.requests, 'request')}, "
        f"{counted(report.transactions, 'API transaction')} in {report.seconds:.1f} s"
    )
    if report.question:
        caption += f" ({report.question:,} for the audit trail's changes)"
    if report.failed:
        caption += f"; failed: {', '.join(o.object for o in report.failed)}"
    table = object_table("intacct sync", caption)
    totals = {name: sum(getattr(o, name) for o in report.objects) for name in _COUNTS}
    totals["transactions"] = report.transactions
    rows = [[f"{getattr(o, name):,}" for name in _COUNTS] for o in report.objects]
    rows.append([f"{totals[name]:,}" for name in _COUNTS])
    figure_columns(table, [_HEADINGS.get(name, name) for name in _COUNTS], rows)
    for summary, cells in zip(report.objects, rows[:-1], strict=True):
        style = "red" if summary.error is not None else ""
        table.add_row(ObjectName(summary.object), *cells, style=style or None)
    table.add_row(ObjectName("all"), *rows[-1], style="bold")
    return table
