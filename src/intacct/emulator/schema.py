"""Request validation as the published 3.0 schema does it, before any function runs.

The gateway validates the whole document against its XSD (``intacct/intacct_dtd``,
``v3.0/api.xsd``) first, so a request the schema rejects fails as a whole at control
level (XL03000003, one error per problem) and nothing in it is executed [U, inferred
from the XSD; the docs show XL03000003 only for malformed XML]. Checked here: the
function element itself, and the content models of the generic functions whose rules
clients trip over (``query``'s select/filter/orderby/options/pagesize/offset, required
``object``/``keys``, ``readMore``'s one-of). Deeper rules (the operators inside a
filter, readByQuery's pagesize range) stay per function, in the handlers.

Messages are libxml2's (what the XSD gives when validated by libxml2, as PHP does),
in the ``<level> <code>: <message> Line: <n>, column: <n>.`` form the gateway uses for
its parse errors (capture ``execXMLError.xml``) [U for schema errors].
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib.resources import files

from lxml import etree

from intacct.emulator.errors import ControlError, ErrorLine
from intacct.emulator.wire import Request

__all__ = ["XSD_FUNCTIONS", "validate"]

#: libxml2 error codes (xmlerror.h) for the checks made here
_CONTENT, _DATATYPE, _MIN, _MAX = 1871, 1824, 1833, 1834


def _load_functions() -> tuple[str, ...]:
    text = files("intacct.emulator").joinpath("schema_functions.txt").read_text("utf-8")
    return tuple(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


_FUNCTION_ORDER = _load_functions()
#: every element ``<function>`` may hold in the 3.0 schema
XSD_FUNCTIONS = frozenset(_FUNCTION_ORDER)
#: libxml2 names at most ten expected elements (seen in intacct-sdk-net#244:
#: "Error 1871: Element 'approveVendor': This element is not expected. Expected is one of
#: ( create_apaccountlabel, … create_recurringbill )")
_MAX_EXPECTED = 10


@dataclass(frozen=True, slots=True)
class _All:
    """An ``xs:all`` (each child at most once, ``required`` ones at least once) or, with
    ``one_of``, an ``xs:choice`` of exactly one child. ``names`` in schema order."""

    names: tuple[str, ...]
    required: frozenset[str] = frozenset()
    one_of: bool = False


def _all(required: str, optional: str = "") -> _All:
    names = tuple(required.split()) + tuple(optional.split())
    return _All(names, frozenset(required.split()))


_READ = _all("object keys", "fields returnFormat docparid")

#: content models of the generic functions (3.0 XSD)
_FUNCTIONS: dict[str, _All] = {
    "query": _all("select object", "docparid filter orderby options pagesize offset"),
    # [U] the XSD makes <query> required too; clients and the docs' examples send it,
    # but an omitted one has always been read as "no condition" here, so it stays optional
    "readByQuery": _all("object", "query pagesize fields returnFormat docparid"),
    "read": _READ,
    "readByName": _READ,
    "delete": _all("object keys"),
    "lookup": _all("object", "docparid"),
    "readMore": _All(("object", "view", "reportId", "resultId"), one_of=True),
    "inspect": _All(("object", "name"), one_of=True),
    "getAPISession": _all("", "locationid"),
}

_SELECT = ("field", "count", "avg", "min", "max", "sum")
_FILTER_NODES = (
    "and",
    "or",
    "equalto",
    "notequalto",
    "lessthan",
    "lessthanorequalto",
    "greaterthan",
    "greaterthanorequalto",
    "between",
    "in",
    "notin",
    "like",
    "notlike",
    "isnull",
    "isnotnull",
)
_OPTIONS = ("caseinsensitive", "showprivate", "returnformat")
_BOOLEANS = frozenset({"true", "false", "1", "0"})
_INTEGER = re.compile(r"[+-]?\d+")


@dataclass(frozen=True, slots=True)
class _Problem:
    code: int
    element: etree._Element
    message: str

    def line(self) -> ErrorLine:
        where = f"Line: {self.element.sourceline or 0}, column: 0."
        return ErrorLine(
            "XL03000003", "", f"XML Parse schema error: Error {self.code}: {self.message} {where}"
        )


def validate(request: Request, known: Callable[[str], bool] = lambda name: False) -> None:
    """Raise a control-level XL03000003 listing every schema problem of ``request``.

    ``known`` admits function names the emulator serves beyond the XSD's list (legacy
    object functions documented elsewhere, e.g. ``create_warehouse``). The 2.1 DTD is
    not checked here [U]: what 2.1 requests get wrong stays a per-function failure."""
    if request.dtdversion == "2.1":
        return
    problems = [p for fn in request.functions for p in _function(fn.body, known)]
    if problems:
        raise ControlError(*(p.line() for p in problems))


def _children(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str)]


def _unexpected(el: etree._Element, expected: Sequence[str] = ()) -> _Problem:
    text = f"Element '{el.tag!s}': This element is not expected."
    if expected:
        text += f" Expected is one of ( {', '.join(expected[:_MAX_EXPECTED])} )."
    return _Problem(_CONTENT, el, text)


def _missing(el: etree._Element, expected: Sequence[str]) -> _Problem:
    names = ", ".join(expected[:_MAX_EXPECTED])
    one = "" if len(expected) == 1 else "one of "
    return _Problem(
        _CONTENT,
        el,
        f"Element '{el.tag!s}': Missing child element(s). Expected is {one}( {names} ).",
    )


def _function(body: etree._Element, known: Callable[[str], bool]) -> Iterator[_Problem]:
    name = str(body.tag)
    if name not in XSD_FUNCTIONS and not known(name):
        yield _unexpected(body, _FUNCTION_ORDER)
        return
    model = _FUNCTIONS.get(name)
    if model is None:
        return
    yield from _content(body, model)
    if name == "query":
        yield from _query(body)


def _content(el: etree._Element, model: _All) -> Iterator[_Problem]:
    seen: set[str] = set()
    for child in _children(el):
        tag = str(child.tag)
        if tag not in model.names or tag in seen or (model.one_of and seen):
            yield _unexpected(child)
            return  # libxml2 stops at the first misfit of a content model
        seen.add(tag)
    if (model.one_of and not seen) or not model.required <= seen:
        yield _missing(el, [n for n in model.names if n not in seen])


def _query(query: etree._Element) -> Iterator[_Problem]:
    for child in _children(query):
        check = _QUERY_PARTS.get(str(child.tag))
        if check is not None:
            yield from check(child)


def _select(select: etree._Element) -> Iterator[_Problem]:
    children = _children(select)
    misfit = next((c for c in children if c.tag not in _SELECT), None)
    if misfit is not None:
        yield _unexpected(misfit)
    elif not children:
        yield _missing(select, _SELECT)


def _filter(box: etree._Element) -> Iterator[_Problem]:
    """``filteroption``: exactly one top-level node (and/or or one operator)."""
    children = _children(box)
    if not children:
        yield _missing(box, _FILTER_NODES)
    elif children[0].tag not in _FILTER_NODES:
        yield _unexpected(children[0])
    elif len(children) > 1:
        yield _unexpected(children[1])


def _orderby(orderby: etree._Element) -> Iterator[_Problem]:
    orders = _children(orderby)
    if not orders:
        yield _missing(orderby, ["order"])
    for order in orders:
        if order.tag != "order":
            yield _unexpected(order)
            return
        parts = _children(order)
        if not parts or parts[0].tag != "field":
            yield _unexpected(parts[0]) if parts else _missing(order, ["field"])
        elif len(parts) > 2 or (
            len(parts) == 2 and parts[1].tag not in ("ascending", "descending")
        ):
            yield _unexpected(parts[1])


def _options(options: etree._Element) -> Iterator[_Problem]:
    """A sequence: caseinsensitive?, showprivate?, returnformat? in that order."""
    position = 0
    for child in _children(options):
        tag = str(child.tag)
        if tag not in _OPTIONS[position:]:
            yield _unexpected(child)
            return
        position = _OPTIONS.index(tag) + 1
        value = (child.text or "").strip()
        if tag != "returnformat" and value not in _BOOLEANS:
            yield _Problem(
                _DATATYPE,
                child,
                f"Element '{tag}': '{value}' is not a valid value of the atomic type 'xs:boolean'.",
            )


def _bounded(low: int, high: int | None) -> Callable[[etree._Element], Iterator[_Problem]]:
    def check(el: etree._Element) -> Iterator[_Problem]:
        value = (el.text or "").strip()
        tag = str(el.tag)
        if not _INTEGER.fullmatch(value):
            yield _Problem(
                _DATATYPE,
                el,
                f"Element '{tag}': '{value}' is not a valid value of the local atomic type.",
            )
        elif int(value) < low:
            yield _Problem(
                _MIN,
                el,
                f"Element '{tag}': [facet 'minInclusive'] The value '{value}' is less than "
                f"the minimum value allowed ('{low}').",
            )
        elif high is not None and int(value) > high:
            yield _Problem(
                _MAX,
                el,
                f"Element '{tag}': [facet 'maxInclusive'] The value '{value}' is greater "
                f"than the maximum value allowed ('{high}').",
            )

    return check


_QUERY_PARTS: dict[str, Callable[[etree._Element], Iterator[_Problem]]] = {
    "select": _select,
    "filter": _filter,
    "orderby": _orderby,
    "options": _options,
    "pagesize": _bounded(1, 2000),
    "offset": _bounded(0, None),
}
