"""``GET /objects/<module>/<object>`` and ``GET /objects/<module>/<object>/<key>``.

The list answers references (key, id, href), "up to 100" a page (portal object pages,
e.g. contracts: "Returns up to 100 object references"), with ``ia::meta``
{totalCount, start, pageSize, next, previous}; the portal documents no paging
parameters for it, so [U] none are read (it is "mostly for use in testing"; the query
service pages). A record is the whole object, nested as Sage nests it: groups
(``audit``), references with their ``href``, a document's lines as an array."""

from __future__ import annotations

from typing import Any

from intacct.emulator.querylang.core import TRUE_SQL, Sql
from intacct.emulator.rest.access import denied, scope_for, zone_of
from intacct.emulator.rest.answers import ia_page, ia_result
from intacct.emulator.rest.bearer import Caller
from intacct.emulator.rest.documents import served_object
from intacct.emulator.rest.records import HREF, Renderer, whole_names
from intacct.emulator.rest.served import served_catalog
from intacct.emulator.rest.service import Outcome, refused
from intacct.emulator.rest.source import View, open_view
from intacct.emulator.store import Scope, Store
from intacct.protocol.rest_catalog import RestObject

__all__ = ["LIST_SIZE", "SETUP", "get_record", "list_records", "rest_object", "unknown_object"]

LIST_SIZE = 100
#: the key of a company's one record of a settings object that has no create
#: (``company-config/multi-entity-preference/setup``, and every singleton's path ends
#: with it: portal, consolidation-preference/setup) [U: what other keys get]
SETUP = "setup"


def rest_object(store: Store, caller: Caller, path: str) -> RestObject | Outcome:
    obj = served_object(store, scope_for(store, caller), path)
    return unknown_object(path) if obj is None else obj


def unknown_object(path: str) -> Outcome:
    """The refusal of a path that names no object the company has."""
    return refused(404, "notFound", f"Object {path} does not exist.")


def list_records(store: Store, caller: Caller, obj: RestObject) -> Outcome:
    refusal = denied(store, caller, obj)
    if refusal is not None:
        return refusal
    view = open_view(
        store, obj, scope_for(store, caller, replica=True), zone_of(store, caller.company)
    )
    render = Renderer(view, [obj.key, obj.id, HREF])
    rows, total = view.page(render.columns, TRUE_SQL, "", LIST_SIZE, 0)
    records = [_reference(obj, record) for record in render.records(rows)]
    return Outcome(ia_page(records, total, 1, LIST_SIZE), len(records), billed=1)


def get_record(store: Store, caller: Caller, obj: RestObject, key: str) -> Outcome:
    refusal = denied(store, caller, obj)
    if refusal is not None:
        return refusal
    scope = scope_for(store, caller)
    zone = zone_of(store, caller.company)
    view = open_view(store, obj, scope, zone)
    one_record = key == SETUP and not {"list", "create"} <= set(obj.operations)
    record = _first(view) if one_record else _one(view, obj.key, key)
    if record is None:
        message = f"{obj.label} with key {key} does not exist"
        return Outcome(refused(404, "notFound", message).response, billed=1)
    count = 1
    _arrays(obj, record)
    if obj.lines:
        lines = _lines(store, scope, zone, obj, record[obj.key])
        record[obj.lines["field"]] = lines
        count += len(lines)
    return Outcome(ia_result(record), count, billed=1)


def _arrays(obj: RestObject, record: dict[str, Any]) -> None:
    """Every list the spec gives the object, where it sits (``memberFilter.filters``
    inside ``memberFilter``), empty: what Sage's answer lists, the emulator keeps no
    rows of (a document's lines are filled after) [U: Sage shows an empty list]."""
    for field in obj.fields.values():
        if field.type != "array":
            continue
        *groups, name = field.name.split(".")
        node = record
        for group in groups:
            inner = node.get(group)
            if not isinstance(inner, dict):
                inner = node[group] = {}
            node = inner
        node.setdefault(name, [])


def _reference(obj: RestObject, record: dict[str, Any]) -> dict[str, Any]:
    """key, id, href, in that order; an object with no id of its own shows its key
    (the list answers' object-reference always has all three) [U]."""
    return {"key": record[obj.key], "id": record.get(obj.id, record[obj.key]), **record}


def _first(view: View) -> dict[str, Any] | None:
    """A settings object's one record: the first there is."""
    render = Renderer(view, whole_names(view))
    rows, _ = view.page(render.columns, TRUE_SQL, "", 1, 0)
    return next(iter(render.records(rows)), None)


def _one(view: View, field: str, key: str) -> dict[str, Any] | None:
    column = view.column(field, "a key")
    if column.column is None:
        return None
    wanted: object = key
    if column.stored.type == "integer":
        if not key.isdigit():
            return None
        wanted = int(key)
    render = Renderer(view, whole_names(view))
    where = Sql(f"{column.sql.text} = ?", (wanted,))
    rows, _ = view.page(render.columns, where, "", 1, 0)
    return next(iter(render.records(rows)), None)


def _lines(
    store: Store, scope: Scope, zone: str, obj: RestObject, key: str
) -> list[dict[str, Any]]:
    """The lines a document owns, whole, in the order they were written."""
    line_obj = served_catalog(store.catalog)[obj.lines["path"]]
    view = open_view(store, line_obj, scope, zone)
    owner = view.column(f"{line_obj.owner['field']}.key", "lines")
    own_key = view.column(line_obj.key, "lines")
    if owner.column is None or own_key.column is None:
        return []
    wanted: object = int(key) if owner.stored.type == "integer" else key
    render = Renderer(view, whole_names(view))
    where = Sql(f"{owner.sql.text} = ?", (wanted,))
    rows, _ = view.page(render.columns, where, f"ORDER BY {own_key.sql.text}", 10**6, 0)
    lines = render.records(rows)
    for line in lines:
        _arrays(line_obj, line)
    return lines
