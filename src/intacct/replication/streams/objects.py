"""An Intacct object's stream: every record of one (object, entity) exactly once,
resumable (the rules are in :mod:`.engine`'s docstring).

:class:`ObjectStream` plans a first read (RECORDNO ranges, :mod:`.planning`), reads a
later run's deletes (:mod:`.deletes`), its lookback window's stale records and the
changes after its bookmark (the probe and the window: :mod:`.changes`, :mod:`.window`),
reads objects without WHENMODIFIED whole, and hands each page, typed, to the sink with
the state after it, on the run's delivery thread (:class:`~.context.RunContext`). A
large first read may go through one Data Delivery Service job instead, and a later
run's many changes through one DDS change job (:mod:`.dds`).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from intacct.client.pagination import Page, PageToken, resume_token
from intacct.client.registry import ObjectInfo
from intacct.errors import FieldsRefusedError, IntacctError
from intacct.protocol import functions as fn
from intacct.protocol import query as q
from intacct.protocol.columns import Columns
from intacct.protocol.response import Result
from intacct.replication.contract import (
    Sink,
    StreamPage,
    StreamResult,
    StreamSpec,
    keeps_changes,
    stored_lines,
)
from intacct.replication.records.columnar import ColumnTyper, Records
from intacct.replication.records.typed import Typer
from intacct.replication.run.context import RunContext
from intacct.replication.run.cost import metered, run_part
from intacct.replication.state.runstate import RunState, StreamState
from intacct.replication.streams.audit import ANY, Change
from intacct.replication.streams.changes import CLOCK_MARGIN, ChangeQuestions
from intacct.replication.streams.dds import DdsLoad
from intacct.replication.streams.deletes import (
    AUDIT_OBJECT,
    DELETED_AT,
    OWNERS,
    DeleteBookmark,
    DeletesUnavailableError,
    iter_tombstones,
)
from intacct.replication.streams.planning import (
    Answer,
    boundary_query,
    ranges_between,
)
from intacct.replication.streams.route import PENDING, Route

__all__ = ["CLOCK_MARGIN", "ObjectStream", "Typed"]

#: a page's records as the engine types them (or the error typing them met)
Typed = list[dict[str, Any]] | Records | IntacctError

_MODIFIED = "WHENMODIFIED"
_NO_MODIFIED = q.isnull(_MODIFIED)
_MODIFIED_SET = q.isnotnull(_MODIFIED)
#: the bookmark of an object none of whose records had a WHENMODIFIED yet
_BEFORE_ANY = PageToken(
    _MODIFIED,
    0,
    datetime(1970, 1, 1, tzinfo=UTC),
    wall=datetime(1970, 1, 1),  # noqa: DTZ001 - the user's wall clock, naive by contract
)


def object_subjects(name: str) -> frozenset[str]:
    """The audit trail's names whose rows make object ``name``'s stream read: its own,
    a line object's documents' (:data:`~.deletes.OWNERS`), every row for AUDITHISTORY."""
    if name == AUDIT_OBJECT:
        return frozenset({ANY})
    return frozenset({name, *OWNERS.get(name, ())})


class ObjectStream(ChangeQuestions):
    """One (object, entity) stream: its plan, its parts, its state and its result."""

    def __init__(
        self, context: RunContext, spec: StreamSpec, entity: str, state: RunState, sink: Sink
    ) -> None:
        self.context, self.spec, self.entity, self.state, self.sink = (
            context,
            spec,
            entity,
            state,
            sink,
        )
        self.result = StreamResult(spec.object, entity)
        self.parts: list[tuple[Callable[[], None], float]] = []  # (part, records guessed)
        self._offsets: list[int] = []  # where the planned ranges after the first start
        self.planning = False  # a first or full-table read: the engine plans it
        self.kind = ""  # prepare() tells: first, incremental, resume, whole
        self.typer: Typer | None = None
        self.column_typer: ColumnTyper | None = None
        self.total = 0  # records counted when planned
        self.info: ObjectInfo | None = None
        self.fields: list[str] = []
        self.current = StreamState()  # the state's own entry, from prepare() on
        #: a full-table object read whole last time: its token then (prepare starts it
        #: over; a quiet run puts it back, :meth:`quiet`)
        self._completed: tuple[str | None] | None = None
        #: deletes to read before anything else (:meth:`read_deletes_first`)
        self.deletes_first = False
        self._route = Route("xml", "api xml")  # set by :func:`~.kinds.open_stream`
        #: a first read through DDS where it is configured (:mod:`.dds`)
        self.dds: DdsLoad | None = DdsLoad(self) if context.settings.dds_target else None
        #: the moment its records are as of where not the run's (a DDS job's read:
        #: :class:`~..run.watch.ReadAsOf`)
        self.as_of: datetime | None = None
        #: the keys this run's deletes (AUDITHISTORY) tombstoned, at the audit trail's
        #: times: a DDS change job's delete files tombstone the others (:mod:`.dds`)
        self.tombstoned: set[Any] = set()
        try:
            self.client = context.client_for(entity)
            self.info = context.registry.get(spec.object)
            self.formatting = self.client.user_formatting()
        except IntacctError as exc:
            self.fail(exc)

    @property
    def route(self) -> Route:
        """The API its records go through, and why (:mod:`.route`); its result says it."""
        return self._route

    @route.setter
    def route(self, route: Route) -> None:
        self._route = route
        self.result.route = str(route)

    @property
    def page_size(self) -> int:
        """Records in one page of its records' reads (its ranges are planned in them)."""
        return self.context.settings.page_size

    def counted(self, records: int) -> None:
        """Its route settled by the ``records`` it will read: a first read's through DDS
        where it pays, a later run's changes through a DDS change job where they cost
        more pages than the job (:mod:`.dds`), an ``auto`` candidate's through REST
        (:class:`~.rest.RestObjectStream`); XML's is known from the start."""
        if self.dds is None or not self._info().replication_key:
            return
        if self.kind == "first":
            route = self.dds.route(records)
        elif self.kind == "incremental" and self.current.token is not None:
            route = self.dds.change_route(records)
        else:
            return
        # DDS ruled out, an ``auto`` candidate is still REST's to decide
        if route is not None and (route.api == "dds" or self.route != PENDING):
            self.route = route
            if route.api != "dds" and self.kind == "first":  # the summary says why not
                self.result.why = self.result.why or route.why

    def named(self, rows: Sequence[Change]) -> bool:
        """The audit trail named it (:meth:`ChangeQuestions.named`); its route counted by
        the creates and modifications the trail listed of it (about the records to
        read: one changed twice is listed twice), or by their count where a DDS change
        job may take them (a line named by its document's is not counted otherwise)."""
        super().named(rows)
        if not self.told or not self.reads_changes():
            return True
        own = self._info().name
        listed = sum(1 for row in rows if row.object == own and not row.deleted)
        if self.dds is not None and self.dds.asks_count(listed):
            try:
                listed = self.dds.count_changes()
            except IntacctError:
                return True  # uncounted: read as before (the pass meets the error again)
        if listed:
            self.counted(listed)
        return True

    def probed(self, replies: list[Answer]) -> None:
        """The probe's answers (:meth:`ChangeQuestions.probed`); its route counted by the
        changes it counted, even where another of its questions failed (the deletes'
        AUDITHISTORY refused: a DDS change job's delete files still tell them)."""
        super().probed(replies)
        changed = self.probe_counts[0]
        first = replies[0] if replies and changed is None else None
        if isinstance(first, Result) and first.ok and first.data is not None:
            changed = first.data.totalcount
        if changed is not None:  # a later run: the changes (else the route stays XML's)
            self.counted(changed)

    @property
    def ranged(self) -> int:
        """The records its first read reads in RECORDNO ranges: none through DDS."""
        return 0 if self.route.api == "dds" else self.total

    # -- planning ------------------------------------------------------------------------

    def prepare(self, dry: bool = False) -> None:
        """Deletes, then what the records need: planning for a first (or full-table)
        read, else the incremental passes; ``dry`` (an estimate) reads nothing. ``kind``
        says which: first, incremental, resume (a read stopped halfway) or whole."""
        if self.info is None or self.result.error is not None:
            return
        info = self.info
        with self.context.lock:
            self.current = self.state.get(info.name, self.entity)
        self.fields = list(self.spec.fields or info.queryable_fields)
        if not info.replication_key and self.current.complete:
            self._completed = (self.current.token,)
            self.current.token, self.current.complete, self.current.ranges = None, False, None
        job = (self.current.dds or {}).get("job")
        if job is not None and self.dds is None:
            # DDS no longer configured: a first read starts over, paged; a change job's
            # changes are paged from the bookmark, which it had not moved yet
            self.current.dds = None
            job = None
        loading = job is not None and info.key_field is not None
        if (
            not loading
            and info.key_field
            and self.current.ranges is None
            and self.current.token is not None
        ):
            self.parts = [(self._changes, 0)]  # a later run: first probed (the engine probes it)
            self.kind = "incremental"
            self.open_window(dry)
            return
        self.deletes_first = not dry  # read by the engine once the question settled it
        if info.key_field is None:
            self.parts, self.kind = [(self._whole, 0)], "whole"  # no key to page or range on
        elif self.dds is not None and job is not None:
            self.parts, self.kind = [(self.dds.part, 0)], "dds"  # a DDS load stopped halfway
            kind = (self.current.dds or {}).get("type", "")
            self.route = Route("dds", f"goes on with job {job}", kind)
        elif self.current.ranges is not None:  # a read stopped halfway: go on with it
            self.parts = [(self._range(i), 0) for i in range(len(self.current.ranges))]
            self.kind = "resume"
        elif self.current.token is None and not self._from_start_date():
            self.planning, self.kind = True, "first"
        else:
            self.parts, self.kind = [(self._incremental, 0)], "incremental"

    def read_deletes_first(self) -> None:
        """A read other than a later run's changes reads its deletes before anything
        else (a first run only sets their bookmark); after the audit trail's question,
        so a quiet stream reads none."""
        if not self.deletes_first or self.result.error is not None or self.kind == "quiet":
            return
        self.deletes_first = False
        try:
            metered(self.client, self.result, self.context.lock, self._deletes)
        except IntacctError as exc:
            self.fail(exc)

    # -- the audit trail's question (:mod:`..run.watch`) --------------------------------

    def subjects(self) -> frozenset[str]:
        """The object, and a line object's documents (their deletes take its lines);
        AUDITHISTORY read as an object changes with every row."""
        return object_subjects(self.spec.object)

    def steady(self) -> bool:
        """A later run of changes after known bookmarks, an object without RECORDNO, or
        a full-table object read whole last time: what the question may leave quiet."""
        if self.info is None or self.result.error is not None:
            return False
        if self.kind == "incremental":
            return self.probing()
        return self.kind == "whole" or self._completed is not None

    def quiet(self) -> None:
        """Nothing to read this run; a full-table object stays read whole."""
        self.parts, self.planning, self.kind = [], False, "quiet"
        if self._completed is not None:
            self.current.token, self.current.complete = self._completed[0], True

    def rule(self) -> str:
        owners = OWNERS.get(self.spec.object)
        if owners:
            return f"read when the audit trail lists it or its {' or '.join(owners)}"
        if self.info is not None and not self.info.replication_key:
            return "no change time: read whole when the audit trail lists it"
        return "read when the audit trail lists it"

    def _changes(self) -> None:
        """A later run's part: the deletes since the last run, the lookback window's
        stale records (:mod:`.window`), then the changes."""
        if self.dds is not None:
            self.dds.say()
        if self.reads_deletes():
            self._deletes()
        if not (self.reads_whole_on_change() and self.reads_changes()):
            self.digest()  # a whole read covers the window
        if self.route.api == "dds" and self.dds is not None and self.dds.changes():
            return  # the changes came through a DDS change job (or it failed the stream)
        self._incremental()

    def _from_start_date(self) -> bool:
        """A first run with ``start_date`` reads what changed since then, in order
        (records without WHENMODIFIED too: when they changed is unknown)."""
        start = self.context.settings.start_date
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
            calls.append(self._newest_query())
        return calls

    def _newest_query(self) -> fn.Query:
        newest = [q.Order(_MODIFIED, True), q.Order("RECORDNO", True)]
        select = ["RECORDNO", _MODIFIED]
        return fn.Query(self._info().name, select, filter=_MODIFIED_SET, orderby=newest, pagesize=1)

    def newest_bookmark(self) -> str | None:
        """The bookmark after the newest (WHENMODIFIED, RECORDNO) the gateway lists now
        (one query; None: no record has a WHENMODIFIED)."""
        newest = self.client.call(self._newest_query()).records
        return str(_settled(self._token(newest[0]))) if newest else None

    def plan(self, replies: list[Answer]) -> None:
        top = _answer(replies[0])
        self.total = (top.data.totalcount if top.data else None) or len(top.records)
        if self.info and self.info.replication_key:
            newest = _answer(replies[1]).records
            self.current.high_water = str(_settled(self._token(newest[0]))) if newest else None
        self.counted(self.total)  # a first read: every record

    def boundary_calls(self, offsets: list[int]) -> list[fn.Function]:
        """The questions for the RECORDNO at each of ``offsets`` (:func:`range_offsets`)."""
        self._offsets = offsets
        if self.route.api == "dds":
            return []  # one job, no range
        return [boundary_query(self._info().name, offset) for offset in offsets]

    def split(self, replies: list[Answer]) -> None:
        """Ranges starting at the boundaries (records written since planning shift them
        a little; the ranges still cover every RECORDNO); none for an empty object."""
        if self.dds is not None and self.route.api == "dds":
            self.parts = [(self.dds.part, float(self.total))]
            return
        if self.total == 0:
            self.current.ranges = []
            return
        starts = [int(r["RECORDNO"]) for reply in replies for r in _answer(reply).records]
        self.current.ranges = ranges_between(starts)
        count = len(self.current.ranges)
        bounds = [0, *self._offsets, self.total]
        sizes = [float(b - a) for a, b in itertools.pairwise(bounds)]
        if len(sizes) != count:  # records deleted since planning merged two boundaries
            sizes = [self.total / count] * count
        self.parts = [(self._range(i), size) for i, size in enumerate(sizes)]

    def _token(self, record: Any) -> PageToken:
        wall = self.formatting.decode_datetime(record[_MODIFIED])
        assert wall is not None  # the query asked for records with a WHENMODIFIED
        modified = self.formatting.to_utc(wall)
        return PageToken(_MODIFIED, int(record["RECORDNO"]), modified, wall=wall)

    # -- parts ---------------------------------------------------------------------------

    def attempt(self, part: Callable[[], None]) -> None:
        run_part(self, part)

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
                self.current.touched()  # changed in place

            where = q.and_(*parts) if len(parts) > 1 else parts[0]
            self._pass("RECORDNO", after, where, save, first_read=True)

        return read

    def _whole(self) -> None:
        """An object without RECORDNO, read whole through readByQuery/readMore every run
        ([U] no such object is known to be large)."""
        info = self._info()
        rows = self.client.iter_read_by_query(info.name, fields=self.fields)
        out = [self._typer()(r) for r in rows]
        with self.context.lock:
            self.result.records += len(out)
            self.result.requests += 1 + len(out) // self.context.settings.page_size
            self.sink.page(StreamPage(info.name, self.entity, out, [], self.state.snapshot()))

    def _incremental(self) -> None:
        info = self._info()
        if not info.replication_key:
            return
        current = self.current

        def save_modified(page: Page) -> None:
            if page.after is not None:
                current.token = str(_settled(page.after))

        if self.reads_changes():
            self._pass(_MODIFIED, self.start_token(), None, save_modified)
        if not current.nulls_done:  # records without WHENMODIFIED: once, by RECORDNO

            def save_nulls(page: Page) -> None:
                if page.after is not None:
                    current.nulls = str(page.after)
                current.nulls_done = page.last

            self._pass("RECORDNO", current.nulls, _NO_MODIFIED, save_nulls)

    def _start(self, token: str | None) -> PageToken | None:
        """Where to resume: the token (before a repeated hour it falls in:
        :func:`resume_token`), ``lookback_minutes`` of the user's wall clock earlier."""
        if token is None:
            return None
        parsed = resume_token(PageToken.parse(token), self.formatting)
        minutes = self.context.settings.lookback_minutes
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
        sink most likely has not stored (:class:`~.contract.StreamPage`)."""
        while True:
            try:
                self._pages(key, after, where, save, first_read)
                return
            except FieldsRefusedError as exc:
                self._drop_refused(exc)

    def _pages(
        self,
        key: str,
        after: PageToken | str | None,
        where: q.Filter | None,
        save: Callable[[Page], None],
        first_read: bool,
    ) -> None:
        """Each page of the pass, typed, handed to the delivery thread in order."""
        for page, out in self._read(key, after, where):
            deliver = functools.partial(self._deliver, page, out, save, first_read)
            self.context.deliver(deliver)
            if isinstance(out, IntacctError):
                return
            del page, out, deliver  # not held here while the next page is asked for

    def _read(
        self, key: str, after: PageToken | str | None, where: q.Filter | None
    ) -> Iterator[tuple[Page, Typed]]:
        """The pass's pages (their tokens; the records gone) with their typed records,
        or the error typing them met (the stream fails once the pages before it are
        stored); none once the stream failed or the run stopped."""
        pages = self.client.iter_pages(
            self._info().name,
            self.fields,
            key=key,
            filter=where,
            pagesize=self.context.settings.page_size,
            after=after,
            unmodified=False,
            columnar=self.context.settings.columnar,
        )
        for page in pages:
            if self.result.error is not None or self.context.stopped:
                return
            # typed here, before waiting for the delivery thread: a waiting page holds
            # its typed records, not the answer they were read from (~5 MB)
            try:
                out: Typed = self._typed(page)
            except IntacctError as exc:
                out = exc
            done = replace(page, rows=[])
            del page
            yield done, out
            del done, out

    def _deliver(
        self,
        page: Page,
        out: Typed,
        save: Callable[[Page], None],
        first_read: bool,
    ) -> None:
        """Hand a page's typed records to the sink with the state after them (on the
        delivery thread, in the order the pages came); ``page`` keeps its token."""
        if self.result.error is not None:
            return  # the stream failed: what it read after that is not its state
        info = self._info()
        if isinstance(out, IntacctError):
            self.fail(out)
            return
        with self.context.lock:
            if self.context.stopped:
                return  # stopped: neither stored nor told
            save(page)
            self.result.records += len(out)
            self.result.requests += 1
            table = out.table if isinstance(out, Records) else None
            snapshot = self.state.snapshot()
            self.sink.page(StreamPage(info.name, self.entity, out, [], snapshot, table, first_read))
        if self.context.progress:
            self.context.progress(
                info.name, self.entity, len(out), self.result.requests, page.bytes
            )

    def _typed(self, page: Page) -> list[dict[str, Any]] | Records:
        """The page's records typed: in bulk where the fast path vouches for every
        value (:mod:`.columnar`), else record by record."""
        if page.columns is not None:
            typed = self.typed_columns(page.columns)
            if typed is not None:
                return typed
        return self.typed_records(page.records)

    def typed_columns(self, columns: Columns) -> Records | None:
        """Columns of the gateway's text typed in bulk; None where the fast path does not
        vouch for every value (then :meth:`typed_records`)."""
        if self.column_typer is None:
            self.column_typer = ColumnTyper(self._info(), self.formatting, self.entity)
        table = self.column_typer(columns)
        return None if table is None else self.column_typer.records(columns, table)

    def typed_records(self, records: Iterable[Mapping[str, str]]) -> list[dict[str, Any]]:
        """Records of the gateway's text typed one by one."""
        typer = self._typer()
        return [typer(r) for r in records]

    def _drop_refused(self, exc: FieldsRefusedError) -> None:
        refused = exc.fields
        with self.context.lock:
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
        if "deletes" in self.context.warned:
            return
        since = DeleteBookmark.from_dict(current.deletes)
        try:
            changes = keeps_changes(self.sink, info.name)
            for page in iter_tombstones(
                self.client, info, since, pagesize=self.context.settings.page_size,
                changes=changes, lookback=self.lookback,
            ):  # fmt: skip
                if self.context.stopped:
                    return
                with self.context.lock:
                    if page.after is not None:
                        current.deletes = page.after.to_dict()
                    tombstones = page.tombstones + self._lines_of(page.documents)
                    if self.dds is not None:  # kept for a DDS change job's deletes
                        key = info.id_field or "RECORDNO"
                        self.tombstoned.update(t[key] for t in tombstones if key in t)
                    self.result.tombstones += len(tombstones)
                    self.result.requests += 1
                    snapshot = self.state.snapshot()
                    self.sink.page(StreamPage(
                        info.name, self.entity, [], tombstones, snapshot, changes=page.changes
                    ))  # fmt: skip
        except DeletesUnavailableError as exc:
            with self.context.lock:
                if "deletes" not in self.context.warned:
                    self.context.warned.add("deletes")
                    self.sink.warning(info.name, f"deletes are not read in this run: {exc}")

    def _lines_of(self, documents: Sequence[tuple[str, int, str]]) -> list[dict[str, Any]]:
        """Tombstones of the lines the sink holds of deleted ``documents`` (a line object's
        owners: :data:`~.deletes.OWNERS`), each with its owner's delete time. Called under
        the lock."""
        info, out = self._info(), []
        key = info.id_field or "RECORDNO"
        for owner, field in OWNERS.get(info.name, {}).items():
            deleted = {number: when for kind, number, when in documents if kind == owner}
            if not deleted:
                continue
            held = stored_lines(self.sink, info.name, self.entity, field, list(deleted))
            if held is None:
                self._cannot_name_lines(owner, field)
                continue
            out += [
                {key: line, DELETED_AT: deleted[n]} for n, lines in held.items() for line in lines
            ]
        return out

    def _cannot_name_lines(self, owner: str, field: str) -> None:
        name = self._info().name
        if f"lines:{name}" in self.context.warned:  # once a run
            return
        self.context.warned.add(f"lines:{name}")
        self.sink.warning(
            name,
            f"{name}: the lines of deleted {owner} records are not marked deleted: "
            "AUDITHISTORY names the document alone and this destination cannot say which "
            f"lines it holds (join {name}.{field} to {owner} to leave them out)",
        )

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
        with self.context.lock:
            if self.info.replication_key:
                # every record so far is read, those without WHENMODIFIED included
                current.token = self.first_bookmark()
                current.nulls_done = True
            else:
                current.complete = True
            current.ranges, current.high_water = None, None
            current.dds = None  # a DDS failure paged over: forgotten
            self.sink.page(StreamPage(self.info.name, self.entity, [], [], self.state.snapshot()))

    def first_bookmark(self) -> str:
        """Where a finished first read goes on from: the newest change it planned at."""
        return self.current.high_water or str(_BEFORE_ANY)

    def fail(self, exc: IntacctError) -> None:
        self.context.fail(self.result, self.sink, self.spec.object, exc)

    def described(self) -> ObjectInfo:
        """The object's description (the stream did not fail looking it up)."""
        return self._info()

    def _info(self) -> ObjectInfo:
        assert self.info is not None
        return self.info

    def _typer(self) -> Typer:
        if self.typer is None:  # the workers ask: a second one made in a race is the same
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
