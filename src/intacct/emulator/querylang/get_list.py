"""DTD 2.1 ``get_list``'s ``<filter>`` of ``expression``/``logical``."""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from intacct.emulator.catalog import FieldDef
from intacct.emulator.querylang.core import (
    Ctx,
    FieldSet,
    Lit,
    Sql,
    date_parts,
    elements,
    join,
    only_child,
    predicate,
    tag_of,
)
from intacct.emulator.querylang.errors import (
    DEFAULT_DATE_FORMAT,
    MAX_DEPTH,
    filter_error,
)

# --- DTD 2.1 get_list ----------------------------------------------------------------------

_GET_LIST_OPS = {
    "=": "=",
    "!=": "<>",
    "<>": "<>",  # [U] not in the DTD comment
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
    "like": "LIKE",
    "not like": "NOT LIKE",
    "is null": "IS NULL",
    "is not null": "IS NOT NULL",  # [U] not in the SDK's list
}


def translate_get_list_filter(
    filter_element: etree._Element,
    fields: Mapping[str, FieldDef],
    *,
    object_name: str = "",
    date_format: str = DEFAULT_DATE_FORMAT,
) -> tuple[str, list[object]]:
    """2.1 ``get_list``'s ``<filter>``: one ``expression`` or ``logical`` (nestable).

    Field names (lower-case in 2.1) are matched case-insensitively; values are written
    as in 3.0 (dates MM/DD/YYYY, ``true``/``false``, enum display values); ``LIKE`` sees
    dates in ``date_format`` (strftime, the company's display format).
    """
    ctx = Ctx(
        FieldSet(fields, object_name, dotted=False),
        codes=False,
        shown_date=date_parts(date_format),
    )
    sql = _get_list_node(ctx, only_child(filter_element, "expression or logical"), 1)
    ctx.fields.check()
    return sql.text, list(sql.params)


def _get_list_node(ctx: Ctx, node: etree._Element, depth: int) -> Sql:
    if depth > MAX_DEPTH:
        raise filter_error("the filter is nested too deeply")
    if tag_of(node) == "logical":
        op = (node.get("logical_operator") or "").strip().lower()
        if op not in ("and", "or"):
            raise filter_error('<logical> needs logical_operator="and" or "or"')
        children = elements(node)
        if not children:
            raise filter_error("<logical> needs at least one expression")
        return join(op.upper(), [_get_list_node(ctx, c, depth + 1) for c in children])
    if tag_of(node) != "expression":
        raise filter_error(f"expected <expression> or <logical>, not <{tag_of(node)}>")
    return _expression(ctx, node)


def _expression(ctx: Ctx, node: etree._Element) -> Sql:
    parts: dict[str, str] = {}
    for child in elements(node):
        tag = tag_of(child)
        if tag not in ("field", "operator", "value") or tag in parts:
            raise filter_error(f"<expression> does not take (another) <{tag}>")
        parts[tag] = child.text or ""
    name = parts.get("field", "").strip()
    if not name:
        raise filter_error("<expression> needs a non-empty <field>")
    raw_op = parts.get("operator", "")
    op = _GET_LIST_OPS.get(" ".join(raw_op.split()).lower())
    if op is None:
        allowed = ", ".join(k for k in _GET_LIST_OPS if k != "<>")
        raise filter_error(f"unknown operator '{raw_op}' (use one of {allowed})")
    return predicate(ctx, name, op, [Lit(parts.get("value", ""))])
