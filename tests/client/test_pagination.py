"""Lazy iterators: keyset paging over ``query``, resultId paging over readByQuery."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from lxml import etree

from intacct.client import IntacctClient
from intacct.errors import NotFoundError, PaginationError

from .fakegw import Call, E, FakeGateway, record

FMT = "%m/%d/%Y %H:%M:%S"
# 25 vendors; WHENMODIFIED has ties so the RECORDNO tie-breaker matters.
ROWS = [
    {
        "RECORDNO": str(n),
        "VENDORID": f"V{n:03}",
        "WHENMODIFIED": f"01/{1 + (n * 7) % 5:02}/2026 10:00:00",
    }
    for n in range(1, 26)
]


def _value(row: dict[str, str], field: str) -> Any:
    if field == "RECORDNO":
        return int(row[field])
    if field == "WHENMODIFIED":
        return datetime.strptime(row[field], FMT)  # noqa: DTZ007 - Intacct sends no zone
    return row[field]


def _literal(field: str, text: str) -> Any:
    return _value({field: text}, field)


def _matches(node: etree._Element, row: dict[str, str]) -> bool:
    tag = node.tag
    if tag == "and":
        return all(_matches(c, row) for c in node)
    if tag == "or":
        return any(_matches(c, row) for c in node)
    field = node.findtext("field") or ""
    value = _literal(field, node.findtext("value") or "")
    ops = {
        "greaterthan": lambda a: a > value,
        "equalto": lambda a: a == value,
        "lessthan": lambda a: a < value,
    }
    return bool(ops[str(tag)](_value(row, field)))


class QueryServer:
    """Answers ``query`` like the gateway: filter, orderby, pagesize; counts calls."""

    def __init__(self, rows: list[dict[str, str]], ignore_filter: bool = False) -> None:
        self.rows, self.ignore_filter, self.pages = rows, ignore_filter, 0

    def __call__(self, call: Call) -> object:
        self.pages += 1
        body = call.body
        rows = self.rows
        flt = body.find("filter")
        if flt is not None and not self.ignore_filter:
            rows = [r for r in rows if _matches(flt[0], r)]
        order = [o.findtext("field") or "" for o in body.iterfind("orderby/order")]
        rows = sorted(rows, key=lambda r: tuple(_value(r, f) for f in order))
        size = int(body.findtext("pagesize") or 100)
        page = rows[:size]
        select = [f.text for f in body.iterfind("select/field")]
        records = [record("VENDOR", **{f: r[f] for f in select if f}) for r in page]
        return E(
            "data",
            *records,
            listtype="VENDOR",
            totalcount=str(len(rows)),
            offset="0",
            count=str(len(page)),
            numremaining=str(len(rows) - len(page)),
        )


def test_iter_query_keyset_on_recordno(client: IntacctClient, gateway: FakeGateway) -> None:
    server = QueryServer(ROWS)
    gateway.handlers["query"] = server  # type: ignore[assignment]
    records = client.iter_query("VENDOR", ["VENDORID"], pagesize=10)
    assert server.pages == 0  # lazy: nothing sent before the first next()
    got = [r["VENDORID"] for r in records]
    assert got == [f"V{n:03}" for n in range(1, 26)]
    assert server.pages == 3
    second_filter = [c for c in gateway.calls if c.name == "query"][1].body.find("filter")
    assert second_filter is not None and second_filter[0].tag == "greaterthan"


def test_iter_query_keyset_on_whenmodified_with_tiebreak(
    client: IntacctClient, gateway: FakeGateway
) -> None:
    gateway.handlers["query"] = QueryServer(ROWS)  # type: ignore[assignment]
    got = list(client.iter_query("VENDOR", ["VENDORID"], key="WHENMODIFIED", pagesize=4))
    expected = sorted(ROWS, key=lambda r: (_value(r, "WHENMODIFIED"), int(r["RECORDNO"])))
    assert [r["RECORDNO"] for r in got] == [r["RECORDNO"] for r in expected]
    assert len({r["RECORDNO"] for r in got}) == 25


def test_iter_query_detects_a_loop(client: IntacctClient, gateway: FakeGateway) -> None:
    gateway.handlers["query"] = QueryServer(ROWS, ignore_filter=True)  # type: ignore[assignment]
    with pytest.raises(PaginationError, match="backwards or repeated"):
        list(client.iter_query("VENDOR", ["VENDORID"], pagesize=10))


class ReadByQueryServer:
    """Server-side cursors: readByQuery opens one, readMore continues it."""

    def __init__(self, rows: list[dict[str, str]], stuck: bool = False) -> None:
        self.rows, self.stuck, self.cursors = rows, stuck, {}  # type: dict[str, int]

    def page(self, result_id: str, position: int, size: int) -> object:
        page = self.rows[position : position + size]
        if not self.stuck:
            self.cursors[result_id] = position + len(page)
        remaining = len(self.rows) - self.cursors[result_id]
        return E(
            "data",
            *(record("vendor", **r) for r in page),
            listtype="vendor",
            count=str(len(page)),
            totalcount=str(len(self.rows)),
            numremaining=str(remaining),
            resultId=result_id if remaining else "",
        )

    def read_by_query(self, call: Call) -> object:
        self.size = int(call.body.findtext("pagesize") or 100)
        self.cursors["R1@x-"] = 0
        return self.page("R1@x-", 0, self.size)

    def read_more(self, call: Call) -> object:
        rid = call.body.findtext("resultId") or ""
        if rid not in self.cursors:
            return "readMore failed"
        return self.page(rid, self.cursors[rid], self.size)


def test_iter_read_by_query_follows_readmore(client: IntacctClient, gateway: FakeGateway) -> None:
    server = ReadByQueryServer(ROWS)
    gateway.handlers.update(
        readByQuery=server.read_by_query,  # type: ignore[dict-item]
        readMore=server.read_more,
    )
    got = [r["RECORDNO"] for r in client.iter_read_by_query("VENDOR", "STATUS = 'T'", pagesize=10)]
    assert got == [str(n) for n in range(1, 26)]
    more = [c for c in gateway.calls if c.name == "readMore"]
    assert [c.body.findtext("resultId") for c in more] == ["R1@x-", "R1@x-"]


def test_iter_read_by_query_detects_a_stuck_cursor(
    client: IntacctClient, gateway: FakeGateway
) -> None:
    server = ReadByQueryServer(ROWS, stuck=True)
    gateway.handlers.update(
        readByQuery=server.read_by_query,  # type: ignore[dict-item]
        readMore=server.read_more,
    )
    with pytest.raises(PaginationError, match="did not advance"):
        list(client.iter_read_by_query("VENDOR", pagesize=10))


def test_expired_result_id_is_not_found(client: IntacctClient, gateway: FakeGateway) -> None:
    server = ReadByQueryServer(ROWS)

    gateway.handlers.update(
        readByQuery=server.read_by_query,  # type: ignore[dict-item]
        readMore=lambda call: "Attempt to readMore with an invalid or expired resultId: R1@x-",
    )
    with pytest.raises(NotFoundError, match="expired resultId"):
        list(client.iter_read_by_query("VENDOR", pagesize=10))
