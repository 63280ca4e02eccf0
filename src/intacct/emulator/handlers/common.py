"""Helpers shared by handlers: parameters, permissions, record rendering."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from copy import deepcopy
from typing import Any

from lxml import etree

from intacct.emulator import errors, querylang
from intacct.emulator.catalog import ObjectDef
from intacct.emulator.dispatch import Ctx, Outcome
from intacct.emulator.errors import ErrorLine, FunctionError
from intacct.emulator.values import wire_column

__all__ = [
    "bad_parameter",
    "check_fields",
    "int_param",
    "object_def",
    "RecordPage",
    "record_element",
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


class RecordPage:
    """A page of records (query, readByQuery, readMore): each column converted at once
    (rendering is the emulator's hot path), then written as text into the answer
    (:class:`~intacct.emulator.wire.Spliced`): no element is built for a record. A page
    whose text lxml might write otherwise (any value not printable ASCII, tab and
    newline aside) is built as elements at once, as every page was before: lxml then
    refuses what it refuses, here, in the function that read it."""

    _marks = itertools.count()

    def __init__(
        self,
        tag: str,
        obj: ObjectDef,
        rows: Iterable[Sequence[Any]],
        names: Sequence[str],
        date_format: str,
        special: Callable[[Any], str] | None = None,
    ) -> None:
        self.tag, self.names = tag, list(names)
        self.mark = f"ia-records-{next(self._marks)}"
        rows = list(rows)
        self._count = len(rows)
        # lxml checks the tag and names, as when each record was built
        self._template = etree.Element(tag)
        for name in self.names:
            etree.SubElement(self._template, name)
        convert = [_column(obj, name, date_format, special) for name in self.names]
        columns = zip(*rows, strict=True) if rows else ([] for _ in convert)
        self._columns = [c(list(values)) for c, values in zip(convert, columns, strict=True)]
        self._escaped = _escaped(self._columns) if rows and self.names else None
        self._built = None if self._escaped is not None else self._build()

    def __len__(self) -> int:
        return self._count

    def elements(self) -> list[etree._Element]:
        """The records as elements (built now, when written as text)."""
        return self._built if self._built is not None else self._build()

    def outcome(self, attrs: dict[str, str]) -> Outcome:
        """The page as ``<data attrs>``: the place of its text, or its elements."""
        data = etree.Element("data", attrs)
        if self._built is not None:
            data.extend(self._built)
            return Outcome(data=data)
        etree.SubElement(data, self.mark)
        return Outcome(data=data, spliced=self)

    def text(self, indent: str | None) -> bytes:
        """The records as lxml writes them (:class:`~intacct.emulator.wire.Spliced`):
        each record the markup between its values and the values, joined in C."""
        assert self._escaped is not None
        lead, step = ("", "") if indent is None else (indent, "\n")
        inner = lead + "  " if step else ""
        opened = [f"{inner}<{n}>" for n in self.names]
        closed = [f"</{n}>{step}" for n in self.names]
        markup = [f"{lead}<{self.tag}>{step}{opened[0]}"]
        markup += [c + o for c, o in zip(closed, opened[1:], strict=False)]
        markup.append(f"{closed[-1]}{lead}</{self.tag}>{step}")
        pieces: list[Iterable[str]] = [itertools.repeat(markup[0])]
        for values, after in zip(self._escaped, markup[1:], strict=True):
            pieces += [values, itertools.repeat(after)]
        return "".join(map("".join, zip(*pieces, strict=False))).encode()

    def _build(self) -> list[etree._Element]:
        # one empty record copied per row: lxml copies a tree in C about twice as fast
        # as Python builds it element by element
        out = []
        for values in zip(*self._columns, strict=True) if self.names else [()] * self._count:
            record = deepcopy(self._template)
            for child, value in zip(record, values, strict=True):
                child.text = value
            out.append(record)
        return out


def _column(
    obj: ObjectDef, name: str, date_format: str, special: Callable[[Any], str] | None
) -> Callable[[Sequence[Any]], list[str]]:
    field = obj.field(name)
    if field is None and special is not None:
        return lambda values: [special(v) for v in values]
    return wire_column(field, date_format)


#: what lxml writes as it is in text, printable ASCII aside (all else: see RecordPage)
_CONTROL = re.compile("[^\t\n\x20-\x7f]")


def _escaped(columns: list[list[str]]) -> list[list[str]] | None:
    """The columns' values as lxml writes them in text (``&``, ``<``, ``>`` escaped);
    None when a value is no text or any might be written otherwise."""
    out = []
    for column in columns:
        try:
            joined = "".join(column)
        except TypeError:  # lxml refuses it
            return None
        if not joined.isascii() or (not joined.isprintable() and _CONTROL.search(joined)):
            return None
        if "&" in joined or "<" in joined or ">" in joined:
            column = [_escape(v) for v in column]
        out.append(column)
    return out


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def record_element(
    tag: str, obj: ObjectDef, row: Mapping[str, Any], names: Sequence[str], date_format: str
) -> etree._Element:
    return RecordPage(tag, obj, [[row.get(n) for n in names]], names, date_format).elements()[0]
