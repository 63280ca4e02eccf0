"""Row order without ``orderby`` (undefined, yet stable at rest) and readMore cursors,
through the gateway of an in-process emulator (raw XML, no client parser)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from typing import Any

import httpx
import pytest
from lxml import etree

from intacct.emulator.inprocess import InProcessEmulator
from tests.emulator.conftest import envelope

_names = count(1)


@pytest.fixture
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=300) as emu:
        yield emu


@pytest.fixture
def http(emulator: InProcessEmulator) -> Iterator[httpx.Client]:
    with httpx.Client(transport=emulator.transport()) as client:
        yield client


def call(http: httpx.Client, body: str, **auth: Any) -> etree._Element:
    """The ``<result>`` of one function."""
    answer = http.post(InProcessEmulator.url, content=envelope(body, **auth))
    result = etree.fromstring(answer.content).find("operation/result")
    assert result is not None, answer.text
    return result


def ok(result: etree._Element) -> etree._Element:
    assert result.findtext("status") == "success", etree.tostring(result)
    data = result.find("data")
    assert data is not None
    return data


def recordnos(data: etree._Element) -> list[int]:
    return [int(r.findtext("RECORDNO") or "0") for r in data]


def query_page(http: httpx.Client, offset: int, pagesize: int, orderby: str = "") -> list[int]:
    order = f"<orderby><order><field>{orderby}</field></order></orderby>" if orderby else ""
    body = (
        "<query><object>VENDOR</object><select><field>RECORDNO</field></select>"
        f"{order}<pagesize>{pagesize}</pagesize><offset>{offset}</offset></query>"
    )
    return recordnos(ok(call(http, body)))


def offset_pages(http: httpx.Client, pagesize: int, orderby: str = "") -> list[int]:
    seen: list[int] = []
    while page := query_page(http, len(seen), pagesize, orderby):
        seen += page
    return seen


def create_vendor(http: httpx.Client) -> int:
    vendorid = f"VORD-{next(_names)}"
    body = (
        f"<create><VENDOR><VENDORID>{vendorid}</VENDORID><NAME>{vendorid}</NAME>"
        f"<DISPLAYCONTACT><CONTACTNAME>{vendorid}</CONTACTNAME></DISPLAYCONTACT>"
        "</VENDOR></create>"
    )
    return int(ok(call(http, body)).findtext("vendor/RECORDNO") or "0")


# -- order without orderby ----------------------------------------------------------------


def test_without_orderby_the_order_is_not_key_order_but_stable(http: httpx.Client) -> None:
    first = query_page(http, 0, 2000)
    assert len(first) >= 8
    assert first != sorted(first)
    assert first != sorted(first, reverse=True)
    assert query_page(http, 0, 2000) == first


def test_offset_paging_over_data_at_rest_sees_every_row_once(http: httpx.Client) -> None:
    everything = query_page(http, 0, 2000)
    paged = offset_pages(http, 3)
    assert paged == everything
    assert len(set(paged)) == len(paged)


def _page_then_write_before_it(http: httpx.Client) -> tuple[list[int], int]:
    """The first half of the rows by offset, then vendors created until one of them sorts
    into that half (the undefined order puts new rows anywhere)."""
    total = len(query_page(http, 0, 2000))
    half = total // 2
    first = query_page(http, 0, half)
    for _ in range(40):
        created = create_vendor(http)
        if created in query_page(http, 0, half):
            return first, created
    pytest.fail("no created vendor sorted into the first half in 40 tries")


def test_a_row_written_between_offset_pages_makes_paging_repeat_a_row(
    http: httpx.Client,
) -> None:
    first, created = _page_then_write_before_it(http)
    rest: list[int] = []
    while page := query_page(http, len(first) + len(rest), len(first)):
        rest += page
    seen = first + rest
    # the new row sorted before the offset: the rows after it moved one place on, so
    # the second page starts with the last row of the first (as production does)
    assert created not in seen
    assert len(seen) != len(set(seen))
    assert rest[0] == first[-1]


def test_orderby_recordno_paging_stays_exact_while_rows_are_written(http: httpx.Client) -> None:
    before = sorted(query_page(http, 0, 2000))
    half = len(before) // 2
    first = query_page(http, 0, half, "RECORDNO")
    created = create_vendor(http)
    rest: list[int] = []
    while page := query_page(http, half + len(rest), half, "RECORDNO"):
        rest += page
    assert first + rest == [*before, created]


def test_readmore_continues_the_undefined_order(http: httpx.Client) -> None:
    order = query_page(http, 0, 2000)
    body = "<readByQuery><object>VENDOR</object><fields>RECORDNO</fields><query/>"
    data = ok(call(http, body + "<pagesize>3</pagesize></readByQuery>"))
    seen = recordnos(data)
    while result_id := data.get("resultId"):
        data = ok(call(http, f"<readMore><resultId>{result_id}</resultId></readMore>"))
        seen += recordnos(data)
    assert seen == order


# -- cursors serve their owner only -------------------------------------------------------

RESTRICTED = ("demo_restricted", "demo-user-password")  # denied the AP module


def session(http: httpx.Client, **login: Any) -> str:
    sessionid = ok(call(http, "<getAPISession/>", **login)).findtext("api/sessionid")
    assert sessionid
    return sessionid


def open_cursor(http: httpx.Client, obj: str, **auth: Any) -> str:
    body = f"<readByQuery><object>{obj}</object><fields>RECORDNO</fields><query/>"
    data = ok(call(http, body + "<pagesize>1</pagesize></readByQuery>", **auth))
    result_id = data.get("resultId")
    assert result_id, etree.tostring(data)
    return result_id


def read_more(http: httpx.Client, result_id: str, **auth: Any) -> etree._Element:
    return call(http, f"<readMore><resultId>{result_id}</resultId></readMore>", **auth)


def unknown_cursor(result: etree._Element, result_id: str) -> bool:
    return (
        result.findtext("status") == "failure"
        and result.findtext("errormessage/error/errorno") == "readMore failed"
        and f"invalid or expired resultId: {result_id}"
        in (result.findtext("errormessage/error/description2") or "")
    )


def test_an_e100_session_cannot_read_more_of_an_e200_cursor(http: httpx.Client) -> None:
    e100 = session(http, company="DEMO-ME", locationid="E100")
    e200 = session(http, company="DEMO-ME", locationid="E200")
    result_id = open_cursor(http, "VENDOR", sessionid=e200)
    assert unknown_cursor(read_more(http, result_id, sessionid=e100), result_id)
    # nor another session of the same user and entity
    other = session(http, company="DEMO-ME", locationid="E200")
    assert unknown_cursor(read_more(http, result_id, sessionid=other), result_id)
    # the owner still can
    assert len(ok(read_more(http, result_id, sessionid=e200))) == 1


def test_a_user_without_ap_cannot_use_an_ap_cursor(http: httpx.Client) -> None:
    result_id = open_cursor(http, "APBILL")
    taken = read_more(http, result_id, user=RESTRICTED[0], password=RESTRICTED[1])
    assert unknown_cursor(taken, result_id)
    assert len(ok(read_more(http, result_id))) == 1


def test_the_owner_loses_the_cursor_with_the_permission(
    http: httpx.Client, emulator: InProcessEmulator
) -> None:
    result_id = open_cursor(http, "APBILL")
    assert len(ok(read_more(http, result_id))) == 1
    user = emulator.store.user("DEMO", "demo_user")
    assert user is not None
    emulator.store.add_user("DEMO", "demo_user", "demo-user-password", user.recordno, ["AP"])
    denied = read_more(http, result_id)
    assert denied.findtext("status") == "failure"
    assert "objects of type apbill" in (denied.findtext("errormessage/error/description2") or "")


def _get_list_vendors(http: httpx.Client, sorts: str = "") -> list[str]:
    body = f'<get_list object="vendor" maxitems="2000">{sorts}</get_list>'
    answer = http.post(InProcessEmulator.url, content=envelope(body, dtd="2.1"))
    data = etree.fromstring(answer.content).find("operation/result/data")
    assert data is not None, answer.text
    return [v.findtext("vendorid") or "" for v in data]


def test_get_list_without_sorts_is_in_the_undefined_order_and_sorts_when_asked(
    http: httpx.Client,
) -> None:
    unsorted = _get_list_vendors(http)
    assert len(unsorted) >= 8 and unsorted != sorted(unsorted)
    assert _get_list_vendors(http) == unsorted  # stable while the data is at rest
    descending = '<sorts><sortfield order="desc">vendorid</sortfield></sorts>'
    assert _get_list_vendors(http, descending) == sorted(unsorted, reverse=True)
