"""A record written with Intacct's XML field names, as the REST API's JSON body.

The target takes records as the XML gateway names them (``VENDORID``,
``DISPLAYCONTACT.CONTACTNAME``, a bill's lines under ``APBILLITEMS``), checked and
typed against the XML object's model (:mod:`intacct.target.checks`). With ``api: rest``
they go through the REST API, so each field becomes the REST field the catalog pairs
with it (:mod:`.rest_catalog`): a dot path into groups and references
(``vendor.id``), an enum member through ``xml_values``, a date in ISO form, a document's
lines under its ``lines`` field as the line object's fields.

A field REST cannot write (no pair, or REST's pair is read-only) is left out and
named in :attr:`RestBody.ignored`, as the XML gateway's read-only fields are: a record
read from Intacct carries every field (``RECORD_URL``, the entity's, a vendor's contact
details, which REST names only by the contact's id), and its writable fields must still
be written; the caller reports what was left out. A value REST cannot take (a date
that is none) is a :class:`RestBodyError` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from intacct.protocol.rest_catalog import RestCatalog, RestField, RestObject, rest_catalog

__all__ = ["RestBody", "RestBodyError", "by_id", "rest_body", "rest_value"]


class RestBodyError(ValueError):
    """A field the REST API cannot take: ``field`` (the XML name) and ``reason``."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(slots=True)
class RestBody:
    """A record's REST ``body`` and the XML fields REST cannot write (``ignored``)."""

    body: dict[str, Any] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


def rest_body(
    obj: RestObject, fields: Mapping[str, Any], catalog: RestCatalog | None = None
) -> RestBody:
    """``fields`` (XML names, nested as the target prepares them) as ``obj``'s body;
    ``catalog`` (the run's; None: the packaged one) names its line object."""
    container = obj.lines.get("xml_owned")
    out = RestBody()
    for name, value in _flat(fields, skip=container):
        _put(out, out.body, obj, name, value, where="")
    by_id(obj, out.body)
    if container and container in fields:
        line_obj = (catalog if catalog is not None else rest_catalog())[obj.lines["path"]]
        rows = _rows(fields[container])
        out.body[obj.lines["field"]] = [
            _line(out, line_obj, row, f"{container}[{index}].") for index, row in enumerate(rows)
        ]
    return out


def _line(out: RestBody, obj: RestObject, row: Mapping[str, Any], where: str) -> dict[str, Any]:
    line: dict[str, Any] = {}
    for name, value in _flat(row):
        _put(out, line, obj, name, value, where=where)
    by_id(obj, line)
    return line


def by_id(obj: RestObject, body: dict[str, Any]) -> None:
    """A reference given by both its ``id`` and its ``key`` goes by its id: both name
    the same record where the record was read, but a key is that company's RECORDNO,
    while an id names the record in any company (a tap's records written elsewhere)."""
    for group in obj.ref_groups():
        node: Any = body
        for part in group.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and node.get("id") not in (None, "") and "key" in node:
            del node["key"]


def _rows(container: Any) -> list[Mapping[str, Any]]:
    """A container's lines: ``{"APBILLITEM": [...]}`` as :func:`~.checks.prepare` nests them."""
    if isinstance(container, Mapping):
        rows: Any = next(iter(container.values()), [])
        return list(rows) if isinstance(rows, list) else [rows]
    return list(container)


def _flat(
    record: Mapping[str, Any], prefix: str = "", skip: str | None = None
) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for name, value in record.items():
        if name == skip and not prefix:
            continue
        if isinstance(value, Mapping):
            out += _flat(value, f"{prefix}{name}.")
        else:
            out.append((f"{prefix}{name}", value))
    return out


def _put(
    out: RestBody, node: dict[str, Any], obj: RestObject, name: str, value: Any, where: str
) -> None:
    paired = obj.writer(name)
    if paired is None:
        out.ignored.append(f"{where}{name}")
        return
    *groups, leaf = paired.name.split(".")
    for group in groups:
        node = node.setdefault(group, {})
    node[leaf] = rest_value(paired, value, f"{where}{name}")


def rest_value(field: RestField, value: Any, name: str) -> Any:
    """``value`` as REST takes ``field``'s (``name``: the record's name for it, for
    :class:`RestBodyError`)."""
    if value == "":
        return None if field.type != "string" else ""  # "" clears a field
    if field.type == "enum":
        return _member(field, str(value))
    if field.type == "boolean":
        return bool(value)
    if field.type in ("number", "integer"):
        return _number(value, name)
    if field.type == "date":
        return _iso_date(value, name)
    if field.type == "date-time":
        return value.isoformat() if isinstance(value, datetime) else str(value)
    return str(value)


def _member(field: RestField, value: str) -> str:
    """The XML value as REST's enum member: the catalog's pairing, else the member
    equal to it but for case, else the value itself (as reading does the other way)."""
    for member, xml in field.xml_values.items():
        if xml == value:
            return member
    folded = {str(m).lower(): str(m) for m in field.enum if m is not None}
    return folded.get(value.lower(), value)


def _number(value: Any, name: str) -> int | float:
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise RestBodyError(name, f"expected a number, got {value!r}")
    return int(number) if number == number.to_integral_value() else float(number)


def _iso_date(value: Any, name: str) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if "/" in text:  # the gateway's MM/DD/YYYY, as the checks pass it on
        month, day, year = (int(part) for part in text.split("/"))
        return date(year, month, day).isoformat()
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise RestBodyError(name, f"expected a date, got {value!r}") from None
