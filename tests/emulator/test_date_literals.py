"""Dates come out in the company's display format but go in as MM/DD/YYYY: filter
literals in ``query``, ``readByQuery`` and ``get_list`` are ``MM/DD/YYYY[ HH:MM:SS]``
(the company's wall-clock time) whatever the format, as Sage's SDKs write them. Raw XML
through the in-process transport, under DD/MM/YYYY and YYYY-MM-DD (where reading the
display format back would pick other rows or fail)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import httpx
import pytest
from lxml import etree

from intacct.emulator.inprocess import InProcessEmulator

from .conftest import envelope
from .texts import bare

Ask = Callable[..., etree._Element]
Row = tuple[datetime, int, str]  # WHENMODIFIED parsed, RECORDNO, WHENMODIFIED as read
UK = "%d/%m/%Y"
ISO = "%Y-%m-%d"
US = "%m/%d/%Y"


def us(row: Row) -> str:
    """A row's WHENMODIFIED as a client writes it in a filter."""
    return row[0].strftime(f"{US} %H:%M:%S")


@pytest.fixture(scope="module", params=[UK, ISO])
def date_format(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def emulator(date_format: str) -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=300) as emu:
        emu.configure_company("DEMO", date_format=date_format, timezone="Asia/Kolkata")
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


@pytest.fixture(scope="module")
def query(ask: Ask, date_format: str) -> Callable[..., list[Row]]:
    def run(condition: str = "") -> list[Row]:
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
            _row(r.findtext("WHENMODIFIED") or "", r.findtext("RECORDNO") or "", date_format)
            for r in result.find("data")
        ]

    return run


def _row(when: str, recordno: str, date_format: str) -> Row:
    # records come out in the display format: strptime fails otherwise
    return datetime.strptime(when, f"{date_format} %H:%M:%S"), int(recordno), when  # noqa: DTZ007


def op(tag: str, field: str, value: str) -> str:
    return f"<{tag}><field>{field}</field><value>{value}</value></{tag}>"


@pytest.fixture(scope="module")
def rows(query: Callable[..., list[Row]]) -> list[Row]:
    everything = query()
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


def test_records_come_out_in_the_display_format(
    rows: list[Row], pivot: Row, date_format: str
) -> None:
    assert all(r[2] == r[0].strftime(f"{date_format} %H:%M:%S") for r in rows)
    assert pivot[2] != us(pivot)


def test_an_mm_dd_yyyy_literal_selects_the_rows_after_it(
    query: Callable[..., list[Row]], rows: list[Row], pivot: Row
) -> None:
    later = query(op("greaterthan", "WHENMODIFIED", us(pivot)))
    assert later == [r for r in rows if r[0] > pivot[0]] and later


def test_keyset_resume_condition(
    query: Callable[..., list[Row]], rows: list[Row], pivot: Row
) -> None:
    when, recordno = us(pivot), str(pivot[1])
    condition = (
        "<or>"
        + op("greaterthan", "WHENMODIFIED", when)
        + "<and>"
        + op("equalto", "WHENMODIFIED", when)
        + op("greaterthan", "RECORDNO", recordno)
        + "</and></or>"
    )
    after = query(condition)
    assert after == rows[rows.index(pivot) + 1 :]
    assert after[0][0] == pivot[0]  # the rest of the tie comes first


def _read_by_query(ask: Ask, text: str) -> list[int]:
    result = ask(
        "<readByQuery><object>GLENTRY</object><fields>RECORDNO</fields>"
        f"<query>{text}</query><pagesize>1000</pagesize></readByQuery>"
    )
    assert result.findtext("status") == "success", etree.tostring(result)
    return sorted(int(r.findtext("RECORDNO") or "") for r in result.find("data"))


def test_read_by_query_reads_mm_dd_yyyy(ask: Ask, rows: list[Row], pivot: Row) -> None:
    found = _read_by_query(ask, f"WHENMODIFIED &gt; '{us(pivot)}'")
    assert found == sorted(r[1] for r in rows if r[0] > pivot[0])
    resume = (
        f"WHENMODIFIED &gt; '{us(pivot)}' OR "
        f"(WHENMODIFIED = '{us(pivot)}' AND RECORDNO &gt; {pivot[1]})"
    )
    assert _read_by_query(ask, resume) == sorted(r[1] for r in rows[rows.index(pivot) + 1 :])


def test_like_matches_the_written_text(
    query: Callable[..., list[Row]], rows: list[Row], pivot: Row
) -> None:
    # [U] LIKE sees dates as they are written (display format), not as literals are read
    day = pivot[2].split(" ")[0]
    matched = query(op("like", "WHENMODIFIED", f"{day}%"))
    assert matched == [r for r in rows if r[2].startswith(day)] and matched


def test_get_list_reads_mm_dd_yyyy(ask: Ask, rows: list[Row], pivot: Row) -> None:
    expression = (
        "<expression><field>whenmodified</field><operator>&gt;</operator>"
        f"<value>{us(pivot)}</value></expression>"
    )
    result = ask(
        f'<get_list object="glentry" maxitems="1000"><filter>{expression}</filter></get_list>',
        dtd="2.1",
    )
    assert result.findtext("status") == "success", etree.tostring(result)
    found = sorted(int(r.findtext("recordno") or "") for r in result.find("data"))
    assert found == sorted(r[1] for r in rows if r[0] > pivot[0])


@pytest.mark.parametrize("date_format", [US, "%Y/%m/%d", "%d.%m.%Y", ISO])
def test_every_company_format_reads_mm_dd_yyyy(date_format: str) -> None:
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
        written = datetime.strptime(day, date_format)  # noqa: DTZ007 - written in the format
        matched = dates(op("equalto", "ENTRY_DATE", written.strftime(US)))
        assert matched == [d for d in everything if d == day] and matched


INVALID = (
    "There was an error processing the request. Invalid value '{}' for field 'WHENMODIFIED': "
    "expected a date MM/DD/YYYY or a date and time MM/DD/YYYY HH:MM:SS."
)


def _refusals(literal: str) -> list[tuple[str, str]]:
    """The same literal in a query filter, a readByQuery string and a get_list filter."""
    return [
        (
            "<query><object>GLENTRY</object><select><field>RECORDNO</field></select>"
            f"<filter>{op('greaterthan', 'WHENMODIFIED', literal)}</filter></query>",
            "3.0",
        ),
        (
            "<readByQuery><object>GLENTRY</object><fields>RECORDNO</fields>"
            f"<query>WHENMODIFIED &gt; '{literal}'</query></readByQuery>",
            "3.0",
        ),
        (
            '<get_list object="glentry"><filter><expression><field>whenmodified</field>'
            f"<operator>&gt;</operator><value>{literal}</value></expression></filter>"
            "</get_list>",
            "2.1",
        ),
    ]


def _assert_invalid(result: etree._Element, literal: str) -> None:
    assert result.findtext("status") == "failure", etree.tostring(result)
    assert result.findtext("errormessage/error/errorno") == "DL02000001"
    assert bare(result.findtext("errormessage/error/description2")) == INVALID.format(literal)


@pytest.mark.parametrize("literal", ["29/04/2025 08:50:29", "15/09/2025", "2025-09-15"])
@pytest.mark.parametrize("where", range(3), ids=["query", "readByQuery", "get_list"])
def test_a_literal_in_another_order_fails_as_an_invalid_date(
    ask: Ask, literal: str, where: int
) -> None:
    body, dtd = _refusals(literal)[where]
    _assert_invalid(ask(body, dtd), literal)


def test_a_value_as_read_back_fails_as_an_invalid_date(ask: Ask, pivot: Row) -> None:
    for body, dtd in _refusals(pivot[2]):  # a day after the 12th: no MM/DD/YYYY reading
        _assert_invalid(ask(body, dtd), pivot[2])


def test_the_default_format_fails_an_invalid_date_the_same_way() -> None:
    with InProcessEmulator(scale=0) as emu, httpx.Client(transport=emu.transport()) as http:
        body = envelope(
            "<readByQuery><object>GLENTRY</object><fields>RECORDNO</fields>"
            "<query>WHENMODIFIED &gt; '15/09/2025'</query></readByQuery>"
        )
        result = etree.fromstring(http.post(emu.url, content=body).content).find("operation/result")
    assert result is not None
    _assert_invalid(result, "15/09/2025")
