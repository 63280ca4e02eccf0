"""The extraction engine: every record of the selected objects exactly once, resumable.

:meth:`Replicator.run` reads each (object, entity) stream through the client's keyset
pager and hands every page to a :class:`Sink` together with the whole run's state after
that page, one page at a time, so a consumer that stores both together resumes exactly
where it stopped, with nothing lost or repeated:

* the first run of an object with WHENMODIFIED notes its newest (WHENMODIFIED, RECORDNO)
  and splits RECORDNO into ranges of whole pages read in parallel (so one big object
  uses every worker; :mod:`.planning` asks every object's planning questions in one or
  two batched requests); once every range is read, the stream goes on from that
  high-water mark;
* later runs read in (WHENMODIFIED, RECORDNO) order strictly after the bookmark, so rows
  sharing a timestamp across a page boundary are neither lost nor repeated;
  ``lookback_minutes`` re-reads a window behind it. Records without WHENMODIFIED (real
  Intacct has them) are read by RECORDNO, once;
* objects without WHENMODIFIED are read whole, in ranges, every run (resumable within it);
* deletes come first, as tombstones from AUDITHISTORY (:mod:`.deletes`), from the second
  run on; without permission on it, one warning per run;
* fields the gateway refuses ("The following fields cannot be queried") are dropped,
  named in a warning, and the stream goes on;
* a stream that fails (permission, unknown object) fails alone: its error is in the
  :class:`RunReport`, the others finish and keep their state;
* all streams, ranges and entities share the client's ``max_concurrency`` request slots
  (its entity clients too), biggest parts first; pages are typed and handed to the sink
  on one delivery thread, so the next requests leave meanwhile; a throttled answer is
  retried by the client.
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from intacct.errors import GatewayError, IntacctError, ValidationError
from intacct.pagination import Page, PageToken, resume_token
from intacct.protocol import functions as fn
from intacct.protocol import query as q
from intacct.protocol.response import Result
from intacct.registry import ObjectInfo, ObjectRegistry
from intacct.replication.columnar import ColumnTyper, Records
from intacct.replication.cost import billed, metered
from intacct.replication.deletes import (
    AUDIT_OBJECT,
    DeleteBookmark,
    DeletesUnavailableError,
    deletes_filter,
    iter_tombstones,
)
from intacct.replication.estimate import Estimate, assess, questions
from intacct.replication.memory import tune_allocator
from intacct.replication.planning import (
    Answer,
    boundary_offsets,
    boundary_query,
    ranges_between,
    run_batched,
)
from intacct.replication.records import Typer
from intacct.replication.settings import ReplicationSettings
from intacct.replication.state import RunState, StreamState
from intacct.replication.trialbalance import TRIAL_BALANCE, TrialBalanceStream
from intacct.replication.workers import Workers

if TYPE_CHECKING:
    from intacct.client import IntacctClient

__all__ = ["Progress", "Replicator", "RunReport", "Sink", "StreamResult", "StreamSpec"]

#: "The following fields cannot be queried: [ apbill: [A, B] ]" (XL03000006 [O])
_REFUSED = re.compile(r"cannot be queried: \[\s*\w+:\s*\[([^\]]*)\]")
#: [U] the server and this machine may disagree on the time: the first run's delete
#: bookmark starts this far before the run, and a bookmark this recent is settled to
#: the start of its second (:func:`_settled`)
CLOCK_MARGIN = timedelta(minutes=5)
_MODIFIED = "WHENMODIFIED"
_NO_MODIFIED = q.isnull(_MODIFIED)
_MODIFIED_SET = q.isnotnull(_MODIFIED)
#: ranges per request slot when a run's first reads are split: enough that the last ones
#: to finish are short (the longest range, not the pages, bounds a run at 8 slots: with 2
#: per slot a first sync of 10 objects ends ~1.10 T*, with 4 ~1.05 T*), few enough that
#: the state stays small; each range past an object's first costs one batched question
#: (an API transaction), once per first run
RANGES_PER_WORKER = 4
#: pages read and waiting for the delivery thread: a few smooth out bursts; more would
#: only hold memory (a page of 2,000 records is several MB once parsed), since the
#: workers are faster than typing and storing
PAGES_WAITING = 4
#: workers beyond the request slots on the columnar path (see Replicator.__init__)
SPARE_WORKERS = 2
#: the bookmark of an object none of whose records had a WHENMODIFIED yet
_BEFORE_ANY = PageToken(
    _MODIFIED,
    0,
    datetime(1970, 1, 1, tzinfo=UTC),
    wall=datetime(1970, 1, 1),  # noqa: DTZ001 - the user's wall clock, naive by contract
)

#: after every page: stream, entity, the page's records, the stream's requests so far,
#: the page's bytes as received
Progress = Callable[[str, str, int, int, int], None]


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """One object to extract; ``fields`` None means every field query accepts."""

    object: str
    fields: Sequence[str] | None = None


class Sink(Protocol):
    """Where pages go; called one page at a time, never concurrently. ``records`` is a
    list of dicts, or :class:`~.columnar.Records` (a sequence of the same dicts that also
    has them as an Arrow table) when the engine reads columns."""

    def page(
        self,
        stream: str,
        entity: str,
        records: Sequence[dict[str, Any]],
        tombstones: list[dict[str, Any]],
        state: dict[str, Any],
    ) -> None: ...

    def warning(self, stream: str, text: str) -> None: ...


@dataclass(slots=True)
class StreamResult:
    object: str
    entity: str
    records: int = 0
    tombstones: int = 0
    requests: int = 0  # its own requests (the planning ones are shared by all streams)
    #: the API transactions Intacct bills for it (:mod:`intacct.protocol.billing`): its
    #: pages, deletes and planning questions, failed ones included
    transactions: int = 0
    error: IntacctError | None = None


@dataclass(slots=True)
class RunReport:
    streams: list[StreamResult] = field(default_factory=list)

    @property
    def failed(self) -> list[StreamResult]:
        return [s for s in self.streams if s.error is not None]


class Replicator:
    """Runs streams on one client (one API session) and its entity clients."""

    def __init__(
        self,
        client: IntacctClient,
        settings: ReplicationSettings | None = None,
        *,
        max_concurrency: int | None = None,
        page_size: int = 2000,
        progress: Progress | None = None,
        registry: ObjectRegistry | None = None,
        done: Callable[[str, list[StreamResult]], None] | None = None,
        columnar: bool = False,
    ) -> None:
        self.client = client
        #: pages read as columns and typed in bulk where the fast path can
        #: (:mod:`.columnar`); the sink gets :class:`~.columnar.Records`
        self.columnar = columnar
        self.settings = settings or ReplicationSettings()
        slots = client.config.max_concurrency  # the client never has more in flight
        self.max_concurrency = max(1, min(max_concurrency or slots, slots))
        # a worker parsing an answer holds no request slot: where the client's slots are
        # the limit, spare workers keep them busy meanwhile. Record by record a parse is
        # long (as many spares as slots); the fast reader's takes ~1% of a request, so
        # two spares do, and each worker fewer is a page fewer in memory (~5 MB)
        spare = SPARE_WORKERS if columnar else self.max_concurrency
        self.workers = (
            self.max_concurrency + spare if self.max_concurrency == slots else self.max_concurrency
        )
        self.page_size = page_size
        self.progress = progress
        #: called once per object with its streams' results (one per entity), after their
        #: last pages reached the sink (or they failed)
        self.done = done
        self.registry = registry or ObjectRegistry(client)
        self.lock = threading.Lock()  # one page at a time reaches the sink and the state
        self._clients: dict[str, IntacctClient] = {"": client}
        self.warned: set[str] = set()
        #: pages go to the sink on one delivery thread, so the workers' next requests
        #: leave while a page is typed and stored; at most PAGES_WAITING wait for it
        self._room = threading.BoundedSemaphore(PAGES_WAITING)
        self._deliveries: Workers | None = None
        self.fatal: BaseException | None = None  # a sink's failure ends the run

    def entities(self) -> list[str]:
        """The entity ids to read: ``entity_ids`` as configured, every entity of the
        company for ``all``, or the client's own entity ("" = as configured)."""
        wanted = self.settings.entity_ids
        if wanted == ("all",):
            rows = self.client.iter_query("LOCATIONENTITY", ["LOCATIONID"])
            return sorted({r["LOCATIONID"] for r in rows if r.get("LOCATIONID")})
        return list(wanted) or [""]

    def client_for(self, entity: str) -> IntacctClient:
        with self.lock:
            if entity not in self._clients:
                self._clients[entity] = self.client.for_entity(entity)
            return self._clients[entity]

    def run(self, streams: Sequence[StreamSpec], state: RunState, sink: Sink) -> RunReport:
        """Look the objects up, read deletes, plan, then read every stream's parts on the
        shared workers, biggest first; each stream's failure is its own.

        Stopped (Ctrl-C, or any exception in the calling thread), it returns at once:
        the page being stored is finished, nothing reaches ``sink`` after it, and
        requests still in flight are left to their workers (their pages were not
        stored, so the state after the last stored page is exact)."""
        tune_allocator()  # before the workers start: their heaps are made then
        jobs = [(spec, entity) for entity in self.entities() for spec in streams]
        self.fatal = None
        self._room = threading.BoundedSemaphore(PAGES_WAITING)
        self._deliveries = Workers(1, "intacct-delivery")
        guarded = _ClosableSink(sink)
        try:
            plans = self._read(jobs, state, guarded)
        except BaseException as exc:
            self._halt(exc, guarded)
            raise
        self._deliveries.shutdown(wait=self.fatal is None)  # the pages still queued
        if self.fatal is not None:  # the sink failed
            self._halt(self.fatal, guarded)
            raise self.fatal
        for plan in plans:
            plan.finish()
        return RunReport([plan.result for plan in plans])

    def _halt(self, exc: BaseException, sink: _ClosableSink) -> None:
        """Stop every thread at its next step; once the page being stored (if any) is
        done, ``sink`` takes nothing more."""
        self.fatal = self.fatal or exc
        assert self._deliveries is not None
        self._deliveries.shutdown(wait=False, cancel_futures=True)
        with self.lock:  # every page reaches the sink under this lock
            sink.close()

    def estimate(self, streams: Sequence[StreamSpec], state: RunState) -> list[Estimate]:
        """What :meth:`run` would read and cost per stream, from one batched request of
        the counts a run asks first (:mod:`.estimate`); nothing is read or written and
        ``state`` is not moved. With ``entity_ids: all`` a first estimate, of object "",
        is the entity list's cost, which the run pays again."""
        with self.client.meter() as listing:
            entities = self.entities()
        listed = Estimate("", "", "the entity list", None, None, listing.transactions)
        jobs = [(spec, entity) for entity in entities for spec in streams]
        state = RunState.from_dict(state.snapshot())  # a copy: preparing moves bookmarks
        with Workers(self.workers, "intacct-rep") as pool:
            objects = [s.object for s, _ in jobs if s.object != TRIAL_BALANCE]
            self._warm(pool, list(dict.fromkeys(objects)), {e for _, e in jobs})
            plans = [self._stream(spec, entity, state, _DRY_SINK) for spec, entity in jobs]
            list(pool.map(lambda plan: plan.prepare(dry=True), plans))
            asks = [
                (plan.client, questions(plan)) if isinstance(plan, _Stream) else (self.client, [])
                for plan in plans
            ]
            answers = iter(run_batched(pool, [ask for ask in asks if ask[1]]))
            replies = [next(answers) if calls else [] for _, calls in asks]
        slots = RANGES_PER_WORKER * self.max_concurrency
        estimates = assess(plans, replies, self.page_size, slots)
        return [listed, *estimates] if listed.transactions else estimates

    def _read(
        self, jobs: list[tuple[StreamSpec, str]], state: RunState, sink: Sink
    ) -> list[_Stream | TrialBalanceStream]:
        pool = Workers(self.workers, "intacct-rep")
        try:
            objects = [s.object for s, _ in jobs if s.object != TRIAL_BALANCE]
            self._warm(pool, list(dict.fromkeys(objects)), {e for _, e in jobs})
            plans = [self._stream(spec, entity, state, sink) for spec, entity in jobs]
            list(pool.map(lambda plan: plan.prepare(), plans))
            streams = [plan for plan in plans if isinstance(plan, _Stream)]
            self._plan(pool, [plan for plan in streams if plan.planning])
            self._probe(pool, [plan for plan in streams if plan.probing()])
            parts = sorted(
                ((plan, part, size) for plan in plans for part, size in plan.parts),
                key=lambda item: -item[2],
            )
            completion = _Completion(self, plans)
            futures = [pool.submit(completion.run, plan, part) for plan, part, _ in parts]
            for future in futures:
                future.result()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)  # requests in flight are left
            raise
        pool.shutdown(wait=True)
        return plans

    def _stream(
        self, spec: StreamSpec, entity: str, state: RunState, sink: Sink
    ) -> _Stream | TrialBalanceStream:
        if spec.object != TRIAL_BALANCE:
            return _Stream(self, spec, entity, state, sink)
        result = StreamResult(TRIAL_BALANCE, entity)
        return TrialBalanceStream(self, entity, state, sink, result)

    def deliver(self, job: Callable[[], None]) -> None:
        """Queue ``job`` (a page for the sink) on the delivery thread; waits while
        :data:`PAGES_WAITING` pages are queued, so memory stays bounded."""
        assert self._deliveries is not None
        while not self._room.acquire(timeout=0.1):
            if self.fatal is not None:  # stopped: the queue will not drain
                return

        def run() -> None:
            try:
                if self.fatal is None:
                    job()
            except BaseException as exc:  # noqa: BLE001 (the sink's own failure ends the run)
                self.fatal = self.fatal or exc
            finally:
                self._room.release()

        try:
            self._deliveries.submit(run)
        except RuntimeError:  # stopped meanwhile: the page is not stored
            self._room.release()

    def _warm(self, pool: Executor, objects: list[str], entities: set[str]) -> None:
        """Every object looked up (100 per request) while each entity's session opens
        and the user's formatting is read; a failure is met again, per stream, later."""
        asks: list[Future[object]] = [pool.submit(self.registry.load, objects)]
        asks += [pool.submit(self._formatting, entity) for entity in entities]
        for ask in asks:
            with contextlib.suppress(IntacctError):  # each stream asks again, fails alone
                ask.result()

    def _probe(self, pool: Executor, plans: list[_Stream]) -> None:
        """Later runs: every stream's "anything changed or deleted?" in one batched
        request, so a stream with nothing new costs no request of its own."""
        asks = [(p.client, p.probe_calls()) for p in plans]
        answers = run_batched(pool, asks)
        for plan, (_, calls), replies in zip(plans, asks, answers, strict=True):
            plan.result.transactions += billed(calls, replies)
            plan.probed(replies)

    def _formatting(self, entity: str) -> object:
        return self.client_for(entity).user_formatting()

    def _plan(self, pool: Executor, plans: list[_Stream]) -> None:
        """Two batched rounds: each object's highest RECORDNO, count and newest
        (WHENMODIFIED, RECORDNO); then the RECORDNO where each of its ranges starts."""
        questions = [(p.client, p.plan_calls()) for p in plans]
        answers = run_batched(pool, questions)
        for plan, (_, calls), replies in zip(plans, questions, answers, strict=True):
            plan.result.transactions += billed(calls, replies)
            plan.attempt(functools.partial(plan.plan, replies))
        plans = [p for p in plans if p.result.error is None]
        pages = sum(math.ceil(p.total / self.page_size) for p in plans)
        per_range = math.ceil(pages / (RANGES_PER_WORKER * self.max_concurrency))
        asks = [(p.client, p.boundary_calls(per_range)) for p in plans]
        answers = run_batched(pool, [ask for ask in asks if ask[1]])
        replies_of = iter(answers)
        for plan, (_, calls) in zip(plans, asks, strict=True):
            replies = next(replies_of) if calls else []
            plan.result.transactions += billed(calls, replies)
            plan.attempt(functools.partial(plan.split, replies))


class _ClosableSink:
    """The run's sink until the run stops, then nothing: a worker that comes back with
    a page after that (its request was in flight) stores nothing. Called, like the sink,
    under the engine's lock."""

    def __init__(self, sink: Sink) -> None:
        self.inner: Sink | None = sink

    def page(self, *page: Any) -> None:  # stream, entity, records, tombstones, state
        if self.inner is not None:
            self.inner.page(*page)

    def warning(self, stream: str, text: str) -> None:
        if self.inner is not None:
            self.inner.warning(stream, text)

    def close(self) -> None:
        self.inner = None  # the workers left behind hold no reference to it


class _DrySink:
    """An estimate's sink: no page reaches it, and a failure is on the stream's result."""

    def page(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("an estimate never writes")  # pragma: no cover

    def warning(self, stream: str, text: str) -> None:
        """Failures are on the stream's result."""


_DRY_SINK = _DrySink()


class _Completion:
    """Tells the engine's ``done`` when all of an object's streams (one per entity) have
    run their parts, on the delivery thread: after the pages they queued for the sink."""

    def __init__(self, engine: Replicator, plans: Sequence[_Stream | TrialBalanceStream]) -> None:
        self.engine = engine
        self.parts_left = {id(plan): len(plan.parts) for plan in plans}
        self.by_object: dict[str, list[_Stream | TrialBalanceStream]] = {}
        for plan in plans:
            self.by_object.setdefault(plan.result.object, []).append(plan)
        self.streams_left = {name: len(group) for name, group in self.by_object.items()}
        for plan in plans:
            if not plan.parts:  # nothing to read (or failed already)
                engine.deliver(functools.partial(self._finished, plan))

    def run(self, plan: _Stream | TrialBalanceStream, part: Callable[[], None]) -> None:
        plan.attempt(part)
        with self.engine.lock:
            self.parts_left[id(plan)] -= 1
            last = not self.parts_left[id(plan)]
        if last:
            self.engine.deliver(functools.partial(self._finished, plan))

    def _finished(self, plan: _Stream | TrialBalanceStream) -> None:
        name = plan.result.object
        self.streams_left[name] -= 1
        if not self.streams_left[name] and self.engine.done is not None:
            self.engine.done(name, [p.result for p in self.by_object[name]])


class _Stream:
    """One (object, entity) stream: its plan, its parts, its state and its result."""

    def __init__(
        self, engine: Replicator, spec: StreamSpec, entity: str, state: RunState, sink: Sink
    ) -> None:
        self.engine, self.spec, self.entity, self.state, self.sink = (
            engine,
            spec,
            entity,
            state,
            sink,
        )
        self.result = StreamResult(spec.object, entity)
        self.parts: list[tuple[Callable[[], None], float]] = []  # (part, records guessed)
        self.planning = False  # a first or full-table read: the engine plans it
        self.kind = ""  # prepare() tells: first, incremental, resume, whole
        self.typer: Typer | None = None
        self.column_typer: ColumnTyper | None = None
        self.total = 0  # records counted when planned
        self.info: ObjectInfo | None = None
        self.fields: list[str] = []
        self.current = StreamState()  # the state's own entry, from prepare() on
        try:
            self.client = engine.client_for(entity)
            self.info = engine.registry.get(spec.object)
            self.formatting = self.client.user_formatting()
        except IntacctError as exc:
            self.fail(exc)

    # -- planning ------------------------------------------------------------------------

    def prepare(self, dry: bool = False) -> None:
        """Deletes, then what the records need: planning for a first (or full-table)
        read, else the incremental passes; ``dry`` (an estimate) reads nothing. ``kind``
        says which: first, incremental, resume (a read stopped halfway) or whole."""
        if self.info is None or self.result.error is not None:
            return
        info = self.info
        with self.engine.lock:
            self.current = self.state.get(info.name, self.entity)
        self.fields = list(self.spec.fields or info.queryable_fields)
        if not info.replication_key and self.current.complete:
            self.current.token, self.current.complete, self.current.ranges = None, False, None
        if info.key_field and self.current.ranges is None and self.current.token is not None:
            self.parts = [(self._changes, 0)]  # a later run: first probed (Replicator._probe)
            self.kind = "incremental"
            return
        try:
            if not dry:
                metered(self.client, self.result, self.engine.lock, self._deletes)
        except IntacctError as exc:
            self.fail(exc)
            return
        if info.key_field is None:
            self.parts, self.kind = [(self._whole, 0)], "whole"  # no key to page or range on
        elif self.current.ranges is not None:  # a read stopped halfway: go on with it
            self.parts = [(self._range(i), 0) for i in range(len(self.current.ranges))]
            self.kind = "resume"
        elif self.current.token is None and not self._from_start_date():
            self.planning, self.kind = True, "first"
        else:
            self.parts, self.kind = [(self._incremental, 0)], "incremental"

    def _changes(self) -> None:
        """A later run's part: the deletes since the last run, then the changes."""
        self._deletes()
        self._incremental()

    def probing(self) -> bool:
        """Whether one batched question can tell this later run has nothing to read:
        only the changes and deletes after exact bookmarks (no look-back window, no
        records without WHENMODIFIED still to read, deletes readable)."""
        current = self.current
        return (
            self.parts == [(self._changes, 0)]
            and current.nulls_done
            and current.deletes is not None
            and not self.engine.settings.lookback_minutes
            and "deletes" not in self.engine.warned
        )

    def probe_calls(self) -> list[fn.Function]:
        """How many records changed after the bookmark, and how many were deleted."""
        token = resume_token(PageToken.parse(self.current.token or ""), self.formatting)
        return [self.count_changed(token), self.count_deleted()]

    def count_changed(self, token: PageToken) -> fn.Query:
        """How many records the WHENMODIFIED pass reads after ``token``."""
        changed: q.Filter = q.greaterthan("RECORDNO", token.recordno)
        if token.wall is not None:  # resume_token gives every timestamp token its wall
            when = self.formatting.format_datetime(token.wall)
            changed = q.or_(
                q.greaterthan(_MODIFIED, when),
                q.and_(q.equalto(_MODIFIED, when), q.greaterthan("RECORDNO", token.recordno)),
            )
        return fn.Query(self._info().name, ["RECORDNO"], filter=changed, pagesize=1)

    def count_deleted(self) -> fn.Query:
        """How many deletes AUDITHISTORY has after the delete bookmark."""
        since = DeleteBookmark.from_dict(self.current.deletes or {})
        deleted = deletes_filter(self._info(), since.resumed(self.formatting), self.formatting)
        return fn.Query(AUDIT_OBJECT, ["ID"], filter=deleted, pagesize=1)

    def probed(self, replies: list[Answer]) -> None:
        """Nothing changed and nothing deleted: the run has nothing to read here. Any
        doubt (a failed question) leaves the part to find out."""
        counts = []
        for reply in replies:
            if isinstance(reply, IntacctError) or not reply.ok:
                return
            counts.append(reply.data.totalcount if reply.data else None)
        if counts == [0, 0]:
            self.parts = []

    def _from_start_date(self) -> bool:
        """A first run with ``start_date`` reads what changed since then, in order
        (records without WHENMODIFIED too: when they changed is unknown)."""
        start = self.engine.settings.start_date
        if start is None or not self._info().replication_key:
            return False
        wall = self.formatting.earliest_wall(start)
        self.current.token = str(PageToken(_MODIFIED, 0, start, wall=wall))
        return True

    def plan_calls(self) -> list[fn.Function]:
        """The highest RECORDNO (and the count), and the newest (WHENMODIFIED, RECORDNO)."""
        info = self._info()
        calls: list[fn.Function] = [
            fn.Query(info.name, ["RECORDNO"], orderby=[q.Order("RECORDNO", True)], pagesize=1)
        ]
        if info.replication_key:
            newest = [q.Order(_MODIFIED, True), q.Order("RECORDNO", True)]
            select = ["RECORDNO", _MODIFIED]
            calls.append(
                fn.Query(info.name, select, filter=_MODIFIED_SET, orderby=newest, pagesize=1)
            )
        return calls

    def plan(self, replies: list[Answer]) -> None:
        top = _answer(replies[0])
        self.total = (top.data.totalcount if top.data else None) or len(top.records)
        if self.info and self.info.replication_key:
            newest = _answer(replies[1]).records
            self.current.high_water = str(_settled(self._token(newest[0]))) if newest else None

    def boundary_calls(self, per_range: int) -> list[fn.Function]:
        offsets = boundary_offsets(self.total, self.engine.page_size, per_range)
        return [boundary_query(self._info().name, offset) for offset in offsets]

    def split(self, replies: list[Answer]) -> None:
        """Ranges starting at the boundaries (records written since planning shift them
        a little; the ranges still cover every RECORDNO); none for an empty object."""
        if self.total == 0:
            self.current.ranges = []
            return
        starts = [int(r["RECORDNO"]) for reply in replies for r in _answer(reply).records]
        self.current.ranges = ranges_between(starts)
        size = self.total / len(self.current.ranges)
        self.parts = [(self._range(i), size) for i in range(len(self.current.ranges))]

    def _token(self, record: Any) -> PageToken:
        wall = self.formatting.decode_datetime(record[_MODIFIED])
        assert wall is not None  # the query asked for records with a WHENMODIFIED
        modified = self.formatting.to_utc(wall)
        return PageToken(_MODIFIED, int(record["RECORDNO"]), modified, wall=wall)

    # -- parts ---------------------------------------------------------------------------

    def attempt(self, part: Callable[[], None]) -> None:
        if self.result.error is not None or self.engine.fatal is not None:
            return
        try:
            metered(self.client, self.result, self.engine.lock, part)
        except IntacctError as exc:
            self.fail(exc)

    def _range(self, index: int) -> Callable[[], None]:
        def read() -> None:
            bounds = self.current.ranges[index] if self.current.ranges else None
            if bounds is None or bounds["done"]:
                return
            parts = [q.greaterthanorequalto("RECORDNO", bounds["lo"])]
            if bounds["hi"] is not None:
                parts.append(q.lessthanorequalto("RECORDNO", bounds["hi"]))
            after = PageToken("RECORDNO", bounds["after"]) if bounds["after"] else None

            def save(page: Page) -> None:
                if page.after is not None:
                    bounds["after"] = page.after.recordno
                bounds["done"] = page.last

            where = q.and_(*parts) if len(parts) > 1 else parts[0]
            self._pass("RECORDNO", after, where, save, first_read=True)

        return read

    def _whole(self) -> None:
        """An object without RECORDNO, read whole through readByQuery/readMore every run
        ([U] no such object is known to be large)."""
        info = self._info()
        rows = self.client.iter_read_by_query(info.name, fields=self.fields)
        out = [self._typer()(r) for r in rows]
        with self.engine.lock:
            self.result.records += len(out)
            self.result.requests += 1 + len(out) // self.engine.page_size
            self.sink.page(info.name, self.entity, out, [], self.state.snapshot())

    def _incremental(self) -> None:
        info = self._info()
        if not info.replication_key:
            return
        current = self.current

        def save_modified(page: Page) -> None:
            if page.after is not None:
                current.token = str(_settled(page.after))

        self._pass(_MODIFIED, self._start(current.token), None, save_modified)
        if not current.nulls_done:  # records without WHENMODIFIED: once, by RECORDNO

            def save_nulls(page: Page) -> None:
                if page.after is not None:
                    current.nulls = str(page.after)
                current.nulls_done = page.last

            self._pass("RECORDNO", current.nulls, _NO_MODIFIED, save_nulls)

    def start_token(self) -> PageToken | None:
        """Where this run's WHENMODIFIED pass starts (see :meth:`_start`)."""
        return self._start(self.current.token)

    def _start(self, token: str | None) -> PageToken | None:
        """Where to resume: the token (before a repeated hour it falls in:
        :func:`resume_token`), ``lookback_minutes`` of the user's wall clock earlier."""
        if token is None:
            return None
        parsed = resume_token(PageToken.parse(token), self.formatting)
        minutes = self.engine.settings.lookback_minutes
        if not minutes or parsed.wall is None:
            return parsed
        wall = parsed.wall - timedelta(minutes=minutes)
        return PageToken(parsed.key, 0, self.formatting.to_utc(wall), wall=wall)

    def _pass(
        self,
        key: str,
        after: PageToken | str | None,
        where: q.Filter | None,
        save: Callable[[Page], None],
        *,
        first_read: bool = False,
    ) -> None:
        """One keyset pass; refused fields are dropped with a warning and the pass goes
        on from where it stood. ``first_read``: a first run's range, whose records the
        sink most likely has not stored (:class:`~.columnar.Records`)."""
        while True:
            try:
                self._pages(key, after, where, save, first_read)
                return
            except ValidationError as exc:
                self._drop_refused(exc)

    def _pages(
        self,
        key: str,
        after: PageToken | str | None,
        where: q.Filter | None,
        save: Callable[[Page], None],
        first_read: bool,
    ) -> None:
        info = self._info()
        pages = self.client.iter_pages(
            info.name,
            self.fields,
            key=key,
            filter=where,
            pagesize=self.engine.page_size,
            after=after,
            unmodified=False,
            columnar=self.engine.columnar,
        )
        for page in pages:
            if self.result.error is not None or self.engine.fatal is not None:
                return
            deliver = functools.partial(self._deliver, page, save, first_read=first_read)
            self.engine.deliver(deliver)
            del page, deliver  # not held here while the next page is asked for

    def _deliver(self, page: Page, save: Callable[[Page], None], *, first_read: bool) -> None:
        """Type a page's records and hand them to the sink with the state after them (on
        the delivery thread, in the order the pages came)."""
        if self.result.error is not None:
            return  # the stream failed: what it read after that is not its state
        info = self._info()
        try:
            out = self._typed(page, first_read)
        except IntacctError as exc:
            self.fail(exc)
            return
        with self.engine.lock:
            if self.engine.fatal is not None:
                return  # stopped: neither stored nor told
            save(page)
            self.result.records += len(out)
            self.result.requests += 1
            self.sink.page(info.name, self.entity, out, [], self.state.snapshot())
        if self.engine.progress:
            self.engine.progress(info.name, self.entity, len(out), self.result.requests, page.bytes)

    def _typed(self, page: Page, first_read: bool) -> list[dict[str, Any]] | Records:
        """The page's records typed: in bulk where the fast path vouches for every
        value (:mod:`.columnar`), else record by record."""
        typer = self._typer()
        columns = page.columns
        if columns is not None:
            if self.column_typer is None:
                self.column_typer = ColumnTyper(self._info(), self.formatting, self.entity)
            table = self.column_typer(columns)
            if table is not None:
                rows = functools.partial(self.column_typer.rows, columns, table)
                return Records(table, rows, first_read=first_read)
        return [typer(r) for r in page.records]

    def _drop_refused(self, exc: ValidationError) -> None:
        refused = _refused(exc)
        with self.engine.lock:
            kept = [f for f in self.fields if f not in refused]
            if not refused or not kept:
                raise exc
            if len(kept) < len(self.fields):
                self.fields[:] = kept
                self.sink.warning(
                    self._info().name,
                    f"{self._info().name}: the gateway refuses to query "
                    f"{', '.join(sorted(refused))}; those fields are left out",
                )

    # -- deletes -------------------------------------------------------------------------

    def _deletes(self) -> None:
        """Tombstones since the last run; the first run only sets the bookmark."""
        info, current = self._info(), self.current
        if current.deletes is None:
            started = datetime.now(UTC) - CLOCK_MARGIN  # gmtoffset is the offset now
            wall = self.formatting.to_wall(started)
            current.deletes = DeleteBookmark(started, "", wall).to_dict()
            return
        if "deletes" in self.engine.warned:
            return
        since = DeleteBookmark.from_dict(current.deletes)
        try:
            for page in iter_tombstones(self.client, info, since, pagesize=self.engine.page_size):
                if self.engine.fatal is not None:
                    return
                with self.engine.lock:
                    if page.after is not None:
                        current.deletes = page.after.to_dict()
                    self.result.tombstones += len(page.tombstones)
                    self.result.requests += 1
                    self.sink.page(
                        info.name, self.entity, [], page.tombstones, self.state.snapshot()
                    )
        except DeletesUnavailableError as exc:
            with self.engine.lock:
                if "deletes" not in self.engine.warned:
                    self.engine.warned.add("deletes")
                    self.sink.warning(info.name, f"deletes are not read in this run: {exc}")

    # -- end -----------------------------------------------------------------------------

    def finish(self) -> None:
        """Once every range is read, the stream continues from its high-water mark (the
        ranges read the records without WHENMODIFIED too); a full-table object is
        complete. The state that says so reaches the sink."""
        if self.info is None or self.result.error is not None:
            return
        current = self.current
        if current.ranges is None or not all(r["done"] for r in current.ranges):
            return
        with self.engine.lock:
            if self.info.replication_key:
                # every record so far is read, those without WHENMODIFIED included
                current.token = current.high_water or str(_BEFORE_ANY)
                current.nulls_done = True
            else:
                current.complete = True
            current.ranges, current.high_water = None, None
            self.sink.page(self.info.name, self.entity, [], [], self.state.snapshot())

    def fail(self, exc: IntacctError) -> None:
        with self.engine.lock:
            if self.result.error is None:
                self.result.error = exc
                where = f" (entity {self.entity})" if self.entity else ""
                self.sink.warning(self.spec.object, f"{self.spec.object}{where} failed: {exc}")

    def _info(self) -> ObjectInfo:
        assert self.info is not None
        return self.info

    def _typer(self) -> Typer:
        if self.typer is None:  # only the delivery thread and _whole ask: no race
            self.typer = Typer(self._info(), self.formatting, self.entity)
        return self.typer


def _answer(reply: Answer) -> Result:
    if isinstance(reply, IntacctError):
        raise reply
    return reply.raise_for_error()


def _settled(token: PageToken) -> PageToken:
    """The bookmark to keep after ``token``. WHENMODIFIED has whole seconds: while the
    gateway may still be writing records in the bookmark's second, one written there
    with a smaller RECORDNO would sort before the bookmark and never be read. So a
    recent bookmark (within :data:`CLOCK_MARGIN` of now) keeps only its second: the next
    run reads that second again (its records may come twice, none is lost)."""
    if token.modified is None or token.modified < datetime.now(UTC) - CLOCK_MARGIN:
        return token
    return PageToken(token.key, 0, token.modified, wall=token.wall)


def _refused(exc: GatewayError) -> set[str]:
    match = _REFUSED.search(str(exc))
    if match is None:
        return set()
    return {name.strip() for name in match.group(1).split(",") if name.strip()}
