"""A REST object's answers as JSON Schema, from the catalog Sage's OpenAPI specs were
generated into (docs/rest-catalog.md): names nested as the spec nests them, types,
formats, enums, lists of owned objects with their own schema, and the object reference
(``key``, ``id``, ``href``: strings, never null).

What the specs do not settle is stated, not guessed tighter:

* [U] a field with no value: the specs mark few fields nullable, yet Sage's examples
  leave members out or null; a null is taken for any field but the reference's three;
* a whole record (``GET /objects/<path>/<key>``) shows every field the spec lists that
  is not write-only (Sage's "detailed information"), lists as lists (empty or not);
  a query's answer only the fields asked;
* amounts (``decimal-*``/``percent-*`` formats) travel as strings of digits, bytes
  (``base64zip``, ``outbound-binary``, ``base64url``) as base64 text.
"""

from __future__ import annotations

import re
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from intacct.protocol.rest_catalog import RestCatalog, RestField, RestObject

__all__ = ["answer_validator"]

_CHECKER = FormatChecker(formats=())
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_AMOUNT = re.compile(r"-?\d+(\.\d+)?")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}")
_BINARY = {"base64zip": "base64", "outbound-binary": "base64", "base64url": "base64url"}


#: the formats checked, each a pattern a string must match whole (jsonschema checks
#: ``date-time`` only with an extra package: these are checked here, always)
_FORMATS = {
    "date": _DATE,
    "date-time": _DATE_TIME,
    "amount": _AMOUNT,
    "base64": _BASE64,
    "base64url": _BASE64URL,
}
for _name, _pattern in _FORMATS.items():
    _CHECKER.checks(_name)(
        lambda value, pattern=_pattern: not isinstance(value, str) or bool(pattern.fullmatch(value))
    )


_PLAIN = {
    "string": {"type": "string"},
    "object-ref": {"type": "string"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "date-time": {"type": "string", "format": "date-time"},
}


def answer_validator(catalog: RestCatalog, obj: RestObject, *, whole: bool) -> Draft202012Validator:
    """A validator of ``obj``'s records: ``whole`` for ``GET`` (every field present),
    else a query's (only what was asked)."""
    return Draft202012Validator(_schema(catalog, obj, whole, set()), format_checker=_CHECKER)


def _schema(catalog: RestCatalog, obj: RestObject, whole: bool, seen: set[str]) -> dict[str, Any]:
    root: dict[str, Any] = {"type": "object", "properties": {}}
    for field in obj.fields.values():
        node = root
        *groups, name = field.name.split(".")
        for group in groups:
            if whole:
                _require(node, group)
            node = node["properties"].setdefault(group, {"type": "object", "properties": {}})
        node["properties"][name] = _leaf(catalog, field, whole, seen | {obj.path})
        if whole and not field.write_only:
            _require(node, name)
    for name in ("key", "id", "href"):
        root["properties"][name] = {"type": "string"}
    return root


def _require(node: dict[str, Any], name: str) -> None:
    required = node.setdefault("required", [])
    if name not in required:
        required.append(name)


def _leaf(catalog: RestCatalog, field: RestField, whole: bool, seen: set[str]) -> dict[str, Any]:
    if field.type == "enum":
        return {"enum": [*field.enum, *([] if None in field.enum else [None])]}
    if field.type == "array":
        items = catalog.get(field.items or "")
        inner = _schema(catalog, items, whole, seen) if items and items.path not in seen else {}
        return {"type": ["array", "null"], "items": inner}
    if "-precision-" in field.format:  # decimal-precision-2...: an amount's text
        return {"type": ["string", "null"], "format": "amount"}
    if field.format in _BINARY:
        return {"type": ["string", "null"], "format": _BINARY[field.format]}
    if field.type == "number":
        return {"type": ["number", "null"]}
    plain = dict(_PLAIN.get(field.type, {}))
    if "type" in plain:
        plain["type"] = [plain["type"], "null"]
    return plain
