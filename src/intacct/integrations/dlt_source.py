"""Intacct as a dlt source: ``pipeline.run(intacct_source(credentials))`` (extra ``[dlt]``).

``intacct_source`` is a ``@dlt.source`` with one resource per object (by default the
objects ``intacct sync`` reads: :data:`~intacct.replication.catalog.DEFAULT_OBJECTS`),
each named after its object in lower case, written to the table of the object's name
(lower case under dlt's ``sql_ci_v1`` naming, as ``intacct sync --db dlt:…`` writes
it), typed as that destination types it, merged on the object's key with ``_entity_id``.
``credentials`` holds the keys a profile or the Singer tap takes (connection, page size,
``entity_ids``, ``start_date``, ``lookback_minutes``…), passed in (a profile's:
``ProfileStore().config(NAME)`` of :mod:`intacct.cli.profile_store`) or taken from dlt's
secrets (``[sources.intacct.credentials]`` in ``.dlt/secrets.toml``).

**Our engine underneath.** Each resource runs :func:`~intacct.replication.replicate`
for its object, on a thread of its own, with a sink that hands each page (tombstones,
then records) to the resource's generator as Arrow tables, with the engine's state
after it. All resources share one client: one API session, one company-wide limit of
requests in flight.

**State kept by dlt.** The engine's state after a page goes into the resource's state
(``dlt.current.resource_state()``) once dlt took that page's rows, so it is never ahead
of them; dlt saves resource state only when the whole extract succeeded and loads it in
the same package as the rows, so the destination never holds a state its rows do not
reach. A run whose extract fails keeps no state: the next one reads the same again (the
merge on the key stores twice-read rows once). A load that fails leaves its package
pending, loaded first by the next run (dlt's way); to give it up, drop dlt's working
directory (``pipeline.drop()``: dlt then restores the destination's state), never the
package alone (its state is already the working directory's, and its rows would be
skipped). A pipeline whose every load would fail (its DuckDB file named as its dataset)
is refused while extracting, which leaves nothing pending. The next ``pipeline.run``
goes on from the state, as ``intacct sync`` does from its stored one; dlt's
``refresh="drop_resources"`` forgets it (a full refresh).

**Deletes are hard deletes.** A tombstone is a row of the key with ``_sdc_deleted_at``
set, a ``hard_delete`` column: the merge removes the stored row. As every store decides
(:func:`~intacct.replication.superseded`), a delete removes only a version not modified
after it: a tombstone carries the delete time as WHENMODIFIED (dlt's ``dedup_sort``, so a
record re-created later under the same id wins within a load), a record read after a
tombstone of its key and not modified since is left out (in that run or a later one:
:class:`_Deletes`), and a tombstone of a stored row modified after the delete is not
sent. Reading the destination back (where dlt has a
SQL client) also names the lines of deleted documents and spares the lookback window's
records already stored, as ``intacct sync --db dlt:…`` does.

**History** (``history=``, the setting ``intacct sync --history`` takes): the resource
of each object keeping history also yields its versions, deletes and AUDITHISTORY's
changes, to the tables ``intacct sync --db dlt:…`` loads them into, built by the same
functions (:func:`~intacct.destinations.dlt.version_rows`…) and loaded with the pages
and the state after them (a page read again merges onto its own versions); a history
begun on a filled table starts from its rows. :func:`intacct_history_views` makes the
views ``<table>_history`` over them, after a run (docs/history.md).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import dlt
import pyarrow as pa
from dlt.common.exceptions import DltException
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from dlt.extract import DltResource

from intacct.client import IntacctClient
from intacct.client.pagination import PageToken
from intacct.client.registry import ObjectRegistry
from intacct.config import ClientConfig, Surface, key_named, names_on
from intacct.destinations.base import (
    MODIFIED,
    RECORDNO,
    DestinationError,
    lines_of,
    lines_table,
    versioned,
    versions,
)
from intacct.destinations.dlt import (
    CHANGES,
    NAMING,
    SOURCE,
    arrow_page,
    catalog_clash,
    change_rows,
    delete_rows,
    deletes_table,
    holds_views,
    make_history_views,
    marked,
    resource_hints,
    select_all,
    select_stored,
    table_schema,
    version_rows,
    versions_table,
)
from intacct.destinations.history import why_not
from intacct.destinations.tables import Column, Table, table_of
from intacct.errors import ConfigError, IntacctError
from intacct.replication import (
    DELETED_AT,
    ENTITY_ID,
    ReplicationSettings,
    RunReport,
    RunState,
    StreamPage,
    StreamSpec,
    objects_among,
    replicate,
    superseded,
)
from intacct.sync.job import named_for_history, select_objects

__all__ = ["STATE_KEY", "intacct_history_views", "intacct_source"]

log = logging.getLogger("intacct.integrations.dlt")

#: where a resource's state keeps the engine's run state, and the deletes a later read
#: may still contradict (:class:`_Deletes`)
STATE_KEY, DELETES_KEY = "engine", "deletes"
#: where the resource of an object keeping history keeps its table (what its view is
#: made of: :func:`intacct_history_views`), and that its history has begun (its first
#: versions the rows stored then)
HISTORY_KEY, BEGUN_KEY = "history", "history_begun"


@dlt.source(
    section="intacct",
    max_table_nesting=0,  # multi-picks are JSON text, never child tables
    # Intacct's names lower-cased as they are, as intacct sync --db dlt:… names them
    schema=dlt.Schema(SOURCE, normalizers={"names": NAMING}),
)
def intacct_source(
    credentials: Mapping[str, Any] = dlt.secrets.value,
    objects: Sequence[str] | str | None = None,
    history: bool | Sequence[str] | str | None = None,
) -> list[DltResource]:
    """A resource per object of ``objects`` (default: the objects ``intacct sync``
    reads; ``["all"]``: every object of the company and the trial balance), read with
    ``credentials``: the keys a profile or the tap takes. ``history`` (else the
    credentials' key of that name): the objects whose every version is kept too, as
    ``intacct sync --history`` takes it (true, a list or comma list, false; see
    :func:`intacct_history_views`). Credentials and objects are checked now (a
    :class:`~intacct.errors.ConfigError` names the key or the object), and the objects
    looked up for their columns."""
    config, settings = _settle(credentials)
    wanted = _history(credentials, history)
    company = _Company(config)
    with company.session() as (_, registry):
        names = select_objects(registry, _names(objects), unified=False)
        failed = registry.load(objects_among(names, registry.rest.for_streams(names)))
        tables = {n: table_of(n, registry) for n in names if n not in failed}
    company.names = names
    kept = _histories(wanted, tables)
    return [
        _resource(company, settings, tables[name], name in kept)
        if name in tables
        else _failing(name, failed[name])
        for name in names
    ]


def intacct_history_views(pipeline: Any) -> list[str]:
    """Make (again) ``<table>_history`` in ``pipeline``'s destination for each object
    whose history ``intacct_source(history=...)`` loaded there: a view of every version
    with its ``valid_from``, ``valid_to``, ``is_current``, ``is_deleted``, ``changed_by``,
    ``change_mode`` and ``unseen_changes``, the SQL of ``intacct sync --db dlt:…``'s
    (a source makes no views: call it after ``pipeline.run``, which may have added
    columns). Returns the views made, as SQL names them."""
    tables = [
        _table_of(kept[HISTORY_KEY])
        for kept in pipeline.state.get("sources", {}).get(SOURCE, {}).get("resources", {}).values()
        if kept.get(HISTORY_KEY)
    ]
    schema = pipeline.schemas.get(SOURCE)
    if not tables or schema is None:
        return []
    _refuse_without_views(pipeline)
    try:
        return make_history_views(pipeline, schema, sorted(tables, key=lambda t: t.name))
    except (DltException, OSError) as exc:
        raise DestinationError(
            f"could not make the history views in pipeline {pipeline.pipeline_name!r}'s "
            f"destination: {str(exc).strip().splitlines()[0]}"
        ) from None


def _settle(credentials: Any) -> tuple[ClientConfig, ReplicationSettings]:
    """The client's config and the engine's settings, from one mapping as the tap reads
    its config (a key neither knows is an error naming it)."""
    if not isinstance(credentials, Mapping):
        raise ConfigError("credentials", "must be a mapping of connection keys (sender_id, ...)")
    # a profile's keys (its destination taken and not used: a pipeline's is dlt's to say)
    config = ClientConfig.from_mapping(credentials, allow=names_on(Surface.PROFILE))
    settings = ReplicationSettings.from_mapping(credentials, config)
    if settings.unified_schema:
        raise ConfigError(
            "unified_schema", "hotglue's unified tables are built by intacct sync into DuckDB "
            "or Postgres; the dlt source reads the objects only",
        )  # fmt: skip
    return config, settings


def _history(credentials: Mapping[str, Any], given: Any) -> tuple[str, ...]:
    """The objects keeping history: ``given``, else the credentials' ``history`` key, read
    as that key reads everywhere; none when neither says."""
    value = credentials.get("history") if given is None else given
    return () if value is None or value == "" else key_named("history").parse(value)


def _histories(wanted: Sequence[str], tables: Mapping[str, Table]) -> set[str]:
    """The objects ``wanted`` that keep history: one that cannot (no WHENMODIFIED, no
    key) is said when named, as ``intacct sync`` says it, and read without."""
    kept = set()
    for name, itself in named_for_history(wanted, tables).items():
        reason = why_not(tables[name])
        if reason is None:
            kept.add(name)
        elif itself:
            log.warning("%s: no history kept: %s", name, reason)
    return kept


def _table_of(saved: Mapping[str, Any]) -> Table:
    """A table kept in a resource's state (:data:`HISTORY_KEY`)."""
    columns = tuple(Column(n, t) for n, t in saved["columns"])
    return Table(saved["name"], columns, tuple(saved["key"]))


def _names(objects: Sequence[str] | str | None) -> list[str] | None:
    """Objects as a list (a comma list too, as dlt's config gives one)."""
    if isinstance(objects, str):
        return [o.strip() for o in objects.split(",") if o.strip()]
    return list(objects) if objects else None


class _Company:
    """The source's one client (one API session, one limit of requests in flight for
    every resource), opened by the first user and closed by the last."""

    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        self.names: list[str] = []  # looked up in one request when the client opens
        self._lock = threading.Lock()
        self._users = 0
        self._client: IntacctClient | None = None
        self._registry: ObjectRegistry | None = None

    @contextmanager
    def session(self) -> Iterator[tuple[IntacctClient, ObjectRegistry]]:
        with self._lock:
            self._users += 1
            try:
                opened = self._open()
            except BaseException:
                self._release()
                raise
        try:
            yield opened
        finally:
            with self._lock:
                self._release()

    def _open(self) -> tuple[IntacctClient, ObjectRegistry]:
        if self._client is None or self._registry is None:
            self._client = IntacctClient(self.config)
            self._registry = ObjectRegistry(self._client)
            self._registry.load(
                objects_among(self.names, self._registry.rest.for_streams(self.names))
            )  # failures: the streams'
        return self._client, self._registry

    def _release(self) -> None:
        self._users -= 1
        if self._users == 0 and self._client is not None:
            self._client.close()
            self._client = self._registry = None


def _resource(
    company: _Company, settings: ReplicationSettings, table: Table, history: bool
) -> DltResource:
    """The object's resource: the engine's pages, typed and keyed as its table (with
    ``history``, its versions, deletes and changes too, each to its own table). Every
    item carries its table's hints (:func:`~.destinations.dlt.marked`): a table variant
    of dlt starts from the resource's hints, which would give the history's tables the
    object's."""

    def pages() -> Iterator[Any]:
        yield from _read(company, settings, table, _History(table) if history else None)

    made: DltResource = dlt.resource(pages, name=table.name.lower(), table_name=table.name)()
    return made


def _hints(table: Table) -> Any:
    """dlt's hints of the object's table: its own (:func:`~.destinations.dlt.resource_hints`),
    a tombstone deleting its row, the latest version of a key winning within a load."""
    hints = resource_hints(table)
    hints["columns"][DELETED_AT]["hard_delete"] = True
    if MODIFIED in table.names:
        hints["columns"][MODIFIED]["dedup_sort"] = "desc"
    return dlt.mark.make_hints(**hints)  # dlt's TypedDicts of hints


def _failing(name: str, error: IntacctError) -> DltResource:
    """The resource of an object that could not be looked up: it fails when run (leave
    it out with ``source.with_resources(...)``)."""

    def pages() -> Iterator[pa.Table]:
        raise IntacctError(f"{name} cannot be read: {error}") from error
        yield  # a generator, for dlt

    return dlt.resource(pages, name=name.lower(), table_name=name)()


def _read(
    company: _Company, settings: ReplicationSettings, table: Table, history: _History | None
) -> Iterator[Any]:
    """The engine's run of ``table``'s object, page by page; its state saved in the
    resource's state after dlt took each page's rows."""
    pipeline = dlt.current.pipeline()
    _refuse_clash(pipeline)
    saved = dlt.current.resource_state()
    start = RunState.from_dict(saved.get(STATE_KEY))  # one that cannot resume: an error now
    deletes = _Deletes(table.name, saved.get(DELETES_KEY), settings.lookback_minutes)
    stored = _Stored.of(pipeline, table)
    if history is not None:
        yield from history.begin(pipeline, stored, saved)
    sink = _Sink(table, stored, deletes, history)
    stop = threading.Event()
    with company.session() as (client, registry):
        engine = threading.Thread(
            target=_engine, args=(client, registry, settings, start, sink, stop),
            name=f"intacct-dlt-{table.name}",
        )  # fmt: skip
        engine.start()
        try:
            while isinstance(item := sink.handoff.take(), _Page):
                yield from item.tables
                # after the yields, so never ahead of the rows dlt took; and dlt keeps
                # resource state only from a whole extract, loaded in the same package as
                # these rows: the destination never holds a state its rows fall short of
                saved[STATE_KEY], saved[DELETES_KEY] = item.state, item.deletes
        finally:  # the generator closed early: the engine stops at its next page
            stop.set()
            sink.handoff.close()
            engine.join()
    _check(table.name, item)


def _refuse_without_views(pipeline: Any) -> None:
    """History needs its view, which a destination without a SQL client (or dlt's
    filesystem) cannot hold: refused, as ``intacct sync --db dlt:filesystem`` refuses it."""
    if not holds_views(pipeline):
        raise ConfigError(
            "history",
            f"is kept through dlt as a view over two tables, which pipeline "
            f"{pipeline.pipeline_name!r}'s destination cannot hold (dlt has no SQL client "
            "for it); load into a database, or leave history out",
        )


class _History:
    """What the resource of an object keeping history loads beside its pages, as
    ``intacct sync --db dlt:…`` loads it: its versions, deletes and AUDITHISTORY's
    changes, each item marked with its table's hints (:func:`~.destinations.dlt.resource_hints`)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.hints = {
            t.name: dlt.mark.make_hints(**resource_hints(t))  # dlt's TypedDicts of hints
            for t in (versions_table(table), deletes_table(table), CHANGES)
        }
        self.versions_name = versions_table(table).name
        self.deletes_name = deletes_table(table).name

    def begin(self, pipeline: Any, stored: _Stored | None, saved: Any) -> Iterator[Any]:
        """The versions a history begun on a filled table starts from (its stored rows,
        read back once), the table kept for its view (:func:`intacct_history_views`).
        Refused where the view cannot be made."""
        _refuse_without_views(pipeline)
        saved[HISTORY_KEY] = {
            "name": self.table.name, "key": list(self.table.key),
            "columns": [[c.name, c.type] for c in self.table.columns],
        }  # fmt: skip
        if not saved.get(BEGUN_KEY) and stored is not None:
            yield from (self.versions(rows) for rows in stored.every_row())
        saved[BEGUN_KEY] = True  # kept by dlt only with the extract that yielded them

    def versions(self, typed: pa.Table) -> Any:
        """A page's records (typed, all of them: a version a delete supersedes is one)."""
        return marked(self.hints[self.versions_name], version_rows(self.table, typed))

    def items(self, page: StreamPage) -> list[Any]:
        """The page's deletes and changes (:func:`~.destinations.dlt.delete_rows`,
        :func:`~.destinations.dlt.change_rows`)."""
        rows = [
            (self.deletes_name, delete_rows(self.table, page.tombstones, page.entity)),
            (CHANGES.name, change_rows(self.table, page.changes, page.entity)),
        ]
        return [marked(self.hints[name], found) for name, found in rows if found is not None]


def _refuse_clash(pipeline: Any) -> None:
    """A pipeline whose loads would all fail (:func:`~.destinations.dlt.catalog_clash`) is
    refused while extracting, before its object is read: a failed extract leaves nothing
    pending, where the failed load would leave its package for every later run."""
    try:
        clash = catalog_clash(pipeline)
    except DltException:
        return  # no SQL client to ask: the load says what is wrong
    if clash is not None:
        raise DestinationError(
            f"pipeline {pipeline.pipeline_name!r}: {clash}; give the dataset a name other "
            "than the file's (dlt names the file after the pipeline: docs/destinations.md's "
            'dlt.pipeline("intacct_pipeline", destination="duckdb", dataset_name="intacct"))'
        )


def _engine(
    client: IntacctClient,
    registry: ObjectRegistry,
    settings: ReplicationSettings,
    start: RunState,
    sink: _Sink,
    stop: threading.Event,
) -> None:
    """The engine's run of the sink's object (on its own thread: the engine pushes pages,
    dlt pulls them); its end, the report or the exception, handed over last."""
    outcome: RunReport | BaseException
    try:
        outcome = replicate(
            client, [StreamSpec(sink.table.name)], sink=sink, state=start,
            settings=settings, registry=registry, stop=stop,
        )  # fmt: skip
    except _ClosedError:
        return
    except BaseException as exc:  # noqa: BLE001 - raised again on dlt's side
        outcome = exc
    with contextlib.suppress(_ClosedError):
        sink.handoff.give(outcome)


def _check(name: str, outcome: Any) -> None:
    """The engine's end: its error raised, a failed stream's too (dlt then keeps none of
    this run: the next run reads it again)."""
    if isinstance(outcome, BaseException):
        raise outcome
    failed = outcome.failed if isinstance(outcome, RunReport) else []
    if failed:
        where = f" (entity {failed[0].entity})" if failed[0].entity else ""
        raise IntacctError(f"{name}{where} failed: {failed[0].error}") from failed[0].error


@dataclass(frozen=True, slots=True)
class _Page:
    """A page for dlt: its Arrow tables (tombstones, records; with a history, its
    versions, deletes and changes, marked with their tables) and the state after it."""

    tables: list[Any]
    state: dict[str, Any]
    deletes: list[list[Any]]  # _Deletes.kept()


class _ClosedError(Exception):
    """The resource's generator was closed: the engine stops at this page."""


class _Handoff:
    """The engine's delivery thread hands the resource's generator one item at a time:
    a page, then the run's end (its report, or the exception it raised)."""

    def __init__(self) -> None:
        self._ready = threading.Condition()
        self._item: Any = None
        self._closed = False

    def give(self, item: Any) -> None:
        """Wait until the last item was taken, then hand ``item`` over; :class:`_ClosedError`
        once the generator is gone."""
        with self._ready:
            self._ready.wait_for(lambda: self._item is None or self._closed)
            if self._closed:
                raise _ClosedError
            self._item = item
            self._ready.notify_all()

    def take(self) -> Any:
        with self._ready:
            self._ready.wait_for(lambda: self._item is not None)
            item, self._item = self._item, None
            self._ready.notify_all()
            return item

    def close(self) -> None:
        with self._ready:
            self._closed, self._item = True, None
            self._ready.notify_all()


class _Sink:
    """The engine's sink for one resource: each page as Arrow tables (see the module
    docstring for how deletes are kept exact), read back where the destination can."""

    def __init__(
        self, table: Table, stored: _Stored | None, deletes: _Deletes, history: _History | None
    ) -> None:
        self.table, self.stored, self.deleted, self.history = table, stored, deletes, history
        self.hints = _hints(table)
        self.handoff = _Handoff()

    def page(self, page: StreamPage) -> None:
        tables = []
        if page.tombstones and self.table.key:
            tables.append(self._tombstones(page.tombstones, page.entity))
        items = self.history.items(page) if self.history is not None else []
        if page.records:
            typed = arrow_page(self.table, page.records, page.table)
            if self.history is not None:  # every version read, a superseded one too
                items.append(self.history.versions(typed))
            tables.append(self._live(typed))
        items += [marked(self.hints, t) for t in tables if t.num_rows]
        kept = self.deleted.kept(page.state)
        self.handoff.give(_Page(items, page.state, kept))

    def keeps_changes(self, stream: str) -> bool:
        """AUDITHISTORY's changes are wanted with a history (who made each version, the
        changes no read saw: :mod:`intacct.destinations.history`)."""
        return self.history is not None

    def warning(self, stream: str, text: str) -> None:
        log.warning("%s", text)

    def _tombstones(self, tombstones: Sequence[dict[str, Any]], entity: str) -> pa.Table:
        """Rows of the key, the delete time also as WHENMODIFIED (``dedup_sort``), none
        for a stored row modified after the delete."""
        key = self.table.key[0]
        stamp = MODIFIED in self.table.names
        rows = [
            {key: t[key], ENTITY_ID: entity, DELETED_AT: t[DELETED_AT]}
            | ({MODIFIED: t[DELETED_AT]} if stamp else {})
            for t in tombstones
            if key in t
        ]
        page = arrow_page(self.table, rows)
        keys = page.column(key).to_pylist()
        when = dict(zip(keys, page.column(DELETED_AT).to_pylist(), strict=True))
        later = self._modified(set(keys), entity)
        keep = [superseded(later.get(k), when[k]) for k in keys]
        self.deleted.add(entity, when)
        return page.filter(pa.array(keep, pa.bool_()))

    def _modified(self, keys: set[Any], entity: str) -> dict[Any, datetime | None]:
        """The stored WHENMODIFIED of ``keys`` (none where nothing can be read back)."""
        if self.stored is None or MODIFIED not in self.table.names:
            return {}
        key = self.table.key[0]
        rows = self.stored.rows(key, keys, entity, [key, ENTITY_ID, MODIFIED], "its deletes")
        typed = arrow_page(self.table, rows)  # stored times as the page's, aware UTC
        found = zip(typed.column(key).to_pylist(), typed.column(MODIFIED).to_pylist(), strict=True)
        return dict(found)

    def _live(self, typed: pa.Table) -> pa.Table:
        """The page (typed as the table) without the versions a delete read before
        supersedes (:class:`_Deletes`)."""
        if not self.deleted.when or not self.table.key or MODIFIED not in self.table.names:
            return typed
        columns = (typed.column(c).to_pylist() for c in (ENTITY_ID, self.table.key[0], MODIFIED))
        keep = [not self.deleted.supersede(*row) for row in zip(*columns, strict=True)]
        return typed.filter(pa.array(keep, pa.bool_()))

    def stored_versions(
        self, stream: str, entity: str, recordnos: Sequence[int]
    ) -> Mapping[int, str | None] | None:
        """What the destination stores of ``recordnos`` (the lookback window's digest)."""
        if self.stored is None or versioned({stream: self.table}, stream) is None:
            return None
        wanted = set(recordnos)
        rows = self.stored.rows(RECORDNO, wanted, entity, [RECORDNO, MODIFIED], "the lookback")
        return versions((r[RECORDNO], r[MODIFIED]) for r in rows)

    def stored_lines(
        self, stream: str, entity: str, field: str, documents: Sequence[int]
    ) -> Mapping[int, Sequence[Any]] | None:
        """The lines the destination holds of deleted ``documents``."""
        if self.stored is None or lines_table({stream: self.table}, stream, field) is None:
            return None
        key, why = self.table.key[0], "the lines of deleted documents"
        rows = self.stored.rows(field, set(documents), entity, [key, field, DELETED_AT], why)
        return lines_of((r[field], r[key]) for r in rows if r.get(DELETED_AT) is None)


class _Deletes:
    """The deletes a later read may still contradict, by (entity, key): a query can show
    a deleted record's earlier version after AUDITHISTORY showed its delete (Intacct makes
    writes visible late), in this run or a later one, and a hard-deleted row leaves the
    destination nothing to tell it by. Kept in the resource's state until the stream's
    bookmark less the lookback passed them: no later read returns a version that old."""

    def __init__(self, name: str, saved: Any, lookback_minutes: int) -> None:
        self.name, self.lookback = name, timedelta(minutes=lookback_minutes)
        self.when = {(e, k): datetime.fromisoformat(t) for e, k, t in saved or []}

    def add(self, entity: str, deleted: Mapping[Any, datetime]) -> None:
        self.when.update({(entity, key): when for key, when in deleted.items()})

    def supersede(self, entity: str, key: Any, modified: datetime | None) -> bool:
        """Whether a delete read before leaves out this version of the record (one
        modified after it is a record re-created under the same id)."""
        return superseded(modified, self.when.get((entity, key)))

    def kept(self, state: dict[str, Any]) -> list[list[Any]]:
        """Those still to keep after the engine's ``state``, as JSON for dlt's state."""
        if not self.when:
            return []
        run = RunState.from_dict(state)
        out = []
        for (entity, key), when in self.when.items():
            token = run.get(self.name, entity).token
            since = PageToken.parse(token).modified if token else None
            if since is None or when >= since - self.lookback:
                out.append([entity, key, when.isoformat()])
        return out


class _Stored:
    """The pipeline's destination read back, as ``intacct sync --db dlt:…`` reads it.
    Made on dlt's thread as the object's read begins, and read from the engine's: it
    keeps the table's schema as it then stood (:func:`table_schema`: dlt changes the live
    one while it extracts) and dlt's SQL client (made from that live schema too). Nothing
    is loaded while the source is extracted, so the copy is what the destination holds."""

    def __init__(self, pipeline: Any, table: Table, client: Any) -> None:
        self.table, self._client = table, client
        self._schema = table_schema(pipeline.schemas.get(SOURCE), table.name)

    @classmethod
    def of(cls, pipeline: Any, table: Table) -> _Stored | None:
        """None where dlt has no SQL client for the destination (or no destination):
        deleted documents' lines are then said once, the lookback read in full."""
        try:
            client = pipeline.sql_client(SOURCE)
        except DltException:
            return None
        return cls(pipeline, table, client)

    def rows(
        self, by: str, values: set[Any], entity: str, wanted: Sequence[str], purpose: str
    ) -> list[dict[str, Any]]:
        """The stored rows of ``entity`` whose ``by`` is one of ``values``; none before
        the table's first load."""
        with self._reading(purpose), self._client as client:
            return select_stored(client, self._schema, self.table, by, values, entity, wanted)
        return []  # in dlt's schema, not loaded yet (the load that would have failed)

    def every_row(self) -> list[pa.Table]:
        """Every stored row, typed (a history's first versions); none before the table's
        first load."""
        with self._reading("the history's first versions"), self._client as client:
            return select_all(client, self._schema, self.table)
        return []  # in dlt's schema, not loaded yet

    @contextmanager
    def _reading(self, purpose: str) -> Iterator[None]:
        """dlt's errors reading the table back as ours, saying ``purpose``; a table dlt's
        schema has but the destination not yet (the load that would have failed) none."""
        try:
            yield
        except DatabaseUndefinedRelation:
            pass
        except (DltException, OSError) as exc:
            raise DestinationError(
                f"could not read {self.table.name} back from the pipeline's destination "
                f"for {purpose}: {str(exc).strip().splitlines()[0]}"
            ) from None
