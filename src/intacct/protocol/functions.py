"""Typed builders for the body of each gateway function (protocol §5 and §6).

Each builder is a frozen dataclass, checked when it is made (a :class:`RequestBuildError`
names the bad parameter), whose :meth:`Function.to_xml` returns the function element,
e.g. ``<readByQuery>…</readByQuery>``; the envelope adds ``<function controlid>``.
``fn.name`` is what the result echoes in ``<function>`` and ``fn.writes`` tells whether
the call changes data (so callers can decide about retries and transactions).

The generic 3.0 functions are built here; the legacy DTD 2.1 ones live in
:mod:`.legacy` and, like :class:`Function`, are importable from here too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from lxml import etree

from intacct.errors import RequestBuildError
from intacct.protocol._base import Function, leaves
from intacct.protocol._checks import (
    as_tuple,
    batch,
    boolean,
    exactly_one,
    field_list,
    fields_mapping,
    int_in_range,
    non_empty_text,
    object_name,
    optional_text,
    record_keys,
    return_format,
    set_field,
)
from intacct.protocol._payload import write_fields
from intacct.protocol.legacy import (
    Get,
    GetList,
    GetTrialBalance,
    LegacyCreate,
    LegacyDelete,
    LegacyExpression,
    LegacyFilter,
    LegacyLogical,
    LegacyUpdate,
    expression,
    logical,
)
from intacct.protocol.query import Filter, Order, Where, check_field_name
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
    "GetTrialBalance",
    "MAX_KEYS",
    "MAX_RECORDS",
]

MAX_KEYS = 100  # read, readByName, delete (protocol §7.2)
MAX_RECORDS = 100  # create, update
_AGGREGATES = ("count", "avg", "min", "max", "sum")


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
        return leaves(element(self.name), locationid=self.locationid)


@dataclass(frozen=True)
class Lookup(Function):
    """The current object definition (fields, relationships)."""

    name: ClassVar[str] = "lookup"
    object: str
    docparid: str | None = None

    def __post_init__(self) -> None:
        object_name(self.object)
        optional_text(self.docparid, "docparid")

    def to_xml(self) -> etree._Element:
        return leaves(element(self.name), object=self.object, docparid=self.docparid)


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
        set_field(self, "object", object)
        set_field(self, "printable_name", name)
        set_field(self, "detail", detail)
        exactly_one("inspect", object=object, name=name)
        if object is not None and object != "*":
            object_name(object)
        optional_text(name, "name")
        boolean(detail, "detail")

    def to_xml(self) -> etree._Element:
        el = element(self.name, {"detail": "1" if self.detail else "0"})
        return leaves(el, object=self.object, name=self.printable_name)


@dataclass(frozen=True)
class _NoArguments(Function):
    def to_xml(self) -> etree._Element:
        return element(self.name)


@dataclass(frozen=True)
class GetDimensions(_NoArguments):
    name: ClassVar[str] = "getDimensions"


@dataclass(frozen=True)
class ReadUserFormatting(Function):
    """A user's date format, GMT offset and clock, by ``key`` (the user's RECORDNO) or
    ``user_id`` (LOGINID); with neither, the gateway answers for the signed-in user [U]."""

    name: ClassVar[str] = "readUserFormatting"
    user_id: str | None = None
    key: int | str | None = None

    def __post_init__(self) -> None:
        if self.user_id is not None and self.key is not None:
            raise RequestBuildError("readUserFormatting", "give key or user_id, not both")
        if self.user_id is not None:
            non_empty_text(self.user_id, "user_id")

    def to_xml(self) -> etree._Element:
        return leaves(element(self.name), key=self.key, userId=self.user_id)


@dataclass(frozen=True)
class ReadEntityDetails(_NoArguments):
    name: ClassVar[str] = "readEntityDetails"


@dataclass(frozen=True)
class GetUserPermissions(Function):
    name: ClassVar[str] = "getUserPermissions"
    user_id: str

    def __post_init__(self) -> None:
        non_empty_text(self.user_id, "user_id")

    def to_xml(self) -> etree._Element:
        return leaves(element(self.name), userId=self.user_id)


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
        object_name(self.object)
        set_field(self, "select", self._checked_select())
        if self.filter is not None and not isinstance(self.filter, Filter):
            raise RequestBuildError("filter", "build it with equalto(), and_() … (query module)")
        set_field(self, "orderby", as_tuple(self.orderby, "orderby"))
        if not all(isinstance(order, Order) for order in self.orderby):
            raise RequestBuildError("orderby", "must be a list of Order")
        boolean(self.caseinsensitive, "caseinsensitive")
        boolean(self.showprivate, "showprivate")
        return_format(self.returnformat)
        if self.pagesize is not None:
            int_in_range(self.pagesize, "pagesize", 1, 2000)
        if self.offset is not None:
            int_in_range(self.offset, "offset", 0)
        optional_text(self.docparid, "docparid")

    def _checked_select(self) -> tuple[str | Aggregate, ...]:
        items = as_tuple(self.select, "select")
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
        leaves(el, object=self.object, docparid=self.docparid)
        if self.filter is not None:
            self.filter.to_xml(sub(el, "filter"))
        if self.orderby:
            orderby = sub(el, "orderby")
            for order in self.orderby:
                order.to_xml(orderby)
        # <options> is written only when something is set, as the PHP SDK does (.NET
        # always writes it).
        if self.caseinsensitive or self.showprivate or self.returnformat:
            leaves(
                sub(el, "options"),
                caseinsensitive="true" if self.caseinsensitive else None,
                showprivate="true" if self.showprivate else None,
                returnformat=self.returnformat,
            )
        return leaves(el, pagesize=self.pagesize, offset=self.offset)


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
        object_name(self.object)
        if not isinstance(self.query, str | Where):
            raise RequestBuildError("query", "must be a str or a Where condition")
        check_text(str(self.query), "query")
        set_field(self, "fields", field_list(self.fields))
        int_in_range(self.pagesize, "pagesize", 1, 1000)
        return_format(self.returnformat)
        optional_text(self.docparid, "docparid")

    def to_xml(self) -> etree._Element:
        return leaves(
            element(self.name),
            object=self.object,
            query=str(self.query),  # always written: empty means "all records"
            fields=str(self.fields),
            pagesize=self.pagesize,
            returnFormat=self.returnformat,
            docparid=self.docparid,
        )


@dataclass(frozen=True)
class ReadMore(Function):
    """The next page of a readByQuery: by ``result_id`` (pinned, recommended) or by
    ``object`` (the session's last readByQuery on it)."""

    name: ClassVar[str] = "readMore"
    result_id: str | None = None
    object: str | None = None

    def __post_init__(self) -> None:
        exactly_one("readMore", result_id=self.result_id, object=self.object)
        optional_text(self.result_id, "result_id")
        if self.object is not None:
            object_name(self.object)

    def to_xml(self) -> etree._Element:
        return leaves(element(self.name), resultId=self.result_id, object=self.object)


@dataclass(frozen=True)
class _ObjectKeys(Function):
    """``<object/><keys>1,2</keys>``: 1..100 keys of one object."""

    object: str
    keys: Sequence[int | str]

    def __post_init__(self) -> None:
        object_name(self.object)
        set_field(self, "keys", record_keys(self.keys, MAX_KEYS))

    def to_xml(self) -> etree._Element:
        keys = ",".join(str(key) for key in self.keys)
        return leaves(element(self.name), object=self.object, keys=keys)


@dataclass(frozen=True)
class _ReadKeys(_ObjectKeys):
    fields: Sequence[str] | str = "*"
    returnformat: str | None = None
    docparid: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        set_field(self, "fields", field_list(self.fields))
        return_format(self.returnformat)
        optional_text(self.docparid, "docparid")

    def to_xml(self) -> etree._Element:
        return leaves(
            super().to_xml(),
            fields=str(self.fields),
            returnFormat=self.returnformat,
            docparid=self.docparid,
        )


@dataclass(frozen=True)
class Read(_ReadKeys):
    """Records by ``RECORDNO`` (custom objects: ``id``), 1..100 keys, with owned lines."""

    name: ClassVar[str] = "read"


@dataclass(frozen=True)
class ReadByName(_ReadKeys):
    """Records by their ID field (``VENDORID``, ``ACCOUNTNO``, custom objects ``name``)."""

    name: ClassVar[str] = "readByName"
    keys: Sequence[str]


# --- writing ----------------------------------------------------------------------------


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
        records = batch(self.records, "records", MAX_RECORDS)
        for index, record in enumerate(records):
            _check_record(record, f"records[{index}]")
        set_field(self, "records", records)
        # Every value is checked now, not when the request is sent; the element built for
        # the check is kept for the first send, so a write is serialized once.
        set_field(self, "_prebuilt", [self._build()])

    def to_xml(self) -> etree._Element:
        prebuilt: list[etree._Element] = self.__dict__.get("_prebuilt", [])
        return prebuilt.pop() if prebuilt else self._build()

    def _build(self) -> etree._Element:
        el = element(self.name)
        for index, (obj, fields) in enumerate(self.records):
            write_fields(sub(el, obj), fields, f"records[{index}] {obj}", legacy=False)
        return el


def _check_record(record: object, where: str) -> None:
    if not (isinstance(record, tuple) and len(record) == 2):
        raise RequestBuildError(where, "must be an (object, fields) pair")
    object_name(record[0], where)
    fields_mapping(record[1], f"{where} {record[0]}")


@dataclass(frozen=True)
class Create(_Records):
    name: ClassVar[str] = "create"


@dataclass(frozen=True)
class Update(_Records):
    """Records are found by ``RECORDNO`` or, for many objects, their ID field."""

    name: ClassVar[str] = "update"


@dataclass(frozen=True)
class Delete(_ObjectKeys):
    """``<delete><object/><keys>1,2</keys></delete>``: 1..100 ``RECORDNO``s."""

    name: ClassVar[str] = "delete"
    writes: ClassVar[bool] = True
