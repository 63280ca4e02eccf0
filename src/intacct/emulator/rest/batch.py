"""The answers of REST writes, one record or a batch (portal: guides/bulk-requests,
guides/error-handling).

A batch is a JSON array of records (POST, PATCH with each record's ``key`` in the body)
or keys joined by commas in the path (DELETE), "at most 500 records"; beyond that the
answer is 429 ("Bulk size exceeds rate" limits, error-handling). Every record is written
on its own, as the XML gateway's create writes each record without a transaction: a
failed one leaves nothing behind and the others stand. All written: the success status
with ``ia::result`` the list of references and ``ia::meta`` {totalCount, totalSuccess,
totalError}; otherwise 207 with the failed records' ``ia::error`` in their places (the
golden ``bulk-207-partial.json``). [U] A batch whose records all fail is a 207 too: each
failure carries its own code.

One record alone answers its reference (201 created, 200 updated, 204 deleted) or its
error with the status of its worst problem: 404, then 400 (schema: "Payload contains
errors", REST-1064, as the query service), 409 (a duplicate id), 422 (business rule).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.responses import JSONResponse, Response

from intacct.emulator.rest.answers import error_item, ia_error
from intacct.emulator.rest.body import Problem
from intacct.emulator.rest.service import Outcome
from intacct.protocol.rest_catalog import RestObject

__all__ = ["MAX_BATCH", "Result", "answer", "item"]

#: "You can include at most 500 records in a batch request" (portal: bulk-requests)
MAX_BATCH = 500
_PRECEDENCE = (404, 400, 409, 422)
_DONE = {"create": "created", "update": "updated", "delete": "deleted"}


@dataclass(frozen=True, slots=True)
class Result:
    """One record's outcome: its reference, or the problems that stopped it."""

    ref: dict[str, Any] | None = None
    problems: tuple[Problem, ...] = ()


def answer(obj: RestObject, operation: str, results: Sequence[Result], *, single: bool) -> Outcome:
    """The answer to ``results`` (one API transaction each, as the XML gateway bills
    every record a create or delete names, whatever became of it)."""
    billed = len(results)
    if single:
        return Outcome(_one(obj, operation, results[0]), billed, billed)
    failed = sum(1 for r in results if r.ref is None)
    meta = {"totalCount": len(results), "totalSuccess": len(results) - failed, "totalError": failed}
    if not failed and operation == "delete":
        return Outcome(Response(status_code=204), billed, billed)
    items = [item(obj, operation, r) for r in results]
    status = 207 if failed else _OK[operation]
    return Outcome(JSONResponse({"ia::result": items, "ia::meta": meta}, status), billed, billed)


_OK = {"create": 201, "update": 200, "delete": 204}


def item(obj: RestObject, operation: str, result: Result) -> dict[str, Any]:
    """A record's place in a batch's list (and a bulk job's results file): its reference
    ``{key, id, href}``, or ``{"ia::error": ...}`` with its problems as ``details``."""
    return result.ref if result.ref is not None else _failure(obj, operation, result)


def _one(obj: RestObject, operation: str, result: Result) -> Response:
    if result.ref is not None:
        if operation == "delete":
            return Response(status_code=204)
        meta = {"totalCount": 1, "totalSuccess": 1, "totalError": 0}
        return JSONResponse({"ia::result": result.ref, "ia::meta": meta}, _OK[operation])
    status = _status(result.problems)
    error = _failure(obj, operation, result)["ia::error"]
    return ia_error(
        status,
        error["code"],
        error["message"],
        error_id=error.get("errorId"),
        details=error.get("details", ()),
    )


def _status(problems: Sequence[Problem]) -> int:
    found = {p.status for p in problems}
    return next((s for s in _PRECEDENCE if s in found), 422)


def _failure(obj: RestObject, operation: str, result: Result) -> dict[str, Any]:
    status = _status(result.problems)
    details = [{"code": p.code, "message": p.message, "target": p.target} for p in result.problems]
    if status == 400:
        return error_item(
            "invalidRequest", "Payload contains errors", error_id="REST-1064", details=details
        )
    if status in (404, 409):
        first = result.problems[0] if len(result.problems) == 1 else None
        code = "notFound" if status == 404 else "duplicateValue"
        message = first.message if first else f"{obj.label} could not be {_DONE[operation]}"
        return error_item(code, message, details=details)
    return error_item(
        "invalidRequest", f"{obj.label} could not be {_DONE[operation]}", details=details
    )
