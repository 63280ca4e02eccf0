"""The parameter checks the function builders share.

Each check raises :class:`RequestBuildError` naming the bad parameter; those that
normalize return the value to keep.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from intacct.errors import RequestBuildError
from intacct.protocol.query import check_field_name
from intacct.protocol.xml import check_text

__all__ = [
    "as_tuple",
    "batch",
    "boolean",
    "exactly_one",
    "field_list",
    "fields_mapping",
    "int_in_range",
    "non_empty_text",
    "object_name",
    "optional_text",
    "record_keys",
    "return_format",
    "set_field",
]

_OBJECT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
_RETURN_FORMATS = ("xml", "json", "csv")


def set_field(obj: object, name: str, value: object) -> None:
    """Normalize a field of a frozen dataclass in ``__post_init__``."""
    object.__setattr__(obj, name, value)


def object_name(value: object, what: str = "object") -> str:
    if not isinstance(value, str) or _OBJECT.fullmatch(value) is None:
        raise RequestBuildError(what, f"{value!r} is not an object name")
    return value


def non_empty_text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise RequestBuildError(what, "must be a non-empty string")
    return check_text(value, what)


def optional_text(value: object, what: str) -> None:
    if value is not None:
        non_empty_text(value, what)


def int_in_range(value: object, what: str, low: int, high: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestBuildError(what, f"must be an integer, not {type(value).__name__}")
    if value < low or (high is not None and value > high):
        bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise RequestBuildError(what, f"{value} is out of range: must be {bounds}")


def return_format(value: object) -> None:
    if value is not None and value not in _RETURN_FORMATS:
        raise RequestBuildError("returnformat", f"{value!r} is not one of {_RETURN_FORMATS}")


def boolean(value: object, what: str) -> None:
    if not isinstance(value, bool):
        raise RequestBuildError(what, f"must be True or False, not {value!r}")


def exactly_one(what: str, **choices: object) -> None:
    given = [name for name, value in choices.items() if value is not None]
    if len(given) != 1:
        raise RequestBuildError(what, f"give exactly one of {', '.join(choices)}")


def as_tuple(value: object, what: str) -> tuple[Any, ...]:
    if isinstance(value, str | int):
        return (value,)
    if not isinstance(value, Sequence):
        raise RequestBuildError(what, f"must be a list, not {type(value).__name__}")
    return tuple(value)


def batch(value: object, what: str, limit: int) -> tuple[Any, ...]:
    """1..``limit`` items (``what`` names them: keys, records) for one call."""
    items = as_tuple(value, what)
    if not 1 <= len(items) <= limit:
        raise RequestBuildError(what, f"{len(items)} {what}: give 1 to {limit} per call")
    return items


def record_keys(value: object, limit: int, what: str = "keys") -> tuple[str, ...]:
    """1..``limit`` keys, sent comma-joined, so a key may not itself hold a comma."""
    texts = []
    for index, key in enumerate(batch(value, what, limit)):
        if isinstance(key, bool) or not isinstance(key, int | str) or key == "":
            raise RequestBuildError(f"{what}[{index}]", f"{key!r} is not a record key")
        text = check_text(str(key), f"{what}[{index}]")
        if "," in text:
            raise RequestBuildError(f"{what}[{index}]", f"{text!r} contains ',' (the separator)")
        texts.append(text)
    return tuple(texts)


def field_list(value: object, what: str = "fields") -> str:
    """``"*"`` or a comma-separated list of checked field names."""
    names = value.split(",") if isinstance(value, str) else as_tuple(value, what)
    if names in (["*"], ("*",)):
        return "*"
    if not names:
        raise RequestBuildError(what, "give at least one field, or '*' for all")
    return ",".join(
        check_field_name(n.strip() if isinstance(n, str) else n, f"{what}[{i}]")
        for i, n in enumerate(names)
    )


def fields_mapping(value: object, what: str) -> Mapping[str, Any]:
    """A record's fields: a non-empty mapping of field name to value."""
    if not isinstance(value, Mapping) or not value:
        raise RequestBuildError(what, "fields must be a non-empty mapping")
    return value
