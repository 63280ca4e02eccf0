"""The extraction engine: every record of the selected objects exactly once, resumable.

:meth:`Replicator.run` reads each (object, entity) stream through the client's keyset
pager and hands every page to a :class:`Sink` together with the whole run's state after
that page, one page at a time, so a consumer that stores both together resumes exactly
where it stopped, with nothing lost or repeated:

* the first run of an object with WHENMODIFIED notes its newest (WHENMODIFIED, RECORDNO)
  and splits RECORDNO into ranges read in parallel (so one big object uses every
  worker); once every range is read, the stream goes on from that high-water mark;
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
* all streams, ranges and entities share ``max_concurrency`` workers (the client's
  limit is shared by its entity clients too); a throttled answer is retried by the client.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from intacct.errors import GatewayError, IntacctError, ValidationError
from intacct.pagination import Page, PageToken
from intacct.protocol import query as q
from intacct.registry import ObjectInfo, ObjectRegistry
from intacct.replication.deletes import DeleteBookmark, DeletesUnavailableError, iter_tombstones
from intacct.replication.records import to_output
from intacct.replication.settings import ReplicationSettings
from intacct.replication.state import RunState, StreamState

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
#: the bookmark of an object none of whose records had a WHENMODIFIED yet
_BEFORE_ANY = PageToken(_MODIFIED, 0, datetime(1970, 1, 1, tzinfo=UTC))

Progress = Callable[[str, str, int, int], None]  # stream, entity, records, requests


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """One object to extract; ``fields`` None means every field query accepts."""

    object: str
    fields: Sequence[str] | None = None


class Sink(Protocol):
    """Where pages go; called one page at a time, never concurrently."""

    def page(
        self,
        stream: str,
        entity: str,
        records: list[dict[str, Any]],
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
    requests: int = 0
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
        max_concurrency: int = 2,
        page_size: int = 2000,
        progress: Progress | None = None,
        registry: ObjectRegistry | None = None,
    ) -> None:
        self.client = client
        self.settings = settings or ReplicationSettings()
        self.max_concurrency = max(1, max_concurrency)
        self.page_size = page_size
        self.progress = progress
        self.registry = registry or ObjectRegistry(client)
        self.lock = threading.Lock()  # one page at a time reaches the sink and the state
        self._clients: dict[str, IntacctClient] = {"": client}
        self.warned: set[str] = set()

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
        """Plan every (object, entity) stream, then read all their parts on the shared
        workers; each stream's failure is its own."""
        jobs = [(spec, entity) for entity in self.entities() for spec in streams]
        with ThreadPoolExecutor(self.max_concurrency, thread_name_prefix="intacct-rep") as pool:
            plans = list(pool.map(lambda job: _Stream(self, job[0], job[1], state, sink), jobs))
            for plan in plans:
                plan.prepare()
            parts = [(plan, part) for plan in plans for part in plan.parts]
            for future in [pool.submit(plan.attempt, part) for plan, part in parts]:
                future.result()
        for plan in plans:
            plan.finish()
        return RunReport([plan.result for plan in plans])


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
        self.parts: list[Callable[[], None]] = []
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

    def prepare(self) -> None:
        """Deletes, then the record parts: ranges on a first (or full-table) read, else
        the incremental passes."""
        if self.info is None or self.result.error is not None:
            return
        info = self.info
        with self.engine.lock:
            self.current = self.state.get(info.name, self.entity)
        self.fields = list(self.spec.fields or info.queryable_fields)
        try:
            self._deletes()
            if not info.replication_key and self.current.complete:
                self.current.token, self.current.complete, self.current.ranges = None, False, None
            if info.key_field and self.current.ranges is None and self.current.token is None:
                self._plan_ranges()
        except IntacctError as exc:
            self.fail(exc)
            return
        if info.key_field is None:
            self.parts = [self._whole]  # no key to page or range on
        elif self.current.ranges is not None:
            self.parts = [self._range(i) for i in range(len(self.current.ranges))]
        else:
            self.parts = [self._incremental]

    def _plan_ranges(self) -> None:
        """Split RECORDNO into ranges for the workers, after noting the high-water mark;
        an incremental object that fits in a page or two is simply read from the start."""
        info = self._info()
        top, total = self._first(None, [q.Order("RECORDNO", True)])
        if info.replication_key and total <= 2 * self.engine.page_size:
            return  # the incremental passes read it whole: no planning to pay for
        if info.replication_key:
            newest, _ = self._first(q.isnotnull(_MODIFIED), [q.Order(_MODIFIED, True)])
            self.current.high_water = str(_settled(self._token(newest))) if newest else None
        highest = int(top["RECORDNO"]) if top else 0
        count = max(1, highest)
        parts = min(self.engine.max_concurrency * 2, math.ceil(count / self.engine.page_size))
        size = math.ceil(count / max(1, parts))
        self.current.ranges = [
            {"lo": lo, "hi": min(lo + size - 1, highest), "after": None, "done": False}
            for lo in range(1, highest + 1, size)
        ] or [{"lo": 1, "hi": 0, "after": None, "done": False}]
        self.current.ranges[-1]["hi"] = None  # the last range is open: records added now

    def _first(self, where: q.Filter | None, orderby: list[q.Order]) -> tuple[Any, int]:
        """The first record in ``orderby`` order and how many match."""
        info = self._info()
        select = ["RECORDNO", _MODIFIED] if info.replication_key else ["RECORDNO"]
        result = self.client.query(info.name, select, filter=where, orderby=orderby, pagesize=1)
        self.result.requests += 1
        total = result.data.totalcount if result.data and result.data.totalcount else 0
        return (result.records[0] if result.records else None), total

    def _token(self, record: Any) -> PageToken:
        modified = self.formatting.decode_timestamp(record[_MODIFIED])
        return PageToken(_MODIFIED, int(record["RECORDNO"]), modified)

    # -- parts ---------------------------------------------------------------------------

    def attempt(self, part: Callable[[], None]) -> None:
        if self.result.error is not None:
            return
        try:
            part()
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

            self._pass("RECORDNO", after, q.and_(*parts) if len(parts) > 1 else parts[0], save)

        return read

    def _whole(self) -> None:
        """An object without RECORDNO, read whole through readByQuery/readMore every run
        ([U] no such object is known to be large)."""
        info = self._info()
        rows = self.client.iter_read_by_query(info.name, fields=self.fields)
        out = [to_output(info, r, self.formatting, self.entity) for r in rows]
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

    def _start(self, token: str | None) -> PageToken | None:
        """Where to resume: the token, ``lookback_minutes`` earlier for timestamps."""
        if token is None:
            return None
        parsed = PageToken.parse(token)
        minutes = self.engine.settings.lookback_minutes
        if not minutes or parsed.modified is None:
            return parsed
        return PageToken(parsed.key, 0, parsed.modified - timedelta(minutes=minutes))

    def _pass(
        self,
        key: str,
        after: PageToken | str | None,
        where: q.Filter | None,
        save: Callable[[Page], None],
    ) -> None:
        """One keyset pass; refused fields are dropped with a warning and the pass goes
        on from where it stood."""
        while True:
            try:
                self._pages(key, after, where, save)
                return
            except ValidationError as exc:
                self._drop_refused(exc)

    def _pages(
        self,
        key: str,
        after: PageToken | str | None,
        where: q.Filter | None,
        save: Callable[[Page], None],
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
        )
        for page in pages:
            out = [to_output(info, r, self.formatting, self.entity) for r in page.records]
            with self.engine.lock:
                save(page)
                self.result.records += len(out)
                self.result.requests += 1
                self.sink.page(info.name, self.entity, out, [], self.state.snapshot())
            if self.engine.progress:
                self.engine.progress(info.name, self.entity, len(out), self.result.requests)

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
            started = datetime.now(UTC) - CLOCK_MARGIN
            current.deletes = DeleteBookmark(started, "").to_dict()
            return
        if "deletes" in self.engine.warned:
            return
        since = DeleteBookmark.from_dict(current.deletes)
        try:
            for page in iter_tombstones(self.client, info, since, pagesize=self.engine.page_size):
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


def _settled(token: PageToken) -> PageToken:
    """The bookmark to keep after ``token``. WHENMODIFIED has whole seconds: while the
    gateway may still be writing records in the bookmark's second, one written there
    with a smaller RECORDNO would sort before the bookmark and never be read. So a
    recent bookmark (within :data:`CLOCK_MARGIN` of now) keeps only its second: the next
    run reads that second again (its records may come twice, none is lost)."""
    if token.modified is None or token.modified < datetime.now(UTC) - CLOCK_MARGIN:
        return token
    return PageToken(token.key, 0, token.modified)


def _refused(exc: GatewayError) -> set[str]:
    match = _REFUSED.search(str(exc))
    if match is None:
        return set()
    return {name.strip() for name in match.group(1).split(",") if name.strip()}
