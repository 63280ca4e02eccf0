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

from intacct.emulator.catalog import Catalog, FieldDef, ObjectDef, load_catalog
from intacct.emulator.catalog.rest_storage import STORAGE, packaged
from intacct.protocol.rest_catalog import (
    CUSTOM,
    RestCatalog,
    RestField,
    RestObject,
)

__all__ = [
    "STORAGE",
    "custom_object_path",
    "served_catalog",
    "with_custom_fields",
    "with_custom_objects",
]

_TYPES = {**{xml: rest for rest, xml in STORAGE.items()}, "text": "string"}


def served_catalog(xml: Catalog | None = None) -> RestCatalog:
    """The REST catalog the emulator serves over the XML catalog ``xml`` (a store's;
    None: the packaged one), made once per revision of it: the packaged REST catalog,
    each REST-only object bound to its own table
    (:mod:`~intacct.emulator.catalog.rest_storage`), ``xml``'s custom fields
    (:func:`with_custom_fields`, those added at run time too) and its user-defined
    dimensions as custom objects (:func:`with_custom_objects`)."""
    over = xml if xml is not None else load_catalog()
    made = over.derived(
        "rest", lambda: with_custom_objects(with_custom_fields(packaged().served, over), over)
    )
    assert isinstance(made, RestCatalog)
    return made


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


#: what a custom object's record shows beside its own fields [U: Platform Services
#: objects through REST are described only by example (``nsp::travel``)]
_SYSTEM = {
    "RECORDNO": "key",
    "WHENCREATED": "audit.createdDateTime",
    "WHENMODIFIED": "audit.modifiedDateTime",
    "CREATEDBY": "audit.createdByUser.key",
    "MODIFIEDBY": "audit.modifiedByUser.key",
    "MEGAENTITYKEY": "entity.key",
    "MEGAENTITYID": "entity.id",
    "MEGAENTITYNAME": "entity.name",
    "RECORD_URL": "webURL",
}


def custom_object_path(obj: ObjectDef) -> str:
    """A user-defined dimension's REST object: ``platform-apps/nsp::<integration name>``
    (portal: custom-resources/user-defined-dimensions, its example ``nsp::travel``) [U:
    the integration name taken as the object's name in lower case]."""
    return f"platform-apps/nsp::{obj.name.lower()}"


def with_custom_objects(served: RestCatalog, xml: Catalog) -> RestCatalog:
    """``served`` with each user-defined dimension as a custom object over the XML
    object's own records (the company's model service lists it; the packaged catalog
    cannot): its business id ``id``, its other fields by their XML names in lower case
    [U], the system's stamps as every object shows them."""
    made = [_custom_object(obj) for obj in xml.values() if obj.user_defined_dimension]
    return RestCatalog([*served.values(), *made])


def _custom_object(obj: ObjectDef) -> RestObject:
    fields = {
        name: RestField(
            name=name,
            type=_custom_type(name, f),
            xml=f.name,
            enum=(*f.values, None) if f.values else (),
            read_only=f.readonly or f.name in _SYSTEM,
            required=f.required,
            nullable=not f.required,
        )
        for f in obj.fields
        for name in [_custom_name(obj, f)]
    }
    fields["href"] = RestField(name="href", type="string", read_only=True)
    return RestObject(
        path=custom_object_path(obj),
        xml_object=obj.name,
        key="key",
        id="id" if obj.id_field else "key",
        operations=("list", "get", "create", "update", "delete"),
        permissions={},
        fields=fields,
    )


def _custom_name(obj: ObjectDef, field: FieldDef) -> str:
    if field.name == obj.id_field:
        return "id"
    return _SYSTEM.get(field.name) or field.name.lower()


def _custom_type(name: str, field: FieldDef) -> str:
    if name in ("key", "id") or name.endswith("User.key"):
        return "string"  # keys and ids travel as strings, whatever stores them
    return "enum" if field.values else _TYPES.get(field.type, "string")
