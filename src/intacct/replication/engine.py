"""The extraction engine: every record of the selected objects exactly once, resumable.

:meth:`Replicator.run` reads each (object, entity) stream through the client's keyset
pager and hands every page to a :class:`Sink` together with the whole run's state after
that page, one page at a time, so a consumer that stores both together resumes exactly
where it stopped, with nothing lost or repeated:

* objects with WHENMODIFIED are read in (WHENMODIFIED, RECORDNO) order, strictly after the
  bookmark, so rows sharing a timestamp across a page boundary are neither lost nor
  repeated; the pager's second pass reads the records without WHENMODIFIED (real Intacct
  has them) by RECORDNO. ``lookback_minutes`` re-reads a window behind the bookmark;
* objects without WHENMODIFIED are read whole by RECORDNO every run (resumable within it);
* deletes come first, as tombstones from AUDITHISTORY (:mod:`.deletes`), from the second
  run on; without permission on it, one warning per run;
* fields the gateway refuses ("The following fields cannot be queried") are dropped,
  named in a warning, and the stream goes on;
* a stream that fails (permission, unknown object) fails alone: its error is in the
  :class:`RunReport`, the others finish and keep their state;
* all streams and entities share ``max_concurrency`` workers (the client's limit is
  shared by its entity clients too); a throttled answer is retried by the client.

[Not yet: large objects split into RECORDNO ranges read in parallel.]
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from intacct.errors import GatewayError, IntacctError, ValidationError
from intacct.pagination import PageToken
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
#: bookmark starts this far before the run
CLOCK_MARGIN = timedelta(minutes=5)

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
        self._lock = threading.Lock()  # one page at a time reaches the sink and the state
        self._clients: dict[str, IntacctClient] = {"": client}
        self._warned: set[str] = set()

    def entities(self) -> list[str]:
        """The entity ids to read: ``entity_ids`` as configured, every entity of the
        company for ``all``, or the client's own entity ("" = as configured)."""
        wanted = self.settings.entity_ids
        if wanted == ("all",):
            rows = self.client.iter_query("LOCATIONENTITY", ["LOCATIONID"])
            return sorted({r["LOCATIONID"] for r in rows if r.get("LOCATIONID")})
        return list(wanted) or [""]

    def run(self, streams: Sequence[StreamSpec], state: RunState, sink: Sink) -> RunReport:
        jobs = [(spec, entity) for entity in self.entities() for spec in streams]
        with ThreadPoolExecutor(self.max_concurrency, thread_name_prefix="intacct-rep") as pool:
            futures = [pool.submit(self._stream, spec, e, state, sink) for spec, e in jobs]
            return RunReport([f.result() for f in futures])

    # -- one stream ----------------------------------------------------------------------

    def _client(self, entity: str) -> IntacctClient:
        with self._lock:
            if entity not in self._clients:
                self._clients[entity] = self.client.for_entity(entity)
            return self._clients[entity]

    def _stream(self, spec: StreamSpec, entity: str, state: RunState, sink: Sink) -> StreamResult:
        result = StreamResult(spec.object, entity)
        try:
            client = self._client(entity)
            info = self.registry.get(spec.object)
            with self._lock:
                current = state.get(info.name, entity)
            self._deletes(client, info, entity, current, state, sink, result)
            self._records(client, info, spec, entity, current, state, sink, result)
        except IntacctError as exc:
            result.error = exc
            with self._lock:
                sink.warning(spec.object, f"{spec.object}{_where(entity)} failed: {exc}")
        return result

    def _records(
        self,
        client: IntacctClient,
        info: ObjectInfo,
        spec: StreamSpec,
        entity: str,
        current: StreamState,
        state: RunState,
        sink: Sink,
        result: StreamResult,
    ) -> None:
        fields = list(spec.fields or info.queryable_fields)
        read = _Reader(self, client, info, entity, state, sink, result)
        if not info.replication_key:  # full table every run, resumable within it
            if current.complete:
                current.token, current.complete = None, False
            fields = read.pass_(fields, "RECORDNO", current.token, None, "token", "complete")
            return
        after = self._start(current.token)
        fields = read.pass_(fields, "WHENMODIFIED", after, None, "token", None)
        if not current.nulls_done:  # records without WHENMODIFIED: once, by RECORDNO
            read.pass_(fields, "RECORDNO", current.nulls, _NO_MODIFIED, "nulls", "nulls_done")

    def _start(self, token: str | None) -> PageToken | None:
        """Where to resume: the token, ``lookback_minutes`` earlier for timestamps."""
        if token is None:
            return None
        parsed = PageToken.parse(token)
        minutes = self.settings.lookback_minutes
        if not minutes or parsed.modified is None or parsed.unmodified:
            return parsed
        return PageToken(parsed.key, 0, parsed.modified - timedelta(minutes=minutes))

    def _deletes(
        self,
        client: IntacctClient,
        info: ObjectInfo,
        entity: str,
        current: StreamState,
        state: RunState,
        sink: Sink,
        result: StreamResult,
    ) -> None:
        """Tombstones since the last run; the first run only sets the bookmark."""
        if current.deletes is None:
            started = datetime.now(UTC) - CLOCK_MARGIN
            current.deletes = DeleteBookmark(started, "").to_dict()
            return
        if "deletes" in self._warned:
            return
        since = DeleteBookmark.from_dict(current.deletes)
        try:
            for page in iter_tombstones(client, info, since, pagesize=self.page_size):
                with self._lock:
                    if page.after is not None:
                        current.deletes = page.after.to_dict()
                    result.tombstones += len(page.tombstones)
                    result.requests += 1
                    sink.page(info.name, entity, [], page.tombstones, state.snapshot())
        except DeletesUnavailableError as exc:
            with self._lock:
                if "deletes" not in self._warned:
                    self._warned.add("deletes")
                    sink.warning(info.name, f"deletes are not read in this run: {exc}")


_NO_MODIFIED = q.isnull("WHENMODIFIED")


class _Reader:
    """One stream's passes: pages to the sink with the state after each."""

    def __init__(
        self,
        engine: Replicator,
        client: IntacctClient,
        info: ObjectInfo,
        entity: str,
        state: RunState,
        sink: Sink,
        result: StreamResult,
    ) -> None:
        self.engine, self.client, self.info, self.entity = engine, client, info, entity
        self.state, self.sink, self.result = state, sink, result
        self.current = state.get(info.name, entity)
        self.formatting = client.user_formatting()

    def pass_(
        self,
        fields: list[str],
        key: str,
        after: PageToken | str | None,
        where: q.Filter | None,
        position: str,
        done: str | None,
    ) -> list[str]:
        """Read one keyset pass from ``after``, keeping its place in ``current.<position>``
        (and ``<done>`` at its end); refused fields are dropped with a warning. Returns
        the fields that are kept."""
        while True:
            try:
                self._pages(fields, key, after, where, position, done)
                return fields
            except ValidationError as exc:
                fields = self._without_refused(fields, exc)
                after = getattr(self.current, position)

    def _pages(
        self,
        fields: list[str],
        key: str,
        after: PageToken | str | None,
        where: q.Filter | None,
        position: str,
        done: str | None,
    ) -> None:
        pages = self.client.iter_pages(
            self.info.name,
            fields,
            key=key,
            filter=where,
            pagesize=self.engine.page_size,
            after=after,
            unmodified=False,
        )
        for page in pages:
            out = [to_output(self.info, r, self.formatting, self.entity) for r in page.records]
            with self.engine._lock:
                if page.after is not None:
                    setattr(self.current, position, str(page.after))
                if done is not None and page.last:
                    setattr(self.current, done, True)
                self.result.records += len(out)
                self.result.requests += 1
                self.sink.page(self.info.name, self.entity, out, [], self.state.snapshot())
            if self.engine.progress:
                self.engine.progress(self.info.name, self.entity, len(out), self.result.requests)

    def _without_refused(self, fields: list[str], exc: ValidationError) -> list[str]:
        refused = _refused(exc)
        kept = [f for f in fields if f not in refused]
        if not refused or len(kept) == len(fields) or not kept:
            raise exc
        with self.engine._lock:
            self.sink.warning(
                self.info.name,
                f"{self.info.name}: the gateway refuses to query "
                f"{', '.join(sorted(refused))}; those fields are left out",
            )
        return kept


def _refused(exc: GatewayError) -> set[str]:
    match = _REFUSED.search(str(exc))
    if match is None:
        return set()
    return {name.strip() for name in match.group(1).split(",") if name.strip()}


def _where(entity: str) -> str:
    return f" (entity {entity})" if entity else ""
