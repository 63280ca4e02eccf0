"""Legacy (DTD 2.1) object functions: create_<obj>, update_<obj>, delete_<obj>,
get_list and get. Field elements are lower-case; dates come split into
year/month/day; custom fields come as customfields/customfield name-value pairs;
create returns the new id in a result-level ``<key>``; get_list puts
``<listtype start end total>`` before an attribute-less ``<data>``."""

from __future__ import annotations

from datetime import date
from typing import Any

from lxml import etree

from intacct.emulator import errors, querylang
from intacct.emulator.catalog import ObjectDef
from intacct.emulator.dispatch import Ctx, Handler, Outcome
from intacct.emulator.errors import ErrorLine, FunctionError
from intacct.emulator.handlers.common import object_def
from intacct.emulator.handlers.write import write_lines
from intacct.emulator.values import from_wire, to_wire

__all__ = ["HANDLERS", "resolve"]


def _legacy_object(ctx: Ctx, action: str, name: str) -> ObjectDef:
    for obj in ctx.store.catalog.values():
        if obj.legacy.get(action) == name:
            return object_def(ctx, obj.name, write=True)
    raise errors.unknown_function(name)


def _split_date(element: etree._Element) -> str:
    try:
        day = date(
            int(element.findtext("year") or 0),
            int(element.findtext("month") or 0),
            int(element.findtext("day") or 0),
        )
    except ValueError:
        raise FunctionError(
            ErrorLine(
                "BL03000018",
                "",
                f"Illegal date in {element.tag!s}: year/month/day do not form a date.",
                "",
            )
        ) from None
    return day.strftime("%m/%d/%Y")


def _values(
    ctx: Ctx, obj: ObjectDef, element: etree._Element
) -> tuple[dict[str, Any], dict[str, list[etree._Element]]]:
    values: dict[str, Any] = {}
    lines: dict[str, list[etree._Element]] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        tag = child.tag.upper()
        if tag == "CUSTOMFIELDS":
            _custom_fields(obj, child, values)
            continue
        if tag in obj.owned:  # tag is upper-cased, as the catalog's container names are
            lines[tag] = [c for c in child if isinstance(c.tag, str)]
            continue
        field = obj.field(tag)
        if field is None:
            raise errors.unknown_field(obj.name, child.tag)
        text = _split_date(child) if len(child) else (child.text or "")
        if not field.readonly:
            values[field.name] = from_wire(obj.name, field, text)
    return values, lines


def _custom_fields(obj: ObjectDef, box: etree._Element, values: dict[str, Any]) -> None:
    for custom in box.iterfind("customfield"):
        name = (custom.findtext("customfieldname") or "").strip()
        field = obj.field(name) or obj.field(name.upper())
        if field is None or not field.custom:
            raise errors.unknown_field(obj.name, name)
        values[field.name] = from_wire(obj.name, field, custom.findtext("customfieldvalue") or "")


def _target(ctx: Ctx, obj: ObjectDef, action: str) -> int:
    attr = obj.legacy.get("key_attr", "key")
    key = ctx.fn.body.get(attr) or ctx.fn.body.get("key") or ""
    field = obj.id_field or "RECORDNO"
    found = ctx.store.find(obj, ctx.scope, field, [key]) if key else []
    if not found and key.isdigit() and field != "RECORDNO":
        found = ctx.store.find(obj, ctx.scope, "RECORDNO", [key])
    if not found:
        raise errors.not_found(obj.name, key, action)
    return int(found[0]["RECORDNO"])


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


_ACTIONS: dict[str, Handler] = {"create": _create, "update": _update, "delete": _delete}


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


def _legacy_record(
    ctx: Ctx, obj: ObjectDef, row: dict[str, Any], names: list[str]
) -> etree._Element:
    record = etree.Element(obj.name.lower())
    for name in names:
        field = obj.field(name)
        etree.SubElement(record, name.lower()).text = (
            to_wire(field, row.get(name), ctx.company.date_format) if field else ""
        )
    return record


def _field_list(obj: ObjectDef, box: etree._Element | None) -> list[str]:
    if box is None or not len(box):
        return obj.field_names
    names = []
    for el in box.iterfind("field"):
        field = obj.field((el.text or "").strip().upper())
        if field is None:
            raise errors.unknown_field(obj.name, el.text or "")
        names.append(field.name)
    return names


def get_list(ctx: Ctx) -> Outcome:
    obj = object_def(ctx, (ctx.fn.body.get("object") or "").upper())
    fields = obj.fields_by_name
    where: str = "1=1"
    params: list[object] = []
    order = 'ORDER BY "RECORDNO"'
    try:
        flt = ctx.fn.body.find("filter")
        if flt is not None:
            where, params = querylang.translate_get_list_filter(
                flt, fields, object_name=obj.name, date_format=ctx.company.date_format
            )
    except querylang.QueryError as exc:
        raise FunctionError(ErrorLine(exc.errorno, "", exc.description2, exc.correction)) from None
    sorts = [(s.text or "").strip().upper() for s in ctx.fn.body.iterfind("sorts/sortfield")]
    if sorts:
        directions = [
            s.get("order", "asc").upper() for s in ctx.fn.body.iterfind("sorts/sortfield")
        ]
        for name in sorts:
            if name not in fields:
                raise errors.unknown_field(obj.name, name.lower())
        order = "ORDER BY " + ", ".join(
            f'"{n}" {"DESC" if d == "DESC" else "ASC"}'
            for n, d in zip(sorts, directions, strict=True)
        )
    start = _int_attr(ctx, "start", 0) or 0
    maxitems = _int_attr(ctx, "maxitems", 100)
    names = _field_list(obj, ctx.fn.body.find("fields"))
    total = ctx.store.count(obj, ctx.scope, where, params)
    rows = ctx.store.rows(obj, ctx.scope, names, where, params, order, maxitems, start)
    listtype = etree.Element(
        "listtype",
        start=str(start),
        end=str(start + len(rows) - 1 if rows else start),
        total=str(total),
    )
    listtype.text = obj.name.lower()
    data = etree.Element("data")
    data.extend(_legacy_record(ctx, obj, row, names) for row in rows)
    return Outcome(listtype=listtype, data=data)


def get(ctx: Ctx) -> Outcome:
    obj = object_def(ctx, (ctx.fn.body.get("object") or "").upper())
    key = ctx.fn.body.get("key") or ""
    names = _field_list(obj, ctx.fn.body.find("fields"))
    field = obj.id_field or "RECORDNO"
    rows = ctx.store.find(obj, ctx.scope, field, [key]) if key else []
    data = etree.Element("data")
    data.extend(_legacy_record(ctx, obj, {n: r.get(n) for n in names}, names) for r in rows)
    return Outcome(data=data)


HANDLERS: dict[str, Handler] = {"get_list": get_list, "get": get}
