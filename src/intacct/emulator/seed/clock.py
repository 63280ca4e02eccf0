"""When things happen: the fixed two-year history and the draws that place records in it.

Times are whole seconds since :data:`START` until a row is written (``dt``), which keeps the
arithmetic exact and cheap. The history is fixed, never "now", so the same seed always gives
the same data.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "AS_OF",
    "DAY",
    "HISTORY_DAYS",
    "IMPORT_AT",
    "MASS_UPDATE",
    "SPAN",
    "START",
    "WEEK",
    "WEEKS",
    "ZONE",
    "Draw",
    "creation_times",
    "dt",
    "month_end",
    "office_hours",
    "week_of",
    "week_times",
]

#: the company's one seeded random stream (``random.Random.random``)
Draw = Callable[[], float]

#: History runs two years from START (a Monday) to AS_OF.
HISTORY_DAYS = 728  # 104 whole weeks, so every week starts on a Monday
START = datetime(2024, 11, 4)  # noqa: DTZ001 - company time, naive by contract
AS_OF = START + timedelta(days=HISTORY_DAYS)
DAY = 86_400
SPAN = HISTORY_DAYS * DAY  # seconds of history
WEEKS = 104  # transactions are generated week by week so RECORDNO follows time
WEEK = 7 * DAY

#: the second a bulk update touches ~40 % of vendors and customers, so keyset paging on
#: WHENMODIFIED meets ties larger than a page.
MASS_UPDATE = SPAN - 45 * DAY + 2 * 3_600
#: master data arrives in implementation-day imports, one timestamp per object.
IMPORT_AT = {
    "USERINFO": 8 * 3_600,
    "GLACCOUNT": 9 * 3_600,
    "LOCATION": 9 * 3_600 + 600,
    "DEPARTMENT": 9 * 3_600 + 1_200,
    "CLASS": 9 * 3_600 + 1_800,
    "EMPLOYEE": 10 * 3_600,
    "VENDOR": 10 * 3_600 + 1_800,
    "CUSTOMER": 11 * 3_600,
    "ITEM": 11 * 3_600 + 1_800,
    "PROJECT": 12 * 3_600,
}


#: the demo companies' time zone (the store's default for a company), whose clocks skip
#: an hour each spring
ZONE = "America/Los_Angeles"


def dt(seconds: int) -> datetime:
    """Seconds since :data:`START` as a naive company-time datetime that the company's
    clock shows: a draw that lands in the hour skipped in spring becomes the hour's end
    (a tie, so that times drawn in order stay in order).

    Intacct keeps instants and renders them in the user's zone [U], so no stamp reads
    02:30 on a spring-forward day; a seeded one would be unrepresentable as an instant,
    and a reader converting it would disagree with the emulator's own view of it.
    """
    for start, end in _skipped():
        if start <= seconds < end:
            seconds = end
            break
    return START + timedelta(seconds=seconds)


@functools.cache
def _skipped() -> tuple[tuple[int, int], ...]:
    """The wall-clock spans (seconds since START) that do not exist in the zone."""
    zone = ZoneInfo(ZONE)
    found = []
    for day in range(HISTORY_DAYS + 1):
        midnight = START + timedelta(days=day)
        before = midnight.replace(tzinfo=zone).utcoffset()
        after = (midnight + timedelta(days=1)).replace(tzinfo=zone).utcoffset()
        if before is None or after is None or after <= before:
            continue
        for hour in range(24):  # the clocks go forward on this day: find the hour
            wall = midnight + timedelta(hours=hour)
            shown = wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
            if shown.replace(tzinfo=None) != wall:
                start = day * DAY + hour * 3_600
                found.append((start, start + int((after - before).total_seconds())))
                break
    return tuple(found)


def month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def week_of(seconds: int) -> int:
    return int(seconds // WEEK)


def office_hours(rnd: Draw, day: int) -> int:
    """A second during working hours (8:00-18:00) of ``day``, moved off weekends."""
    weekday = day % 7  # START is a Monday
    if weekday > 4:
        day -= weekday - 4
    return day * DAY + 8 * 3_600 + int(rnd() * 36_000)


def creation_times(rnd: Draw, n: int, import_at: int, imported: float) -> list[int]:
    """``imported`` of the records arrive in the day-one import (one shared second),
    the rest are created over the two years, in order."""
    first = max(1, round(n * imported))
    days = [1 + int(rnd() * (HISTORY_DAYS - 1)) for _ in range(n - first)]
    return [import_at] * first + sorted(office_hours(rnd, day) for day in days)


def week_times(rnd: Draw, n: int, start: int) -> list[int]:
    """Sorted creation times within one week; sometimes a CSV import gives a run of
    documents one shared second (WHENCREATED/WHENMODIFIED ties)."""
    first_day = start // DAY
    times = sorted(office_hours(rnd, first_day + int(rnd() * 5)) for _ in range(n))
    if n > 2 and rnd() < 0.3:
        first = int(rnd() * (n - 1))
        last = min(n, first + 2 + int(rnd() * 30))
        times[first:last] = [times[first]] * (last - first)
    return times
