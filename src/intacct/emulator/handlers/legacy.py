"""Legacy (DTD 2.1) object functions: create_<obj>, update_<obj>, delete_<obj>,
get_list and get. Field elements are lower-case; dates come split into
year/month/day; custom fields come as customfields/customfield name-value pairs;
create returns the new id in a result-level ``<key>``; get_list puts
``<listtype start end total>`` before an attribute-less ``<data>``."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date
from typing import Any

from lxml import etree

from intacct.emulator import errors, querylang
from intacct.emulator.catalog import FieldDef, ObjectDef
from intacct.emulator.dispatch import Ctx, Handler, Outcome
from intacct.emulator.errors import ErrorLine, FunctionError
from intacct.emulator.handlers.common import object_def
from intacct.emulator.handlers.legacy_shapes import (
    CONTACT,
    DATE_ELEMENTS,
    LINE_SHAPES,
    LINEITEM,
    MAILADDRESS,
    SHAPES,
    Node,
    Shape,
    walk,
)
from intacct.emulator.handlers.write import split_date, write_lines
from intacct.emulator.values import from_wire, to_wire

__all__ = ["HANDLERS", "resolve"]


def _legacy_object(ctx: Ctx, action: str, name: str) -> ObjectDef:
    for obj in ctx.store.catalog.values():
        if obj.legacy.get(action) == name:
            return object_def(ctx, obj.name, write=True)
    raise errors.unknown_function(name)


def _shape(obj: ObjectDef, *, write: bool = False) -> Shape:
    """The DTD's shape of the object, else every catalog field under its lower-case name;
    a create function whose elements differ from get_list's answer (create_arpayment,
    create_supdoc) has its own shape under the function's name, for writes."""
    listed = SHAPES.get(obj.legacy.get("get_list", ""))
    shape = (SHAPES.get(obj.legacy.get("create", "")) or listed) if write else listed
    return shape if shape is not None else tuple(Node(n.lower(), n) for n in obj.field_names)


def _node(obj: ObjectDef, shape: Shape, tag: str) -> Node | None:
    for node in shape:
        if node.tag == tag:
            return node
    # outside the DTD table: the catalog field of that name, as 2.1 lower-cases them
    upper = tag.upper()
    if upper in obj.owned:
        return Node(tag, upper, "owned")
    return Node(tag, upper) if obj.field(upper) else None


def _values(
    ctx: Ctx, obj: ObjectDef, element: etree._Element
) -> tuple[dict[str, Any], dict[str, list[etree._Element]]]:
    values: dict[str, Any] = {}
    lines: dict[str, list[etree._Element]] = {}
    shape = _shape(obj, write=True)
    for child in _elements(element):
        tag = str(child.tag)
        if tag == "customfields":
            _custom_fields(obj, child, values)
            continue
        node = _node(obj, shape, tag)
        if node is None:
            raise errors.unknown_field(obj.name, tag)
        if node.kind == "lines":
            line_obj = ctx.store.catalog[obj.owned[node.field]]
            lines[node.field] = [_line(line_obj, item) for item in _elements(child)]
        elif node.kind == "line":  # one line per element, no container (arpaymentitem*)
            line_obj = ctx.store.catalog[obj.owned[node.field]]
            lines.setdefault(node.field, []).append(_line(line_obj, child))
        elif node.kind == "owned":
            lines[node.field] = list(_elements(child))
        else:
            _read(obj, (node,), child, "", values)
    return values, lines


def _custom_fields(obj: ObjectDef, box: etree._Element, values: dict[str, Any]) -> None:
    for custom in box.iterfind("customfield"):
        name = (custom.findtext("customfieldname") or "").strip()
        field = obj.field(name) or obj.field(name.upper())
        if field is None or not field.custom:
            raise errors.unknown_field(obj.name, name)
        values[field.name] = from_wire(obj.name, field, custom.findtext("customfieldvalue") or "")


def _elements(element: etree._Element) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str)]


def _read(
    obj: ObjectDef, shape: Shape, element: etree._Element, prefix: str, values: dict[str, Any]
) -> None:
    """Store ``element`` (one of ``shape``'s) and its nested contact/address elements."""
    by_tag = {node.tag: (node, name) for node, name in walk(shape, prefix)}
    found = by_tag.get(str(element.tag))
    if found is None:
        raise errors.unknown_field(obj.name, str(element.tag))
    node, name = found
    if node.kind == "value":
        target = node.written or node.field
        field = obj.field(f"{prefix}.{target}" if prefix else target)
        # [U] a DTD element the catalog has no field for is accepted and not kept
        if field is not None and not field.readonly:
            text = split_date(element) if len(element) else (element.text or "")
            values[field.name] = from_wire(obj.name, field, text)
    elif node.kind == "address":
        for child in _elements(element):
            _read(obj, MAILADDRESS, child, name, values)
    else:  # contact: (contact | contactname), intacct_common_objects.v2.1.dtd:154
        for child in _elements(element):
            if child.tag == "contact":
                for part in _elements(child):
                    _read(obj, CONTACT, part, name, values)
            else:
                _read(obj, CONTACT[:1], child, name, values)


def _line(line_obj: ObjectDef, item: etree._Element) -> etree._Element:
    """A 2.1 ``lineitem`` (``ccpayitem``, …) as a record element of the line object's
    catalog fields."""
    record = etree.Element(line_obj.name)
    shape = LINE_SHAPES.get(str(item.tag), LINEITEM)
    for child in _elements(item):
        node = next((n for n in shape if n.tag == child.tag), None)
        name = node.field if node else str(child.tag).upper()
        field = line_obj.field(name)
        if field is None or name == "RECORDNO":
            continue  # [U] DTD elements with no catalog field (allocationid, taskid, ...)
        text = split_date(child) if len(child) else (child.text or "")
        etree.SubElement(record, field.name).text = text
    return record


def _target(ctx: Ctx, obj: ObjectDef, action: str) -> int:
    attr = obj.legacy.get("key_attr", "key")
    key = ctx.fn.body.get(attr) or ctx.fn.body.get("key") or _id_element(obj, ctx.fn.body)
    field = obj.id_field or "RECORDNO"
    found = ctx.store.find(obj, ctx.scope, field, [key]) if key else []
    if not found and key.isdigit() and field != "RECORDNO":
        found = ctx.store.find(obj, ctx.scope, "RECORDNO", [key])
    if not found:
        raise errors.not_found(obj.name, key, action)
    return int(found[0]["RECORDNO"])


def _id_element(obj: ObjectDef, body: etree._Element) -> str:
    """The id given as an element, for functions that take no key attribute
    (update_supdocfolder names the folder by supdocfoldername)."""
    for node in _shape(obj, write=True):
        if node.field == obj.id_field and node.kind == "value":
            return (body.findtext(node.tag) or "").strip()
    return ""


def _create(ctx: Ctx) -> Outcome:
    obj = _legacy_object(ctx, "create", ctx.fn.name)
    values, lines = _values(ctx, obj, ctx.fn.body)
    created = ctx.store.insert(obj, ctx.scope, values)
    write_lines(ctx, obj, int(created["RECORDNO"]), lines, replace=False)
    key = created.get(obj.id_field) if obj.id_field else created["RECORDNO"]
    return Outcome(key=str(key))


def _update(ctx: Ctx) -> Outcome:
    obj = _legacy_object(ctx, "update", ctx.fn.name)
    recordno = _target(ctx, obj, "update")
    values, lines = _values(ctx, obj, ctx.fn.body)
    ctx.store.update(obj, ctx.scope, recordno, values)
    write_lines(ctx, obj, recordno, lines, replace=True)
    return Outcome()


def _delete(ctx: Ctx) -> Outcome:
    obj = _legacy_object(ctx, "delete", ctx.fn.name)
    ctx.store.delete(obj, ctx.scope, _target(ctx, obj, "delete"))
    return Outcome()


#: record_otherreceipt, record_cctransaction, record_deposit create as create_* do
_ACTIONS: dict[str, Handler] = {
    "create": _create,
    "record": _create,
    "update": _update,
    "delete": _delete,
}


def resolve(name: str) -> Handler | None:
    """``create_class`` → the legacy create handler (object checked when it runs)."""
    action = name.split("_", 1)[0]
    return _ACTIONS.get(action) if "_" in name else None


def _int_attr(ctx: Ctx, name: str, default: int | None) -> int | None:
    text = ctx.fn.body.get(name)
    if text is None or text == "":
        return default
    if not text.isdigit():
        raise FunctionError(
            ErrorLine("XL03000003", "", f"get_list {name} '{text}' is not a number.", "")
        )
    return int(text)


def _listed_object(ctx: Ctx) -> tuple[ObjectDef, str]:
    """get_list/get's ``object``: a 2.1 name (``bill``) or the catalog's (``apbill``)."""
    name = (ctx.fn.body.get("object") or "").strip().lower()
    for obj in ctx.store.catalog.values():
        if obj.legacy.get("get_list") == name:
            return object_def(ctx, obj.name), name
    return object_def(ctx, name.upper()), name


def _top_fields(obj: ObjectDef, shape: Shape) -> dict[str, str]:
    """2.1 element name → catalog field, for the values get_list filters and sorts on."""
    names = {n.tag: n.field for n in shape if n.kind == "value" and obj.field(n.field)}
    names.update((n.lower(), n) for n in obj.field_names if n.lower() not in names)
    return names


def _catalog_name(obj: ObjectDef, names: Mapping[str, str], given: str) -> str:
    name = names.get(given.strip().lower())
    if name is None:
        raise errors.unknown_field(obj.name, given.strip())
    return name


class _Render:
    """Records in the DTD's element order; line items read per document."""

    def __init__(self, ctx: Ctx, obj: ObjectDef) -> None:
        self.ctx = ctx
        self.obj = obj
        self.date_format = ctx.company.date_format

    def record(self, tag: str, shape: Shape, row: Mapping[str, Any]) -> etree._Element:
        record = etree.Element(tag)
        self.fill(record, shape, row, "")
        return record

    def fill(
        self, parent: etree._Element, shape: Shape, row: Mapping[str, Any], prefix: str
    ) -> None:
        obj = self.obj
        for node, name in walk(shape, prefix):
            if not node.answered:
                continue
            if node.kind == "value":
                field = obj.field(name)
                if field is not None:
                    self.value(etree.SubElement(parent, node.tag), field, row.get(name))
            elif node.kind == "lines":
                self.lines(parent, node, row)
            else:
                nested = [f for f in obj.field_names if f.startswith(name + ".")]
                if not nested:
                    continue
                box = etree.SubElement(parent, node.tag)
                if node.kind == "address":
                    self.fill(box, MAILADDRESS, row, name)
                elif nested == [f"{name}.CONTACTNAME"]:
                    self.fill(box, CONTACT[:1], row, name)
                else:
                    self.fill(etree.SubElement(box, "contact"), CONTACT, row, name)

    def value(self, element: etree._Element, field: FieldDef, value: Any) -> None:
        if element.tag in DATE_ELEMENTS and value:  # %DATE: (year, month, day)
            day = date.fromisoformat(str(value)[:10])
            for part, text in (("year", day.year), ("month", day.month), ("day", day.day)):
                etree.SubElement(element, part).text = f"{text:02d}"
        else:
            element.text = to_wire(field, value, self.date_format)

    def lines(self, parent: etree._Element, node: Node, row: Mapping[str, Any]) -> None:
        line_obj = self.ctx.store.catalog[self.obj.owned[node.field]]
        if not line_obj.parent_key or row.get("RECORDNO") is None:
            return
        found = self.ctx.store.children(line_obj, self.ctx.scope, row["RECORDNO"])
        if not found:
            return  # billitems holds lineitem+
        box = etree.SubElement(parent, node.tag)
        inner = _Render(self.ctx, line_obj)
        for line in found:
            box.append(inner.record("lineitem", LINEITEM, line))


def _chosen(shape: Shape, names: Mapping[str, str], box: etree._Element | None) -> Shape:
    """The shape cut to get_list/get's ``<fields>`` (all of it when none are named)."""
    if box is None or not len(box):
        return shape
    wanted = {(el.text or "").strip().lower() for el in box.iterfind("field")}
    known = {n.tag for n in shape} | set(names)
    for name in wanted - known:
        raise errors.unknown_field("", name)
    chosen = tuple(n for n in shape if n.tag in wanted)
    extra = wanted - {n.tag for n in chosen}
    return chosen + tuple(Node(t, names[t]) for t in sorted(extra))


def _filter(flt: etree._Element, obj: ObjectDef, names: Mapping[str, str]) -> etree._Element:
    """The filter with its 2.1 field names replaced by the catalog's."""
    flt = copy.deepcopy(flt)
    for field in flt.iter("field"):
        field.text = _catalog_name(obj, names, field.text or "")
    return flt


def get_list(ctx: Ctx) -> Outcome:
    obj, listed = _listed_object(ctx)
    shape = _shape(obj)
    names = _top_fields(obj, shape)
    where: str = "1=1"
    params: list[object] = []
    try:
        flt = ctx.fn.body.find("filter")
        if flt is not None:
            where, params = querylang.translate_get_list_filter(
                _filter(flt, obj, names),
                obj.fields_by_name,
                object_name=obj.name,
                date_format=ctx.company.date_format,
            )
    except querylang.QueryError as exc:
        raise FunctionError(ErrorLine(exc.errorno, "", exc.description2, exc.correction)) from None
    sorts = [
        (_catalog_name(obj, names, s.text or ""), s.get("order", "asc").lower() == "desc")
        for s in ctx.fn.body.iterfind("sorts/sortfield")
    ]
    start = _int_attr(ctx, "start", 0) or 0
    maxitems = _int_attr(ctx, "maxitems", 100)
    chosen = _chosen(shape, names, ctx.fn.body.find("fields"))
    rows, total = ctx.store.listed(obj, ctx.scope, where, params, sorts, maxitems, start)
    listtype = etree.Element(
        "listtype",
        start=str(start),
        end=str(start + len(rows) - 1 if rows else start),
        total=str(total),
    )
    listtype.text = listed
    render = _Render(ctx, obj)
    data = etree.Element("data")
    data.extend(render.record(listed, chosen, row) for row in rows)
    return Outcome(listtype=listtype, data=data)


def get(ctx: Ctx) -> Outcome:
    obj, listed = _listed_object(ctx)
    shape = _shape(obj)
    chosen = _chosen(shape, _top_fields(obj, shape), ctx.fn.body.find("fields"))
    key = ctx.fn.body.get("key") or ""
    field = obj.id_field or "RECORDNO"
    rows = ctx.store.find(obj, ctx.scope, field, [key]) if key else []
    render = _Render(ctx, obj)
    data = etree.Element("data")
    data.extend(render.record(listed, chosen, row) for row in rows)
    return Outcome(data=data)


HANDLERS: dict[str, Handler] = {"get_list": get_list, "get": get}
