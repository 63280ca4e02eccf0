"""What intacct sync shows: live lines on a terminal, plain lines elsewhere, the table."""

from __future__ import annotations

import io
import itertools
import re
import threading
import time

import pytest
from rich.console import Console

from intacct.destinations import PageCounts
from intacct.emulator.catalog import load_catalog
from intacct.replication.streams.kinds import stream_names
from intacct.sync import DEFAULT_OBJECTS, ObjectSummary, SyncReport
from intacct.sync.display import (
    PlainReporter,
    RichReporter,
    reporter_for,
    show_table,
    summary_table,
)
from tests.cli.tables import table


class Pipe(io.StringIO):
    def isatty(self) -> bool:
        return False


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_live_progress_and_a_pipe_plain_lines(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert isinstance(reporter_for(Terminal()), RichReporter)
    assert isinstance(reporter_for(Pipe()), PlainReporter)


def test_live_progress_counts_records_and_pages_per_object() -> None:
    screen = io.StringIO()
    reporter = RichReporter(Console(file=screen, force_terminal=True, width=120))
    reporter.start(["VENDOR", "APBILL"])
    reporter.page("VENDOR", "", 2000, 1, 500_000)
    reporter.page("VENDOR", "", 120, 2, 30_000)
    reporter.stored("VENDOR", PageCounts(2120, 0, 0))
    reporter.warning("APBILL", "APBILL failed: no permission")
    reporter.stop()
    fields = reporter.progress.tasks[reporter.tasks["VENDOR"]].fields
    assert (fields["records"], fields["pages"]) == (2120, 2)
    assert "APBILL failed: no permission" in screen.getvalue()


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _last_frame(screen: io.StringIO, names: list[str]) -> dict[str, str]:
    """Each name's line as the live display left it."""
    lines = _ANSI.sub("", screen.getvalue()).splitlines()
    return {n: next(x for x in reversed(lines) if re.match(rf". {n} ", x)) for n in names}


def test_at_80_columns_the_live_lines_of_every_object_show_every_figure_whole() -> None:
    """``--objects all``: each object's line, printed once it is done, shows every
    figure whole; the longest names go on two lines, after an underscore."""
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=80, height=24)
    reporter = RichReporter(console)
    reporter.requests_sent = lambda: 12_345
    reporter.start(ALL)
    reporter.started = time.monotonic() - 3600
    for name in ALL:
        reporter.page(name, "", 2000, 1, 1_000_000)
        reporter.done(name, ObjectSummary(name))
    reporter.stop()
    lines = _ANSI.sub("", screen.getvalue()).splitlines()
    assert all(len(line.rstrip()) <= 80 and "…" not in line for line in lines)
    named: dict[str, str] = {}  # each name, its lines joined: its first line
    for index, line in enumerate(lines):
        if line.startswith("✓ "):
            more = itertools.takewhile(lambda x: x.startswith("  "), lines[index + 1 :])
            named[line.split()[1] + "".join(x.strip() for x in more)] = line.rstrip()
    assert set(ALL) < set(named)
    for name in ALL:
        assert re.search(r" 2,000 read +1 page +1 rec/s +\d:\d\d:\d\d done$", named[name])
    assert lines[-1].startswith("✓ all ") and lines[-1].rstrip().endswith(" 12,345 requests")


def test_the_live_region_holds_the_objects_being_read_and_no_more_than_the_screen() -> None:
    """641 objects on a 24-row screen: the region holds those read from, at most as
    many as it has room for, the others waiting their turn; one read nothing shows."""
    screen = io.StringIO()
    reporter = RichReporter(Console(file=screen, force_terminal=True, width=80, height=24))
    reporter.start(ALL)
    reading = ALL[:40]
    for name in reading:
        reporter.page(name, "", 10, 1, 1000)
    shown = [t.description for t in reporter.progress.tasks if t.visible]
    assert len(shown) == reporter.room + 1 == 21 and shown[-1] == "all"
    assert shown[:-1] == reading[: reporter.room]
    reporter.done(reading[0], ObjectSummary(reading[0]))  # its room goes to the next
    shown = [t.description for t in reporter.progress.tasks if t.visible]
    assert reading[0] not in shown and reading[reporter.room] in shown
    reporter.stop("interrupted")
    assert ALL[-1] not in _ANSI.sub("", screen.getvalue())  # read nothing: not shown


def test_at_80_columns_a_big_run_shows_every_column_whole() -> None:
    screen = io.StringIO()
    reporter = RichReporter(Console(file=screen, force_terminal=True, width=80))
    reporter.requests_sent = lambda: 1_234
    reporter.start(DEFAULT_OBJECTS)
    reporter.started = time.monotonic() - 600  # ten minutes in: a real rate
    for _ in range(1000):
        reporter.page("GLENTRY", "", 2000, 1, 1_000_000)
    for name in DEFAULT_OBJECTS:
        reporter.done(name, ObjectSummary(name))
    reporter.stop()
    shown = _last_frame(screen, ["GLENTRY", "all"])
    assert re.search(r"2,000,000 read +1,000 pages +3,333 rec/s", shown["GLENTRY"])
    for line in shown.values():
        assert len(line.rstrip()) <= 80 and "…" not in line, line
        assert re.search(r" \d+:\d\d:\d\d ", line), line  # the elapsed time, whole
    assert shown["all"].startswith("✓ all") and shown["all"].rstrip().endswith("1,234 requests")
    assert "VENDOR" not in _ANSI.sub("", screen.getvalue())  # read nothing: the summary's


def test_an_interrupted_or_failed_line_is_not_marked_done() -> None:
    screen = io.StringIO()
    reporter = RichReporter(Console(file=screen, force_terminal=True, width=80))
    reporter.start(["VENDOR", "APBILL", "GLENTRY"])
    reporter.page("VENDOR", "", 10, 1, 1000)
    reporter.page("GLENTRY", "", 2000, 1, 1_000_000)
    reporter.done("VENDOR", ObjectSummary("VENDOR"))
    reporter.done("APBILL", ObjectSummary("APBILL", error="denied"))
    reporter.stop("interrupted")
    frame = _last_frame(screen, ["VENDOR", "APBILL", "GLENTRY", "all"])
    shown = {name: line.rstrip() for name, line in frame.items()}
    assert shown["VENDOR"].startswith("✓ VENDOR") and shown["VENDOR"].endswith(" done")
    assert shown["APBILL"].startswith("✗ APBILL") and shown["APBILL"].endswith(" failed")
    for name in ("GLENTRY", "all"):  # still going when Ctrl-C came
        assert shown[name].startswith(f"■ {name}") and shown[name].endswith(" interrupted")


def test_plain_lines_say_each_page_and_warning() -> None:
    out = Pipe()
    reporter = PlainReporter(out)
    reporter.start(["VENDOR"])
    reporter.page("VENDOR", "E100", 50, 3, 12_345)
    reporter.warning("VENDOR", "VENDOR: the gateway refuses to query X")
    lines = out.getvalue().splitlines()
    assert (
        "VENDOR (entity E100): page of 50 records, 12,345 bytes; 50 records in 3 requests"
        in (lines[1])
    )
    assert lines[2].endswith("warning: VENDOR: the gateway refuses to query X")


def test_the_summary_has_a_row_per_object_and_the_totals() -> None:
    vendor = ObjectSummary("VENDOR", read=12, inserted=10, updated=2, deleted=1, requests=2)
    report = SyncReport(
        [vendor, ObjectSummary("APBILL", error="denied")], requests=9, transactions=7, seconds=1.5
    )
    screen = io.StringIO()
    Console(file=screen, width=80).print(summary_table(report))
    text = screen.getvalue()
    assert "VENDOR" in text and "APBILL" in text
    assert "denied" not in text  # the error is a line of its own, after the table
    total = next(line for line in text.splitlines() if line.startswith("all "))
    assert total.split()[1:] == ["12", "10", "2", "1", "7"]
    assert "9 requests, 7 API transactions in 1.5 s; failed: APBILL" in text
    assert all(len(line) <= 80 for line in text.splitlines())


#: every object ``intacct sync --objects all`` reads of the demo company, the REST-only
#: ones' long names (accounts_payable_vendor_restricted_department) last
ALL = stream_names(list(load_catalog().keys()), rest=True)


def _big_run() -> SyncReport:
    """A first run of every object of a big company: its ledger's lines by the ten
    million, the rest by the ten thousand."""
    objects = [
        ObjectSummary(name, read=12_345, inserted=9_876, updated=2_469, deleted=123,
                      requests=7, transactions=21)
        for name in ALL
    ]  # fmt: skip
    for ledger in (o for o in objects if o.object in ("GLENTRY", "GLDETAIL")):
        ledger.read = ledger.inserted = 12_345_678
        ledger.requests, ledger.transactions = 6_173, 18_519
    requests = sum(o.requests for o in objects)
    transactions = sum(o.transactions for o in objects)
    return SyncReport(objects, requests=requests, transactions=transactions, seconds=86_400.0)


def _rows(text: str) -> dict[str, list[str]]:
    """The printed summary as {name: figures}, a name wrapped onto lines of its own
    joined again (tests/cli/tables.py reads it by heading)."""
    return {name: list(row.values())[1:] for name, row in table(text).items()}


@pytest.mark.parametrize("terminal", [True, False])
def test_the_summary_of_every_object_fits_80_columns_every_figure_and_name_whole(
    terminal: bool,
) -> None:
    """A terminal of 80 columns, or a pipe (80 columns too, whatever the names): the
    figures are never cut (they were: `1…`, a column blank), the longest names wrap
    after an underscore."""
    screen = Terminal() if terminal else Pipe()
    report = _big_run()
    show_table(summary_table(report), Console(file=screen, width=80))
    text = _ANSI.sub("", screen.getvalue())
    assert "…" not in text and max(len(line) for line in text.splitlines()) == 80
    rows = _rows(text)
    assert list(rows) == [*ALL, "all"]
    assert rows["accounts_payable_vendor_restricted_department"] == [
        "12,345", "9,876", "2,469", "123", "21"
    ]  # fmt: skip
    assert rows["GLDETAIL"] == ["12,345,678", "12,345,678", "2,469", "123", "18,519"]
    figures = ("read", "inserted", "updated", "deleted", "transactions")
    totals = [f"{sum(getattr(o, n) for o in report.objects):,}" for n in figures]
    assert rows["all"] == totals and len(totals[0]) == len("27,456,636")
    assert f"{report.requests:,} requests, {totals[-1]} API transactions" in text


def test_a_table_is_widened_rather_than_cut() -> None:
    """Figures 80 columns cannot hold beside a name: the table is wider, all whole."""
    huge = ObjectSummary("GLENTRY", read=10**15, inserted=10**15, updated=10**15,
                         deleted=10**15, transactions=10**12)  # fmt: skip
    screen = Pipe()
    show_table(summary_table(SyncReport([huge], transactions=10**12)), Console(file=screen))
    assert _rows(screen.getvalue())["GLENTRY"][0] == "1,000,000,000,000,000"


def test_a_count_of_one_is_singular() -> None:
    report = SyncReport([ObjectSummary("CLASS", read=1, inserted=1, requests=1,
                                       transactions=1)], requests=1, transactions=1)  # fmt: skip
    screen = Pipe()
    show_table(summary_table(report), Console(file=screen))
    assert "1 request, 1 API transaction in 0.0 s" in screen.getvalue()
    out = Pipe()
    reporter = PlainReporter(out)
    reporter.start(["CLASS"])
    reporter.page("CLASS", "", 1, 1, 1)
    reporter.done("CLASS", report.objects[0])
    lines = [line.split("] ", 1)[1] for line in out.getvalue().splitlines()]
    assert lines == [
        "syncing 1 object: CLASS",
        "CLASS: page of 1 record, 1 byte; 1 record in 1 request",
        "CLASS: done, 1 record read (1 inserted, 0 updated, 0 deleted), 1 API transaction",
    ]
    screen = io.StringIO()
    live = RichReporter(Console(file=screen, force_terminal=True, width=80))
    live.requests_sent = lambda: 1
    live.start(["CLASS"])
    live.page("CLASS", "", 1, 1, 1)
    live.stop()
    shown = _last_frame(screen, ["CLASS", "all"])
    assert " 1 page " in shown["CLASS"] and shown["all"].rstrip().endswith(" 1 request")


def test_each_plain_line_is_one_write_whoever_writes_it() -> None:
    """Page lines (the delivery thread) and warnings (the workers) never share a line:
    each is written whole, in one call (print wrote the newline apart, and another
    thread's line came in between)."""

    class Writes(io.StringIO):
        def __init__(self) -> None:
            super().__init__()
            self.calls: list[str] = []

        def write(self, text: str) -> int:
            self.calls.append(text)
            return super().write(text)

    out = Writes()
    reporter = PlainReporter(out)

    def pages() -> None:
        for _ in range(200):
            reporter.page("VENDOR", "", 2, 1, 100)

    def warnings() -> None:
        for _ in range(200):
            reporter.warning("USERINFO", "the gateway refuses to query X")

    threads = [threading.Thread(target=pages), threading.Thread(target=warnings)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(out.calls) == 400 and all(c.endswith("\n") and c.count("\n") == 1 for c in out.calls)
