"""What the three languages share: SQL fragments, field resolution, literals and predicates."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from lxml import etree

from intacct.emulator.catalog import FieldDef
from intacct.emulator.querylang.errors import (
    DEFAULT_DATE_FORMAT,
    filter_error,
    not_queryable_error,
    unknown_field_error,
    value_error,
)

# --- SQL fragments -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sql:
    text: str
    params: tuple[object, ...] = ()


TRUE_SQL = Sql("1=1")
_FLAT_JOIN = 16  # longer AND/OR chains are split in halves to keep SQLite's depth low


def join(op: str, parts: Sequence[Sql]) -> Sql:
    if len(parts) == 1:
        return parts[0]
    if len(parts) > _FLAT_JOIN:
        half = len(parts) // 2
        parts = [join(op, parts[:half]), join(op, parts[half:])]
    text = "(" + f" {op} ".join(p.text for p in parts) + ")"
    return Sql(text, tuple(v for p in parts for v in p.params))


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def order_term(column: str, *, descending: bool) -> str:
    """One ``ORDER BY`` term of either API: NULLs last ascending, first descending, as
    Oracle sorts them [U]."""
    return f"{column} DESC NULLS FIRST" if descending else f"{column} ASC NULLS LAST"


def leading_order(order: str, column: str) -> str | None:
    """The direction (ASC or DESC) of ``column`` where it leads ``order`` (an ``ORDER
    BY`` clause of :func:`order_term`'s terms), else None."""
    for descending in (False, True):
        lead = "ORDER BY " + order_term(column, descending=descending)
        if order == lead or order.startswith(lead + ", "):
            return "DESC" if descending else "ASC"
    return None


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


class FieldSet:
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
def date_parts(date_format: str) -> tuple[str, ...]:
    """A strftime date format in display order: ``%d/%m/%Y`` → ``("d", "/", "m", "/", "Y")``."""
    pieces = _FORMAT_PIECE.findall(date_format)
    directives = sorted(p for p in pieces if p.startswith("%"))
    if "".join(pieces) != date_format or directives != ["%Y", "%d", "%m"]:
        raise ValueError(f"not a date format of %m, %d and %Y: {date_format!r}")
    return tuple(p.removeprefix("%") if p.startswith("%") else p for p in pieces)


@dataclass(frozen=True, slots=True)
class Ctx:
    fields: FieldSet
    codes: bool  # readByQuery: enums and booleans are compared by their stored codes
    ci: bool = False  # query options/caseinsensitive
    shown_date: tuple[str, ...] = date_parts(DEFAULT_DATE_FORMAT)  # how LIKE sees dates


# --- literals and their conversion to stored values --------------------------------------


@dataclass(frozen=True, slots=True)
class Lit:
    text: str
    number: bool = False  # an unquoted readByQuery number


_Convert = Callable[[Lit], object]
_TextConvert = Callable[[str], object]

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_WHEN = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?: +(\d{1,2}):(\d{2}):(\d{2}))?", re.ASCII)
_INT64 = range(-(2**63), 2**63)
_BOOLS = {"t": 1, "true": 1, "f": 0, "false": 0}
_DATE_FORMATS = "a date MM/DD/YYYY or a date and time MM/DD/YYYY HH:MM:SS"


def _number(key: str, lit: Lit, *, integer: bool) -> int | float:
    text = lit.text.strip()
    if _NUMBER.fullmatch(text) is None:
        raise value_error(key, lit.text, "a number")
    value = Decimal(text)
    if integer and value == value.to_integral_value() and int(value) in _INT64:
        return int(value)
    return float(value)


def _when(key: str, lit: Lit) -> tuple[datetime, bool]:
    """A ``MM/DD/YYYY[ HH:MM:SS]`` literal (whatever the company's display format) and
    whether it had a time."""
    match = None if lit.number else _WHEN.fullmatch(lit.text.strip())
    if match is None:
        raise value_error(key, lit.text, _DATE_FORMATS)
    month, day, year, hour, minute, second = (int(p) for p in match.groups(default="0"))
    try:
        value = datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - wall time
    except ValueError:
        raise value_error(key, lit.text, _DATE_FORMATS) from None
    return value, match.group(4) is not None


#: a stored value no record has: a literal in the other language's spelling is compared
#: as text by the database, so it matches nothing (and ``!=`` matches every set value).
NO_MATCH = "\x00"
_CODE_BOOLS = frozenset({"t", "f"})


def _bool(key: str, lit: Lit, *, codes: bool) -> int:
    """readByQuery compares the stored ``T``/``F``; query and get_list the words
    ``true``/``false`` [V docs: readByQuery ``STATUS = 'T'``]. [U] the other spelling is
    compared as text and finds nothing, as Oracle would; anything else is an error."""
    text = lit.text.strip().lower()
    value = _BOOLS.get(text)
    if value is None or lit.number:
        raise value_error(key, lit.text, "T or F" if codes else "true or false")
    return value if (text in _CODE_BOOLS) == codes else -1  # a value no record holds


def _enum_stored(field: FieldDef, text: str, *, codes: bool) -> str:
    """An enum literal as the stored display value, read in the function's language.

    readByQuery compares stored codes (``STATUS = 'T'``), query and get_list display
    values (``active``) [V]; a field can swap them (AUDITHISTORY's ACCESSMODE: letters in
    query, words in readByQuery). A literal in the other language finds nothing, as it
    does in production, so a wrong literal cannot pass here and fail there.
    """
    if codes == field.query_takes_codes or not field.codes:
        return text  # stored as display values: anything else simply finds nothing
    if text in field.codes:
        index = field.codes.index(text)
        return field.values[index] if index < len(field.values) else text
    return NO_MATCH


# --- column expressions ------------------------------------------------------------------


def _code_view(key: str, field: FieldDef) -> Sql:
    """An enum column as its stored codes (readByQuery compares codes)."""
    pairs = list(zip(field.values, field.codes, strict=False))
    if not pairs:
        return Sql(ident(key))
    whens = " ".join("WHEN ? THEN ?" for _ in pairs)
    return Sql(f"(CASE {ident(key)} {whens} END)", tuple(v for p in pairs for v in p))


_STORED_PIECES = {"Y": (1, 4), "m": (6, 2), "d": (9, 2)}  # in the ISO storage form


def _shown_date(col: str, parts: tuple[str, ...]) -> Sql:
    """A stored date as the gateway writes it; separators are parameters like values."""
    texts = [
        f"substr({col}, {_STORED_PIECES[p][0]}, {_STORED_PIECES[p][1]})"
        if p in _STORED_PIECES
        else "?"
        for p in parts
    ]
    return Sql(" || ".join(texts), tuple(p for p in parts if p not in _STORED_PIECES))


def _text_view(ctx: Ctx, key: str, field: FieldDef) -> Sql:
    """A column as the text LIKE matches: how the gateway shows the value."""
    col = ident(key)
    if field.type == "integer":
        return Sql(f"CAST({col} AS TEXT)")
    if field.type == "boolean":
        true, false = ("'T'", "'F'") if ctx.codes else ("'true'", "'false'")
        return Sql(f"(CASE {col} WHEN 1 THEN {true} WHEN 0 THEN {false} END)")
    if field.type == "enum" and ctx.codes != field.query_takes_codes:
        return _code_view(key, field)
    # [U] LIKE matches dates as the gateway writes them (the display format), although
    # comparisons read literals as MM/DD/YYYY: a pattern is text, not a date.
    if field.type == "date":
        shown = _shown_date(col, ctx.shown_date)
        return Sql(f"({shown.text})", shown.params)
    if field.type == "timestamp":
        shown = _shown_date(col, ctx.shown_date)
        return Sql(f"({shown.text} || substr({col}, 11))", shown.params)
    return Sql(col)


@dataclass(frozen=True, slots=True)
class _Operand:
    column: Sql  # the column side of the comparison
    values: tuple[object, ...]  # one converted parameter per literal
    placeholder: str = "?"


_ORDERING = frozenset({"<", "<=", ">", ">="})


def _operand(ctx: Ctx, key: str, field: FieldDef, op: str, lits: Sequence[Lit]) -> _Operand:
    """The column expression and the literals as stored values, by the field's type."""
    col = Sql(ident(key))
    kind = field.type
    if kind in ("integer", "decimal"):
        integer = kind == "integer"
        nums = tuple(_nullable(lit, lambda x: _number(key, x, integer=integer)) for lit in lits)
        return _Operand(col if integer else Sql(f"CAST({col.text} AS REAL)"), nums)
    if kind == "boolean":
        values = tuple(_nullable(lit, lambda x: _bool(key, x, codes=ctx.codes)) for lit in lits)
        return _Operand(col, values)
    if kind in ("date", "timestamp"):
        return _when_operand(key, field, lits)
    if kind == "enum":
        by_code = ctx.codes != field.query_takes_codes
        if by_code and op in _ORDERING:
            return _Operand(_code_view(key, field), _texts(lits, lambda t: t))
        values = _texts(lits, lambda t: _enum_stored(field, t, codes=ctx.codes))
        return _cased(ctx, col, values)
    return _cased(ctx, col, _texts(lits, lambda t: t))


def _cased(ctx: Ctx, col: Sql, values: tuple[object, ...]) -> _Operand:
    if ctx.ci:
        return _Operand(Sql(f"lower({col.text})", col.params), values, "lower(?)")
    return _Operand(col, values)


def _nullable(lit: Lit, convert: _Convert) -> object:
    return None if lit.text == "" and not lit.number else convert(lit)


def _texts(lits: Sequence[Lit], convert: _TextConvert) -> tuple[object, ...]:
    return tuple(None if lit.text == "" else convert(lit.text) for lit in lits)


def _when_operand(key: str, field: FieldDef, lits: Sequence[Lit]) -> _Operand:
    parsed = [None if lit.text == "" else _when(key, lit) for lit in lits]
    timed = field.type == "timestamp" or any(p is not None and p[1] for p in parsed)
    col = Sql(ident(key))
    if timed and field.type == "date":
        col = Sql(f"({col.text} || ' 00:00:00')")
    return _Operand(col, tuple(None if p is None else _iso(p[0], timed=timed) for p in parsed))


def _iso(value: datetime, *, timed: bool) -> str:
    """The storage form (by hand: ``%Y`` does not zero-pad years < 1000 everywhere)."""
    day = f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
    return f"{day} {value.hour:02d}:{value.minute:02d}:{value.second:02d}" if timed else day


# --- predicates --------------------------------------------------------------------------

SQL_OPS = frozenset({"=", "<>", "<", "<=", ">", ">=", "IN", "NOT IN", "BETWEEN"})


def _compare(ctx: Ctx, name: str, op: str, lits: Sequence[Lit]) -> Sql:
    """``op`` is one of :data:`SQL_OPS`; ``lits`` has 1 value (2 for BETWEEN, n for IN)."""
    key, field = ctx.fields.resolve(name)
    operand = _operand(ctx, key, field, op, lits)
    ph = operand.placeholder
    if op in ("IN", "NOT IN"):
        rhs = "(" + ", ".join(ph for _ in lits) + ")"
    elif op == "BETWEEN":
        rhs = f"{ph} AND {ph}"
    else:
        rhs = ph
    return Sql(f"{operand.column.text} {op} {rhs}", operand.column.params + operand.values)


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


def _like(ctx: Ctx, name: str, pattern: Lit, *, negate: bool) -> Sql:
    key, field = ctx.fields.resolve(name)
    view = _text_view(ctx, key, field)
    op = "NOT GLOB" if negate else "GLOB"
    value = None if pattern.text == "" else _glob(pattern.text)
    if ctx.ci:
        return Sql(f"lower({view.text}) {op} lower(?)", (*view.params, value))
    return Sql(f"{view.text} {op} ?", (*view.params, value))


def _null(ctx: Ctx, name: str, *, negate: bool) -> Sql:
    key, _ = ctx.fields.resolve(name)
    return Sql(f"{ident(key)} IS {'NOT ' if negate else ''}NULL")


def predicate(ctx: Ctx, name: str, op: str, lits: Sequence[Lit]) -> Sql:
    """Any predicate by its SQL-ish operator (the three languages map onto these)."""
    if op in SQL_OPS:
        return _compare(ctx, name, op, lits)
    if op in ("LIKE", "NOT LIKE"):
        return _like(ctx, name, lits[0], negate=op == "NOT LIKE")
    if op in ("IS NULL", "IS NOT NULL"):
        return _null(ctx, name, negate=op == "IS NOT NULL")
    raise AssertionError(op)  # pragma: no cover - callers map operators first


# --- XML helpers (query and get_list filters) ----------------------------------------------


def elements(parent: etree._Element) -> list[etree._Element]:
    """Child elements, skipping comments and processing instructions."""
    return [child for child in parent if isinstance(child.tag, str)]


def tag_of(element: etree._Element) -> str:
    return element.tag if isinstance(element.tag, str) else ""


def only_child(parent: etree._Element, what: str) -> etree._Element:
    children = elements(parent)
    if len(children) != 1:
        raise filter_error(
            f"<{tag_of(parent)}> must contain exactly one {what}, not {len(children)}"
        )
    return children[0]
