"""Sage Intacct's REST objects as data (``rest_objects/<module>.json``,
docs/rest-catalog.md), read once into :class:`RestObject` and :class:`RestField`: each
object's fields, types, enums, references and lines, and the XML object and column each
field shares. Facts about Intacct, so both sides read them: the engine types a record
read through REST into the XML columns (:mod:`intacct.replication.streams.rest`), the
emulator serves its query, object and model services from them. Nothing here knows one
object from another: it all comes from the files."""

from __future__ import annotations

import hashlib
import json
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from intacct.protocol.rest_types import from_model

__all__ = [
    "MAX_COLUMN",
    "STAMPS",
    "CUSTOM",
    "AmbiguousTwinError",
    "RestCatalog",
    "RestField",
    "RestObject",
    "custom_name",
    "distinct_columns",
    "rest_catalog",
]

#: the REST fields every object shares with the XML audit and entity columns the store
#: stamps on every record (Sage's ``audit`` and ``entity`` groups, ``webURL``), by the
#: REST field: what pairs a twin's and stores a REST-only object's alike
STAMPS: Mapping[str, str] = {
    "key": "RECORDNO",
    "audit.createdDateTime": "WHENCREATED",
    "audit.modifiedDateTime": "WHENMODIFIED",
    "audit.createdBy": "CREATEDBY",
    "audit.modifiedBy": "MODIFIEDBY",
    "audit.createdByUser.key": "CREATEDBY",
    "audit.modifiedByUser.key": "MODIFIEDBY",
    "entity.key": "MEGAENTITYKEY",
    "entity.id": "MEGAENTITYID",
    "entity.name": "MEGAENTITYNAME",
    "webURL": "RECORD_URL",
}

#: the prefix of a custom field's or object's REST name (``nsp::VENDOR_TIER``; portal:
#: core model service, "custom fields and objects"); the rest is the name XML gives it
CUSTOM = "nsp::"


def custom_name(name: str) -> str | None:
    """``nsp::VENDOR_TIER`` -> ``VENDOR_TIER``, the XML field (and column) the custom
    field is [U: that REST names a custom field by its XML id after ``nsp::``, as the
    portal's examples show it]; None: not a custom field."""
    return name[len(CUSTOM) :] if name.startswith(CUSTOM) and len(name) > len(CUSTOM) else None


#: the longest column name every destination keeps whole: Postgres cuts identifiers at
#: 63 bytes (NAMEDATALEN - 1), so two long names sharing 63 bytes would be one column
MAX_COLUMN = 63


def distinct_columns(names: Iterable[str], taken: Iterable[str] = ()) -> dict[str, str]:
    """The column of each name that cannot be its own: one longer than
    :data:`MAX_COLUMN` is cut and marked with a digest of the whole name; one equal to
    an earlier column once a destination has named it (tables fold case; dlt makes
    ``scheduleKey`` and ``schedule.key`` both ``schedule_key``) becomes ``name__2``.
    The spec's names are distinct only as they are written. ``taken``: columns already
    there."""
    seen = {form for column in taken for form in _forms(column)}
    found: dict[str, str] = {}
    for name in names:
        column, n = _fitted(name), 1
        while _forms(column) & seen:
            n += 1
            column = _fitted(name, f"__{n}")
        seen |= _forms(column)
        if column != name:
            found[name] = column
    return found


def _fitted(name: str, suffix: str = "") -> str:
    if len((name + suffix).encode()) <= MAX_COLUMN:
        return name + suffix
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    room = MAX_COLUMN - len(suffix) - len(digest) - 1
    return f"{name.encode()[:room].decode(errors='ignore')}_{digest}{suffix}"


def _forms(column: str) -> set[str]:
    """``audit.createdDateTime`` as destinations fold it: lower case, and as the
    strictest (dlt's snake case: words apart, punctuation one ``_``)."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", column)
    return {column.lower(), re.sub(r"[^a-z0-9]+", "_", words.lower()).strip("_")}


class AmbiguousTwinError(ValueError):
    """Several REST objects share one XML object and the catalog does not say which
    holds its records (``xml_primary``): names the XML object and the REST paths."""

    def __init__(self, xml_object: str, paths: tuple[str, ...]) -> None:
        self.xml_object, self.paths = xml_object, paths
        super().__init__(
            f"the REST catalog pairs {xml_object} with {' and '.join(paths)}: mark the "
            "one that holds its records with xml_primary"
        )


#: the value mappings of the fields that have none (most): one, read-only, shared
_NO_VALUES: Mapping[str, str] = MappingProxyType({})


def _one(text: Any) -> Any:
    """``text``, the one string of its value (other values as they are)."""
    return sys.intern(text) if type(text) is str else text


@dataclass(frozen=True, slots=True)
class RestField:
    """One field of a REST object: ``name`` a dot path (``vendor.id``), ``type`` as the
    catalog types it, ``xml`` the XML column it shares (None: REST-only data)."""

    name: str
    type: str
    format: str = ""
    xml: str | None = None
    xml_values: Mapping[str, str] = field(default_factory=dict)
    enum: tuple[str | None, ...] = ()
    ref: str | None = None
    ref_field: str | None = None
    items: str | None = None
    read_only: bool = False
    write_only: bool = False
    required: bool = False
    nullable: bool = False
    deprecated: bool = False
    default: Any = None
    #: the column where the name cannot be one (:func:`distinct_columns`: it clashes,
    #: case aside, with an earlier field's, or is longer than Postgres keeps)
    alias: str | None = None

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> RestField:
        # the catalog's 20,000 fields repeat a few thousand distinct names, types and
        # columns: one string each, not one per field (half the catalog's memory, which
        # every run holds)
        values = data.get("xml_values")
        return cls(
            name=_one(data["name"]),
            type=_one(data["type"]),
            format=_one(data.get("format", "")),
            xml=_one(data.get("xml")),
            xml_values=dict(values) if values else _NO_VALUES,
            enum=tuple(map(_one, data.get("enum", ()))),
            ref=_one(data.get("ref")),
            ref_field=_one(data.get("ref_field")),
            items=_one(data.get("items")),
            read_only=bool(data.get("readOnly", False)),
            write_only=bool(data.get("writeOnly", False)),
            required=bool(data.get("required", False)),
            nullable=bool(data.get("nullable", False)),
            deprecated=bool(data.get("deprecated", False)),
            default=data.get("default"),
            alias=data.get("column"),
        )

    @classmethod
    def from_model(
        cls, name: str, described: Mapping[str, Any], *, ref: str | None = None
    ) -> RestField:
        """A field as the model service describes it (``ref``: the REST path of the
        reference it is a member of), typed by the one table (:mod:`.rest_types`)."""
        kind, fmt = from_model(described, ref=ref is not None)
        enum = described.get("enum")
        return cls(
            name=name,
            type=kind,
            format=fmt,
            enum=tuple(enum) if isinstance(enum, list) else (),
            ref=ref,
            ref_field=name.rpartition(".")[2] if ref is not None else None,
            read_only=bool(described.get("readOnly", False)),
            write_only=bool(described.get("writeOnly", False)),
            required=bool(described.get("required", False)),
            nullable=bool(described.get("nullable", False)),
        )

    @property
    def group(self) -> str:
        """The dot path this field sits in ('' at the top)."""
        return self.name.rpartition(".")[0]

    @property
    def column(self) -> str:
        """The column a stream REST alone types gives it: its name, a custom field's
        without ``nsp::`` (the name XML gives the same field)."""
        return self.alias or custom_name(self.name) or self.name


@dataclass(frozen=True, slots=True)
class Derived:
    """How a REST-only object is computed from XML records: ``fields`` REST name -> a
    column of ``xml_object``; ``totals`` REST name -> (object, summed column, the column
    both share)."""

    xml_object: str
    fields: Mapping[str, str]
    totals: Mapping[str, tuple[str, str, str]]


@dataclass(frozen=True, slots=True)
class RestObject:
    path: str
    xml_object: str | None
    key: str
    id: str
    operations: tuple[str, ...]
    permissions: Mapping[str, str]
    fields: Mapping[str, RestField]
    lines: Mapping[str, str] = field(default_factory=dict)  # {"field", "path", ...}
    owner: Mapping[str, str] = field(default_factory=dict)  # {"path", "field", ...}
    derived: Derived | None = None
    #: holds ``xml_object``'s records where several objects share it (the data says)
    xml_primary: bool = False
    #: XML column -> the REST field that writes it (made once: asked per record written)
    _writers: Mapping[str, RestField] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        writers: dict[str, RestField] = {}
        for candidate in self.fields.values():
            if candidate.xml and not candidate.read_only:
                writers.setdefault(candidate.xml, candidate)
        object.__setattr__(self, "_writers", writers)

    def writer(self, xml_name: str) -> RestField | None:
        """The REST field that writes the XML column ``xml_name`` (the first writable one
        the catalog pairs with it); None: REST cannot write it."""
        return self._writers.get(xml_name)

    @property
    def label(self) -> str:
        """``accounts-payable/journal-entry`` -> ``Journal entry`` (for messages)."""
        words = self.path.rpartition("/")[2].replace("-", " ")
        return words[:1].upper() + words[1:]

    @property
    def module_object(self) -> str | None:
        """The XML object whose module permissions guard this one."""
        return self.xml_object or (self.derived.xml_object if self.derived else None)

    def ref_groups(self) -> dict[str, str]:
        """Reference groups (``vendor``, ``contacts.payTo``) -> the REST path they name."""
        return {f.group: f.ref for f in self.fields.values() if f.ref and f.type == "object-ref"}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> RestObject:
        derived = data.get("derived_from")
        return cls(
            path=data["path"],
            xml_object=data.get("xml_object"),
            key=data["key"],
            id=data["id"],
            operations=tuple(data["operations"]),
            permissions={k: v for k, v in data["permissions"].items() if k != "u"},
            fields={f.name: f for f in map(RestField.from_data, data["fields"])},
            lines=dict(data.get("lines", {})),
            owner=dict(data.get("owner", {})),
            derived=None if derived is None else _derived(derived),
            xml_primary=bool(data.get("xml_primary", False)),
        )

    @classmethod
    def from_model(cls, path: str, model: Mapping[str, Any]) -> RestObject:
        """An object the packaged catalog lacks, as the model service describes it
        (``model``: its answer for ``objects/<path>``): REST-only, its fields, groups,
        references and lists, its operations from ``httpMethods``."""
        found = model_fields(model)
        columns = distinct_columns(f.name for f in found)
        fields = {f.name: replace(f, alias=columns.get(f.name)) for f in found}
        methods = {m.strip().upper() for m in str(model.get("httpMethods", "")).split(",")}
        operations = [op for op, method in _OPERATIONS if method in methods]
        return cls(
            path=path,
            xml_object=None,
            key="key",
            id="id" if "id" in fields else "key",
            operations=tuple(operations),
            permissions={},
            fields=fields,
        )

    def with_fields(self, found: list[RestField]) -> RestObject:
        """This object with the fields the company's model adds (its custom fields,
        paired with their XML columns where the object has an XML twin), the packaged
        ones as they are."""
        extra = {f.name: f for f in found if f.name not in self.fields}
        if not extra:
            return self
        if self.xml_object:
            extra = {n: _paired(f) for n, f in extra.items()}
        return replace(self, fields={**self.fields, **extra})


#: the model service's ``httpMethods`` -> the catalog's operations
_OPERATIONS = (
    ("list", "GET"),
    ("get", "GET"),
    ("create", "POST"),
    ("update", "PATCH"),
    ("delete", "DELETE"),
)


def model_fields(model: Mapping[str, Any]) -> list[RestField]:
    """Every field of a model service answer, as dot paths: its own ``fields``, its
    ``groups``' (``audit.createdBy``), its ``refs``' members (``vendor.id``, typed
    ``object-ref``) and its ``lists`` (``lines``, an ``array`` of the object named)."""
    return list(_walk(model, "", None))


def _walk(node: Mapping[str, Any], prefix: str, ref: str | None) -> Iterator[RestField]:
    fields = node.get("fields")
    if isinstance(fields, Mapping):
        for name, described in fields.items():
            if isinstance(described, Mapping) and name != "href":
                yield RestField.from_model(prefix + str(name), described, ref=ref)
    for kind in ("groups", "refs"):
        nested = node.get(kind)
        if not isinstance(nested, Mapping):
            continue
        for name, inner in nested.items():
            if not isinstance(inner, Mapping):
                continue
            target = _path(inner.get("apiObject")) if kind == "refs" else None
            yield from _walk(
                inner, f"{prefix}{name}.", target or (ref if kind == "groups" else None)
            )
    lists = node.get("lists")
    if isinstance(lists, Mapping):
        for name, inner in lists.items():
            items = _path(inner.get("apiObject")) if isinstance(inner, Mapping) else None
            yield RestField(name=prefix + str(name), type="array", items=items, read_only=False)


def _path(api_object: Any) -> str | None:
    """``objects/accounts-payable/vendor`` -> ``accounts-payable/vendor``."""
    return str(api_object).removeprefix("objects/") if api_object else None


def _paired(found: RestField) -> RestField:
    """A company's field on an object with an XML twin: a custom field is the XML
    custom field of the same name (its column); any other has no XML column."""
    xml = custom_name(found.name)
    return replace(found, xml=xml) if xml else found


def _derived(data: Mapping[str, Any]) -> Derived:
    totals = {
        name: (spec["xml_object"], spec["sum"], spec["match"])
        for name, spec in data.get("totals", {}).items()
    }
    return Derived(data["xml_object"], dict(data.get("fields", {})), totals)


def xml_named(name: str) -> bool:
    """A stream named as XML's objects are, in upper case: never a REST object's (named
    after its path, whose module is in lower case), so no REST catalog need be read."""
    return name == name.upper()


class RestCatalog(Mapping[str, RestObject]):
    """REST objects by path (``general-ledger/account``). Made of ``objects``, or of
    what ``load`` gives when first looked into: the packaged catalog (~6 MB) is then
    never read by a run that asks nothing of REST (a run of XML objects without the
    OAuth app), though every run holds one."""

    def __init__(
        self,
        objects: Iterable[RestObject] = (),
        *,
        load: Callable[[], Iterable[RestObject]] | None = None,
    ) -> None:
        self._load, self._lock = load, threading.Lock()
        self._objects: dict[str, RestObject] = {}
        self._by_xml: dict[str, list[RestObject]] = {}
        if load is None:
            self._index(objects)

    def _index(self, objects: Iterable[RestObject]) -> None:
        self._objects = {o.path: o for o in objects}
        for obj in self._objects.values():
            if obj.xml_object:
                self._by_xml.setdefault(obj.xml_object, []).append(obj)

    def _held(self) -> dict[str, RestObject]:
        if self._load is not None:
            with self._lock:
                if self._load is not None:
                    self._index(self._load())
                    self._load = None
        return self._objects

    def holding(self, xml_object: str) -> RestObject | None:
        """The REST object that holds ``xml_object``'s records (None: REST has none).
        Where several share it, the one the data marks ``xml_primary``; none or more
        than one marked: :class:`AmbiguousTwinError` naming them (never the file's
        order)."""
        self._held()
        sharing = self._by_xml.get(xml_object, [])
        if len(sharing) <= 1:
            return sharing[0] if sharing else None
        primary = [o for o in sharing if o.xml_primary]
        if len(primary) == 1:
            return primary[0]
        raise AmbiguousTwinError(xml_object, tuple(o.path for o in primary or sharing))

    def with_models(self, models: Mapping[str, Mapping[str, Any]]) -> RestCatalog:
        """This catalog and what a company's model service says (``models``: REST path
        -> its model answer), as a new value: an object the catalog has gains the
        fields the model adds (custom fields, :meth:`RestObject.with_fields`); one it
        lacks is read from its model (:meth:`RestObject.from_model`). The catalog's
        data stays the overlay for what the model cannot say (XML twins and pairings,
        lines and owners, [U] choices)."""
        objects = dict(self._held())
        for path, model in models.items():
            known = objects.get(path)
            if known is None:
                objects[path] = RestObject.from_model(path, model)
            else:
                objects[path] = known.with_fields(model_fields(model))
        return RestCatalog(list(objects.values()))

    def __getitem__(self, path: str) -> RestObject:
        return self._held()[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._held())

    def __len__(self) -> int:
        return len(self._held())


@cache
def rest_catalog() -> RestCatalog:
    """The packaged REST catalog (immutable, read when first looked into)."""
    return RestCatalog(load=_packaged_objects)


def _packaged_objects() -> list[RestObject]:
    folder = resources.files("intacct.protocol.rest_objects")
    objects: list[RestObject] = []
    for file in sorted(folder.iterdir(), key=lambda f: f.name):
        if file.name.endswith(".json"):
            data = json.loads(file.read_text(encoding="utf-8"))
            objects += [RestObject.from_data(o) for o in data["objects"]]
    return objects
