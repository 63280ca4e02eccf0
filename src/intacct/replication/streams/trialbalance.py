"""The trial balance as a stream: ``get_trialbalance`` month by month.

Intacct has no object for balances: the legacy ``get_trialbalance`` function answers
one row per account for a date range (MeltanoLabs tap-intacct #20/#22 ask for it). The
stream ``TRIALBALANCE`` holds one record per (month, account, entity), the months asked
twelve to a request:
``PERIODSTART``, ``PERIODEND``, ``GLACCOUNTNO``, ``STARTBALANCE``, ``DEBITS``,
``CREDITS``, ``ENDBALANCE`` (and ``DEPARTMENTID``/``LOCATIONID`` when the gateway
breaks them out).

Which months: from ``start_date`` (default: January of the year before last) to the
current month. Balances carry forward (a month's STARTBALANCE sums every posted line
before it), so an entry posted into a month moves that month and every later one. A
later run reads again:

* named by the audit trail with GL creates alone: the months from the earliest posting
  date among the journal entries changed since the first row (one ``query`` of GLBATCH
  ordered by BATCH_DATE, a row) to this one; a back-dated entry reads from its month;
* named with a modification, a delete or an account change (the date an entry had
  before, or had when deleted, is not in the trail), verified, or when a month has
  begun: also the :data:`REREAD_MONTHS` months before this one ([U] Intacct has no
  "modified since" for balances; closed periods rarely move);
* and any month it has not read since it ended.

The state keeps ``month``: the first month not yet read after its end (the current
month, after a whole run; the next month to read, after a stopped one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from intacct.errors import IntacctError
from intacct.protocol import functions as fn
from intacct.protocol import query as q
from intacct.protocol.values import decode_decimal
from intacct.replication.contract import StreamPage, StreamResult
from intacct.replication.run.cost import run_part
from intacct.replication.state.runstate import RunState, StreamState

if TYPE_CHECKING:
    from intacct.replication.contract import Sink, StreamSpec
    from intacct.replication.run.context import RunContext
    from intacct.replication.streams.audit import Change

__all__ = [
    "AMOUNTS",
    "first_month",
    "KEY_PROPERTIES",
    "TrialBalanceStream",
    "REREAD_MONTHS",
    "TRIAL_BALANCE",
    "months",
    "recent",
    "schema",
    "typed_row",
]

TRIAL_BALANCE = "TRIALBALANCE"
REREAD_MONTHS = 2
#: [U] the objects whose changes move balances, as the audit trail names them: a
#: journal entry and its lines (a subledger's posting makes one), GLDETAIL, the accounts
GL_OBJECTS = frozenset({"GLBATCH", "GLENTRY", "GLDETAIL", "GLACCOUNT"})
#: the GL objects whose creates are dated by their journal entry's BATCH_DATE [U]: a
#: line written alone (GLENTRY) changes its entry's WHENMODIFIED with it
DATED = frozenset({"GLBATCH", "GLENTRY"})
#: how far before the first row's ACCESSTIME an entry's WHENMODIFIED may fall [U]: the
#: trail's row and the record's write are one transaction, their clocks read apart
_SLACK = timedelta(minutes=1)
#: months asked in one request (one get_trialbalance function each): a year's balances
#: cost one request's fixed time, and a stopped run loses at most a year's reading
MONTHS_PER_REQUEST = 12
KEY_PROPERTIES = ("PERIODSTART", "GLACCOUNTNO", "_entity_id")
#: what ``api: rest`` is told: the trial balance has one way in
THROUGH_XML = (
    f"{TRIAL_BALANCE}: read through the XML gateway (get_trialbalance) whatever --api says: "
    "the REST API has no trial balance"
)
AMOUNTS = ("STARTBALANCE", "DEBITS", "CREDITS", "ENDBALANCE")
_TEXTS = ("GLACCOUNTNO", "DEPARTMENTID", "LOCATIONID")


def first_month(start_date: datetime | None, today: date) -> date:
    """The first month the stream holds: ``start_date``'s, else January of the year
    before last."""
    if start_date is not None:
        return start_date.astimezone(UTC).date().replace(day=1)
    return date(today.year - 2, 1, 1)


def months(first: date, today: date) -> Iterator[tuple[date, date]]:
    """(first day, last day) of every month from ``first``'s to ``today``'s."""
    current = first.replace(day=1)
    while current <= today:
        following = _next_month(current)
        yield current, date.fromordinal(following.toordinal() - 1)
        current = following


def recent(first: date, today: date) -> date:
    """The first of the months every verifying run reads again: :data:`REREAD_MONTHS`
    before ``today``'s, not before ``first``."""
    month = today.replace(day=1)
    for _ in range(REREAD_MONTHS):
        month = _previous_month(month)
    return max(month, first)


def typed_row(row: dict[str, str], start: date, end: date, entity: str) -> dict[str, Any]:
    """A ``trialbalance`` row as the stream's record (amounts exact, dates ISO)."""
    out: dict[str, Any] = {"PERIODSTART": start.isoformat(), "PERIODEND": end.isoformat()}
    for name in _TEXTS:
        value = row.get(name.lower())
        if value is not None or name == "GLACCOUNTNO":
            out[name] = value or None
    for name in AMOUNTS:
        out[name] = decode_decimal(row.get(name.lower(), ""))
    out["_entity_id"] = entity
    return out


def schema() -> dict[str, Any]:
    """The stream's JSON Schema (amounts as exact numbers, as the object streams')."""
    properties: dict[str, Any] = {
        "PERIODSTART": {"type": ["string"], "format": "date"},
        "PERIODEND": {"type": ["string"], "format": "date"},
        **{name: {"type": ["string", "null"]} for name in _TEXTS},
        **{name: {"type": ["number", "null"]} for name in AMOUNTS},
        "_entity_id": {"type": ["string"]},
    }
    properties["GLACCOUNTNO"] = {"type": ["string"]}
    return {"type": "object", "properties": properties}


def _today() -> date:
    return datetime.now(UTC).date()


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _previous_month(day: date) -> date:
    return date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, 1)


class TrialBalanceStream:
    """The engine's stream for :data:`TRIAL_BALANCE` (one part: the months in order,
    one request each, each month's rows a page with the state after it)."""

    planning = False  # no RECORDNO ranges to plan

    def __init__(
        self, context: RunContext, spec: StreamSpec, entity: str, state: RunState, sink: Sink
    ) -> None:
        self.context, self.entity, self.state, self.sink = context, entity, state, sink
        self.result = StreamResult(TRIAL_BALANCE, entity)
        self.parts: list[tuple[Callable[[], None], float]] = []
        self.current = StreamState()
        self.client = context.client_for(entity)
        self.changes: list[Change] = []  # the trail's rows naming it (not verifying)

    def prepare(self, dry: bool = False) -> None:
        with self.context.lock:
            self.current = self.state.get(TRIAL_BALANCE, self.entity)
            if self.context.settings.api == "rest" and TRIAL_BALANCE not in self.context.warned:
                self.context.warned.add(TRIAL_BALANCE)  # said once, not once an entity
                self.sink.warning(TRIAL_BALANCE, THROUGH_XML)
        self.parts = [(self._read, 0.0)]

    def attempt(self, part: Callable[[], None]) -> None:
        run_part(self, part)

    # -- the audit trail's question (:mod:`..run.watch`) --------------------------------

    def subjects(self) -> frozenset[str]:
        """The GL's objects: balances move when entries post or accounts change."""
        return GL_OBJECTS

    def steady(self) -> bool:
        """Read before, and every month before this one read since it ended: only what
        the trail names (or verification) is due."""
        month = self.current.month
        return month is not None and date.fromisoformat(month) >= _today().replace(day=1)

    def quiet(self) -> None:
        self.parts = []

    def named(self, rows: Sequence[Change]) -> bool:
        """Named: read from the month the rows date (see the module docstring)."""
        self.changes = list(rows)
        return True

    def rule(self) -> str:
        return (
            f"read when the audit trail lists {', '.join(sorted(GL_OBJECTS))} (entries "
            "created: from the earliest one's month), or a month begins"
        )

    def reading(self) -> tuple[str, int]:
        """What this run reads, for people (the dry run), and its API transactions."""
        if self._dated():
            return "from the month of the earliest entry created: a query, a function a month", 2
        count = len(self.months_to_read(_today()))
        return f"{count} months, a function each", count

    def months_to_read(self, today: date, changed: date | None = None) -> list[tuple[date, date]]:
        """The months this run asks for: from the first not read since it ended, or
        ``changed`` (the earliest entry's month), else the months read again
        (:func:`recent`), if earlier, to this one."""
        origin = first_month(self.context.settings.start_date, today)
        unread = date.fromisoformat(self.current.month) if self.current.month else origin
        first = min(unread, changed or recent(origin, today))
        return list(months(max(first, origin), today))

    def _dated(self) -> bool:
        """Named by creates of dated entries alone: the months they move are known."""
        return bool(self.changes) and all(r.created and r.object in DATED for r in self.changes)

    def _earliest(self) -> date | None:
        """The earliest BATCH_DATE of the journal entries written since the first row
        (one query, a row); None where none shows (not yet visible: read as verified)."""
        formatting = self.client.user_formatting()
        since = min(row.wall for row in self.changes) - _SLACK
        query = fn.Query(
            "GLBATCH",
            ["BATCH_DATE"],
            filter=q.greaterthanorequalto("WHENMODIFIED", formatting.format_datetime(since)),
            orderby=[q.Order("BATCH_DATE")],
            pagesize=1,
            showprivate=not self.entity,
        )
        result = self.client.call(query)
        self.result.requests += 1
        dates = (formatting.decode_date(str(r.get("BATCH_DATE") or "")) for r in result.records)
        return next((day for day in dates if day is not None), None)

    def _read(self) -> None:
        today = _today()
        changed = self._earliest() if self._dated() else None
        spans = self.months_to_read(today, changed)
        for at in range(0, len(spans), MONTHS_PER_REQUEST):
            if self.context.stopped:
                return
            chunk = spans[at : at + MONTHS_PER_REQUEST]
            answers = self.client.get_trialbalances(chunk)
            self.result.requests += 1
            for (start, end), rows in zip(chunk, answers, strict=True):
                self._deliver(start, end, rows, today)

    def _deliver(self, start: date, end: date, rows: list[Any], today: date) -> None:
        """A month's rows as a page, with the state after it."""
        size = sum(len(value) for row in rows for value in row.values())
        out = [typed_row(dict(row.items()), start, end, self.entity) for row in rows]
        with self.context.lock:
            if self.context.stopped:
                return  # the run stopped: neither stored nor told
            # the first month not read since it ended: this one stays open
            self.current.month = (
                start.isoformat() if end >= today else _next_month(start).isoformat()
            )
            self.result.records += len(out)
            self.sink.page(StreamPage(TRIAL_BALANCE, self.entity, out, [], self.state.snapshot()))
        if self.context.progress:
            requests = self.result.requests
            self.context.progress(TRIAL_BALANCE, self.entity, len(out), requests, size)

    def finish(self) -> None:
        """Nothing is left open between runs."""

    def fail(self, exc: IntacctError) -> None:
        self.context.fail(self.result, self.sink, TRIAL_BALANCE, exc)
