"""The trial balance as a stream: ``get_trialbalance`` month by month.

Intacct has no object for balances: the legacy ``get_trialbalance`` function answers
one row per account for a date range (MeltanoLabs tap-intacct #20/#22 ask for it). The
stream ``TRIALBALANCE`` holds one record per (month, account, entity), the months asked
twelve to a request:
``PERIODSTART``, ``PERIODEND``, ``GLACCOUNTNO``, ``STARTBALANCE``, ``DEBITS``,
``CREDITS``, ``ENDBALANCE`` (and ``DEPARTMENTID``/``LOCATIONID`` when the gateway
breaks them out).

Which months: from ``start_date`` (default: January of the year before last) to the
current month. A month's balances change while entries are still posted into it, so a
later run reads again the :data:`REREAD_MONTHS` months before the last one it read
([U] Intacct has no "modified since" for balances; closed periods rarely move), and any
month it has not read yet. The state keeps the first month of the next run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from intacct.errors import IntacctError
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
    "KEY_PROPERTIES",
    "TrialBalanceStream",
    "REREAD_MONTHS",
    "TRIAL_BALANCE",
    "months",
    "schema",
    "typed_row",
]

TRIAL_BALANCE = "TRIALBALANCE"
REREAD_MONTHS = 2
#: [U] the objects whose changes move balances, as the audit trail names them: a
#: journal entry and its lines (a subledger's posting makes one), GLDETAIL, the accounts
GL_OBJECTS = frozenset({"GLBATCH", "GLENTRY", "GLDETAIL", "GLACCOUNT"})
#: months asked in one request (one get_trialbalance function each): a year's balances
#: cost one request's fixed time, and a stopped run loses at most a year's reading
MONTHS_PER_REQUEST = 12
KEY_PROPERTIES = ("PERIODSTART", "GLACCOUNTNO", "_entity_id")
AMOUNTS = ("STARTBALANCE", "DEBITS", "CREDITS", "ENDBALANCE")
_TEXTS = ("GLACCOUNTNO", "DEPARTMENTID", "LOCATIONID")


def first_month(start_date: datetime | None, resume: str | None, today: date) -> date:
    """The first month a run reads: the state's, else ``start_date``'s, else January
    of the year before last."""
    if resume:
        return date.fromisoformat(resume)
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


def resume_month(last_read: date, first: date) -> str:
    """The state after reading up to ``last_read``: re-read a few months next time."""
    month = last_read
    for _ in range(REREAD_MONTHS):
        month = _previous_month(month)
    return max(month, first).isoformat()


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

    def prepare(self, dry: bool = False) -> None:
        with self.context.lock:
            self.current = self.state.get(TRIAL_BALANCE, self.entity)
        self.parts = [(self._read, 0.0)]

    def attempt(self, part: Callable[[], None]) -> None:
        run_part(self, part)

    # -- the audit trail's question (:mod:`..run.watch`) --------------------------------

    def subjects(self) -> frozenset[str]:
        """The GL's objects: balances move when entries post or accounts change."""
        return GL_OBJECTS

    def steady(self) -> bool:
        """Read before, and no month begun since: only the months read again are due."""
        today = datetime.now(UTC).date()
        return self.current.month is not None and len(self.months_to_read(today)) <= (
            REREAD_MONTHS + 1
        )

    def quiet(self) -> None:
        self.parts = []

    def named(self, rows: Sequence[Change]) -> bool:
        """Named: read as before (no change time to read by)."""
        return True

    def rule(self) -> str:
        return f"read when the audit trail lists {', '.join(sorted(GL_OBJECTS))}, or a month begins"

    def months_to_read(self, today: date) -> list[tuple[date, date]]:
        """The months this run asks for (the state's first month to this one)."""
        first = first_month(self.context.settings.start_date, self.current.month, today)
        return list(months(first, today))

    def _read(self) -> None:
        today = datetime.now(UTC).date()
        origin = first_month(self.context.settings.start_date, None, today)
        spans = self.months_to_read(today)
        for at in range(0, len(spans), MONTHS_PER_REQUEST):
            if self.context.stopped:
                return
            chunk = spans[at : at + MONTHS_PER_REQUEST]
            answers = self.client.get_trialbalances(chunk)
            self.result.requests += 1
            for (start, end), rows in zip(chunk, answers, strict=True):
                self._deliver(start, end, rows, origin, today)

    def _deliver(self, start: date, end: date, rows: list[Any], origin: date, today: date) -> None:
        """A month's rows as a page, with the state after it."""
        size = sum(len(value) for row in rows for value in row.values())
        out = [typed_row(dict(row.items()), start, end, self.entity) for row in rows]
        with self.context.lock:
            if self.context.stopped:
                return  # the run stopped: neither stored nor told
            # a stopped run goes on with the next month; a whole one re-reads the last
            following = _next_month(start).isoformat()
            self.current.month = resume_month(start, origin) if end >= today else following
            self.result.records += len(out)
            self.sink.page(StreamPage(TRIAL_BALANCE, self.entity, out, [], self.state.snapshot()))
        if self.context.progress:
            requests = self.result.requests
            self.context.progress(TRIAL_BALANCE, self.entity, len(out), requests, size)

    def finish(self) -> None:
        """Nothing is left open between runs."""

    def fail(self, exc: IntacctError) -> None:
        self.context.fail(self.result, self.sink, TRIAL_BALANCE, exc)
