"""Filters for the ``query`` function and query strings for ``readByQuery``.

``query`` takes an XML filter tree (protocol §5.10): build it with :func:`equalto`,
:func:`in_`, :func:`and_` … and pass it to :class:`~intacct.protocol.functions.Query`.
``readByQuery`` takes an SQL-like string (protocol §7.3): build it with
:func:`where` and :func:`q_and`/:func:`q_or`/:func:`q_not`; ``str()`` gives the text.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from intacct.errors import RequestBuildError
from intacct.protocol.values import encode_value, format_date, format_datetime
from intacct.protocol.xml import check_text, leaf, sub

__all__ = [
    "Filter",
    "Compare",
    "Between",
    "In",
    "Null",
    "Logical",
    "Order",
    "MAX_IN_VALUES",
    "between",
    "equalto",
    "greaterthan",
    "greaterthanorequalto",
    "in_",
    "isnotnull",
    "isnull",
    "lessthan",
    "lessthanorequalto",
    "like",
    "notequalto",
    "notin",
    "notlike",
    "and_",
    "or_",
    "check_field_name",
    "Where",
    "WhereField",
    "where",
    "q_and",
    "q_or",
    "q_not",
    "quote",
    "literal",
]

MAX_IN_VALUES = 1000

# Dotted paths reach related objects in `query`; nothing else may appear in a field name,
# which is what keeps a readByQuery field from injecting query text.
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*", re.ASCII)

_COMPARE_OPS = frozenset(
    {
        "equalto",
        "notequalto",
        "lessthan",
        "lessthanorequalto",
        "greaterthan",
        "greaterthanorequalto",
        "like",
        "notlike",
    }
)


def check_field_name(name: object, what: str = "field") -> str:
    """Return ``name`` if it is a plain (optionally dotted) field name, else raise."""
    if not isinstance(name, str) or _FIELD_NAME.fullmatch(name) is None:
        raise RequestBuildError(
            what, f"{name!r} is not a field name (letters, digits, '_' and '.', no spaces)"
        )
    return name


def _filter_value(value: object, field: str) -> str:
    if value is None:
        raise RequestBuildError(field, "None cannot be compared; use isnull()/isnotnull()")
    return encode_value(value, field)


# --- query function filters -------------------------------------------------------------


class Filter(ABC):
    """A node of a ``query`` filter tree."""

    __slots__ = ()

    @abstractmethod
    def to_xml(self, parent: etree._Element) -> etree._Element:
        """Append this node to ``parent`` and return it."""


@dataclass(frozen=True, slots=True)
class Compare(Filter):
    """``<op><field/><value/></op>`` for the one-value operators (and like/notlike)."""

    op: str
    field: str
    value: str

    def __post_init__(self) -> None:
        if self.op not in _COMPARE_OPS:
            raise RequestBuildError("filter", f"unknown operator {self.op!r}")
        check_field_name(self.field)

    def to_xml(self, parent: etree._Element) -> etree._Element:
        el = sub(parent, self.op)
        leaf(el, "field", self.field)
        leaf(el, "value", self.value, field=self.field)
        return el


@dataclass(frozen=True, slots=True)
class Between(Filter):
    """``<between>`` with exactly two values, low first."""

    field: str
    low: str
    high: str

    def __post_init__(self) -> None:
        check_field_name(self.field)

    def to_xml(self, parent: etree._Element) -> etree._Element:
        el = sub(parent, "between")
        leaf(el, "field", self.field)
        leaf(el, "value", self.low, field=self.field)
        leaf(el, "value", self.high, field=self.field)
        return el


@dataclass(frozen=True, slots=True)
class In(Filter):
    """``<in>``/``<notin>`` with 1..1000 values."""

    field: str
    values: tuple[str, ...]
    negate: bool = False

    def __post_init__(self) -> None:
        check_field_name(self.field)
        if not self.values:
            raise RequestBuildError(self.field, "in/notin needs at least one value")
        if len(self.values) > MAX_IN_VALUES:
            raise RequestBuildError(
                self.field,
                f"{len(self.values)} values in one in/notin; the gateway takes at most "
                f"{MAX_IN_VALUES}: split the values over several queries",
            )

    def to_xml(self, parent: etree._Element) -> etree._Element:
        el = sub(parent, "notin" if self.negate else "in")
        leaf(el, "field", self.field)
        for value in self.values:
            leaf(el, "value", value, field=self.field)
        return el


@dataclass(frozen=True, slots=True)
class Null(Filter):
    """``<isnull>``/``<isnotnull>``: a field and no value."""

    field: str
    negate: bool = False

    def __post_init__(self) -> None:
        check_field_name(self.field)

    def to_xml(self, parent: etree._Element) -> etree._Element:
        el = sub(parent, "isnotnull" if self.negate else "isnull")
        leaf(el, "field", self.field)
        return el


@dataclass(frozen=True, slots=True)
class Logical(Filter):
    """``<and>``/``<or>`` over two or more filters (nestable)."""

    op: str
    children: tuple[Filter, ...]

    def __post_init__(self) -> None:
        if self.op not in ("and", "or"):
            raise RequestBuildError("filter", f"unknown logical operator {self.op!r}")
        if len(self.children) < 2:
            raise RequestBuildError(
                f"filter {self.op}", "needs at least two filters (use the filter itself)"
            )
        for index, child in enumerate(self.children):
            if not isinstance(child, Filter):
                raise RequestBuildError(
                    f"filter {self.op}[{index}]", f"not a filter: {type(child).__name__}"
                )

    def to_xml(self, parent: etree._Element) -> etree._Element:
        el = sub(parent, self.op)
        for child in self.children:
            child.to_xml(el)
        return el


def _compare(op: str, field: str, value: object) -> Compare:
    return Compare(op, check_field_name(field), _filter_value(value, field))


def equalto(field: str, value: object) -> Filter:
    return _compare("equalto", field, value)


def notequalto(field: str, value: object) -> Filter:
    return _compare("notequalto", field, value)


def lessthan(field: str, value: object) -> Filter:
    return _compare("lessthan", field, value)


def lessthanorequalto(field: str, value: object) -> Filter:
    return _compare("lessthanorequalto", field, value)


def greaterthan(field: str, value: object) -> Filter:
    return _compare("greaterthan", field, value)


def greaterthanorequalto(field: str, value: object) -> Filter:
    return _compare("greaterthanorequalto", field, value)


def like(field: str, pattern: str) -> Filter:
    """``%`` matches any run of characters, ``_`` exactly one."""
    return _compare("like", field, pattern)


def notlike(field: str, pattern: str) -> Filter:
    return _compare("notlike", field, pattern)


def between(field: str, low: object, high: object) -> Filter:
    """Inclusive range, low first."""
    check_field_name(field)
    return Between(field, _filter_value(low, field), _filter_value(high, field))


def _values(field: str, values: Iterable[object]) -> tuple[str, ...]:
    if isinstance(values, str | bytes):
        raise RequestBuildError(field, "pass a list of values, not a single string")
    check_field_name(field)
    return tuple(_filter_value(v, f"{field}[{i}]") for i, v in enumerate(values))


def in_(field: str, values: Iterable[object]) -> Filter:
    return In(field, _values(field, values))


def notin(field: str, values: Iterable[object]) -> Filter:
    return In(field, _values(field, values), negate=True)


def isnull(field: str) -> Filter:
    return Null(field)


def isnotnull(field: str) -> Filter:
    return Null(field, negate=True)


def and_(*filters: Filter) -> Filter:
    return Logical("and", filters)


def or_(*filters: Filter) -> Filter:
    return Logical("or", filters)


@dataclass(frozen=True, slots=True)
class Order:
    """One ``orderby`` entry: ``<order><field>X</field><ascending/></order>``."""

    field: str
    descending: bool = False

    def __post_init__(self) -> None:
        check_field_name(self.field, "orderby")

    def to_xml(self, parent: etree._Element) -> etree._Element:
        el = sub(parent, "order")
        leaf(el, "field", self.field)
        sub(el, "descending" if self.descending else "ascending")
        return el


# --- readByQuery query strings ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Where:
    """A finished readByQuery condition; ``str()`` is the query text.

    Build it with :func:`where` and the combinators, not directly: they quote values.
    """

    text: str

    def __str__(self) -> str:
        return self.text


def quote(text: str, field: str = "query") -> str:
    """A single-quoted string literal: ``\\`` and ``'`` are escaped with a backslash
    (``'Bob\\'s Pizza, Inc.'``), the rule of protocol §7.3."""
    check_text(text, field)
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def literal(value: object, field: str) -> str:
    """One value as readByQuery text: strings, dates and booleans quoted, numbers bare.

    Booleans are compared with their stored codes ``'T'``/``'F'`` (``STATUS = 'T'``), not
    with ``true``/``false``: readByQuery works on stored values (protocol §7.3).
    """
    if isinstance(value, bool):
        return "'T'" if value else "'F'"
    if isinstance(value, int | Decimal):
        return encode_value(value, field)
    if isinstance(value, datetime):
        return quote(format_datetime(value), field)
    if isinstance(value, date):
        return quote(format_date(value), field)
    if isinstance(value, str):
        return quote(str.__str__(value), field)
    if value is None:
        raise RequestBuildError(field, "None cannot be compared; use is_null()/is_not_null()")
    return encode_value(value, field)  # raises with the reason (float, unknown type)


@dataclass(frozen=True, slots=True)
class WhereField:
    """A field awaiting its condition: ``where("VENDORID").eq("V1234")``."""

    field: str

    def __post_init__(self) -> None:
        check_field_name(self.field)

    def _op(self, op: str, value: object) -> Where:
        return Where(f"{self.field} {op} {literal(value, self.field)}")

    def eq(self, value: object) -> Where:
        return self._op("=", value)

    def ne(self, value: object) -> Where:
        # `!=`/`<>` are not in the documented operator list; `NOT x = v` is.
        return q_not(self.eq(value))

    def lt(self, value: object) -> Where:
        return self._op("<", value)

    def le(self, value: object) -> Where:
        return self._op("<=", value)

    def gt(self, value: object) -> Where:
        return self._op(">", value)

    def ge(self, value: object) -> Where:
        return self._op(">=", value)

    def like(self, pattern: str) -> Where:
        return Where(f"{self.field} LIKE {quote(pattern, self.field)}")

    def not_like(self, pattern: str) -> Where:
        return q_not(self.like(pattern))

    def in_(self, values: Iterable[object]) -> Where:
        return Where(f"{self.field} IN {self._list(values)}")

    def not_in(self, values: Iterable[object]) -> Where:
        return Where(f"{self.field} NOT IN {self._list(values)}")

    def is_null(self) -> Where:
        return Where(f"{self.field} IS NULL")

    def is_not_null(self) -> Where:
        return Where(f"{self.field} IS NOT NULL")

    def _list(self, values: Iterable[object]) -> str:
        if isinstance(values, str | bytes):
            raise RequestBuildError(self.field, "pass a list of values, not a single string")
        items = [literal(v, f"{self.field}[{i}]") for i, v in enumerate(values)]
        if not items:
            raise RequestBuildError(self.field, "IN needs at least one value")
        return "(" + ",".join(items) + ")"


def where(field: str) -> WhereField:
    """Start a readByQuery condition on ``field``."""
    return WhereField(field)


def _join(keyword: str, exprs: tuple[Where, ...]) -> Where:
    if len(exprs) < 2:
        raise RequestBuildError(f"query {keyword}", "needs at least two conditions")
    for index, expr in enumerate(exprs):
        if not isinstance(expr, Where):
            raise RequestBuildError(
                f"query {keyword}[{index}]", f"not a condition: {type(expr).__name__}"
            )
    return Where("(" + f" {keyword} ".join(e.text for e in exprs) + ")")


def q_and(*exprs: Where) -> Where:
    """``(a AND b …)``"""
    return _join("AND", exprs)


def q_or(*exprs: Where) -> Where:
    """``(a OR b …)``"""
    return _join("OR", exprs)


def q_not(expr: Where) -> Where:
    """``NOT a``; combinations are already parenthesized, so ``NOT (a OR b)``."""
    if not isinstance(expr, Where):
        raise RequestBuildError("query NOT", f"not a condition: {type(expr).__name__}")
    return Where(f"NOT {expr.text}")
