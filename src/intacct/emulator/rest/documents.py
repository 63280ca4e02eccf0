"""The parameterized REST objects: a transaction definition's documents and lines,
``order-entry/document::{documentName}`` (the REST catalog's ``kind:
parameterizedObject``), served per transaction definition the company has:
``/objects/order-entry/document::Sales Invoice`` (URL-encoded on the wire), the query
service's ``"object": "order-entry/document::Sales Invoice"``, the model service's
``name=objects/order-entry/document::Sales Invoice``.

A concrete path shares the XML twin's records as the unparameterized object does
(``order-entry/document`` over SODOCUMENT): the records whose transaction definition
(DOCPARID) is the name; a line object (``document-line::<name>``) the lines whose
header's is. The company's names are its transaction definitions (the DOCID of the
object DOCPARID names, SODOCUMENTPARAMS...). [U] Sage's model list names each concrete
path the company has (``order-entry/document::Sales Order``), not the template; an
unknown name is refused as an unknown object is. The recurring documents
(``order-entry/recurring-document::<name>``) have no XML twin in the emulator: they are
served the same way over the REST-only table of ``order-entry/recurring-document``, whose
``documentType`` names the definition (:mod:`~intacct.emulator.catalog.rest_storage`).

A document and a line are at home at their definition's concrete path, whichever path
read them: their own ``href`` names it (:func:`placement`), as Sage's lists do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cache, lru_cache
from typing import Any
from urllib.parse import quote

from intacct.emulator.catalog import FieldDef, ObjectDef
from intacct.emulator.catalog.rest_storage import DOCUMENT_TYPE, PARAMETER
from intacct.emulator.querylang.core import Sql
from intacct.emulator.rest.served import served_catalog
from intacct.emulator.store import Scope, Store
from intacct.protocol.rest_catalog import RestObject, rest_catalog

__all__ = [
    "PARAMETER",
    "concrete",
    "definition_of",
    "document_filter",
    "documents_of",
    "holds",
    "placement",
    "served_object",
    "templates",
]

#: the field naming a header's transaction definition (an XML twin's, a REST-only
#: table's), and a line's header
_DEFINITIONS = ("DOCPARID", DOCUMENT_TYPE)
_HEADER = "DOCHDRNO"


@cache
def templates() -> tuple[tuple[RestObject, RestObject], ...]:
    """(template, the unparameterized twin it shares records with) for each
    parameterized object whose twin has XML records (made once: immutable)."""
    found: list[tuple[RestObject, RestObject]] = []
    for obj in rest_catalog().values():
        if not obj.path.endswith(PARAMETER):
            continue
        twin = served_catalog().get(obj.path.removesuffix(PARAMETER))
        if twin is not None and twin.xml_object is not None:
            found.append((obj, twin))
    return tuple(found)


@lru_cache(maxsize=4096)
def _served(at: int, name: str) -> RestObject:
    """The template ``templates()[at]`` at its concrete path, over its twin's records and
    columns (made once a name: asked by every request of a concrete path)."""
    template, twin = templates()[at]
    fields = {
        n: f if f.xml or n not in twin.fields else replace(f, xml=twin.fields[n].xml)
        for n, f in template.fields.items()
    }
    path = template.path.removesuffix(PARAMETER) + f"::{name}"
    return replace(template, path=path, xml_object=twin.xml_object, fields=fields)


def _definition(xml: ObjectDef) -> FieldDef | None:
    """The field of a header naming its transaction definition (None: no header)."""
    found = (xml.field(name) for name in _DEFINITIONS)
    return next((f for f in found if f is not None and f.ref), None)


def _header(store: Store, xml: ObjectDef) -> ObjectDef | None:
    """The header object of ``xml`` (itself for a header; None: no documents)."""
    if _definition(xml) is not None:
        return xml
    line = xml.field(_HEADER)
    return store.catalog[line.ref] if line is not None and line.ref else None


def _names(store: Store, header: ObjectDef, scope: Scope) -> list[str]:
    definition = _definition(header)
    if definition is None or not definition.ref:
        return []
    params = store.catalog[definition.ref]
    rows = store.rows(params, scope, [params.id_field or "RECORDNO"])
    return [str(v) for r in rows for v in r.values() if v]


def concrete(store: Store, scope: Scope, path: str) -> RestObject | None:
    """The served object at ``path`` (``order-entry/document::Sales Order``), None when
    it names no parameterized object or no transaction definition the company has."""
    base, _, name = path.partition("::")
    for at, (template, twin) in enumerate(templates()):
        if template.path.removesuffix(PARAMETER) != base or twin.xml_object is None:
            continue
        header = _header(store, store.catalog[twin.xml_object])
        if header is not None and name in _names(store, header, scope):
            return _served(at, name)
    return None


def served_object(store: Store, scope: Scope, path: str) -> RestObject | None:
    """The object the emulator serves at ``path`` (None: unknown)."""
    found = served_catalog(store.catalog).get(path)
    if found is None and "::" in path and not path.startswith("platform-apps/"):
        found = concrete(store, scope, path)
    return found


def documents_of(store: Store, scope: Scope) -> list[RestObject]:
    """Every concrete object the company has, for the model service's list."""
    made: list[RestObject] = []
    for at, (_, twin) in enumerate(templates()):
        header = _header(store, store.catalog[str(twin.xml_object)])
        if header is not None:
            made += [_served(at, n) for n in _names(store, header, scope)]
    return made


def document_filter(store: Store, obj: RestObject, scope: Scope) -> Sql | None:
    """The records ``obj`` (a concrete path) holds of its twin's, as a condition on the
    twin's columns; None for any other object."""
    if "::" not in obj.path or obj.xml_object is None:
        return None
    name = obj.path.partition("::")[2]
    xml = store.catalog[obj.xml_object]
    own = _definition(xml)
    if own is not None:
        return Sql(f'"{own.name}" = ?', (name,))
    header = _header(store, xml)
    definition = _definition(header) if header is not None else None
    if header is None or definition is None:
        return None
    rows = store.rows(header, scope, ["RECORDNO"], f'"{definition.name}" = ?', (name,))
    keys = ",".join(str(int(r["RECORDNO"])) for r in rows)  # whole numbers: inlined
    return Sql(f'"{_HEADER}" IN ({keys})') if keys else Sql("0 = 1")


def definition_of(store: Store, obj: RestObject) -> dict[str, str]:
    """What a record created at ``obj`` gets besides its body: a header its transaction
    definition (DOCPARID, the name in the path); nothing for any other object."""
    if "::" not in obj.path or obj.xml_object is None:
        return {}
    definition = _definition(store.catalog[obj.xml_object])
    if definition is None:
        return {}
    return {definition.name: obj.path.partition("::")[2]}


def holds(store: Store, scope: Scope, obj: RestObject, recordno: int) -> bool:
    """Whether the record ``recordno`` of ``obj``'s twin is one ``obj`` holds."""
    only = document_filter(store, obj, scope)
    if only is None:
        return True
    xml = store.catalog[str(obj.xml_object)]
    where = f'"RECORDNO" = ? AND ({only.text})'
    return bool(store.rows(xml, scope, ["RECORDNO"], where, (recordno, *only.params)))


#: where a record's own ``href`` puts it: the twin's column its definition is read from
#: (None: the path names it) and the REST path of a value of that column
Placement = tuple[str | None, Callable[[Any], str]]


def placement(store: Store, scope: Scope, obj: RestObject) -> Placement | None:
    """Where the records of ``obj`` are at home: a document, a line, at its definition's
    concrete path (portal, the order-entry and purchasing ``document`` and
    ``document-line`` lists: ``/objects/order-entry/document::Sales%20Invoice/453``,
    ``document-line::Sales%20Invoice/19``, the name URL-encoded); None for any other
    object, whose href is its own path. [U] inventory-control's, whose lists the portal
    shows no example of, as the other two modules'; a record with no definition (none
    found) at the unparameterized path."""
    base, _, name = obj.path.partition("::")
    twin = rest_catalog().get(base)
    if obj.xml_object is None or twin is None or twin.xml_object is None:
        return None  # [U] a recurring document (no XML twin) stays at its own path
    if not any(t.path == base for _, t in templates()):
        return None
    if name:
        return None, lambda _: _at(base, name)
    xml = store.catalog[obj.xml_object]
    own = _definition(xml)
    if own is not None:
        return own.name, lambda raw: _at(base, raw)
    header = _header(store, xml)
    definition = _definition(header) if header is not None else None
    if header is None or definition is None:
        return None
    names: dict[str, str] = {}

    def at(raw: Any) -> str:
        if not names:  # the headers' definitions, read once a page, when first needed
            rows = store.rows(header, scope, ["RECORDNO", definition.name])
            names.update((str(r["RECORDNO"]), r[definition.name] or "") for r in rows)
            names.setdefault("", "")
        return _at(base, names.get("" if raw is None else str(raw)))

    return _HEADER, at


def _at(base: str, name: Any) -> str:
    return f"{base}::{quote(str(name), safe='')}" if name else base
