"""REST records built from rows: dot paths nested into objects (``vendor.id`` ->
``{"vendor": {"id": ...}}``, as the portal's answers and the golden query page show
them), references with their ``href``, a document's lines as an array."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache, partial
from types import CodeType
from typing import Any

from intacct.emulator.rest.source import View
from intacct.emulator.rest.values import Converter, converter, shown
from intacct.emulator.rest.written import Template, Writer, literal, texts_of
from intacct.emulator.values import each_distinct

__all__ = ["HREF", "Renderer", "columns_for", "href_of", "nest", "whole_names"]

HREF = "href"


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
    groups = view.obj.ref_groups()  # made afresh at each call: once here
    for name in names:
        column = view.columns.get(_key_field(view, name)) if _is_href(groups, name) else None
        column = column or view.columns.get(name)
        if column is not None and column.column and column.column not in needed:
            needed.append(column.column)
        placed = view.placement[0] if name == HREF and view.placement else None
        if placed and placed not in needed:
            needed.append(placed)
    return needed


def _is_href(groups: Mapping[str, str], name: str) -> bool:
    """Whether ``name`` is a reference's ``href`` (``groups``: the object's references)."""
    group = name[: -len(HREF)].rstrip(".")
    return name.endswith(HREF) and (name == HREF or group in groups)


def _key_field(view: View, name: str) -> str:
    group = name[: -len(HREF)].rstrip(".")
    return f"{group}.key" if group else view.obj.key


class Renderer:
    """The records of ``view`` with fields ``names`` (dot paths), nested as :func:`nest`
    nests them. What each field needs is worked out once a page, not once a value
    (rendering is the hot path of REST reads): the column it reads and its converter, or
    its one value (a constant), and each object's members in order. A page is then
    converted a column at a time (each distinct value once, :func:`.values.shown`) and
    its records made by one comprehension, a dict an object. A field asked twice shows
    once, where first asked, as :func:`nest` leaves it. An object whose members are all
    constants (a reference the XML records lack) is made once, and the records of a page
    share it: they are written, not changed."""

    def __init__(self, view: View, names: Iterable[str]) -> None:
        self.names = list(names)
        #: the source columns a page's rows hold, in this order
        self.columns = columns_for(view, self.names)
        self._reads: list[_Read] = []
        self._constants: list[Any] = []
        slots: dict[str, _Slot] = {}
        groups = view.obj.ref_groups()
        for name in self.names:
            if name not in slots:
                slots[name] = self._slot(view, groups, name)
        objects = self._plan(slots)
        self._order = [self._place(slots[n]) for n in self.names]  # nest's, if no plan
        self._make = self._nested if objects is None else self._compiled(objects)
        self._template = None if objects is None else self._written(objects)

    def records(self, rows: Sequence[Sequence[Any]]) -> list[dict[str, Any]]:
        """The records of ``rows`` (values of :attr:`columns`, in that order)."""
        return self._make(len(rows), self._values(rows))

    def written(self, rows: Sequence[Sequence[Any]]) -> Writer | list[dict[str, Any]]:
        """The records of ``rows`` to be written as the JSON array orjson writes of them
        (:mod:`.written`), or as dicts where orjson alone can tell how."""
        values = self._values(rows)
        texts = texts_of(values) if self._template is not None else None
        if self._template is not None and texts is not None:
            return partial(self._template.write, len(rows), texts)
        return self._make(len(rows), values)

    def _values(self, rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
        """Each read's values for ``rows``, shown as REST shows them."""
        count = len(rows)
        by_column = dict(zip(self.columns, zip(*rows, strict=True), strict=False))
        return [read(by_column, count) for read in self._reads]

    def _nested(self, count: int, values: list[list[Any]]) -> list[dict[str, Any]]:
        records = []
        for row in zip(*values, strict=True) if values else [()] * count:
            fields = [*row, *self._constants]
            records.append(nest(zip(self.names, [fields[i] for i in self._order], strict=True)))
        return records

    def _compiled(self, objects: list[tuple[tuple[str, ...], list[_Slot]]]) -> _Page:
        """A page's records made by one list comprehension over the columns' values, each
        record one nested dict display (a quarter of the time dict(zip()) takes an
        object). Its text holds only names made here and repr() of strings; it is
        compiled once for all pages of the same fields of an object."""

        def shown(slot: _Slot) -> str:
            kind, index = slot
            if kind == "read":
                return f"v{index}"
            if kind == "constant":
                return f"k{index}"
            keys, inner = objects[index]
            return (
                "{"
                + ", ".join(f"{k!r}: {shown(s)}" for k, s in zip(keys, inner, strict=True))
                + "}"
            )

        record = shown(("object", len(objects) - 1))
        reads = "".join(f"v{i}, " for i in range(len(self._reads)))
        each = f"for ({reads}) in zip(*values)" if reads else "for _ in range(count)"
        lines = ["def page(count, values):", f"    return [{record} {each}]"]
        names = {f"k{i}": value for i, value in enumerate(self._constants)}
        exec(_code("\n".join(lines)), names)  # noqa: S102 (the text is ours, see above)
        page: _Page = names["page"]
        return page

    def _written(self, objects: list[tuple[tuple[str, ...], list[_Slot]]]) -> Template | None:
        """A record's text as :meth:`_compiled` makes its dict (None: a key or constant
        orjson refuses, and so every page's records are written as dicts)."""
        constants = [literal(value) for value in self._constants]

        def parts(slot: _Slot) -> list[str | int | None]:
            kind, index = slot
            if kind == "read":
                return [index]
            if kind == "constant":
                return [constants[index]]
            keys, inner = objects[index]
            found: list[str | int | None] = ["{"]
            for n, (key, member) in enumerate(zip(keys, inner, strict=True)):
                found += ["," if n else "", literal(key), ":", *parts(member)]
            return [*found, "}"]

        made = parts(("object", len(objects) - 1))
        known = [part for part in made if part is not None]
        return Template(known) if len(known) == len(made) else None

    def _slot(self, view: View, groups: Mapping[str, str], name: str) -> _Slot:
        """Where field ``name``'s value is: a column read (and converted), or a constant."""
        if _is_href(groups, name):
            return self._href(view, groups, name)
        column = view.columns.get(name)
        if column is None:  # no such field: the first row says so, as before
            return self._read("", _missing(name))
        convert = converter(column, view.zone)
        if column.column is None:
            return self._fixed(convert, column.params[0])
        return self._read(column.column, convert)

    def _href(self, view: View, groups: Mapping[str, str], name: str) -> _Slot:
        """A reference's href, or the record's own: at the view's placement, when the
        record's path depends on its row (a document's at its definition's, read from
        the row with its key), else at the object's or the reference's path."""
        group = name[: -len(HREF)].rstrip(".")
        key_column = view.columns.get(_key_field(view, name))
        if key_column is None:
            return self._constant(None)
        key = converter(key_column, view.zone)
        placed = None if group else view.placement
        path = groups[group] if group else view.obj.path
        if placed is not None:
            by, at = placed
            if by is not None and key_column.column is not None:
                return self._placed(at, _column(by), key, _column(key_column.column))
            path = at(None)
        href = lambda raw: href_of(path, key(raw))  # noqa: E731
        if key_column.column is None:
            return self._fixed(href, key_column.params[0])
        return self._read(key_column.column, href)

    def _placed(self, at: Converter, by: _Read, key: Converter, own: _Read) -> _Slot:
        """A record's own href at the path its row's ``by`` value names."""

        def hrefs(by_column: Mapping[str, Sequence[Any]], count: int) -> list[Any]:
            paths = each_distinct(at, by(by_column, count))
            keys = shown(key, own(by_column, count))
            return [href_of(p, k) for p, k in zip(paths, keys, strict=True)]

        self._reads.append(hrefs)
        return "read", len(self._reads) - 1

    def _fixed(self, convert: Converter, stored: Any) -> _Slot:
        """A constant shown once; one that cannot be shown fails at the first row, as
        it did when each row showed it (a page of no records does not fail)."""
        try:
            return self._constant(convert(stored))
        except Exception:  # noqa: BLE001
            return self._read("", lambda _: convert(stored))

    def _read(self, column: str, convert: Converter) -> _Slot:
        """A value read from ``column`` (none there: null) and converted."""
        values = _column(column)
        self._reads.append(lambda by_column, count: shown(convert, values(by_column, count)))
        return "read", len(self._reads) - 1

    def _constant(self, value: Any) -> _Slot:
        self._constants.append(value)
        return "constant", len(self._constants) - 1

    def _place(self, slot: _Slot) -> int:
        """A slot's place among a row's values: reads, constants, then the objects made."""
        kind, index = slot
        if kind == "read":
            return index
        return len(self._reads) + index + (len(self._constants) if kind == "object" else 0)

    def _plan(self, slots: Mapping[str, _Slot]) -> list[tuple[tuple[str, ...], list[_Slot]]] | None:
        """How a row's objects are made, deepest first, the record last: each one's keys
        and what picks their values. None when a path is both a value and an object
        (``a`` and ``a.b``): how those mix, :func:`nest` alone knows."""
        members: dict[tuple[str, ...], dict[str, str | tuple[str, ...]]] = {(): {}}
        for name in slots:
            parts = tuple(name.split("."))
            for depth in range(1, len(parts)):
                group = parts[:depth]
                members[group[:-1]].setdefault(group[-1], group)
                members.setdefault(group, {})
            members[parts[:-1]].setdefault(parts[-1], name)
        if any(tuple(name.split(".")) in members for name in slots):
            return None
        made: dict[tuple[str, ...], _Slot] = {}
        objects: list[tuple[tuple[str, ...], list[_Slot]]] = []
        for group in sorted(members, key=len, reverse=True):
            keys = tuple(members[group])
            inner = [slots[m] if isinstance(m, str) else made[m] for m in members[group].values()]
            if group and all(kind == "constant" for kind, _ in inner):
                values = [self._constants[index] for _, index in inner]
                made[group] = self._constant(dict(zip(keys, values, strict=True)))
            else:
                made[group] = "object", len(objects)
                objects.append((keys, inner))
        return objects


_Slot = tuple[str, int]
#: a read's values for a page: (the page's columns by name, its number of rows)
_Read = Callable[[Mapping[str, Sequence[Any]], int], list[Any]]
#: a page's records from (its number of rows, each read's values)
_Page = Callable[[int, list[list[Any]]], list[dict[str, Any]]]


def _column(name: str) -> _Read:
    """The values of column ``name`` (nulls when the page has no such column)."""
    return lambda by_column, count: list(by_column.get(name, (None,) * count))


def _missing(name: str) -> Converter:
    def fail(_: Any) -> Any:
        raise KeyError(name)

    return fail


@lru_cache(maxsize=256)
def _code(text: str) -> CodeType:
    return compile(text, "<REST record>", "exec")


def whole_names(view: View) -> list[str]:
    """Every field a whole record shows: the catalog's, each reference's ``href``, the
    record's own ``href`` last."""
    names = [f.name for f in view.obj.fields.values() if f.name in view.columns]
    refs = [f"{group}.{HREF}" for group in view.obj.ref_groups()]
    return [*names, *refs, HREF]
