"""A Singer executable's config in JSON Schema (``--about``), built from the table of
keys (:mod:`intacct.config.keys`): the tap and the target share one config file and one
contract (docs/ARCHITECTURE.md, "Config keys")."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from singer_sdk import typing as th

from intacct.config import Key, Owner, Surface, keys_on, owned_by
from intacct.config.parsers import (
    Choice,
    Entities,
    Flag,
    Integer,
    Parser,
    Seconds,
    Timestamp,
)

__all__ = ["config_schema"]

# a type list, not anyOf: singer-sdk adds "null" to anyOf as a bare string, an invalid
# schema that fails with a traceback on a value of neither type
_LIST_OR_TEXT = th.CustomType({"type": ["array", "string"], "items": {"type": "string"}})
_TYPES: dict[type[Parser], Any] = {
    Integer: th.IntegerType,
    Seconds: th.NumberType,
    Flag: th.BooleanType,
    Timestamp: th.DateTimeType,
    Entities: _LIST_OR_TEXT,
}


def config_schema(
    surface: Surface, reads: Collection[Owner], ignored: str | None = None
) -> dict[str, Any]:
    """The keys on ``surface``, typed; those of an owner the executable does not
    ``reads`` come last, by name, described as ``ignored`` (accepted so that one config
    serves the tap and the target)."""
    keys = keys_on(surface)
    read = {k.name for k in owned_by(*reads)}
    used = [_property(k, surface) for k in keys if k.name in read]
    unused = sorted(k.name for k in keys if k.name not in read)
    return th.PropertiesList(
        *used, *(th.Property(name, th.AnyType, description=ignored) for name in unused)
    ).to_dict()


def _property(key: Key, surface: Surface) -> th.Property[Any]:
    parser = key.parser
    choices = list(parser.choices) if isinstance(parser, Choice) else None
    return th.Property(
        key.name,
        _TYPES.get(type(parser), th.StringType),
        required=key.always_required,
        default=key.offered,
        description=key.about_on(surface),
        secret=key.secret,
        allowed_values=choices,
        title=key.title,
    )
