"""``readByQuery``'s SQL-like query string."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TypeGuard

from intacct.emulator.catalog import FieldDef
from intacct.emulator.querylang.core import (
    TRUE_SQL,
    Ctx,
    FieldSet,
    Lit,
    Sql,
    Translated,
    date_parts,
    join,
    predicate,
)
from intacct.emulator.querylang.errors import (
    DEFAULT_DATE_FORMAT,
    MAX_DEPTH,
    MAX_IN_VALUES,
    PROCESSING,
    SYNTAX_ERRORNO,
    QueryError,
    syntax_error,
    value_error,
)

# --- readByQuery: tokenizer ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # ident, string, number, op, punct, end
    text: str  # the name, the unescaped string, the number or the operator
    pos: int  # 1-based character position in the query

    def upper(self) -> str:
        return self.text.upper() if self.kind == "ident" else ""


_LEXEME = re.compile(
    r"(?P<ws>\s+)"
    r"|(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))"
    r"|(?P<ident>[A-Za-z_][A-Za-z0-9_.]*)"
    r"|(?P<op><=|>=|<>|!=|=|<|>)"
    r"|(?P<punct>[(),])",
    re.ASCII,
)


def _tokenize(text: str) -> Iterator[_Token]:
    index = 0
    while index < len(text):
        if text[index] == "'":
            value, index_after = _scan_string(text, index)
            yield _Token("string", value, index + 1)
            index = index_after
            continue
        match = _LEXEME.match(text, index)
        if match is None:
            raise syntax_error("unexpected character", index + 1, text[index])
        kind = match.lastgroup or ""
        if kind != "ws":
            yield _Token(kind, match.group(), index + 1)
        index = match.end()
    yield _Token("end", "", len(text) + 1)


def _scan_string(text: str, start: int) -> tuple[str, int]:
    """A single-quoted string from ``start``: ``\\'`` and ``''`` are a quote, ``\\\\`` a
    backslash, any other backslash is kept. Returns the value and the index after it."""
    out: list[str] = []
    index = start + 1
    while index < len(text):
        char = text[index]
        nxt = text[index + 1] if index + 1 < len(text) else ""
        if char == "\\" and nxt in ("'", "\\"):
            out.append(nxt)
            index += 2
        elif char == "'" and nxt == "'":
            out.append("'")
            index += 2
        elif char == "'":
            return "".join(out), index + 1
        else:
            out.append(char)
            index += 1
    raise syntax_error("unterminated string", start + 1, text[start : start + 20])


# --- readByQuery: parser -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Pred:
    field: str
    pos: int
    op: str  # one of SQL_OPS minus BETWEEN, LIKE, NOT LIKE, IS NULL, IS NOT NULL
    values: tuple[Lit, ...] = ()


@dataclass(frozen=True, slots=True)
class _Not:
    operand: _Node


@dataclass(frozen=True, slots=True)
class _Bool:
    op: str  # AND, OR
    operands: tuple[_Node, ...]


_Node = _Pred | _Not | _Bool
_KEYWORDS = frozenset({"AND", "OR", "NOT", "IN", "LIKE", "IS", "NULL"})
_COMPARISONS = {"=": "=", "!=": "<>", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class _Parser:
    """Recursive descent over the grammar of protocol §7.3 (AND binds tighter than OR)::

    expr := and ("OR" and)*          and := unary ("AND" unary)*
    unary := "NOT" unary | "(" expr ")" | predicate
    predicate := FIELD cmp value | FIELD ["NOT"] "IN" "(" value ("," value)* ")"
               | FIELD ["NOT"] "LIKE" value | FIELD "IS" ["NOT"] "NULL"
    """

    def __init__(self, text: str) -> None:
        self._tokens = list(_tokenize(text))
        self._index = 0
        self._depth = 0

    def parse(self) -> _Node:
        node = self._expr()
        self._expect_end()
        return node

    # token helpers

    def _peek(self, ahead: int = 0) -> _Token:
        return self._tokens[min(self._index + ahead, len(self._tokens) - 1)]

    def _next(self) -> _Token:
        token = self._peek()
        self._index += 1
        return token

    def _keyword(self, word: str) -> bool:
        if self._peek().upper() == word:
            self._index += 1
            return True
        return False

    def _punct(self, char: str) -> bool:
        token = self._peek()
        if token.kind == "punct" and token.text == char:
            self._index += 1
            return True
        return False

    def _fail(self, expected: str, token: _Token | None = None) -> QueryError:
        token = token or self._peek()
        following = self._tokens[min(self._tokens.index(token) + 1, len(self._tokens) - 1)]
        if token.upper() == "ORDER" and following.upper() == "BY":
            return QueryError(
                SYNTAX_ERRORNO,
                f"{PROCESSING} Invalid query: ORDER BY is not supported by readByQuery "
                f"(position {token.pos}).",
                "Remove ORDER BY; sort with the query function's orderby element.",
            )
        return syntax_error(f"expected {expected}", token.pos, token.text)

    def _expect_end(self) -> None:
        if self._peek().kind != "end":
            raise self._fail("AND, OR or the end of the query")

    # grammar

    def _expr(self) -> _Node:
        operands = [self._and()]
        while self._keyword("OR"):
            operands.append(self._and())
        return operands[0] if len(operands) == 1 else _Bool("OR", tuple(operands))

    def _and(self) -> _Node:
        operands = [self._unary()]
        while self._keyword("AND"):
            operands.append(self._unary())
        return operands[0] if len(operands) == 1 else _Bool("AND", tuple(operands))

    def _unary(self) -> _Node:
        token = self._peek()
        if token.upper() == "NOT" or (token.kind == "punct" and token.text == "("):
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise syntax_error("the query is nested too deeply", token.pos, token.text)
            node = self._nested()
            self._depth -= 1
            return node
        return self._predicate()

    def _nested(self) -> _Node:
        if self._keyword("NOT"):
            return _Not(self._unary())
        self._index += 1  # "("
        node = self._expr()
        if not self._punct(")"):
            raise self._fail("')'")
        return node

    def _predicate(self) -> _Pred:
        token = self._next()
        if token.kind != "ident" or token.upper() in _KEYWORDS:
            raise self._fail("a field name", token)
        if token.upper() == "ORDER" and self._peek().upper() == "BY":
            raise self._fail("a field name", token)
        op_token = self._peek()
        if op_token.kind == "op":
            self._index += 1
            return _Pred(token.text, token.pos, _COMPARISONS[op_token.text], (self._value(),))
        negate = self._keyword("NOT")
        if self._keyword("IN"):
            return _Pred(token.text, token.pos, "NOT IN" if negate else "IN", self._list())
        if self._keyword("LIKE"):
            return _Pred(token.text, token.pos, "NOT LIKE" if negate else "LIKE", (self._value(),))
        if not negate and self._keyword("IS"):
            op = "IS NOT NULL" if self._keyword("NOT") else "IS NULL"
            if not self._keyword("NULL"):
                raise self._fail("NULL")
            return _Pred(token.text, token.pos, op)
        raise self._fail("IN or LIKE" if negate else "an operator")

    def _value(self) -> Lit:
        token = self._next()
        if token.kind == "string":
            return Lit(token.text)
        if token.kind == "number":
            return Lit(token.text, number=True)
        raise self._fail("a value (a quoted string or a number)", token)

    def _list(self) -> tuple[Lit, ...]:
        if not self._punct("("):
            raise self._fail("'('")
        values = [self._value()]
        while self._punct(","):
            values.append(self._value())
        if not self._punct(")"):
            raise self._fail("',' or ')'")
        if len(values) > MAX_IN_VALUES:
            raise syntax_error(
                f"more than {MAX_IN_VALUES} values in one IN list", self._peek().pos, ""
            )
        return tuple(values)


# --- readByQuery: translation ------------------------------------------------------------


def translate_readbyquery(
    text: str,
    fields: Mapping[str, FieldDef],
    *,
    object_name: str = "",
    date_format: str = DEFAULT_DATE_FORMAT,
) -> Translated:
    """A readByQuery ``<query>`` string as SQL; empty text selects everything (``1=1``).

    ``rownum`` conditions (``rownum < 5``) become :attr:`Translated.limit`; they must be
    top-level AND conditions [U]. ``object_name`` only appears in error texts. Date
    literals are MM/DD/YYYY; ``LIKE`` sees dates in ``date_format`` (strftime, the
    company's display format).
    """
    if not text.strip():
        return Translated(TRUE_SQL.text, [], None)
    node = _Parser(text).parse()
    ctx = Ctx(
        FieldSet(fields, object_name, dotted=False),
        codes=True,
        shown_date=date_parts(date_format),
    )
    limit: int | None = None
    parts: list[Sql] = []
    for conjunct in _conjuncts(node):
        if _is_rownum(conjunct, ctx):
            cap = _rownum_limit(conjunct)
            if cap is not None:
                limit = cap if limit is None else min(limit, cap)
        else:
            parts.append(_rbq_sql(ctx, conjunct))
    sql = join("AND", parts) if parts else TRUE_SQL
    ctx.fields.check()
    return Translated(sql.text, list(sql.params), limit)


def _conjuncts(node: _Node) -> list[_Node]:
    if isinstance(node, _Bool) and node.op == "AND":
        return [c for operand in node.operands for c in _conjuncts(operand)]
    return [node]


def _is_rownum(node: _Node, ctx: Ctx) -> TypeGuard[_Pred]:
    return (
        isinstance(node, _Pred)
        and node.field.upper() == "ROWNUM"
        and ctx.fields.key(node.field) is None
    )


def _rownum_limit(pred: _Pred) -> int | None:
    """Oracle's ROWNUM: numbered as rows are returned, so ``= 2`` or ``> 1`` return none."""
    if pred.op not in ("=", "<>", "<", "<=", ">", ">="):
        raise syntax_error("rownum takes =, !=, <, <=, > or >= and a number", pred.pos, "rownum")
    text = pred.values[0].text.strip()
    if not re.fullmatch(r"[+-]?\d+", text, re.ASCII):
        raise value_error("rownum", pred.values[0].text, "a whole number")
    n = int(text)
    caps: dict[str, int | None] = {
        "<": max(n - 1, 0),
        "<=": max(n, 0),
        "=": 1 if n == 1 else 0,
        "<>": n - 1 if n >= 1 else None,
        ">": None if n < 1 else 0,
        ">=": None if n <= 1 else 0,
    }
    return caps[pred.op]


def _negation(ctx: Ctx, node: _Not) -> Sql:
    """``NOT NOT x`` is ``x`` also for NULL, so a chain of NOTs costs SQLite's parser one
    level at most; an AND/OR is already parenthesized."""
    operand: _Node = node
    odd = False
    while isinstance(operand, _Not):
        operand, odd = operand.operand, not odd
    inner = _rbq_sql(ctx, operand)
    if not odd:
        return inner
    text = f"NOT {inner.text}" if isinstance(operand, _Bool) else f"NOT ({inner.text})"
    return Sql(text, inner.params)


def _rbq_sql(ctx: Ctx, node: _Node) -> Sql:
    if isinstance(node, _Bool):
        return join(node.op, [_rbq_sql(ctx, operand) for operand in node.operands])
    if isinstance(node, _Not):
        return _negation(ctx, node)
    if _is_rownum(node, ctx):
        raise syntax_error(
            "rownum can only limit the whole query (use it in a top-level AND condition)",
            node.pos,
            node.field,
        )
    return predicate(ctx, node.field, node.op, node.values)
