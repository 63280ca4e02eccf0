"""Helpers shared by handlers: parameters, permissions, record rendering."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from copy import deepcopy
from typing import Any

from lxml import etree

from intacct.emulator import errors, querylang
from intacct.emulator.catalog import ObjectDef
from intacct.emulator.dispatch import Ctx
from intacct.emulator.errors import ErrorLine, FunctionError
from intacct.emulator.values import wire_converter

__all__ = [
    "bad_parameter",
    "check_fields",
    "int_param",
    "object_def",
    "record_element",
    "record_elements",
    "text_param",
]


def bad_parameter(function: str, text: str) -> FunctionError:
    return FunctionError(ErrorLine("XL03000003", "", f"{function}: {text}", ""))


def _children(ctx: Ctx) -> dict[str, etree._Element]:
    """The function's child elements by lower-case tag (first wins), built once."""
    cached = ctx.state.get("children")
    if isinstance(cached, dict):
        return cached
    found: dict[str, etree._Element] = {}
    for child in ctx.fn.body:
        if isinstance(child.tag, str):
            found.setdefault(child.tag.lower(), child)
    ctx.state["children"] = found
    return found


def text_param(ctx: Ctx, tag: str, *, required: bool = False, default: str = "") -> str:
    # read functions accept any letter case (returnFormat / returnformat)
    el = ctx.fn.body.find(tag) if "/" in tag else _children(ctx).get(tag.lower())
    if el is None:
        if required:
            raise bad_parameter(ctx.fn.name, f"Element '{tag}' is required.")
        return default
    return (el.text or "").strip()


def int_param(ctx: Ctx, tag: str, default: int, low: int, high: int) -> int:
    text = text_param(ctx, tag)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise bad_parameter(ctx.fn.name, f"{tag} '{text}' is not an integer.") from None
    if not low <= value <= high:
        raise FunctionError(
            ErrorLine(
                "XL03000003",
                "",
                f"{tag} {value} is out of range: it must be between {low} and {high}.",
                f"Use a {tag} from {low} to {high}.",
            )
        )
    return value


def object_def(ctx: Ctx, name: str, *, write: bool = False) -> ObjectDef:
    obj = ctx.store.catalog.get_object(name)
    if obj is None:
        raise errors.unknown_object(name)
    if obj.module in ctx.scope.user.denied_modules:
        raise errors.api_permission_denied(errors.api_operation(ctx.fn.name), obj.name)
    if write and not obj.writable:
        raise FunctionError(
            ErrorLine(
                "BL01001973",
                "",
                f"{obj.name} is read-only: it cannot be created, updated or deleted.",
                "",
            )
        )
    return obj


def check_fields(obj: ObjectDef, names: Iterable[str], *, query: bool = False) -> list[str]:
    """Field names as given, each checked against the catalog."""
    out: list[str] = []
    blocked: list[str] = []
    for name in names:
        field = obj.field(name.strip().upper()) or obj.field(name.strip())
        if field is None:
            raise FunctionError(ErrorLine(f"Invalid fields list {name.strip()}", "", "", ""))
        if query and not field.queryable:
            blocked.append(field.name)
        out.append(field.name)
    if blocked:
        error = querylang.not_queryable_error(blocked, obj.name)
        raise FunctionError(ErrorLine(error.errorno, "", error.description2, error.correction))
    return out


def record_elements(
    tag: str,
    obj: ObjectDef,
    rows: Iterable[Sequence[Any]],
    names: Sequence[str],
    date_format: str,
    special: Callable[[Any], str] | None = None,
) -> list[etree._Element]:
    """Record elements for value rows (in ``names`` order). Converters are chosen once per
    page: rendering is the emulator's hot path. ``special`` renders names the object does
    not have (aggregates such as COUNT.RECORDNO)."""
    columns = [
        (
            name,
            wire_converter(obj.field(name), date_format)
            if obj.field(name) or not special
            else special,
        )
        for name in names
    ]
    # one empty record copied per row: lxml copies a tree in C about twice as fast as
    # Python builds it element by element
    template = etree.Element(tag)
    for name, _ in columns:
        etree.SubElement(template, name)
    converters = [convert for _, convert in columns]
    copy = deepcopy
    out = []
    for row in rows:
        record = copy(template)
        for child, convert, value in zip(record, converters, row, strict=True):
            child.text = convert(value)
        out.append(record)
    return out


def record_element(
    tag: str, obj: ObjectDef, row: Mapping[str, Any], names: Sequence[str], date_format: str
) -> etree._Element:
    return record_elements(tag, obj, [[row.get(n) for n in names]], names, date_format)[0]
