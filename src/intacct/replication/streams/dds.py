"""A first read through Sage's Data Delivery Service (DDS): one job exports the object,
its CSV files land in the same tables, typed the same, as paging would land them
(docs/engine.md, "Bulk reads through DDS").

Which reads: :mod:`.route` (a first read, or one after ``--full-refresh``, at the top
level, of an object the company's DDS serves, counted at ``dds_min_records`` or more).
How, exactly once and resumable:

* the job: ``runDdsJob`` once (:func:`~intacct.client.dds.start_job`); its RECORDNO is
  stored with the state (``dds.job``) in a page of its own before any wait, so a run
  stopped while the job runs goes on waiting for that job and never starts a second;
* the wait: the DDSJOB read under the client's one retry policy, with growing pauses
  (``dds_polling``); the run's stop ends it (the job goes on in Intacct), and a wait that
  runs out fails the stream, its job kept for the next run;
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
"""

from __future__ import annotations

import functools
import time
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from intacct.client.dds import check_completed, start_job, wait_for_job
from intacct.client.pagination import PageToken
from intacct.errors import DdsError, DdsFileError, DdsJobPendingError, IntacctError
from intacct.protocol import functions as fn
from intacct.protocol.columns import Columns
from intacct.protocol.dds import DdsJob, GetDdsObjects, RunDdsJob, parse_dds_objects
from intacct.replication.contract import StreamPage
from intacct.replication.streams.changes import CLOCK_MARGIN
from intacct.replication.streams.route import Route, by_dds, dds_refused

if TYPE_CHECKING:
    import pyarrow as pa

    from intacct.client.dds_files import StorageTarget
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
    """The DDS side of one object stream's first read: its route, then its one part."""

    def __init__(self, stream: ObjectStream) -> None:
        self.stream = stream
        self.settings = stream.context.settings
        self.decided = False

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
        try:
            job = self._job()
        except DdsJobPendingError:
            raise  # the job goes on: the next run waits for it again
        except DdsError as exc:
            self._fail(exc)
            return
        if job is None:  # stopped while waiting
            return
        try:
            self._load(job)
        except DdsJobPendingError:
            raise
        except IntacctError as exc:  # a file, the storage, or a value no typer takes
            self._fail(exc)

    def _job(self) -> DdsJob | None:
        stream, polling = self.stream, self.settings.dds_polling
        recordno = (stream.current.dds or {}).get("job")
        try:
            if recordno is None:
                queued = start_job(
                    stream.client, RunDdsJob(stream.spec.object, self.settings.dds_target, "all")
                )
                if not self._keep({"job": queued.recordno, "file": 0, "rows": 0}):
                    return None
                if queued.done:
                    return check_completed(queued)
                recordno = queued.recordno
                self._sleep(polling.first_s)
            return wait_for_job(stream.client, recordno, polling, sleep=self._sleep)
        except _StoppedError:
            return None

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
        """The job's files from where the state says they stand, each block a page."""
        from intacct.client.dds_files import DdsReader  # pyarrow and fsspec: only here

        stream, info = self.stream, self.stream.described()
        entry = dict(stream.current.dds or {})
        first, skip = entry.get("file", 0), entry.get("rows", 0)
        read = _instant(entry.get("read"))
        left = replace(job, files=job.files[first:])
        reader = DdsReader(
            left, self._target(), [f.name for f in info.model.fields], info.id_field or "RECORDNO"
        )
        index, name, rows = first, None, 0
        for part in reader.batches():
            if stream.result.error is not None or stream.context.stopped:
                return
            if part.file != name:  # by its place in FILELIST: a file of no row yields none
                index, name, rows = job.files.index(part.file, first), part.file, 0
            if part.deletes:
                raise _deletes_in_all_job(job, part.file)
            batch, rows = part.batch, rows + part.batch.num_rows
            if index == first and skip > rows - batch.num_rows:  # loaded by an earlier run
                batch = batch.slice(skip - (rows - batch.num_rows))
            if not batch.num_rows:
                continue
            read = _earlier(read, _earliest(job, part.file, batch))
            progress = {"job": job.recordno, "file": index, "rows": rows}
            if read is not None:
                progress["read"] = read.isoformat()
            stream.context.deliver(functools.partial(self._page, self._typed(batch), progress))
        stream.context.deliver(functools.partial(self._done, read))

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

    def _page(self, out: list[dict[str, Any]] | Records, progress: dict[str, Any]) -> None:
        """On the delivery thread: a block's rows with the state saying how far the files
        are loaded."""
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
            stream.sink.page(StreamPage(name, stream.entity, out, [], snapshot, table, True))
        if stream.context.progress:
            nbytes = int(table.nbytes) if table is not None else 0
            stream.context.progress(name, stream.entity, len(out), stream.result.requests, nbytes)

    def _done(self, read: datetime | None) -> None:
        """On the delivery thread, after the last block: the stream goes on from the
        earliest ``ddsReadTime`` less the clock margin (else from the plan's newest
        change), its records without WHENMODIFIED read with the rest."""
        stream = self.stream
        if stream.result.error is not None:
            return
        with stream.context.lock:
            if stream.context.stopped:
                return
            current = stream.current
            current.token = _bookmark(stream, read) if read else stream.first_bookmark()
            stream.as_of = read  # accounted for up to the job's read (run.watch)
            current.nulls_done, current.high_water, current.dds = True, None, None
            snapshot = stream.state.snapshot()
            stream.sink.page(StreamPage(stream.spec.object, stream.entity, [], [], snapshot))

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
        raise DdsFileError(
            f"DDS job {job.recordno} ({job.ddsjob or job.object}): file {file} has a "
            f"{_READ_TIME} that is no ISO 8601 time with its offset",
            recordno=job.recordno,
            object=job.object,
            file=file,
            problem="truncated",
        ) from None
    return min((t for t in times if t is not None), default=None)


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
