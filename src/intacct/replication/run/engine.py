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
  ``lookback_minutes`` re-reads a window behind it, in full only the records the sink
  lacks or stores in another version (:mod:`.window`). Records without WHENMODIFIED (real
  Intacct has them) are read by RECORDNO, once;
* objects without WHENMODIFIED are read whole, in ranges, every run (resumable within it);
* deletes come first, as tombstones from AUDITHISTORY (:mod:`.deletes`), from the second
  run on; without permission on it, one warning per run;
* fields the gateway refuses ("The following fields cannot be queried") are dropped,
  named in a warning, and the stream goes on;
* a stream that fails (permission, unknown object) fails alone: its error is in the
  :class:`RunReport`, the others finish and keep their state; the company refusing the
  connection (the Sender ID, the sign-in, the OAuth app: every stream would fail
  alike) ends the run at once instead, raised, every page stored before kept;
* all streams, ranges and entities share the client's ``max_concurrency`` request slots
  (its entity clients too), biggest parts first; pages are typed and handed to the sink
  on one delivery thread, so the next requests leave meanwhile; a throttled answer is
  retried by the client.

The contract (docs/engine.md): :func:`replicate` is the one entry point every runner
calls the same way; what it reads is :class:`~.contract.StreamSpec`, where pages go a
:class:`~.contract.Sink`, how it reads :class:`~.settings.ReplicationSettings`; the
streams (:mod:`.kinds`) see a :class:`~.context.RunContext`, never the engine.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import Executor, Future
from typing import TYPE_CHECKING, Any

from intacct.client.registry import ObjectRegistry
from intacct.errors import ConfigError, IntacctError
from intacct.protocol.rest_catalog import xml_named
from intacct.replication.contract import (
    Progress,
    RunReport,
    Sink,
    StreamPage,
    StreamResult,
    StreamSpec,
    keeps_changes,
    redescribed,
    stored_keys,
    stored_lines,
    stored_versions,
)
from intacct.replication.run.context import RunContext
from intacct.replication.run.cost import billed
from intacct.replication.run.estimate import Estimate, assess, question_estimate, questions
from intacct.replication.run.memory import tune_allocator
from intacct.replication.run.watch import Watch
from intacct.replication.run.workers import Workers
from intacct.replication.settings import ReplicationSettings
from intacct.replication.state.runstate import RunState
from intacct.replication.streams.kinds import (
    Stream,
    custom_models,
    objects_among,
    open_stream,
    rest_path,
)
from intacct.replication.streams.objects import ObjectStream
from intacct.replication.streams.planning import range_offsets, run_batched

if TYPE_CHECKING:
    from intacct.client import IntacctClient

__all__ = [
    "Progress",
    "Replicator",
    "RunReport",
    "Sink",
    "StreamPage",
    "StreamResult",
    "StreamSpec",
    "check_api",
    "replicate",
]

#: pages read and waiting for the delivery thread: a few smooth out bursts; more would
#: only hold memory (a page of 2,000 records is several MB once parsed), since the
#: workers are faster than typing and storing
PAGES_WAITING = 4
#: workers beyond the request slots on the columnar path (see Replicator.__init__)
SPARE_WORKERS = 2


def check_api(client: IntacctClient, settings: ReplicationSettings) -> None:
    """``api: rest`` on a client without the OAuth app: refused once, before anything is
    read (:func:`replicate` checks; a runner asking anything before it checks first)."""
    if settings.api == "rest" and not client.speaks_rest:
        raise ConfigError(
            "client_id", "api rest reads through the REST API, which needs the OAuth app's "
            "client_id and client_secret",
        )  # fmt: skip


def replicate(
    client: IntacctClient,
    streams: Sequence[StreamSpec],
    *,
    sink: Sink,
    state: RunState,
    settings: ReplicationSettings,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    registry: ObjectRegistry | None = None,
    done: Callable[[str, list[StreamResult]], None] | None = None,
) -> RunReport:
    """The engine's one entry point: read ``streams`` on ``client`` (one API session,
    its entity clients for ``settings.entity_ids``) and hand every page to ``sink``
    with the run's state after it.

    ``state`` is where the run starts; the sink is handed the state after each page
    (stored with it, a run resumes exactly). ``progress`` is told every page;
    ``stop`` set ends the run at the next page (the report says ``stopped``; the
    state is exact); ``registry`` shares object lookups the caller made; ``done`` is
    told each object's results once its last page reached the sink."""
    engine = Replicator(client, settings, progress=progress, registry=registry, done=done)
    return engine.run(streams, state, sink, stop=stop)


class Replicator:
    """Runs streams on one client (one API session) and its entity clients; the object
    behind :func:`replicate`."""

    def __init__(
        self,
        client: IntacctClient,
        settings: ReplicationSettings | None = None,
        *,
        max_concurrency: int | None = None,
        page_size: int | None = None,
        progress: Progress | None = None,
        registry: ObjectRegistry | None = None,
        done: Callable[[str, list[StreamResult]], None] | None = None,
        columnar: bool | None = None,
    ) -> None:
        """``settings`` say what and how to read; ``max_concurrency``, ``page_size`` and
        ``columnar``, when given, override theirs."""
        self.client = client
        self.settings = (settings or ReplicationSettings()).with_overrides(
            max_concurrency=max_concurrency, page_size=page_size, columnar=columnar
        )
        slots = client.config.max_concurrency  # the client never has more in flight
        self.max_concurrency = max(1, min(self.settings.max_concurrency or slots, slots))
        # a worker parsing an answer holds no request slot: where the client's slots are
        # the limit, spare workers keep them busy meanwhile. Record by record a parse is
        # long (as many spares as slots); the fast reader's takes ~1% of a request, so
        # two spares do, and each worker fewer is a page fewer in memory (~5 MB)
        spare = SPARE_WORKERS if self.settings.columnar else self.max_concurrency
        self.workers = (
            self.max_concurrency + spare if self.max_concurrency == slots else self.max_concurrency
        )
        self.page_size = self.settings.page_size
        #: called once per object with its streams' results (one per entity), after their
        #: last pages reached the sink (or they failed)
        self.done = done
        self.context = RunContext(
            client, self.settings, registry or ObjectRegistry(client), progress
        )
        self.context.deliver = self.deliver
        #: pages go to the sink on one delivery thread, so the workers' next requests
        #: leave while a page is typed and stored; at most PAGES_WAITING wait for it
        self._room = threading.BoundedSemaphore(PAGES_WAITING)
        self._deliveries: Workers | None = None

    @property
    def registry(self) -> ObjectRegistry:
        return self.context.registry

    def entities(self) -> list[str]:
        """The entity ids to read (:meth:`RunContext.entities`)."""
        return self.context.entities()

    def run(
        self,
        streams: Sequence[StreamSpec],
        state: RunState,
        sink: Sink,
        *,
        stop: threading.Event | None = None,
    ) -> RunReport:
        """Look the objects up, read deletes, plan, then read every stream's parts on the
        shared workers, biggest first; each stream's failure is its own.

        Stopped (Ctrl-C, or any exception in the calling thread), it returns at once:
        the page being stored is finished, nothing reaches ``sink`` after it, and
        requests still in flight are left to their workers (their pages were not
        stored, so the state after the last stored page is exact). ``stop`` set does
        the same, and the report says ``stopped``. The sink failing, or the company
        refusing the connection (:func:`~intacct.protocol.classify.refuses_company`),
        ends it the same way and raises that error."""
        check_api(self.client, self.settings)
        state.claim(self.client.config.company_id)  # before anything is read or stored
        tune_allocator()  # before the workers start: their heaps are made then
        context = self.context
        jobs = [(spec, entity) for entity in context.entities() for spec in streams]
        context.fatal, context.stop, context.budget = None, stop, None
        self._settle_rest(streams)
        self._room = threading.BoundedSemaphore(PAGES_WAITING)
        self._deliveries = Workers(1, "intacct-delivery")
        guarded = _ClosableSink(sink)
        watch = Watch(context, state, guarded)
        try:
            plans = self._read(jobs, state, guarded, watch)
        except BaseException as exc:
            self._halt(exc, guarded)
            raise
        self._deliveries.shutdown(wait=context.fatal is None)  # the pages still queued
        if context.fatal is not None:  # the sink failed, or the company refused us
            self._halt(context.fatal, guarded)
            raise context.fatal
        stopped = context.stopped
        if not stopped:
            for plan in plans:
                plan.finish()
            watch.close(plans)
        results = [plan.result for plan in plans]
        return RunReport(
            results, stopped=stopped, budget=context.budget, question=watch.transactions
        )

    def _settle_rest(self, streams: Sequence[StreamSpec]) -> None:
        """The run's REST catalog (:meth:`RunContext.settle_rest`), where it reads
        through REST: with ``api: rest`` the models of the objects it reads (their
        custom fields), and, where a stream is a REST one (named in lower case, as
        REST paths are; XML's objects are upper case), the objects only the company's
        model service lists. Nothing is asked otherwise."""
        if not self.client.speaks_rest:
            return
        rest = self.settings.api == "rest"
        if not rest and all(xml_named(spec.object) for spec in streams):
            return
        packaged = self.registry.rest.packaged
        paths = [rest_path(spec.object, packaged) for spec in streams] if rest else []
        self.context.settle_rest(p for p in paths if p)

    def _settle_auto(self, jobs: list[tuple[StreamSpec, str]]) -> None:
        """Under ``auto``, the models whose custom fields decide a route
        (:func:`~.kinds.custom_models`), once the objects are looked up."""
        paths = custom_models(self.context, [spec for spec, _ in jobs])
        if paths:
            self.context.settle_rest(paths)

    def _halt(self, exc: BaseException, sink: _ClosableSink) -> None:
        """Stop every thread at its next step; once the page being stored (if any) is
        done, ``sink`` takes nothing more."""
        self.context.fatal = self.context.fatal or exc
        assert self._deliveries is not None
        self._deliveries.shutdown(wait=False, cancel_futures=True)
        with self.context.lock:  # every page reaches the sink under this lock
            sink.close()

    def estimate(self, streams: Sequence[StreamSpec], state: RunState) -> list[Estimate]:
        """What :meth:`run` would read and cost per stream, from one batched request of
        the counts a run asks first (:mod:`.estimate`); nothing is read or written and
        ``state`` is not moved. With ``entity_ids: all`` a first estimate, of object "",
        is the entity list's cost, which the run pays again."""
        check_api(self.client, self.settings)
        state = RunState.from_dict(state.snapshot())  # a copy: preparing moves bookmarks
        state.claim(self.client.config.company_id)
        self.context.fatal = None
        with self.client.meter() as listing:
            entities = self.entities()
        listed = Estimate("", "", "the entity list", None, None, listing.transactions)
        jobs = [(spec, entity) for entity in entities for spec in streams]
        self._settle_rest(streams)
        watch = Watch(self.context, state, _DRY_SINK)
        with Workers(self.workers, "intacct-rep") as pool:
            watch.ask(jobs)
            self._warm(pool, jobs, watch.fresh(jobs))
            self._settle_auto(jobs)
            plans = [open_stream(self.context, s, e, state, _DRY_SINK) for s, e in jobs]
            list(pool.map(lambda plan: plan.prepare(dry=True), plans))
            watch.settle(plans)
            asks = [
                (plan.client, questions(plan))
                if isinstance(plan, ObjectStream)
                else (self.client, [])
                for plan in plans
            ]
            answers = iter(run_batched(pool, [ask for ask in asks if ask[1]]))
            replies = [next(answers) if calls else [] for _, calls in asks]
        if self.context.fatal is not None:  # the company refused the connection
            raise self.context.fatal
        with self.client.meter() as dds:  # a DDS route's question, asked once (streams.dds)
            estimates = assess(plans, replies, self.page_size, self.max_concurrency)
        asked = Estimate("", "", "whether the company has entities (DDS)", None, None, 0)
        asked.transactions = dds.transactions
        shared = [e for e in (listed, question_estimate(watch), asked) if e.transactions]
        return [*shared, *estimates]

    def _read(
        self, jobs: list[tuple[StreamSpec, str]], state: RunState, sink: Sink, watch: Watch
    ) -> list[Stream]:
        pool = Workers(self.workers, "intacct-rep")
        try:
            watch.ask(jobs)  # the one question: the steady streams it names read
            self._warm(pool, jobs, watch.fresh(jobs))
            for name in self.registry.redescribed():
                redescribed(sink, name)  # before any page: its table gains the columns
            self._settle_auto(jobs)
            plans = [open_stream(self.context, s, e, state, sink) for s, e in jobs]
            list(pool.map(lambda plan: plan.prepare(), plans))
            watch.settle(plans)
            objects = [plan for plan in plans if isinstance(plan, ObjectStream)]
            list(pool.map(ObjectStream.read_deletes_first, objects))
            self._plan(pool, [p for p in objects if p.planning and p.result.error is None])
            self._probe(pool, [plan for plan in objects if plan.probing()], watch)
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

    def deliver(self, job: Callable[[], None]) -> None:
        """Queue ``job`` (a page for the sink) on the delivery thread; waits while
        :data:`PAGES_WAITING` pages are queued, so memory stays bounded."""
        assert self._deliveries is not None
        context = self.context
        while not self._room.acquire(timeout=0.1):
            if context.fatal is not None:  # stopped: the queue will not drain
                return

        def run() -> None:
            try:
                if context.fatal is None:
                    job()
            except BaseException as exc:  # noqa: BLE001 (the sink's own failure ends the run)
                context.fatal = context.fatal or exc
            finally:
                self._room.release()

        try:
            self._deliveries.submit(run)
        except RuntimeError:  # stopped meanwhile: the page is not stored
            self._room.release()

    def _warm(
        self, pool: Executor, jobs: list[tuple[StreamSpec, str]], fresh: Collection[str]
    ) -> None:
        """Every object looked up (100 per request; kept descriptions stand in for those
        the run will not read: not in ``fresh``) while each entity's session opens and
        the user's formatting is read; a failure is met again, per stream, later."""
        names = (spec.object for spec, _ in jobs)
        objects = list(dict.fromkeys(objects_among(names, self.context.rest)))
        asks: list[Future[object]] = [pool.submit(self.registry.load, objects, fresh)]
        asks += [pool.submit(self._formatting, entity) for entity in {e for _, e in jobs}]
        for ask in asks:
            with contextlib.suppress(IntacctError):  # each stream asks again, fails alone
                ask.result()

    def _probe(self, pool: Executor, plans: list[ObjectStream], watch: Watch) -> None:
        """Later runs: every stream's "anything changed or deleted?" in one batched
        request, so a stream with nothing new costs no request of its own; what a due
        stream finds that the audit trail did not list is told (:meth:`Watch.missed`)."""
        asks = [(p.client, p.probe_calls()) for p in plans]
        answers = run_batched(pool, asks)
        for plan, (_, calls), replies in zip(plans, asks, answers, strict=True):
            plan.result.transactions += billed(calls, replies)
            plan.probed(replies)
            watch.missed(plan, *plan.probe_counts)

    def _formatting(self, entity: str) -> object:
        return self.context.client_for(entity).user_formatting()

    def _plan(self, pool: Executor, plans: list[ObjectStream]) -> None:
        """Two batched rounds: each object's highest RECORDNO, count and newest
        (WHENMODIFIED, RECORDNO); then the RECORDNO where each of its ranges starts."""
        questions = [(p.client, p.plan_calls()) for p in plans]
        answers = run_batched(pool, questions)
        for plan, (_, calls), replies in zip(plans, questions, answers, strict=True):
            plan.result.transactions += billed(calls, replies)
            plan.attempt(functools.partial(plan.plan, replies))
        plans = [p for p in plans if p.result.error is None]
        totals = [p.ranged for p in plans]  # a read through DDS has no range
        sizes = [p.page_size for p in plans]  # a route through REST pages in its own
        offsets = range_offsets(totals, sizes, self.max_concurrency)
        asks = [(p.client, p.boundary_calls(o)) for p, o in zip(plans, offsets, strict=True)]
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

    def page(self, page: StreamPage) -> None:
        if self.inner is not None:
            self.inner.page(page)

    def warning(self, stream: str, text: str) -> None:
        if self.inner is not None:
            self.inner.warning(stream, text)

    def stored_versions(
        self, stream: str, entity: str, recordnos: Sequence[int]
    ) -> Mapping[int, str | None] | None:
        if self.inner is None:
            return None
        return stored_versions(self.inner, stream, entity, recordnos)

    def stored_lines(
        self, stream: str, entity: str, field: str, documents: Sequence[int]
    ) -> Mapping[int, Sequence[Any]] | None:
        if self.inner is None:
            return None
        return stored_lines(self.inner, stream, entity, field, documents)

    def stored_keys(
        self, stream: str, entity: str, after: int | None, upto: int | None
    ) -> Sequence[str] | None:
        if self.inner is None:
            return None
        return stored_keys(self.inner, stream, entity, after, upto)

    def keeps_changes(self, stream: str) -> bool:
        return self.inner is not None and keeps_changes(self.inner, stream)

    def redescribed(self, stream: str) -> None:
        if self.inner is not None:
            redescribed(self.inner, stream)

    def close(self) -> None:
        self.inner = None  # the workers left behind hold no reference to it


class _DrySink:
    """An estimate's sink: no page reaches it, and a failure is on the stream's result."""

    def page(self, page: StreamPage) -> None:
        raise AssertionError("an estimate never writes")  # pragma: no cover

    def warning(self, stream: str, text: str) -> None:
        """Failures are on the stream's result."""


_DRY_SINK = _DrySink()


class _Completion:
    """Tells the engine's ``done`` when all of an object's streams (one per entity) have
    run their parts, on the delivery thread: after the pages they queued for the sink."""

    def __init__(self, engine: Replicator, plans: Sequence[Stream]) -> None:
        self.engine = engine
        self.parts_left = {id(plan): len(plan.parts) for plan in plans}
        self.by_object: dict[str, list[Stream]] = {}
        for plan in plans:
            self.by_object.setdefault(plan.result.object, []).append(plan)
        self.streams_left = {name: len(group) for name, group in self.by_object.items()}
        for plan in plans:
            if not plan.parts:  # nothing to read (or failed already)
                engine.deliver(functools.partial(self._finished, plan))

    def run(self, plan: Stream, part: Callable[[], None]) -> None:
        plan.attempt(part)
        with self.engine.context.lock:
            self.parts_left[id(plan)] -= 1
            last = not self.parts_left[id(plan)]
        if last:
            self.engine.deliver(functools.partial(self._finished, plan))

    def _finished(self, plan: Stream) -> None:
        name = plan.result.object
        self.streams_left[name] -= 1
        if not self.streams_left[name] and self.engine.done is not None:
            self.engine.done(name, [p.result for p in self.by_object[name]])
