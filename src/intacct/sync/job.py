"""``intacct sync``: the replication engine's pages into a DuckDB file or a Postgres schema.

The engine (:mod:`intacct.replication`) does the reading, exactly as it does for the tap;
this module only chooses the objects, prepares their tables and stores each page with
the run state in one transaction (a :class:`~intacct.destinations.Destination`). A
second run goes on from that state: one batched request asks every object whether
anything changed or was deleted, and only those that did are read.
"""

from __future__ import annotations

import contextlib
import difflib
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from intacct.client.registry import ObjectRegistry
from intacct.destinations import (
    Destination,
    DestinationError,
    FivetranViews,
    KeepsHistory,
    PageCounts,
    ReadBack,
    RemovableWhenUnused,
    offers,
    open_destination,
)
from intacct.destinations.tables import Table, table_of
from intacct.errors import ConfigError, IntacctError, PermissionDeniedError
from intacct.mappings import UNIFIED_STREAMS, objects_for
from intacct.protocol.rest_catalog import RestCatalog
from intacct.replication import (
    RunState,
    StreamPage,
    StreamResult,
    StreamSpec,
    check_api,
    declared,
    objects_among,
    replicate,
    stream_names,
)
from intacct.replication.catalog import DEFAULT_OBJECTS
from intacct.sync import fivetran
from intacct.sync.settings import SyncSettings
from intacct.sync.unified_tables import rebuild, unified_objects

if TYPE_CHECKING:
    from intacct.client import IntacctClient

__all__ = [
    "DEFAULT_OBJECTS",
    "ObjectSummary",
    "Reporter",
    "SyncInterrupted",
    "SyncReport",
    "run_sync",
]


class Reporter(Protocol):
    """What a run tells the person watching it (``intacct.sync.display``)."""

    def start(self, objects: Sequence[str]) -> None: ...
    def page(self, stream: str, entity: str, records: int, requests: int, size: int) -> None: ...
    def stored(self, stream: str, counts: PageCounts) -> None: ...
    def done(self, stream: str, summary: ObjectSummary) -> None: ...
    def warning(self, stream: str, text: str) -> None: ...


@dataclass(slots=True)
class ObjectSummary:
    object: str
    read: int = 0  # records read from Intacct (deletes are ``deleted``)
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    requests: int = 0
    transactions: int = 0
    #: rows the lookback window's digest listed (RECORDNO, WHENMODIFIED)
    listed: int = 0
    seconds: float = 0.0
    error: str | None = None
    #: the error is Intacct refusing the user permission on the object
    denied: bool = False
    #: pages stored, and the records and deletes in them: a full refresh's unchanged
    #: rows too, which are neither inserted nor updated
    pages: int = 0
    stored: int = 0
    #: why it read or stayed quiet (``verify_every``: the audit trail named it, it was
    #: due for verification, or quiet); empty where every object is asked every run
    why: str = ""


@dataclass(slots=True)
class SyncReport:
    objects: list[ObjectSummary] = field(default_factory=list)
    requests: int = 0
    #: every API transaction the run cost, as Intacct bills them (the client's count:
    #: the objects' own, and any the run made for no one object)
    transactions: int = 0
    seconds: float = 0.0
    columns_added: dict[str, list[str]] = field(default_factory=dict)
    unified: dict[str, int] = field(default_factory=dict)  # unified table -> rows
    layout: fivetran.LayoutReport | None = None  # the Fivetran layout's views, when built
    layout_dropped: list[str] = field(default_factory=list)  # views --layout none dropped
    #: the API transaction budget stopped the run: why (every page before it is stored)
    budget: str | None = None
    #: of ``transactions``, the audit trail's question (``verify_every``)
    question: int = 0
    #: the DuckDB file this run made was removed: nothing was stored in it
    removed: bool = False

    @property
    def failed(self) -> list[ObjectSummary]:
        return [o for o in self.objects if o.error is not None]


class SyncInterrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C or SIGTERM (its ``__cause__``): ``report`` counts what
    was stored, whole pages only; ``_intacct_runs`` has a row with status
    ``interrupted``, and the next run goes on from the stored state."""

    def __init__(self, report: SyncReport) -> None:
        super().__init__("interrupted")
        self.report = report


class _Sink:
    """The engine's sink: each page into the database with the state after it."""

    def __init__(
        self,
        database: Destination,
        report: SyncReport,
        reporter: Reporter,
        registry: ObjectRegistry,
    ) -> None:
        self.database, self.reporter, self.report = database, reporter, report
        self.registry = registry
        self.by_object = {o.object: o for o in report.objects}
        self.started = time.monotonic()

    def redescribed(self, stream: str) -> None:
        """Its object looked up again and found otherwise (a custom field added): its
        table laid out again, before any page of it."""
        added = self.database.prepare(table_of(stream, self.registry))
        if added:
            self.report.columns_added[stream] = added

    def page(self, page: StreamPage) -> None:
        stream = page.stream
        counts = self.database.write_page(page)
        summary = self.by_object[stream]
        summary.inserted += counts.inserted
        summary.updated += counts.updated
        summary.deleted += counts.deleted
        summary.pages += 1
        rows = page.table.num_rows if page.table is not None else len(page.records)
        summary.stored += rows + len(page.tombstones)
        summary.seconds = time.monotonic() - self.started
        self.reporter.stored(stream, counts)

    def warning(self, stream: str, text: str) -> None:
        self.reporter.warning(stream, text)

    def stored_versions(
        self, stream: str, entity: str, recordnos: Sequence[int]
    ) -> Mapping[int, str | None] | None:
        """What the database stores of ``recordnos`` (the lookback window's digest)."""
        return self.database.stored_versions(stream, entity, recordnos)

    def stored_lines(
        self, stream: str, entity: str, field: str, documents: Sequence[int]
    ) -> Mapping[int, Sequence[Any]] | None:
        """The lines the database holds of deleted ``documents``."""
        return self.database.stored_lines(stream, entity, field, documents)

    def stored_keys(
        self, stream: str, entity: str, after: int | None, upto: int | None
    ) -> Sequence[str] | None:
        """The live keys the database holds of an object read whole by key, in a range
        (its deletes: the stored keys a whole read no longer returns)."""
        return self.database.stored_keys(stream, entity, after, upto)

    def keeps_changes(self, stream: str) -> bool:
        """Whether the database keeps ``stream``'s history, which AUDITHISTORY's changes
        complete (who made each version, the changes no read saw)."""
        return isinstance(self.database, KeepsHistory) and self.database.keeps_history(stream)

    def done(self, stream: str, results: Sequence[StreamResult]) -> None:
        """An object's streams have all finished: its summary is final but the run's
        requests, which the end adds."""
        summary = self.by_object[stream]
        _merge(summary, results)
        self.reporter.done(stream, summary)


def run_sync(
    client: IntacctClient,
    db_path: str | Path,
    reporter: Reporter,
    settings: SyncSettings | None = None,
) -> SyncReport:
    """Read the ``settings``' objects (default :data:`DEFAULT_OBJECTS`; ``["all"]``:
    every object the company has, and the trial balance) into the DuckDB file at
    ``db_path``; with ``unified``, also the objects behind hotglue's unified tables, and
    those tables rebuilt from them (:mod:`intacct.sync.unified_tables`); with ``layout``
    "fivetran" (or remembered from an earlier run; "none" forgets it), also the objects
    behind Fivetran's tables, and their views (:mod:`intacct.sync.fivetran`). The
    settings were settled at the edge (:class:`~intacct.sync.settings.SyncSettings`;
    None: the defaults)."""
    settings = settings or SyncSettings()
    objects, full_refresh = settings.objects, settings.full_refresh
    unified, layout, run_settings = settings.unified, settings.layout, settings.replication
    started = datetime.now(UTC)
    clock = time.monotonic()
    check_api(client, run_settings)  # before any request, and before the store is made
    kept = settings.metadata_cache
    registry = ObjectRegistry(
        client,
        rest_cache=kept and kept / "rest-models",
        lookup_cache=kept and kept / "lookups",
    )
    _refuse(db_path, layout, unified, settings.history)
    company = client.config.company_id
    database = open_destination(
        db_path, company=company, lock_wait_s=settings.lock_wait_s, snapshot=settings.snapshot
    )
    report = SyncReport()  # the objects' summaries once they are chosen
    # the run's row in _intacct_runs is kept ahead of every billed request
    client.ledger = database.ledger(started.isoformat(), company)
    try:
        chosen, layout = layout, _layout(database, layout)
        names = select_objects(registry, objects, unified, layout, chosen)
        left = rest_left_out(registry, objects)
        if left is not None:
            reporter.warning("all", left)
        report = SyncReport([ObjectSummary(name) for name in names])
        failed = registry.load(objects_among(names, registry.rest.for_streams(names)))
        tables = _prepare(database, registry, names, failed, report)
        _keep_history(database, tables, settings.history, reporter, objects or ())
        state = resume_state(database.state(), tables, full_refresh)
        reporter.start(list(tables))
        sink = _Sink(database, report, reporter, registry)
        # the database is its own state store: each page commits with the state after it
        run = replicate(
            client,
            [StreamSpec(n) for n in tables],
            sink=sink,
            state=state,
            settings=run_settings,
            progress=reporter.page,
            registry=registry,
            done=sink.done,
        )
        report.budget = str(run.budget) if run.budget is not None else None
        report.question = run.question
        if unified and isinstance(database, ReadBack):
            failed_objects = {o.object for o in report.failed}
            streams = [
                s for s in UNIFIED_STREAMS
                if not set(objects_for(s)) & failed_objects and set(objects_for(s)) <= set(tables)
            ]  # fmt: skip
            report.unified = rebuild(database, streams)
        if layout == "fivetran" and isinstance(database, FivetranViews):
            report.layout = _rebuild_layout(database, report, started, set(registry.objects()))
            database.save_setting("layout", "fivetran")
        elif layout == "none":
            if isinstance(database, FivetranViews):
                report.layout_dropped = fivetran.drop(database)
            database.save_setting("layout", None)
        report.requests = client.requests_sent
        report.transactions = client.api_transactions
        report.seconds = time.monotonic() - clock
        status = "failed" if report.failed else "budget" if report.budget else "ok"
        _record(database, client, status, report)
    except KeyboardInterrupt as exc:
        # a full disk keeps the last state
        _cut_short(database, client, report, clock, "interrupted", DestinationError)
        raise SyncInterrupted(report) from exc
    except Exception:  # the company refused the connection, the store failed...
        # a run that billed (its row kept ahead of it) is not left "running"; one refused
        # before billing leaves no row; the run's own error, not the record's, is told
        billed = bool(client.api_transactions_sent)
        _cut_short(database, client, report, clock, "failed" if billed else None, Exception)
        raise
    finally:
        client.ledger = None
        report.removed = _close(database)
    return report


def _cut_short(
    database: Destination,
    client: IntacctClient,
    report: SyncReport,
    clock: float,
    status: str | None,
    tolerated: type[Exception],
) -> None:
    """A run that Ctrl-C or an error ends: its figures so far, and its row recorded with
    ``status`` (None: none), a ``tolerated`` failure to record it left unsaid."""
    report.requests = client.requests_sent
    report.seconds = time.monotonic() - clock
    if status is not None:
        with contextlib.suppress(tolerated):
            _record(database, client, status, report)


def _close(database: Destination) -> bool:
    """Close ``database``; a store this run made and stored nothing in (it failed before
    its first page: a DuckDB file) is removed. True if it was."""
    database.close()
    return isinstance(database, RemovableWhenUnused) and database.remove_if_unused()


def _record(database: Destination, client: IntacctClient, status: str, report: SyncReport) -> None:
    """The run's row in ``_intacct_runs``: status (ok, failed, budget, interrupted),
    counts, and what the run may have billed (requests still out included)."""
    rows = [vars_of(o) for o in report.objects]
    if report.question:  # the run's cost by part: the question, then each object's
        rows.insert(0, {"part": "question", "transactions": report.question})
    finished = datetime.now(UTC).isoformat()
    database.record_run(finished, status, rows, client.api_transactions_sent)


def vars_of(summary: ObjectSummary) -> dict[str, Any]:
    return {name: getattr(summary, name) for name in summary.__slots__}


def select_objects(
    registry: ObjectRegistry,
    wanted: Sequence[str] | None,
    unified: bool,
    layout: str | None = None,
    chosen: str | None = None,
) -> list[str]:
    """The objects a run reads: ``wanted`` (see :func:`run_sync`), with ``unified``
    those behind hotglue's unified tables, with the ``fivetran`` layout those its views
    show: when ``--layout fivetran`` is ``chosen``, or when the database remembers it and
    no ``wanted`` list narrows the run (a list is read as given; the views are rebuilt
    over the stored tables, each object stamped when a run last brought it up to date)."""
    names = _objects(registry, wanted)
    if unified:
        names += _also(registry, unified_objects(), names)
    if layout == "fivetran" and (chosen == "fivetran" or not wanted):
        names += _also(registry, fivetran.layout_objects(), names)
    return names


def rest_left_out(registry: ObjectRegistry, wanted: Sequence[str] | None) -> str | None:
    """What ``--objects all`` leaves out where the connection has no OAuth app: the
    objects only the REST API has (None: nothing left out), said, not silently. Not
    counted: counting would read the packaged REST catalog, which a run through XML
    alone never loads (its memory)."""
    if [w.lower() for w in wanted or ()] != ["all"] or registry.client.speaks_rest:
        return None
    return (
        "--objects all: the objects only the REST API has (about 400 in Sage's catalog) "
        "are left out: the connection has no OAuth app (client_id and client_secret; "
        "intacct doctor checks it)"
    )


def _also(registry: ObjectRegistry, wanted: Sequence[str], names: Sequence[str]) -> list[str]:
    """The ``wanted`` objects the company has that ``names`` lacks."""
    known = set(registry.objects())
    return [o for o in wanted if o in known and o not in names]


def _refuse(
    where: str | Path, layout: str | None, unified: bool, history: Sequence[str] | None
) -> None:
    """What a destination does not take, refused before it is opened: a refused run
    leaves no file, schema or dlt folder behind. The Fivetran layout's views are
    DuckDB's only (:class:`FivetranViews`); dlt takes no unified tables (:class:`ReadBack`).
    History (:class:`KeepsHistory`) is every store's; dlt refuses it where dlt has no SQL
    client to make its view with (``dlt:filesystem``), once opened."""
    if history and not offers(where, KeepsHistory):
        raise ConfigError(
            "history",
            "keeps its versions in a DuckDB file, a Postgres schema or a database "
            "through dlt; give --db one of them, or leave history out",
        )
    if layout is not None and layout not in fivetran.LAYOUTS:
        raise ConfigError("layout", f"no layout {layout!r}; choose {' or '.join(fivetran.LAYOUTS)}")
    if layout == "fivetran" and not offers(where, FivetranViews):
        raise ConfigError(
            "layout", "--layout fivetran builds its views in a DuckDB file only; give --db a "
            "DuckDB path for it, or leave --layout out",
        )  # fmt: skip
    if unified and not offers(where, ReadBack):
        raise ConfigError(
            "--db", "--unified (or unified_schema) builds its tables in a DuckDB file or a "
            "Postgres schema; a dlt destination does not take it",
        )  # fmt: skip


def _layout(database: Destination, chosen: str | None) -> str | None:
    """The run's layout: the one chosen, else the one the database remembers."""
    return chosen if chosen is not None else database.setting("layout")


def _rebuild_layout(
    database: FivetranViews, report: SyncReport, started: datetime, known: set[str]
) -> fivetran.LayoutReport:
    """The Fivetran layout's views rebuilt and the objects this run brought up to date
    stamped; ``known``: the company's objects."""
    by_object = {o.object: o for o in report.objects}
    wanted = fivetran.layout_objects()
    read = [o for o in wanted if o in by_object and by_object[o].error is None]
    absent = [o for o in wanted if o not in known]
    built = fivetran.rebuild(database, read, started.replace(tzinfo=None), absent)
    built.not_read = [o for o in wanted if o not in by_object and o not in absent]
    return built


def _objects(registry: ObjectRegistry, wanted: Sequence[str] | None) -> list[str]:
    """The objects to read; an unknown name is a ConfigError with the near misses."""
    if not wanted:
        known = set(registry.objects())
        return [n for n in DEFAULT_OBJECTS if n in known or declared(n)]
    if [w.lower() for w in wanted] == ["all"]:  # REST-only objects where REST is open
        if not registry.client.speaks_rest:  # the REST catalog is not read
            return stream_names(registry.objects())
        # with the objects the company's model lists
        return stream_names(registry.objects(), rest=True, catalog=registry.rest.catalog())
    by_upper = {n.upper(): n for n in stream_names(registry.objects())}  # XML's alone
    if any(name.upper() not in by_upper for name in wanted):  # REST-only streams?
        by_upper = _known(registry, registry.rest.packaged)
    if any(name.upper() not in by_upper for name in wanted):  # the company's own objects?
        by_upper = _known(registry, registry.rest.catalog())
    unknown = [name for name in wanted if name.upper() not in by_upper]
    if unknown:
        said = ", ".join(f"{name!r}{_near_misses(name, by_upper)}" for name in unknown)
        noun = "object" if len(unknown) == 1 else "objects"
        raise ConfigError("objects", f"the company has no {noun} {said}")
    return list(dict.fromkeys(by_upper[name.upper()] for name in wanted))


def _known(registry: ObjectRegistry, catalog: RestCatalog) -> dict[str, str]:
    """Every stream name ``catalog`` and the XML objects give, by its upper case."""
    names = stream_names(registry.objects(), rest=True, catalog=catalog)
    return {n.upper(): n for n in names}


def _near_misses(name: str, by_upper: Mapping[str, str]) -> str:
    near = [by_upper[n] for n in difflib.get_close_matches(name.upper(), list(by_upper), n=3)]
    return f" (did you mean {', '.join(near)}?)" if near else ""


def _prepare(
    database: Destination,
    registry: ObjectRegistry,
    names: list[str],
    failed: Mapping[str, IntacctError],
    report: SyncReport,
) -> dict[str, Table]:
    tables: dict[str, Table] = {}
    for summary in report.objects:
        name = summary.object
        if name in failed:
            summary.error = str(failed[name])
            summary.denied = isinstance(failed[name], PermissionDeniedError)
            continue
        table = table_of(name, registry)
        added = database.prepare(table)
        if added:
            report.columns_added[name] = added
        tables[name] = table
    return tables


def _keep_history(
    database: Destination,
    tables: Mapping[str, Table],
    chosen: Sequence[str] | None,
    reporter: Reporter,
    asked: Sequence[str] = (),
) -> None:
    """The objects keeping history (``chosen``, else what the database remembers) told
    to the store, and the choice remembered: a later run without it keeps them, so no
    version is missed for a forgotten flag. An object named that cannot is said (named
    by ``history`` or among the objects ``asked`` for)."""
    wanted = chosen if chosen is not None else database.setting("history")
    if chosen is not None:
        database.save_setting("history", list(chosen) or None)
    if not wanted or not isinstance(database, KeepsHistory):
        return
    for name, itself in named_for_history(wanted, tables, asked).items():
        reason = database.keep_history(tables[name])
        if reason is not None and itself:
            reporter.warning(name, f"{name}: no history kept: {reason}")


def named_for_history(
    wanted: Sequence[str], names: Iterable[str], asked: Sequence[str] = ()
) -> dict[str, bool]:
    """The objects among ``names`` that the ``history`` setting ``wanted`` (parsed:
    ``("all",)``, objects, or none) names, each with whether by its own name, there or
    among the objects ``asked`` for (``--objects``): one that cannot keep history is
    said then, not when ``all`` alone named it."""
    every, named = "all" in wanted, {n.upper() for n in wanted}
    own = named | {n.upper() for n in asked if n.lower() != "all"}
    return {n: n.upper() in own for n in names if every or n.upper() in named}


def resume_state(
    saved: Mapping[str, Any] | None, objects: Collection[str], full_refresh: bool
) -> RunState:
    """The state a run goes on from (``full_refresh``: none for ``objects``)."""
    if saved is None:
        return RunState()
    return RunState.from_dict(forget_objects(saved, objects) if full_refresh else dict(saved))


def forget_objects(saved: Mapping[str, Any], objects: Collection[str]) -> dict[str, Any]:
    """``saved`` without the state of ``objects``: the next run reads them whole."""
    streams = {k: v for k, v in saved["streams"].items() if k not in objects}
    return {**saved, "streams": streams}


def _merge(summary: ObjectSummary, streams: Sequence[StreamResult]) -> None:
    for result in streams:
        summary.read += result.records
        summary.requests += result.requests
        summary.transactions += result.transactions
        summary.listed += result.listed
        summary.why = summary.why or result.why
        if result.error is not None:
            where = f" (entity {result.entity})" if result.entity else ""
            summary.error = f"{where.strip()} {result.error}".strip()
            summary.denied = isinstance(result.error, PermissionDeniedError)
