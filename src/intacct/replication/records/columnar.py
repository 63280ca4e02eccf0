"""A page's columns typed in bulk: the fast path of :class:`~.records.Typer`.

The fast reader (:mod:`intacct.protocol.columns`) hands a page over as one column of text
per field; here each column is typed at once with Arrow's compute functions, into the
same values :func:`~.records.to_output` gives record by record:

========== ================================ ===========================================
kind        Arrow type                       taken in bulk when every value is
========== ================================ ===========================================
string      utf8                             anything (an empty element is null)
integer     int64                            1 to 18 ASCII digits, maybe after a -
decimal     decimal128(38, 12)               [-]digits[.digits], <= 26 and <= 12 digits
boolean     bool                             ``true`` or ``false`` in any case
date        date32                           the user's format with a 4-digit year
datetime    timestamp[s, UTC]                that date, a space, ``HH:MM:SS`` (24 h), a
                                             time the user's zone has (DST: the first
                                             pass of a repeated hour, as :meth:`to_utc`)
                                             in a year Arrow places in that zone as
                                             zoneinfo does
multipick   list<utf8>                       anything (split on ``#~#``)
========== ================================ ===========================================

A field the metadata does not know is kept as sent (``""`` for an empty element). Any
value outside those forms (a sign, spaces, ``T``/``1``/``yes``, a two-digit year, an
AM/PM time, a time skipped by the spring change, a date that does not exist such as
02/30, a type without a fast path) sends the whole page the record way, which types it
or names it in its error: the fast path never decides a value differently, it only
declines.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any, overload
from zoneinfo import ZoneInfo

from intacct.client.registry import ObjectInfo
from intacct.protocol.columns import Columns
from intacct.protocol.formats import UserFormatting
from intacct.replication.records.typed import ENTITY_ID

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["ColumnTyper", "Records"]

#: months 01-12, days 01-31, years from 1000 (date() has no year 0): strptime takes no
#: other, and rolls a day the month lacks into the next month (:func:`_wall` checks)
_DIGITS = {"m": "(?:0[1-9]|1[0-2])", "d": "(?:0[1-9]|[12][0-9]|3[01])", "Y": "[1-9][0-9]{3}"}
_WIDTH = {"m": 2, "d": 2, "Y": 4}
#: hours 00-23, minutes and seconds 00-59: strptime rolls a 60th second into the next minute
_CLOCK = " (?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
_STRPTIME = {"m": "%m", "d": "%d", "Y": "%Y"}
_DECIMAL = r"^-?[0-9]{1,26}(\.[0-9]{1,12})?$"


class Records(Sequence[dict[str, Any]]):
    """A page's records typed in bulk: ``table`` (Arrow, one typed column per field and
    ``_entity_id``), and the same records as the dicts :class:`~.records.Typer` makes,
    built from the columns on first use, for a sink that wants them (the engine hands
    both over in a :class:`~intacct.replication.contract.StreamPage`)."""

    def __init__(self, table: pa.Table, rows: Callable[[], list[dict[str, Any]]]) -> None:
        self.table = table
        self._make = rows
        self._rows: list[dict[str, Any]] | None = None

    def _all(self) -> list[dict[str, Any]]:
        if self._rows is None:
            self._rows = self._make()
        return self._rows

    def __len__(self) -> int:
        return int(self.table.num_rows)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | Sequence[dict[str, Any]]:
        return self._all()[index]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._all())


class ColumnTyper:
    """Types a page's columns for one object, formatting and entity; ``None`` when the
    page must go the record way (see the module docstring)."""

    def __init__(self, info: ObjectInfo, formatting: UserFormatting, entity_id: str) -> None:
        self.entity_id = entity_id
        self.kinds = {f.name: f.type for f in info.model.fields}
        self.formatting = formatting

    def __call__(self, columns: Columns) -> pa.Table | None:
        import pyarrow as pa

        table = columns.table
        arrays = []
        for name in table.column_names:
            typed = self._column(name, table.column(name))
            if typed is None:
                return None
            arrays.append(typed)
        entity = pa.array([self.entity_id] * table.num_rows, pa.string())
        return pa.table([*arrays, entity], names=[*table.column_names, ENTITY_ID])

    def records(self, columns: Columns, table: pa.Table) -> Records:
        """``table`` (this typer's answer for ``columns``) as the engine hands it over.
        It keeps of ``columns`` only the text of its decimals (:meth:`rows` needs their
        digits): not the answer's bytes, which a page waiting for the sink would hold."""
        text = columns.table
        decimals = text.select([n for n in text.column_names if self.kinds.get(n) == "decimal"])
        return Records(table, functools.partial(self._rows, decimals, table))

    def rows(self, columns: Columns, table: pa.Table) -> list[dict[str, Any]]:
        """``table`` (this typer's answer for ``columns``) as the record way's dicts:
        dates and timestamps as ISO text (``Z``), decimals with the digits Intacct
        sent (``12.50``, which a decimal column does not keep)."""
        return self._rows(columns.table, table)

    def _rows(self, text: pa.Table, table: pa.Table) -> list[dict[str, Any]]:
        names = table.column_names
        values = [self._values(name, text, table.column(name)) for name in names]
        return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]

    def _values(self, name: str, text: pa.Table, typed: pa.ChunkedArray) -> list[Any]:
        import pyarrow.compute as pc

        kind = self.kinds.get(name)
        if kind == "decimal":
            digits = text.column(name).to_pylist()
            return [None if t is None else Decimal(t) for t in digits]
        if kind == "date":
            return typed.cast("string").to_pylist()  # type: ignore[no-any-return]
        if kind == "datetime":
            iso = pc.strftime(typed, format="%Y-%m-%dT%H:%M:%SZ")
            return iso.to_pylist()  # type: ignore[no-any-return]
        return typed.to_pylist()  # type: ignore[no-any-return]

    def _column(self, name: str, text: pa.ChunkedArray) -> pa.ChunkedArray | None:
        import pyarrow as pa

        kind = self.kinds.get(name)
        if kind is None:
            return text.fill_null("")  # not in the metadata: as sent
        if kind == "string":
            return text
        try:
            return _TYPERS[kind](text, self.formatting) if kind in _TYPERS else None
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None  # a value Arrow refuses: the record way names it


def _all_match(text: pa.ChunkedArray, pattern: str) -> bool:
    import pyarrow.compute as pc

    return _all_true(pc.match_substring_regex(text, pattern))


def _all_true(checks: pa.ChunkedArray) -> bool:
    """Whether every check of the non-null values holds."""
    import pyarrow.compute as pc

    return pc.all(checks).as_py() is not False


def _integer(text: pa.ChunkedArray, _: UserFormatting) -> pa.ChunkedArray | None:
    import pyarrow as pa

    return text.cast(pa.int64()) if _all_match(text, r"^-?[0-9]{1,18}$") else None


def _decimal(text: pa.ChunkedArray, _: UserFormatting) -> pa.ChunkedArray | None:
    import pyarrow as pa

    return text.cast(pa.decimal128(38, 12)) if _all_match(text, _DECIMAL) else None


def _boolean(text: pa.ChunkedArray, _: UserFormatting) -> pa.ChunkedArray | None:
    import pyarrow.compute as pc

    if not _all_match(text, "^(?i:true|false)$"):
        return None
    return pc.equal(pc.utf8_lower(text), "true")


def _multipick(text: pa.ChunkedArray, _: UserFormatting) -> pa.ChunkedArray:
    import pyarrow.compute as pc

    return pc.split_pattern(text, "#~#")


def _date(text: pa.ChunkedArray, fmt: UserFormatting) -> pa.ChunkedArray | None:
    import pyarrow as pa

    wall = _wall(text, fmt, with_time=False)
    return None if wall is None else wall.cast(pa.date32())


def _datetime(text: pa.ChunkedArray, fmt: UserFormatting) -> pa.ChunkedArray | None:
    import pyarrow.compute as pc

    wall = _wall(text, fmt, with_time=True)
    if wall is None:
        return None
    import pyarrow as pa

    years = pc.min_max(pc.year(wall)).as_py()
    if years["max"] == _LAST_YEAR:  # may be past 9999 in UTC, where the record way refuses
        return None
    zone = fmt.named_zone
    if zone is not None:  # DST: a repeated hour's first pass; a skipped time refuses
        first, last = _agreed_years(zone)
        if years["min"] is not None and not first <= years["min"] <= years["max"] <= last:
            return None
        aware = pc.assume_timezone(wall, zone.key, ambiguous="earliest", nonexistent="raise")
    elif isinstance(fmt.zone, timezone):
        aware = pc.assume_timezone(wall, _offset_name(fmt.zone.utcoffset(None)))
    else:
        return None
    return aware.cast(pa.timestamp("s", tz="UTC"))


def _wall(text: pa.ChunkedArray, fmt: UserFormatting, *, with_time: bool) -> Any:
    """The user's wall-clock dates (and times) as naive timestamps, or None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    shape = _shape(fmt.date_format, with_time)
    if shape is None or not _all_match(text, shape[0]):
        return None
    _, strptime, day = shape
    wall = pc.strptime(text, format=strptime, unit="s")
    # 02/30 is read as 03/01 where the record way refuses it: the day must be as written
    written = pc.cast(pc.utf8_slice_codeunits(text, day, day + 2), pa.int64())
    return wall if _all_true(pc.equal(pc.day(wall), written)) else None


@functools.cache
def _shape(code: str, with_time: bool) -> tuple[str, str, int] | None:
    """The regular expression and strptime format of a date format code, and where the
    day is written (4-digit years only: a 2-digit year's century is the record way's
    rule, not strptime's)."""
    separator, order = code[0], code[1:]
    if "y" in order:
        return None
    escaped = "\\" + separator if separator in ".-/" else separator
    pattern = escaped.join(_DIGITS[ch] for ch in order)
    strptime = separator.join(_STRPTIME[ch] for ch in order)
    day = sum(_WIDTH[ch] + 1 for ch in order[: order.index("d")])
    if with_time:
        pattern += _CLOCK
        strptime += " %H:%M:%S"
    return f"^{pattern}$", strptime, day


@functools.cache
def _agreed_years(zone: ZoneInfo) -> tuple[int, int]:
    """The years around this one in which Arrow places the wall-clock times of ``zone``
    where Python's zoneinfo (:meth:`UserFormatting.to_utc`) does, asked at noon on the
    15th of each month of :data:`_PROBED`; ``(1, 0)`` if none. Arrow's time zone library
    reads a zone file's transitions, not the rule after them: past the last one (2037
    in the files here, earlier in "slim" ones) it keeps that offset where zoneinfo goes
    on with DST (07/01/2040 12:00 in Los Angeles: 20:00 UTC, not 19:00)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    walls = [datetime(y, m, 15, 12) for y in _PROBED for m in range(1, 13)]  # noqa: DTZ001
    try:
        placed = pc.assume_timezone(pa.array(walls, pa.timestamp("s")), zone.key)
        arrow = placed.cast(pa.timestamp("s", tz="UTC")).to_pylist()
    except pa.ArrowException:  # no time zone database Arrow can read
        return 1, 0
    agreed = dict.fromkeys(_PROBED, True)
    for wall, theirs in zip(walls, arrow, strict=True):
        if wall.replace(tzinfo=zone).astimezone(UTC) != theirs:
            agreed[wall.year] = False
    now = datetime.now(UTC).year
    if not agreed.get(now):
        return 1, 0
    first = last = now
    while agreed.get(first - 1):
        first -= 1
    while agreed.get(last + 1):
        last += 1
    return first, last


#: the years :func:`_agreed_years` asks about
_PROBED = range(1800, 2201)
#: the last year of Python's datetime
_LAST_YEAR = 9999


def _offset_name(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


_TYPERS: dict[str, Callable[[Any, UserFormatting], Any]] = {
    "integer": _integer,
    "decimal": _decimal,
    "boolean": _boolean,
    "date": _date,
    "datetime": _datetime,
    "multipick": _multipick,
}
