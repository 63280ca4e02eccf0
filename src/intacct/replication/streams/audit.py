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
  from it is not documented: a row is taken to name its object for as long as the
  lookback (``lookback_minutes``) after it, so a record visible later than its row is
  still read by the run that comes after.
* AUDITHISTORY queries sometimes fail with DL02000001 [O], and the user's role may lack
  the permission to read it: the question is then unanswered (tried again once, by the
  one retry policy) and every stream is read as before this question existed.

An answer longer than :data:`MAX_PAGES` pages is left unanswered too: reading every
object's changes costs less then than reading the audit trail to its end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from intacct.client.retry import Attempt, flaky_reads, processing_failures
from intacct.errors import GatewayError, IntacctError, PaginationError, PermissionDeniedError
from intacct.protocol import functions as fn
from intacct.protocol import query as q
from intacct.protocol.formats import UserFormatting
from intacct.protocol.response import Result
from intacct.replication.streams.deletes import AUDIT_OBJECT, audit_row, exhausted

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
    whether it was a delete, and its ID."""

    object: str
    at: datetime
    deleted: bool
    id: str
    #: ACCESSTIME on the user's wall clock, as written (naive)
    wall: datetime


@dataclass(frozen=True, slots=True)
class Changes:
    """The question's answer: every change after ``since`` (the user's wall clock) the
    audit trail listed, in ``pages`` queries (each an API transaction)."""

    since: datetime
    rows: tuple[Change, ...]
    pages: int

    def naming(
        self, subjects: Iterable[str], after: datetime, seen: frozenset[str] = frozenset()
    ) -> list[Change]:
        """The rows naming any of ``subjects`` at or after ``after`` (aware UTC), but
        those ``seen`` (acted on by an earlier run)."""
        wanted = frozenset(subjects)
        return [
            row
            for row in self.rows
            if (row.object in wanted or ANY in wanted) and row.at >= after and row.id not in seen
        ]


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
    for number in range(1, max_pages + 1):
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
            rows.append(Change(kind, row.accessed, mode in ("Delete", "D"), row.id, row.wall))
        if exhausted(result, pagesize):
            return Changes(since, tuple(rows), number)
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
    when = formatting.format_datetime(last[0])
    keyset = q.or_(
        q.greaterthan("ACCESSTIME", when),
        q.and_(q.equalto("ACCESSTIME", when), q.greaterthan("ID", last[1])),
    )
    return q.and_(kinds, after, keyset)


def _page(client: IntacctClient, where: q.Filter, size: int) -> Result:
    """One page of the question, through the one retry policy (DL02000001 once more)."""
    query = fn.Query(
        AUDIT_OBJECT, _FIELDS, filter=where, orderby=_ORDER, pagesize=size, showprivate=True
    )

    def read() -> Result:
        return client.call(query)

    try:
        return flaky_reads(client.retry_policy).call(read, idempotent=True)
    except PermissionDeniedError as exc:
        raise ChangesUnavailableError(
            "the Web Services user may not read AUDITHISTORY (its role needs View permission "
            f"for custom reports in Company): every object is asked on its own: {exc}"
        ) from exc
    except GatewayError as exc:
        if not processing_failures(Attempt(1, exc, idempotent=True)):
            raise
        raise ChangesUnavailableError(
            f"AUDITHISTORY queries keep failing: every object is asked on its own: {exc}"
        ) from exc
