"""The emulated object catalog, loaded from data (``objects/<module>.json``).

One :class:`ObjectDef` per Intacct object with its fields (type, lookup DATATYPE,
required, read-only, length, enum values, reference to another object), its business id
field, the legacy 2.1 function names it supports, whether its records belong to an
entity, where its field list was taken from (``sources``) and how many rows the generic
seeder gives it (``seed``). Store, handlers and ``lookup``/``inspect`` all read the same
definitions. One file per Intacct module keeps the data reviewable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

__all__ = [
    "AUDIT_FIELDS",
    "DATATYPES",
    "Catalog",
    "FieldDef",
    "ObjectDef",
    "catalog_files",
    "custom_field",
    "custom_object",
    "load_catalog",
    "xml_objects",
]

#: field types: integer, decimal, text, boolean, date, timestamp, enum
TYPES = ("integer", "decimal", "text", "boolean", "date", "timestamp", "enum")

#: lookup's DATATYPE per storage type; a field's ``datatype`` may name another of
#: :data:`DATATYPES` where Intacct shows one (CURRENCY/PERCENT amounts, SEQUENCE ids,
#: enums listed as TEXT with VALIDVALUES).
DEFAULT_DATATYPES = {
    "integer": "INTEGER",
    "decimal": "DECIMAL",
    "text": "TEXT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "enum": "ENUM",
}
DATATYPES = frozenset(DEFAULT_DATATYPES.values()) | {"CURRENCY", "PERCENT", "SEQUENCE"}
_DATATYPES_BY_TYPE = {
    "integer": {"INTEGER", "SEQUENCE"},
    "decimal": {"DECIMAL", "CURRENCY", "PERCENT"},
    "text": {"TEXT", "SEQUENCE"},
    "enum": {"ENUM", "TEXT"},
}

#: maintained by the store on every object (unless the object opts out).
AUDIT_FIELDS: tuple[dict[str, Any], ...] = (
    {"name": "RECORDNO", "type": "integer", "readonly": True, "label": "Record number"},
    {"name": "WHENCREATED", "type": "timestamp", "readonly": True, "label": "When created"},
    {"name": "WHENMODIFIED", "type": "timestamp", "readonly": True, "label": "When modified"},
    {"name": "CREATEDBY", "type": "integer", "readonly": True, "label": "Created by"},
    {"name": "MODIFIEDBY", "type": "integer", "readonly": True, "label": "Modified by"},
    {"name": "MEGAENTITYKEY", "type": "integer", "readonly": True, "label": "Entity key"},
    {"name": "MEGAENTITYID", "type": "text", "readonly": True, "label": "Entity ID"},
    {"name": "MEGAENTITYNAME", "type": "text", "readonly": True, "label": "Entity name"},
    {"name": "RECORD_URL", "type": "text", "readonly": True, "label": "Record URL"},
)


@dataclass(frozen=True, slots=True)
class FieldDef:
    name: str
    type: str = "text"
    label: str = ""
    description: str = ""
    required: bool = False
    readonly: bool = False
    maxlength: int | None = None
    values: tuple[str, ...] = ()  # enum values as the 3.0 functions show them
    codes: tuple[str, ...] = ()  # stored codes readByQuery compares against ('T'/'F')
    query_takes_codes: bool = False  # swapped: query compares codes, readByQuery values
    autonumber: bool = False  # Intacct numbers it when a create leaves it out
    default: str | None = None
    ref: str | None = None  # object whose id field this field holds
    custom: bool = False
    queryable: bool = True  # False: "The following fields cannot be queried"
    datatype: str = ""  # lookup DATATYPE; "" means DEFAULT_DATATYPES[type]
    #: how a REST-only table's text holds bytes: the REST format (base64zip, base64url,
    #: outbound-binary); "" for plain text
    encoding: str = ""

    @property
    def lookup_type(self) -> str:
        return self.datatype or DEFAULT_DATATYPES[self.type]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> FieldDef:
        kind = data.get("type", "text")
        if kind not in TYPES:
            raise ValueError(f"field {data.get('name')!r}: unknown type {kind!r}")
        datatype = data.get("datatype", "")
        if datatype and datatype not in _DATATYPES_BY_TYPE.get(kind, {DEFAULT_DATATYPES[kind]}):
            raise ValueError(f"field {data.get('name')!r}: {kind} cannot be {datatype}")
        return cls(
            name=data["name"],
            type=kind,
            label=data.get("label", ""),
            description=data.get("description", ""),
            required=data.get("required", False),
            readonly=data.get("readonly", False),
            maxlength=data.get("maxlength"),
            values=tuple(data.get("values", ())),
            codes=tuple(data.get("codes", ())),
            query_takes_codes=bool(data.get("query_takes_codes", False)),
            autonumber=bool(data.get("autonumber", False)),
            default=data.get("default"),
            ref=data.get("ref"),
            custom=data.get("custom", False),
            queryable=data.get("queryable", True),
            datatype=datatype,
            encoding=data.get("encoding", ""),
        )


#: what a custom field added at run time may say (:func:`custom_field`)
_CUSTOM_KEYS = frozenset({"name", "type", "label", "description", "values", "maxlength"})
_CUSTOM_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,59}")


def custom_field(data: Mapping[str, Any]) -> FieldDef:
    """A custom field a company adds (``{"name": "LOYALTY_TIER", "type": "enum",
    "values": [...]}``), ValueError naming what is wrong. Its id is upper-case letters,
    digits and underscores, as Intacct's custom field ids [U: the length limit]."""
    unknown = sorted(set(data) - _CUSTOM_KEYS)
    if unknown:
        raise ValueError(f"a custom field has no {', '.join(unknown)} (it may give "
                         f"{', '.join(sorted(_CUSTOM_KEYS))})")  # fmt: skip
    name = data.get("name")
    if not isinstance(name, str) or not _CUSTOM_NAME.fullmatch(name):
        raise ValueError(f"a custom field's name is A-Z, 0-9 and _ from a letter, not {name!r}")
    values = data.get("values", [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise ValueError(f"{name}: values is a list of texts")
    if (data.get("type") == "enum") != bool(values):
        raise ValueError(f"{name}: an enum and only an enum lists its values")
    maxlength = data.get("maxlength")
    if maxlength is not None and (type(maxlength) is not int or maxlength < 1):
        raise ValueError(f"{name}: maxlength is a whole number from 1")
    return FieldDef.from_data({**data, "custom": True, "readonly": False})


def custom_object(data: Mapping[str, Any]) -> ObjectDef:
    """A user-defined dimension a company adds (``{"name": "PROGRAM", "label":
    "Program", "fields": [<custom fields>]}``), as the packaged FUND is made: its id NAME,
    a DESCRIPTION, its own fields (:func:`custom_field`) and a STATUS; ValueError naming
    what is wrong. [U] Platform Services' object screen, as FUND's sources say."""
    unknown = sorted(set(data) - {"name", "label", "fields"})
    if unknown:
        raise ValueError(f"a custom object has no {', '.join(unknown)} (name, label, fields)")
    name, label, fields = data.get("name"), data.get("label", ""), data.get("fields", [])
    if not isinstance(name, str) or not _CUSTOM_NAME.fullmatch(name):
        raise ValueError(f"a custom object's name is A-Z, 0-9 and _ from a letter, not {name!r}")
    if not isinstance(label, str) or not isinstance(fields, list):
        raise ValueError(f"{name}: label is a text and fields a list")
    own = [custom_field(f) if isinstance(f, Mapping) else _not_a_field(name, f) for f in fields]
    taken = {"NAME", "DESCRIPTION", "STATUS"} & {f.name for f in own}
    if taken or len({f.name for f in own}) != len(own):
        twice = ", ".join(sorted(taken)) or "two of its own fields"
        raise ValueError(f"{name}: a field is named twice ({twice})")
    return ObjectDef.from_data({
        "name": name, "module": "PT", "label": label or name.title(), "plural": "",
        "id_field": "NAME", "name_field": "DESCRIPTION", "entity_scoped": False,
        "dimension": True, "user_defined_dimension": True,
        "sources": ["added at run time (/_emulator/custom-objects)"],
        "fields": [
            {"name": "NAME", "type": "text", "label": f"{label or name} ID", "required": True,
             "maxlength": 100},
            {"name": "DESCRIPTION", "type": "text", "label": "Description", "maxlength": 200},
            *({**f, "custom": True} for f in fields),
            {"name": "STATUS", "type": "enum", "label": "Status",
             "values": ["active", "inactive"], "codes": ["T", "F"], "default": "active"},
        ],
    })  # fmt: skip


def _not_a_field(name: str, given: object) -> FieldDef:
    raise ValueError(f"{name}: each field is an object, not {given!r}")


@dataclass(frozen=True, slots=True)
class ObjectDef:
    name: str  # upper-case, as 3.0 functions use it
    module: str
    label: str
    plural: str
    fields: tuple[FieldDef, ...]
    id_field: str | None = None  # readByName key / business id (VENDORID, ACCOUNTNO, ...)
    name_field: str | None = None
    entity_scoped: bool = True  # records belong to an entity in a multi-entity company
    writable: bool = True  # False for views such as GLDETAIL, AUDITHISTORY
    legacy: Mapping[str, str] = dc_field(default_factory=dict)  # {"key_attr": "vendorid", ...}
    owned: Mapping[str, str] = dc_field(default_factory=dict)  # {"ENTRIES": "GLENTRY"}
    parent: str | None = None  # owner object of a line object (GLENTRY -> GLBATCH)
    parent_key: str | None = None  # field on the line holding the owner's RECORDNO
    dimension: bool = False  # listed by getDimensions
    user_defined_dimension: bool = False
    sources: tuple[str, ...] = ()  # where the field list was taken from (pages, SDKs, XSD)
    seed: Mapping[str, Any] = dc_field(default_factory=dict)  # generic seeder: rows, per_scale
    _by_name: dict[str, FieldDef] = dc_field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_name.update({f.name: f for f in self.fields})

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ObjectDef:
        own = [FieldDef.from_data(f) for f in data["fields"]]
        # Owned collection names are upper-case, so a 2.1 request's lower-case container
        # matches once upper-cased, with no case-insensitive search anywhere else.
        for container in data.get("owned", {}):
            if container != container.upper():
                raise ValueError(
                    f"{data['name']}: owned collection {container!r} must be upper-case"
                )
        names = {f.name for f in own}
        audit = (
            []
            if data.get("no_audit_fields")
            else [FieldDef.from_data(f) for f in AUDIT_FIELDS if f["name"] not in names]
        )
        return cls(
            name=data["name"],
            module=data.get("module", ""),
            label=data.get("label", ""),
            plural=data.get("plural", ""),
            fields=tuple(audit[:1] + own + audit[1:]),
            id_field=data.get("id_field"),
            name_field=data.get("name_field"),
            entity_scoped=data.get("entity_scoped", True),
            writable=data.get("writable", True),
            legacy=dict(data.get("legacy", {})),
            owned=dict(data.get("owned", {})),
            parent=data.get("parent"),
            parent_key=data.get("parent_key"),
            dimension=data.get("dimension", False),
            user_defined_dimension=data.get("user_defined_dimension", False),
            sources=tuple(data.get("sources", ())),
            seed=dict(data.get("seed", {})),
        )

    def field(self, name: str) -> FieldDef | None:
        return self._by_name.get(name)

    @property
    def fields_by_name(self) -> Mapping[str, FieldDef]:
        """The same mapping object on every call (translators cache on it)."""
        return self._by_name

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


class Catalog(Mapping[str, ObjectDef]):
    """XML objects by upper-case name; lookups are case-insensitive.

    ``rest_only``: the storage of the objects only the REST API has (named by their
    REST path, :mod:`intacct.emulator.rest.storage`). The store keeps their tables and
    the generic seeder fills them (:meth:`stored`), and ``catalog[path]`` finds them,
    but the XML gateway never sees them: iterating the catalog and :meth:`get_object`
    (an XML request's object) know only the XML objects.

    ``services``: objects of a service rather than of the company's books (DDSJOB, the
    Data Delivery Service's jobs, :mod:`intacct.emulator.dds`): the store keeps their
    tables and :meth:`get_object` finds them, so XML's reads and ``lookup`` serve them,
    but iterating the catalog does not list them (so no seeder, ``inspect *`` or REST
    pairing sees them) [U: whether Intacct's ``inspect *`` lists DDSJOB]."""

    def __init__(
        self,
        objects: list[ObjectDef],
        rest_only: Sequence[ObjectDef] = (),
        services: Sequence[ObjectDef] = (),
    ) -> None:
        self._objects = {o.name.upper(): o for o in objects}
        self._rest_only = {o.name: o for o in rest_only}
        self._services = {o.name.upper(): o for o in services}
        #: changes since it was made (:meth:`add_field`, :meth:`add_object`): 0 while it
        #: is as it was made
        self.revision = 0
        self._parent: Catalog | None = None
        self._derived: dict[str, Any] = {}

    def copy(self) -> Catalog:
        """A catalog of its own (a store's: fields and objects added to it stay there)
        that shares what is derived from this one until it changes."""
        made = Catalog([], ())
        made._objects, made._rest_only = dict(self._objects), dict(self._rest_only)
        made._services = dict(self._services)
        made._parent = self
        return made

    def add_field(self, name: str, field: FieldDef) -> ObjectDef:
        """The object ``name`` with ``field`` added (a custom field the company added);
        the object's definition is replaced, never changed in place (readers holding the
        old one see a whole definition)."""
        obj = self[name]
        if obj.field(field.name) is not None:
            raise ValueError(f"{obj.name} has a field {field.name} already")
        added = replace(obj, fields=(*obj.fields, field), _by_name={})
        self._changed(added)
        return added

    def add_object(self, obj: ObjectDef) -> None:
        """An object the company added (a user-defined dimension)."""
        if obj.name.upper() in self._objects:
            raise ValueError(f"there is an object {obj.name} already")
        self._changed(obj)

    def remove_object(self, name: str) -> None:
        """An object the company removed: gone from a new mapping (readers of the old
        one go on undisturbed)."""
        self._objects = {k: v for k, v in self._objects.items() if k != name.upper()}
        self.revision += 1
        self._derived = {}

    def _changed(self, obj: ObjectDef) -> None:
        """``obj`` in place of its namesake (or added): a new mapping, so a reader
        iterating the old one goes on undisturbed."""
        self._objects = {**self._objects, obj.name.upper(): obj}
        self.revision += 1
        self._derived = {}

    def derived(self, key: str, make: Callable[[], Any]) -> Any:
        """What ``make`` derives from this catalog (the REST catalog it serves), made once
        per revision; an unchanged copy's is its parent's."""
        if self._parent is not None and self.revision == 0:
            return self._parent.derived(key, make)
        if key not in self._derived:
            self._derived[key] = make()
        return self._derived[key]

    def __getitem__(self, name: str) -> ObjectDef:
        found = (
            self._objects.get(name.upper())
            or self._rest_only.get(name)
            or self._services.get(name.upper())
        )
        if found is None:
            raise KeyError(name)
        return found

    def stored(self) -> list[ObjectDef]:
        """Every object with a table: the XML objects, the REST-only ones, the services'."""
        return [*self._objects.values(), *self._rest_only.values(), *self._services.values()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._objects)

    def __len__(self) -> int:
        return len(self._objects)

    def get_object(self, name: str) -> ObjectDef | None:
        return self._objects.get(name.upper()) or self._services.get(name.upper())


def catalog_files() -> list[Traversable]:
    """The packaged ``objects/*.json`` files, in name order."""
    folder = resources.files(__package__).joinpath("objects")
    return sorted((f for f in folder.iterdir() if f.name.endswith(".json")), key=lambda f: f.name)


@cache
def xml_objects() -> Mapping[str, ObjectDef]:
    """The packaged XML objects by name (cached: immutable). A name defined twice is an
    error."""
    objects: dict[str, ObjectDef] = {}
    for file in catalog_files():
        for data in json.loads(file.read_text(encoding="utf-8"))["objects"]:
            obj = ObjectDef.from_data(data)
            if obj.name in objects:
                raise ValueError(f"{file.name}: object {obj.name} is defined twice")
            objects[obj.name] = obj
    return objects


@cache
def load_catalog() -> Catalog:
    """The packaged catalog: the XML objects and the REST-only objects' tables."""
    from intacct.emulator.catalog.rest_storage import packaged  # it builds on this module
    from intacct.emulator.dds.objects import SERVICE_OBJECTS  # it builds on this module

    return Catalog(list(xml_objects().values()), packaged().tables, SERVICE_OBJECTS)
