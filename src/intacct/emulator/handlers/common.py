"""Helpers shared by handlers: parameters, permissions, record rendering."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lxml import etree

from intacct.emulator import errors, querylang
from intacct.emulator.catalog import FieldDef, ObjectDef
from intacct.emulator.dispatch import Ctx
from intacct.emulator.errors import ErrorLine, FunctionError
from intacct.emulator.values import to_wire

__all__ = [
    "bad_parameter",
    "check_fields",
    "int_param",
    "object_def",
    "record_element",
    "text_param",
]


def bad_parameter(function: str, text: str) -> FunctionError:
    return FunctionError(ErrorLine("XL03000003", "", f"{function}: {text}", ""))


def text_param(ctx: Ctx, tag: str, *, required: bool = False, default: str = "") -> str:
    el = ctx.fn.body.find(tag)
    if el is None:
        for child in ctx.fn.body:  # read functions accept any letter case (returnFormat)
            if isinstance(child.tag, str) and child.tag.lower() == tag.lower():
                el = child
                break
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
        raise errors.permission_denied(f"{obj.name} ({obj.module} module)")
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


def record_element(
    tag: str, obj: ObjectDef, row: Mapping[str, Any], names: Iterable[str], date_format: str
) -> etree._Element:
    record = etree.Element(tag)
    for name in names:
        field: FieldDef | None = obj.field(name)
        value = row.get(name)
        text = (
            to_wire(field, value, date_format) if field else ("" if value is None else str(value))
        )
        etree.SubElement(record, name).text = text
    return record
