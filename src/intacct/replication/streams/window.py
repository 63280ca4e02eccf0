"""The lookback window's digest: which records of the window the sink lacks.

A lookback re-reads ``lookback_minutes`` behind the bookmark, for the writes that become
visible late (Intacct is eventually consistent). Read in full, that window costs a busy
company its records every run, and every company the probe's "nothing changed"
shortcut. The digest lists the window's RECORDNO and WHENMODIFIED instead (two fields:
narrow pages, each one API transaction), asks the sink which version of each it stores
(:class:`~.contract.StoredVersions`), and reads in full only the records it lacks or
stores with another WHENMODIFIED.

The window is (start, end]: ``end`` is where the changes pass starts (the bookmark, or
before the hour the autumn change repeats: :func:`~intacct.client.pagination.resume_token`),
so the two passes cover every WHENMODIFIED from ``start`` on, once. The listing's first
page travels in the probe's batch (one more API transaction per stream, no request):
a quiet run whose window the sink holds sends that batch alone, as without a lookback.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from intacct.client.pagination import PageToken
from intacct.protocol import functions as fn
from intacct.protocol import query as q
from intacct.protocol.formats import UserFormatting
from intacct.protocol.response import Record, Result
from intacct.protocol.wallclock import MAX_DST_SHIFT
from intacct.replication.records.typed import iso_utc

if TYPE_CHECKING:
    from intacct.client import IntacctClient

__all__ = ["FIELDS", "Window", "after", "up_to"]

_MODIFIED = "WHENMODIFIED"
#: the daylight saving shifts of the tz database are multiples of half an hour
_DST_STEP = timedelta(minutes=30)
#: what the listing asks of each record of the window
FIELDS = ("RECORDNO", _MODIFIED)


def after(token: PageToken, formatting: UserFormatting) -> q.Filter:
    """Records strictly after ``token`` in (WHENMODIFIED, RECORDNO) order, its wall-clock
    time sent back as the gateway stamped it."""
    if token.wall is None:
        return q.greaterthan("RECORDNO", token.recordno)
    when = formatting.format_datetime(token.wall)
    return q.or_(
        q.greaterthan(_MODIFIED, when),
        q.and_(q.equalto(_MODIFIED, when), q.greaterthan("RECORDNO", token.recordno)),
    )


def up_to(token: PageToken, formatting: UserFormatting) -> q.Filter:
    """Records at or before ``token`` (one with a wall time) in the same order."""
    assert token.wall is not None
    when = formatting.format_datetime(token.wall)
    return q.or_(
        q.lessthan(_MODIFIED, when),
        q.and_(q.equalto(_MODIFIED, when), q.lessthanorequalto("RECORDNO", token.recordno)),
    )


@dataclass(slots=True)
class Window:
    """One stream's window (start, end] and the listing's first page, once answered."""

    start: PageToken
    end: PageToken
    formatting: UserFormatting
    first: list[Record] | None = None  # the probe's answer: the listing's first page
    first_done: bool = False  # ... and nothing after it
    listed: int = field(default=0)  # rows listed so far
    #: the sink holds the true UTC instants (REST's): see :meth:`stale`
    true_utc: bool = False

    @classmethod
    def behind(
        cls, end: PageToken, minutes: int, formatting: UserFormatting, true_utc: bool = False
    ) -> Window | None:
        """The window of ``minutes`` of the user's wall clock before ``end``; None for a
        token without a wall time (nothing to go back from)."""
        if end.wall is None or minutes <= 0:
            return None
        wall = end.wall - timedelta(minutes=minutes)
        start = PageToken(_MODIFIED, 0, formatting.to_utc(wall), wall=wall)
        return cls(start, end, formatting, true_utc=true_utc)

    def first_call(self, object: str, pagesize: int) -> fn.Query:
        """The listing's first page, as the keyset pager asks it."""
        where = q.and_(up_to(self.end, self.formatting), after(self.start, self.formatting))
        order = [q.Order(_MODIFIED), q.Order("RECORDNO")]
        return fn.Query(object, list(FIELDS), filter=where, orderby=order, pagesize=pagesize)

    def count_call(self, object: str) -> fn.Query:
        """How many records the window holds (a dry run's question, :meth:`stale`)."""
        where = q.and_(up_to(self.end, self.formatting), after(self.start, self.formatting))
        return fn.Query(object, ["RECORDNO"], filter=where, pagesize=1)

    def take_first(self, reply: Result, pagesize: int) -> None:
        """Keep the probe's answer to :meth:`first_call`."""
        records = reply.records
        remaining = reply.data.numremaining if reply.data else None
        self.first, self.listed = records, self.listed + len(records)
        self.first_done = remaining == 0 or (remaining is None and len(records) < pagesize)

    def pages(self, client: IntacctClient, object: str, pagesize: int) -> Iterator[list[Record]]:
        """The window's (RECORDNO, WHENMODIFIED) rows page by page: the probe's page when
        it came, then the rest through the keyset pager (each counted in ``listed``)."""
        start = self.start
        if self.first is not None:
            yield self.first
            if self.first_done or not self.first:
                return
            start = self._token(self.first[-1])
        pages = client.iter_pages(
            object, list(FIELDS), key=_MODIFIED, filter=up_to(self.end, self.formatting),
            pagesize=pagesize, after=start, unmodified=False,
        )  # fmt: skip
        for page in pages:
            self.listed += len(page)
            yield page.records

    def stale(self, rows: Sequence[Record], stored: Mapping[int, str | None]) -> list[int]:
        """The RECORDNOs of ``rows`` the sink lacks or stores with another WHENMODIFIED
        (both in UTC, as the engine emits them: :func:`~.records.iso_utc`)."""
        out = []
        for row in rows:
            recordno = int(row["RECORDNO"])
            if recordno not in stored or not self._same(stored[recordno], row):
                out.append(recordno)
        return out

    def _same(self, stored: str | None, row: Record) -> bool:
        """Whether the sink's version is the listed one. The listing is the user's wall
        clock; where the zone is known only by today's offset, it is turned to UTC at that
        offset, as XML reads store it, while REST's stored instant is exact: the same
        change then differs by the daylight saving shift between today and its date (a
        quiet run re-read its window's every record through REST). A stored true instant
        is the listed time at one of the offsets the zone may have had: today's, give or
        take up to :data:`~intacct.protocol.wallclock.MAX_DST_SHIFT`, in the tz database's
        half hours. [U] what that cannot tell apart: a record changed again exactly such
        a shift later, to the second, that became visible late."""
        listed = self._modified(row)
        if stored == listed:
            return True
        if not self.true_utc or self.formatting.named_zone or stored is None or listed is None:
            return False
        shift = _instant(listed) - _instant(stored)
        return abs(shift) <= MAX_DST_SHIFT and shift % _DST_STEP == timedelta(0)

    def _modified(self, row: Record) -> str | None:
        when = self.formatting.decode_timestamp(row.get(_MODIFIED, ""))
        return iso_utc(when) if when is not None else None

    def _token(self, row: Record) -> PageToken:
        wall = self.formatting.decode_datetime(row[_MODIFIED])
        assert wall is not None  # the listing asks for records in a WHENMODIFIED window
        return PageToken(_MODIFIED, int(row["RECORDNO"]), self.formatting.to_utc(wall), wall=wall)


def _instant(text: str) -> datetime:
    """An ISO UTC text the engine emits (:func:`~.records.iso_utc`) as an aware time."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
