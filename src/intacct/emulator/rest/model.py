"""The model service, ``GET /services/core/model`` (portal: core OpenAPI
``get-services-model``): with ``name`` the full model of an object (``fields``,
``groups``, ``refs`` {apiObject, fields}, ``lists``, ``httpMethods``,
``idempotenceSupported``, ``apiObject``, ``type``), without it the short list of the
objects (``type`` filters it); ``version`` v1 (the default) or ``all``. Built from the
catalog: nothing per object.

From the portal's example (department): each field {type, readOnly, writeOnly,
required, nullable, mutable} plus ``enum``/``format``; ``required`` "is always set to
false"; ``lists`` an empty list when there are none. [U] Empty groups and refs are empty
lists too (the same writer); ``mutable`` is false for read-only fields and the id;
date and date-time fields are strings with that format, amounts strings with theirs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from intacct.emulator.rest.service import Outcome, refused
from intacct.protocol.rest_catalog import RestField, RestObject
from intacct.protocol.rest_types import to_model

__all__ = ["model_answer"]

#: in the order of the portal's example ("OPTIONS,GET,POST,DELETE,PATCH")
_METHODS: tuple[tuple[str, str], ...] = (
    ("list", "GET"),
    ("get", "GET"),
    ("create", "POST"),
    ("delete", "DELETE"),
    ("update", "PATCH"),
)


def model_answer(
    query: Mapping[str, str],
    find: Callable[[str], RestObject | None],
    company: Callable[[], Sequence[RestObject]],
) -> Outcome | dict[str, Any] | list[dict[str, Any]]:
    """The model (a dict), the list of objects, or the refusal (``find``: the object a
    path names for this caller; ``company``: the objects the company has, the catalog's
    and its transaction definitions', :mod:`.documents`, asked for the list only)."""
    version = query.get("version", "v1")
    if version not in ("v1", "all"):
        return refused(400, "invalidRequest", f"Unknown API version '{version}'.")
    name = query.get("name", "").removeprefix("objects/")
    if not name:
        wanted = {t.strip() for t in query.get("type", "").split(",") if t.strip()}
        return [
            short
            for short in (_short(o) for o in company())
            if not wanted or {"object", short["type"]} & wanted
        ]
    obj = find(name)
    if obj is None:
        return refused(404, "notFound", f"Resource {name} does not exist.")
    return _full(obj)


def _short(obj: RestObject) -> dict[str, Any]:
    return {
        "apiObject": f"objects/{obj.path}",
        "type": "ownedObject" if obj.owner else "rootObject",
        "href": f"/services/core/model?name=objects/{obj.path}&version=v1",
    }


def _full(obj: RestObject) -> dict[str, Any]:
    tree = _tree(obj)
    tree["httpMethods"] = ",".join(
        dict.fromkeys(["OPTIONS", *(m for op, m in _METHODS if op in obj.operations)])
    )
    tree["idempotenceSupported"] = True
    return {**tree, **_short(obj)}


def _tree(obj: RestObject) -> dict[str, Any]:
    """Fields nested by their dot paths: a group whose members name an object is a
    ref, any other a group; arrays are lists."""
    root: dict[str, Any] = {}
    refs = obj.ref_groups()
    for field in obj.fields.values():
        if field.name == "href":
            continue
        node, path = root, ""
        for part in field.name.split(".")[:-1]:
            path = f"{path}.{part}" if path else part
            kind = "refs" if path in refs else "groups"
            node = node.setdefault(kind, {}).setdefault(part, {})
            if kind == "refs":
                node.setdefault("apiObject", refs[path])
        leaf = field.name.rpartition(".")[2]
        if field.type == "array":
            node.setdefault("lists", {})[leaf] = {"apiObject": field.items}
        else:
            node.setdefault("fields", {})[leaf] = _describe(field, obj)
    return _emptied(root)


def _emptied(node: dict[str, Any], *, ref: bool = False) -> dict[str, Any]:
    """Every kind present, empty ones as ``[]`` (a ref shows only what it has)."""
    for kind in ("fields", "groups", "refs", "lists"):
        members = node.get(kind, None if ref else [])
        if members is None:
            continue
        node[kind] = members
        if isinstance(members, dict) and kind in ("groups", "refs"):
            for child in members.values():
                _emptied(child, ref=kind == "refs")
    return node


def _describe(field: RestField, obj: RestObject) -> dict[str, Any]:
    kind, fmt = to_model(field)  # the one REST type table
    described: dict[str, Any] = {
        "type": kind,
        "readOnly": field.read_only,
        "writeOnly": field.write_only,
        "required": False,
        "nullable": field.nullable,
        "mutable": not field.read_only and field.name != obj.id,
    }
    if field.enum:  # a listed null is the field's nullability, not a value [U]
        described["enum"] = [v for v in field.enum if v is not None]
        described["nullable"] = field.nullable or None in field.enum
    if fmt:
        described["format"] = fmt
    return described
