"""The one question a later run asks the company: what changed since the last run.

Intacct bills every query, so a run that asked each object "anything new?" paid about
three API transactions an object to learn that nothing changed. Its audit trail answers
for all objects at once: AUDITHISTORY has a row per create, modification and delete of a
record, with the object's name (OBJECTTYPE, in lower case) and the time (ACCESSTIME, on
the user's wall clock as WHENMODIFIED is) (protocol notes "AUDITHISTORY" [V]). So a run
reads the rows of creates (C), modifications (M) and deletes (D) after a moment, across
object types, paged on (ACCESSTIME, ID) as the deletes are (:mod:`.deletes`), with
``showprivate`` so the top level sees its entities' rows too. Each row names an object;
:mod:`..run.watch` decides from the names which streams read and which stay quiet.

What the answer cannot vouch for, and so is never trusted alone:

* [U] which objects Intacct writes audit rows for is not documented (the audit-trail
  page lists what it shows, not what it omits); whether lines are audited apart from
  their document, whether a subledger's posting audits its GL entry, and whether the
  objects only REST has appear, and under which name, are not known. The emulator
  audits every record write but the GL lines a posting derives (GLENTRY lines, GLDETAIL),
  and can be told to leave objects out of its trail (``/_emulator/audit``), so the
  fallback below is tested, not assumed.
* [U] whether an audit row becomes visible to queries with its record's write or apart
  from it is not documented: it is taken to be one transaction, seen with the change it
  records (the emulator makes both visible together under a lag). The question reaches
  back by the lookback for rows seen late; those an earlier run acted on name nothing.
* AUDITHISTORY queries sometimes fail with DL02000001 [O], and the user's role may lack
  the permission to read it: the question is then unanswered (tried again once, by the
  one retry policy) and every stream is read as before this question existed.

An answer longer than :data:`MAX_PAGES` pages is left unanswered too: reading every
object's changes costs less then than reading the audit trail to its end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from typing import TYPE_CHECKING

from intacct.errors import GatewayError, IntacctError, PaginationError
from intacct.protocol import functions as fn
from intacct.protocol import query as q
from intacct.protocol.formats import UserFormatting
from intacct.protocol.response import Result
from intacct.replication.streams.deletes import (
    AUDIT_OBJECT,
    after_row,
    audit_row,
    exhausted,
    read_audit,
    unreadable,
)

if TYPE_CHECKING:
    from intacct.client import IntacctClient

__all__ = ["ANY", "MAX_PAGES", "Change", "Changes", "ChangesUnavailableError", "ask"]

#: a subject every row names: AUDITHISTORY itself, read as an object, gains a row each
ANY = "*"
#: pages of the answer read before it is left unanswered (the streams are then read as
#: before: about three API transactions an object, and one a page of changes)
MAX_PAGES = 10
_FIELDS = ["ID", "ACCESSTIME", "OBJECTTYPE", "ACCESSMODE"]
#: the codes of what changes a record in ``query`` filters: Create, Modify, Delete [V]
_CODES = ("C", "M", "D")
_ORDER = [q.Order("ACCESSTIME"), q.Order("ID")]


class ChangesUnavailableError(IntacctError):
    """The audit trail did not answer this run's question (the cause says why): every
    stream is read as if it had named it."""


@dataclass(frozen=True, slots=True)
class Change:
    """One audit row: the object it names (upper case, as the XML gateway names
    objects; a REST-only object's path as the trail writes it [U]), when (aware UTC),
    whether it was a delete (or a create), and its ID."""

    object: str
    at: datetime
    deleted: bool
    id: str
    #: ACCESSTIME on the user's wall clock, as written (naive)
    wall: datetime
    #: a create (C), not a modification or a delete
    created: bool = False


@dataclass(frozen=True, slots=True)
class Changes:
    """The question's answer: every change the audit trail listed, and the same by the
    object each names (every stream of a run looks its subjects up: 641 streams against
    up to 20,000 rows)."""

    rows: tuple[Change, ...]
    by_object: Mapping[str, tuple[Change, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        grouped: dict[str, list[Change]] = {}
        for row in self.rows:
            grouped.setdefault(row.object, []).append(row)
        object.__setattr__(self, "by_object", {k: tuple(v) for k, v in grouped.items()})

    def naming(
        self, subjects: Iterable[str], after: datetime, seen: frozenset[str] = frozenset()
    ) -> list[Change]:
        """The rows naming any of ``subjects`` at or after ``after`` (aware UTC), but
        those ``seen`` (acted on by an earlier run)."""
        wanted = frozenset(subjects)
        rows = self.rows if ANY in wanted else chain(*(self.by_object.get(s, ()) for s in wanted))
        return [row for row in rows if row.at >= after and row.id not in seen]


def ask(
    client: IntacctClient, since: datetime, *, pagesize: int, max_pages: int = MAX_PAGES
) -> Changes:
    """Every create, modification and delete the audit trail lists after ``since`` (a
    wall-clock time on the user's clock), across object types; raises
    :class:`ChangesUnavailableError` when the trail cannot tell (an error, a refusal,
    more than ``max_pages`` pages)."""
    formatting = client.user_formatting()
    rows: list[Change] = []
    last: tuple[datetime, str] | None = None
    for _ in range(max_pages):
        result = _page(client, _filter(since, last, formatting), pagesize)
        for record in result.records:
            row = audit_row(record, formatting)
            if last is not None and row.key() == last:
                raise PaginationError(
                    f"AUDITHISTORY repeated row ID {row.id}; the server ignored the keyset filter"
                )
            last = row.key()
            kind = str(record.get("OBJECTTYPE", "")).upper()
            mode = str(record.get("ACCESSMODE", ""))
            assert row.wall is not None  # audit_row reads it
            deleted, created = mode in ("Delete", "D"), mode in ("Create", "C")
            rows.append(Change(kind, row.accessed, deleted, row.id, row.wall, created))
        if exhausted(result, pagesize):
            return Changes(tuple(rows))
    raise ChangesUnavailableError(
        f"the audit trail lists more than {max_pages} pages of changes since "
        f"{since:%Y-%m-%d %H:%M:%S}: every object is asked on its own this run"
    )


def _filter(
    since: datetime, last: tuple[datetime, str] | None, formatting: UserFormatting
) -> q.Filter:
    """Creates, modifications and deletes after ``since``, and after the row ``last``
    read (the keyset: ACCESSTIME, then ID)."""
    kinds = q.or_(*(q.equalto("ACCESSMODE", code) for code in _CODES))
    after = q.greaterthanorequalto("ACCESSTIME", formatting.format_datetime(since))
    if last is None:
        return q.and_(kinds, after)
    return q.and_(kinds, after, after_row(formatting, *last))


def _page(client: IntacctClient, where: q.Filter, size: int) -> Result:
    """One page of the question (:func:`~.deletes.read_audit`)."""
    query = fn.Query(
        AUDIT_OBJECT, _FIELDS, filter=where, orderby=_ORDER, pagesize=size, showprivate=True
    )
    return read_audit(client, query, _unanswered)


def _unanswered(cause: GatewayError) -> IntacctError:
    return ChangesUnavailableError(
        f"{unreadable(cause)}: every object is asked on its own: {cause}"
    )
