"""A REST page's columns typed in bulk: the fast path of :class:`~.rest_typed.RestTyper`.

The query service's page comes decoded into columns
(:class:`~intacct.protocol.rest_records.RestColumns`); here each column is typed at
once with Arrow into the XML stream's columns, the same types as XML's fast path
(:mod:`.columnar`), and the same records :class:`~.rest_typed.RestTyper` makes, built
from the columns when a sink asks for them:

========== ===================== ===================================================
kind        Arrow type            taken in bulk when every value is
========== ===================== ===================================================
string      utf8                  text (``""`` is null, as one value at a time)
integer     int64                 a JSON whole number, or text of 1 to 18 digits
decimal     decimal128(38, 12)    text ``[-]digits[.digits]``, <= 26 and <= 12 digits
boolean     bool                  JSON ``true`` or ``false``
date        date32                ``YYYY-MM-DD`` (a day the month has)
datetime    timestamp[s, UTC]     ``YYYY-MM-DDTHH:MM:SSZ`` (REST writes UTC)
========== ===================== ===================================================

An enum's members become the XML values over the column's distinct values. A column
outside those forms (a decimal sent as a JSON number, a multi-pick, text in a boolean)
is typed one value at a time by the field's own converter, and a value that converter
refuses sends the whole page the record way, which names it in its error: the fast
path never decides a value differently, it only declines.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from intacct.errors import ResponseFormatError
from intacct.protocol.rest_records import RestColumns
from intacct.replication.records.columnar import Records
from intacct.replication.records.rest_typed import RestTyper
from intacct.replication.records.typed import ENTITY_ID

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["RestColumnTyper"]

#: a typed column and, when a sink asks, its values as the record way gives them
Column = tuple["pa.Array", Callable[[], list[Any]]]

#: what Arrow and the converters raise for a value they refuse
_REFUSED = (ArithmeticError, TypeError, ValueError, NotImplementedError)  # and Arrow's

_DECIMAL = r"^-?[0-9]{1,26}(\.[0-9]{1,12})?$"
_DATE = r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$"
_DATETIME = r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"


#: a page of fewer records is typed one record at a time: typing a column in bulk has a
#: fixed cost (about 30 us), which a handful of records do not repay (measured: the
#: ways break even at 16 to 32 records of 30 to 65 fields)
BULK_RECORDS = 32


class RestColumnTyper:
    """Types the columns of ``typer``'s pages; None when a page goes the record way
    (a value outside the fast forms that its converter refuses, or a page of fewer than
    ``bulk`` records)."""

    def __init__(self, typer: RestTyper, bulk: int = BULK_RECORDS) -> None:
        self.typer, self.bulk = typer, bulk

    def __call__(self, page: RestColumns) -> Records | None:
        import pyarrow as pa

        typer, count = self.typer, len(page)
        if count < self.bulk:
            return None
        typed: dict[str, Column] = {}
        for read in typer.reads:
            column = _typed(read.kind, read.enum, read.convert, page.columns[read.path])
            if column is None:
                return None
            typed[read.column] = column
        wanted = [*typer.empty, *typed]
        arrays = [
            typed[n][0] if n in typed else pa.nulls(count, _arrow(typer.kinds.get(n)))
            for n in wanted
        ]
        entity = pa.array([typer.entity_id] * count, pa.string())
        table = pa.table([*arrays, entity], names=[*wanted, ENTITY_ID])

        def rows() -> list[dict[str, Any]]:
            values = [typed[n][1]() if n in typed else [None] * count for n in wanted]
            values.append([typer.entity_id] * count)
            names = [*wanted, ENTITY_ID]
            return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]

        return Records(table, rows)

    def page(self, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]] | Records:
        """A page's records typed: in bulk where a page decoded into columns allows,
        else one record at a time by :attr:`typer`."""
        if isinstance(records, RestColumns):
            typed = self(records)
            if typed is not None:
                return typed
        one = self.typer
        return [one(record) for record in records]


def _typed(
    kind: str,
    enum: Callable[[Any], str] | None,
    convert: Callable[[Any], Any],
    values: Sequence[Any],
) -> Column | None:
    """One column typed: in bulk if its values allow, else by ``convert``; None if a
    value is refused."""
    members = values if enum is None else _members(values, enum)
    if members is not None:
        try:
            fast = _FAST.get(kind, _string)(members)
        except _REFUSED:
            fast = None
        if fast is not None:
            return fast
    try:
        return _one_by_one(kind, convert, values)
    except (*_REFUSED, ResponseFormatError):
        return None


def _members(values: Sequence[Any], enum: Callable[[Any], str]) -> list[Any] | None:
    """An enum column as the XML values (over its distinct values), or None if one is
    not text."""
    try:
        distinct = set(values)
    except TypeError:  # a list among them
        return None
    distinct.discard(None)
    distinct.discard("")
    if not all(isinstance(v, str) for v in distinct):
        return None
    xml = {v: enum(v) for v in distinct}
    return [None if v is None or v == "" else xml[v] for v in values]


def _one_by_one(kind: str, convert: Callable[[Any], Any], values: Sequence[Any]) -> Column:
    import pyarrow as pa

    out = [None if v is None or v == "" else convert(v) for v in values]
    if kind in ("date", "datetime"):  # the converter's ISO text
        array = pa.array(out, pa.string()).cast(_arrow(kind))
    else:
        array = pa.array(out, _arrow(kind))
    return array, lambda: out


def _text(values: Sequence[Any]) -> pa.Array:
    """Text values as utf8, ``""`` null (TypeError: one is not text)."""
    import pyarrow as pa

    if "" in values:
        values = [None if v == "" else v for v in values]
    return pa.array(values, pa.string())


def _matches(array: pa.Array, pattern: str) -> bool:
    import pyarrow.compute as pc

    return pc.all(pc.match_substring_regex(array, pattern)).as_py() is not False


def _string(values: Sequence[Any]) -> Column:
    array = _text(values)
    return array, array.to_pylist


def _integer(values: Sequence[Any]) -> Column | None:
    import pyarrow as pa

    try:
        array = _text(values)
    except TypeError:  # JSON numbers: whole ones only (a float or true is no int64)
        array = pa.array(values)
        if array.type not in (pa.int64(), pa.null()):
            return None
    else:
        if not _matches(array, r"^-?[0-9]{1,18}$"):
            return None
    array = array.cast(pa.int64())
    return array, array.to_pylist


def _decimal(values: Sequence[Any]) -> Column | None:
    import pyarrow as pa

    try:
        text = _text(values)
    except TypeError:  # JSON numbers, as the record way writes them
        text = _text([_number(v) for v in values])
    if not _matches(text, _DECIMAL):
        return None
    digits = text.to_pylist

    def exact() -> list[Any]:  # the digits REST sent (12.50), which a decimal column drops
        return [None if t is None else Decimal(t) for t in digits()]

    return text.cast(pa.decimal128(38, 12)), exact


def _number(value: Any) -> Any:
    """A JSON number as the digits the record way reads (TypeError: not a number)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise TypeError(value)


def _boolean(values: Sequence[Any]) -> Column:
    import pyarrow as pa

    array = pa.array(values, pa.bool_())
    return array, array.to_pylist


def _dated(pattern: str, kind: str) -> Callable[[Sequence[Any]], Column | None]:
    def typed(values: Sequence[Any]) -> Column | None:
        text = _text(values)
        if not _matches(text, pattern):
            return None
        return text.cast(_arrow(kind)), text.to_pylist  # Arrow refuses a day a month lacks

    return typed


_FAST: dict[str, Callable[[Sequence[Any]], Column | None]] = {
    "string": _string,
    "integer": _integer,
    "decimal": _decimal,
    "boolean": _boolean,
    "date": _dated(_DATE, "date"),
    "datetime": _dated(_DATETIME, "datetime"),
    "multipick": lambda values: None,
}


def _arrow(kind: str | None) -> pa.DataType:
    import pyarrow as pa

    types = {
        "integer": pa.int64(),
        "decimal": pa.decimal128(38, 12),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "datetime": pa.timestamp("s", tz="UTC"),
        "multipick": pa.list_(pa.string()),
    }
    return types.get(kind or "string", pa.string())
