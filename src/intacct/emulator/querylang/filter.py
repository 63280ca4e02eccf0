"""The ``query`` function's XML ``<filter>`` and ``<orderby>``."""

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
    ident,
    join,
    only_child,
    order_term,
    predicate,
    tag_of,
)
from intacct.emulator.querylang.errors import (
    DEFAULT_DATE_FORMAT,
    MAX_DEPTH,
    MAX_IN_VALUES,
    filter_error,
)

# --- the query function: <filter> and <orderby> --------------------------------------------

_FILTER_OPS = {
    "equalto": ("=", 1, 1),
    "notequalto": ("<>", 1, 1),
    "lessthan": ("<", 1, 1),
    "lessthanorequalto": ("<=", 1, 1),
    "greaterthan": (">", 1, 1),
    "greaterthanorequalto": (">=", 1, 1),
    "between": ("BETWEEN", 2, 2),
    "in": ("IN", 1, MAX_IN_VALUES),
    "notin": ("NOT IN", 1, MAX_IN_VALUES),
    "like": ("LIKE", 1, 1),
    "notlike": ("NOT LIKE", 1, 1),
    "isnull": ("IS NULL", 0, 0),
    "isnotnull": ("IS NOT NULL", 0, 0),
}


def translate_filter(
    filter_element: etree._Element,
    fields: Mapping[str, FieldDef],
    *,
    caseinsensitive: bool = False,
    object_name: str = "",
    date_format: str = DEFAULT_DATE_FORMAT,
) -> tuple[str, list[object]]:
    """The query function's ``<filter>`` as SQL and parameters.

    Dotted names (``VENDOR.CREDITLIMIT``) are accepted only as keys of ``fields``.
    ``caseinsensitive`` (``options/caseinsensitive``) folds text and enum comparisons.
    Date literals are MM/DD/YYYY; ``LIKE`` sees dates in ``date_format`` (strftime, the
    company's display format).
    """
    ctx = Ctx(
        FieldSet(fields, object_name, dotted=True),
        codes=False,
        ci=caseinsensitive,
        shown_date=date_parts(date_format),
    )
    sql = _filter_node(ctx, only_child(filter_element, "condition"), 1)
    ctx.fields.check()
    return sql.text, list(sql.params)


def _filter_node(ctx: Ctx, node: etree._Element, depth: int) -> Sql:
    if depth > MAX_DEPTH:
        raise filter_error("the filter is nested too deeply")
    tag = tag_of(node)
    if tag in ("and", "or"):
        children = elements(node)
        if len(children) < 2:
            raise filter_error(f"<{tag}> needs at least two conditions, not {len(children)}")
        return join(tag.upper(), [_filter_node(ctx, c, depth + 1) for c in children])
    if tag not in _FILTER_OPS:
        raise filter_error(f"unknown operator <{tag}>")
    op, least, most = _FILTER_OPS[tag]
    name, values = _field_and_values(node, least, most)
    return predicate(ctx, name, op, [Lit(v) for v in values])


def _field_and_values(node: etree._Element, least: int, most: int) -> tuple[str, list[str]]:
    fields = [c for c in elements(node) if tag_of(c) == "field"]
    values = [c.text or "" for c in elements(node) if tag_of(c) == "value"]
    others = [tag_of(c) for c in elements(node) if tag_of(c) not in ("field", "value")]
    if others:
        raise filter_error(f"<{tag_of(node)}> does not take <{others[0]}>")
    name = (fields[0].text or "").strip() if len(fields) == 1 else ""
    if not name:
        raise filter_error(f"<{tag_of(node)}> needs exactly one non-empty <field>")
    if not least <= len(values) <= most:
        wanted = str(least) if least == most else f"{least} to {most}"
        raise filter_error(f"<{tag_of(node)}> takes {wanted} <value> elements, not {len(values)}")
    return name, values


def translate_orderby(
    orderby_element: etree._Element, fields: Mapping[str, FieldDef], *, object_name: str = ""
) -> str:
    """``<orderby><order><field>F</field><descending/></order>…`` as ``ORDER BY …``.

    Decimals sort numerically; NULLs last ascending, first descending (Oracle) [U].
    """
    field_set = FieldSet(fields, object_name, dotted=True)
    orders = elements(orderby_element)
    if not orders:
        raise filter_error("<orderby> needs at least one <order>")
    terms = [_order_term(field_set, order) for order in orders]
    field_set.check()
    return "ORDER BY " + ", ".join(terms)


def _order_term(field_set: FieldSet, order: etree._Element) -> str:
    if tag_of(order) != "order":
        raise filter_error(f"<orderby> takes <order> elements, not <{tag_of(order)}>")
    children = elements(order)
    names = [(c.text or "").strip() for c in children if tag_of(c) == "field"]
    directions = [tag_of(c) for c in children if tag_of(c) != "field"]
    if len(names) != 1 or not names[0]:
        raise filter_error("<order> needs exactly one non-empty <field>")
    if len(directions) > 1 or any(d not in ("ascending", "descending") for d in directions):
        raise filter_error("<order> takes one optional <ascending/> or <descending/>")
    key, field = field_set.resolve(names[0])
    col = f"CAST({ident(key)} AS REAL)" if field.type == "decimal" else ident(key)
    return order_term(col, descending=directions == ["descending"])
