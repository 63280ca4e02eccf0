"""The one REST type table: what a REST field's ``type`` and ``format`` mean, in the
three places they are read (docs/rest-catalog.md, "Types").

* The catalog's types (``rest_objects/*.json``): ``string``, ``integer``, ``number``,
  ``boolean``, ``date``, ``date-time``, ``enum``, ``object-ref`` (a member of a
  reference group), ``array`` (owned objects); ``format`` ``decimal-precision-2`` /
  ``percent-precision-2`` (amounts, sent as strings).
* The model service's (``GET /services/core/model``, portal: core OpenAPI): a field is
  {type, format, enum}, with JSON types only (``string``, ``integer``, ``number``,
  ``boolean``): a date is a string of format ``date``, an enum a string with ``enum``
  (:func:`from_model`, :func:`to_model`).
* The engine's column types (:data:`ENGINE_TYPES`): ``decimal`` (numbers and amounts,
  exact), ``integer``, ``boolean``, ``date``, ``datetime``, ``string``; and the JSON
  Schema of each (:data:`JSON_SCHEMAS`), for the streams REST alone types.

Every reader and writer of a REST field's type asks here: the engine's REST-only
streams and their records (:mod:`intacct.replication.streams.rest_only`,
:mod:`intacct.replication.records.rest_typed`), the target's bodies
(:mod:`.rest_write`), discovery (:mod:`.rest_catalog`) and the emulator's model,
bodies and storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

__all__ = [
    "COLUMN_TYPES",
    "ENGINE_TYPES",
    "JSON_SCHEMAS",
    "JSON_VALUES",
    "Typed",
    "engine_type",
    "from_model",
    "to_model",
]


class Typed(Protocol):
    """What a type is read from: a catalog field's ``type`` and ``format``."""

    @property
    def type(self) -> str: ...
    @property
    def format(self) -> str: ...


#: the catalog's type -> the engine's column type (amount formats make a decimal)
ENGINE_TYPES: Mapping[str, str] = {
    "string": "string",
    "integer": "integer",
    "number": "decimal",
    "boolean": "boolean",
    "date": "date",
    "date-time": "datetime",
    "enum": "string",
    "object-ref": "string",
}
#: the catalog's types that are a column (an ``array`` is owned records, not a value)
COLUMN_TYPES = frozenset(ENGINE_TYPES)
#: the engine's column type -> its JSON Schema (nullable)
JSON_SCHEMAS: Mapping[str, Mapping[str, Any]] = {
    "decimal": {"type": ["number", "null"]},
    "integer": {"type": ["integer", "null"]},
    "boolean": {"type": ["boolean", "null"]},
    "date": {"type": ["string", "null"], "format": "date"},
    "datetime": {"type": ["string", "null"], "format": "date-time"},
    "string": {"type": ["string", "null"]},
}
#: the catalog's type -> the JSON values a body may give it (a bool is no number)
JSON_VALUES: Mapping[str, tuple[type, ...]] = {
    "string": (str,),
    "object-ref": (str,),
    "date": (str,),
    "date-time": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "enum": (str,),
}
#: the model service's JSON types the catalog keeps as they are
_MODEL_TYPES = {"integer": "integer", "number": "number", "boolean": "boolean"}
#: string formats that are a catalog type of their own
_FORMAT_TYPES = {"date": "date", "date-time": "date-time"}


def engine_type(field: Typed) -> str:
    """The engine's column type of a REST field: amounts (a ``decimal-*`` or
    ``percent-*`` format) and numbers exact, the others as :data:`ENGINE_TYPES` says
    (an unknown type as text)."""
    if field.format.startswith(("decimal", "percent")):
        return "decimal"
    return ENGINE_TYPES.get(field.type, "string")


def from_model(described: Mapping[str, Any], *, ref: bool = False) -> tuple[str, str]:
    """A model service field's (catalog type, format): a date string is ``date``, a
    string with an ``enum`` is ``enum``, a reference's member ``object-ref``."""
    kind = str(described.get("type") or "string")
    fmt = str(described.get("format") or "")
    if ref:
        return "object-ref", ""
    if kind in _MODEL_TYPES:
        return _MODEL_TYPES[kind], fmt
    if fmt in _FORMAT_TYPES:
        return _FORMAT_TYPES[fmt], ""
    if described.get("enum"):
        return "enum", fmt
    return "string", fmt


def to_model(field: Typed) -> tuple[str, str]:
    """A catalog field as the model service types it: (JSON type, format or "")."""
    return _MODEL_TYPES.get(field.type, "string"), _FORMAT_TYPES.get(field.type) or field.format
