"""The REST query service's ``filters``, ``filterExpression`` and ``orderBy`` as
parameterized SQL (every value a ``?``; a column reaches the SQL only as a
:class:`~.rest_values.Column` the caller resolved from the catalog).

Facts from the portal's core OpenAPI (``core-query``, copied in the project's sources):
each filter is ``{"$op": {"field": value}}``; the operators are ``$eq $ne $lt $lte $gt
$gte $in $notIn $between $notBetween $contains $notContains $startsWith $notStartsWith
$endsWith $notEndsWith $has``; the ``contains``/``starts``/``ends`` family "cannot be used
with date fields"; date fields take the macros ``today`` ... ``priorYear``;
``filterExpression`` numbers the filters from 1, takes ``and``, ``or`` and parentheses,
and defaults to ``and`` (``and``/``or`` alone join them all); ``caseSensitiveComparison``
defaults to true; ``orderBy`` is a list of ``{field: "asc"|"desc"}``.

[U] Where the portal is silent: ``and`` binds tighter than ``or``; every filter must be
used by the expression; one field per filter object; NULL is three-valued as on the XML
side (``$ne``/``$notIn`` skip empty fields; ``$eq``/``$ne`` null test for empty); sorting
puts empty values last ascending and first descending, as the XML ``query`` does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from intacct.emulator.querylang.core import TRUE_SQL, Sql, join, order_term
from intacct.emulator.querylang.errors import MAX_DEPTH, MAX_IN_VALUES
from intacct.emulator.querylang.rest_values import (
    Column,
    RestQueryError,
    Settings,
    comparable,
    date_range,
    literal,
)

__all__ = ["OPERATORS", "translate_filters", "translate_order_by"]

Resolve = Callable[[str, str], Column]

_COMPARE = {"$eq": "=", "$ne": "<>", "$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">="}
_LISTS = {"$in": "IN", "$notIn": "NOT IN"}
_RANGES = {"$between": "BETWEEN", "$notBetween": "NOT BETWEEN"}
_PATTERNS = {
    "$contains": ("*{}*", False),
    "$notContains": ("*{}*", True),
    "$startsWith": ("{}*", False),
    "$notStartsWith": ("{}*", True),
    "$endsWith": ("*{}", False),
    "$notEndsWith": ("*{}", True),
}
OPERATORS = (*_COMPARE, *_LISTS, *_RANGES, *_PATTERNS, "$has")
_TEXTUAL = frozenset({"text", "enum"})


def translate_filters(filters: Any, expression: Any, resolve: Resolve, settings: Settings) -> Sql:
    """The WHERE condition of ``filters`` combined by ``expression``."""
    if filters is None:
        filters = []
    if not isinstance(filters, list):
        raise RestQueryError("filters must be a list of {operator: {field: value}}.", "filters")
    conditions = [_condition(item, resolve, settings) for item in filters]
    if not conditions:
        if expression not in (None, ""):
            raise RestQueryError("filterExpression needs filters.", "filterExpression")
        return TRUE_SQL
    return _combine(expression, conditions)


def _condition(item: Any, resolve: Resolve, settings: Settings) -> Sql:
    if not isinstance(item, dict) or len(item) != 1:
        raise RestQueryError("Each filter is one {operator: {field: value}} object.", "filters")
    ((op, body),) = item.items()
    if op not in OPERATORS:
        raise RestQueryError(f"Unknown filter operator '{op}'.", op)
    if not isinstance(body, dict) or len(body) != 1:
        raise RestQueryError(f"{op} takes one {{field: value}} object.", op)
    ((name, value),) = body.items()
    col = resolve(str(name), "filter")
    if op == "$has":
        raise RestQueryError(f"$has needs an array field; '{name}' is not one.", str(name))
    if op in _PATTERNS:
        return _pattern(col, op, value, settings)
    if op in _LISTS or op in _RANGES:
        return _listed(col, op, value, settings)
    return _compare(col, op, value, settings)


def _cased(col: Column, view: Sql, values: Sequence[object], settings: Settings) -> Sql:
    """``view`` folded when comparisons ignore case and the column holds text."""
    if settings.case_sensitive or col.stored.type not in _TEXTUAL:
        return view
    return Sql(f"lower({view.text})", view.params)


def _fold(col: Column, value: object, settings: Settings) -> object:
    if settings.case_sensitive or col.stored.type not in _TEXTUAL or not isinstance(value, str):
        return value
    return value.lower()


def _compare(col: Column, op: str, value: Any, settings: Settings) -> Sql:
    view = comparable(col, settings)
    if value is None:
        if op not in ("$eq", "$ne"):
            raise RestQueryError(f"{op} cannot compare '{col.field.name}' with null.", op)
        return Sql(f"{view.text} IS {'NOT ' if op == '$ne' else ''}NULL", view.params)
    days = date_range(value, settings.today) if col.field.type == "date" else None
    if days is not None:
        return _macro(view, op, days)
    stored = _fold(col, literal(col, value, op), settings)
    view = _cased(col, view, [stored], settings)
    return Sql(f"{view.text} {_COMPARE[op]} ?", (*view.params, stored))


def _macro(view: Sql, op: str, days: tuple[str, str]) -> Sql:
    """A date macro's days: equal means within them, greater means after the last."""
    first, last = days
    if op in ("$eq", "$ne"):
        negate = "NOT " if op == "$ne" else ""
        return Sql(f"{view.text} {negate}BETWEEN ? AND ?", (*view.params, first, last))
    bound = first if op in ("$lt", "$gte") else last
    return Sql(f"{view.text} {_COMPARE[op]} ?", (*view.params, bound))


def _listed(col: Column, op: str, value: Any, settings: Settings) -> Sql:
    if not isinstance(value, list) or not value:
        raise RestQueryError(f"{op} takes a list of values for '{col.field.name}'.", op)
    if op in _RANGES and len(value) != 2:
        raise RestQueryError(f"{op} takes two values for '{col.field.name}'.", op)
    if len(value) > MAX_IN_VALUES:
        raise RestQueryError(f"{op} takes at most {MAX_IN_VALUES} values.", op)
    if any(v is None for v in value):
        raise RestQueryError(f"{op} cannot compare '{col.field.name}' with null.", op)
    stored = [_fold(col, literal(col, v, op), settings) for v in value]
    view = _cased(col, comparable(col, settings), stored, settings)
    if op in _RANGES:
        return Sql(f"{view.text} {_RANGES[op]} ? AND ?", (*view.params, *stored))
    marks = ", ".join("?" * len(stored))
    return Sql(f"{view.text} {_LISTS[op]} ({marks})", (*view.params, *stored))


def _pattern(col: Column, op: str, value: Any, settings: Settings) -> Sql:
    if col.field.type in ("date", "date-time") or col.stored.type in ("date", "timestamp"):
        raise RestQueryError(f"{op} cannot be used with the date field '{col.field.name}'.", op)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RestQueryError(f"{op} takes a string or a number for '{col.field.name}'.", op)
    text = str(value)
    view = Sql(f"CAST({col.sql.text} AS TEXT)", col.sql.params)
    if not settings.case_sensitive:
        view, text = Sql(f"lower({view.text})", view.params), text.lower()
    shape, negate = _PATTERNS[op]
    glob = shape.format("".join(f"[{c}]" if c in "*?[" else c for c in text))
    return Sql(f"{view.text} {'NOT ' if negate else ''}GLOB ?", (*view.params, glob))


# -- filterExpression ---------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(\d+)|(and|or)\b|([()]))", re.IGNORECASE)


def _combine(expression: Any, conditions: list[Sql]) -> Sql:
    if expression is None or (isinstance(expression, str) and not expression.strip()):
        expression = "and"
    if not isinstance(expression, str):
        raise RestQueryError("filterExpression must be a string.", "filterExpression")
    if expression.strip().lower() in ("and", "or"):
        return join(expression.strip().upper(), conditions)
    parser = _Parser(_tokens(expression), conditions)
    sql = parser.expression(0)
    if parser.position != len(parser.tokens):
        raise parser.error()
    unused = sorted(set(range(1, len(conditions) + 1)) - parser.used)
    if unused:
        raise RestQueryError(
            f"filterExpression does not use filter {unused[0]}.", "filterExpression"
        )
    return sql


def _tokens(text: str) -> list[str]:
    tokens, position = [], 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if match is None:
            raise RestQueryError(
                f"filterExpression: unexpected '{text[position:].strip()[:20]}'.",
                "filterExpression",
            )
        tokens.append(match.group(match.lastindex or 0).lower())
        position = match.end()
    return tokens


class _Parser:
    """``or`` of ``and`` of numbers and parenthesized expressions."""

    def __init__(self, tokens: list[str], conditions: list[Sql]) -> None:
        self.tokens, self.conditions = tokens, conditions
        self.position, self.used = 0, set[int]()

    def error(self) -> RestQueryError:
        near = self.tokens[self.position] if self.position < len(self.tokens) else "the end"
        return RestQueryError(f"filterExpression: unexpected {near!r}.", "filterExpression")

    def _take(self, *wanted: str) -> str | None:
        if self.position < len(self.tokens) and self.tokens[self.position] in wanted:
            self.position += 1
            return self.tokens[self.position - 1]
        return None

    def expression(self, depth: int) -> Sql:
        if depth > MAX_DEPTH:
            raise RestQueryError("filterExpression is nested too deeply.", "filterExpression")
        parts = [self._conjunction(depth)]
        while self._take("or"):
            parts.append(self._conjunction(depth))
        return join("OR", parts)

    def _conjunction(self, depth: int) -> Sql:
        parts = [self._operand(depth)]
        while self._take("and"):
            parts.append(self._operand(depth))
        return join("AND", parts)

    def _operand(self, depth: int) -> Sql:
        if self._take("("):
            inner = self.expression(depth + 1)
            if not self._take(")"):
                raise self.error()
            return inner
        token = self.tokens[self.position] if self.position < len(self.tokens) else ""
        if not token.isdigit():
            raise self.error()
        self.position += 1
        number = int(token)
        if not 1 <= number <= len(self.conditions):
            raise RestQueryError(
                f"filterExpression names filter {number}; there are {len(self.conditions)}.",
                "filterExpression",
            )
        self.used.add(number)
        return self.conditions[number - 1]


# -- orderBy ------------------------------------------------------------------------------


def translate_order_by(order_by: Any, resolve: Resolve) -> str:
    """``ORDER BY`` text ('' for none); constants (REST data without XML) sort as equal."""
    if order_by is None:
        return ""
    if not isinstance(order_by, list):
        raise RestQueryError("orderBy must be a list of {field: asc|desc}.", "orderBy")
    terms: list[str] = []
    for item in order_by:
        if not isinstance(item, dict) or len(item) != 1:
            raise RestQueryError("Each orderBy entry is one {field: asc|desc}.", "orderBy")
        ((name, direction),) = item.items()
        if direction not in ("asc", "desc"):
            raise RestQueryError(f"Sort order for '{name}' must be asc or desc.", str(name))
        col = resolve(str(name), "orderBy")
        if col.column is None:
            continue
        view = col.sql.text
        if col.stored.type == "decimal":
            view = f"CAST({view} AS REAL)"
        terms.append(order_term(view, descending=direction == "desc"))
    return "ORDER BY " + ", ".join(terms) if terms else ""
