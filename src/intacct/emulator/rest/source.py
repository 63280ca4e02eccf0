"""Where a REST object's rows come from: the XML object it shares records with (the
store, scoped as the XML side scopes an entity session), or, for a REST-only object,
rows computed from XML records (:class:`~intacct.emulator.store.scratch.Scratch`).

:class:`View` pairs each REST field with a :class:`Column`: the XML column the catalog
names (``xml``), or a constant (its ``default``, else null) for REST data the XML
records lack; arrays are no columns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from intacct.emulator.catalog import FieldDef, ObjectDef
from intacct.emulator.catalog.rest_storage import STORAGE
from intacct.emulator.querylang.core import Sql
from intacct.emulator.querylang.rest_values import Column, RestQueryError
from intacct.emulator.rest.documents import Placement, document_filter, placement
from intacct.emulator.store import Scope, Store
from intacct.emulator.store.records import order_key
from intacct.emulator.store.scratch import Scratch, Source
from intacct.emulator.values import to_db
from intacct.protocol.rest_catalog import RestField, RestObject

__all__ = ["View", "open_view"]

_STORAGE = STORAGE


@dataclass(frozen=True, slots=True)
class _Records(Source):
    """An XML object's records as one scope sees them."""

    store: Store
    obj: ObjectDef
    scope: Scope
    #: the records a concrete parameterized object holds (:mod:`.documents`)
    only: Sql | None = None

    def page(
        self, names: Sequence[str], where: Sql, order: str, limit: int, offset: int
    ) -> tuple[list[tuple[Any, ...]], int]:
        if self.only is not None:
            where = Sql(
                f"({where.text}) AND ({self.only.text})", (*where.params, *self.only.params)
            )
        select = [("field", n) for n in names] or [("field", "RECORDNO")]
        rows, total = self.store.query(
            self.obj, self.scope, select, where.text, where.params, order, limit, offset
        )
        return rows, total


@dataclass(frozen=True, slots=True)
class View:
    obj: RestObject
    columns: Mapping[str, Column]
    source: Source
    zone: str
    xml: ObjectDef | None
    #: where a record's own href puts it, when not at ``obj``'s path (:mod:`.documents`)
    placement: Placement | None = None

    def column(self, name: str, use: str) -> Column:
        """The column of field ``name``; RestQueryError naming it when there is none."""
        found = self.columns.get(name)
        if found is not None:
            return found
        if name in self.obj.fields:
            raise RestQueryError(f"'{name}' is a list and cannot be used in {use}.", name)
        raise RestQueryError(f"{name} is not a valid field", name, error_id="REST-1043")

    def page(
        self, names: Sequence[str], where: Sql, order: str, limit: int, offset: int
    ) -> tuple[list[tuple[Any, ...]], int]:
        """A page of rows (the values of ``names``, in that order) and the total."""
        return self.source.page(names, where, order, limit, offset)


def _synthetic(field: RestField, name: str | None = None) -> FieldDef:
    amount = "-precision-" in field.format  # an amount's text; base64 and others: text
    kind = "decimal" if amount else _STORAGE.get(field.type, "text")
    return FieldDef(name=name or field.name, type=kind)


def _constant(field: RestField) -> Column:
    stored = _synthetic(field)
    default = field.default
    if field.type == "enum" and default is not None:
        default = field.xml_values.get(default, default)
    return Column(field, stored, None, (to_db(stored, default),))


def _xml_columns(obj: RestObject, xml: ObjectDef) -> dict[str, Column]:
    columns: dict[str, Column] = {}
    for field in obj.fields.values():
        if field.type == "array" or field.name == "href":
            continue
        stored = xml.field(field.xml) if field.xml else None
        if stored is None and field.name == obj.id:
            stored = _own_key(obj, xml)
        columns[field.name] = (
            _constant(field) if stored is None else Column(field, stored, stored.name)
        )
    return columns


def _own_key(obj: RestObject, xml: ObjectDef) -> FieldDef | None:
    """The column a record's ``id`` shows where its twin has no business id: its key,
    as the portal's lists show such objects (``"key": "15", "id": "15"``: order-entry
    renewal-template) and as Sage's object reference types it (a string, never null)."""
    key = obj.fields.get(obj.key)
    return xml.field(key.xml) if key is not None and key.xml else None


def open_view(store: Store, obj: RestObject, scope: Scope, zone: str) -> View:
    """``obj`` as ``scope`` sees it."""
    if obj.xml_object is not None:
        xml = store.catalog[obj.xml_object]
        records = _Records(store, xml, scope, document_filter(store, obj, scope))
        at = placement(store, scope, obj)
        return View(obj, _xml_columns(obj, xml), records, zone, xml, at)
    fields, rows = _derived_rows(store, obj, scope)
    columns = {
        f.name: Column(f, stored, stored.name)
        for f, stored in zip(obj.fields.values(), fields, strict=True)
        if f.type != "array" and f.name != "href"
    }
    return View(obj, columns, Scratch(fields, rows), zone, None)


def _derived_rows(
    store: Store, obj: RestObject, scope: Scope
) -> tuple[list[FieldDef], list[dict[str, Any]]]:
    """The computed rows of a REST-only object: one per record of ``derived.xml_object``
    the caller sees, its ``totals`` summed over the matching records the caller sees;
    an object with no ``derived_from`` has no rows."""
    derived = obj.derived
    base = store.catalog[derived.xml_object] if derived else None
    fields: list[FieldDef] = []
    for field in obj.fields.values():
        column = derived.fields.get(field.name) if derived else None
        found = base.field(column) if base and column else None
        fields.append(replace(found, name=field.name) if found else _synthetic(field))
    if derived is None or base is None:
        return fields, []
    names = sorted(set(derived.fields.values()) | {m for _, _, m in derived.totals.values()})
    records = store.rows(base, scope, names, order=_undefined_order(store, base))
    rows = [{rest: r[xml] for rest, xml in derived.fields.items()} for r in records]
    for name, (summed_object, amount, match) in derived.totals.items():
        totals = _totals(store, store.catalog[summed_object], scope, amount, match)
        for row, record in zip(rows, records, strict=True):
            row[name] = totals.get(record[match], "0")
    return fields, rows


def _undefined_order(store: Store, obj: ObjectDef) -> str:
    return f"ORDER BY {order_key(obj)}"


def _totals(store: Store, obj: ObjectDef, scope: Scope, amount: str, match: str) -> dict[Any, str]:
    rows, _ = store.query(obj, scope, [("field", match), ("sum", amount)], limit=10**9)
    return {key: f"{total:.2f}" for key, total in rows if total is not None}
