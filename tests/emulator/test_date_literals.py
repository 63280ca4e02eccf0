"""Dates in and out agree: filter literals are read in the company's date format, the one
records are written in, so a value read back selects the right rows. Raw XML through the
in-process transport, under DD/MM/YYYY (where a US reading would pick other rows)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import httpx
import pytest
from lxml import etree

from intacct.emulator.inprocess import InProcessEmulator

from .conftest import envelope

Ask = Callable[..., etree._Element]
Row = tuple[datetime, int, str]  # WHENMODIFIED parsed, RECORDNO, WHENMODIFIED as read
UK = "%d/%m/%Y"


@pytest.fixture(scope="module")
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=300) as emu:
        emu.configure_company("DEMO", date_format=UK)
        yield emu


@pytest.fixture(scope="module")
def ask(emulator: InProcessEmulator) -> Iterator[Ask]:
    """One function in one request; its ``<result>``."""
    with httpx.Client(transport=emulator.transport()) as http:

        def send(body: str, dtd: str = "3.0") -> etree._Element:
            answer = http.post(emulator.url, content=envelope(body, dtd=dtd))
            result = etree.fromstring(answer.content).find("operation/result")
            assert result is not None, answer.text[:500]
            return result

        yield send


def query(ask: Ask, condition: str = "") -> list[Row]:
    """GLENTRY's RECORDNO and WHENMODIFIED in keyset order, filtered by ``condition``."""
    result = ask(
        "<query><object>GLENTRY</object><select><field>RECORDNO</field>"
        "<field>WHENMODIFIED</field></select>"
        + (f"<filter>{condition}</filter>" if condition else "")
        + "<orderby><order><field>WHENMODIFIED</field></order>"
        "<order><field>RECORDNO</field></order></orderby><pagesize>2000</pagesize></query>"
    )
    assert result.findtext("status") == "success", etree.tostring(result)
    assert result.find("data").get("numremaining") == "0"
    return [
        _row(r.findtext("WHENMODIFIED") or "", r.findtext("RECORDNO") or "")
        for r in result.find("data")
    ]


def _row(when: str, recordno: str) -> Row:
    return datetime.strptime(when, f"{UK} %H:%M:%S"), int(recordno), when  # noqa: DTZ007


def op(tag: str, field: str, value: str) -> str:
    return f"<{tag}><field>{field}</field><value>{value}</value></{tag}>"


@pytest.fixture(scope="module")
def rows(ask: Ask) -> list[Row]:
    everything = query(ask)
    assert len(everything) > 50
    return everything


@pytest.fixture(scope="module")
def pivot(rows: list[Row]) -> Row:
    """A row inside a WHENMODIFIED tie, on a day after the 12th (not a month), with rows
    after it: where keyset paging resumes."""
    tied = [r for r in rows if sum(o[0] == r[0] for o in rows) > 2 and r[0].day > 12]
    assert tied, "the seed has no tie after the 12th of a month"
    candidates = [r for r in tied[1:] if r[0] == tied[0][0]]
    return candidates[0]


def test_a_value_read_back_selects_the_rows_after_it(ask: Ask, rows: list[Row], pivot: Row) -> None:
    when = pivot[2]
    later = query(ask, op("greaterthan", "WHENMODIFIED", when))
    assert later == [r for r in rows if r[0] > pivot[0]] and later


def test_keyset_resume_condition(ask: Ask, rows: list[Row], pivot: Row) -> None:
    when, recordno = pivot[2], str(pivot[1])
    condition = (
        "<or>"
        + op("greaterthan", "WHENMODIFIED", when)
        + "<and>"
        + op("equalto", "WHENMODIFIED", when)
        + op("greaterthan", "RECORDNO", recordno)
        + "</and></or>"
    )
    after = query(ask, condition)
    assert after == rows[rows.index(pivot) + 1 :]
    assert after[0][0] == pivot[0]  # the rest of the tie comes first


def test_read_by_query_reads_the_same_format(ask: Ask, rows: list[Row], pivot: Row) -> None:
    result = ask(
        "<readByQuery><object>GLENTRY</object><fields>RECORDNO</fields>"
        f"<query>WHENMODIFIED &gt; '{pivot[2]}'</query><pagesize>1000</pagesize></readByQuery>"
    )
    assert result.findtext("status") == "success", etree.tostring(result)
    found = sorted(int(r.findtext("RECORDNO") or "") for r in result.find("data"))
    assert found == sorted(r[1] for r in rows if r[0] > pivot[0])


def test_like_matches_the_written_text(ask: Ask, rows: list[Row], pivot: Row) -> None:
    day = pivot[2].split(" ")[0]
    matched = query(ask, op("like", "WHENMODIFIED", f"{day}%"))
    assert matched == [r for r in rows if r[2].startswith(day)]


def test_get_list_reads_the_same_format(ask: Ask, rows: list[Row], pivot: Row) -> None:
    expression = (
        "<expression><field>whenmodified</field><operator>&gt;</operator>"
        f"<value>{pivot[2]}</value></expression>"
    )
    result = ask(
        f'<get_list object="glentry" maxitems="1000"><filter>{expression}</filter></get_list>',
        dtd="2.1",
    )
    assert result.findtext("status") == "success", etree.tostring(result)
    found = sorted(int(r.findtext("recordno") or "") for r in result.find("data"))
    assert found == sorted(r[1] for r in rows if r[0] > pivot[0])


@pytest.mark.parametrize("date_format", ["%m/%d/%Y", "%Y/%m/%d", "%d.%m.%Y", "%Y-%m-%d"])
def test_every_company_format_reads_back_what_it_writes(date_format: str) -> None:
    with InProcessEmulator(scale=300) as emu, httpx.Client(transport=emu.transport()) as http:
        emu.configure_company("DEMO", date_format=date_format)

        def dates(condition: str) -> list[str]:
            body = envelope(
                "<query><object>GLENTRY</object><select><field>ENTRY_DATE</field></select>"
                f"<filter>{condition}</filter><pagesize>2000</pagesize></query>"
            )
            data = etree.fromstring(http.post(emu.url, content=body).content)
            return [r.findtext("ENTRY_DATE") or "" for r in data.iterfind(".//GLENTRY")]

        everything = dates("<isnotnull><field>ENTRY_DATE</field></isnotnull>")
        day = everything[len(everything) // 2]
        assert datetime.strptime(day, date_format)  # noqa: DTZ007 - written in the format
        assert dates(op("equalto", "ENTRY_DATE", day)) == [d for d in everything if d == day]


US_ONLY = "09/15/2025"  # a valid MM/DD/YYYY date, not a valid DD/MM/YYYY one
INVALID = (
    "There was an error processing the request. Invalid value '{}' for field 'WHENMODIFIED': "
    "expected a date {} or a date and time {} HH:MM:SS."
)


@pytest.mark.parametrize(
    "body",
    [
        f"<query><object>GLENTRY</object><select><field>RECORDNO</field></select>"
        f"<filter>{op('greaterthan', 'WHENMODIFIED', US_ONLY)}</filter></query>",
        "<readByQuery><object>GLENTRY</object><fields>RECORDNO</fields>"
        f"<query>WHENMODIFIED &gt; '{US_ONLY}'</query></readByQuery>",
    ],
)
def test_a_us_date_fails_as_an_invalid_date(ask: Ask, body: str) -> None:
    result = ask(body)
    assert result.findtext("status") == "failure"
    assert result.findtext("errormessage/error/errorno") == "DL02000001"
    assert result.findtext("errormessage/error/description2") == INVALID.format(
        US_ONLY, "DD/MM/YYYY", "DD/MM/YYYY"
    )


def test_the_default_format_fails_an_invalid_date_the_same_way() -> None:
    with InProcessEmulator(scale=0) as emu, httpx.Client(transport=emu.transport()) as http:
        body = envelope(
            "<readByQuery><object>GLENTRY</object><fields>RECORDNO</fields>"
            "<query>WHENMODIFIED &gt; '15/09/2025'</query></readByQuery>"
        )
        result = etree.fromstring(http.post(emu.url, content=body).content)
    assert result.findtext("operation/result/errormessage/error/errorno") == "DL02000001"
    assert result.findtext("operation/result/errormessage/error/description2") == INVALID.format(
        "15/09/2025", "MM/DD/YYYY", "MM/DD/YYYY"
    )
