"""Deletes as tombstones: AUDITHISTORY's Delete rows of one object, after a bookmark.

Intacct keeps no deleted records; its audit trail (AUDITHISTORY, about a month of it)
has one row per delete: OBJECTTYPE is the object's name in lower case, ACCESSMODE says
Delete, ACCESSTIME when (in the user's time zone, like WHENMODIFIED) and OBJECTKEY which
record, by the object's unique name field: its business id (VENDORID, ACCOUNTNO,
LOGINID, ...) when it has one, else its RECORDNO (bills, invoices, journal entries)
(protocol notes "AUDITHISTORY" [V]). A tombstone names the record by that same field::

    {"VENDORID": "V100", "_sdc_deleted_at": "2026-11-22T23:40:05Z"}
    {"RECORDNO": 4711, "_sdc_deleted_at": "2026-11-22T23:40:05Z"}

AUDITHISTORY has neither WHENMODIFIED nor a documented RECORDNO, so it is keyset-paged
on (ACCESSTIME, ID) — ID is its key (hotglue's tap) — and the bookmark
(:class:`DeleteBookmark`) is the last pair read, ACCESSTIME as the user's wall clock shows
it (sent back unchanged, as WHENMODIFIED bookmarks are: :mod:`intacct.client.pagination`) and
in UTC. ``query`` compares
ACCESSMODE by its letter (``D``), readByQuery and the rows show the word (``Delete``).

**A delete, then a re-create** of the same id (vendor ids can be reused): the tombstone
still carries the delete's time, and the re-created record has a later WHENMODIFIED.
Order by time decides: the engine reads and emits a stream's tombstones *before* its
changed records in each run, so the re-created record comes after the tombstone; and
since a run's record pass can see a re-creation whose delete only the next run's
tombstones report, a consumer applies a tombstone only to a row whose WHENMODIFIED is
not later than ``_sdc_deleted_at`` (a later row is a new record with the old id).

**Lines go with their document.** Deleting a bill deletes its lines, a journal entry its
lines and their GLDETAIL rows, and AUDITHISTORY's Delete row names the document alone
([U]: whether Intacct also writes one per line is not documented; the emulator writes
none). So a line object's deletes are read together with its document's
(:data:`OWNERS`, one query, one bookmark), and a document's delete comes back as
``page.documents``; the sink, which alone knows which lines it holds, names them
(:func:`~intacct.replication.contract.stored_lines`) and they become tombstones with the
document's delete time. Lines are never re-created under a deleted document (RECORDNOs
are not reused), so the rule above holds for them as for any row. GLDETAIL, the view of
posted journal-entry lines, goes with its GLBATCH and with its GLENTRY line (a line an
update of the entry replaced is deleted, and audited, as a GLENTRY).

**When AUDITHISTORY cannot be read** — the user's role lacks permission on it
(:class:`~intacct.errors.PermissionDeniedError`), or the gateway keeps failing with
DL02000001 "There was an error processing the request", which it sometimes answers to
AUDITHISTORY queries [O] (retried once per page first) — :func:`iter_tombstones` raises
:class:`DeletesUnavailableError` after the pages it could read. The engine logs it as one
warning per run, keeps the bookmark of the last page it got and goes on with the stream.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from intacct.client.retry import Attempt, flaky_reads, processing_failures
from intacct.errors import GatewayError, IntacctError, PaginationError, PermissionDeniedError
from intacct.protocol import functions as fn
from intacct.protocol import query as q
from intacct.protocol.formats import UserFormatting
from intacct.protocol.response import Record, Result
from intacct.replication.records.typed import iso_utc

if TYPE_CHECKING:
    from intacct.client import IntacctClient
    from intacct.client.registry import ObjectInfo

__all__ = [
    "AUDIT_OBJECT",
    "CHANGED_AT",
    "CHANGED_BY",
    "CHANGE_ID",
    "CHANGE_MODE",
    "DELETED_AT",
    "OWNERS",
    "DeleteBookmark",
    "DeletesUnavailableError",
    "deletes_filter",
    "TombstonePage",
    "after_row",
    "audit_row",
    "exhausted",
    "iter_tombstones",
    "read_audit",
    "superseded",
    "tombstone_key",
    "unreadable",
]

AUDIT_OBJECT = "AUDITHISTORY"
#: the column a tombstone carries its delete time in (Singer's convention)
DELETED_AT = "_sdc_deleted_at"
#: ``query`` filters compare ACCESSMODE by its code letter: D is Delete [V]
_DELETE_CODE = "D"
_FIELDS = ("ID", "ACCESSTIME", "OBJECTKEY", "OBJECTTYPE")
#: with the changes too (a sink keeping history): who made each and how
_CHANGE_FIELDS = (*_FIELDS, "ACCESSMODE", "USERID", "SOURCE")
#: the changes' codes in ``query`` filters: C Create, M Modify [V]
_CHANGE_CODES = ("C", "M")
#: what a change row carries beside its record's key (:class:`TombstonePage`)
CHANGED_AT, CHANGE_MODE, CHANGED_BY, CHANGE_ID = "changed_at", "mode", "user", "id"
_ORDER = [q.Order("ACCESSTIME"), q.Order("ID")]
#: line object -> {owner: the line's field holding the owner's RECORDNO}: the owned lines
#: of documents AUDITHISTORY names by RECORDNO (no business id), as the objects' reference
#: pages list them (the emulator's catalog: ``owned``, ``parent_key``), and GLDETAIL, which
#: shows the posted lines of a GLBATCH, one row per GLENTRY line
OWNERS: dict[str, dict[str, str]] = {
    "APBILLITEM": {"APBILL": "RECORDKEY"},
    "APADJUSTMENTITEM": {"APADJUSTMENT": "RECORDKEY"},
    "APADVANCEITEM": {"APADVANCE": "RECORDKEY"},
    "APPAYMENTITEM": {"APPAYMENT": "RECORDKEY"},
    "APPYMTDETAIL": {"APPYMT": "PAYMENTKEY"},
    "APRECURBILLENTRY": {"APRECURBILL": "RECORDKEY"},
    "ARINVOICEITEM": {"ARINVOICE": "RECORDKEY"},
    "ARADJUSTMENTITEM": {"ARADJUSTMENT": "RECORDKEY"},
    "ARADVANCEITEM": {"ARADVANCE": "RECORDKEY"},
    "ARPAYMENTITEM": {"ARPAYMENT": "RECORDKEY"},
    "ARPYMTDETAIL": {"ARPYMT": "PAYMENTKEY"},
    "ARRECURINVOICEENTRY": {"ARRECURINVOICE": "RECORDKEY"},
    "CUSTOMERREFUNDDETAIL": {"CUSTOMERREFUND": "PAYMENTKEY"},
    "CCTRANSACTIONENTRY": {"CCTRANSACTION": "RECORDKEY"},
    "CHARGEPAYOFFENTRY": {"CHARGEPAYOFF": "RECORDKEY"},
    "FUNDSTRANSFERENTRY": {"FUNDSTRANSFER": "RECORDKEY"},
    "OTHERRECEIPTSENTRY": {"OTHERRECEIPTS": "RECORDKEY"},
    "BANKFEEENTRY": {"BANKFEE": "RECORDKEY"},
    "CREDITCARDFEEENTRY": {"CREDITCARDFEE": "RECORDKEY"},
    "EEXPENSESITEM": {"EEXPENSES": "RECORDKEY"},
    "EXPENSEADJUSTMENTSITEM": {"EXPENSEADJUSTMENTS": "RECORDKEY"},
    "GLENTRY": {"GLBATCH": "BATCHKEY"},
    "GLDETAIL": {"GLBATCH": "BATCHKEY", "GLENTRY": "ENTRYKEY"},
    "TIMESHEETENTRY": {"TIMESHEET": "TIMESHEETKEY"},
}
#: a RECORDNO key, possibly with the ``--REC``-style suffix seen in production [O]
_RECORDNO_KEY = re.compile(r"\s*(\d+)(?:--\w*)?\s*", re.ASCII)


def superseded(modified: datetime | None, deleted: datetime | None) -> bool:
    """The rule above, for every consumer that decides it in Python (the tap, dlt): a
    version of a record modified at ``modified`` is gone if a delete at ``deleted`` is
    not earlier (a version of unknown time too). So a tombstone deletes only such a
    version, and such a version read after the tombstone does not bring the record back;
    a later one is a new record under the old id. SQL stores write the same rule as SQL
    (:mod:`intacct.destinations.sql`)."""
    return deleted is not None and (modified is None or modified <= deleted)


class DeletesUnavailableError(IntacctError):
    """AUDITHISTORY cannot be read now, so this run reports no (more) deletes for
    ``object``; ``cause`` is the gateway's error. Log it once and go on."""

    def __init__(self, object: str, cause: GatewayError) -> None:
        why = unreadable(cause)
        super().__init__(f"deletes of {object} are not read this run: {why}: {cause}")
        self.object = object
        self.cause = cause


def unreadable(cause: GatewayError) -> str:
    """Why AUDITHISTORY cannot be read now (:func:`read_audit` gave up with ``cause``)."""
    if isinstance(cause, PermissionDeniedError):
        return (
            "the Web Services user may not read AUDITHISTORY (its role needs View "
            "permission for custom reports in Company)"
        )
    return "AUDITHISTORY queries keep failing"


def read_audit(
    client: IntacctClient, query: fn.Query, unavailable: Callable[[GatewayError], IntacctError]
) -> Result:
    """One AUDITHISTORY query; DL02000001 is tried once more (:func:`flaky_reads`, the
    one retry policy) before giving up: then, as for a refusal, ``unavailable(cause)``
    is raised (what the caller does without the trail); other errors propagate."""
    try:
        return flaky_reads(client.retry_policy).call(lambda: client.call(query), idempotent=True)
    except PermissionDeniedError as exc:
        raise unavailable(exc) from exc
    except GatewayError as exc:
        if not processing_failures(Attempt(1, exc, idempotent=True)):
            raise
        raise unavailable(exc) from exc


def after_row(formatting: UserFormatting, wall: datetime, id: str) -> q.Filter:
    """Strictly after the AUDITHISTORY row (``wall``, ``id``) in the keyset (ACCESSTIME,
    ID): ACCESSTIME is written in the user's zone, to the second, as filters read it."""
    when = formatting.format_datetime(wall)
    return q.or_(
        q.greaterthan("ACCESSTIME", when),
        q.and_(q.equalto("ACCESSTIME", when), q.greaterthan("ID", id)),
    )


@dataclass(frozen=True, slots=True)
class DeleteBookmark:
    """Strictly after this AUDITHISTORY row: its ACCESSTIME (aware, UTC), ID, and
    ACCESSTIME on the user's wall clock as Intacct wrote it (naive; None in a bookmark
    an earlier version kept, which is then read from a little earlier).

    ``to_dict()``/``from_dict()`` give the run state's small JSON form
    ``{"ACCESSTIME": "<ISO-8601 UTC>", "ID": "<id>", "wall": "<ISO-8601, no offset>"}``.
    """

    accessed: datetime
    id: str
    wall: datetime | None = None

    def __post_init__(self) -> None:
        if self.accessed.tzinfo is None:
            raise ValueError("DeleteBookmark ACCESSTIME must carry its UTC offset")
        if self.wall is not None and self.wall.tzinfo is not None:
            raise ValueError("DeleteBookmark wall is the user's clock, without an offset")
        object.__setattr__(self, "accessed", self.accessed.astimezone(UTC))

    def to_dict(self) -> dict[str, str]:
        out = {"ACCESSTIME": self.accessed.isoformat(), "ID": self.id}
        if self.wall is not None:
            out["wall"] = self.wall.isoformat()
        return out

    def resumed(self, formatting: UserFormatting) -> DeleteBookmark:
        """Where to read from after this bookmark so that no later delete is skipped
        (the rule of :func:`intacct.client.pagination.resume_token`)."""
        start = formatting.resume_wall(self.wall, self.accessed)
        if start == self.wall:
            return self
        return DeleteBookmark(formatting.to_utc(start), "", start)

    def key(self) -> tuple[datetime, str]:
        """How bookmarks compare: by the wall clock where both have it."""
        return (self.wall or self.accessed.replace(tzinfo=None), self.id)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeleteBookmark:
        """Read :meth:`to_dict`'s form back; ValueError naming the key that is wrong."""
        if not isinstance(data, Mapping):
            raise ValueError(f"a delete bookmark is an object, got {type(data).__name__}")
        raw_time, raw_id = data.get("ACCESSTIME"), data.get("ID")
        if not isinstance(raw_time, str):
            raise ValueError(f"ACCESSTIME must be an ISO-8601 text, got {raw_time!r}")
        if not isinstance(raw_id, str):
            raise ValueError(f"ID must be a text, got {raw_id!r}")
        raw_wall = data.get("wall")
        try:
            accessed = datetime.fromisoformat(raw_time)
            wall = datetime.fromisoformat(raw_wall) if isinstance(raw_wall, str) else None
        except ValueError:
            raise ValueError(
                f"ACCESSTIME {raw_time!r} or wall {raw_wall!r} is not ISO-8601"
            ) from None
        if accessed.tzinfo is None:
            raise ValueError(f"ACCESSTIME {raw_time!r} has no UTC offset")
        if raw_wall is not None and (wall is None or wall.tzinfo is not None):
            raise ValueError(f"wall must be an ISO-8601 time without an offset, got {raw_wall!r}")
        return cls(accessed, raw_id, wall)


@dataclass(frozen=True, slots=True)
class TombstonePage:
    """One AUDITHISTORY page turned into tombstones, in ACCESSTIME order.

    ``after`` resumes after this page (``since`` again when the page was empty);
    ``unmapped`` holds the OBJECTKEYs that do not fit the object's key (a RECORDNO
    object traced by a non-number) for the caller to warn about; ``requests`` is the
    number of queries sent so far; ``last`` marks the final page. ``documents`` are the
    deletes of a line object's owners (:data:`OWNERS`) as (owner, RECORDNO, delete time
    as ``_sdc_deleted_at`` text), whose lines the sink names.
    """

    tombstones: list[dict[str, Any]]
    after: DeleteBookmark | None
    requests: int
    last: bool
    unmapped: tuple[str, ...] = field(default=())
    documents: tuple[tuple[str, int, str], ...] = field(default=())
    #: with ``changes``: the object's creates and modifications, as ``{key field: value,
    #: "changed_at": ISO UTC, "mode": "create"|"modify", "user": USERID, "id": ID}``
    changes: tuple[dict[str, Any], ...] = field(default=())


def tombstone_key(info: ObjectInfo, objectkey: str) -> tuple[str, str | int] | None:
    """The (field, value) a tombstone of ``info`` names its record by, from OBJECTKEY:
    the object's id field with OBJECTKEY as it is, else RECORDNO as an integer (None if
    OBJECTKEY is no number). [U] A ``--REC``-style suffix after a RECORDNO (seen in
    production, undocumented) is dropped."""
    if info.id_field:
        return info.id_field, objectkey
    match = _RECORDNO_KEY.fullmatch(objectkey)
    return ("RECORDNO", int(match.group(1))) if match else None


def iter_tombstones(
    client: IntacctClient,
    info: ObjectInfo,
    since: DeleteBookmark | None,
    *,
    pagesize: int | None = None,
    lookback: timedelta = timedelta(0),
    changes: bool = False,
) -> Iterator[TombstonePage]:
    """Every delete of ``info``'s object that AUDITHISTORY lists after ``since``, as
    pages of tombstones (see the module docstring), lazily; with ``changes``, its
    creates and modifications too (``page.changes``: a history's who and its gaps), in
    the same queries.

    ``lookback`` also re-reads the deletes of that window before ``since`` (a tombstone
    twice is harmless; an audit row written late is not lost); page bookmarks never go
    back before ``since``. Raises :class:`DeletesUnavailableError` when AUDITHISTORY cannot
    be read; other errors of the gateway propagate.
    """
    formatting = client.user_formatting()
    start = since.resumed(formatting) if since is not None else None
    if start is not None and lookback > timedelta(0):
        wall = start.key()[0] - lookback
        start = DeleteBookmark(formatting.to_utc(wall), "", wall)
    size = pagesize or min(client.config.page_size, 2000)
    last = start
    requests = 0
    while True:
        where = deletes_filter(info, last, formatting, changes=changes)
        result = _page(client, info.name, where, size, changes)
        requests += 1
        tombstones: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        unmapped: list[str] = []
        documents: list[tuple[str, int, str]] = []
        for record in result.records:
            row = audit_row(record, formatting)
            if last is not None and row.key() == last.key():
                raise PaginationError(
                    f"AUDITHISTORY repeated row ID {row.id} for {info.name}; the server "
                    "ignored the keyset filter"
                )
            last = row
            objectkey, when = record.get("OBJECTKEY", ""), iso_utc(row.accessed)
            owner = str(record.get("OBJECTTYPE", "")).upper()
            if owner != info.name:  # an owner's delete
                match = _RECORDNO_KEY.fullmatch(objectkey)
                if match is None:
                    unmapped.append(objectkey)
                else:
                    documents.append((owner, int(match.group(1)), when))
                continue
            key = tombstone_key(info, objectkey)
            if key is None:
                unmapped.append(objectkey)
                continue
            mode = str(record.get("ACCESSMODE", "Delete"))
            if mode in ("Delete", _DELETE_CODE):
                tombstones.append({key[0]: key[1], DELETED_AT: when})
                continue
            changed.append({
                key[0]: key[1], CHANGED_AT: when, CHANGE_MODE: mode.lower(),
                CHANGED_BY: record.get("USERID") or None, CHANGE_ID: row.id,
            })  # fmt: skip
        done = exhausted(result, size)
        yield TombstonePage(
            tombstones, _later(since, last), requests, done, tuple(unmapped), tuple(documents),
            tuple(changed),
        )  # fmt: skip
        if done:
            return


def _page(
    client: IntacctClient, object: str, where: q.Filter, size: int, changes: bool = False
) -> Result:
    """One AUDITHISTORY query of ``object``'s deletes (:func:`read_audit`)."""
    fields = list(_CHANGE_FIELDS if changes else _FIELDS)
    query = fn.Query(AUDIT_OBJECT, fields, filter=where, orderby=_ORDER, pagesize=size)
    return read_audit(client, query, lambda cause: DeletesUnavailableError(object, cause))


def deletes_filter(
    info: ObjectInfo,
    after: DeleteBookmark | None,
    formatting: UserFormatting,
    *,
    changes: bool = False,
) -> q.Filter:
    """AUDITHISTORY's delete rows of ``info``'s object (and of its owners:
    :data:`OWNERS`) strictly after ``after``; with ``changes``, the object's own
    creates and modifications too."""
    types = [info.name, *OWNERS.get(info.name, ())]
    kinds = [q.equalto("OBJECTTYPE", name.lower()) for name in types]
    deleted = q.equalto("ACCESSMODE", _DELETE_CODE)
    parts = [kinds[0] if len(kinds) == 1 else q.or_(*kinds), deleted]
    if changes:
        own = q.and_(kinds[0], q.or_(*(q.equalto("ACCESSMODE", c) for c in _CHANGE_CODES)))
        parts = [q.or_(q.and_(parts[0], deleted), own)]
    if after is not None:
        parts.append(after_row(formatting, after.key()[0], after.id))
    return q.and_(*parts)


def audit_row(record: Record, formatting: UserFormatting) -> DeleteBookmark:
    """An AUDITHISTORY row's place in the keyset (ACCESSTIME, ID), as a bookmark."""
    raw_id, raw_time = record.get("ID", ""), record.get("ACCESSTIME", "")
    try:
        wall = formatting.decode_datetime(raw_time)
    except ValueError as exc:
        raise PaginationError(
            f"AUDITHISTORY ID {raw_id}: ACCESSTIME {raw_time!r} cannot be read in the "
            f"user's date format {formatting.pattern} ({exc})"
        ) from None
    if wall is None or not raw_id:
        raise PaginationError(
            f"AUDITHISTORY row without ACCESSTIME or ID ({raw_id!r}, {raw_time!r}); "
            "cannot page by keyset"
        )
    # a delete stamped in an hour the autumn change repeats is taken in its later pass:
    # a change of the record in the first pass must not outlive its tombstone
    return DeleteBookmark(formatting.to_utc(wall, latest=True), raw_id, wall)


def _later(since: DeleteBookmark | None, last: DeleteBookmark | None) -> DeleteBookmark | None:
    """The page's bookmark: where it ended, but never before ``since`` (lookback).
    [U] IDs of one second are compared as texts, as the emulator orders them."""
    if since is None or last is None:
        return last or since
    if since.wall is None:  # an earlier version's bookmark: rows read now supersede it
        return last
    return last if last.key() > since.key() else since


def exhausted(result: Result, size: int) -> bool:
    """An AUDITHISTORY page is the last: nothing remains, by the gateway's count or a short page."""
    remaining = result.data.numremaining if result.data is not None else None
    if remaining is not None:
        return remaining == 0 or not result.records
    return len(result.records) < size
