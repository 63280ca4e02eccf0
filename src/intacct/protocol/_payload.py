"""Record payloads as elements, for create/update and the legacy 2.1 create/update.

:func:`write_fields` writes a ``{FIELD: value}`` mapping as one element per field, in
the mapping's order, nesting mappings, repeating lists of mappings and sending lists of
values as multi-picks. A ``legacy`` payload also has its field names lower-cased, its
dates split into year/month/day and its ``customfields`` written as customfield pairs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from lxml import etree

from intacct.errors import RequestBuildError
from intacct.protocol._checks import non_empty_text
from intacct.protocol.values import encode_value, split_date
from intacct.protocol.xml import leaf, sub

__all__ = ["write_fields"]

_TAG = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*", re.ASCII)


def write_fields(
    parent: etree._Element, fields: Mapping[str, Any], path: str, *, legacy: bool
) -> etree._Element:
    """Append one element per field, in the mapping's order (2.1 DTDs are sequences);
    return ``parent``. ``path`` names the record in errors."""
    for key, value in fields.items():
        field_path = f"{path}.{key}"
        _write_value(parent, _tag(key, field_path, legacy), value, field_path, legacy=legacy)
    return parent


def _tag(key: object, path: str, legacy: bool) -> str:
    if not isinstance(key, str) or _TAG.fullmatch(key) is None:
        raise RequestBuildError(path, f"{key!r} is not a valid field (element) name")
    return key.lower() if legacy else key


def _write_value(
    parent: etree._Element, tag: str, value: object, path: str, *, legacy: bool
) -> None:
    if legacy and tag == "customfields":
        if not isinstance(value, Mapping):
            raise RequestBuildError(path, "customfields must be a mapping of name to value")
        _write_custom_fields(parent, value, path)
    elif isinstance(value, Mapping):
        write_fields(sub(parent, tag), value, path, legacy=legacy)
    elif _is_record_list(value, path):
        assert isinstance(value, list | tuple)
        for index, item in enumerate(value):  # owned lines: one <GLENTRY> per item
            write_fields(sub(parent, tag), item, f"{path}[{index}]", legacy=legacy)
    elif legacy and isinstance(value, date):
        split_date(parent, tag, _legacy_date(value, path))
    elif value is None:
        leaf(parent, tag, None)
    else:
        leaf(parent, tag, encode_value(value, path), field=path)


def _is_record_list(value: object, path: str) -> bool:
    """A list of mappings (repeated child records); a list of scalars is a multi-pick."""
    if not isinstance(value, list | tuple):
        return False
    mappings = [isinstance(item, Mapping) for item in value]
    if any(mappings) and not all(mappings):
        raise RequestBuildError(path, "a list must hold either only mappings or only values")
    return bool(value) and all(mappings)


def _legacy_date(value: date, path: str) -> date:
    # 2.1 dates are year/month/day only; a time of day would be silently lost.
    if isinstance(value, datetime):
        if value.time() != time(0):
            raise RequestBuildError(path, "legacy 2.1 dates have no time of day; pass a date")
        return value.date()
    return value


def _write_custom_fields(parent: etree._Element, values: Mapping[str, Any], path: str) -> None:
    """2.1 custom fields: names are data here (integration IDs), so their case is kept."""
    container = sub(parent, "customfields")
    for name, value in values.items():
        item_path = f"{path}.{name}"
        customfield = sub(container, "customfield")
        leaf(customfield, "customfieldname", non_empty_text(name, item_path))
        leaf(customfield, "customfieldvalue", encode_value(value, item_path), field=item_path)
