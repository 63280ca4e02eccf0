"""The shapes of REST answers: the ``ia::result``/``ia::meta`` envelope of the REST API
and the OAuth 2 error of the token endpoint."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse

__all__ = ["NO_STORE", "ia_error", "ia_result", "oauth_error"]

#: token answers are never cached (RFC 6749 5.1)
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def ia_result(result: Mapping[str, Any], status: int = 200) -> JSONResponse:
    """One record's answer (portal's core OpenAPI, e.g. ``GET /services/core/session/id``)."""
    meta = {"totalCount": 1, "totalSuccess": 1, "totalError": 0}
    return JSONResponse({"ia::result": dict(result), "ia::meta": meta}, status)


def ia_error(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """An error in REST's envelope: ``ia::result.ia::error`` {code, message, supportId}
    and ``ia::meta`` counting one error (the portal's error examples; docs/rest-catalog.md).
    [U] no ``errorId``/``additionalInfo``: the REST-nnnn numbers and message ids of
    authentication failures are not in what was read, and a made-up one would look real."""
    error = {"code": code, "message": message, "supportId": _support_id()}
    meta = {"totalCount": 1, "totalSuccess": 0, "totalError": 1}
    body = {"ia::result": {"ia::error": error}, "ia::meta": meta}
    return JSONResponse(body, status, headers=dict(headers or {}))


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
