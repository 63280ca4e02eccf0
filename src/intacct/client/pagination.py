"""Lazy page and record iterators over the two paging styles, with resume tokens.

``query`` pages are stateless (each is a fresh query), so offset paging loses or repeats
rows when data changes between pages. We page by *keyset* instead: a stable ``orderby``
on the key and a filter "key > last key seen", so inserts and deletes elsewhere cannot
shift what comes next, and a :class:`PageToken` after any page resumes exactly there.

WHENMODIFIED is written in the user's date format and time zone, with no offset. A token
keeps the wall-clock time Intacct stamped (and, for people, that time in UTC), and the
next filter sends that wall-clock time back as it was, in the format the gateway reads
(MM/DD/YYYY, see :mod:`~intacct.protocol.formats`): an offset that changed in between
(daylight saving time) cannot move it. Where the autumn change repeats an hour, a pager
resumes from before that hour (:func:`resume_token`). Records with no WHENMODIFIED (real
Intacct has them)
cannot be ordered by it: a second pass reads them by RECORDNO, so every record comes
exactly once.

``readByQuery`` has a server-side cursor (``resultId``) that ``readMore`` continues;
its order is not the primary-key order, so it is never emulated with a key filter.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from intacct.errors import PaginationError, RequestBuildError
from intacct.protocol import functions as fn
from intacct.protocol import query as q
from intacct.protocol.columns import Columns, ascending_recordnos
from intacct.protocol.formats import US_FORMATTING, UserFormatting
from intacct.protocol.response import Record, Result

__all__ = [
    "KEYS",
    "Page",
    "PageToken",
    "iter_pages",
    "iter_query",
    "iter_read_by_query",
    "resume_token",
]

log = logging.getLogger("intacct.pagination")

Caller = Callable[[fn.Function], Result]

#: the keys we page by: RECORDNO is unique; WHENMODIFIED ties are broken by RECORDNO.
KEYS = ("RECORDNO", "WHENMODIFIED")
_MODIFIED = "WHENMODIFIED"


@dataclass(frozen=True, slots=True)
class PageToken:
    """Where a keyset pager stands: strictly after this key.

    ``wall`` is WHENMODIFIED as Intacct stamped it, the user's wall-clock time (naive),
    which the next filter sends back unchanged; ``modified`` is that time in UTC as the
    user's zone gave it (for people and logs). A token with ``modified`` alone (made from
    an instant, or kept by an earlier version) is read from a little earlier
    (:func:`resume_token`). ``unmodified`` marks the pass over records without
    WHENMODIFIED. ``str(token)`` is a compact JSON text that :meth:`parse` reads back.
    """

    key: str
    recordno: int
    modified: datetime | None = None
    unmodified: bool = False
    wall: datetime | None = None

    def __str__(self) -> str:
        data: dict[str, object] = {"key": self.key, "RECORDNO": self.recordno}
        if self.modified is not None:
            data[_MODIFIED] = self.modified.astimezone(UTC).isoformat()
        if self.wall is not None:
            data["wall"] = self.wall.isoformat()
        if self.unmodified:
            data["unmodified"] = True
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def parse(cls, text: str) -> PageToken:
        try:
            data = json.loads(text)
            modified, wall = data.get(_MODIFIED), data.get("wall")
            token = cls(
                key=data["key"],
                recordno=int(data["RECORDNO"]),
                modified=datetime.fromisoformat(modified) if modified else None,
                unmodified=bool(data.get("unmodified", False)),
                wall=datetime.fromisoformat(wall) if wall else None,
            )
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise PaginationError(f"not a page token: {text[:200]!r} ({exc})") from None
        token.check(token.key)
        return token

    def check(self, key: str) -> None:
        """Refuse a token that does not belong to a pager on ``key``."""
        if self.key != key:
            raise PaginationError(f"this token resumes a {self.key} pager, not a {key} one")
        if key == _MODIFIED and not self.unmodified and self.modified is None:
            raise PaginationError("a WHENMODIFIED token needs its WHENMODIFIED value")
        if self.modified is not None and self.modified.tzinfo is None:
            raise PaginationError("a token's WHENMODIFIED must carry its UTC offset")
        if self.wall is not None and (self.wall.tzinfo is not None or self.modified is None):
            raise PaginationError(
                "a token's wall time is the user's clock without an offset, beside WHENMODIFIED"
            )


@dataclass(frozen=True, slots=True)
class Page:
    """One answer of a pager: its records in key order, the token that resumes after
    them (``None`` only if nothing has been read yet), the requests this pager has made
    so far, and whether it is the last page. ``rows`` are the records, or their columns
    when the fast reader read them (:mod:`intacct.protocol.columns`)."""

    rows: list[Record] | Columns
    after: PageToken | None
    requests: int
    last: bool
    bytes: int = 0  # of the answer that carried it

    @property
    def records(self) -> list[Record]:
        """The records (read from the columns' bytes by the hardened parser if need be)."""
        return self.rows if isinstance(self.rows, list) else self.rows.records()

    @property
    def columns(self) -> Columns | None:
        return None if isinstance(self.rows, list) else self.rows

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True, slots=True)
class _Pass:
    """One keyset pass: the filter it adds and the key columns it orders by."""

    extra: q.Filter | None
    columns: tuple[str, ...]
    unmodified: bool = False


class _Pager:
    def __init__(
        self,
        call: Caller,
        object: str,
        select: Sequence[str],
        *,
        filter: q.Filter | None,
        key: str,
        pagesize: int,
        showprivate: bool,
        formatting: UserFormatting,
        unmodified: bool = True,
    ) -> None:
        self.call, self.object, self.filter = call, object, filter
        self.with_unmodified = unmodified
        self.key, self.pagesize, self.showprivate = key, pagesize, showprivate
        self.formatting = formatting
        needed = ("RECORDNO",) if key == "RECORDNO" else (_MODIFIED, "RECORDNO")
        self.fields = list(select) + [c for c in needed if c not in select]
        self.requests = 0

    def passes(self) -> list[_Pass]:
        if self.key == "RECORDNO":
            return [_Pass(None, ("RECORDNO",))]
        modified = _Pass(q.isnotnull(_MODIFIED), (_MODIFIED, "RECORDNO"))
        if not self.with_unmodified:
            return [modified]
        return [modified, _Pass(q.isnull(_MODIFIED), ("RECORDNO",), unmodified=True)]

    def run(self, after: PageToken | None) -> Iterator[Page]:
        passes = self.passes()
        if after is not None:
            after = resume_token(after, self.formatting)
        if after is not None and after.unmodified:
            passes = passes[-1:]  # the WHENMODIFIED pass is done
        for index, current in enumerate(passes):
            # a finished pass hands over to the next one, so a resume skips it
            final = index == len(passes) - 1
            handoff = None if final else PageToken(self.key, 0, unmodified=True)
            yield from self._pass(current, after, handoff)
            after = handoff

    def _pass(
        self, current: _Pass, start: PageToken | None, handoff: PageToken | None
    ) -> Iterator[Page]:
        last = start
        while True:
            result = self.call(self._query(current, last))
            self.requests += 1
            columns = result.data.columns if result.data is not None else None
            rows: list[Record] | Columns = list(result.records) if columns is None else columns
            last = self._advance(rows, current, last)
            done = _exhausted(result, len(rows), self.pagesize)
            resume = handoff if done and handoff is not None else last
            final = done and handoff is None
            page = Page(rows, resume, self.requests, final, result.size)
            # the next request takes a whole round trip: this frame must not hold the
            # page meanwhile (one page per reader kept alive for nothing)
            del result, rows, columns
            yield page
            del page
            if done:
                return

    def _advance(
        self, rows: list[Record] | Columns, current: _Pass, last: PageToken | None
    ) -> PageToken | None:
        """The token of a page's last record, checking the page moves strictly forward."""
        if isinstance(rows, list):
            return self._advance_records(rows, current, last)
        if current.columns == ("RECORDNO",) and (last is None or last.wall is None):
            numbers = ascending_recordnos(rows, last.recordno if last is not None else None)
            if numbers is not None:  # else the records say what is wrong
                return PageToken(self.key, numbers, unmodified=current.unmodified)
        keys = rows.texts(current.columns)  # as the records hold them: no second parse
        return self._advance_records(keys, current, last)

    def _advance_records(
        self, records: Sequence[Mapping[str, str]], current: _Pass, last: PageToken | None
    ) -> PageToken | None:
        for record in records:
            token = self._token(record, current)
            if last is not None and _order(token) <= _order(last):
                raise PaginationError(
                    f"{self.object} page went backwards or repeated at {token} after "
                    f"{last}; the server ignored the keyset filter or order"
                )
            last = token
        return last

    def _query(self, current: _Pass, last: PageToken | None) -> fn.Query:
        parts = [f for f in (self.filter, current.extra) if f is not None]
        if last is not None:
            parts.append(self._after(last, current))
        page_filter = parts[0] if len(parts) == 1 else q.and_(*parts) if parts else None
        return fn.Query(
            self.object,
            self.fields,
            filter=page_filter,
            orderby=[q.Order(c) for c in current.columns],
            pagesize=self.pagesize,
            showprivate=self.showprivate,
        )

    def _after(self, last: PageToken, current: _Pass) -> q.Filter:
        """Strictly after ``last``; its wall-clock time in the gateway's input format."""
        if current.columns == ("RECORDNO",):
            return q.greaterthan("RECORDNO", last.recordno)
        assert last.wall is not None  # resume_token and _token give every one its wall
        modified = self.formatting.format_datetime(last.wall)
        return q.or_(
            q.greaterthan(_MODIFIED, modified),
            q.and_(q.equalto(_MODIFIED, modified), q.greaterthan("RECORDNO", last.recordno)),
        )

    def _token(self, record: Mapping[str, str], current: _Pass) -> PageToken:
        try:
            recordno = int(record["RECORDNO"])
        except (KeyError, ValueError):
            raise PaginationError(
                f"{self.object} record without a numeric RECORDNO "
                f"({record.get('RECORDNO')!r}); cannot page by keyset"
            ) from None
        if current.columns == ("RECORDNO",):
            return PageToken(self.key, recordno, unmodified=current.unmodified)
        wall = self._wall(record, recordno)
        return PageToken(self.key, recordno, self.formatting.to_utc(wall), wall=wall)

    def _wall(self, record: Mapping[str, str], recordno: int) -> datetime:
        raw = record.get(_MODIFIED, "")
        try:
            modified = self.formatting.decode_datetime(raw)
        except ValueError as exc:
            raise PaginationError(
                f"{self.object} RECORDNO {recordno}: WHENMODIFIED {raw!r} cannot be read in "
                f"the user's date format {self.formatting.pattern} ({exc}); pass the Web "
                "Services user's formatting (UserFormatting) or page by key='RECORDNO'"
            ) from None
        if modified is None:
            raise PaginationError(
                f"{self.object} RECORDNO {recordno} has no WHENMODIFIED although the query "
                "asked for records that have one; the server ignored the filter"
            )
        return modified


def _order(token: PageToken) -> tuple[datetime, int]:
    """Keys compare as the gateway orders them: wall-clock WHENMODIFIED, then RECORDNO."""
    return (token.wall or datetime.min, token.recordno)  # noqa: DTZ901 - wall clock, naive


def resume_token(token: PageToken, formatting: UserFormatting) -> PageToken:
    """Where a WHENMODIFIED pager reads from after ``token`` so that no later change is
    skipped: the token itself, or, when its wall time falls in an hour the autumn change
    repeats, a time before that hour; a token without its wall time a little earlier
    (:meth:`UserFormatting.resume_wall`)."""
    if token.key != _MODIFIED or token.unmodified or token.modified is None:
        return token
    start = formatting.resume_wall(token.wall, token.modified)
    if start == token.wall:
        return token
    return PageToken(token.key, 0, formatting.to_utc(start), wall=start)


def _exhausted(result: Result, count: int, pagesize: int) -> bool:
    data = result.data
    if not count or (data is not None and data.numremaining == 0):
        return True
    return count < pagesize and (data is None or data.numremaining is None)


def iter_pages(
    call: Caller,
    object: str,
    select: Sequence[str],
    *,
    filter: q.Filter | None = None,
    key: str = "RECORDNO",
    pagesize: int = 1000,
    showprivate: bool = False,
    after: PageToken | str | None = None,
    formatting: UserFormatting = US_FORMATTING,
    unmodified: bool = True,
) -> Iterator[Page]:
    """Yield every page ``query`` answers, in key order, starting past ``after``.

    ``key`` is RECORDNO or WHENMODIFIED (then RECORDNO breaks ties, and records with no
    WHENMODIFIED follow in a RECORDNO pass, unless ``unmodified`` is False: an
    incremental reader that keeps its own place among them reads them itself). Each
    :class:`Page` carries the token to resume after it; ``call`` runs one function and
    raises its classified error.
    """
    if key not in KEYS:
        raise RequestBuildError("key", f"must be one of {', '.join(KEYS)}, got {key!r}")
    token = PageToken.parse(after) if isinstance(after, str) else after
    if token is not None:
        token.check(key)
    pager = _Pager(
        call,
        object,
        select,
        filter=filter,
        key=key,
        pagesize=pagesize,
        showprivate=showprivate,
        formatting=formatting,
        unmodified=unmodified,
    )
    return pager.run(token)


def iter_query(
    call: Caller,
    object: str,
    select: Sequence[str],
    *,
    filter: q.Filter | None = None,
    key: str = "RECORDNO",
    pagesize: int = 1000,
    showprivate: bool = False,
    after: PageToken | str | None = None,
    formatting: UserFormatting = US_FORMATTING,
) -> Iterator[Record]:
    """Yield every record ``query`` matches, page by page, in key order."""
    pages = iter_pages(
        call,
        object,
        select,
        filter=filter,
        key=key,
        pagesize=pagesize,
        showprivate=showprivate,
        after=after,
        formatting=formatting,
    )
    for page in pages:
        yield from page.records


def iter_read_by_query(
    call: Caller,
    object: str,
    query: str | q.Where = "",
    fields: Sequence[str] | str = "*",
    *,
    pagesize: int = 1000,
) -> Iterator[Record]:
    """Yield every record of a readByQuery, following readMore until nothing remains."""
    result = call(fn.ReadByQuery(object, query=query, fields=fields, pagesize=pagesize))
    total = result.data.totalcount if result.data else None
    seen = 0
    remaining: int | None = None
    while True:
        yield from result.records
        seen += len(result.records)
        data = result.data
        now_remaining = data.numremaining if data is not None else 0
        if not now_remaining:
            break
        if data is None or data.result_id is None:
            raise PaginationError(f"{object}: {now_remaining} rows remain but no resultId")
        if remaining is not None and now_remaining >= remaining:
            raise PaginationError(
                f"{object}: readMore did not advance (numremaining {remaining} -> "
                f"{now_remaining}); stopping instead of looping"
            )
        if not result.records:
            raise PaginationError(f"{object}: empty page with {now_remaining} rows remaining")
        remaining = now_remaining
        result = call(fn.ReadMore(result_id=data.result_id))
    if total is not None and seen != total:
        log.warning("%s: read %d records but totalcount said %d", object, seen, total)
