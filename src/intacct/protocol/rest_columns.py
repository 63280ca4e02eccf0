"""A record of a REST-only object, as its stream carries it (flat columns: ``vendor.id``,
``audit.createdDateTime``, :attr:`~.rest_catalog.RestField.column`), as the REST API's
JSON body: each column back to its field, nested by the field's dotted name.

Left out and named in :attr:`~.rest_write.RestBody.ignored`: what the catalog says REST
does not take from a client, its read-only fields (``key``, ``href``, ``audit.*``, a
generated ``id``, a reference's ``entity.name``). A reference given by both its id and
key goes by its id (:func:`~.rest_write.by_id`): a key is one company's record number.
A ``null`` is sent only where the field is nullable (elsewhere it is left out: a tap's
record has a null for every field the record lacks). Properties starting with ``_``
are the stream's metadata (``_sdc_*``, ``_entity_id``), not fields.

A column the object does not have, or a value its field cannot take (an enum value not
among its members, a boolean that is none, a date that is none), is a
:class:`~.rest_write.RestBodyError` naming the column.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from intacct.protocol.rest_catalog import RestField, RestObject
from intacct.protocol.rest_write import RestBody, RestBodyError, by_id, rest_value

__all__ = ["column_body", "columns_of"]


def columns_of(obj: RestObject) -> dict[str, RestField]:
    """``obj``'s fields by the column its stream gives each."""
    return {f.column: f for f in obj.fields.values() if f.type != "array"}


def column_body(obj: RestObject, record: Mapping[str, Any]) -> RestBody:
    """``record`` (column -> value) as ``obj``'s body, and the columns left out."""
    columns = columns_of(obj)
    out = RestBody()
    for name, value in record.items():
        if name.startswith("_"):
            continue
        found = columns.get(name)
        if found is None:
            raise RestBodyError(name, f"{obj.path} has no field {name}")
        if found.read_only:
            out.ignored.append(name)
            continue
        if value is None and not found.nullable:
            continue
        *groups, leaf = found.name.split(".")
        node = out.body
        for group in groups:
            node = node.setdefault(group, {})
        node[leaf] = None if value is None else _value(found, value, name)
    by_id(obj, out.body)
    return out


def _value(field: RestField, value: Any, name: str) -> Any:
    """What REST takes: an enum's member as it is, a boolean as one, an amount (a
    ``decimal`` format) as its exact text; the rest as :func:`~.rest_write.rest_value`."""
    if field.type == "enum":
        members = [str(m) for m in field.enum if m is not None]
        if members and str(value) not in members:
            raise RestBodyError(name, f"expected one of {', '.join(members)}, got {value!r}")
        return str(value)
    if field.type == "boolean":
        if not isinstance(value, bool):
            raise RestBodyError(name, f"expected true or false, got {value!r}")
        return value
    if "decimal" in field.format or "percent" in field.format:
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            number = Decimal("NaN")
        if isinstance(value, bool) or not number.is_finite():
            raise RestBodyError(name, f"expected a number, got {value!r}")
        return str(number)
    try:
        return rest_value(field, value, name)
    except RestBodyError:
        raise
    except (ArithmeticError, ValueError):  # a number or date that is none
        raise RestBodyError(name, f"expected a {field.type}, got {value!r}") from None
