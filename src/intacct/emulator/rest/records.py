"""REST records built from rows: dot paths nested into objects (``vendor.id`` ->
``{"vendor": {"id": ...}}``, as the portal's answers and the golden query page show
them), references with their ``href``, a document's lines as an array."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from intacct.emulator.rest.source import View
from intacct.emulator.rest.values import to_rest

__all__ = ["HREF", "columns_for", "href_of", "nest", "render"]

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


def value_of(view: View, name: str, row: Mapping[str, Any]) -> Any:
    """Field ``name`` of ``row`` as REST shows it."""
    if _is_href(view, name):
        group = name[: -len(HREF)].rstrip(".")
        path = view.obj.ref_groups()[group] if group else view.obj.path
        key_column = view.columns.get(_key_field(view, name))
        if key_column is None:
            return None
        key = to_rest(key_column, _raw(key_column, row), view.zone)
        return href_of(path, key)
    column = view.columns[name]
    return to_rest(column, _raw(column, row), view.zone)


def _raw(column: Any, row: Mapping[str, Any]) -> Any:
    return column.params[0] if column.column is None else row.get(column.column)


def render(view: View, names: Iterable[str], row: Mapping[str, Any]) -> dict[str, Any]:
    """The record of ``row`` with fields ``names`` (dot paths), nested."""
    return nest((name, value_of(view, name, row)) for name in names)


def whole_names(view: View) -> list[str]:
    """Every field a whole record shows: the catalog's, each reference's ``href``, the
    record's own ``href`` last."""
    names = [f.name for f in view.obj.fields.values() if f.name in view.columns]
    refs = [f"{group}.{HREF}" for group in view.obj.ref_groups()]
    return [*names, *refs, HREF]
