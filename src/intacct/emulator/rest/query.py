"""The query service, ``POST /ia/api/v1/services/core/query`` (portal: core OpenAPI
``post-services-query`` and ``core-query``; api-essentials/query-service).

A page is computed when asked for, over the data as it is then (offset paging, no
server cursor): a record written between two pages shifts the later ones, as in
Intacct. One query is one API transaction, whatever it returns."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from intacct.emulator.querylang.rest import translate_filters, translate_order_by
from intacct.emulator.querylang.rest_values import RestQueryError, Settings
from intacct.emulator.rest.access import denied, scope_for, today_of, zone_of
from intacct.emulator.rest.answers import ia_page
from intacct.emulator.rest.bearer import Caller
from intacct.emulator.rest.documents import served_object
from intacct.emulator.rest.records import HREF, Renderer
from intacct.emulator.rest.service import Outcome, refused
from intacct.emulator.rest.source import View, open_view
from intacct.emulator.store import Store

__all__ = ["DEFAULT_SIZE", "MAX_SIZE", "bad_payload", "run_query"]

#: "Number of records to include in the result set, 4000 maximum" (core OpenAPI,
#: core-query ``size``). [U] a larger size is served as 4000 (``pageSize`` says so and
#: ``next`` follows it), not refused: nothing documents an error for it.
MAX_SIZE = 4000
#: [U] the portal's examples answer ``pageSize`` 100 when no size was asked for
DEFAULT_SIZE = 100
_KEYS = frozenset(
    {"object", "fields", "filters", "filterExpression", "filterParameters", "orderBy"}
    | {"start", "size"}
)
_PARAMETERS = {
    "caseSensitiveComparison": bool,
    "includePrivate": bool,
    "includeHierarchyFields": bool,
    "asOfDate": str,
}
_AGGREGATES = ("count:", "avg:", "sum:", "min:", "max:")


def bad_payload(*errors: RestQueryError) -> Outcome:
    """400 in the shape the core OpenAPI's error example shows: "Payload contains
    errors" (REST-1064) with one detail per problem, each naming its target."""
    details = [
        {"code": "invalidRequest", "message": e.message, "target": e.target}
        | ({"errorId": e.error_id} if e.error_id else {})
        for e in errors
    ]
    return refused(
        400, "invalidRequest", "Payload contains errors", error_id="REST-1064", details=details
    )


def run_query(store: Store, caller: Caller, body: Any) -> Outcome:
    try:
        return _query(store, caller, body)
    except RestQueryError as exc:
        return bad_payload(exc)
    except _FieldsError as many:
        return bad_payload(*many.errors)


class _FieldsError(Exception):
    """Every refused field of a query, told at once."""

    def __init__(self, errors: list[RestQueryError]) -> None:
        super().__init__(errors[0].message)
        self.errors = errors


def _query(store: Store, caller: Caller, body: Any) -> Outcome:
    if not isinstance(body, dict):
        raise RestQueryError("The query is a JSON object.", "")
    for key in body:
        if key not in _KEYS:
            raise RestQueryError(f"{key} is not a valid field", str(key), error_id="REST-1043")
    path = body.get("object")
    found = isinstance(path, str) and served_object(store, scope_for(store, caller), path)
    obj = found or None
    if obj is None:
        raise RestQueryError(f"'{path}' is not an object that can be queried.", "object")
    refusal = denied(store, caller, obj)
    if refusal is not None:
        return refusal
    options = _parameters(body.get("filterParameters"))
    start, size = _bound("start", body.get("start"), 1), _bound("size", body.get("size"), 1)
    size = min(size if "size" in body else DEFAULT_SIZE, MAX_SIZE)
    scope = scope_for(store, caller, showprivate=options["includePrivate"], replica=True)
    zone = zone_of(store, caller.company)
    view = open_view(store, obj, scope, zone)
    names = _fields(view, body.get("fields"))
    as_of = options["asOfDate"] or today_of(store, caller.company)
    settings = Settings(options["caseSensitiveComparison"], zone, as_of)
    where = translate_filters(
        body.get("filters"), body.get("filterExpression"), view.column, settings
    )
    order = translate_order_by(body.get("orderBy"), view.column)
    render = Renderer(view, names)
    rows, total = view.page(render.columns, where, order, size, start - 1)
    records = render.written(rows)
    return Outcome(ia_page(records, total, start, size), len(rows), billed=1)


def _bound(name: str, value: Any, low: int) -> int:
    if value is None:
        return low
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise RestQueryError(f"{name} must be a whole number of at least {low}.", name)
    return value


def _parameters(given: Any) -> Mapping[str, Any]:
    found: dict[str, Any] = {
        "caseSensitiveComparison": True,
        "includePrivate": False,
        "asOfDate": None,
    }
    if given is None:
        return found
    if not isinstance(given, dict):
        raise RestQueryError("filterParameters must be an object.", "filterParameters")
    for name, value in given.items():
        kind = _PARAMETERS.get(name)
        if kind is None or not isinstance(value, kind):
            raise RestQueryError(f"Invalid filter parameter {name}.", f"filterParameters.{name}")
        found[name] = value
    if found["asOfDate"] is not None:
        try:
            found["asOfDate"] = date.fromisoformat(found["asOfDate"])
        except ValueError:
            raise RestQueryError(
                "asOfDate must be YYYY-MM-DD.", "filterParameters.asOfDate"
            ) from None
    return found


def _fields(view: View, fields: Any) -> list[str]:
    """The requested fields, every unknown one named at once."""
    if not isinstance(fields, list) or not fields or not all(isinstance(f, str) for f in fields):
        raise RestQueryError("fields must be a list of field names.", "fields")
    errors: list[RestQueryError] = []
    groups = view.obj.ref_groups()
    for name in fields:
        if name.startswith(_AGGREGATES):
            # [U] aggregates (count:, sum:, ...) are documented but not emulated yet
            errors.append(RestQueryError(f"{name}: aggregate functions are not supported.", name))
        elif name == HREF or (name.endswith(f".{HREF}") and name[: -len(HREF) - 1] in groups):
            continue
        else:
            try:
                view.column(name, "fields")
            except RestQueryError as exc:
                errors.append(exc)
    if errors:
        raise _FieldsError(errors)
    return list(fields)
