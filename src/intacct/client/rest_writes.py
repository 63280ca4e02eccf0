"""Writing records through the REST API: batches of up to 500 records a request, and
bulk jobs (portal: guides/bulk-requests; OpenAPI bulk.job.create, bulk.job.status).

Both go under an idempotency key the caller chooses: the one retry policy sends a lost
answer's request again under the same key, and Intacct answers a key it has processed
with a 409 instead of writing again (:class:`~intacct.errors.AlreadyAppliedError`,
:mod:`intacct.protocol.classify`), so nothing is written twice. A bulk job's creation
answered so names the job already made, which is then awaited instead of a second one.

A batch's answer lists each record's reference or its own ``ia::error`` in input order
(a 207 when some failed); :class:`RecordResult` is each record's, classified alone.
A bulk job runs asynchronously: :func:`await_bulk` polls its status with the retry
policy's sleep and downloads its results file, one entry per record in input order
[U: the portal shows no results file].
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from intacct.client.rest import Form, RestApi, RestCall
from intacct.errors import AlreadyAppliedError, GatewayError, ResponseFormatError
from intacct.protocol.classify import error_for_rest_record
from intacct.protocol.rest import RestAnswer

__all__ = ["MAX_BATCH", "RecordResult", "await_bulk", "send_batch", "start_bulk"]

#: "You can include at most 500 records in a batch request" (portal: bulk-requests)
MAX_BATCH = 500
_METHODS = {"create": "POST", "update": "PATCH", "delete": "DELETE"}
#: [U] how often a bulk job's status is asked, and for how long at the most
_POLL_S = (0.2, 0.5, 1.0, 2.0, 5.0)
_JOB = re.compile(r"jobId=([\w-]+)")


@dataclass(frozen=True, slots=True)
class RecordResult:
    """One record's result: its REST ``key`` once written, or its ``error``."""

    key: str | None = None
    error: GatewayError | None = None


def send_batch(
    api: RestApi, object: str, operation: str, records: Sequence[Mapping[str, Any]], *, key: str
) -> list[RecordResult]:
    """Create, update (each record with its ``key``) or delete (``{"key": ...}``)
    ``records`` of ``object`` in one request under the idempotency ``key``; a failure of
    the whole request is raised as its classified error."""
    if not 0 < len(records) <= MAX_BATCH:
        raise ValueError(f"a batch holds 1 to {MAX_BATCH} records, not {len(records)}")
    path = f"/objects/{object}"
    body: Any = [dict(r) for r in records]
    if operation == "delete":
        path += "/" + ",".join(quote(str(r["key"]), safe="") for r in records)
        body = None
    call = RestCall(
        _METHODS[operation], path, body, writes=True, idempotency_key=key, cost=len(records)
    )
    answer = api.requestor.send(call)
    return _results(answer, records)


def start_bulk(
    api: RestApi, object: str, operation: str, records: Sequence[Mapping[str, Any]], *, key: str
) -> tuple[str, bool]:
    """A bulk job writing ``records``: its id, and whether Intacct had already made it
    under this idempotency ``key`` (an earlier try whose answer was lost, or an earlier
    run of the same input), in which case that job is the one named."""
    request = {
        "objectName": object,
        "operation": operation,
        "jobFile": "file",
        "fileContentType": "json",
    }
    form = Form(
        (
            ("ia::requestBody", "application/json", json.dumps(request).encode(), ""),
            ("file", "application/json", json.dumps(list(records)).encode(), "records.json"),
        )
    )
    call = RestCall(
        "POST",
        "/services/bulk/job/create",
        form,
        writes=True,
        idempotency_key=key,
        cost=len(records),
    )
    try:
        answer = api.requestor.send(call)
    except AlreadyAppliedError as exc:  # the job exists: its status URL is named
        found = _JOB.search(str(exc))
        if found is None:
            raise
        return found.group(1), True
    job = answer.result.get("jobId") if isinstance(answer.result, Mapping) else None
    if not job:
        raise ResponseFormatError(
            "the bulk service answered no jobId", http_status=answer.http_status
        )
    return str(job), False


def await_bulk(
    api: RestApi, job_id: str, records: Sequence[Mapping[str, Any]], *, timeout_s: float
) -> list[RecordResult]:
    """Each record's result once job ``job_id`` has completed; a TimeoutError naming the
    job when it has not after ``timeout_s`` (its records may still be written)."""
    sleep = api.requestor.gateway.retry.sleep
    deadline = time.monotonic() + timeout_s
    for attempt in itertools.count():
        status = _status(api, job_id)
        if status == "completed":
            break
        if status == "failed":
            raise ResponseFormatError(f"bulk job {job_id} failed as a whole", http_status=200)
        if time.monotonic() >= deadline:
            raise TimeoutError(f"bulk job {job_id} is still {status} after {timeout_s:.0f} s")
        sleep(_POLL_S[min(attempt, len(_POLL_S) - 1)])
    params = {"jobId": job_id, "download": "true"}
    call = RestCall("GET", "/services/bulk/job/status", params=params, cost=0, file=True)
    return _results(api.requestor.send(call), records)


def _status(api: RestApi, job_id: str) -> str:
    call = RestCall("GET", "/services/bulk/job/status", params={"jobId": job_id}, cost=0)
    result = api.requestor.send(call).result
    return str(result.get("status", "")) if isinstance(result, Mapping) else ""


def _results(answer: RestAnswer, records: Sequence[Mapping[str, Any]]) -> list[RecordResult]:
    """Each record's result, in input order: a 204 (every delete done) names none."""
    if answer.result is None:
        return [RecordResult(key=str(r.get("key"))) for r in records]
    items = answer.result if isinstance(answer.result, list) else [answer.result]
    if len(items) != len(records):
        raise ResponseFormatError(
            f"the answer has {len(items)} results for {len(records)} records",
            http_status=answer.http_status,
        )
    out = []
    for item, record in zip(items, records, strict=True):
        error = error_for_rest_record(item)
        written = item.get("key", record.get("key")) if isinstance(item, Mapping) else None
        out.append(RecordResult(None if error else str(written), error))
    return out
