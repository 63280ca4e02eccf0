"""What intacct sync shows: live lines on a terminal, plain lines elsewhere, the table."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from intacct.destinations import PageCounts
from intacct.sync import ObjectSummary, SyncReport
from intacct.sync.display import PlainReporter, RichReporter, reporter_for, summary_table


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
    Console(file=screen, width=160).print(summary_table(report))
    text = screen.getvalue()
    assert "VENDOR" in text and "denied" in text and "1 failed" in text
    total = next(line for line in text.splitlines() if line.startswith("all "))
    assert total.split()[1:8] == ["12", "10", "2", "1", "9", "7", "1"]
    assert "9 requests, 7 API transactions in 1.5 s" in text
