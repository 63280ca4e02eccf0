"""The bulk job service (portal: guides/bulk-requests; OpenAPI bulk.job.create and
bulk.job.status): many records of one object written in the background, each as a
batch write of the job's operation writes it.

``POST /services/bulk/job/create``, multipart/form-data: the part ``ia::requestBody``
(JSON: ``objectName``, ``operation`` create|update|delete, ``jobFile`` the name of the
part holding the file, ``fileContentType`` "json", optional ``callbackURL``) and that
file part, a JSON array of records. Answers 200 with ``ia::result`` {jobId (a UUID),
statusURL, createdDateTime} and ``ia::meta`` counting the one job [U: the portal's
sample shows a status answer's counts]. ``GET /services/bulk/job/status?jobId=...``
answers {jobId, status, percentComplete, and once completed downloadURL and jobStatusFile} with
``ia::meta`` {totalCount, totalSuccess, totalError}; with ``download=true`` after
completion the results file: a JSON array, one entry per record of the file in its
order, the record's reference {key, id, href} or ``{"ia::error": ...}`` exactly as a
207 batch answer's items (:func:`.batch.item`).

The records are written by the emulator's worker (:mod:`..worker`), one transaction and
one billed API transaction each, through :func:`.writes.write_record` in the scope of
the company, user and entity that created the job; "processing proceeds to the next
operation on success or failure" and there is "no limit on the number of operations"
(only this module's body cap). Choices the portal leaves open, all [U]:

- ``objectName`` is the REST path as the query service takes it
  (``accounts-payable/vendor``), or a bare name (``vendor``, the portal's example) when
  exactly one catalog object's path ends with it (several: 400 naming objectName); no
  such object 404, an operation the object lacks 405, a role without its permission
  403, as the object routes answer.
- A record of an update names its record by its ``key``, as a PATCH batch's; one of a
  delete is ``{"key": "..."}`` and nothing else (another member fails that record, 400).
- The request is refused whole (400 "Payload contains errors", REST-1064, each detail's
  ``target`` naming what is wrong: ``ia::requestBody``, one of its fields, or
  ``jobFile`` for a file part that is missing, not JSON, not an array, or empty) before
  any job exists; a body over :data:`MAX_BULK_BYTES` is 413.
- ``Idempotency-Key`` works as on writes (the same keys, :mod:`..store.idempotency`): a
  key used before answers 409 and creates no job, its detail ``"written: <statusURL>"``
  naming the first job (:func:`.writes.replayed`).
- Creating a job and asking its status bill nothing; its records are billed as they are
  written (a batch request is not billed beyond its records). The worker's writes take
  none of the company's concurrency slots (they are no request in flight), and jobs run
  one after another in the order they were made, whatever their company.
- ``createdDateTime`` is UTC with ``Z``, as the REST API's other date-times (the portal's
  sample shows no zone).
- ``download=true`` before the job completed is 400, naming ``download``: the status
  service documents only 200 and 400, and the job exists (a 404 would say it does not).
- The results file is sent as ``application/json`` with ``Content-Disposition:
  attachment; filename="<jobStatusFile>"``.
- A job belongs to the company and user who created it: another's, or an unknown id, is
  404. Jobs are kept 24 hours (:mod:`..store.jobs`).
- ``callbackURL`` is recorded and never called: the emulator makes no outbound calls.
- ``percentComplete`` is the whole percent of records done; ``ia::meta`` counts every
  record of the file in ``totalCount`` and those done so far in the others.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request as HttpRequest
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from intacct.emulator.querylang.rest_values import RestQueryError
from intacct.emulator.rest import writes
from intacct.emulator.rest.access import scope_for
from intacct.emulator.rest.answers import ia_result
from intacct.emulator.rest.batch import Result, item
from intacct.emulator.rest.bearer import Caller
from intacct.emulator.rest.body import Problem
from intacct.emulator.rest.common import REST_PREFIX
from intacct.emulator.rest.objects import unknown_object
from intacct.emulator.rest.query import bad_payload
from intacct.emulator.rest.served import served_catalog
from intacct.emulator.rest.service import Outcome, read_rest_body, refused, serve
from intacct.emulator.state import Emulator
from intacct.emulator.store import Store
from intacct.emulator.store.jobs import COMPLETED, Job, Writer
from intacct.protocol.rest_catalog import RestObject

__all__ = ["CREATE_PATH", "MAX_BULK_BYTES", "STATUS_PATH", "bulk_routes", "job_object"]

CREATE_PATH = f"{REST_PREFIX}/services/bulk/job/create"
STATUS_PATH = f"{REST_PREFIX}/services/bulk/job/status"
#: [U] Sage's own limit is unpublished ("no limit on the number of operations"); twice
#: the batch writes' cap (data_routes.MAX_WRITE_BYTES), over three times the gateway's
MAX_BULK_BYTES = 64 * 1024 * 1024
#: [U] a request has two parts; a few more are read (and ignored), not thousands
_MAX_PARTS = 16
_REQUEST_PART = "ia::requestBody"
_OPERATIONS = ("create", "update", "delete")
_FIELDS = ("objectName", "operation", "jobFile", "fileContentType", "callbackURL")


@dataclass(frozen=True, slots=True)
class _Asked:
    """A job as ``ia::requestBody`` asks for it."""

    object_name: str
    operation: str
    job_file: str
    callback_url: str | None


def bulk_routes(emulator: Emulator, body_timeout_s: float) -> list[Route]:
    store = emulator.store

    async def create(request: HttpRequest) -> Response:
        raw = await read_rest_body(request, MAX_BULK_BYTES, body_timeout_s)
        if isinstance(raw, Response):
            return raw
        parts = await _parts(request, raw)
        asked = _asked(parts)
        obj = job_object(store, asked.object_name) if isinstance(asked, _Asked) else None
        idempotency_key = request.headers.get("idempotency-key", "")

        def work(caller: Caller) -> Outcome:
            if not isinstance(asked, _Asked):
                return bad_payload(*asked)
            if not isinstance(obj, RestObject):
                assert obj is not None  # asked was read, so the object was looked up
                return obj
            refusal = writes.allowed(store, caller, obj, asked.operation)
            if refusal is not None:
                return refusal
            assert isinstance(parts, dict)  # asked was read from them
            records = _records(parts.get(asked.job_file), asked.job_file)
            if isinstance(records, RestQueryError):
                return bad_payload(records)
            return _create_job(emulator, caller, obj, asked, records, idempotency_key)

        named = [obj.path, obj.module_object] if isinstance(obj, RestObject) else []
        objects = [name for name in named if name]
        return await serve(emulator, request, "bulk.job.create", objects, work)

    async def status(request: HttpRequest) -> Response:
        params = dict(request.query_params)

        def work(caller: Caller) -> Outcome:
            return _status(store, caller, params)

        return await serve(emulator, request, "bulk.job.status", [], work)

    return [
        Route(CREATE_PATH, create, methods=["POST"]),
        Route(STATUS_PATH, status, methods=["GET"]),
    ]


def job_object(store: Store, name: str) -> RestObject | Outcome:
    """The object ``objectName`` names: its REST path, or a bare name exactly one
    object's path ends with; otherwise the refusal (400 for several, 404 for none)."""
    catalog = served_catalog(store.catalog)
    if name in catalog:
        return catalog[name]
    found = [path for path in catalog if "/" not in name and path.rsplit("/", 1)[1] == name]
    if len(found) == 1:
        return catalog[found[0]]
    if found:
        message = f"objectName {name} is ambiguous ({', '.join(found)}): give its path."
        return bad_payload(RestQueryError(message, "objectName"))
    return unknown_object(name)  # [U] a transaction definition's documents: not in bulk


async def _parts(request: HttpRequest, raw: bytes) -> dict[str, bytes] | RestQueryError:
    """The parts of a multipart/form-data body by name (the first of a repeated name),
    files and fields alike."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "multipart/form-data":
        message = f"The request is multipart/form-data with the part {_REQUEST_PART}."
        return RestQueryError(message, _REQUEST_PART)

    async def stream() -> Any:
        yield raw

    parser = MultiPartParser(
        request.headers,
        stream(),
        max_files=_MAX_PARTS,
        max_fields=_MAX_PARTS,
        max_part_size=MAX_BULK_BYTES,
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        return RestQueryError(f"The multipart body cannot be read: {exc.message}", _REQUEST_PART)
    parts: dict[str, bytes] = {}
    try:
        for name, value in form.multi_items():
            data = await value.read() if isinstance(value, UploadFile) else value.encode()
            parts.setdefault(name, data)
    finally:
        await form.close()
    return parts


def _asked(parts: dict[str, bytes] | RestQueryError) -> _Asked | list[RestQueryError]:
    """``ia::requestBody`` read and checked: every problem found, each naming its field."""
    if isinstance(parts, RestQueryError):
        return [parts]
    if _REQUEST_PART not in parts:
        return [RestQueryError(f"The part {_REQUEST_PART} is missing.", _REQUEST_PART)]
    given = _json(parts[_REQUEST_PART])
    if not isinstance(given, dict):
        return [RestQueryError(f"{_REQUEST_PART} is not a JSON object.", _REQUEST_PART)]
    errors = [
        RestQueryError(f"{name} is not a field of {_REQUEST_PART}.", name)
        for name in given
        if name not in _FIELDS
    ]
    for name in ("objectName", "jobFile"):
        value = given.get(name)
        if not isinstance(value, str) or not value.strip():
            errors.append(RestQueryError(f"{name} is required: a name.", name))
    if given.get("operation") not in _OPERATIONS:
        message = f"operation must be one of {', '.join(_OPERATIONS)}."
        errors.append(RestQueryError(message, "operation"))
    if given.get("fileContentType") != "json":
        errors.append(RestQueryError("fileContentType must be json.", "fileContentType"))
    callback = given.get("callbackURL")
    if callback is not None and not isinstance(callback, str):
        errors.append(RestQueryError("callbackURL is a URL or null.", "callbackURL"))
    if errors:
        return errors
    return _Asked(given["objectName"], given["operation"], given["jobFile"], callback)


def _records(data: bytes | None, part: str) -> list[Any] | RestQueryError:
    """The job file's records, or why there are none (naming ``jobFile``)."""
    if data is None:
        return RestQueryError(f"The part {part} that jobFile names is missing.", "jobFile")
    records = _json(data)
    if records is _UNREADABLE:
        return RestQueryError(f"The job file {part} is not JSON.", "jobFile")
    if not isinstance(records, list):
        return RestQueryError(f"The job file {part} is not a JSON array of records.", "jobFile")
    if not records:
        return RestQueryError(f"The job file {part} holds no records.", "jobFile")
    return records


_UNREADABLE = object()


def _json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _UNREADABLE


def _create_job(
    emulator: Emulator,
    caller: Caller,
    obj: RestObject,
    asked: _Asked,
    records: list[Any],
    key: str,
) -> Outcome:
    """The job queued for the worker (or the 409 of a key used before)."""
    store = emulator.store
    now = store.clock.now()
    if key:
        used = store.idempotency.claim(caller.company, caller.userid, key, now.timestamp())
        if used is not None:
            return writes.replayed(key, used.written)
    job_id = str(uuid.uuid4())
    status_url = f"/services/bulk/job/status?jobId={job_id}"
    made: tuple[str, ...] = ()
    try:
        writer = _writer(emulator, caller, obj, asked.operation)
        job = Job(
            job_id,
            caller.company,
            caller.userid,
            now.timestamp(),
            records,
            writer,
            asked.callback_url,  # recorded, never called
        )
        store.jobs.add(job)
        made = (status_url,)
    finally:
        if key:
            store.idempotency.settle(caller.company, caller.userid, key, made)
    emulator.bulk.wake()
    created = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return Outcome(
        ia_result({"jobId": job_id, "statusURL": status_url, "createdDateTime": created})
    )


def _writer(emulator: Emulator, caller: Caller, obj: RestObject, operation: str) -> Writer:
    """How the worker writes one record of the job: as a batch write of ``operation``
    writes it, in the caller's scope, billed one API transaction."""
    store = emulator.store

    def write(record: Any) -> tuple[dict[str, Any], bool]:
        if store.user(caller.company, caller.userid) is None:
            raise LookupError(f"the job's user {caller.userid}@{caller.company} is gone")
        refused_shape = _delete_shape(record) if operation == "delete" else None
        result = refused_shape or writes.write_record(
            store, scope_for(store, caller), obj, operation, record
        )
        emulator.bill(caller.company, 1)
        return item(obj, operation, result), result.ref is not None

    return write


def _delete_shape(record: Any) -> Result | None:
    """A delete's record is ``{"key": ...}``: the refusal of any other shape."""
    if not isinstance(record, dict):
        return Result(None, (Problem(400, "invalidRequest", 'A record is {"key": ...}.', ""),))
    problems = tuple(
        Problem(400, "invalidRequest", f"A delete reads only key, not {name}.", name)
        for name in record
        if name != "key"
    )
    return Result(None, problems) if problems else None


def _status(store: Store, caller: Caller, params: dict[str, str]) -> Outcome:
    job_id = params.get("jobId", "")
    download = params.get("download", "false").lower()
    if not job_id:
        return bad_payload(RestQueryError("jobId is required.", "jobId"))
    if download not in ("true", "false"):
        return bad_payload(RestQueryError("download is true or false.", "download"))
    now = store.clock.now().timestamp()
    progress = store.jobs.progress(caller.company, caller.userid, job_id, now)
    if progress is None:
        return refused(404, "notFound", f"Bulk job {job_id} does not exist.")
    if download == "true":
        if progress.results is None:
            message = f"Bulk job {job_id} is {progress.status}: its results come once completed."
            return bad_payload(RestQueryError(message, "download"))
        disposition = {"Content-Disposition": f'attachment; filename="{job_id}-response.json"'}
        answer = JSONResponse(list(progress.results), headers=disposition)
        return Outcome(answer, records=len(progress.results))
    result: dict[str, Any] = {
        "jobId": job_id,
        "status": progress.status,
        "percentComplete": progress.percent,
    }
    if progress.status == COMPLETED:
        result["downloadURL"] = f"/services/bulk/job/status?jobId={job_id}&download=true"
        result["jobStatusFile"] = f"{job_id}-response.json"
    meta = {
        "totalCount": progress.total,
        "totalSuccess": progress.succeeded,
        "totalError": progress.failed,
    }
    return Outcome(JSONResponse({"ia::result": result, "ia::meta": meta}))
