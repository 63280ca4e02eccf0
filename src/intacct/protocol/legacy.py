"""Typed builders for the legacy DTD 2.1 functions (protocol §6), re-exported by
:mod:`.functions`: the object functions named after their object (``create_class``,
``update_vendor``, ``delete_class``), ``get_list`` with its filter nodes, and ``get``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from lxml import etree

from intacct.errors import RequestBuildError
from intacct.protocol._base import Function
from intacct.protocol._checks import (
    as_tuple,
    boolean,
    fields_mapping,
    int_in_range,
    non_empty_text,
    object_name,
    set_field,
)
from intacct.protocol._payload import write_fields
from intacct.protocol.query import check_field_name
from intacct.protocol.values import encode_value, split_date
from intacct.protocol.xml import element, leaf, sub

__all__ = [
    "LegacyCreate",
    "LegacyUpdate",
    "LegacyDelete",
    "LegacyFilter",
    "LegacyExpression",
    "LegacyLogical",
    "expression",
    "logical",
    "GetList",
    "Get",
    "GetTrialBalance",
]

_LEGACY_OPERATORS = ("=", "!=", "<", "<=", ">", ">=", "like", "not like", "is null")


# --- object functions: create_class, update_vendor, delete_class ------------------------


@dataclass(frozen=True)
class _ObjectFunction(Function):
    """A function named after its object: ``<{verb}_{object}>``."""

    writes: ClassVar[bool] = True
    verb: ClassVar[str]
    object: str

    @property
    def name(self) -> str:
        return f"{self.verb}_{self.object.lower()}"

    def __post_init__(self) -> None:
        object_name(self.object)
        self.to_xml()  # the key and every field value are checked now, not when sent


def _with_fields(el: etree._Element, fields: object, name: str) -> etree._Element:
    return write_fields(el, fields_mapping(fields, name), name, legacy=True)


@dataclass(frozen=True)
class LegacyCreate(_ObjectFunction):
    """``<create_class><classid>…``: field names are lower-cased, dates split into
    year/month/day, ``customfields`` written as 2.1 customfield pairs, order kept."""

    verb: ClassVar[str] = "create"
    fields: Mapping[str, Any]

    def to_xml(self) -> etree._Element:
        return _with_fields(element(self.name), self.fields, self.name)


@dataclass(frozen=True)
class _KeyedFunction(_ObjectFunction):
    """The record named by a key attribute: ``<delete_vendor vendorid="V1">``."""

    key_attribute: str
    key: str

    def to_xml(self) -> etree._Element:
        attribute = object_name(self.key_attribute, "key_attribute").lower()
        return element(self.name, {attribute: non_empty_text(self.key, "key")})


@dataclass(frozen=True)
class LegacyUpdate(_KeyedFunction):
    """``<update_vendor vendorid="V1">…`` (same field rules as :class:`LegacyCreate`)."""

    verb: ClassVar[str] = "update"
    fields: Mapping[str, Any]

    def to_xml(self) -> etree._Element:
        return _with_fields(super().to_xml(), self.fields, self.name)


@dataclass(frozen=True)
class LegacyDelete(_KeyedFunction):
    """``<delete_class key="C1"/>``, ``<delete_vendor vendorid="V1"/>``."""

    verb: ClassVar[str] = "delete"


# --- get_list filters -------------------------------------------------------------------


class LegacyFilter(ABC):
    """A node of a 2.1 ``get_list`` filter."""

    @abstractmethod
    def to_xml(self, parent: etree._Element) -> etree._Element:
        """Append this node to ``parent`` and return it."""


@dataclass(frozen=True)
class LegacyExpression(LegacyFilter):
    """``<expression><field/><operator/><value/></expression>``."""

    field: str
    operator: str
    value: str

    def __post_init__(self) -> None:
        check_field_name(self.field)
        if self.operator not in _LEGACY_OPERATORS:
            raise RequestBuildError(
                self.field, f"operator {self.operator!r} is not one of {_LEGACY_OPERATORS}"
            )

    def to_xml(self, parent: etree._Element) -> etree._Element:
        el = sub(parent, "expression")
        leaf(el, "field", self.field)
        leaf(el, "operator", self.operator)
        leaf(el, "value", self.value, field=self.field)
        return el


@dataclass(frozen=True)
class LegacyLogical(LegacyFilter):
    """``<logical logical_operator="and|or">`` over two or more filters."""

    operator: str
    children: tuple[LegacyFilter, ...]

    def __post_init__(self) -> None:
        if self.operator not in ("and", "or"):
            raise RequestBuildError("logical", f"{self.operator!r} is not 'and' or 'or'")
        if len(self.children) < 2:
            raise RequestBuildError("logical", "needs at least two filters")
        if not all(isinstance(child, LegacyFilter) for child in self.children):
            raise RequestBuildError("logical", "children must be expression()/logical()")

    def to_xml(self, parent: etree._Element) -> etree._Element:
        el = sub(parent, "logical", {"logical_operator": self.operator})
        for child in self.children:
            child.to_xml(el)
        return el


def expression(field: str, operator: str, value: object = None) -> LegacyExpression:
    """A 2.1 filter expression; ``is null`` takes no value (an empty ``<value/>`` is
    written, since the DTD requires the element [U])."""
    name = check_field_name(field).lower()
    if operator in _LEGACY_OPERATORS and (value is None) != (operator == "is null"):
        raise RequestBuildError(field, "'is null' takes no value; every other operator one")
    return LegacyExpression(name, operator, encode_value(value, field))


def logical(operator: str, *children: LegacyFilter) -> LegacyLogical:
    return LegacyLogical(operator, children)


# --- get_list, get ----------------------------------------------------------------------


def _write_field_list(parent: etree._Element, fields: tuple[str, ...]) -> None:
    if fields:
        container = sub(parent, "fields")
        for name in fields:
            leaf(container, "field", name)


def _lower_fields(value: object) -> tuple[str, ...]:
    names = as_tuple(value, "fields")
    return tuple(check_field_name(n, f"fields[{i}]").lower() for i, n in enumerate(names))


@dataclass(frozen=True)
class GetList(Function):
    """2.1 ``get_list``: ``start``/``maxitems`` paging, filter, sorts and field list."""

    name: ClassVar[str] = "get_list"
    object: str
    start: int = 0
    maxitems: int | None = None
    showprivate: bool = False
    filter: LegacyFilter | None = None
    sorts: Sequence[tuple[str, str]] = ()
    fields: Sequence[str] = ()

    def __post_init__(self) -> None:
        object_name(self.object)
        int_in_range(self.start, "start", 0)
        if self.maxitems is not None:
            int_in_range(self.maxitems, "maxitems", 1)
        boolean(self.showprivate, "showprivate")
        if self.filter is not None and not isinstance(self.filter, LegacyFilter):
            raise RequestBuildError("filter", "build it with expression()/logical()")
        set_field(self, "sorts", tuple(_sort(s, f"sorts[{i}]") for i, s in enumerate(self.sorts)))
        set_field(self, "fields", _lower_fields(self.fields))

    def to_xml(self) -> etree._Element:
        attrib = {"object": self.object.lower(), "start": str(self.start)}
        if self.maxitems is not None:
            attrib["maxitems"] = str(self.maxitems)
        attrib["showprivate"] = "true" if self.showprivate else "false"
        el = element(self.name, attrib)
        if self.filter is not None:
            self.filter.to_xml(sub(el, "filter"))
        if self.sorts:
            sorts = sub(el, "sorts")
            for field, order in self.sorts:
                sub(sorts, "sortfield", {"order": order}).text = field
        _write_field_list(el, tuple(self.fields))
        return el


def _sort(value: object, what: str) -> tuple[str, str]:
    if not (isinstance(value, tuple) and len(value) == 2):
        raise RequestBuildError(what, "must be a (field, 'asc'|'desc') pair")
    field, order = value
    if not isinstance(order, str) or order.lower() not in ("asc", "desc"):
        raise RequestBuildError(what, f"order {order!r} is not 'asc' or 'desc'")
    return check_field_name(field, what).lower(), order.lower()


@dataclass(frozen=True)
class Get(Function):
    """2.1 ``<get object="class" key="C1">`` with an optional field list."""

    name: ClassVar[str] = "get"
    object: str
    key: str
    fields: Sequence[str] = ()

    def __post_init__(self) -> None:
        object_name(self.object)
        non_empty_text(self.key, "key")
        set_field(self, "fields", _lower_fields(self.fields))

    def to_xml(self) -> etree._Element:
        el = element(self.name, {"object": self.object.lower(), "key": self.key})
        _write_field_list(el, tuple(self.fields))
        return el


# --- reports ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GetTrialBalance(Function):
    """``get_trialbalance`` over ``start``..``end`` (or a named reporting period): one
    ``trialbalance`` row per account (glaccountno, startbalance, debits, credits,
    endbalance[, departmentid, locationid]) [V: intacct_gl_functions.v2.1.dtd, api.xsd].
    Not one of the DTD 3.0 generic functions, but accepted in both DTDs."""

    name: ClassVar[str] = "get_trialbalance"
    start: date | None = None
    end: date | None = None
    reportingperiodname: str | None = None
    showzerobalances: bool = False

    def __post_init__(self) -> None:
        if self.reportingperiodname is not None:
            if self.start is not None or self.end is not None:
                raise RequestBuildError(
                    "get_trialbalance", "give start and end, or reportingperiodname, not both"
                )
            non_empty_text(self.reportingperiodname, "reportingperiodname")
        elif not isinstance(self.start, date) or not isinstance(self.end, date):
            raise RequestBuildError("get_trialbalance", "give start and end dates")
        elif self.start > self.end:
            raise RequestBuildError("get_trialbalance", f"start {self.start} is after {self.end}")
        boolean(self.showzerobalances, "showzerobalances")

    def to_xml(self) -> etree._Element:
        el = element(self.name)
        if self.reportingperiodname is not None:
            leaf(el, "reportingperiodname", self.reportingperiodname)
        else:
            assert self.start is not None and self.end is not None
            split_date(el, "startdate", self.start)
            split_date(el, "enddate", self.end)
        if self.showzerobalances:
            leaf(el, "showzerobalances", "true")
        return el
