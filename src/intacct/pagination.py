"""Lazy record iterators over the two paging styles, with loop detection.

``query`` pages are stateless (each is a fresh query), so offset paging loses or repeats
rows when data changes between pages. We page by *keyset* instead: a stable ``orderby``
on the key and a filter "key > last key seen", so inserts and deletes elsewhere cannot
shift what comes next. ``readByQuery`` has a server-side cursor (``resultId``) that
``readMore`` continues; its order is not the primary-key order, so it is never
emulated with a key filter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from intacct.errors import PaginationError
from intacct.protocol import functions as fn
from intacct.protocol import query as q
from intacct.protocol.response import Record, Result
from intacct.protocol.values import decode_datetime

__all__ = ["KEYS", "iter_query", "iter_read_by_query"]

log = logging.getLogger("intacct.pagination")

Caller = Callable[[fn.Function], Result]
Key = tuple[datetime, int] | tuple[int]

#: keyset orders we know to be total: RECORDNO is unique; WHENMODIFIED ties are broken
#: by RECORDNO.
KEYS: dict[str, tuple[str, ...]] = {
    "RECORDNO": ("RECORDNO",),
    "WHENMODIFIED": ("WHENMODIFIED", "RECORDNO"),
}


def _key_of(record: Record, columns: tuple[str, ...], object: str) -> Key:
    try:
        recordno = int(record["RECORDNO"])
    except (KeyError, ValueError):
        raise PaginationError(
            f"{object} record without a numeric RECORDNO; cannot page by keyset"
        ) from None
    if columns == ("RECORDNO",):
        return (recordno,)
    raw = record.get("WHENMODIFIED", "")
    modified = decode_datetime(raw) if raw else None
    if modified is None:
        raise PaginationError(
            f"{object} RECORDNO {recordno} has an empty WHENMODIFIED, which a WHENMODIFIED "
            "keyset cannot page past; use key='RECORDNO' for this object"
        )
    return (modified, recordno)


def _after(columns: tuple[str, ...], last: Record) -> q.Filter:
    """The filter for "strictly after the last record", on the values as sent."""
    if columns == ("RECORDNO",):
        return q.greaterthan("RECORDNO", last["RECORDNO"])
    modified, recordno = last["WHENMODIFIED"], last["RECORDNO"]
    return q.or_(
        q.greaterthan("WHENMODIFIED", modified),
        q.and_(q.equalto("WHENMODIFIED", modified), q.greaterthan("RECORDNO", recordno)),
    )


def iter_query(
    call: Caller,
    object: str,
    select: Sequence[str],
    *,
    filter: q.Filter | None = None,
    key: str = "RECORDNO",
    pagesize: int = 1000,
    showprivate: bool = False,
) -> Iterator[Record]:
    """Yield every record ``query`` matches, page by page, in key order."""
    if key not in KEYS:
        raise ValueError(f"key must be one of {sorted(KEYS)}, got {key!r}")
    columns = KEYS[key]
    fields = list(select) + [c for c in columns if c not in select]
    orderby = [q.Order(c) for c in columns]
    last: Record | None = None
    last_key: Key | None = None
    while True:
        page_filter = filter
        if last is not None:
            after = _after(columns, last)
            page_filter = after if filter is None else q.and_(filter, after)
        result = call(
            fn.Query(
                object,
                fields,
                filter=page_filter,
                orderby=orderby,
                pagesize=pagesize,
                showprivate=showprivate,
            )
        )
        for record in result.records:
            record_key = _key_of(record, columns, object)
            if last_key is not None and record_key <= last_key:
                raise PaginationError(
                    f"{object} page went backwards or repeated at {columns}={record_key} "
                    f"after {last_key}; the server ignored the keyset filter or order"
                )
            last, last_key = record, record_key
            yield record
        data = result.data
        if not result.records or (data is not None and data.numremaining == 0):
            return
        if len(result.records) < pagesize and data is not None and data.numremaining is None:
            return


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
