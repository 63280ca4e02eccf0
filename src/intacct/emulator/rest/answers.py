"""The shapes of REST answers: the ``ia::result``/``ia::meta`` envelope of the REST API
and the OAuth 2 error of the token endpoint."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from starlette.responses import JSONResponse

from intacct.emulator.rest.written import PASSTHROUGH, Writer

__all__ = [
    "NO_STORE",
    "RecordsJSON",
    "error_item",
    "ia_error",
    "ia_list",
    "ia_page",
    "ia_result",
    "oauth_error",
]

#: token answers are never cached (RFC 6749 5.1)
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class RecordsJSON(JSONResponse):
    """A page of records written by orjson, about 8x as fast as json (pages are the REST
    API's largest answers), byte for byte what :class:`JSONResponse` writes for what
    records hold: dicts with text keys, lists, text (any code point), booleans, null,
    64-bit integers, floats (those orjson writes otherwise the converters mark:
    :class:`~.values.JsonFloat`). orjson refuses anything else (subclasses, dates,
    larger integers, bytes), and json writes it, or fails on it, as before."""

    def render(self, content: Any) -> bytes:
        if isinstance(content, bytes):  # written already (:func:`ia_page`)
            return content
        try:
            return orjson.dumps(content, option=PASSTHROUGH)
        except orjson.JSONEncodeError:
            return super().render(content)


def ia_result(result: Mapping[str, Any], status: int = 200) -> JSONResponse:
    """One record's answer (portal's core OpenAPI, e.g. ``GET /services/core/session/id``)."""
    meta = {"totalCount": 1, "totalSuccess": 1, "totalError": 0}
    return JSONResponse({"ia::result": dict(result), "ia::meta": meta}, status)


def ia_list(results: Sequence[Mapping[str, Any]]) -> JSONResponse:
    """A whole list that is not paged (the model service's list of objects, the
    dimensions list): ``ia::meta`` counts it as records that succeeded."""
    meta = {"totalCount": len(results), "totalSuccess": len(results), "totalError": 0}
    return JSONResponse({"ia::result": [dict(r) for r in results], "ia::meta": meta})


def ia_page(
    records: list[dict[str, Any]] | Writer, total: int, start: int, size: int
) -> JSONResponse:
    """A page of a list or query (portal: core OpenAPI ``metadata-pages``): ``next`` and
    ``previous`` the first member of the pages around it, null at the ends. ``records``
    may be written from their columns (:mod:`.written`): the envelope around them is
    written in the same text."""
    after = start + size
    meta = {
        "totalCount": total,
        "start": start,
        "pageSize": size,
        "next": after if after <= total else None,
        "previous": max(1, start - size) if start > 1 else None,
    }
    if callable(records):
        tail = orjson.dumps(meta, option=PASSTHROUGH).decode()
        return RecordsJSON(records('{"ia::result":', f',"ia::meta":{tail}}}'))
    return RecordsJSON({"ia::result": records, "ia::meta": meta})


def ia_error(
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    *,
    error_id: str | None = None,
    details: Sequence[Mapping[str, str]] = (),
) -> JSONResponse:
    """An error in REST's envelope: ``ia::result.ia::error`` {code, message, supportId}
    and ``ia::meta`` counting one error (the portal's error examples; docs/rest-catalog.md).
    [U] an ``errorId`` only where the portal documents the number (core OpenAPI's error
    schema: REST-1064 "Payload contains errors" with REST-1043 "... is not a valid
    field" details): a made-up one would look real. ``details`` each {code, message,
    target[, errorId]}."""
    meta = {"totalCount": 1, "totalSuccess": 0, "totalError": 1}
    body = {"ia::result": error_item(code, message, error_id=error_id, details=details)}
    return JSONResponse({**body, "ia::meta": meta}, status, headers=dict(headers or {}))


def error_item(
    code: str,
    message: str,
    *,
    error_id: str | None = None,
    details: Sequence[Mapping[str, str]] = (),
) -> dict[str, Any]:
    """``{"ia::error": ...}``: an error answer's result, or a failed record's place in a
    batch's list (the golden 207 answer)."""
    error: dict[str, Any] = {"code": code, "message": message, "supportId": _support_id()}
    if error_id:
        error["errorId"] = error_id
    if details:
        error["details"] = [dict(d) for d in details]
    return {"ia::error": error}


def oauth_error(
    status: int, error: str, description: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """RFC 6749 5.2: ``{"error", "error_description"}``, 400, or 401 for ``invalid_client``.
    [U] Sage documents no token-endpoint error body; the RFC's is what OAuth clients
    parse. A refused refresh token says "Invalid token" in its description, which is what
    fylein's intacct-rest-sdk-py looks for in a 400 to tell a dead token apart."""
    body = {"error": error, "error_description": description}
    return JSONResponse(body, status, headers={**NO_STORE, **(headers or {})})


def _support_id() -> str:
    """Like the gateway's Support IDs: opaque, URL-escaped ``~`` included."""
    return secrets.token_urlsafe(20).replace("-", "%7E")
