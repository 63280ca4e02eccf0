"""The REST data routes: ``POST services/core/query``, ``GET services/core/model``,
``GET objects/<module>/<object>[/<key>]`` and the writes (``POST``, ``PATCH``,
``DELETE``: :mod:`.writes`). Each goes through :func:`.service.serve` (bearer check
first, the company's slot, faults, bill, latency)."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request as HttpRequest
from starlette.responses import Response
from starlette.routing import Route

from intacct.emulator.querylang.rest_values import RestQueryError
from intacct.emulator.rest import writes
from intacct.emulator.rest.access import scope_for
from intacct.emulator.rest.answers import ia_list, ia_result
from intacct.emulator.rest.bearer import Caller
from intacct.emulator.rest.common import REST_PREFIX
from intacct.emulator.rest.documents import documents_of, served_object
from intacct.emulator.rest.model import model_answer
from intacct.emulator.rest.objects import SETUP, get_record, list_records, rest_object
from intacct.emulator.rest.query import bad_payload, run_query
from intacct.emulator.rest.served import served_catalog
from intacct.emulator.rest.service import Outcome, read_rest_body, refused, serve
from intacct.emulator.state import Emulator

__all__ = ["data_routes"]

#: a query is a few hundred bytes; [U] Sage's own limit is unpublished
MAX_QUERY_BYTES = 1024 * 1024
#: [U] a batch of 500 documents with their lines; Sage's own limit is unpublished
MAX_WRITE_BYTES = 32 * 1024 * 1024
_OPERATIONS = {"POST": "create", "PATCH": "update", "DELETE": "delete"}


def data_routes(emulator: Emulator, body_timeout_s: float) -> list[Route]:
    store = emulator.store

    async def query(request: HttpRequest) -> Response:
        body = await read_rest_body(request, MAX_QUERY_BYTES, body_timeout_s)
        if isinstance(body, Response):
            return body
        try:
            asked = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            asked = _UNREADABLE
        path = asked.get("object") if isinstance(asked, dict) else None
        xml = _xml_of(path)

        def work(caller: Caller) -> Outcome:
            if asked is _UNREADABLE:
                return bad_payload(RestQueryError("The body is not JSON.", ""))
            return run_query(store, caller, asked)

        return await serve(emulator, request, "query", [p for p in (path, xml) if p], work)

    async def model(request: HttpRequest) -> Response:
        def work(caller: Caller) -> Outcome:
            scope = scope_for(store, caller)
            answer = model_answer(
                dict(request.query_params),
                lambda path: served_object(store, scope, path),
                lambda: [*served_catalog(store.catalog).values(), *documents_of(store, scope)],
            )
            if isinstance(answer, Outcome):
                return answer
            if isinstance(answer, list):
                return Outcome(ia_list(answer))
            return Outcome(ia_result(answer))  # metadata: free, as lookup is [U]

        return await serve(emulator, request, "model", [], work)

    async def objects(request: HttpRequest) -> Response:
        params = request.path_params
        path = f"{params['module']}/{params['name']}"
        key = params.get("key")

        def work(caller: Caller) -> Outcome:
            single = served_catalog(store.catalog).get(f"{path}/{key}")
            if single is not None:  # a singleton (".../consolidation-preference/setup")
                return get_record(store, caller, single, SETUP)
            obj = rest_object(store, caller, path)
            if isinstance(obj, Outcome):
                return obj
            operation = "list" if key is None else "get"
            if operation not in obj.operations:  # the spec has no such GET [U: 405]
                return refused(405, "methodNotAllowed", f"GET is not allowed on {obj.path}.")
            if key is None:
                return list_records(store, caller, obj)
            return get_record(store, caller, obj, key)

        operation = "list" if key is None else "get"
        return await serve(
            emulator, request, operation, [p for p in (path, _xml_of(path)) if p], work
        )

    async def write(request: HttpRequest) -> Response:
        params = request.path_params
        path = f"{params['module']}/{params['name']}"
        operation = _OPERATIONS[request.method]
        body: Any = None
        if operation != "delete":
            raw = await read_rest_body(request, MAX_WRITE_BYTES, body_timeout_s)
            if isinstance(raw, Response):
                return raw
            body = _json(raw)
        idempotency_key = request.headers.get("idempotency-key", "")

        def work(caller: Caller) -> Outcome:
            obj = rest_object(store, caller, path)
            if isinstance(obj, Outcome):
                return obj
            if operation == "create":
                return writes.create(store, caller, obj, body, idempotency_key)
            if operation == "update":
                return writes.update(store, caller, obj, params.get("key"), body)
            return writes.delete(store, caller, obj, str(params.get("key", "")))

        objs = [p for p in (path, _xml_of(path)) if p]
        return await serve(emulator, request, operation, objs, work)

    base = f"{REST_PREFIX}/objects/{{module}}/{{name}}"
    return [
        Route(f"{REST_PREFIX}/services/core/query", query, methods=["POST"]),
        Route(f"{REST_PREFIX}/services/core/model", model, methods=["GET"]),
        Route(base, objects, methods=["GET"]),
        Route(base, write, methods=["POST", "PATCH"]),
        Route(f"{base}/{{key}}", objects, methods=["GET"]),
        Route(f"{base}/{{key}}", write, methods=["PATCH", "DELETE"]),
    ]


def _json(raw: bytes) -> Any:
    """The body's JSON; what is not JSON reads as no record (400 once admitted)."""
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return _UNREADABLE


_UNREADABLE = object()


def _xml_of(path: object) -> str | None:
    """The XML object ``path``'s records are (a custom object ``platform-apps/nsp::fund``
    its own; a transaction definition's documents their unparameterized twin's)."""
    if not isinstance(path, str):
        return None
    catalog = served_catalog()
    obj = catalog.get(path) or catalog.get(path.partition("::")[0])
    return obj.module_object if obj else None
