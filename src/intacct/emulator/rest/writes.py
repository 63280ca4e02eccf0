"""REST writes over the XML gateway's records: ``POST /objects/<path>`` (create),
``PATCH /objects/<path>/<key>`` (update only the fields given; without a key, a batch
naming each record's ``key`` in the body), ``DELETE /objects/<path>/<key>[,<key>...]``.

A record's body becomes XML columns (:mod:`.body`) and is written by the same store
calls the XML ``create``/``update``/``delete`` make (``Store.insert``/``update``/
``delete``/``write_lines``): required fields, unique ids, autonumbering, audit stamps,
AUDITHISTORY and the ledger (a journal entry's GLDETAIL rows and so the trial balance)
are one rule for both APIs. The catalog's ``operations`` say which methods an object
has (405 otherwise) and its ``permissions`` name what a role denied the object's module
lacks (403, :func:`~.access.denied`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from intacct.emulator.catalog import ObjectDef
from intacct.emulator.errors import FunctionError
from intacct.emulator.rest.access import denied, scope_for
from intacct.emulator.rest.batch import MAX_BATCH, Result, answer
from intacct.emulator.rest.bearer import Caller
from intacct.emulator.rest.body import Problem, RecordRefusedError, field_problem, written
from intacct.emulator.rest.documents import Placement, definition_of, holds, placement
from intacct.emulator.rest.records import href_of
from intacct.emulator.rest.service import Outcome, refused
from intacct.emulator.store import Scope, Store
from intacct.protocol.rest_catalog import RestObject

__all__ = ["allowed", "create", "delete", "replayed", "update", "write_record"]

_METHODS = {"create": "POST", "update": "PATCH", "delete": "DELETE"}


def create(store: Store, caller: Caller, obj: RestObject, body: Any, key: str) -> Outcome:
    """POST: one record (a JSON object) or a batch (an array); ``key`` the request's
    Idempotency-Key ('' when none)."""
    records = _records(store, caller, obj, "create", body)
    if isinstance(records, Outcome):
        return records
    scope = scope_for(store, caller)
    if key:
        used = store.idempotency.claim(caller.company, caller.userid, key, _now(store))
        if used is not None:
            return replayed(key, used.written)
    results: list[Result] = []
    try:
        results = [write_record(store, scope, obj, "create", record) for record in records]
    finally:
        if key:
            hrefs = tuple(str(r.ref["href"]) for r in results if r.ref is not None)
            store.idempotency.settle(caller.company, caller.userid, key, hrefs)
    return answer(obj, "create", results, single=isinstance(body, dict))


def update(store: Store, caller: Caller, obj: RestObject, key: str | None, body: Any) -> Outcome:
    """PATCH ``key`` with a JSON object, or, without a key in the path, each record of
    an array (or one object) by the ``key`` in its body (portal: bulk-requests)."""
    records = _records(store, caller, obj, "update", body)
    if isinstance(records, Outcome):
        return records
    scope = scope_for(store, caller)
    results = [write_record(store, scope, obj, "update", record, key) for record in records]
    return answer(obj, "update", results, single=isinstance(body, dict))


def delete(store: Store, caller: Caller, obj: RestObject, keys: str) -> Outcome:
    """DELETE the records ``keys`` (one, or several joined by commas) names."""
    names = [k.strip() for k in keys.split(",")]
    checked = _records(store, caller, obj, "delete", names)
    if isinstance(checked, Outcome):
        return checked
    scope = scope_for(store, caller)
    results = [write_record(store, scope, obj, "delete", None, name) for name in names]
    return answer(obj, "delete", results, single=len(names) == 1)


def _records(
    store: Store, caller: Caller, obj: RestObject, operation: str, body: Any
) -> list[Any] | Outcome:
    """The records of a body, or the refusal of the whole request (not billed)."""
    refusal = allowed(store, caller, obj, operation)
    if refusal is not None:
        return refusal
    records = body if isinstance(body, list) else [body]
    if not isinstance(body, list | dict) or not records:
        return refused(400, "invalidRequest", "The body is a JSON object or an array of them.")
    if len(records) > MAX_BATCH:
        return refused(
            429,
            "tooManyRequests",
            f"{len(records)} records: a batch request holds at most {MAX_BATCH}.",
        )
    return records


def allowed(store: Store, caller: Caller, obj: RestObject, operation: str) -> Outcome | None:
    """The refusal of ``operation`` on ``obj`` for the caller (not billed), or None: 405
    when the catalog's ``operations`` lack it, 403 when the caller's role is denied it."""
    if operation not in obj.operations or obj.xml_object is None:
        method = _METHODS[operation]
        return refused(405, "methodNotAllowed", f"{method} is not allowed on {obj.path}.")
    return denied(store, caller, obj, operation)


def write_record(
    store: Store, scope: Scope, obj: RestObject, operation: str, record: Any, key: str | None = None
) -> Result:
    """One record of a write, a batch's or a bulk job's (one code path for both), in a
    transaction of its own: ``create`` the JSON ``record``; ``update`` the record ``key``
    names (None: the ``key`` in the record's body) with the fields ``record`` gives;
    ``delete`` the record ``key`` names (None: the record's ``key``)."""
    if operation == "create":
        return _create_one(store, scope, obj, record)
    named = _body_key(record) if key is None else key
    if operation == "update":
        return _update_one(store, scope, obj, named, record)
    return _delete_one(store, scope, obj, named)


def _create_one(store: Store, scope: Scope, obj: RestObject, record: Any) -> Result:
    xml = store.catalog[str(obj.xml_object)]

    def write() -> dict[str, Any]:
        values = written(store, scope, obj, record, creating=True)
        given = {**values.values, **definition_of(store, obj)}
        created = store.insert(xml, scope, given, numbered=numbered(obj, xml))
        store.write_lines(xml, scope, int(created["RECORDNO"]), values.lines, replace=False)
        return created

    return _attempt(store, scope, obj, write)


def numbered(obj: RestObject, xml: ObjectDef) -> frozenset[str]:
    """The business id a REST create may leave out: where Sage's spec does not require
    ``id``, the company numbers it (``customer`` without ``id``: CUSTOMERID; a project's
    PROJECTID; an object only REST has), as Intacct does where a company numbers ids.
    Every other column the XML gateway requires stays required through REST too (a
    document's customer, a line's owner, a bank fee's account: 422 naming it), though
    the spec may not mark it [U: Intacct's business rules beyond the spec]."""
    own_id = obj.fields.get(obj.id)
    if xml.id_field and not (own_id is not None and own_id.required):
        return frozenset({xml.id_field})
    return frozenset()


def _update_one(store: Store, scope: Scope, obj: RestObject, key: str, record: Any) -> Result:
    xml = store.catalog[str(obj.xml_object)]
    recordno = _recordno(store, scope, obj, xml, key)
    if recordno is None:
        return _missing(obj, key)

    def write() -> dict[str, Any]:
        values = written(store, scope, obj, record, creating=False)
        updated = store.update(xml, scope, recordno, values.values)
        if values.lines:
            store.write_lines(xml, scope, recordno, values.lines, replace=True)
        return updated

    return _attempt(store, scope, obj, write)


def _delete_one(store: Store, scope: Scope, obj: RestObject, key: str) -> Result:
    xml = store.catalog[str(obj.xml_object)]
    recordno = _recordno(store, scope, obj, xml, key)
    if recordno is None:
        return _missing(obj, key)
    found = store.find(xml, scope, "RECORDNO", [recordno])

    def write() -> dict[str, Any]:
        store.delete(xml, scope, recordno)
        return found[0]

    result = _attempt(store, scope, obj, write)
    if result.problems and not any(p.target for p in result.problems):
        named = (Problem(p.status, p.code, p.message, "key") for p in result.problems)
        return Result(None, tuple(named))
    return result


def _attempt(
    store: Store, scope: Scope, obj: RestObject, write: Callable[[], dict[str, Any]]
) -> Result:
    """One record written in a transaction of its own: all of it or nothing."""
    try:
        with store.transaction():
            row = write()
    except RecordRefusedError as refusal:
        return Result(None, tuple(refusal.problems))
    except FunctionError as exc:
        return Result(None, (field_problem(obj, exc),))
    return Result(_ref(obj, row, placement(store, scope, obj)))


def _ref(obj: RestObject, row: dict[str, Any], placed: Placement | None) -> dict[str, Any]:
    """``{key, id, href}`` of a written row, as the portal's create answers show it: the
    href where the lists put the record (a document's at its definition's path)."""
    key_column, id_column = obj.fields[obj.key].xml, obj.fields[obj.id].xml
    key = row.get(key_column or "")
    ident = row.get(id_column or "")
    path = obj.path if placed is None else placed[1](row.get(placed[0] or ""))
    return {
        "key": None if key is None else str(key),
        "id": None if ident is None else str(ident),
        "href": href_of(path, key),
    }


def _recordno(store: Store, scope: Scope, obj: RestObject, xml: ObjectDef, key: str) -> int | None:
    """The record ``key`` names, if the caller sees it."""
    if not key.isdigit():
        return None
    if not store.find(xml, scope, "RECORDNO", [int(key)]):
        return None
    return int(key) if holds(store, scope, obj, int(key)) else None


def _missing(obj: RestObject, key: str) -> Result:
    message = f"{obj.label} with key {key} does not exist"
    return Result(None, (Problem(404, "notFound", message, "key"),))


def _body_key(record: Any) -> str:
    value = record.get("key") if isinstance(record, dict) else None
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""


def _now(store: Store) -> float:
    return store.clock.now().timestamp()


def replayed(key: str, hrefs: tuple[str, ...]) -> Outcome:
    """409 for a key used before (portal: guides/error-handling, "Two requests from the
    same user have the same idempotency key"): [U] nothing is written again, nothing is
    billed, and the details name what the first request wrote, so a client whose
    answer was lost finds its records: one detail ``{"code": "conflict", "message":
    "written: <href>", "target": "Idempotency-Key"}`` per href (a bulk job's is its
    ``statusURL``, :mod:`.bulk`)."""
    message = (
        f"A request with idempotency key '{key}' was already processed"
        if hrefs
        else f"A request with idempotency key '{key}' is already being processed"
    )
    details = [
        {"code": "conflict", "message": f"written: {href}", "target": "Idempotency-Key"}
        for href in hrefs
    ]
    return refused(409, "conflict", message, details=details)
