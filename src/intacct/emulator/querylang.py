"""The gateway's three query languages, translated to parameterized SQLite SQL.

* ``readByQuery``'s SQL-like string (protocol §7.3) → :func:`translate_readbyquery`;
* the ``query`` function's XML ``<filter>`` and ``<orderby>`` (§5.10) →
  :func:`translate_filter` and :func:`translate_orderby`;
* DTD 2.1 ``get_list``'s ``<filter>`` of ``expression``/``logical`` (§6.2) →
  :func:`translate_get_list_filter`.

Written independently of the client's builder (``intacct.protocol.query``): the two are
held to the same texts by tests, not by shared code.

The SQL runs against the store's tables: one column per field, named by the field name
(double-quoted, dotted names too); integer → INTEGER, decimal → canonical decimal TEXT
(compared as ``CAST(col AS REAL)``), text → TEXT, enum → TEXT display value, boolean →
INTEGER 0/1, date → TEXT ``YYYY-MM-DD``, timestamp → TEXT ``YYYY-MM-DD HH:MM:SS``,
empty → NULL.

Safety: every value is a ``?`` parameter, never SQL text; a column name reaches the SQL
only as a key of the ``fields`` mapping the caller passed (the spelling of the key, not
of the query), so the query text decides which known column, never what SQL.

Semantics chosen where production is Oracle and the docs are silent (all **[U]**):

* NULL is three-valued as in SQL: ``F != 'x'``, ``NOT F = 'x'`` and ``F NOT IN (…)`` do
  not select rows where ``F`` is empty. An empty literal (``''``, ``<value/>``) is NULL,
  as in Oracle, so it matches nothing (use ``IS NULL``).
* ``LIKE`` is case-sensitive: it is translated to SQLite ``GLOB`` (``%`` → ``*``,
  ``_`` → ``?``; a literal ``*``/``?``/``[`` is bracketed), which is exact and
  case-sensitive whatever ``PRAGMA case_sensitive_like`` says; there is no escape
  character (Oracle ``LIKE`` without ``ESCAPE``). Non-text fields are matched against
  their text form: dates as the gateway writes them, in the company's date format
  (``date_format=``, ``MM/DD/YYYY[ HH:MM:SS]`` by default), integers in decimal,
  decimals as stored, booleans/enums as ``T``/``F``/codes in readByQuery and
  ``true``/``false``/display values in ``query``/``get_list``.
* Date and timestamp literals are read as ``MM/DD/YYYY`` or ``MM/DD/YYYY HH:MM:SS``
  (the company's wall-clock time) whatever the company's display format, so
  ``15/09/2025`` and ``2025-09-15`` are invalid dates: Sage's SDKs write every date they
  send, filter values included, that way for every user (JS
  ``IaXmlWriter.intacctDateFormat = "mm/dd/yyyy"``, .NET and PHP alike), and
  developer.intacct.com/web-services/parameter-formats says dates are "typically
  strings in the format mm/dd/yyyy". Dates come out in the display format but go in
  as MM/DD/YYYY.
* ``caseinsensitive`` folds with SQLite's ``lower()``, which folds ASCII only.
* A date literal with a time compared with a date field compares the date at midnight;
  a date-only literal compared with a timestamp field means midnight.
* A literal that is not a number compared with an integer/decimal field, not a date
  with a date field, or not ``T``/``F``/``true``/``false`` with a boolean field is an
  error (Oracle: invalid number / date), not "no match". An enum literal that is neither
  a code nor a display value simply matches nothing.
* Field names are matched exactly, else case-insensitively.
* ``orderby`` sorts decimals numerically and NULLs as Oracle does by default: last when
  ascending, first when descending.
* readByQuery also takes ``!=``/``<>``, ``''`` for a quote inside a string (besides the
  documented ``\'``; ``\\`` is a backslash, other backslashes are kept), keywords in
  any case, no spaces around operators, and ``rownum`` only as a top-level AND
  condition (→ :attr:`Translated.limit`). ``IN`` lists take at most 1000 values
  (Oracle's limit); nesting is capped at :data:`MAX_DEPTH`.
* get_list also takes ``is not null`` and ``<>``; a ``logical`` may hold one child.

Errors (:class:`QueryError`; errorno / description2; wording ours unless marked [O]):

* syntax, ``ORDER BY``, bad literal, unknown field — ``DL02000001`` [O] /
  "There was an error processing the request. Invalid query: expected … at position N
  (near 'tok')." · "… Invalid query: ORDER BY is not supported by readByQuery …" ·
  "… Invalid value 'x' for field 'F': expected a number." · "Invalid field 'X' in query."
* field with ``queryable=False`` — ``XL03000006`` / "The following fields cannot be
  queried: [ vendor: [A, B] ]" [O] (all such fields of the request, in order of use).
* malformed ``<filter>``/``<orderby>`` XML — ``Query Failed`` / "Invalid filter: …".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeGuard

from lxml import etree

from intacct.emulator.catalog import FieldDef

__all__ = [
    "DEFAULT_DATE_FORMAT",
    "MAX_DEPTH",
    "MAX_IN_VALUES",
    "QueryError",
    "Translated",
    "not_queryable_error",
    "translate_filter",
    "translate_get_list_filter",
    "translate_orderby",
    "translate_readbyquery",
    "unknown_field_error",
]

#: Intacct's default date format (strftime), used when the caller names none.
DEFAULT_DATE_FORMAT = "%m/%d/%Y"
#: values in one ``in``/``notin`` (query XSD) and in one readByQuery ``IN`` list (Oracle).
MAX_IN_VALUES = 1000
#: nesting of parentheses / NOT / and-or elements accepted [U]: chosen so that the SQL
#: stays well inside SQLite's parser stack (about 45 levels of ``NOT (…)``).
MAX_DEPTH = 32

# --- errors ------------------------------------------------------------------------------

#: syntax and value errors; production reports DL02000001 "There was an error processing
#: the request." for bad fields, ISO dates and ORDER BY in readByQuery [O]; the detail
#: after that sentence is ours [U].
SYNTAX_ERRORNO = "DL02000001"
#: malformed ``<filter>``/``<orderby>`` XML; free text as in "Query Failed" errors [U].
FILTER_ERRORNO = "Query Failed"
#: "The following fields cannot be queried: [ apbill: [A, B] ]" [O] (sdk-js issue #83).
NOT_QUERYABLE_ERRORNO = "XL03000006"

_PROCESSING = "There was an error processing the request."
_SYNTAX_HELP = (
    "Write conditions as FIELD operator value (=, !=, <>, <, <=, >, >=, LIKE, NOT LIKE, IN, "
    "NOT IN, IS NULL, IS NOT NULL) joined with AND, OR, NOT and parentheses; quote strings "
    "and dates with single quotes."
)


class QueryError(Exception):
    """A query the gateway would refuse; rendered as one ``errormessage/error``."""

    def __init__(self, errorno: str, description2: str, correction: str = "") -> None:
        super().__init__(f"{errorno}: {description2}")
        self.errorno = errorno
        self.description2 = description2
        self.correction = correction


def _syntax_error(detail: str, pos: int, near: str) -> QueryError:
    shown = f"near '{near}'" if near else "at the end of the query"
    return QueryError(
        SYNTAX_ERRORNO,
        f"{_PROCESSING} Invalid query: {detail} at position {pos} ({shown}).",
        _SYNTAX_HELP,
    )


def _value_error(field: str, value: str, expected: str) -> QueryError:
    return QueryError(
        SYNTAX_ERRORNO,
        f"{_PROCESSING} Invalid value '{value}' for field '{field}': expected {expected}.",
        f"Compare {field} with {expected}.",
    )


def _filter_error(detail: str) -> QueryError:
    return QueryError(
        FILTER_ERRORNO,
        f"Invalid filter: {detail}",
        "Check the filter against the query function's schema.",
    )


def unknown_field_error(name: str, object_name: str = "", *, joins: bool = False) -> QueryError:
    """``Invalid field 'X' in query`` [U]; ``joins`` explains readByQuery's no-join rule."""
    where = f" on object {object_name}" if object_name else ""
    correction = (
        "readByQuery cannot filter on fields of related objects; use the query function."
        if joins
        else "Use the lookup function to list the object's fields."
    )
    return QueryError(SYNTAX_ERRORNO, f"Invalid field '{name}' in query{where}.", correction)


def not_queryable_error(names: Sequence[str], object_name: str = "") -> QueryError:
    """XL03000006 "The following fields cannot be queried: [ vendor: [A, B] ]" [O]."""
    listed = ", ".join(names)
    inner = f"{object_name.lower()}: [{listed}]" if object_name else listed
    return QueryError(
        NOT_QUERYABLE_ERRORNO,
        f"The following fields cannot be queried: [ {inner} ]",
        "Use the lookup function to find the object's queryable fields.",
    )


# --- SQL fragments -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Sql:
    text: str
    params: tuple[object, ...] = ()


_TRUE_SQL = _Sql("1=1")
_FLAT_JOIN = 16  # longer AND/OR chains are split in halves to keep SQLite's depth low


def _join(op: str, parts: Sequence[_Sql]) -> _Sql:
    if len(parts) == 1:
        return parts[0]
    if len(parts) > _FLAT_JOIN:
        half = len(parts) // 2
        parts = [_join(op, parts[:half]), _join(op, parts[half:])]
    text = "(" + f" {op} ".join(p.text for p in parts) + ")"
    return _Sql(text, tuple(v for p in parts for v in p.params))


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class Translated:
    """``sql`` is a boolean expression for ``WHERE`` with ``?`` placeholders for
    ``params``; ``limit`` is the row cap from ``rownum`` (None: no cap; 0: no rows)."""

    sql: str
    params: list[object]
    limit: int | None = None


# --- field resolution --------------------------------------------------------------------


_FOLDED: dict[int, tuple[Mapping[str, FieldDef], dict[str, str | None]]] = {}


def _folded(fields: Mapping[str, FieldDef]) -> dict[str, str | None]:
    """Upper-cased key → key (None when two keys fold alike), cached per mapping: the
    emulator passes the same catalog mapping on every request."""
    cached = _FOLDED.get(id(fields))
    if cached is not None and cached[0] is fields:
        return cached[1]
    folded: dict[str, str | None] = {}
    for key in fields:
        upper = key.upper()
        folded[upper] = None if upper in folded else key
    if len(_FOLDED) > 512:
        _FOLDED.clear()
    _FOLDED[id(fields)] = (fields, folded)  # the reference keeps the id from being reused
    return folded


class _FieldSet:
    """The caller's fields: resolves names, collects the non-queryable ones used."""

    def __init__(self, fields: Mapping[str, FieldDef], object_name: str, *, dotted: bool) -> None:
        self._fields = fields
        self._folded = _folded(fields)
        self.object_name = object_name
        self._dotted = dotted
        self._blocked: list[str] = []

    def key(self, name: str) -> str | None:
        key = name if name in self._fields else self._folded.get(name.upper())
        if key is None or (not self._dotted and "." in key):
            return None
        return key

    def resolve(self, name: str) -> tuple[str, FieldDef]:
        key = self.key(name)
        if key is None:
            raise unknown_field_error(
                name, self.object_name, joins=not self._dotted and "." in name
            )
        field = self._fields[key]
        if not field.queryable and key not in self._blocked:
            self._blocked.append(key)
        return key, field

    def check(self) -> None:
        if self._blocked:
            raise not_queryable_error(self._blocked, self.object_name)


_FORMAT_PIECE = re.compile(r"%[mdY]|[^%]")


@functools.cache
def _date_parts(date_format: str) -> tuple[str, ...]:
    """A strftime date format in display order: ``%d/%m/%Y`` → ``("d", "/", "m", "/", "Y")``."""
    pieces = _FORMAT_PIECE.findall(date_format)
    directives = sorted(p for p in pieces if p.startswith("%"))
    if "".join(pieces) != date_format or directives != ["%Y", "%d", "%m"]:
        raise ValueError(f"not a date format of %m, %d and %Y: {date_format!r}")
    return tuple(p.removeprefix("%") if p.startswith("%") else p for p in pieces)


@dataclass(frozen=True, slots=True)
class _Ctx:
    fields: _FieldSet
    codes: bool  # readByQuery: enums and booleans are compared by their stored codes
    ci: bool = False  # query options/caseinsensitive
    shown_date: tuple[str, ...] = _date_parts(DEFAULT_DATE_FORMAT)  # how LIKE sees dates


# --- literals and their conversion to stored values --------------------------------------


@dataclass(frozen=True, slots=True)
class _Lit:
    text: str
    number: bool = False  # an unquoted readByQuery number


_Convert = Callable[[_Lit], object]
_TextConvert = Callable[[str], object]

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_WHEN = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: +(\d{1,2}):(\d{2}):(\d{2}))?", re.ASCII)
_INT64 = range(-(2**63), 2**63)
_BOOLS = {"t": 1, "true": 1, "f": 0, "false": 0}
_DATE_FORMATS = "a date MM/DD/YYYY or a date and time MM/DD/YYYY HH:MM:SS"


def _number(key: str, lit: _Lit, *, integer: bool) -> int | float:
    text = lit.text.strip()
    if _NUMBER.fullmatch(text) is None:
        raise _value_error(key, lit.text, "a number")
    value = Decimal(text)
    if integer and value == value.to_integral_value() and int(value) in _INT64:
        return int(value)
    return float(value)


def _when(key: str, lit: _Lit) -> tuple[datetime, bool]:
    """A ``MM/DD/YYYY[ HH:MM:SS]`` literal (whatever the company's display format) and
    whether it had a time."""
    match = None if lit.number else _WHEN.fullmatch(lit.text.strip())
    if match is None:
        raise _value_error(key, lit.text, _DATE_FORMATS)
    month, day, year, hour, minute, second = (int(p) for p in match.groups(default="0"))
    try:
        value = datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - wall time
    except ValueError:
        raise _value_error(key, lit.text, _DATE_FORMATS) from None
    return value, match.group(4) is not None


def _bool(key: str, lit: _Lit) -> int:
    value = _BOOLS.get(lit.text.strip().lower())
    if value is None or lit.number:
        raise _value_error(key, lit.text, "T, F, true or false")
    return value


def _enum_display(field: FieldDef, text: str, *, codes_first: bool) -> str:
    in_values = text in field.values
    in_codes = text in field.codes
    if in_codes and (codes_first or not in_values):
        index = field.codes.index(text)
        return field.values[index] if index < len(field.values) else text
    return text


def _enum_code(field: FieldDef, text: str) -> str:
    if field.codes and text not in field.codes and text in field.values:
        index = field.values.index(text)
        return field.codes[index] if index < len(field.codes) else text
    return text


# --- column expressions ------------------------------------------------------------------


def _code_view(key: str, field: FieldDef) -> _Sql:
    """An enum column as its stored codes (readByQuery compares codes)."""
    pairs = list(zip(field.values, field.codes, strict=False))
    if not pairs:
        return _Sql(_ident(key))
    whens = " ".join("WHEN ? THEN ?" for _ in pairs)
    return _Sql(f"(CASE {_ident(key)} {whens} END)", tuple(v for p in pairs for v in p))


_STORED_PIECES = {"Y": (1, 4), "m": (6, 2), "d": (9, 2)}  # in the ISO storage form


def _shown_date(col: str, parts: tuple[str, ...]) -> _Sql:
    """A stored date as the gateway writes it; separators are parameters like values."""
    texts = [
        f"substr({col}, {_STORED_PIECES[p][0]}, {_STORED_PIECES[p][1]})"
        if p in _STORED_PIECES
        else "?"
        for p in parts
    ]
    return _Sql(" || ".join(texts), tuple(p for p in parts if p not in _STORED_PIECES))


def _text_view(ctx: _Ctx, key: str, field: FieldDef) -> _Sql:
    """A column as the text LIKE matches: how the gateway shows the value."""
    col = _ident(key)
    if field.type == "integer":
        return _Sql(f"CAST({col} AS TEXT)")
    if field.type == "boolean":
        true, false = ("'T'", "'F'") if ctx.codes else ("'true'", "'false'")
        return _Sql(f"(CASE {col} WHEN 1 THEN {true} WHEN 0 THEN {false} END)")
    if field.type == "enum" and ctx.codes:
        return _code_view(key, field)
    # [U] LIKE matches dates as the gateway writes them (the display format), although
    # comparisons read literals as MM/DD/YYYY: a pattern is text, not a date.
    if field.type == "date":
        shown = _shown_date(col, ctx.shown_date)
        return _Sql(f"({shown.text})", shown.params)
    if field.type == "timestamp":
        shown = _shown_date(col, ctx.shown_date)
        return _Sql(f"({shown.text} || substr({col}, 11))", shown.params)
    return _Sql(col)


@dataclass(frozen=True, slots=True)
class _Operand:
    column: _Sql  # the column side of the comparison
    values: tuple[object, ...]  # one converted parameter per literal
    placeholder: str = "?"


_ORDERING = frozenset({"<", "<=", ">", ">="})


def _operand(ctx: _Ctx, key: str, field: FieldDef, op: str, lits: Sequence[_Lit]) -> _Operand:
    """The column expression and the literals as stored values, by the field's type."""
    col = _Sql(_ident(key))
    kind = field.type
    if kind in ("integer", "decimal"):
        integer = kind == "integer"
        nums = tuple(_nullable(lit, lambda x: _number(key, x, integer=integer)) for lit in lits)
        return _Operand(col if integer else _Sql(f"CAST({col.text} AS REAL)"), nums)
    if kind == "boolean":
        return _Operand(col, tuple(_nullable(lit, lambda x: _bool(key, x)) for lit in lits))
    if kind in ("date", "timestamp"):
        return _when_operand(key, field, lits)
    if kind == "enum":
        if ctx.codes and op in _ORDERING:
            return _Operand(_code_view(key, field), _texts(lits, lambda t: _enum_code(field, t)))
        values = _texts(lits, lambda t: _enum_display(field, t, codes_first=ctx.codes))
        return _cased(ctx, col, values)
    return _cased(ctx, col, _texts(lits, lambda t: t))


def _cased(ctx: _Ctx, col: _Sql, values: tuple[object, ...]) -> _Operand:
    if ctx.ci:
        return _Operand(_Sql(f"lower({col.text})", col.params), values, "lower(?)")
    return _Operand(col, values)


def _nullable(lit: _Lit, convert: _Convert) -> object:
    return None if lit.text == "" and not lit.number else convert(lit)


def _texts(lits: Sequence[_Lit], convert: _TextConvert) -> tuple[object, ...]:
    return tuple(None if lit.text == "" else convert(lit.text) for lit in lits)


def _when_operand(key: str, field: FieldDef, lits: Sequence[_Lit]) -> _Operand:
    parsed = [None if lit.text == "" else _when(key, lit) for lit in lits]
    timed = field.type == "timestamp" or any(p is not None and p[1] for p in parsed)
    col = _Sql(_ident(key))
    if timed and field.type == "date":
        col = _Sql(f"({col.text} || ' 00:00:00')")
    return _Operand(col, tuple(None if p is None else _iso(p[0], timed=timed) for p in parsed))


def _iso(value: datetime, *, timed: bool) -> str:
    """The storage form (by hand: ``%Y`` does not zero-pad years < 1000 everywhere)."""
    day = f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    return f"{day} {value.hour:02d}:{value.minute:02d}:{value.second:02d}" if timed else day


# --- predicates --------------------------------------------------------------------------

_SQL_OPS = frozenset({"=", "<>", "<", "<=", ">", ">=", "IN", "NOT IN", "BETWEEN"})


def _compare(ctx: _Ctx, name: str, op: str, lits: Sequence[_Lit]) -> _Sql:
    """``op`` is one of :data:`_SQL_OPS`; ``lits`` has 1 value (2 for BETWEEN, n for IN)."""
    key, field = ctx.fields.resolve(name)
    operand = _operand(ctx, key, field, op, lits)
    ph = operand.placeholder
    if op in ("IN", "NOT IN"):
        rhs = "(" + ", ".join(ph for _ in lits) + ")"
    elif op == "BETWEEN":
        rhs = f"{ph} AND {ph}"
    else:
        rhs = ph
    return _Sql(f"{operand.column.text} {op} {rhs}", operand.column.params + operand.values)


def _glob(pattern: str) -> str:
    """An Intacct LIKE pattern as an equivalent SQLite GLOB pattern."""
    out = []
    for char in pattern:
        if char == "%":
            out.append("*")
        elif char == "_":
            out.append("?")
        elif char in "*?[":
            out.append(f"[{char}]")
        else:
            out.append(char)
    return "".join(out)


def _like(ctx: _Ctx, name: str, pattern: _Lit, *, negate: bool) -> _Sql:
    key, field = ctx.fields.resolve(name)
    view = _text_view(ctx, key, field)
    op = "NOT GLOB" if negate else "GLOB"
    value = None if pattern.text == "" else _glob(pattern.text)
    if ctx.ci:
        return _Sql(f"lower({view.text}) {op} lower(?)", (*view.params, value))
    return _Sql(f"{view.text} {op} ?", (*view.params, value))


def _null(ctx: _Ctx, name: str, *, negate: bool) -> _Sql:
    key, _ = ctx.fields.resolve(name)
    return _Sql(f"{_ident(key)} IS {'NOT ' if negate else ''}NULL")


def _predicate(ctx: _Ctx, name: str, op: str, lits: Sequence[_Lit]) -> _Sql:
    """Any predicate by its SQL-ish operator (the three languages map onto these)."""
    if op in _SQL_OPS:
        return _compare(ctx, name, op, lits)
    if op in ("LIKE", "NOT LIKE"):
        return _like(ctx, name, lits[0], negate=op == "NOT LIKE")
    if op in ("IS NULL", "IS NOT NULL"):
        return _null(ctx, name, negate=op == "IS NOT NULL")
    raise AssertionError(op)  # pragma: no cover - callers map operators first


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
            raise _syntax_error("unexpected character", index + 1, text[index])
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
    raise _syntax_error("unterminated string", start + 1, text[start : start + 20])


# --- readByQuery: parser -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Pred:
    field: str
    pos: int
    op: str  # one of _SQL_OPS minus BETWEEN, LIKE, NOT LIKE, IS NULL, IS NOT NULL
    values: tuple[_Lit, ...] = ()


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
                f"{_PROCESSING} Invalid query: ORDER BY is not supported by readByQuery "
                f"(position {token.pos}).",
                "Remove ORDER BY; sort with the query function's orderby element.",
            )
        return _syntax_error(f"expected {expected}", token.pos, token.text)

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
                raise _syntax_error("the query is nested too deeply", token.pos, token.text)
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

    def _value(self) -> _Lit:
        token = self._next()
        if token.kind == "string":
            return _Lit(token.text)
        if token.kind == "number":
            return _Lit(token.text, number=True)
        raise self._fail("a value (a quoted string or a number)", token)

    def _list(self) -> tuple[_Lit, ...]:
        if not self._punct("("):
            raise self._fail("'('")
        values = [self._value()]
        while self._punct(","):
            values.append(self._value())
        if not self._punct(")"):
            raise self._fail("',' or ')'")
        if len(values) > MAX_IN_VALUES:
            raise _syntax_error(
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
        return Translated(_TRUE_SQL.text, [], None)
    node = _Parser(text).parse()
    ctx = _Ctx(
        _FieldSet(fields, object_name, dotted=False),
        codes=True,
        shown_date=_date_parts(date_format),
    )
    limit: int | None = None
    parts: list[_Sql] = []
    for conjunct in _conjuncts(node):
        if _is_rownum(conjunct, ctx):
            cap = _rownum_limit(conjunct)
            if cap is not None:
                limit = cap if limit is None else min(limit, cap)
        else:
            parts.append(_rbq_sql(ctx, conjunct))
    sql = _join("AND", parts) if parts else _TRUE_SQL
    ctx.fields.check()
    return Translated(sql.text, list(sql.params), limit)


def _conjuncts(node: _Node) -> list[_Node]:
    if isinstance(node, _Bool) and node.op == "AND":
        return [c for operand in node.operands for c in _conjuncts(operand)]
    return [node]


def _is_rownum(node: _Node, ctx: _Ctx) -> TypeGuard[_Pred]:
    return (
        isinstance(node, _Pred)
        and node.field.upper() == "ROWNUM"
        and ctx.fields.key(node.field) is None
    )


def _rownum_limit(pred: _Pred) -> int | None:
    """Oracle's ROWNUM: numbered as rows are returned, so ``= 2`` or ``> 1`` return none."""
    if pred.op not in ("=", "<>", "<", "<=", ">", ">="):
        raise _syntax_error("rownum takes =, !=, <, <=, > or >= and a number", pred.pos, "rownum")
    text = pred.values[0].text.strip()
    if not re.fullmatch(r"[+-]?\d+", text, re.ASCII):
        raise _value_error("rownum", pred.values[0].text, "a whole number")
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


def _negation(ctx: _Ctx, node: _Not) -> _Sql:
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
    return _Sql(text, inner.params)


def _rbq_sql(ctx: _Ctx, node: _Node) -> _Sql:
    if isinstance(node, _Bool):
        return _join(node.op, [_rbq_sql(ctx, operand) for operand in node.operands])
    if isinstance(node, _Not):
        return _negation(ctx, node)
    if _is_rownum(node, ctx):
        raise _syntax_error(
            "rownum can only limit the whole query (use it in a top-level AND condition)",
            node.pos,
            node.field,
        )
    return _predicate(ctx, node.field, node.op, node.values)


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


def _elements(parent: etree._Element) -> list[etree._Element]:
    """Child elements, skipping comments and processing instructions."""
    return [child for child in parent if isinstance(child.tag, str)]


def _tag(element: etree._Element) -> str:
    return element.tag if isinstance(element.tag, str) else ""


def _only_child(parent: etree._Element, what: str) -> etree._Element:
    children = _elements(parent)
    if len(children) != 1:
        raise _filter_error(
            f"<{_tag(parent)}> must contain exactly one {what}, not {len(children)}"
        )
    return children[0]


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
    ctx = _Ctx(
        _FieldSet(fields, object_name, dotted=True),
        codes=False,
        ci=caseinsensitive,
        shown_date=_date_parts(date_format),
    )
    sql = _filter_node(ctx, _only_child(filter_element, "condition"), 1)
    ctx.fields.check()
    return sql.text, list(sql.params)


def _filter_node(ctx: _Ctx, node: etree._Element, depth: int) -> _Sql:
    if depth > MAX_DEPTH:
        raise _filter_error("the filter is nested too deeply")
    tag = _tag(node)
    if tag in ("and", "or"):
        children = _elements(node)
        if len(children) < 2:
            raise _filter_error(f"<{tag}> needs at least two conditions, not {len(children)}")
        return _join(tag.upper(), [_filter_node(ctx, c, depth + 1) for c in children])
    if tag not in _FILTER_OPS:
        raise _filter_error(f"unknown operator <{tag}>")
    op, least, most = _FILTER_OPS[tag]
    name, values = _field_and_values(node, least, most)
    return _predicate(ctx, name, op, [_Lit(v) for v in values])


def _field_and_values(node: etree._Element, least: int, most: int) -> tuple[str, list[str]]:
    fields = [c for c in _elements(node) if _tag(c) == "field"]
    values = [c.text or "" for c in _elements(node) if _tag(c) == "value"]
    others = [_tag(c) for c in _elements(node) if _tag(c) not in ("field", "value")]
    if others:
        raise _filter_error(f"<{_tag(node)}> does not take <{others[0]}>")
    name = (fields[0].text or "").strip() if len(fields) == 1 else ""
    if not name:
        raise _filter_error(f"<{_tag(node)}> needs exactly one non-empty <field>")
    if not least <= len(values) <= most:
        wanted = str(least) if least == most else f"{least} to {most}"
        raise _filter_error(f"<{_tag(node)}> takes {wanted} <value> elements, not {len(values)}")
    return name, values


def translate_orderby(
    orderby_element: etree._Element, fields: Mapping[str, FieldDef], *, object_name: str = ""
) -> str:
    """``<orderby><order><field>F</field><descending/></order>…`` as ``ORDER BY …``.

    Decimals sort numerically; NULLs last ascending, first descending (Oracle) [U].
    """
    field_set = _FieldSet(fields, object_name, dotted=True)
    orders = _elements(orderby_element)
    if not orders:
        raise _filter_error("<orderby> needs at least one <order>")
    terms = [_order_term(field_set, order) for order in orders]
    field_set.check()
    return "ORDER BY " + ", ".join(terms)


def _order_term(field_set: _FieldSet, order: etree._Element) -> str:
    if _tag(order) != "order":
        raise _filter_error(f"<orderby> takes <order> elements, not <{_tag(order)}>")
    children = _elements(order)
    names = [(c.text or "").strip() for c in children if _tag(c) == "field"]
    directions = [_tag(c) for c in children if _tag(c) != "field"]
    if len(names) != 1 or not names[0]:
        raise _filter_error("<order> needs exactly one non-empty <field>")
    if len(directions) > 1 or any(d not in ("ascending", "descending") for d in directions):
        raise _filter_error("<order> takes one optional <ascending/> or <descending/>")
    key, field = field_set.resolve(names[0])
    col = f"CAST({_ident(key)} AS REAL)" if field.type == "decimal" else _ident(key)
    if directions == ["descending"]:
        return f"{col} DESC NULLS FIRST"
    return f"{col} ASC NULLS LAST"


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
    ctx = _Ctx(
        _FieldSet(fields, object_name, dotted=False),
        codes=False,
        shown_date=_date_parts(date_format),
    )
    sql = _get_list_node(ctx, _only_child(filter_element, "expression or logical"), 1)
    ctx.fields.check()
    return sql.text, list(sql.params)


def _get_list_node(ctx: _Ctx, node: etree._Element, depth: int) -> _Sql:
    if depth > MAX_DEPTH:
        raise _filter_error("the filter is nested too deeply")
    if _tag(node) == "logical":
        op = (node.get("logical_operator") or "").strip().lower()
        if op not in ("and", "or"):
            raise _filter_error('<logical> needs logical_operator="and" or "or"')
        children = _elements(node)
        if not children:
            raise _filter_error("<logical> needs at least one expression")
        return _join(op.upper(), [_get_list_node(ctx, c, depth + 1) for c in children])
    if _tag(node) != "expression":
        raise _filter_error(f"expected <expression> or <logical>, not <{_tag(node)}>")
    return _expression(ctx, node)


def _expression(ctx: _Ctx, node: etree._Element) -> _Sql:
    parts: dict[str, str] = {}
    for child in _elements(node):
        tag = _tag(child)
        if tag not in ("field", "operator", "value") or tag in parts:
            raise _filter_error(f"<expression> does not take (another) <{tag}>")
        parts[tag] = child.text or ""
    name = parts.get("field", "").strip()
    if not name:
        raise _filter_error("<expression> needs a non-empty <field>")
    raw_op = parts.get("operator", "")
    op = _GET_LIST_OPS.get(" ".join(raw_op.split()).lower())
    if op is None:
        allowed = ", ".join(k for k in _GET_LIST_OPS if k != "<>")
        raise _filter_error(f"unknown operator '{raw_op}' (use one of {allowed})")
    return _predicate(ctx, name, op, [_Lit(parts.get("value", ""))])
