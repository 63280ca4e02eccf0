"""query, readByQuery, readMore, read, readByName.

Case rules from the captures: readByQuery/readMore answer with the lower-case object
name for ``listtype`` and record elements, read/readByName/query with the upper-case
name; fields are upper-case throughout 3.0. ``query`` pages by offset (stateless, no
resultId); readByQuery keeps a server-side cursor that readMore continues.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from lxml import etree

from intacct.emulator import querylang
from intacct.emulator.catalog import ObjectDef
from intacct.emulator.dispatch import Ctx, Handler, Outcome
from intacct.emulator.errors import ErrorLine, FunctionError
from intacct.emulator.handlers.common import (
    RecordPage,
    bad_parameter,
    check_fields,
    int_param,
    object_def,
    record_element,
    text_param,
)
from intacct.emulator.store import Cursor, Scope
from intacct.emulator.store.records import AGGREGATES

__all__ = ["HANDLERS", "data_element", "owned_children"]


def _query_error(exc: querylang.QueryError) -> FunctionError:
    return FunctionError(ErrorLine(exc.errorno, "", exc.description2, exc.correction))


def _rbq_where(ctx: Ctx, obj: ObjectDef) -> querylang.Translated:
    try:
        return querylang.translate_readbyquery(
            text_param(ctx, "query"),
            obj.fields_by_name,
            object_name=obj.name,
            date_format=ctx.company.date_format,
        )
    except querylang.QueryError as exc:
        raise _query_error(exc) from None


def data_element(attrs: dict[str, str], records: Sequence[etree._Element]) -> etree._Element:
    data = etree.Element("data", attrs)
    data.extend(records)
    return data


def _raw(fmt: str, names: Sequence[str], records: Sequence[etree._Element]) -> Outcome:
    rows = [{str(child.tag): child.text or "" for child in rec} for rec in records]
    if fmt == "json":
        return Outcome(raw=(json.dumps(rows).encode(), "application/json"))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(names), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return Outcome(raw=(out.getvalue().encode(), "text/csv"))


def _format(ctx: Ctx, tag: str) -> str:
    fmt = text_param(ctx, tag).lower() or "xml"
    if fmt not in ("xml", "json", "csv"):
        raise bad_parameter(ctx.fn.name, f"{tag} must be xml, json or csv, not '{fmt}'.")
    return fmt


# -- query ----------------------------------------------------------------------------


def _select(ctx: Ctx, obj: ObjectDef) -> tuple[list[str], list[tuple[str, str]]]:
    """(output names, (function, field) pairs) of ``<select>``."""
    select = ctx.fn.body.find("select")
    if select is None or not len(select):
        raise bad_parameter("query", "Element 'select' needs at least one field.")
    # every refused field is named at once, as the gateway's XL03000006 lists them
    checked = check_fields(obj, [(item.text or "").strip() for item in select], query=True)
    names: list[str] = []
    items: list[tuple[str, str]] = []
    for item, name in zip(select, checked, strict=True):
        tag = str(item.tag).lower()
        if tag == "field":
            names.append(name)
        elif tag in AGGREGATES:
            names.append(f"{tag.upper()}.{name}")
        else:
            raise bad_parameter("query", f"Element '{item.tag!s}' is not expected in select.")
        items.append((tag, name))
    return names, items


def query(ctx: Ctx) -> Outcome:
    obj_name = text_param(ctx, "object", required=True)
    obj = object_def(ctx, obj_name)
    names, items = _select(ctx, obj)
    fields = obj.fields_by_name
    where: str = "1=1"
    params: list[object] = []
    insensitive = text_param(ctx, "options/caseinsensitive").lower() == "true"
    showprivate = text_param(ctx, "options/showprivate").lower() == "true"
    try:
        flt = ctx.fn.body.find("filter")
        if flt is not None:
            where, params = querylang.translate_filter(
                flt,
                fields,
                caseinsensitive=insensitive,
                object_name=obj.name,
                date_format=ctx.company.date_format,
            )
        orderby = ctx.fn.body.find("orderby")
        order = (
            querylang.translate_orderby(orderby, fields, object_name=obj.name)
            if orderby is not None
            else ""
        )
    except querylang.QueryError as exc:
        raise _query_error(exc) from None
    pagesize = int_param(ctx, "pagesize", 100, 1, 2000)
    offset = int_param(ctx, "offset", 0, 0, 2**31)
    scope = Scope(ctx.scope.company, ctx.scope.entity, ctx.scope.user, showprivate, replica=True)
    rows, total = ctx.store.query(obj, scope, items, where, params, order, pagesize, offset)
    records = RecordPage(
        obj_name.upper(), obj, rows, names, ctx.company.date_format, special=_number
    )
    fmt = _format(ctx, "options/returnformat")
    if fmt != "xml":
        return _raw(fmt, names, records.elements())
    attrs = {
        "listtype": obj_name.upper(),
        "totalcount": str(total),
        "offset": str(offset),
        "count": str(len(records)),
        "numremaining": str(max(0, total - offset - len(records))),
    }
    return records.outcome(attrs)


def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return str(value)


# -- readByQuery / readMore -------------------------------------------------------------


def _fields_param(ctx: Ctx, obj: ObjectDef) -> list[str]:
    raw = text_param(ctx, "fields")
    if raw in ("", "*"):
        return obj.field_names
    return check_fields(obj, raw.split(","))


def read_by_query(ctx: Ctx) -> Outcome:
    obj = object_def(ctx, text_param(ctx, "object", required=True))
    fields = _fields_param(ctx, obj)
    translated = _rbq_where(ctx, obj)
    where, params, limit = translated.sql, translated.params, translated.limit
    pagesize = int_param(ctx, "pagesize", 100, 1, 1000)
    scope = replace(ctx.scope, replica=True)  # a query: it reads the replica
    total = ctx.store.count(obj, scope, where, params)
    if limit is not None:
        total = min(total, limit)
    sessionid = ctx.session.sessionid if ctx.session is not None else ""
    cursor = ctx.store.new_cursor(
        {
            "scope": scope,
            "obj": obj,
            "fields": fields,
            "where": where,
            "params": params,
            "pagesize": pagesize,
            "total": total,
            "remaining": total,
            "sessionid": sessionid,
        }
    )
    if sessionid:
        ctx.store.cursors[f"{sessionid}:{obj.name}"] = cursor
    return _page(ctx, cursor, _format(ctx, "returnFormat"))


def read_more(ctx: Ctx) -> Outcome:
    """Continue a readByQuery. A cursor serves only the session, user and entity that
    made it: anyone else gets the answer for an unknown resultId, and the caller's
    permission for the object is checked again on every page."""
    result_id = text_param(ctx, "resultId")
    obj_name = text_param(ctx, "object")
    sessionid = ctx.session.sessionid if ctx.session is not None else ""
    cursor = None
    if result_id:
        cursor = ctx.store.cursor(result_id)
    elif obj_name and sessionid:
        cursor = ctx.store.cursors.get(f"{sessionid}:{obj_name.upper()}")
    if cursor is None or cursor.remaining <= 0 or not cursor.owned_by(ctx.scope, sessionid):
        raise FunctionError(
            ErrorLine(
                "readMore failed",
                "",
                f"Attempt to readMore with an invalid or expired resultId: {result_id or obj_name}",
                "",
            )
        )
    object_def(ctx, cursor.obj.name)  # permissions may have changed since the last page
    return _page(ctx, cursor, "xml")


def _page(ctx: Ctx, cursor: Cursor, fmt: str) -> Outcome:
    size = min(cursor.pagesize, cursor.remaining)
    rows = ctx.store.page_after(
        cursor.obj, cursor.scope, cursor.fields, cursor.where, cursor.params, cursor.after, size
    )
    if rows:
        cursor.after = int(rows[-1][0])
    cursor.remaining = max(0, cursor.remaining - len(rows)) if rows else 0
    tag = cursor.obj.name.lower()
    records = RecordPage(
        tag, cursor.obj, (row[1:] for row in rows), cursor.fields, ctx.company.date_format
    )
    if cursor.remaining == 0:
        ctx.store.cursors.pop(cursor.result_id, None)
    if fmt != "xml":
        return _raw(fmt, cursor.fields, records.elements())
    attrs = {
        "listtype": tag,
        "count": str(len(records)),
        "totalcount": str(cursor.total),
        "numremaining": str(cursor.remaining),
        "resultId": cursor.result_id if cursor.remaining else "",
    }
    return records.outcome(attrs)


# -- read / readByName ----------------------------------------------------------------


def _keys(ctx: Ctx) -> list[str]:
    keys = [k.strip() for k in text_param(ctx, "keys").split(",") if k.strip()]
    if len(keys) > 100:
        raise bad_parameter(ctx.fn.name, f"{len(keys)} keys: at most 100 per call.")
    return keys


def owned_children(ctx: Ctx, obj: ObjectDef, record: etree._Element, recordno: Any) -> None:
    """Append owned line collections (``read`` returns a document with its lines)."""
    for container, line_name in obj.owned.items():
        line = ctx.store.catalog[line_name]
        if not line.parent_key:
            continue
        box = etree.SubElement(record, container)
        rows = ctx.store.children(line, ctx.scope, recordno)
        box.extend(
            record_element(line.name.lower(), line, row, line.field_names, ctx.company.date_format)
            for row in rows
        )


def _read_keys(ctx: Ctx, by: str | None) -> Outcome:
    obj = object_def(ctx, text_param(ctx, "object", required=True))
    key_field = by or "RECORDNO"
    if obj.field(key_field) is None:
        raise FunctionError(ErrorLine("Query Failed", "", f"{obj.name} cannot be read by name", ""))
    fields = _fields_param(ctx, obj)
    keys = _keys(ctx)
    if key_field == "RECORDNO" and not all(k.isdigit() for k in keys):
        raise bad_parameter(ctx.fn.name, "keys must be RECORDNO numbers.")
    rows = ctx.store.find(obj, ctx.scope, key_field, keys) if keys else []
    records = []
    for row in rows:
        record = record_element(obj.name, obj, row, fields, ctx.company.date_format)
        if fields == obj.field_names:
            owned_children(ctx, obj, record, row.get("RECORDNO"))
        records.append(record)
    fmt = _format(ctx, "returnFormat")
    if fmt != "xml":
        return _raw(fmt, fields, records)
    return Outcome(data=data_element({"listtype": obj.name, "count": str(len(records))}, records))


def read(ctx: Ctx) -> Outcome:
    return _read_keys(ctx, None)


def read_by_name(ctx: Ctx) -> Outcome:
    obj = object_def(ctx, text_param(ctx, "object", required=True))
    return _read_keys(ctx, obj.id_field or "RECORDNO")


HANDLERS: dict[str, Handler] = {
    "query": query,
    "readByQuery": read_by_query,
    "readMore": read_more,
    "read": read,
    "readByName": read_by_name,
}
