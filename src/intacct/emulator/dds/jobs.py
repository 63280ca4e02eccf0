"""DDS jobs: queued by ``runDdsJob``, moved on by the emulator's clock, read as DDSJOB
records through the gateway's ``read``, ``readByQuery`` and ``query``.

A job is ``Queued`` for ``queue_s`` after it was queued, then ``Processing`` for
``run_s``, then ``Completed`` with FILELIST naming its files, or ``Failed`` with an
ERROR [U: the statuses after Queued are those of Intacct's own PHP toolkit; the pace is
ours]. Nothing runs in the background: the company's jobs move on when the gateway is
asked about DDS (any DDSJOB read, ``runDdsJob``), by the time on the emulator's clock,
so a test moves the clock (``/_emulator/clock``) instead of waiting, and a client must
poll. A job reads the company's records when it starts (its STARTTIME: the first such
request after its queue time) and writes its files then; [U] a company's jobs run one
at a time, in the order they were queued.

What a job exports, as the overview says [V]: an ``all`` job every record of the
object, at the top level (every entity's records: DDS "is not configured separately for
entities"); a ``change`` job the records created or changed since the object's previous
job (or since its ``timeStamp``), each with ``ddsChangeType``, and the records deleted
since, in a file of their own. The change tracking is the store's own: WHENCREATED and
WHENMODIFIED of the records, and the deletes the audit trail (AUDITHISTORY) holds.

[U] Choices of ours: the previous job is the object's latest one that started and did not
fail; a record changed in the second the previous job read the records comes again;
a ``change`` job with no previous job and no ``timeStamp`` exports every record as a
create; a ``timeStamp`` without an offset is UTC; an object without WHENMODIFIED has
every record in a change job, as updates; a delete the audit trail does not hold (an
object the ``audit`` control leaves out, the lines deleted with their document) is not
in a change job; an ``all`` job's RECORDSCREATED is the records it exported;
SUBSCRIPTIONKEY is empty (no scheduled subscription) and DDSHISTORYKEY the job's
RECORDNO; the files go to ``<bucket>/<prefix>/<COMPANY>/`` (the layout singer-io's
tap-intacct reads DDS files from) and FILELIST names them relative to the prefix
(``DEMO/VENDOR.all….csv``), comma-separated.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from intacct.emulator.catalog import ObjectDef
from intacct.emulator.dds import files
from intacct.emulator.dds.files import FileSettings, Part
from intacct.emulator.dds.objects import DDSJOB
from intacct.emulator.dds.state import DataDelivery, JobRequest, Plan
from intacct.emulator.dds.storage import StorageError, write_files
from intacct.emulator.store import Scope, Store, User
from intacct.emulator.values import wall_clock

__all__ = [
    "COMPLETED",
    "FAILED",
    "PROCESSING",
    "QUEUED",
    "DataDelivery",
    "JobRequest",
    "advance",
    "queue",
]

QUEUED, PROCESSING, COMPLETED, FAILED = "Queued", "Processing", "Completed", "Failed"
_CHUNK = 5_000  # records read at a time


def _stored(moment: datetime, zone: str) -> str:
    return wall_clock(zone, moment).strftime("%Y-%m-%d %H:%M:%S")


def _zone(store: Store, company: str) -> str:
    found = store.company(company)
    return found.timezone if found is not None else "UTC"


def queue(store: Store, scope: Scope, request: JobRequest) -> dict[str, Any]:
    """Queue a job (the company's earlier ones moved on first); its DDSJOB record."""
    dds: DataDelivery = store.dds
    with dds.lock:
        advance(store, scope.company)
        now = store.clock.now()
        recordno = store.next_recordno(scope.company, DDSJOB)
        stamp = now.astimezone(UTC).replace(microsecond=0)
        row: dict[str, Any] = {
            "RECORDNO": recordno,
            "DDSJOB": f"{request.object};{request.job_type};{stamp.isoformat()}",
            "OBJECT": request.object,
            "JOBTYPE": request.job_type,
            "SUBSCRIPTIONKEY": None,
            "QUEUETIME": _stored(now, _zone(store, scope.company)),
            "STARTTIME": None,
            "ENDTIME": None,
            "RECORDSCREATED": 0,
            "RECORDSUPDATED": 0,
            "RECORDSDELETED": 0,
            "STATUS": QUEUED,
            "ERROR": None,
            "FILELIST": None,
            "DDSHISTORYKEY": recordno,
        }
        store.bulk_insert(scope.company, "", DDSJOB.name, [row])
        queue_s, _, _ = dds.settings.pace()
        due = now + timedelta(seconds=queue_s)
        dds.plans[scope.company, recordno] = Plan(request, scope.user.userid, due)
        return row


def advance(store: Store, company: str) -> None:
    """Move the company's unfinished jobs on to where the emulator's clock says they are."""
    dds: DataDelivery = store.dds
    with dds.lock:
        now = store.clock.now()
        busy = False
        for row in _unfinished(store, company):
            recordno = int(row["RECORDNO"])
            plan = dds.plans.get((company, recordno))
            if plan is None:  # the emulator restarted (--db): its plan is gone
                _fail(store, company, recordno, now, "The job was interrupted. Run it again.")
            elif row["STATUS"] == PROCESSING:
                if plan.ends is not None and now >= plan.ends:
                    _update(store, company, recordno, STATUS=COMPLETED, ENDTIME=_at(store,
                            company, plan.ends), FILELIST=",".join(plan.files))  # fmt: skip
                    dds.plans.pop((company, recordno), None)
                else:
                    busy = True
            elif not busy and now >= plan.due:
                busy = _start(store, company, recordno, plan, now)


def _at(store: Store, company: str, moment: datetime) -> str:
    return _stored(moment, _zone(store, company))


def _unfinished(store: Store, company: str) -> list[dict[str, Any]]:
    scope = _job_scope(store, company)
    if scope is None:
        return []
    return store.rows(
        DDSJOB,
        scope,
        ["RECORDNO", "STATUS"],
        '"STATUS" IN (?, ?)',
        [QUEUED, PROCESSING],
        'ORDER BY "RECORDNO"',
    )


def _job_scope(store: Store, company: str, userid: str | None = None) -> Scope | None:
    """The top level of ``company``, every entity's records: as ``userid`` (the job's
    user, who must still exist), or as the service itself to keep the DDSJOB rows."""
    user = store.user(company, userid) if userid else User(company, "DDS", 0)
    if user is None:
        return None
    return Scope(company, "", user, showprivate=True, replica=userid is not None)


def _update(store: Store, company: str, recordno: int, **values: Any) -> None:
    scope = _job_scope(store, company)
    if scope is None:
        return
    with store.transaction():
        store.records.update(DDSJOB, scope, recordno, values, audited=False)


def _fail(store: Store, company: str, recordno: int, now: datetime, error: str) -> None:
    at = _at(store, company, now)
    _update(store, company, recordno, STATUS=FAILED, STARTTIME=at, ENDTIME=at, ERROR=error)
    store.dds.plans.pop((company, recordno), None)


def _start(store: Store, company: str, recordno: int, plan: Plan, now: datetime) -> bool:
    """Run the job now: read the records, write the files; True if it is processing."""
    dds: DataDelivery = store.dds
    request = plan.request
    obj = store.catalog.get_object(request.object)
    target = dds.settings.target(company, request.target)
    scope = _job_scope(store, company, plan.userid)
    if dds.settings.take_failure(company):
        error = f"The DDS job for {request.object} could not be run. Run it again later."
    elif target is None:
        error = f"Cloud storage target '{request.target}' is not defined."
    elif obj is None or scope is None:
        error = f"The object {request.object} or the job's user no longer exists."
    else:
        error = ""
    if error or target is None or obj is None or scope is None:
        _fail(store, company, recordno, now, error)
        return False
    _, run_s, split = dds.settings.pace()
    settings = request.files or FileSettings(split_size=split)
    read_at = _at(store, company, now)
    since = request.since or (_previous_start(store, scope, request.object, recordno))
    stamp = now.astimezone(UTC).replace(microsecond=0)
    counts = _Counts()
    parts = _export(store, scope, obj, request.job_type, since, stamp.isoformat(), settings,
                    counts)  # fmt: skip
    names: list[str] = []

    def written() -> Iterator[tuple[str, bytes]]:  # a file at a time: never the export whole
        made = files.named_files(
            obj.name, stamp.strftime("%Y%m%dT%H%M%SZ"), recordno, parts, settings
        )
        for name, content in made:
            names.append(name)
            yield name, content

    try:
        write_files(target, company, written())
    except StorageError as exc:
        _fail(store, company, recordno, now, str(exc))
        return False
    _update(store, company, recordno, STATUS=PROCESSING, STARTTIME=read_at,
            RECORDSCREATED=counts.created, RECORDSUPDATED=counts.updated,
            RECORDSDELETED=counts.deleted)  # fmt: skip
    plan.ends = now + timedelta(seconds=run_s)
    plan.files = tuple(f"{company}/{name}" for name in names)
    return True


def _previous_start(store: Store, scope: Scope, obj: str, recordno: int) -> str | None:
    """When the object's previous job (started, not failed) read the records."""
    rows = store.rows(
        DDSJOB,
        Scope(scope.company, "", scope.user, showprivate=True),
        ["STARTTIME"],
        '"OBJECT" = ? AND "RECORDNO" < ? AND "STATUS" IN (?, ?)',
        [obj, recordno, PROCESSING, COMPLETED],
        'ORDER BY "RECORDNO" DESC',
        limit=1,
    )
    return str(rows[0]["STARTTIME"]) if rows and rows[0]["STARTTIME"] else None


@dataclass(slots=True)
class _Counts:
    """A job's RECORDSCREATED, RECORDSUPDATED and RECORDSDELETED, counted as it exports."""

    created: int = 0
    updated: int = 0
    deleted: int = 0


def _export(
    store: Store,
    scope: Scope,
    obj: ObjectDef,
    job_type: str,
    since: str | None,
    read_time: str,
    settings: FileSettings,
    counts: _Counts,
) -> Iterator[Part]:
    """The job's files' parts, a file's records read at a time, ``counts`` kept."""
    company = store.company(scope.company)
    date_format = company.date_format if company is not None else "%m/%d/%Y"
    names = obj.field_names
    change = job_type == "change"
    header = [*names, "ddsReadTime", *(["ddsChangeType"] if change else [])]

    def rows() -> Iterator[list[str]]:
        for chunk in _records(store, scope, obj, since if change else None):
            texts = files.records_as_text(obj, names, chunk, date_format)
            for record, text in zip(chunk, texts, strict=True):
                extra = [read_time]
                if change:
                    kind = _change_type(record, since)
                    extra.append(kind)
                    counts.created += kind == "create"
                    counts.updated += kind == "update"
                else:
                    counts.created += 1
                yield text + extra

    yield from files.split(job_type, header, rows(), settings.split_size)
    if change:
        key = obj.id_field or "RECORDNO"
        deleted = [[k, read_time, "delete"] for k in _deleted_keys(store, scope, obj, since)]
        counts.deleted = len(deleted)
        if deleted:
            yield from files.split("delete", [key, "ddsReadTime", "ddsChangeType"], deleted,
                                   settings.split_size)  # fmt: skip


def _change_type(record: dict[str, Any], since: str | None) -> str:
    made = record.get("WHENCREATED")
    if since is None or (made is not None and str(made) >= since):
        return "create"
    return "update"


def _records(
    store: Store, scope: Scope, obj: ObjectDef, since: str | None
) -> Iterator[list[dict[str, Any]]]:
    """The object's records (changed since ``since``, when given and the object keeps
    WHENMODIFIED), in RECORDNO order, a chunk at a time."""
    where, params = "1=1", []
    if since is not None and obj.field("WHENMODIFIED") is not None:
        where, params = '"WHENMODIFIED" >= ?', [since]
    names = obj.field_names
    if obj.field("RECORDNO") is None:
        yield store.rows(obj, scope, names, where, params)
        return
    after = -(2**63)
    while True:
        chunk = store.rows(
            obj, scope, names, f'{where} AND "RECORDNO" > ?', [*params, after],
            'ORDER BY "RECORDNO"', limit=_CHUNK,
        )  # fmt: skip
        if not chunk:
            return
        yield chunk
        after = int(chunk[-1]["RECORDNO"])


def _deleted_keys(store: Store, scope: Scope, obj: ObjectDef, since: str | None) -> list[str]:
    """The keys of the object's records the audit trail says were deleted since."""
    history = store.catalog.get_object("AUDITHISTORY")
    if history is None:
        return []
    where = '"OBJECTTYPE" = ? AND "ACCESSMODE" = ?'
    params: list[Any] = [obj.name.lower(), "Delete"]
    if since is not None:
        where += ' AND "ACCESSTIME" >= ?'
        params.append(since)
    rows = store.rows(history, scope, ["OBJECTKEY"], where, params, 'ORDER BY "RECORDNO"')
    return list(dict.fromkeys(str(r["OBJECTKEY"]) for r in rows if r["OBJECTKEY"] is not None))
