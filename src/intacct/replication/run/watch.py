"""Cost in proportion to changes: which streams a later run reads, from one question.

Intacct bills each query, so a run that asks every object "anything new?" pays for each
object whether or not it changed. Instead a run asks the company once what changed
(:mod:`..streams.audit`: the audit trail across object types, after the oldest moment
its streams were accounted for, less the lookback) and each stream that is *steady* (a
later run: nothing planned, no read stopped halfway) reads only when a row names one of
its *subjects* (:meth:`Watched.subjects`): its object; a line object its document's
(:data:`~..streams.deletes.OWNERS`); the trial balance the GL's. A steady stream no row
names is *quiet*: no request of its own, its bookmarks unmoved.

None is trusted blindly. A stream is read as before (its probe, its window, its
passes) whenever it is *due*: never verified, or last verified ``verify_every`` ago or
more (a profile, tenant and env key; default a day; 0: every run, and the question is
not asked). A due stream the question did not name whose probe finds changes is told
once, as a change the audit trail missed. A question that is not answered (refused,
failing, too long) leaves every stream read as before, said once.

The question is asked before the streams open (:meth:`Watch.ask`: the session's first
answer sets the gateway's clock), so the objects it leaves quiet are described as kept
on disk, not looked up again (:meth:`Watch.fresh`, :mod:`intacct.client.lookup_cache`).

Each stream's state keeps ``checked`` (the run's start: every change listed before it
was acted on) and ``verified`` (the run's start, for a stream read as before). Both move
only at the run's end, once every stream that read finished without error and the run
was not stopped, in one state page: a run killed or stopped asks the same question again.
So do the IDs of the rows the question listed (the state's ``audit``): listed again by
the next question (its window reaches back by the lookback), they name nothing, since
[U] an audit row becomes visible with its record's change (one transaction), and that
change was read by the run that listed it.
A quiet stream's ``checked`` moves only where the question listed anything (so a company
at rest changes no state), and the window of the next question starts at the oldest
``checked`` of the quiet streams, less the lookback and the clock margin.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from intacct.errors import IntacctError
from intacct.replication.contract import Sink, StreamPage, StreamResult
from intacct.replication.state.runstate import RunState, StreamState
from intacct.replication.streams.audit import Change, Changes, ChangesUnavailableError, ask
from intacct.replication.streams.objects import CLOCK_MARGIN, object_subjects

if TYPE_CHECKING:
    from intacct.replication.contract import StreamSpec
    from intacct.replication.run.context import RunContext

__all__ = ["QUESTION", "QUIET", "Watch", "Watched"]

#: how the question is named in warnings and reports
QUESTION = "AUDITHISTORY"
#: why a stream read nothing (its result's ``why``, the dry run's line)
QUIET = "quiet: the audit trail lists no change"


class Watched(Protocol):
    """What a stream offers the watch (every kind of :mod:`..streams.kinds` has it)."""

    entity: str
    result: StreamResult
    current: StreamState

    def subjects(self) -> frozenset[str]:
        """The audit trail's object names (upper case) whose rows make it read."""
        ...

    def steady(self) -> bool:
        """Prepared as a later run that the question may leave quiet."""
        ...

    def quiet(self) -> None:
        """Read nothing this run; its state as it was before preparing."""
        ...

    def rule(self) -> str:
        """When it reads, for people (the dry run, the run's results)."""
        ...

    def named(self, rows: Sequence[Change]) -> bool:
        """The question named it with ``rows``: read what they say (or as before);
        False where they change nothing it stores (left quiet unless due)."""
        ...


@runtime_checkable
class ReadAsOf(Protocol):
    """A stream whose records are as of a moment of their own (a DDS job's read,
    :mod:`..streams.dds`: maybe before the run began, for a job started by an earlier
    run): accounted for up to then, not the run's start, so a change between the two is
    still the audit trail's to name."""

    as_of: datetime | None


def _stamp(plan: Watched, started: datetime) -> str:
    """Up to when ``plan``'s read accounts for the company: the run's start, or its
    records' own moment where earlier."""
    if isinstance(plan, ReadAsOf) and plan.as_of is not None and plan.as_of < started:
        return plan.as_of.isoformat()
    return started.isoformat()


class Watch:
    """One run's question and what it decided (see the module docstring)."""

    def __init__(self, context: RunContext, state: RunState, sink: Sink) -> None:
        self.context, self.state, self.sink = context, state, sink
        #: on the gateway's clock (the audit trail's), settled when the question is
        #: asked: the streams' stamps and their verification cadence are in it
        self.started = datetime.now(UTC)
        self.changes: Changes | None = None
        #: what the question cost (API transactions), and why it went unanswered
        self.transactions = 0
        self.unanswered: IntacctError | None = None
        self._due: set[int] = set()
        self._quiet: set[int] = set()
        self._seen = frozenset(state.seen)

    # -- before reading --------------------------------------------------------------------

    def ask(self, jobs: Sequence[tuple[StreamSpec, str]]) -> None:
        """Before the streams open: the question, where any of ``jobs`` (spec, entity)
        was accounted for before (its state's ``checked``), from the oldest of those, so
        the objects no row names need no lookup (:meth:`fresh`)."""
        every, client = self.context.settings.verify_every, self.context.client
        try:
            client.user_formatting()  # the session's first answer: the gateway's clock
        except IntacctError:
            return  # each stream meets it again and fails alone
        self.started = client.server_now()
        top = not client.config.entity_id
        checked = [
            _instant(current.checked)
            for spec, entity in jobs
            if top or not entity
            if (current := self.state.peek(spec.object, entity)) is not None
            and current.checked is not None
        ]
        if every and checked:
            self.changes = self._ask(min(checked))

    def fresh(self, jobs: Sequence[tuple[StreamSpec, str]]) -> set[str]:
        """The objects of ``jobs`` this run may read, whose descriptions are looked up
        again (:meth:`~intacct.client.registry.ObjectRegistry.load`): every one without
        an answer to the question; else those never accounted for, due, or named."""
        every = self.context.settings.verify_every
        if self.changes is None:
            return {spec.object for spec, _ in jobs}
        out = set()
        for spec, entity in jobs:
            current = self.state.peek(spec.object, entity)
            if current is None or current.checked is None or self._is_due(current, every):
                out.add(spec.object)
                continue
            after = _instant(current.checked) - self._behind()
            if self.changes.naming(object_subjects(spec.object), after, self._seen):
                out.add(spec.object)
        return out

    def settle(self, plans: Sequence[Watched]) -> None:
        """Leave quiet the steady streams accounted for before that the question (asked
        by :meth:`ask`) does not name and that are not due; tell the named ones."""
        every = self.context.settings.verify_every
        self._due = {id(p) for p in plans if self._is_due(p.current, every)}
        asked = [p for p in plans if self._askable(p)]
        if not every or not asked or self.changes is None:
            return
        for plan in asked:
            rows = self._naming(plan)
            named = len(rows)
            if id(plan) in self._due:  # read as before the question, named or not: a
                # stream named every run is still checked for what its rows left out
                plan.result.why = f"verified (every {_span(every)})"
            elif named and plan.named(rows):
                plan.result.why = f"the audit trail lists {named} change{_s(named)}"
            else:
                plan.quiet()
                self._quiet.add(id(plan))
                plan.result.why = QUIET

    def due(self, plan: Watched) -> bool:
        return id(plan) in self._due

    def _askable(self, plan: Watched) -> bool:
        """A steady stream accounted for before, that the question can see: the run's
        own session sees every entity's rows where it is the top level (``showprivate``)."""
        top = not self.context.client.config.entity_id
        return (
            plan.result.error is None
            and plan.current.checked is not None
            and plan.steady()
            and (top or not plan.entity)
        )

    def _ask(self, checked: datetime) -> Changes | None:
        client = self.context.client
        since = checked - self._behind()
        try:
            with client.meter() as meter:
                try:
                    wall = client.user_formatting().earliest_wall(since)
                    return ask(client, wall, pagesize=self.context.settings.page_size)
                finally:
                    self.transactions += meter.transactions
        except ChangesUnavailableError as exc:
            self._unanswered(exc)
        except IntacctError as exc:
            if self.context.out_of_budget(exc):
                return None
            self._unanswered(ChangesUnavailableError(f"the audit trail did not answer: {exc}"))
        return None

    def _unanswered(self, exc: IntacctError) -> None:
        self.unanswered = exc
        with self.context.lock:
            self.sink.warning(QUESTION, f"{QUESTION}: {exc}")

    def _naming(self, plan: Watched) -> list[Change]:
        assert self.changes is not None
        after = _instant(plan.current.checked) - self._behind()
        return self.changes.naming(plan.subjects(), after, self._seen)

    def _behind(self) -> timedelta:
        """How far before ``checked`` the question looks: the lookback (a write visible
        late) and the clock margin (the gateway's clock and ours)."""
        return timedelta(minutes=self.context.settings.lookback_minutes) + CLOCK_MARGIN

    def _is_due(self, current: StreamState, every: timedelta) -> bool:
        if not every or current.verified is None:
            return True
        return self.started - _instant(current.verified) >= every

    # -- after reading ---------------------------------------------------------------------

    def missed(self, plan: Watched, changed: int | None, deleted: int | None) -> None:
        """A due stream the question did not name whose probe counted ``changed`` and
        ``deleted``: anything there is a change the audit trail did not list (or one
        made while the run ran), told once."""
        if self.changes is None or not self.due(plan) or self._naming(plan):
            return
        found = (changed or 0) + (deleted or 0)
        if not found:
            return
        name = plan.result.object
        with self.context.lock:
            self.sink.warning(
                name,
                f"{name}: verification found {changed or 0} change{_s(changed or 0)} and "
                f"{deleted or 0} delete{_s(deleted or 0)} the audit trail did not list "
                "(or made during this run); read now",
            )

    def close(self, plans: Sequence[Watched]) -> None:
        """Move ``checked`` and ``verified`` once every stream that read is done, in one
        state page for the sink (none where nothing moved: a company at rest)."""
        if not self.context.settings.verify_every:
            return  # every stream read as before every run: nothing to keep
        if self.context.stopped or any(p.result.error is not None for p in plans):
            return
        stamp = self.started.isoformat()
        listed = self.changes is not None and bool(self.changes.rows)
        moved = False
        with self.context.lock:
            if self.changes is not None:
                seen = tuple(row.id for row in self.changes.rows)
                moved = seen != self.state.seen
                self.state.seen = seen
            for plan in plans:
                current = plan.current
                if id(plan) in self._quiet:
                    if listed and current.checked != stamp:
                        current.checked, moved = stamp, True
                    continue
                read = _stamp(plan, self.started)
                if current.checked != read or current.verified != read:
                    current.checked = current.verified = read
                    moved = True
            if moved and plans:
                first = plans[0]
                name = first.result.object
                self.sink.page(StreamPage(name, first.entity, [], [], self.state.snapshot()))


def _instant(text: str | None) -> datetime:
    assert text is not None
    return datetime.fromisoformat(text)


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _span(every: timedelta) -> str:
    """``1d``, ``12h``, ``30m``: a verification cadence as the key is written."""
    seconds = int(every.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
