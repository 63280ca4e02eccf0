"""Exact reads through the REST API's query service: keyset pages that lose and repeat
nothing while the data changes.

The query service pages by offset (``start``, no server cursor): a record written or
deleted between two pages shifts every later page, so a plain offset read repeats or
loses records (the emulator does the same). Every page here is therefore the first
page (``start`` 1) of a query for the records strictly after the last one read, in
(``audit.modifiedDateTime``, ``key``) order: what others write before that point
cannot move what comes next, and a :class:`RestToken` after any page resumes exactly
there. Timestamps are UTC in REST (no wall clock, no daylight-saving repeat), sent back
as they came.

Records whose ``audit.modifiedDateTime`` is empty (Intacct has them) cannot be ordered
by it: :func:`iter_rest_pages` reads them in a second kind of pass, by ``key`` alone
(``unmodified=True``), so every record comes exactly once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from intacct.errors import PaginationError, ResponseFormatError
from intacct.protocol.rest_records import RecordShape, RestColumns

if TYPE_CHECKING:
    from intacct.client.rest import RestApi

__all__ = ["KEY", "MODIFIED", "RestPage", "RestToken", "iter_rest_pages", "key_number", "value_at"]

MODIFIED = "audit.modifiedDateTime"
KEY = "key"
_WHOLE = re.compile(r"-?[0-9]+", re.ASCII)


@dataclass(frozen=True, slots=True)
class RestToken:
    """Strictly after this record: its ``key`` and, in a modified pass, its
    ``audit.modifiedDateTime`` (UTC)."""

    key: int
    modified: datetime | None = None

    def __str__(self) -> str:
        when = self.modified.isoformat() if self.modified is not None else None
        return json.dumps({"key": self.key, "modified": when}, sort_keys=True)

    @classmethod
    def parse(cls, text: str) -> RestToken:
        try:
            data = json.loads(text)
            when = data["modified"]
            modified = datetime.fromisoformat(when) if when is not None else None
            return cls(int(data["key"]), modified)
        except (ValueError, KeyError, TypeError) as exc:
            raise PaginationError(f"not a REST page token: {exc}") from None


@dataclass(frozen=True, slots=True)
class RestPage:
    """One page's records (as the API answered them, nested), the token after its
    last record (None for an empty page) and whether it is the pass's last page."""

    records: Sequence[Mapping[str, Any]]
    after: RestToken | None
    last: bool


def value_at(record: Mapping[str, Any], path: str) -> Any:
    """``record``'s value at a dot path (``audit.modifiedDateTime``; None if absent)."""
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def key_number(value: Any) -> int:
    """A record's ``key`` as the query service orders and compares it: a whole number
    (the key is a RECORDNO sent as text; ``orderBy`` key and ``$gt`` on it compare
    numbers, so ``"10"`` comes after ``"9"``). The one rule of key order: a store asked
    for its keys in a range (:func:`~intacct.replication.contract.stored_keys`) compares
    them the same way (SQL's ``CAST(key AS BIGINT)``). ValueError for a key that is no
    whole number in plain digits."""
    text = str(value)
    if _WHOLE.fullmatch(text) is None:
        raise ValueError(f"not a whole-number key: {text!r}")
    return int(text)


def iter_rest_pages(
    api: RestApi,
    object: str,
    fields: Sequence[str],
    *,
    size: int,
    after: RestToken | None = None,
    unmodified: bool = False,
    by_key: bool = False,
    filters: Sequence[Mapping[str, Any]] = (),
    columnar: bool = False,
) -> Iterator[RestPage]:
    """Every record of ``object`` after ``after``, one keyset page at a time: those
    with an ``audit.modifiedDateTime`` in (time, key) order, or with ``unmodified``
    those without one, by key, or with ``by_key`` every record by key. ``filters``
    narrow it further (and-ed). ``columnar``: a page's records come as a
    :class:`~intacct.protocol.rest_records.RestColumns` where the page decodes so."""
    keyed = unmodified or by_key
    asked = list(dict.fromkeys([*fields, KEY, *(() if keyed else (MODIFIED,))]))
    shape = RecordShape.of(tuple(asked)) if columnar else None
    order = [{KEY: "asc"}] if keyed else [{MODIFIED: "asc"}, {KEY: "asc"}]
    narrowing = [*filters, *([{"$eq": {MODIFIED: None}}] if unmodified else [])]
    while True:
        given, expression = _after(after, keyed, narrowing)
        answer = api.query(
            object,
            asked,
            filters=given,
            filter_expression=expression,
            order_by=order,
            size=size,
            shape=shape,
        )
        records = _records(answer.result, object)
        token = _token(records[-1], object, keyed) if records else None
        _check_order(after, token, object)
        last = len(records) < size or _all_there(answer.meta, len(records))
        yield RestPage(records, token, last)
        if last:
            return
        after = token


def _after(
    after: RestToken | None, keyed: bool, narrowing: Sequence[Mapping[str, Any]]
) -> tuple[list[Mapping[str, Any]], str | None]:
    """The filters (and their expression) for the records after ``after``."""
    given: list[Mapping[str, Any]] = [dict(f) for f in narrowing]
    if keyed:
        if after is not None:
            given.append({"$gt": {KEY: str(after.key)}})
        return given, None
    if after is None or after.modified is None:
        given.append({"$ne": {MODIFIED: None}})
        if after is not None:
            given.append({"$gt": {KEY: str(after.key)}})
        return given, None
    when = _stamp(after.modified)
    given += [{"$gt": {MODIFIED: when}}, {"$eq": {MODIFIED: when}}, {"$gt": {KEY: str(after.key)}}]
    n = len(given)
    rest = " and ".join(str(i) for i in range(1, n - 2))
    keyset = f"({n - 2} or ({n - 1} and {n}))"
    return given, f"{rest} and {keyset}" if rest else keyset


def _all_there(meta: Mapping[str, Any], read: int) -> bool:
    """Whether the page (each is its query's first) holds every record its query
    matched: ``ia::meta``'s ``totalCount``, "Total number of members in the result set"
    (core OpenAPI, ``metadata-pages``), says so, as XML's ``numremaining`` does. A full
    last page then costs no query more for an empty one; without a count, it does."""
    total = meta.get("totalCount")
    return isinstance(total, int) and not isinstance(total, bool) and total <= read


def _stamp(moment: datetime) -> str:
    """As the API writes it: UTC with Z, fractions of a second only if it had them."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _records(result: Any, object: str) -> Sequence[Mapping[str, Any]]:
    if isinstance(result, RestColumns):
        return result
    if not isinstance(result, list) or not all(isinstance(r, Mapping) for r in result):
        raise ResponseFormatError(f"the query service answered no list of {object} records")
    return list(result)


def _token(record: Mapping[str, Any], object: str, keyed: bool) -> RestToken:
    try:
        key = key_number(value_at(record, KEY))
    except ValueError:
        raise ResponseFormatError(f"a {object} record has no whole-number key") from None
    if keyed:
        return RestToken(key)
    when = value_at(record, MODIFIED)
    try:
        modified = datetime.fromisoformat(str(when).replace("Z", "+00:00"))
    except ValueError:
        raise ResponseFormatError(f"{object} {key}: unreadable {MODIFIED} {when!r}") from None
    return RestToken(key, modified.astimezone(UTC))


def _check_order(before: RestToken | None, after: RestToken | None, object: str) -> None:
    """A page must end after where it began: else the server ignored the keyset filter
    or order, and paging on would loop or skip."""
    if before is None or after is None:
        return
    if (_rank(after), after.key) <= (_rank(before), before.key):
        raise PaginationError(f"{object}: a page ended at or before where it began; stopping")


def _rank(token: RestToken) -> float:
    return token.modified.timestamp() if token.modified is not None else 0.0
