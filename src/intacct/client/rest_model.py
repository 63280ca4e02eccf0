"""What the REST API's model service says an object has, as the dot paths a query asks
for (portal: core OpenAPI, ``GET /services/core/model``).

A model lists an object's own ``fields``, its ``groups`` (``audit``: fields under a
name, which may hold groups and references of their own) and its ``refs`` (related
objects, with the members a query may read through them: ``vendor.id``). Lists (lines,
owned collections) are no query fields.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from intacct.errors import ResponseFormatError

__all__ = ["query_fields"]


def query_fields(model: Any, object: str = "the object") -> list[str]:
    """Every field of ``model`` a query may ask for, in the model's order: its own, its
    groups' (``audit.modifiedDateTime``) and its references' members (``vendor.id``)."""
    if not isinstance(model, Mapping) or not isinstance(model.get("fields"), Mapping):
        raise ResponseFormatError(f"the model service answered no fields for {object}")
    return list(dict.fromkeys(_paths(model, "")))


def _paths(model: Mapping[str, Any], prefix: str) -> Iterator[str]:
    yield from (prefix + name for name in _members(model.get("fields")))
    for kind in ("groups", "refs"):
        nested = model.get(kind)
        if isinstance(nested, Mapping):
            for name, inner in nested.items():
                if isinstance(inner, Mapping):
                    yield from _paths(inner, f"{prefix}{name}.")


def _members(fields: Any) -> list[str]:
    return [str(name) for name in fields] if isinstance(fields, Mapping) else []
