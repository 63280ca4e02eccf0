"""Reads through Sage's Data Delivery Service (DDS): one job exports the object (a first
read) or its changes (a later run), its CSV files land in the same tables, typed the
same, as paging would land them (docs/engine.md, "Bulk reads through DDS").

Which reads: :mod:`.route` (a first read, or one after ``--full-refresh``, at the top
level, of an object the company's DDS serves, counted at ``dds_min_records`` or more; a
later run's changes where paging them costs more than a change job, and the object's
last DDS job was ours). How, exactly once and resumable:

* the job: ``runDdsJob`` once (:func:`~intacct.client.dds.start_job`); its RECORDNO is
  stored with the state (``dds.job``) in a page of its own before any wait, so a run
  stopped while the job runs goes on waiting for that job and never starts a second;
* the wait: the DDSJOB read under the client's one retry policy, with growing pauses
  (``dds_polling``), ``dds_max_wait_s`` in all; the run's stop ends it (the job goes on
  in Intacct), and a wait that runs out fails the stream, its job kept for the next run;
* the files (:class:`~intacct.client.dds_files.DdsReader`, a block at a time): each
  block's rows typed as an XML page's text is typed (the same column and record typers),
  handed to the sink as a first read's page with the state saying how far the files are
  loaded (``file``, ``rows``), so a run stopped between pages goes on from there;
* the bookmark: once everything is loaded, the stream goes on from the earliest
  ``ddsReadTime`` loaded less the clock margin, with the lookback every bookmark has; a
  record changed while the job read comes again (an upsert), none is lost. [U]
  ``ddsReadTime`` is UTC and every record stamped before it is in the files (the
  emulator writes it so; Sage's pages say only that it is when the record was read).

A job that fails, a file missing, truncated or with another header, a value no typer
takes, storage refusing the credentials: the stream fails alone with an error naming the
job and the file; the pages stored stay, and its state says ``failed`` so the next run
pages the object (its route and the dry run say why).

**Change jobs** (``jobType`` change). DDS exports "records changed since the last run"
[V] of the object, whoever ran that job: another consumer's job in between would take
the changes before it away from ours, silently. So a change job is run only where the
state keeps ``last``, the object's last DDS job, ours and loaded whole (its RECORDNO,
DDSJOB id and ``ddsReadTime``), and a ``query`` of the object's latest DDSJOB (one API
transaction, when the count says the job pays) finds it still the latest; the job
queued, a RECORDNO other than the next one after it is checked again (the jobs
queued in between, one more transaction), since a job queued meanwhile would run
first [U: DDSJOB's RECORDNO rises in the order jobs are queued, and jobs run in that
order; the emulator's do]. Another job found: the chain is broken (``last``
forgotten), the route says so and the changes are paged. The change job replaces the
changes pass alone: the deletes (AUDITHISTORY: a line deleted with its document is in
no delete file [U]) and the lookback window's digest (a write visible late [U]) are
read as before. Its records files land as pages of upserts; its delete files' keys
become tombstones through the one tombstone rule (the sink's), at their ``ddsReadTime``
([U] the file says when the record was read, not when deleted: every version stored
before is older), in the state page that moves the bookmark, except a key the same job
exports live (a business id deleted and re-created: the record lives). So a stopped
load reads the files before its place again for their keys alone (no page, no API
transaction).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Collection
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from intacct.client.dds import check_completed, start_job, wait_for_job
from intacct.client.pagination import PageToken
from intacct.errors import DdsError, DdsFileError, DdsJobPendingError, IntacctError
from intacct.protocol import functions as fn
from intacct.protocol import query as q
from intacct.protocol.columns import Columns
from intacct.protocol.dds import (
    DdsJob,
    GetDdsObjects,
    RunDdsJob,
    parse_dds_job,
    parse_dds_objects,
    query_dds_jobs,
)
from intacct.replication.contract import StreamPage
from intacct.replication.records.typed import iso_utc
from intacct.replication.run.cost import metered
from intacct.replication.streams.changes import CLOCK_MARGIN
from intacct.replication.streams.deletes import DELETED_AT, tombstone_key
from intacct.replication.streams.route import Route, by_dds, by_dds_change, dds_refused

if TYPE_CHECKING:
    import pyarrow as pa

    from intacct.client.dds_files import StorageTarget
    from intacct.client.registry import ObjectInfo
    from intacct.replication.records.columnar import Records
    from intacct.replication.run.context import RunContext
    from intacct.replication.streams.objects import ObjectStream

__all__ = ["DdsLoad", "has_entities", "served_objects"]

_MODIFIED = "WHENMODIFIED"
_READ_TIME = "ddsReadTime"
#: how often a pause between polls looks at the run's stop
_WAKE_S = 0.5


class _StoppedError(Exception):
    """The run stopped while a job was waited for: the job goes on, its RECORDNO kept."""


def served_objects(context: RunContext) -> frozenset[str] | IntacctError:
    """The objects the company's DDS exports (``getDdsObjects``: [U] unbilled, as the
    emulator has it), asked once per run and only by a first read DDS may take; the
    error where it is refused (no subscription)."""

    def ask() -> frozenset[str] | IntacctError:
        try:
            return frozenset(parse_dds_objects(context.client.call(GetDdsObjects()).records))
        except IntacctError as exc:
            return exc

    return context.once("dds objects", ask)


def has_entities(context: RunContext) -> bool | IntacctError:
    """Whether the company has entities (one LOCATIONENTITY question, one API
    transaction, asked once per run and only by a first read DDS would take). A DDS job
    exports from the top level with every entity's records (as the emulator has it; Sage
    says only that data is always extracted from the top level [U]), where a read at the
    top level reads its own: in a multi-entity company the two differ, so it is paged."""

    def ask() -> bool | IntacctError:
        try:
            found = context.client.call(fn.Query("LOCATIONENTITY", ["LOCATIONID"], pagesize=1))
        except IntacctError as exc:
            return exc
        return bool(found.records)

    return context.once("has entities", ask)


class DdsLoad:
    """The DDS side of one object stream: a first read's route and its one part, or a
    later run's route and its change job."""

    def __init__(self, stream: ObjectStream) -> None:
        self.stream = stream
        self.settings = stream.context.settings
        self.decided = False
        #: the object's latest DDSJOB RECORDNO when the check found it ours (a change job
        #: queued as the next one after it needs no second look)
        self.latest: int | None = None
        #: counts of the changes asked to choose a change job (a run's, priced by the dry run)
        self.asked = 0
        #: a later run's DDS route, said with why the stream reads (:meth:`say`)
        self.said = ""

    # -- the route -----------------------------------------------------------------------

    def route(self, records: int) -> Route | None:
        """The first read's route once its ``records`` are counted (None: DDS plays no
        part: fewer records than ``dds_min_records``); decided once."""
        if self.decided:
            return None
        self.decided = True
        found = by_dds(records, self.settings.page_size, self.settings.dds_min_records)
        if found is None:
            return None
        why = self._ruled_out()
        return dds_refused(why) if why else found

    def change_route(self, records: int) -> Route | None:
        """A later run's route once its changed ``records`` are counted: a change job
        where paging them costs more (:func:`~.route.by_dds_change`) and the object's
        last DDS job is still ours (one query, asked only then); None where DDS plays no
        part (paging costs no more); decided once."""
        if self.decided:
            return None
        self.decided = True
        found = by_dds_change(records, self.stream.page_size, self.settings.dds_min_records)
        if found is None or not self.stream.current.nulls_done:
            return None  # records without WHENMODIFIED: their pass reads them by RECORDNO
        entry = self.stream.current.dds or {}
        if entry.get("failed"):
            route = dds_refused(f"DDS failed: {entry['failed']}")
            self.said = str(route)
            return route
        last = entry.get("last")
        if last is None:
            name = self.stream.spec.object
            route = dds_refused(f"DDS: no DDS job of ours to take {name}'s changes after")
            self.said = str(route)
            return route
        why = self._ruled_out() or self._not_ours(int(last["job"]))
        route = dds_refused(why) if why else found
        self.said = str(route)
        return route

    def say(self) -> None:
        """A later run's DDS route told with why its stream reads (the audit trail named
        it, it was due...), as its summary shows it; once."""
        stream, said = self.stream, self.said
        self.said = ""
        if said:
            with stream.context.lock:
                stream.result.why = "; ".join(w for w in (stream.result.why, said) if w)

    def asks_count(self, listed: int) -> bool:
        """Whether a stream the audit trail named with ``listed`` creates and
        modifications of its own asks how many records changed: where a change job may
        take them (its last DDS job ours) and the trail does not tell (a line named by
        its document's) or tells enough to pay (one record listed twice counts twice)."""
        stream = self.stream
        if not stream.current.nulls_done or "last" not in (stream.current.dds or {}):
            return False
        least = self.settings.dds_min_records
        return not listed or by_dds_change(listed, stream.page_size, least) is not None

    def count_changes(self) -> int:
        """How many records the changes pass would read (one query, one API transaction,
        on the stream's cost)."""
        stream = self.stream
        start = stream.start_token()
        assert start is not None  # a later run has its bookmark
        counting = stream.count_changed(start)
        answer: list[int] = []

        def ask() -> None:
            data = stream.client.call(counting).data
            answer.append((data.totalcount if data else None) or 0)

        metered(stream.client, stream.result, stream.context.lock, ask)
        self.asked += 1
        return answer[0]

    def _not_ours(self, ours: int) -> str | None:
        """Why a change job would not take the changes after our job ``ours`` (another
        job of the object queued since: one query of DDSJOB), or None; the chain broken,
        ``last`` is forgotten (a later run pages without asking)."""
        name = self.stream.spec.object
        newest = [q.Order("RECORDNO", True)]
        where = q.equalto("OBJECT", name)
        try:
            found = self._jobs(query_dds_jobs(where, newest, pagesize=1))
        except IntacctError as exc:
            return f"DDS: the object's last job could not be read ({type(exc).__name__})"
        if found and found[0].recordno == ours:
            self.latest = ours
            return None
        other = found[0] if found else None
        why = (
            f"another DDS job ({other.recordno}, {other.ddsjob or other.job_type}) ran for "
            f"{name} after ours ({ours})"
            if other is not None
            else f"DDS lists no job of {name}, not even ours ({ours})"
        )
        self._forget_last()
        return why

    def _jobs(self, query: fn.Query) -> list[DdsJob]:
        """DDSJOB records of ``query``, typed, its cost on the stream's."""
        stream, out = self.stream, list[DdsJob]()

        def ask() -> None:
            out.extend(parse_dds_job(r) for r in stream.client.call(query).records)

        metered(stream.client, stream.result, stream.context.lock, ask)
        return out

    def _forget_last(self) -> None:
        stream = self.stream
        with stream.context.lock:
            entry = {k: v for k, v in (stream.current.dds or {}).items() if k != "last"}
            stream.current.dds = entry or None

    def _ruled_out(self) -> str | None:
        stream = self.stream
        failed = (stream.current.dds or {}).get("failed")
        if failed:
            return f"DDS failed last run: {failed}"
        if not self.settings.dds_bucket:
            return "DDS: dds_bucket not set"
        if stream.entity or stream.client.config.entity_id:
            return "DDS exports the top level only"
        served = served_objects(stream.context)
        if isinstance(served, IntacctError):
            self._say_unavailable(served)
            return "DDS unavailable to the company"
        if stream.spec.object not in served:
            return f"DDS does not serve {stream.spec.object}"
        entities = has_entities(stream.context)
        if isinstance(entities, IntacctError):
            return "DDS: whether the company has entities is unknown"
        if entities:
            return "DDS exports every entity's records, the top level reads its own"
        return None

    def _say_unavailable(self, exc: IntacctError) -> None:
        context = self.stream.context
        with context.lock:
            if "dds" not in context.warned:
                context.warned.add("dds")
                self.stream.sink.warning(
                    self.stream.spec.object, f"DDS is not used in this run: {exc}"
                )

    # -- the part ------------------------------------------------------------------------

    def part(self) -> None:
        """Start or pick up the job, wait for it, load its files, set the bookmark."""
        self._run(lambda: self._start("all", {}))

    def changes(self) -> bool:
        """A later run's changes through a change job (the stream's deletes and window
        read before, as ever): True once it took them (or failed the stream, or the run
        stopped); False where a job queued just before ours was found (the chain broken,
        said in the route): the caller pages them."""
        stream = self.stream
        last = (stream.current.dds or {}).get("last")
        why = "DDS: no DDS job of ours" if last is None else None
        if last is not None and self.latest is None:  # not checked yet
            why = self._not_ours(int(last["job"]))
        if why is not None:
            self._refuse(why)
            return False
        self._run(lambda: self._start("change", {"type": "change", "last": last}))
        return stream.route.api == "dds"

    def _run(self, start: Callable[[], DdsJob | None]) -> None:
        try:
            job = self._job(start)
        except DdsJobPendingError:
            raise  # the job goes on: the next run waits for it again
        except DdsError as exc:
            self._fail(exc)
            return
        if job is None:  # stopped while waiting, or a change job given up
            return
        try:
            self._load(job)
        except DdsJobPendingError:
            raise
        except IntacctError as exc:  # a file, the storage, or a value no typer takes
            self._fail(exc)

    def _job(self, start: Callable[[], DdsJob | None]) -> DdsJob | None:
        """The job the state names (a later run picks it up), else one started now."""
        stream, polling = self.stream, self.settings.dds_wait
        recordno = (stream.current.dds or {}).get("job")
        try:
            if recordno is None:
                queued = start()
                if queued is None:
                    return None
                if queued.done:
                    return check_completed(queued)
                recordno = queued.recordno
                self._sleep(polling.first_s)
            return wait_for_job(stream.client, recordno, polling, sleep=self._sleep)
        except _StoppedError:
            return None

    def _start(self, job_type: str, entry: dict[str, Any]) -> DdsJob | None:
        """``runDdsJob`` once; its RECORDNO kept with the state before any wait (None:
        the run stopped, or a change job found another queued before it)."""
        stream = self.stream
        queued = start_job(
            stream.client, RunDdsJob(stream.spec.object, self.settings.dds_target, job_type)
        )
        if job_type == "change" and not self._next_after_ours(queued.recordno):
            return None
        if not self._keep({"job": queued.recordno, "file": 0, "rows": 0, **entry}):
            return None
        return queued

    def _next_after_ours(self, recordno: int) -> bool:
        """Whether the change job ``recordno`` runs right after the job the check found
        ours: at once where it is the next RECORDNO, else by a query of the object's
        jobs in between (one API transaction). One found: the route says so, ``last``
        is forgotten and the changes are paged (the job queued runs in Intacct, unread)."""
        ours, name = self.latest, self.stream.spec.object
        if ours is None:
            return False
        if recordno == ours + 1:
            return True
        between = q.and_(
            q.equalto("OBJECT", name),
            q.greaterthan("RECORDNO", ours),
            q.lessthan("RECORDNO", recordno),
        )
        try:
            found = self._jobs(query_dds_jobs(between, pagesize=1))
        except IntacctError as exc:
            why = f"DDS: the jobs queued before ours could not be read ({type(exc).__name__})"
        else:
            if not found:
                return True
            other = found[0]
            why = (
                f"another DDS job ({other.recordno}, {other.ddsjob or other.job_type}) was "
                f"queued for {name} before ours ({recordno})"
            )
        self._forget_last()
        self._refuse(why)
        return False

    def _refuse(self, why: str) -> None:
        """The change job given up in the part: its changes paged, and why said."""
        stream = self.stream
        with stream.context.lock:
            stream.route = dds_refused(why)
            stream.result.why = f"{stream.result.why}; {stream.route}".lstrip("; ")

    def _keep(self, entry: dict[str, Any]) -> bool:
        """The job's RECORDNO stored with the state, in a page of its own, before it is
        waited for (False: the run stopped; nothing stored)."""
        stream = self.stream
        with stream.context.lock:
            if stream.context.stopped:
                return False
            stream.current.dds = entry
            snapshot = stream.state.snapshot()
            stream.sink.page(StreamPage(stream.spec.object, stream.entity, [], [], snapshot))
        return True

    def _sleep(self, seconds: float) -> None:
        """A pause between polls that ends with the run (the job is left to run)."""
        context = self.stream.context
        end = time.monotonic() + seconds
        while not context.stopped:
            left = end - time.monotonic()
            if left <= 0:
                return
            if context.stop is not None:
                context.stop.wait(min(left, _WAKE_S))
            else:
                time.sleep(min(left, _WAKE_S))
        raise _StoppedError

    def _load(self, job: DdsJob) -> None:
        """The job's files from where the state says they stand, each block a page; a
        change job's from the first (the keys of what was loaded: :class:`_Deletes`)."""
        from intacct.client.dds_files import DdsReader  # pyarrow and fsspec: only here

        stream, info = self.stream, self.stream.described()
        entry = dict(stream.current.dds or {})
        first, skip = entry.get("file", 0), entry.get("rows", 0)
        read = _instant(entry.get("read"))
        change = job.job_type == "change"
        kept: dict[str, Any] = {k: entry[k] for k in ("type", "last") if k in entry}
        start = 0 if change else first
        key = info.id_field or "RECORDNO"
        left = replace(job, files=job.files[start:])
        reader = DdsReader(left, self._target(), [f.name for f in info.model.fields], key)
        deletes = _Deletes(key, reusable=bool(info.id_field))
        index, name, rows = start, None, 0
        for part in reader.batches():
            if stream.result.error is not None or stream.context.stopped:
                return
            if part.file != name:  # by its place in FILELIST: a file of no row yields none
                index, name, rows = job.files.index(part.file, start), part.file, 0
            batch, rows = part.batch, rows + part.batch.num_rows
            if part.deletes:
                if not change:
                    raise _deletes_in_all_job(job, part.file)
                deletes.add(job, part.file, batch)
                read = _earlier(read, _earliest(job, part.file, batch))
                continue
            if change:
                deletes.live(batch)
            before = rows - batch.num_rows
            if index < first or (index == first and skip >= rows):
                continue  # loaded by an earlier run (a change job's keys alone are read)
            if index == first and skip > before:
                batch = batch.slice(skip - before)
            read = _earlier(read, _earliest(job, part.file, batch))
            progress: dict[str, Any] = {**kept, "job": job.recordno, "file": index, "rows": rows}
            if read is not None:
                progress["read"] = read.isoformat()
            typed = self._typed(batch)
            stream.context.deliver(functools.partial(self._page, typed, progress, not change))
        tombstones = deletes.tombstones(info, stream.tombstoned)
        stream.context.deliver(functools.partial(self._done, job, read, tombstones))

    def _typed(self, batch: pa.RecordBatch) -> list[dict[str, Any]] | Records:
        """A block's rows typed as an XML page's text is: the stream's fields, an empty
        value null (an empty element), in bulk where the fast path vouches for it."""
        import pyarrow as pa
        import pyarrow.compute as pc

        stream = self.stream
        table = pa.Table.from_batches([batch]).select(stream.fields)
        empty = pa.scalar(None, pa.string())
        arrays = [pc.if_else(pc.equal(column, ""), empty, column) for column in table.columns]
        columns = Columns(stream.spec.object, pa.table(arrays, names=stream.fields), b"")
        typed = stream.typed_columns(columns) if self.settings.columnar else None
        if typed is not None:
            return typed
        return stream.typed_records(columns.texts(stream.fields))

    def _page(
        self, out: list[dict[str, Any]] | Records, progress: dict[str, Any], first: bool
    ) -> None:
        """On the delivery thread: a block's rows with the state saying how far the files
        are loaded (``first``: a first read's, most likely not stored yet)."""
        stream = self.stream
        if stream.result.error is not None:
            return
        table = getattr(out, "table", None)
        with stream.context.lock:
            if stream.context.stopped:
                return
            stream.current.dds = progress
            stream.result.records += len(out)
            snapshot = stream.state.snapshot()
            name = stream.spec.object
            stream.sink.page(StreamPage(name, stream.entity, out, [], snapshot, table, first))
        if stream.context.progress:
            nbytes = int(table.nbytes) if table is not None else 0
            stream.context.progress(name, stream.entity, len(out), stream.result.requests, nbytes)

    def _done(self, job: DdsJob, read: datetime | None, tombstones: list[dict[str, Any]]) -> None:
        """On the delivery thread, after the last block: the stream goes on from the
        earliest ``ddsReadTime`` less the clock margin (else, a first read from the
        plan's newest change, a change job of no record from where it stood), its
        records without WHENMODIFIED read with the rest; the job is the object's last,
        ours; a change job's deletes are tombstones of this page."""
        stream = self.stream
        if stream.result.error is not None:
            return
        change = job.job_type == "change"
        with stream.context.lock:
            if stream.context.stopped:
                return
            current = stream.current
            if read is not None:
                current.token = _bookmark(stream, read)
            elif not change:
                current.token = stream.first_bookmark()
            stream.as_of = read  # accounted for up to the job's read (run.watch)
            if not change:
                current.nulls_done, current.high_water = True, None
            last: dict[str, Any] = {"job": job.recordno, "ddsjob": job.ddsjob}
            if read is not None:
                last["read"] = read.isoformat()
            current.dds = {"last": last}
            stream.result.tombstones += len(tombstones)
            snapshot = stream.state.snapshot()
            name = stream.spec.object
            stream.sink.page(StreamPage(name, stream.entity, [], tombstones, snapshot))

    def _fail(self, exc: IntacctError) -> None:
        """The stream fails after the pages queued before it are stored, its state saying
        DDS failed (the next run pages the object)."""
        self.stream.context.deliver(functools.partial(self._failed, exc))

    def _failed(self, exc: IntacctError) -> None:
        stream = self.stream
        with stream.context.lock:
            if stream.result.error is None and not stream.context.stopped:
                stream.current.dds = {"failed": _short(exc)}
                snapshot = stream.state.snapshot()
                stream.sink.page(StreamPage(stream.spec.object, stream.entity, [], [], snapshot))
        stream.fail(exc)

    def _target(self) -> StorageTarget:
        from intacct.client.dds_files import StorageTarget

        s = self.settings
        return StorageTarget(
            "azure" if s.dds_storage == "azure" else "s3",
            s.dds_bucket,
            s.dds_prefix,
            endpoint_url=s.dds_endpoint_url or None,
            region=s.dds_region or None,
            account_name=s.dds_account_name or None,
        )


class _Deletes:
    """A change job's deleted records, by key, and (for reusable business ids) the keys
    the job exports live: a key both deleted and live was deleted, then created again
    under the same id, before the job read it, so it is no delete ([U] Sage's delete
    files name the key alone; the emulator's name the object's id field, else RECORDNO).
    RECORDNOs are never reused: their live keys are not kept."""

    def __init__(self, key: str, *, reusable: bool) -> None:
        self.key, self.reusable = key, reusable
        self.gone: dict[str, datetime] = {}
        self.alive: set[str] = set()

    def add(self, job: DdsJob, file: str, batch: pa.RecordBatch) -> None:
        keys = batch.column(batch.schema.get_field_index(self.key)).to_pylist()
        times = batch.column(batch.schema.get_field_index(_READ_TIME)).to_pylist()
        for key, text in zip(keys, times, strict=True):
            if not key:
                continue
            try:
                when = _instant(text)
            except ValueError:
                raise _no_read_time(job, file) from None
            if when is not None:
                self.gone[key] = when

    def live(self, batch: pa.RecordBatch) -> None:
        if self.reusable:
            column = batch.column(batch.schema.get_field_index(self.key))
            self.alive.update(k for k in column.to_pylist() if k)

    def tombstones(self, info: ObjectInfo, known: Collection[Any]) -> list[dict[str, Any]]:
        """The deletes as tombstones of the one rule: the key as the audit trail's
        deletes name it (:func:`~.deletes.tombstone_key`), deleted by the job's read;
        none for the keys ``known`` (this run's deletes tombstoned them at the audit
        trail's time, the delete's own: a later one would move it)."""
        out = []
        for text, when in self.gone.items():
            named = None if text in self.alive else tombstone_key(info, text)
            if named is not None and named[1] not in known:
                out.append({named[0]: named[1], DELETED_AT: iso_utc(when)})
        return out


def _bookmark(stream: ObjectStream, read: datetime) -> str:
    """The bookmark after a load read at ``read``: less the clock margin, on the user's
    earliest wall clock then (DST-safe as every bookmark: a zone known only by its
    offset now is taken the largest shift early)."""
    since = read - CLOCK_MARGIN
    return str(PageToken(_MODIFIED, 0, since, wall=stream.formatting.earliest_wall(since)))


def _earliest(job: DdsJob, file: str, batch: pa.RecordBatch) -> datetime | None:
    """The earliest ``ddsReadTime`` of a block ([U] ISO 8601 with its offset)."""
    texts = batch.column(batch.schema.get_field_index(_READ_TIME)).unique().to_pylist()
    try:
        times = [_instant(text) for text in texts if text]
    except ValueError:
        raise _no_read_time(job, file) from None
    return min((t for t in times if t is not None), default=None)


def _no_read_time(job: DdsJob, file: str) -> DdsFileError:
    return DdsFileError(
        f"DDS job {job.recordno} ({job.ddsjob or job.object}): file {file} has a "
        f"{_READ_TIME} that is no ISO 8601 time with its offset",
        recordno=job.recordno,
        object=job.object,
        file=file,
        problem="truncated",
    )


def _instant(text: str | None) -> datetime | None:
    """An ISO 8601 time with its offset (ValueError: none, or no offset)."""
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(text)
    return moment


def _earlier(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _deletes_in_all_job(job: DdsJob, file: str) -> DdsFileError:
    return DdsFileError(
        f"DDS job {job.recordno} ({job.ddsjob or job.object}): file {file} holds deleted "
        "records, which a job of all records does not export",
        recordno=job.recordno,
        object=job.object,
        file=file,
        problem="header",
    )


def _short(exc: IntacctError) -> str:
    """Why DDS failed, as the state keeps it (the error's own words: no credential)."""
    text = str(exc)
    return text if len(text) <= 300 else text[:297] + "..."
