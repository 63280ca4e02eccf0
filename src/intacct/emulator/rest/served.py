"""The REST catalog the emulator serves: the packaged one
(:func:`~intacct.protocol.rest_catalog.rest_catalog`) with the demo company's custom
fields, as a company's model service lists them (portal: core model service, "custom
fields and objects"): each XML custom field (the XML catalog's ``"custom": true``) of
an object with a REST twin is the REST field ``nsp::<NAME>``, paired with that XML
column, so the model service, the query service, get, create and update read and
write it in the same column XML does. Typed from the XML field: text as ``string``
(an enum of listed values as ``enum``), integer, decimal as ``number``, boolean, date,
timestamp as ``date-time``. [U] Sage's model answer for a custom field beyond its
``nsp::`` name (the portal's examples show the prefix, not the full description)."""

from __future__ import annotations

from functools import cache

from intacct.emulator.catalog import Catalog, FieldDef, load_catalog
from intacct.emulator.catalog.rest_storage import packaged
from intacct.protocol.rest_catalog import (
    CUSTOM,
    RestCatalog,
    RestField,
    RestObject,
)

__all__ = ["STORAGE", "served_catalog", "with_custom_fields"]

#: the XML storage type a REST type keeps (where no XML column says), and back
STORAGE = {
    "integer": "integer",
    "number": "decimal",
    "boolean": "boolean",
    "date": "date",
    "date-time": "timestamp",
}
_TYPES = {**{xml: rest for rest, xml in STORAGE.items()}, "text": "string"}


@cache
def served_catalog() -> RestCatalog:
    """The emulator's REST catalog (immutable, made once): the packaged one, each
    REST-only object bound to its own table (:mod:`~intacct.emulator.catalog.rest_storage`),
    and the packaged XML catalog's custom fields (:func:`with_custom_fields`)."""
    return with_custom_fields(packaged().served, load_catalog())


def with_custom_fields(packaged: RestCatalog, xml: Catalog) -> RestCatalog:
    """``packaged`` with each twin's XML custom fields as ``nsp::<NAME>`` fields."""
    objects: list[RestObject] = []
    for obj in packaged.values():
        twin = xml.get_object(obj.xml_object) if obj.xml_object else None
        paired = {f.xml for f in obj.fields.values() if f.xml}
        found = [
            _field(f) for f in (twin.fields if twin else ()) if f.custom and f.name not in paired
        ]
        objects.append(obj.with_fields(found) if found else obj)
    return RestCatalog(objects)


def _field(xml: FieldDef) -> RestField:
    kind = "enum" if xml.values else _TYPES.get(xml.type, "string")
    return RestField(
        name=f"{CUSTOM}{xml.name}",
        type=kind,
        xml=xml.name,
        enum=(*xml.values, None) if xml.values else (),
        read_only=xml.readonly,
        nullable=True,
    )
