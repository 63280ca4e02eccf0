"""Object metadata from ``lookup`` and ``inspect``, as one field model with JSON Schema,
and the typed decoding of records.

``lookup`` describes a field with ``ID, LABEL, DESCRIPTION, REQUIRED, READONLY,
DATATYPE, VALIDVALUES, ISCUSTOM`` plus ``Relationships``; ``inspect detail="1"`` with
``Name, dataName, externalDataName, isRequired, isReadOnly, maxLength, DisplayLabel``
(``detail="0"`` gives names only). Both land in the same :class:`ObjectModel`.

Field types (:attr:`FieldModel.type`), what they come from (lookup DATATYPE; inspect
externalDataName/dataName; any case) and what :meth:`ObjectModel.decode` makes of them:

* ``integer`` — INTEGER, SEQUENCE; int, Pt_FieldInt → int. INTEGER fields can hold
  float strings [O]: "12.0" → 12, a non-integral "12.5" → Decimal (exact, not cut).
* ``decimal`` — DECIMAL, CURRENCY, PERCENT, NUMBER; double, Pt_FieldDouble,
  Pt_FieldCurrency → Decimal with the digits as sent (trailing zeros kept), never float.
* ``boolean`` — BOOLEAN; Pt_FieldBoolean → bool (true/false, T/F as readByQuery sends).
* ``date`` — DATE; Pt_FieldDate → date, read in the user's date format.
* ``datetime`` — TIMESTAMP, DATETIME; Pt_FieldDateTime → aware datetime in UTC, read as
  wall-clock time in the user's zone (:meth:`UserFormatting.decode_timestamp`).
* ``multipick`` — MULTIPICKLIST, MULTIPICK [U] → list[str], split on ``#~#``.
* ``string`` — TEXT, ENUM and anything else → str as sent. TEXT with VALIDVALUES is an
  enum in all but name: it stays a string, its values become the schema's ``enum``.

An empty value is None whatever the type; fields the model does not know pass through
as text. A value that does not decode is a bad server answer: ResponseFormatError naming
the object, record, field, text and the expected form.

JSON Schema: decimals are ``{"type": "string", "format": "decimal"}`` (a float would
round amounts; a consumer that wants numbers parses the string into its own decimal
type); dates and datetimes are strings with ``format`` ``date``/``date-time``; multi-pick
fields are arrays of strings.

[U] No capture shows how ``lookup`` names a multi-pick ("Picklist multi-select") custom
field and the emulator has none; the DATATYPE names above are guesses, and such a field
named otherwise decodes as one string with its ``#~#`` separators.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from dataclasses import fields as dc_fields
from decimal import Decimal
from typing import Any

from intacct.errors import ErrorDetail, GatewayError, ResponseFormatError
from intacct.protocol.formats import US_FORMATTING, UserFormatting
from intacct.protocol.response import Record, Result
from intacct.protocol.values import decode_bool, decode_decimal, decode_multipick

__all__ = ["FieldModel", "ObjectModel", "Relationship"]

# lookup DATATYPE / inspect externalDataName / dataName → our normalized type.
_TYPES = {
    "integer": "integer",
    "int": "integer",
    "sequence": "integer",  # a sequence number [O]
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
    "multipicklist": "multipick",  # [U] see the module docstring
    "multipick": "multipick",
    "text": "string",
    "enum": "string",
    "string": "string",
}

_SCHEMA: dict[str, dict[str, Any]] = {
    "integer": {"type": ["integer", "null"]},
    "decimal": {"type": ["string", "null"], "format": "decimal"},
    "boolean": {"type": ["boolean", "null"]},
    "date": {"type": ["string", "null"], "format": "date"},
    "datetime": {"type": ["string", "null"], "format": "date-time"},
    "multipick": {"type": ["array", "null"], "items": {"type": "string"}},
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


# -- decoding -----------------------------------------------------------------------------

#: integral values up to this many digits become int; beyond, Decimal (an exponent such
#: as 1E+99999 must not make a huge int).
_INT_DIGITS = 30


def _integer(text: str, _: UserFormatting) -> int | Decimal | None:
    number = decode_decimal(text)  # "12.0": INTEGER fields can hold float strings [O]
    if number is None:
        return None
    if number == number.to_integral_value() and number.adjusted() < _INT_DIGITS:
        return int(number)
    return number


_DECODERS: dict[str, Callable[[str, UserFormatting], object]] = {
    "integer": _integer,
    "decimal": lambda text, _: decode_decimal(text),
    "boolean": lambda text, _: decode_bool(text),
    "date": lambda text, fmt: fmt.decode_date(text),
    "datetime": lambda text, fmt: fmt.decode_timestamp(text),
    "multipick": lambda text, _: decode_multipick(text),
    "string": lambda text, _: text,
}


_REASON = re.compile(r"\(([^()]*)\)$")


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _expected(kind: str, formatting: UserFormatting) -> str:
    """What a value of ``kind`` should have looked like, for the error message."""
    return {
        "integer": "an integer such as 42",
        "decimal": "a decimal number such as 1234.50",
        "boolean": "true or false",
        "date": f"a date in the user's format {formatting.pattern}",
        "datetime": f"a timestamp '{formatting.pattern} HH:MM:SS'",
    }.get(kind, kind)


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

    def __post_init__(self) -> None:
        if self.type not in _SCHEMA:
            raise ValueError(f"field {self.name!r}: type must be one of {sorted(_SCHEMA)}")

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
        if self.valid_values and self.type == "multipick":
            schema["items"] = {"type": "string", "enum": list(self.valid_values)}
        elif self.valid_values:
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

    @classmethod
    def from_result(cls, result: Result, object: str) -> ObjectModel:
        """Build from a lookup or inspect result; its error if it failed."""
        record = next((r for r in result.raise_for_error().records if r.tag == "Type"), None)
        if record is None:
            raise GatewayError(
                [ErrorDetail(None, description2=f"no <Type> in the answer for {object}")],
                level="result",
                function=result.function,
            )
        return cls.from_record(record)

    def field(self, name: str) -> FieldModel:
        return self._by_name[name]

    def to_data(self) -> dict[str, Any]:
        """As JSON data, which :meth:`from_data` reads back (a description kept on disk:
        :mod:`~intacct.client.lookup_cache`)."""
        return {
            "name": self.name,
            "fields": [_data_of(f) for f in self.fields],
            "relationships": [_data_of(r) for r in self.relationships],
            "label": self.label,
            "plural_label": self.plural_label,
            "document_type": self.document_type,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ObjectModel:
        """What :meth:`to_data` wrote; ValueError for anything else."""
        try:
            fields = [dict(f) for f in data["fields"]]
            for f in fields:
                f["valid_values"] = tuple(f.get("valid_values", ()))
            return cls(
                name=str(data["name"]),
                fields=tuple(FieldModel(**f) for f in fields),
                relationships=tuple(Relationship(**dict(r)) for r in data["relationships"]),
                label=str(data["label"]),
                plural_label=str(data["plural_label"]),
                document_type=str(data["document_type"]),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not an object description: {exc}") from None

    def decode(
        self, record: Mapping[str, str], formatting: UserFormatting = US_FORMATTING
    ) -> dict[str, object]:
        """The record's values typed by their fields (see the module docstring).

        ``formatting`` is the Web Services user's (:meth:`IntacctClient.user_formatting`):
        dates are read in its format and timestamps in its zone. Raises
        :class:`~intacct.errors.ResponseFormatError` for a value that does not decode.
        """
        out: dict[str, object] = {}
        for name, text in record.items():
            field = self._by_name.get(name)
            if field is None:
                out[name] = text
            elif text == "":
                out[name] = None
            else:
                out[name] = self._decode_value(record, field, text, formatting)
        return out

    def _decode_value(
        self, record: Mapping[str, str], field: FieldModel, text: str, fmt: UserFormatting
    ) -> object:
        try:
            return _DECODERS[field.type](text, fmt)
        except ValueError as exc:
            where = f"{self.name} record"
            if record.get("RECORDNO"):
                where += f" RECORDNO {record['RECORDNO']}"
            # The codecs' messages repeat the text and the form; keep only their reason.
            reason = _REASON.search(str(exc))
            raise ResponseFormatError(
                f"{where}, field {field.name} ({field.data_type or field.type}): "
                f"{_shorten(text)!r} is not {_expected(field.type, fmt)}"
                + (f" ({reason.group(1)})" if reason else "")
            ) from None

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


def _data_of(item: FieldModel | Relationship) -> dict[str, Any]:
    return {f.name: getattr(item, f.name) for f in dc_fields(item)}
