"""REST records built from rows: dot paths nested into objects (``vendor.id`` ->
``{"vendor": {"id": ...}}``, as the portal's answers and the golden query page show
them), references with their ``href``, a document's lines as an array."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from intacct.emulator.rest.source import View
from intacct.emulator.rest.values import Converter, converter

__all__ = ["HREF", "Renderer", "columns_for", "href_of", "nest", "whole_names"]

HREF = "href"

_Pick = Callable[[Sequence[Any]], Sequence[Any]]


def nest(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Dot paths and values as nested objects, in the order given."""
    record: dict[str, Any] = {}
    for path, value in pairs:
        *groups, leaf = path.split(".")
        node = record
        for group in groups:
            node = node.setdefault(group, {})
        node[leaf] = value
    return record


def href_of(path: str, key: Any) -> str | None:
    return None if key is None else f"/objects/{path}/{key}"


def columns_for(view: View, names: Iterable[str]) -> list[str]:
    """The source columns ``names`` need (an href needs its key's column)."""
    needed: list[str] = []
    for name in names:
        column = view.columns.get(_key_field(view, name)) if _is_href(view, name) else None
        column = column or view.columns.get(name)
        if column is not None and column.column and column.column not in needed:
            needed.append(column.column)
    return needed


def _is_href(view: View, name: str) -> bool:
    group = name[: -len(HREF)].rstrip(".")
    return name.endswith(HREF) and (name == HREF or group in view.obj.ref_groups())


def _key_field(view: View, name: str) -> str:
    group = name[: -len(HREF)].rstrip(".")
    return f"{group}.key" if group else view.obj.key


class Renderer:
    """The records of ``view`` with fields ``names`` (dot paths), nested as :func:`nest`
    nests them. What each field needs is worked out once a page, not once a value
    (rendering is the hot path of REST reads): the column it reads and its converter (or
    its one value, for a constant), and the nesting, each object's members in order. A
    row then costs a converter call a field read and a dict an object. A field asked
    twice shows once, where first asked, as :func:`nest` leaves it."""

    def __init__(self, view: View, names: Iterable[str]) -> None:
        self.names = list(names)
        self.columns = columns_for(view, self.names)
        reads: list[tuple[str, Converter]] = []
        constants: list[Any] = []
        places: dict[str, tuple[bool, int]] = {}  # name -> (read?, its place in either)
        for name in self.names:
            if name in places:
                continue
            read = self._read(view, name)
            if isinstance(read, _Constant):
                places[name] = (False, len(constants))
                constants.append(read.value)
            else:
                places[name] = (True, len(reads))
                reads.append(read)
        self._reads, self._constants = reads, constants
        index = {n: i if read else len(reads) + i for n, (read, i) in places.items()}
        self._groups = _groups(list(index), index, len(index))
        self._order = [index[n] for n in self.names]  # for nest, when there is no plan

    def __call__(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The record of ``row``."""
        get = row.get
        values = [convert(get(column)) for column, convert in self._reads]
        values += self._constants
        if self._groups is None:
            return nest(zip(self.names, [values[i] for i in self._order], strict=True))
        for keys, pick in self._groups:
            values.append(dict(zip(keys, pick(values), strict=True)))
        record: dict[str, Any] = values[-1]
        return record

    @staticmethod
    def _read(view: View, name: str) -> tuple[str, Converter] | _Constant:
        """Field ``name``: (the column it reads, its converter), or its one value."""
        if _is_href(view, name):
            group = name[: -len(HREF)].rstrip(".")
            path = view.obj.ref_groups()[group] if group else view.obj.path
            key_column = view.columns.get(_key_field(view, name))
            if key_column is None:
                return _Constant(None)
            key = converter(key_column, view.zone)
            if key_column.column is None:
                return _Constant(href_of(path, key(key_column.params[0])))
            return key_column.column, lambda raw: href_of(path, key(raw))
        column = view.columns.get(name)
        if column is None:
            return "", _missing(name)  # no such column: the first row says so, as before
        convert = converter(column, view.zone)
        if column.column is None:
            return _Constant(convert(column.params[0]))
        return column.column, convert


def _missing(name: str) -> Converter:
    def fail(_: Any) -> Any:
        raise KeyError(name)

    return fail


class _Constant:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _groups(
    names: Sequence[str], index: Mapping[str, int], count: int
) -> list[tuple[tuple[str, ...], _Pick]] | None:
    """How a record's objects are built from its values (``index``: a name's place among
    them, ``count`` values in all): each object (groups deepest first, the record last)
    as its keys and what picks their values, an object built earlier being appended to
    the values. None when a path is both a value and a group (``a`` and ``a.b``): those
    :func:`nest` alone knows how to mix."""
    members: dict[tuple[str, ...], dict[str, int | tuple[str, ...]]] = {(): {}}
    leaves = set()
    for name in names:
        parts = tuple(name.split("."))
        leaves.add(parts)
        for depth in range(1, len(parts)):
            group = parts[:depth]
            members.setdefault(group[:-1], {}).setdefault(group[-1], group)
            members.setdefault(group, {})
        members[parts[:-1]].setdefault(parts[-1], index[name])
    if leaves & members.keys():
        return None
    built: dict[tuple[str, ...], int] = {}
    plan: list[tuple[tuple[str, ...], _Pick]] = []
    for group in sorted(members, key=len, reverse=True):
        places = [p if isinstance(p, int) else built[p] for p in members[group].values()]
        plan.append((tuple(members[group]), _picker(places)))
        built[group] = count + len(plan) - 1
    return plan


def _picker(places: Sequence[int]) -> _Pick:
    if len(places) == 1:
        place = places[0]
        return lambda values: (values[place],)
    if not places:
        return lambda values: ()
    return itemgetter(*places)


def whole_names(view: View) -> list[str]:
    """Every field a whole record shows: the catalog's, each reference's ``href``, the
    record's own ``href`` last."""
    names = [f.name for f in view.obj.fields.values() if f.name in view.columns]
    refs = [f"{group}.{HREF}" for group in view.obj.ref_groups()]
    return [*names, *refs, HREF]
