"""Typed builders for the body of each gateway function (protocol §5 and §6).

Each builder is a frozen dataclass, checked when it is made (a :class:`RequestBuildError`
names the bad parameter), whose :meth:`Function.to_xml` returns the function element,
e.g. ``<readByQuery>…</readByQuery>``; the envelope adds ``<function controlid>``.
``fn.name`` is what the result echoes in ``<function>`` and ``fn.writes`` tells whether
the call changes data (so callers can decide about retries and transactions).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, ClassVar, Self

from lxml import etree

from intacct.errors import RequestBuildError
from intacct.protocol.query import Filter, Order, Where, check_field_name
from intacct.protocol.values import encode_value, split_date
from intacct.protocol.xml import check_text, element, leaf, sub

__all__ = [
    "Function",
    "GetAPISession",
    "Aggregate",
    "Query",
    "ReadByQuery",
    "ReadMore",
    "Read",
    "ReadByName",
    "Create",
    "Update",
    "Delete",
    "Lookup",
    "Inspect",
    "GetDimensions",
    "ReadUserFormatting",
    "ReadEntityDetails",
    "GetUserPermissions",
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
    "MAX_KEYS",
    "MAX_RECORDS",
]

MAX_KEYS = 100  # read, readByName, delete (protocol §7.2)
MAX_RECORDS = 100  # create, update
_RETURN_FORMATS = ("xml", "json", "csv")
_AGGREGATES = ("count", "avg", "min", "max", "sum")
_OBJECT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
_TAG = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*", re.ASCII)


class Function(ABC):
    """One gateway function call."""

    writes: ClassVar[bool] = False

    @property
    @abstractmethod
    def name(self) -> str:
        """The function's element name, echoed in the result's ``<function>``."""

    @abstractmethod
    def to_xml(self) -> etree._Element:
        """The function element, ready to go inside ``<function controlid="…">``."""


# --- parameter checks -------------------------------------------------------------------


def _set(obj: Any, name: str, value: Any) -> None:
    """Normalize a field of a frozen dataclass in ``__post_init__``."""
    object.__setattr__(obj, name, value)


def _object_name(value: object, what: str = "object") -> str:
    if not isinstance(value, str) or _OBJECT.fullmatch(value) is None:
        raise RequestBuildError(what, f"{value!r} is not an object name")
    return value


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise RequestBuildError(what, "must be a non-empty string")
    return check_text(value, what)


def _optional_text(value: object, what: str) -> None:
    if value is not None:
        _text(value, what)


def _int_range(value: object, what: str, low: int, high: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestBuildError(what, f"must be an integer, not {type(value).__name__}")
    if value < low or (high is not None and value > high):
        bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise RequestBuildError(what, f"{value} is out of range: must be {bounds}")


def _return_format(value: object) -> None:
    if value is not None and value not in _RETURN_FORMATS:
        raise RequestBuildError("returnformat", f"{value!r} is not one of {_RETURN_FORMATS}")


def _bool(value: object, what: str) -> None:
    if not isinstance(value, bool):
        raise RequestBuildError(what, f"must be True or False, not {value!r}")


def _exactly_one(what: str, **choices: object) -> None:
    given = [name for name, value in choices.items() if value is not None]
    if len(given) != 1:
        raise RequestBuildError(what, f"give exactly one of {', '.join(choices)}")


def _as_tuple(value: object, what: str) -> tuple[Any, ...]:
    if isinstance(value, str | int):
        return (value,)
    if not isinstance(value, Sequence):
        raise RequestBuildError(what, f"must be a list, not {type(value).__name__}")
    return tuple(value)


def _keys(value: object, what: str = "keys") -> tuple[str, ...]:
    """1..100 keys, sent comma-joined, so a key may not itself hold a comma."""
    keys = _as_tuple(value, what)
    if not 1 <= len(keys) <= MAX_KEYS:
        raise RequestBuildError(what, f"{len(keys)} keys: give 1 to {MAX_KEYS} per call")
    texts = []
    for index, key in enumerate(keys):
        if isinstance(key, bool) or not isinstance(key, int | str) or key == "":
            raise RequestBuildError(f"{what}[{index}]", f"{key!r} is not a record key")
        text = check_text(str(key), f"{what}[{index}]")
        if "," in text:
            raise RequestBuildError(f"{what}[{index}]", f"{text!r} contains ',' (the separator)")
        texts.append(text)
    return tuple(texts)


def _fields_list(value: object, what: str = "fields") -> str:
    """``"*"`` or a comma-separated list of checked field names."""
    names = value.split(",") if isinstance(value, str) else _as_tuple(value, what)
    if names in (["*"], ("*",)):
        return "*"
    if not names:
        raise RequestBuildError(what, "give at least one field, or '*' for all")
    return ",".join(
        check_field_name(n.strip() if isinstance(n, str) else n, f"{what}[{i}]")
        for i, n in enumerate(names)
    )


def _opt_leaf(parent: etree._Element, tag: str, value: str | int | None) -> None:
    if value is not None:
        leaf(parent, tag, str(value))


# --- sessions, metadata -----------------------------------------------------------------


@dataclass(frozen=True)
class GetAPISession(Function):
    """A session for the current credentials; ``locationid`` switches entity
    (``""`` writes an empty ``<locationid/>``: back to the top level)."""

    name: ClassVar[str] = "getAPISession"
    locationid: str | None = None

    def __post_init__(self) -> None:
        if self.locationid is not None and not isinstance(self.locationid, str):
            raise RequestBuildError("locationid", 'must be a str ("" for the top level)')
        if self.locationid:
            check_text(self.locationid, "locationid")

    def to_xml(self) -> etree._Element:
        el = element(self.name)
        if self.locationid is not None:
            leaf(el, "locationid", self.locationid)
        return el


@dataclass(frozen=True)
class Lookup(Function):
    """The current object definition (fields, relationships)."""

    name: ClassVar[str] = "lookup"
    object: str
    docparid: str | None = None

    def __post_init__(self) -> None:
        _object_name(self.object)
        _optional_text(self.docparid, "docparid")

    def to_xml(self) -> etree._Element:
        el = element(self.name)
        leaf(el, "object", self.object)
        _opt_leaf(el, "docparid", self.docparid)
        return el


@dataclass(frozen=True, init=False)
class Inspect(Function):
    """The legacy object definition, by ``object`` (``"*"`` lists all) or by printable
    ``name`` (needed for document objects such as "Sales Order").

    ``name`` is taken by the constructor but stored as ``printable_name``, because
    ``fn.name`` is the function name (``inspect``) on every builder.
    """

    name: ClassVar[str] = "inspect"
    object: str | None
    printable_name: str | None
    detail: bool

    def __init__(
        self, object: str | None = None, name: str | None = None, detail: bool = False
    ) -> None:
        _set(self, "object", object)
        _set(self, "printable_name", name)
        _set(self, "detail", detail)
        _exactly_one("inspect", object=object, name=name)
        if object is not None and object != "*":
            _object_name(object)
        _optional_text(name, "name")
        _bool(detail, "detail")

    def to_xml(self) -> etree._Element:
        el = element(self.name, {"detail": "1" if self.detail else "0"})
        _opt_leaf(el, "object", self.object)
        _opt_leaf(el, "name", self.printable_name)
        return el


@dataclass(frozen=True)
class _NoArguments(Function):
    def to_xml(self) -> etree._Element:
        return element(self.name)


@dataclass(frozen=True)
class GetDimensions(_NoArguments):
    name: ClassVar[str] = "getDimensions"


@dataclass(frozen=True)
class ReadUserFormatting(_NoArguments):
    name: ClassVar[str] = "readUserFormatting"


@dataclass(frozen=True)
class ReadEntityDetails(_NoArguments):
    name: ClassVar[str] = "readEntityDetails"


@dataclass(frozen=True)
class GetUserPermissions(Function):
    name: ClassVar[str] = "getUserPermissions"
    user_id: str

    def __post_init__(self) -> None:
        _text(self.user_id, "user_id")

    def to_xml(self) -> etree._Element:
        el = element(self.name)
        leaf(el, "userId", self.user_id)
        return el


# --- reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Aggregate:
    """An aggregate select item of ``query``: ``<count>RECORDNO</count>``."""

    func: str
    field: str

    def __post_init__(self) -> None:
        if self.func not in _AGGREGATES:
            raise RequestBuildError("select", f"{self.func!r} is not one of {_AGGREGATES}")
        check_field_name(self.field, "select")

    def to_xml(self, parent: etree._Element) -> etree._Element:
        return leaf(parent, self.func, self.field)


@dataclass(frozen=True)
class Query(Function):
    """The current ``query`` function: offset paging, XML filters, aggregates, orderby."""

    name: ClassVar[str] = "query"
    object: str
    select: Sequence[str | Aggregate]
    filter: Filter | None = None
    orderby: Sequence[Order] = ()
    caseinsensitive: bool = False
    showprivate: bool = False
    returnformat: str | None = None
    pagesize: int | None = None
    offset: int | None = None
    docparid: str | None = None

    def __post_init__(self) -> None:
        _object_name(self.object)
        _set(self, "select", self._checked_select())
        if self.filter is not None and not isinstance(self.filter, Filter):
            raise RequestBuildError("filter", "build it with equalto(), and_() … (query module)")
        _set(self, "orderby", _as_tuple(self.orderby, "orderby"))
        if not all(isinstance(order, Order) for order in self.orderby):
            raise RequestBuildError("orderby", "must be a list of Order")
        _bool(self.caseinsensitive, "caseinsensitive")
        _bool(self.showprivate, "showprivate")
        _return_format(self.returnformat)
        if self.pagesize is not None:
            _int_range(self.pagesize, "pagesize", 1, 2000)
        if self.offset is not None:
            _int_range(self.offset, "offset", 0)
        _optional_text(self.docparid, "docparid")

    def _checked_select(self) -> tuple[str | Aggregate, ...]:
        items = _as_tuple(self.select, "select")
        if not items:
            raise RequestBuildError("select", "give at least one field")
        for index, item in enumerate(items):
            if item == "*":
                raise RequestBuildError(
                    "select",
                    "the query function cannot return all fields ('*'): list the fields, "
                    "or use ReadByQuery",
                )
            if not isinstance(item, Aggregate):
                check_field_name(item, f"select[{index}]")
        return items

    def to_xml(self) -> etree._Element:
        el = element(self.name)
        select = sub(el, "select")
        for item in self.select:
            if isinstance(item, Aggregate):
                item.to_xml(select)
            else:
                leaf(select, "field", item)
        leaf(el, "object", self.object)
        _opt_leaf(el, "docparid", self.docparid)
        if self.filter is not None:
            self.filter.to_xml(sub(el, "filter"))
        if self.orderby:
            orderby = sub(el, "orderby")
            for order in self.orderby:
                order.to_xml(orderby)
        self._options(el)
        _opt_leaf(el, "pagesize", self.pagesize)
        _opt_leaf(el, "offset", self.offset)
        return el

    def _options(self, parent: etree._Element) -> None:
        # Written only when something is set, as the PHP SDK does (.NET always writes it).
        if not (self.caseinsensitive or self.showprivate or self.returnformat):
            return
        options = sub(parent, "options")
        if self.caseinsensitive:
            leaf(options, "caseinsensitive", "true")
        if self.showprivate:
            leaf(options, "showprivate", "true")
        _opt_leaf(options, "returnformat", self.returnformat)


@dataclass(frozen=True)
class ReadByQuery(Function):
    """The legacy query: a §7.3 query string, paged on with :class:`ReadMore`.

    ``pagesize`` is capped at the documented 1000 although a third-party connector
    reports 2000 accepted [U]: staying in the documented range cannot fail.
    """

    name: ClassVar[str] = "readByQuery"
    object: str
    query: str | Where = ""
    fields: Sequence[str] | str = "*"
    pagesize: int = 100
    returnformat: str | None = None
    docparid: str | None = None

    def __post_init__(self) -> None:
        _object_name(self.object)
        if not isinstance(self.query, str | Where):
            raise RequestBuildError("query", "must be a str or a Where condition")
        check_text(str(self.query), "query")
        _set(self, "fields", _fields_list(self.fields))
        _int_range(self.pagesize, "pagesize", 1, 1000)
        _return_format(self.returnformat)
        _optional_text(self.docparid, "docparid")

    def to_xml(self) -> etree._Element:
        el = element(self.name)
        leaf(el, "object", self.object)
        leaf(el, "query", str(self.query))  # always written: empty means "all records"
        leaf(el, "fields", str(self.fields))
        leaf(el, "pagesize", str(self.pagesize))
        _opt_leaf(el, "returnFormat", self.returnformat)
        _opt_leaf(el, "docparid", self.docparid)
        return el


@dataclass(frozen=True)
class ReadMore(Function):
    """The next page of a readByQuery: by ``result_id`` (pinned, recommended) or by
    ``object`` (the session's last readByQuery on it)."""

    name: ClassVar[str] = "readMore"
    result_id: str | None = None
    object: str | None = None

    def __post_init__(self) -> None:
        _exactly_one("readMore", result_id=self.result_id, object=self.object)
        _optional_text(self.result_id, "result_id")
        if self.object is not None:
            _object_name(self.object)

    def to_xml(self) -> etree._Element:
        el = element(self.name)
        _opt_leaf(el, "resultId", self.result_id)
        _opt_leaf(el, "object", self.object)
        return el


@dataclass(frozen=True)
class _ReadKeys(Function):
    object: str
    keys: Sequence[int | str]
    fields: Sequence[str] | str = "*"
    returnformat: str | None = None
    docparid: str | None = None

    def __post_init__(self) -> None:
        _object_name(self.object)
        _set(self, "keys", _keys(self.keys))
        _set(self, "fields", _fields_list(self.fields))
        _return_format(self.returnformat)
        _optional_text(self.docparid, "docparid")

    def to_xml(self) -> etree._Element:
        el = element(self.name)
        leaf(el, "object", self.object)
        leaf(el, "keys", ",".join(str(key) for key in self.keys))
        leaf(el, "fields", str(self.fields))
        _opt_leaf(el, "returnFormat", self.returnformat)
        _opt_leaf(el, "docparid", self.docparid)
        return el


@dataclass(frozen=True)
class Read(_ReadKeys):
    """Records by ``RECORDNO`` (custom objects: ``id``), 1..100 keys, with owned lines."""

    name: ClassVar[str] = "read"


@dataclass(frozen=True)
class ReadByName(_ReadKeys):
    """Records by their ID field (``VENDORID``, ``ACCOUNTNO``, custom objects ``name``)."""

    name: ClassVar[str] = "readByName"
    keys: Sequence[str]


# --- writing: record payloads -----------------------------------------------------------


def _tag(key: object, path: str, legacy: bool) -> str:
    if not isinstance(key, str) or _TAG.fullmatch(key) is None:
        raise RequestBuildError(path, f"{key!r} is not a valid field (element) name")
    return key.lower() if legacy else key


def _write_fields(
    parent: etree._Element, fields: Mapping[str, Any], path: str, *, legacy: bool
) -> None:
    """Append one element per field, in the mapping's order (2.1 DTDs are sequences)."""
    for key, value in fields.items():
        field_path = f"{path}.{key}"
        _write_value(parent, _tag(key, field_path, legacy), value, field_path, legacy=legacy)


def _write_value(
    parent: etree._Element, tag: str, value: object, path: str, *, legacy: bool
) -> None:
    if legacy and tag == "customfields":
        if not isinstance(value, Mapping):
            raise RequestBuildError(path, "customfields must be a mapping of name to value")
        _write_custom_fields(parent, value, path)
    elif isinstance(value, Mapping):
        _write_fields(sub(parent, tag), value, path, legacy=legacy)
    elif _is_record_list(value, path):
        assert isinstance(value, list | tuple)
        for index, item in enumerate(value):  # owned lines: one <GLENTRY> per item
            _write_fields(sub(parent, tag), item, f"{path}[{index}]", legacy=legacy)
    elif legacy and isinstance(value, date):
        split_date(parent, tag, _legacy_date(value, path))
    elif value is None:
        leaf(parent, tag, None)
    else:
        leaf(parent, tag, encode_value(value, path), field=path)


def _is_record_list(value: object, path: str) -> bool:
    """A list of mappings (repeated child records); a list of scalars is a multi-pick."""
    if not isinstance(value, list | tuple):
        return False
    mappings = [isinstance(item, Mapping) for item in value]
    if any(mappings) and not all(mappings):
        raise RequestBuildError(path, "a list must hold either only mappings or only values")
    return bool(value) and all(mappings)


def _legacy_date(value: date, path: str) -> date:
    # 2.1 dates are year/month/day only; a time of day would be silently lost.
    if isinstance(value, datetime):
        if value.time() != time(0):
            raise RequestBuildError(path, "legacy 2.1 dates have no time of day; pass a date")
        return value.date()
    return value


def _write_custom_fields(parent: etree._Element, values: Mapping[str, Any], path: str) -> None:
    """2.1 custom fields: names are data here (integration IDs), so their case is kept."""
    container = sub(parent, "customfields")
    for name, value in values.items():
        item_path = f"{path}.{name}"
        customfield = sub(container, "customfield")
        leaf(customfield, "customfieldname", _text(name, item_path))
        leaf(customfield, "customfieldvalue", encode_value(value, item_path), field=item_path)


@dataclass(frozen=True)
class _Records(Function):
    """1..100 records of any (mixed) objects: ``<OBJECT><FIELD>value</FIELD>…</OBJECT>``.

    A nested mapping becomes nested elements (``DISPLAYCONTACT``), a list of mappings
    repeated elements (``ENTRIES: {GLENTRY: [{…}, {…}]}``), a list of values a multi-pick
    (``#~#``) and None an empty element.
    """

    writes: ClassVar[bool] = True
    records: Sequence[tuple[str, Mapping[str, Any]]]

    @classmethod
    def one(cls, object: str, fields: Mapping[str, Any]) -> Self:
        return cls(((object, fields),))

    def __post_init__(self) -> None:
        records = _as_tuple(self.records, "records")
        if not 1 <= len(records) <= MAX_RECORDS:
            raise RequestBuildError(
                "records", f"{len(records)} records: give 1 to {MAX_RECORDS} per call"
            )
        for index, record in enumerate(records):
            _check_record(record, f"records[{index}]")
        _set(self, "records", records)
        self.to_xml()  # every value is checked now, not when the request is sent

    def to_xml(self) -> etree._Element:
        el = element(self.name)
        for index, (obj, fields) in enumerate(self.records):
            _write_fields(sub(el, obj), fields, f"records[{index}] {obj}", legacy=False)
        return el


def _check_record(record: object, where: str) -> None:
    if not (isinstance(record, tuple) and len(record) == 2):
        raise RequestBuildError(where, "must be an (object, fields) pair")
    _object_name(record[0], where)
    if not isinstance(record[1], Mapping) or not record[1]:
        raise RequestBuildError(f"{where} {record[0]}", "fields must be a non-empty mapping")


@dataclass(frozen=True)
class Create(_Records):
    name: ClassVar[str] = "create"


@dataclass(frozen=True)
class Update(_Records):
    """Records are found by ``RECORDNO`` or, for many objects, their ID field."""

    name: ClassVar[str] = "update"


@dataclass(frozen=True)
class Delete(Function):
    """``<delete><object/><keys>1,2</keys></delete>``: 1..100 ``RECORDNO``s."""

    name: ClassVar[str] = "delete"
    writes: ClassVar[bool] = True
    object: str
    keys: Sequence[int | str]

    def __post_init__(self) -> None:
        _object_name(self.object)
        _set(self, "keys", _keys(self.keys))

    def to_xml(self) -> etree._Element:
        el = element(self.name)
        leaf(el, "object", self.object)
        leaf(el, "keys", ",".join(str(key) for key in self.keys))
        return el


# --- legacy DTD 2.1 object-specific functions -------------------------------------------


def _legacy_fields(value: object, what: str) -> None:
    if not isinstance(value, Mapping) or not value:
        raise RequestBuildError(what, "fields must be a non-empty mapping")


def _attribute_name(value: object, what: str) -> str:
    return _object_name(value, what).lower()


@dataclass(frozen=True)
class LegacyCreate(Function):
    """``<create_class><classid>…``: field names are lower-cased, dates split into
    year/month/day, ``customfields`` written as 2.1 customfield pairs, order kept."""

    writes: ClassVar[bool] = True
    object: str
    fields: Mapping[str, Any]

    @property
    def name(self) -> str:
        return f"create_{self.object.lower()}"

    def __post_init__(self) -> None:
        _object_name(self.object)
        _legacy_fields(self.fields, self.name)
        self.to_xml()

    def to_xml(self) -> etree._Element:
        el = element(self.name)
        _write_fields(el, self.fields, self.name, legacy=True)
        return el


@dataclass(frozen=True)
class LegacyUpdate(Function):
    """``<update_vendor vendorid="V1">…`` (same field rules as :class:`LegacyCreate`)."""

    writes: ClassVar[bool] = True
    object: str
    key_attribute: str
    key: str
    fields: Mapping[str, Any]

    @property
    def name(self) -> str:
        return f"update_{self.object.lower()}"

    def __post_init__(self) -> None:
        _object_name(self.object)
        _attribute_name(self.key_attribute, "key_attribute")
        _text(self.key, "key")
        _legacy_fields(self.fields, self.name)
        self.to_xml()

    def to_xml(self) -> etree._Element:
        el = element(self.name, {self.key_attribute.lower(): self.key})
        _write_fields(el, self.fields, self.name, legacy=True)
        return el


@dataclass(frozen=True)
class LegacyDelete(Function):
    """``<delete_class key="C1"/>``, ``<delete_vendor vendorid="V1"/>``."""

    writes: ClassVar[bool] = True
    object: str
    key_attribute: str
    key: str

    @property
    def name(self) -> str:
        return f"delete_{self.object.lower()}"

    def __post_init__(self) -> None:
        _object_name(self.object)
        _attribute_name(self.key_attribute, "key_attribute")
        _text(self.key, "key")

    def to_xml(self) -> etree._Element:
        return element(self.name, {self.key_attribute.lower(): self.key})


_LEGACY_OPERATORS = ("=", "!=", "<", "<=", ">", ">=", "like", "not like", "is null")


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


def _write_field_list(parent: etree._Element, fields: tuple[str, ...]) -> None:
    if fields:
        container = sub(parent, "fields")
        for name in fields:
            leaf(container, "field", name)


def _lower_fields(value: object) -> tuple[str, ...]:
    names = _as_tuple(value, "fields")
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
        _object_name(self.object)
        _int_range(self.start, "start", 0)
        if self.maxitems is not None:
            _int_range(self.maxitems, "maxitems", 1)
        _bool(self.showprivate, "showprivate")
        if self.filter is not None and not isinstance(self.filter, LegacyFilter):
            raise RequestBuildError("filter", "build it with expression()/logical()")
        _set(self, "sorts", tuple(_sort(s, f"sorts[{i}]") for i, s in enumerate(self.sorts)))
        _set(self, "fields", _lower_fields(self.fields))

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
        _object_name(self.object)
        _text(self.key, "key")
        _set(self, "fields", _lower_fields(self.fields))

    def to_xml(self) -> etree._Element:
        el = element(self.name, {"object": self.object.lower(), "key": self.key})
        _write_field_list(el, tuple(self.fields))
        return el
