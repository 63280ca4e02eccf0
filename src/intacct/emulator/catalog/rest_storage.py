"""Where the emulator keeps the records of the objects only the REST API has.

An object with an XML twin shares the twin's records (the REST catalog pairs each field
with an XML column). A REST-only object gets a table of its own, described as an
:class:`ObjectDef` named by its REST path, so the store's one set of rules (record
numbers, audit stamps, AUDITHISTORY, unique ids, entities) and the generic seeder work
on it unchanged; the XML gateway never sees it (:class:`~intacct.emulator.catalog.Catalog`).
The REST code then reads the catalog *as served*
(:func:`~intacct.emulator.rest.served.served_catalog`): the same objects,
each REST-only one pointing at its table and each field at its column, so nothing in
the REST routes tells a twin from a REST-only object.

Columns: ``key`` is RECORDNO; the audit and entity groups and ``webURL`` are the store's
own stamps (``audit.createdDateTime`` WHENCREATED...); a reference member is
``<group>.<the target's column>`` (``vendor.key`` -> ``vendor.RECORDNO``, ``vendor.id``
-> ``vendor.VENDORID``, ``vendor.name`` the name field of an XML target; a nested
group's dots become ``__``), the key and id carrying the target as ``ref``, which is how
the generic seeder points a row at a record that exists and copies what it shows of it;
any other member of a group is ``<group>__<member>``, a value of its own; a top-level
field keeps its name; who created or changed a record beyond the stamps
(``audit.createdByUser.id``) has no column.
Objects computed from XML records (``derived_from``) keep no table.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from intacct.emulator.catalog import ObjectDef, xml_objects
from intacct.protocol.rest_catalog import (
    STAMPS,
    RestCatalog,
    RestField,
    RestObject,
    rest_catalog,
)

__all__ = [
    "BINARY_FORMATS",
    "DOCUMENT_TYPE",
    "PARAMETER",
    "STORAGE",
    "Storage",
    "encoded",
    "packaged",
    "storage_of",
]

#: the specs' formats of bytes carried as text [U: what each holds beyond its name]:
#: base64 of a zip's bytes, base64 for URLs, a file's bytes as base64
BINARY_FORMATS = frozenset({"base64zip", "base64url", "outbound-binary"})


def encoded(encoding: str, data: bytes) -> str:
    """``data`` as a field of ``encoding`` (one of :data:`BINARY_FORMATS`) carries it."""
    if encoding == "base64url":
        return base64.urlsafe_b64encode(data).decode("ascii")
    if encoding == "base64zip":
        return base64.b64encode(zlib.compress(data)).decode("ascii")
    return base64.b64encode(data).decode("ascii")


_STAMP_COLUMNS = frozenset(STAMPS.values())
#: the XML storage type a REST type keeps where no XML column says (the emulator's one
#: table of it: REST-only tables, constants of unpaired fields, custom fields back)
_OWN = {"enum": "enum"}  # a REST-only table keeps its enums as such
STORAGE: Mapping[str, str] = {
    "integer": "integer",
    "number": "decimal",
    "boolean": "boolean",
    "date": "date",
    "date-time": "timestamp",
}


@dataclass(frozen=True, slots=True)
class Storage:
    """The REST-only objects' tables, and the REST catalog as the emulator serves it."""

    tables: tuple[ObjectDef, ...]
    served: RestCatalog


@cache
def packaged() -> Storage:
    """The packaged REST catalog's storage (cached: immutable)."""
    return storage_of(rest_catalog(), xml_objects())


def storage_of(rest: RestCatalog, xml: Mapping[str, ObjectDef]) -> Storage:
    """A table for each REST-only object of ``rest`` (``xml``: the XML objects by name)."""
    own = [o for o in rest.values() if _kept(o)]
    names = {o.path: _id_column(o) for o in own}
    tables: list[ObjectDef] = []
    served: list[RestObject] = []
    for obj in rest.values():
        if "::" in obj.path:
            continue  # served per definition over its twin's records (rest/documents.py)
        if obj not in own:
            served.append(obj)
            continue
        columns = _distinct(
            {f.name: _column(f, obj, rest, xml, names) for f in obj.fields.values()}
        )
        tables.append(_table(obj, columns, rest, xml, names))
        fields = {n: replace(f, xml=columns[n]) if columns[n] else f for n, f in obj.fields.items()}
        served.append(replace(obj, xml_object=obj.path, fields=fields))
    return Storage(tuple(tables), RestCatalog(served))


#: a transaction definition's documents are addressed ``<path>::<definition name>``
PARAMETER = "::{documentName}"
#: the field of a document naming its transaction definition (``Sales Order``)
DOCUMENT_TYPE = "documentType"


def _definitions(obj: RestObject, rest: RestCatalog) -> str | None:
    """The XML object holding the transaction definitions a REST-only document's
    ``documentType`` names (``order-entry/recurring-document``: its module's
    ``txn-definition``, SODOCUMENTPARAMS) when a parameterized object is served over it;
    else None."""
    definitions = rest.get(f"{obj.path.split('/', 1)[0]}/txn-definition")
    if obj.path + PARAMETER not in rest or definitions is None:
        return None
    return definitions.xml_object


def _kept(obj: RestObject) -> bool:
    """A REST-only object with records of its own; a parameterized one
    (``order-entry/document::{documentName}``) has none: it shows its twin's."""
    return obj.xml_object is None and obj.derived is None and "::" not in obj.path


def _distinct(columns: Mapping[str, str | None]) -> dict[str, str | None]:
    """Column names SQLite tells apart (it ignores case): a field whose column another
    field or a stamp already has, case aside, gets ``__2``, ``__3``..."""
    taken = {stamp.upper() for stamp in _STAMP_COLUMNS}
    found: dict[str, str | None] = {}
    for name, column in columns.items():
        if column is None or column in _STAMP_COLUMNS:
            found[name] = column  # the stamps serve every field that shows them
            continue
        unique, n = column, 1
        while unique.upper() in taken:
            n += 1
            unique = f"{column}__{n}"
        taken.add(unique.upper())
        found[name] = unique
    return found


def _id_column(obj: RestObject) -> str:
    """The column of the object's business id: RECORDNO when the id is the key or the
    system assigns it (read-only), else ``id``."""
    field = obj.fields.get(obj.id)
    if obj.id == obj.key or field is None or field.read_only:
        return "RECORDNO"
    return obj.id


def _column(
    field: RestField,
    obj: RestObject,
    rest: RestCatalog,
    xml: Mapping[str, ObjectDef],
    ids: Mapping[str, str],
) -> str | None:
    """The column that holds ``field`` (None: a list, kept nowhere)."""
    if field.type == "array" or field.name == "href":
        return None
    if field.name in STAMPS:
        return STAMPS[field.name]
    if field.name == obj.id:
        return ids[obj.path]
    if "." not in field.name:
        return field.name
    if field.name.startswith("audit."):
        return None  # who changed it beyond the stamps: no column, as on the twins [U]
    group, _, member = field.name.rpartition(".")
    target = _target(field, rest, xml, ids)
    column = None if target is None else _member_column(member, target, xml, ids)
    if column is not None:
        return f"{group.replace('.', '__')}.{column}"
    return field.name.replace(".", "__")


def _target(
    field: RestField, rest: RestCatalog, xml: Mapping[str, ObjectDef], ids: Mapping[str, str]
) -> str | None:
    """The stored object a reference member points at (an XML object's name or a
    REST-only path), None when it is no reference the emulator can follow."""
    if field.ref is None or field.ref_field is None:
        return None
    if field.ref in ids:
        return field.ref
    twin = rest.get(field.ref)
    if twin is not None and twin.xml_object is not None and twin.xml_object in xml:
        return twin.xml_object
    return None


def _member_column(
    member: str, target: str, xml: Mapping[str, ObjectDef], ids: Mapping[str, str]
) -> str | None:
    """The target's column a reference member copies (None: a value of its own)."""
    if member == "key":
        return "RECORDNO"
    if member == "id":
        return ids[target] if target in ids else (xml[target].id_field or "RECORDNO")
    if target in xml and member == "name" and xml[target].name_field:
        return str(xml[target].name_field)
    return None


def _table(
    obj: RestObject,
    columns: Mapping[str, str | None],
    rest: RestCatalog,
    xml: Mapping[str, ObjectDef],
    ids: Mapping[str, str],
) -> ObjectDef:
    fields: dict[str, dict[str, Any]] = {}
    for name, column in columns.items():
        field = obj.fields[name]
        if column is None or column in fields or column in _STAMP_COLUMNS:
            continue
        target = _target(field, rest, xml, ids)
        twin = xml.get(target) if target else None
        copied = twin.field(column.rpartition(".")[2]) if twin else None
        fields[column] = _field(field, column, target, copied.type if copied else None)
    definitions = _definitions(obj, rest)
    if definitions is not None and DOCUMENT_TYPE in fields:
        # the seeder then gives each record a definition the company has, as DOCPARID is
        fields[DOCUMENT_TYPE]["ref"] = definitions
    id_column = ids[obj.path]
    return ObjectDef.from_data(
        {
            "name": obj.path,
            "module": obj.path.split("/", 1)[0],
            "label": obj.label,
            "fields": list(fields.values()),
            "id_field": None if id_column == "RECORDNO" else id_column,
            "entity_scoped": "entity.key" in obj.fields,
            "writable": bool({"create", "update", "delete"} & set(obj.operations)),
            "sources": [f"REST catalog: {obj.path}"],
            # a company has one of each settings object [U: preferences, singletons]
            "seed": {"rows": 1} if _settings(obj) else {},
        }
    )


def _field(field: RestField, column: str, target: str | None, copied: str | None) -> dict[str, Any]:
    """``copied``: the storage type of the XML column a reference member copies."""
    amount = "-precision-" in field.format and field.type in ("string", "number")
    data: dict[str, Any] = {
        "name": column,
        "type": "decimal" if amount else STORAGE.get(field.type, _OWN.get(field.type, "text")),
        "readonly": field.read_only,
        "required": field.required and not field.read_only,
    }
    if amount and field.format.startswith("percent"):
        data["datatype"] = "PERCENT"
    if field.format in BINARY_FORMATS:
        data["encoding"] = field.format
    if field.type == "enum":
        data["values"] = [v for v in field.enum if v is not None]
        if not data["values"]:
            data["type"] = "text"
            data.pop("values")
    if target is not None and "." in column:
        if field.ref_field in ("id", "key"):
            data["ref"] = target  # the record it names: the seeder picks one per group
        data.pop("values", None)
        data["type"] = "integer" if column.endswith(".RECORDNO") else copied or "text"
    return data


def _settings(obj: RestObject) -> bool:
    return obj.path.endswith("/setup") or obj.path.rsplit("/", 1)[-1].endswith("-preference")
