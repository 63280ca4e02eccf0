"""The user's date and time formats: how record dates read and how filter values are written.

The gateway writes record dates in the *Web Services user's* preferences, which
``readUserFormatting`` reports: ``dateformat`` as a four-character code (a separator,
then the order of ``m``, ``d`` and ``y``/``Y``: ``/mdY`` is MM/DD/YYYY, ``-Ymd`` is
YYYY-MM-DD, ``.dmy`` is DD.MM.YY), ``gmtoffset`` such as ``-08:00`` (the zone of
WHENMODIFIED/WHENCREATED, which carry none) and ``clock`` 12 or 24. ``gmtoffset`` is
the offset in force *now*: a zone with daylight saving time has two, so where the user's
zone is known (the ``timezone`` setting) it is used instead, and incremental bookmarks
stay on the wall clock (:mod:`intacct.protocol.wallclock`).

[U] Which format the gateway *reads* is not documented per user. The docs give
MM/DD/YYYY (and ``MM/DD/YYYY HH:MM:SS``) for generic functions, and Sage's official SDKs
write every date they send, filter values included, that way for every user
(``IaXmlWriter.intacctDateFormat``), so filter values are written in ``input_format``,
MM/DD/YYYY unless you know better, while record dates are read in ``date_format``.
Keyset pagers check every key against the last one, so a gateway that read filter
values otherwise would be caught as a page that went backwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from intacct.errors import ResponseFormatError
from intacct.protocol.wallclock import MAX_DST_SHIFT, resume_wall

if TYPE_CHECKING:
    from intacct.protocol.response import Record

__all__ = ["US_FORMATTING", "UserFormatting", "parse_gmt_offset"]

_SEPARATORS = frozenset("/-. ")
_OFFSET = re.compile(r"([+-])(\d{1,2}):?(\d{2})", re.ASCII)
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp][Mm]))?", re.ASCII)


def parse_gmt_offset(text: str) -> timezone:
    """``-08:00`` / ``+0930`` / ``+05:45`` → a fixed-offset zone; ValueError otherwise."""
    match = _OFFSET.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a GMT offset such as '-08:00': {text!r}")
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta >= timedelta(hours=24) or int(minutes) >= 60:
        raise ValueError(f"GMT offset out of range: {text!r}")
    return timezone(-delta if sign == "-" else delta)


def _check_code(code: str) -> None:
    letters = code[1:]
    valid = (
        len(code) == 4
        and code[0] in _SEPARATORS
        and sorted(letters.lower()) == ["d", "m", "y"]
        and all(ch in "mdyY" for ch in letters)
    )
    if not valid:
        raise ValueError(
            f"not an Intacct date format code such as '/mdY' or '-Ymd': {code!r} "
            "(a separator, then m, d and y or Y in display order)"
        )


@dataclass(frozen=True, slots=True)
class UserFormatting:
    """A user's date format code, time zone and clock; decodes and formats record dates.

    ``zone`` is the zone naive timestamps are in: a fixed offset from ``gmtoffset`` or,
    when given, a named zone (``ZoneInfo("Europe/London")``) that also knows DST;
    ``gmtoffset`` is the offset the gateway reported (None if not asked).
    """

    date_format: str = "/mdY"
    zone: tzinfo = UTC
    clock: int = 24
    locale: str = "en_US"
    input_format: str = "/mdY"
    #: as reported; decoding goes by ``zone``, so it is left out of equality
    gmtoffset: timedelta | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        _check_code(self.date_format)
        _check_code(self.input_format)
        if self.clock not in (12, 24):
            raise ValueError(f"clock must be 12 or 24, got {self.clock!r}")

    @classmethod
    def from_record(cls, record: Record, zone: ZoneInfo | None = None) -> UserFormatting:
        """From the ``<userformatting>`` record of a ``readUserFormatting`` answer;
        ``zone`` is the user's named zone when the configuration gives it."""
        try:
            offset = parse_gmt_offset(record.get("gmtoffset", "") or "+00:00")
            return cls(
                date_format=record.get("dateformat", "") or "/mdY",
                zone=zone or offset,
                clock=int(record.get("clock", "") or 24),
                locale=record.get("locale", "") or "en_US",
                gmtoffset=offset.utcoffset(None),
            )
        except ValueError as exc:
            raise ResponseFormatError(f"readUserFormatting answer not understood: {exc}") from None

    @property
    def named_zone(self) -> ZoneInfo | None:
        """The user's zone when it is known by name (it knows DST), else None."""
        return self.zone if isinstance(self.zone, ZoneInfo) else None

    # -- reading --------------------------------------------------------------------

    @property
    def _order(self) -> str:
        return self.date_format[1:]

    @property
    def pattern(self) -> str:
        """The date format for people: ``MM/DD/YYYY``, ``YYYY-MM-DD``, ``DD.MM.YY``."""
        parts = {"m": "MM", "d": "DD", "y": "YY", "Y": "YYYY"}
        return self.date_format[0].join(parts[ch] for ch in self._order)

    def decode_date(self, text: str) -> date | None:
        """A record date in this format → date; ``""`` → None; ValueError naming the
        format otherwise."""
        text = text.strip()
        if not text:
            return None
        pieces = text.split(self.date_format[0])
        if len(pieces) != 3 or not all(p.isascii() and p.isdigit() for p in pieces):
            raise ValueError(f"{text!r} is not a date in the user's format {self.pattern}")
        values = {ch.lower(): int(p) for ch, p in zip(self._order, pieces, strict=True)}
        year = values["y"]
        if "y" in self._order:  # two-digit year: Intacct's window is not documented [U]
            year += 2000 if year < 70 else 1900
        try:
            return date(year, values["m"], values["d"])
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a valid date ({exc})") from None

    def decode_datetime(self, text: str) -> datetime | None:
        """A record timestamp (``<date> HH:MM:SS``, 24 h or with AM/PM) → naive
        wall-clock datetime in the user's zone; ``""`` → None."""
        text = text.strip()
        if not text:
            return None
        words = text.split()
        width = 3 if self.date_format[0] == " " else 1  # "DD MM YYYY" is a format too
        day_text, time_text = " ".join(words[:width]), " ".join(words[width:])
        day = self.decode_date(day_text)
        assert day is not None
        if not time_text.strip():
            return datetime(day.year, day.month, day.day)  # noqa: DTZ001 - zone is applied by to_utc
        match = _TIME.fullmatch(time_text.strip())
        if match is None:
            raise ValueError(f"{text!r} has no HH:MM:SS time after its date")
        hour, minute, second, meridiem = match.groups()
        hours = int(hour)
        if meridiem:
            if not 1 <= hours <= 12:
                raise ValueError(f"{text!r}: hour {hours} is not a 12-hour clock hour")
            hours = hours % 12 + (12 if meridiem.lower() == "pm" else 0)
        try:
            return datetime(  # noqa: DTZ001 - zone is applied by to_utc
                day.year, day.month, day.day, hours, int(minute), int(second or 0)
            )
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a valid time ({exc})") from None

    def to_utc(self, wall: datetime, *, latest: bool = False) -> datetime:
        """A naive wall-clock time in the user's zone → an aware UTC datetime. A time
        the autumn change shows twice is taken in its first pass, or with ``latest`` in
        its second."""
        aware = wall if wall.tzinfo else wall.replace(tzinfo=self.zone, fold=int(latest))
        return aware.astimezone(UTC)

    def decode_timestamp(self, text: str) -> datetime | None:
        """A record timestamp → aware UTC datetime; ``""`` → None; ValueError for one in
        years 1 to 9999 on the user's clock but not in UTC (a datetime holds no other)."""
        wall = self.decode_datetime(text)
        if wall is None:
            return None
        try:
            return self.to_utc(wall)
        except OverflowError:
            raise ValueError(f"{text!r} is out of range in UTC (years 1 to 9999)") from None

    # -- bookmarks ------------------------------------------------------------------

    def to_wall(self, instant: datetime) -> datetime:
        """An aware time on the user's wall clock (naive), in :attr:`zone`: exact in a
        named zone, and with ``gmtoffset`` for times near now."""
        return instant.astimezone(self.zone).replace(tzinfo=None)

    def earliest_wall(self, instant: datetime) -> datetime:
        """The earliest wall-clock time the user's clock may have shown at ``instant``
        (aware): exact in a named zone; with only ``gmtoffset`` (the offset now, maybe
        not then) :data:`~intacct.protocol.wallclock.MAX_DST_SHIFT` earlier."""
        wall = self.to_wall(instant)
        return wall if self.named_zone else wall - MAX_DST_SHIFT

    def resume_wall(self, wall: datetime | None, instant: datetime) -> datetime:
        """Where to read from after a bookmark so that no later change is skipped: its
        wall-clock time ``wall``, stepped back before a repeated hour it falls in
        (:func:`intacct.protocol.wallclock.resume_wall`); a bookmark without one
        (an earlier version's) is its ``instant`` placed on the user's clock
        :data:`~intacct.protocol.wallclock.MAX_DST_SHIFT` early, since the offset it
        was made with is not known."""
        if wall is None:
            wall = self.to_wall(instant) - MAX_DST_SHIFT
        offset = self.zone.utcoffset(None) if self.gmtoffset is None else self.gmtoffset
        return resume_wall(wall, self.named_zone, offset)

    # -- writing --------------------------------------------------------------------

    def format_date(self, value: date) -> str:
        """A date as the gateway reads it (``input_format``, MM/DD/YYYY by default)."""
        return _format(value, self.input_format)

    def display_date(self, value: date) -> str:
        """A date as the gateway writes it for this user (``date_format``)."""
        return _format(value, self.date_format)

    def format_datetime(self, value: datetime) -> str:
        """``<date> HH:MM:SS`` (24 h) as the gateway reads filter values; an aware
        datetime is first converted to the user's zone, a naive one is taken as its
        wall-clock time there."""
        wall = value.astimezone(self.zone) if value.tzinfo else value
        return f"{self.format_date(wall)} {wall.hour:02d}:{wall.minute:02d}:{wall.second:02d}"


def _format(value: date, code: str) -> str:
    parts = {
        "m": f"{value.month:02d}",
        "d": f"{value.day:02d}",
        "y": f"{value.year % 100:02d}",
        "Y": f"{value.year:04d}",
    }
    return code[0].join(parts[ch] for ch in code[1:])


#: The documented default: MM/DD/YYYY, 24 h, UTC until the user's zone is known.
US_FORMATTING = UserFormatting()
