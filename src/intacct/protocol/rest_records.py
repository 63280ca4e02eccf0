"""A query page's records decoded straight into columns: the fast read of REST answers.

:func:`~.rest.parse_rest` decodes any answer into Python objects, a dict per record,
which the reader then walks value by value. A query page asks for known fields, so its
shape is known before it comes: :class:`RecordShape` makes a msgspec struct per level
of those fields' dot paths (``glAccount.id`` is a field ``id`` of a struct
``glAccount``), decodes the page's ``ia::result`` into them in C and turns the records
into one tuple of values per field (:class:`RestColumns`).

It only declines, never decides differently: an answer that is not a page of records
of that shape (an error, a value that is an object where a field's value was asked for,
a body that is no JSON, too deep) returns None, and the answer goes the general way,
which reads it or says what is wrong with it. Fields a record lacks are None, as an
absent value is to :func:`~intacct.client.rest_pages.value_at`; fields nobody asked
for are skipped.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

import msgspec
from msgspec.structs import astuple

__all__ = ["RecordShape", "RestColumns"]

#: what a field of a record may hold: a value, or a list of values (a multi-pick)
_Scalar = str | int | float | bool | None
_Leaf = _Scalar | list[_Scalar]


@dataclass(frozen=True, slots=True)
class _Node:
    """One level of the shape: its fields in order, each a leaf (a path) or a node."""

    names: tuple[str, ...]
    children: tuple[_Node | str, ...]


class RecordShape:
    """The decoder of a query page whose records hold ``paths`` (dot paths, as the query
    service's ``fields``). :meth:`of` makes one per field list and keeps it."""

    def __init__(self, paths: Sequence[str]) -> None:
        self.paths = tuple(dict.fromkeys(paths))
        self._root = _tree(self.paths)
        record = _struct(self._root, "Record")
        page = msgspec.defstruct(
            "Page",
            [
                ("result", list[record], msgspec.field(name="ia::result")),  # type: ignore[valid-type]
                ("meta", dict[str, Any], msgspec.field(default_factory=dict, name="ia::meta")),
            ],
            gc=False,
        )
        self._decoder = msgspec.json.Decoder(page)

    @classmethod
    @functools.lru_cache(maxsize=256)
    def of(cls, paths: tuple[str, ...]) -> RecordShape | None:
        """The shape of ``paths``, or None when one path is a prefix of another (a
        value and an object at once: no struct holds that)."""
        try:
            return cls(paths)
        except _ConflictError:
            return None

    def decode(self, content: bytes) -> tuple[RestColumns, Mapping[str, Any]] | None:
        """The page's columns and ``ia::meta``, or None: not a page of this shape."""
        try:
            page: Any = self._decoder.decode(content)
        except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
            return None
        columns: dict[str, Sequence[Any]] = {}
        _columns(self._root, page.result, columns)
        return RestColumns(columns, len(page.result)), page.meta


class _ConflictError(ValueError):
    pass


def _tree(paths: Sequence[str]) -> _Node:
    """The nested levels of ``paths`` (in their order, first seen first)."""
    levels: dict[str, Any] = {}
    for path in paths:
        level = levels
        parts = path.split(".")
        for part in parts[:-1]:
            level = level.setdefault(part, {})
            if not isinstance(level, dict):
                raise _ConflictError(path)
        if parts[-1] in level:
            raise _ConflictError(path)
        level[parts[-1]] = path
    return _node(levels)


def _node(level: Mapping[str, Any]) -> _Node:
    children = tuple(c if isinstance(c, str) else _node(c) for c in level.values())
    return _Node(tuple(level), children)


def _struct(node: _Node, name: str) -> type:
    """A struct for one level: Python-safe attribute names, the answer's names as keys;
    every field optional (a record may lack it)."""
    fields = []
    for i, (key, child) in enumerate(zip(node.names, node.children, strict=True)):
        kind: Any = _Leaf if isinstance(child, str) else _struct(child, f"{name}_{i}") | None
        fields.append((f"f{i}", kind, msgspec.field(default=None, name=key)))
    return msgspec.defstruct(name, fields, gc=False)


def _columns(node: _Node, structs: Sequence[Any], out: dict[str, Sequence[Any]]) -> None:
    """``structs`` (one per record at this level, None where a record has none) as a
    column per leaf path: each struct as a tuple, transposed (both in C: far cheaper
    than reading the structs' fields one by one)."""
    if None in structs:
        empty = (None,) * len(node.names)
        rows: Any = [empty if s is None else astuple(s) for s in structs]
    else:
        rows = map(astuple, structs)
    columns = list(zip(*rows, strict=True)) or [()] * len(node.names)
    for child, column in zip(node.children, columns, strict=True):
        if isinstance(child, str):
            out[child] = column
        else:
            _columns(child, column, out)


class RestColumns(Sequence[Mapping[str, Any]]):
    """A page's records as columns (``columns``: dot path -> one value per record);
    read as a sequence, each record is the nested dict the general way makes of it
    (made when asked: the column reader never needs them)."""

    def __init__(self, columns: Mapping[str, Sequence[Any]], count: int) -> None:
        self.columns = columns
        self._count = count

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Mapping[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Mapping[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> Mapping[str, Any] | Sequence[Mapping[str, Any]]:
        if isinstance(index, slice):
            return [self._record(i) for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        return self._record(index)

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        return (self._record(i) for i in range(self._count))

    def _record(self, index: int) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for path, column in self.columns.items():
            level = record
            *parents, last = path.split(".")
            for part in parents:
                level = level.setdefault(part, {})
            level[last] = column[index]
        return record
