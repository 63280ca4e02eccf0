"""A record read through the REST API, typed into the XML object's columns.

A table fed by either API must hold the same row for the same record, so a REST record
is given the XML names its fields share (:mod:`intacct.protocol.rest_catalog`: each REST
field's ``xml`` column) and typed by the XML object's metadata to the values
:class:`~.typed.Typer` makes of the gateway's text: DECIMAL/CURRENCY/PERCENT as
:class:`~decimal.Decimal`, dates ``YYYY-MM-DD``, timestamps ISO-8601 UTC with ``Z`` (REST
writes UTC already), booleans and integers as themselves, multi-picks as lists, enums
as the XML value (REST's ``balanceSheet`` is XML's ``balancesheet``: the catalog's
``xml_values``, else the XML valid value that matches but for case). An XML field REST
has no equivalent of is None (the stream warns once).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from intacct.client.metadata import FieldModel
from intacct.client.registry import ObjectInfo
from intacct.errors import ResponseFormatError
from intacct.protocol.rest_catalog import RestField
from intacct.protocol.rest_types import engine_type
from intacct.protocol.values import decode_bool, decode_decimal, decode_multipick
from intacct.replication.records.typed import ENTITY_ID, iso_utc

__all__ = ["RestOnlyTyper", "RestTyper", "engine_type", "fits"]  # engine_type: re-exported

Convert = Callable[[Any], Any]


class RestTyper:
    """REST records of one object -> the XML stream's typed records (``fields``: XML
    field -> the REST field read for it; XML fields absent there come out None)."""

    def __init__(
        self,
        info: ObjectInfo,
        fields: Mapping[str, RestField],
        wanted: Sequence[str],
        entity_id: str,
    ) -> None:
        models = {f.name: f for f in info.model.fields}
        reads = [_Read.paired(xml, fields[xml], models.get(xml)) for xml in wanted if xml in fields]
        empty = [xml for xml in wanted if xml not in fields]
        self._setup(info.name, reads, empty, entity_id)
        self.kinds.update({xml: models[xml].type for xml in empty if xml in models})

    def _setup(self, name: str, reads: list[_Read], empty: list[str], entity_id: str) -> None:
        self.name, self.entity_id = name, entity_id
        #: what is read: the column, the REST field's path, its value's converter
        self.reads = reads
        self._read = [(r.column, r.path.split("."), r.convert) for r in reads]
        #: the columns REST has no equivalent of (always None)
        self.empty = empty
        #: each column's type (the XML field's, or the REST-only field's engine type)
        self.kinds: dict[str, str] = {r.column: r.kind for r in reads}

    def __call__(self, record: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = dict.fromkeys(self.empty)
        for column, path, convert in self._read:
            value = _at(record, path)
            try:
                out[column] = None if value is None or value == "" else convert(value)
            except (ValueError, TypeError, ResponseFormatError):
                key = record.get("key")
                raise ResponseFormatError(
                    f"{self.name} {key}: the REST API's {'.'.join(path)} is {value!r}, "
                    f"which is not a {_kind(convert)} for {column}"
                ) from None
        out[ENTITY_ID] = self.entity_id
        return out


class RestOnlyTyper(RestTyper):
    """Records of an object only REST has (stream ``name``), typed by its own
    ``fields`` (the one REST type table,
    :func:`~intacct.protocol.rest_types.engine_type`), each under its column
    (:attr:`~intacct.protocol.rest_catalog.RestField.column`: a custom field's is its
    XML name)."""

    def __init__(self, name: str, fields: Sequence[RestField], entity_id: str) -> None:
        self._setup(name, [_Read.own(f) for f in fields], [], entity_id)


class _Read:
    """One column read from a REST field: ``kind`` (the type the value is typed to),
    ``enum`` (REST's member -> the XML value; None: no enum) and ``convert`` (both, one
    value at a time)."""

    def __init__(
        self,
        column: str,
        path: str,
        kind: str,
        convert: Convert,
        enum: Callable[[Any], str] | None = None,
    ) -> None:
        self.column, self.path, self.kind = column, path, kind if kind in _CONVERT else "string"
        self.convert, self.enum = convert, enum

    @classmethod
    def paired(cls, xml: str, field: RestField, model: FieldModel | None) -> _Read:
        """An XML field, typed by its metadata, REST's enum members as XML's values."""
        enum = None
        if field.xml_values or field.type == "enum":
            enum = _enum(field, model.valid_values if model is not None else ())
        kind = model.type if model is not None else "string"
        return cls(xml, field.name, kind, _converter(model, field), enum)

    @classmethod
    def own(cls, field: RestField) -> _Read:
        """A REST-only object's field, typed by its REST type."""
        kind = engine_type(field)
        return cls(field.column, field.name, kind, _CONVERT.get(kind, _text))


def _at(record: Mapping[str, Any], path: list[str]) -> Any:
    value: Any = record
    for part in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def fits(model: FieldModel | None, field: RestField) -> bool:
    """Whether ``field`` holds all of the XML field ``model`` (a REST date cannot give
    an XML timestamp its time: such a pair is no equivalent)."""
    return not (model is not None and model.type == "datetime" and field.type == "date")


def _converter(model: FieldModel | None, field: RestField) -> Convert:
    typed: Convert = _CONVERT.get(model.type if model is not None else "string", _text)
    if not (field.xml_values or field.type == "enum"):
        return typed
    enum = _enum(field, model.valid_values if model is not None else ())
    if typed is _text:
        return enum

    def convert(value: Any) -> Any:
        return typed(enum(value))

    return convert


def _enum(field: RestField, valid: Sequence[str]) -> Callable[[Any], str]:
    """REST's enum member -> the XML value: the catalog's pairing, else the XML valid
    value equal to it but for case, else the member itself."""
    pairs = dict(field.xml_values)
    folded = {v.lower(): v for v in valid}

    def convert(value: Any) -> str:
        text = _text(value)
        return pairs.get(text) or folded.get(text.lower(), text)

    return convert


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (Mapping, list)):
        raise TypeError(value)
    return str(value)


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, int):
        return value
    number = decode_decimal(_text(value))
    if number is None or number != number.to_integral_value():
        raise ValueError(value)
    return int(number)


def _decimal(value: Any) -> Any:
    if isinstance(value, bool):
        raise TypeError(value)
    return decode_decimal(repr(value) if isinstance(value, float) else _text(value))


def _boolean(value: Any) -> bool | None:
    return value if isinstance(value, bool) else decode_bool(_text(value))


def _date(value: Any) -> str:
    return date.fromisoformat(_text(value)[:10]).isoformat()


def _timestamp(value: Any) -> str:
    moment = datetime.fromisoformat(_text(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(value)  # REST writes UTC with its offset: a bare time is not one
    return iso_utc(moment)


def _multipick(value: Any) -> list[str]:
    if isinstance(value, list):
        return [_text(v) for v in value]
    return list(decode_multipick(_text(value)))


_CONVERT: dict[str, Convert] = {
    "string": _text,
    "integer": _integer,
    "decimal": _decimal,
    "boolean": _boolean,
    "date": _date,
    "datetime": _timestamp,
    "multipick": _multipick,
}
_KINDS: dict[Convert, str] = {
    _text: "text",
    _integer: "whole number",
    _decimal: "number",
    _boolean: "true or false",
    _date: "date",
    _timestamp: "UTC timestamp",
    _multipick: "list",
}


def _kind(convert: Convert) -> str:
    return _KINDS.get(convert, "value of its enum")
