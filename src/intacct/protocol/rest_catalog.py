"""Sage Intacct's REST objects as data (``rest_objects/<module>.json``,
docs/rest-catalog.md), read once into :class:`RestObject` and :class:`RestField`: each
object's fields, types, enums, references and lines, and the XML object and column each
field shares. Facts about Intacct, so both sides read them: the engine types a record
read through REST into the XML columns (:mod:`intacct.replication.streams.rest`), the
emulator serves its query, object and model services from them. Nothing here knows one
object from another: it all comes from the files."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["RestCatalog", "RestField", "RestObject", "rest_catalog"]


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

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> RestField:
        return cls(
            name=data["name"],
            type=data["type"],
            format=data.get("format", ""),
            xml=data.get("xml"),
            xml_values=dict(data.get("xml_values", {})),
            enum=tuple(data.get("enum", ())),
            ref=data.get("ref"),
            ref_field=data.get("ref_field"),
            items=data.get("items"),
            read_only=bool(data.get("readOnly", False)),
            write_only=bool(data.get("writeOnly", False)),
            required=bool(data.get("required", False)),
            nullable=bool(data.get("nullable", False)),
            deprecated=bool(data.get("deprecated", False)),
            default=data.get("default"),
        )

    @property
    def group(self) -> str:
        """The dot path this field sits in ('' at the top)."""
        return self.name.rpartition(".")[0]


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
            fields={f["name"]: RestField.from_data(f) for f in data["fields"]},
            lines=dict(data.get("lines", {})),
            owner=dict(data.get("owner", {})),
            derived=None if derived is None else _derived(derived),
        )


def _derived(data: Mapping[str, Any]) -> Derived:
    totals = {
        name: (spec["xml_object"], spec["sum"], spec["match"])
        for name, spec in data.get("totals", {}).items()
    }
    return Derived(data["xml_object"], dict(data.get("fields", {})), totals)


class RestCatalog(Mapping[str, RestObject]):
    """REST objects by path (``general-ledger/account``)."""

    def __init__(self, objects: list[RestObject]) -> None:
        self._objects = {o.path: o for o in objects}
        self._by_xml = {o.xml_object: o for o in reversed(objects) if o.xml_object}

    def holding(self, xml_object: str) -> RestObject | None:
        """The REST object that holds ``xml_object``'s records (None: REST has none;
        the first the catalog lists where several share it)."""
        return self._by_xml.get(xml_object)

    def __getitem__(self, path: str) -> RestObject:
        return self._objects[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._objects)

    def __len__(self) -> int:
        return len(self._objects)


@cache
def rest_catalog() -> RestCatalog:
    """The packaged REST catalog (immutable, read once)."""
    folder = resources.files("intacct.protocol.rest_objects")
    objects: list[RestObject] = []
    for file in sorted(folder.iterdir(), key=lambda f: f.name):
        if file.name.endswith(".json"):
            data = json.loads(file.read_text(encoding="utf-8"))
            objects += [RestObject.from_data(o) for o in data["objects"]]
    return RestCatalog(objects)
