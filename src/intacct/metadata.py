"""Object metadata from ``lookup`` and ``inspect``, as one field model with JSON Schema.

``lookup`` describes a field with ``ID, LABEL, DESCRIPTION, REQUIRED, READONLY,
DATATYPE, VALIDVALUES, ISCUSTOM`` plus ``Relationships``; ``inspect detail="1"`` with
``Name, dataName, externalDataName, isRequired, isReadOnly, maxLength, DisplayLabel``
(``detail="0"`` gives names only). Both land in the same :class:`ObjectModel`. Decimal
types are never mapped to floats: their JSON Schema is a string of a decimal number.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from intacct.protocol.response import Record

__all__ = ["FieldModel", "ObjectModel", "Relationship"]

# lookup DATATYPE / inspect externalDataName / dataName → our normalized type.
_TYPES = {
    "integer": "integer",
    "int": "integer",
    "pt_fieldint": "integer",
    "decimal": "decimal",
    "currency": "decimal",
    "percent": "decimal",
    "number": "decimal",
    "double": "decimal",
    "pt_fielddouble": "decimal",
    "pt_fieldcurrency": "decimal",
    "boolean": "boolean",
    "pt_fieldboolean": "boolean",
    "date": "date",
    "pt_fielddate": "date",
    "timestamp": "datetime",
    "datetime": "datetime",
    "pt_fielddatetime": "datetime",
}

_SCHEMA: dict[str, dict[str, Any]] = {
    "integer": {"type": ["integer", "null"]},
    "decimal": {"type": ["string", "null"], "format": "decimal"},
    "boolean": {"type": ["boolean", "null"]},
    "date": {"type": ["string", "null"], "format": "date"},
    "datetime": {"type": ["string", "null"], "format": "date-time"},
    "string": {"type": ["string", "null"]},
}


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "t", "1", "yes")


def _int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number or None  # inspect uses 0 for "unspecified"


@dataclass(frozen=True, slots=True)
class FieldModel:
    name: str
    type: str = "string"
    data_type: str = ""
    required: bool = False
    read_only: bool = False
    custom: bool = False
    max_length: int | None = None
    label: str = ""
    description: str = ""
    valid_values: tuple[str, ...] = ()

    @classmethod
    def from_lookup(cls, f: Record) -> FieldModel:
        data_type = f.get("DATATYPE", "")
        valid = tuple(v for box in f.nested("VALIDVALUES") for v in box.getlist("VALIDVALUE"))
        return cls(
            name=f.get("ID", ""),
            type=_TYPES.get(data_type.lower(), "string"),
            data_type=data_type,
            required=_flag(f.get("REQUIRED")),
            read_only=_flag(f.get("READONLY")),
            custom=_flag(f.get("ISCUSTOM")),
            max_length=_int(f.get("MAXLENGTH")),
            label=f.get("LABEL", ""),
            description=f.get("DESCRIPTION", ""),
            valid_values=valid,
        )

    @classmethod
    def from_inspect(cls, f: Record) -> FieldModel:
        external = f.get("externalDataName", "")
        data_name = f.get("dataName", "")
        kind = _TYPES.get(external.lower()) or _TYPES.get(data_name.lower(), "string")
        return cls(
            name=f.get("Name", ""),
            type=kind,
            data_type=external or data_name,
            required=_flag(f.get("isRequired")),
            read_only=_flag(f.get("isReadOnly")),
            custom=_flag(f.get("isCustom")),
            max_length=_int(f.get("maxLength")),
            label=f.get("DisplayLabel", ""),
            description=f.get("Description", ""),
        )

    def json_schema(self) -> dict[str, Any]:
        schema = dict(_SCHEMA[self.type])
        if self.valid_values:
            schema["enum"] = [*self.valid_values, None]
        if self.max_length and self.type == "string":
            schema["maxLength"] = self.max_length
        if self.label:
            schema["title"] = self.label
        if self.description:
            schema["description"] = self.description
        if self.read_only:
            schema["readOnly"] = True
        return schema


@dataclass(frozen=True, slots=True)
class Relationship:
    path: str
    object_name: str
    label: str = ""
    type: str = ""
    related_by: str = ""


@dataclass(frozen=True, slots=True)
class ObjectModel:
    name: str
    fields: tuple[FieldModel, ...]
    relationships: tuple[Relationship, ...] = ()
    label: str = ""
    plural_label: str = ""
    document_type: str = ""
    _by_name: dict[str, FieldModel] = dc_field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_name.update({f.name: f for f in self.fields})

    @classmethod
    def from_record(cls, type_record: Record) -> ObjectModel:
        """Build from the ``<Type>`` element of a lookup or inspect answer."""
        boxes = type_record.nested("Fields")
        rich = [f for box in boxes for f in box.nested("Field")]
        if rich and any("ID" in f for f in rich):
            fields = tuple(FieldModel.from_lookup(f) for f in rich)
        elif rich:
            fields = tuple(FieldModel.from_inspect(f) for f in rich)
        else:  # inspect detail="0": <Fields><Field>NAME</Field>...</Fields>
            fields = tuple(FieldModel(name=n) for box in boxes for n in box.getlist("Field"))
        attributes = next(iter(type_record.nested("Attributes")), None)
        return cls(
            name=type_record.attributes.get("Name", type_record.attributes.get("typename", "")),
            fields=fields,
            relationships=tuple(
                Relationship(
                    path=r.get("OBJECTPATH", ""),
                    object_name=r.get("OBJECTNAME", ""),
                    label=r.get("LABEL", ""),
                    type=r.get("RELATIONSHIPTYPE", ""),
                    related_by=r.get("RELATEDBY", ""),
                )
                for box in type_record.nested("Relationships")
                for r in box.nested("Relationship")
            ),
            label=attributes.get("SingularName", "") if attributes else "",
            plural_label=attributes.get("PluralName", "") if attributes else "",
            document_type=type_record.attributes.get("DocumentType", ""),
        )

    def field(self, name: str) -> FieldModel:
        return self._by_name[name]

    @property
    def required_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.required]

    def to_json_schema(self) -> dict[str, Any]:
        """A JSON Schema (draft 2020-12) object for records of this object."""
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": self.name,
            "type": "object",
            "properties": {f.name: f.json_schema() for f in self.fields},
            "required": [f.name for f in self.fields if f.required and not f.read_only],
        }
