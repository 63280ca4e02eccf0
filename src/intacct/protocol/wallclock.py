"""Bookmarks on the user's wall clock, and daylight saving time.

Intacct stamps WHENMODIFIED and ACCESSTIME as naive wall-clock times in the Web Services
user's time zone, and ``readUserFormatting`` tells only ``gmtoffset``, the offset in
force *now* (intacct-protocol.md "Time zones" [O]). Decoding a stamp into UTC with that
one offset and encoding it back later, under another offset, moves the bookmark by the
difference: after the spring change an hour of changes would never be read. So a
bookmark is kept as the wall-clock text Intacct stamped and sent back as it was; no
offset enters that round trip.

One case remains, the autumn change, when the wall clock repeats an hour (01:00-02:00
twice in most zones): a change made in the second pass of that hour carries an earlier
wall time than a bookmark taken in the first pass. :func:`resume_wall` steps such a
bookmark back to before the repeated hour. The zones it considers are the user's
configured ``timezone`` or, when none is given, every zone in which the bookmark falls in
a repeated hour and whose offsets there include ``gmtoffset``. [U] We take it that the
gateway compares and orders these stamps as the user's wall-clock texts (the emulator
does); if it compared instants instead, a bookmark stepped back to an unambiguous time
before the repeated hour is safe too.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

__all__ = ["MAX_DST_SHIFT", "daylight_saving_zones", "repeated_hour", "resume_wall"]

#: the largest daylight saving shift in the tz database (Antarctica/Troll moves by 2 h;
#: most zones by 1 h, Lord Howe Island by 30 min): an instant turned into the user's wall
#: clock without knowing the zone is taken this much earlier, so nothing is skipped
MAX_DST_SHIFT = timedelta(hours=2)


@functools.cache
def _every_zone() -> tuple[ZoneInfo, ...]:
    zones = []
    for name in sorted(available_timezones()):
        try:
            zones.append(ZoneInfo(name))
        except (ZoneInfoNotFoundError, ValueError, OSError):  # pragma: no cover - odd tzdata
            continue
    return tuple(zones)


#: the tz database's regions; other names are aliases (US/Pacific) or legacy (PST8PDT)
_REGIONS = ("Africa/", "America/", "Antarctica/", "Asia/", "Atlantic/", "Australia/", "Europe/",
            "Indian/", "Pacific/")  # fmt: skip


#: zones users are most likely in, named first where several share an offset
_WELL_KNOWN = (
    "America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York",
    "America/Halifax", "America/St_Johns", "Europe/London", "Europe/Paris", "Europe/Athens",
    "Australia/Sydney", "Australia/Adelaide", "Pacific/Auckland",
)  # fmt: skip


def daylight_saving_zones(offset: timedelta, at: datetime) -> list[str]:
    """The names of the zones that are at ``offset`` at ``at`` (aware) and change it
    for daylight saving time in that year, well-known ones first: the zones a user with
    that ``gmtoffset`` may be in where a named zone matters."""
    names = []
    for zone in _every_zone():
        if not zone.key.startswith(_REGIONS) or at.astimezone(zone).utcoffset() != offset:
            continue
        january, july = (datetime(at.year, month, 1, tzinfo=zone) for month in (1, 7))
        if january.utcoffset() != july.utcoffset():
            names.append(zone.key)
    return sorted(names, key=lambda name: (name not in _WELL_KNOWN, name))


def repeated_hour(wall: datetime, zone: tzinfo) -> tuple[timedelta, timedelta] | None:
    """The two offsets of ``wall`` in ``zone`` when the zone's clock shows it twice
    (first pass, second pass), else None."""
    first = wall.replace(tzinfo=zone, fold=0).utcoffset()
    second = wall.replace(tzinfo=zone, fold=1).utcoffset()
    if first is None or second is None or first <= second:
        return None
    return first, second


def resume_wall(wall: datetime, zone: tzinfo | None, gmtoffset: timedelta | None) -> datetime:
    """The wall time to read from so that nothing changed after the bookmark ``wall``
    (naive, the user's clock) is skipped: ``wall`` itself, or, where ``wall`` falls in a
    repeated hour, a time before that hour began (``wall`` minus the hour's length, at
    most twice that length re-read, once a year).

    ``zone`` is the user's named zone when known; otherwise (None) every zone in which
    ``wall`` is repeated with ``gmtoffset`` among its two offsets is taken into account.
    """
    naive = wall.replace(tzinfo=None)
    if zone is not None:
        offsets = repeated_hour(naive, zone)
        return naive - (offsets[0] - offsets[1]) if offsets else naive
    step = timedelta(0)
    for candidate in _every_zone():
        offsets = repeated_hour(naive, candidate)
        if offsets and (gmtoffset is None or gmtoffset in offsets):
            step = max(step, offsets[0] - offsets[1])
    return naive - step
