from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import example, given

from intacct.errors import RequestBuildError
from intacct.protocol import xml
from intacct.protocol.query import (
    MAX_IN_VALUES,
    Filter,
    In,
    Order,
    Where,
    and_,
    between,
    equalto,
    greaterthan,
    greaterthanorequalto,
    in_,
    isnotnull,
    isnull,
    lessthan,
    lessthanorequalto,
    like,
    notequalto,
    notin,
    notlike,
    or_,
    q_and,
    q_not,
    q_or,
    quote,
    where,
)

from .test_values import legal_text, wall

# --- readByQuery strings: the official SDK's golden strings -----------------------------

V1234 = where("VENDORID").eq("V1234")
V5678 = where("VENDORID").eq("V5678")


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        (V1234, "VENDORID = 'V1234'"),
        (q_not(V1234), "NOT VENDORID = 'V1234'"),
        (where("VENDORNAME").eq("Bob's Pizza, Inc."), "VENDORNAME = 'Bob\\'s Pizza, Inc.'"),
        (where("CUSTOMDATE").eq(date(2016, 12, 31)), "CUSTOMDATE = '12/31/2016'"),
        (
            where("CUSTOMDATE").ge(wall(2016, 12, 31, 23, 59, 59)),
            "CUSTOMDATE >= '12/31/2016 23:59:59'",
        ),
        (where("VENDORTYPE").is_null(), "VENDORTYPE IS NULL"),
        (where("VENDORTYPE").is_not_null(), "VENDORTYPE IS NOT NULL"),
        (where("RECORDNO").in_([1234, 5678, 9012]), "RECORDNO IN (1234,5678,9012)"),
        (where("RECORDNO").not_in(["a", "b", "c"]), "RECORDNO NOT IN ('a','b','c')"),
        (where("VENDORID").like("%123%"), "VENDORID LIKE '%123%'"),
        (where("VENDORID").not_like("%123%"), "NOT VENDORID LIKE '%123%'"),
        (q_and(V1234, where("STATUS").eq("T")), "(VENDORID = 'V1234' AND STATUS = 'T')"),
        (q_not(q_or(V1234, V5678)), "NOT (VENDORID = 'V1234' OR VENDORID = 'V5678')"),
        (
            q_or(where("VENDORTYPE").eq("Software"), q_or(V1234, V5678)),
            "(VENDORTYPE = 'Software' OR (VENDORID = 'V1234' OR VENDORID = 'V5678'))",
        ),
    ],
)
def test_sdk_golden_strings(expr: Where, text: str) -> None:
    assert str(expr) == text


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        (where("STATUS").eq(True), "STATUS = 'T'"),
        (where("ONETIME").ne(False), "NOT ONETIME = 'F'"),
        (where("AMOUNTDUE").ge(Decimal("123.45")), "AMOUNTDUE >= 123.45"),
        (where("AMOUNTDUE").lt(Decimal("1E+3")), "AMOUNTDUE < 1000"),
        (where("RECORDNO").gt(1234), "RECORDNO > 1234"),
        (where("RECORDNO").le(-1), "RECORDNO <= -1"),
        (where("PATH").eq("C:\\tmp\\'x'"), "PATH = 'C:\\\\tmp\\\\\\'x\\''"),
        (where("rownum").lt(5), "rownum < 5"),
        (where("DISPLAYCONTACT.EMAIL1").eq("a@b"), "DISPLAYCONTACT.EMAIL1 = 'a@b'"),
        (where("X").in_([date(2020, 1, 2), "b", 3]), "X IN ('01/02/2020','b',3)"),
        (
            q_and(V1234, V5678, q_not(V1234)),
            "(VENDORID = 'V1234' AND VENDORID = 'V5678' AND NOT VENDORID = 'V1234')",
        ),
    ],
)
def test_literals_and_operators(expr: Where, text: str) -> None:
    assert str(expr) == text


@pytest.mark.parametrize(
    "field", ["", "1ABC", "NAME = 'x' OR 1", "A B", "A;DROP", "NAME'", "ÄÖ", None, 3]
)
def test_field_name_cannot_inject_query_text(field: object) -> None:
    with pytest.raises(RequestBuildError, match="field name"):
        where(field)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "match"), [(None, "is_null"), (1.5, "Decimal"), (Decimal("NaN"), "finite")]
)
def test_bad_literals(value: object, match: str) -> None:
    with pytest.raises(RequestBuildError, match=match) as info:
        where("AMOUNT").eq(value)
    assert info.value.field == "AMOUNT"


def test_in_needs_a_list_of_at_least_one_value() -> None:
    with pytest.raises(RequestBuildError, match="at least one"):
        where("RECORDNO").in_([])
    with pytest.raises(RequestBuildError, match="list"):
        where("RECORDNO").in_("abc")


def test_in_item_errors_name_the_item() -> None:
    with pytest.raises(RequestBuildError) as info:
        where("RECORDNO").in_([1, None])
    assert info.value.field == "RECORDNO[1]"


def test_combinators_need_conditions() -> None:
    with pytest.raises(RequestBuildError, match="two"):
        q_and(V1234)
    with pytest.raises(RequestBuildError, match="two"):
        q_or()
    with pytest.raises(RequestBuildError, match="condition"):
        q_or(V1234, "RECORDNO = 1")  # type: ignore[arg-type]
    with pytest.raises(RequestBuildError, match="condition"):
        q_not("RECORDNO = 1")  # type: ignore[arg-type]


def test_illegal_char_in_a_query_string_names_the_field() -> None:
    with pytest.raises(RequestBuildError) as info:
        where("NAME").eq("a\x00b")
    assert info.value.field == "NAME"


def _unquote(literal: str) -> str:
    """The documented rule: inside '…', a backslash takes the next character as is."""
    assert literal[0] == "'"
    out, i = [], 1
    while True:
        char = literal[i]
        if char == "\\":
            out.append(literal[i + 1])
            i += 2
        elif char == "'":
            assert i == len(literal) - 1, "an unescaped quote ends the literal early"
            return "".join(out)
        else:
            out.append(char)
            i += 1


@given(legal_text)
@example("Bob's Pizza, Inc.")
@example("ends with a backslash\\")
@example("\\'")
def test_quoted_literal_unescapes_to_the_original(text: str) -> None:
    assert _unquote(quote(text)) == text
    assert _unquote(str(where("F").eq(text)).removeprefix("F = ")) == text


# --- query function filters -------------------------------------------------------------


def _xml(node: Filter | Order) -> str:
    root = xml.element("r")
    node.to_xml(root)
    return xml.serialize(root[0], declaration=False).decode()


@pytest.mark.parametrize(
    ("node", "text"),
    [
        (equalto("A", "x"), "<equalto><field>A</field><value>x</value></equalto>"),
        (notequalto("A", 1), "<notequalto><field>A</field><value>1</value></notequalto>"),
        (lessthan("A", Decimal("1.0")), "<lessthan><field>A</field><value>1.0</value></lessthan>"),
        (
            lessthanorequalto("A", date(2021, 4, 26)),
            "<lessthanorequalto><field>A</field><value>04/26/2021</value></lessthanorequalto>",
        ),
        (
            greaterthan("A", wall(2021, 4, 26, 7, 8, 9)),
            "<greaterthan><field>A</field><value>04/26/2021 07:08:09</value></greaterthan>",
        ),
        (
            greaterthanorequalto("A", True),
            "<greaterthanorequalto><field>A</field><value>true</value></greaterthanorequalto>",
        ),
        (like("A", "a%_"), "<like><field>A</field><value>a%_</value></like>"),
        (notlike("A", "<&>"), "<notlike><field>A</field><value>&lt;&amp;&gt;</value></notlike>"),
        (
            between("A", 1, 2),
            "<between><field>A</field><value>1</value><value>2</value></between>",
        ),
        (in_("A", ["x"]), "<in><field>A</field><value>x</value></in>"),
        (notin("A", (1, 2)), "<notin><field>A</field><value>1</value><value>2</value></notin>"),
        (isnull("A.B"), "<isnull><field>A.B</field></isnull>"),
        (isnotnull("A"), "<isnotnull><field>A</field></isnotnull>"),
        (
            and_(isnull("A"), or_(isnull("B"), isnull("C"))),
            "<and><isnull><field>A</field></isnull><or><isnull><field>B</field></isnull>"
            "<isnull><field>C</field></isnull></or></and>",
        ),
        (Order("RECORDNO"), "<order><field>RECORDNO</field><ascending/></order>"),
        (Order("X", descending=True), "<order><field>X</field><descending/></order>"),
    ],
)
def test_filter_nodes(node: Filter | Order, text: str) -> None:
    assert _xml(node) == text


def test_in_takes_at_most_1000_values() -> None:
    node = in_("RECORDNO", range(MAX_IN_VALUES))
    assert isinstance(node, In)
    assert len(node.values) == MAX_IN_VALUES
    with pytest.raises(RequestBuildError, match="split") as info:
        notin("RECORDNO", range(MAX_IN_VALUES + 1))
    assert info.value.field == "RECORDNO"


def test_in_needs_values() -> None:
    with pytest.raises(RequestBuildError, match="at least one"):
        in_("RECORDNO", [])
    with pytest.raises(RequestBuildError, match="list"):
        in_("STATUS", "active")


@pytest.mark.parametrize("combine", [and_, or_])
def test_and_or_need_two_filters(combine: Callable[..., Filter]) -> None:
    with pytest.raises(RequestBuildError, match="two"):
        combine(isnull("A"))
    with pytest.raises(RequestBuildError, match="not a filter"):
        combine(isnull("A"), "B = 1")


def test_filter_values_are_checked() -> None:
    with pytest.raises(RequestBuildError, match="isnull") as info:
        equalto("NAME", None)
    assert info.value.field == "NAME"
    with pytest.raises(RequestBuildError, match="Decimal"):
        between("AMOUNT", Decimal(1), 2.5)
    with pytest.raises(RequestBuildError) as info:
        in_("NAME", ["ok", "bad\x0b"])
    assert info.value.field == "NAME[1]"


@pytest.mark.parametrize("field", ["", "A B", "<x/>", "1A"])
def test_filter_field_names_are_checked(field: str) -> None:
    with pytest.raises(RequestBuildError, match="field name"):
        equalto(field, 1)
    with pytest.raises(RequestBuildError, match="field name"):
        isnull(field)
    with pytest.raises(RequestBuildError, match="field name"):
        Order(field)
