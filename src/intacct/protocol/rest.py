"""REST answers read: the ``ia::result``/``ia::meta`` envelope of the REST API and the
OAuth 2 error of its token endpoint, bytes in, objects out.

Sage's REST API answers JSON (the portal's guides/error-handling and per-module OpenAPI):
a success as ``{"ia::result": ..., "ia::meta": {...}}``; a failure as
``{"ia::result": {"ia::error": {"code", "message", "errorId", "supportId",
"additionalInfo", "details": [...]}}, "ia::meta": {...}}``, with an HTTP status that says
what kind (400 schema, 401 token, 403 permission, 404, 409 conflict, 422 business rule,
429, 5xx). The token endpoint answers an RFC 6749 error ``{"error",
"error_description"}`` instead [U: Sage documents no body of its own]. Either way a
failure becomes :class:`~intacct.errors.ErrorDetail` lines (``errorno`` the code,
``description`` the message, ``description2`` the details, ``correction`` the support
id) so the one table of :mod:`intacct.protocol.classify` classifies them.

Anything else (an HTML page from a proxy, a cut body, JSON that is no object) is a
:class:`~intacct.errors.ResponseFormatError` with the status and a redacted excerpt.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from intacct.errors import ErrorDetail, ResponseFormatError
from intacct.protocol.redact import excerpt
from intacct.protocol.rest_records import RecordShape

__all__ = ["RestAnswer", "errors_in", "parse_rest"]

#: how deep a REST answer may nest before it is refused (a record's groups and
#: references nest a few levels; thousands are an attack on the parser)
_MAX_DEPTH = 64


@dataclass(frozen=True, slots=True)
class RestAnswer:
    """One REST answer: its HTTP status, ``result`` (``ia::result``, or the whole body of
    an answer without the envelope, such as a token), ``meta`` (``ia::meta``), and the
    failure's ``errors`` (empty on success). ``oauth`` says the failure is the token
    endpoint's own."""

    http_status: int
    result: Any
    meta: Mapping[str, Any] = field(default_factory=dict)
    errors: Sequence[ErrorDetail] = ()
    oauth: bool = False

    @property
    def ok(self) -> bool:
        return self.http_status < 400 and not self.errors


def parse_rest(
    content: bytes, *, http_status: int, file: bool = False, shape: RecordShape | None = None
) -> RestAnswer:
    """The answer in ``content`` served with ``http_status``; a 204's empty body is an
    empty success. ``file``: a success may be a JSON array (a bulk job's results file),
    which becomes the answer's ``result``. ``shape``: a query page of those records is
    decoded into columns (the result is a :class:`~.rest_records.RestColumns`); any
    other answer is read the general way."""
    if not content.strip() and http_status == 204:
        return RestAnswer(http_status, None)
    if shape is not None and http_status < 400:
        page = shape.decode(content)
        if page is not None:
            return RestAnswer(http_status, page[0], page[1])
    body = _json(content, http_status, lists=file and http_status < 400)
    if isinstance(body, list):
        return RestAnswer(http_status, body)
    if "error" in body and "ia::result" not in body:
        return RestAnswer(http_status, body, errors=[_oauth_error(body)], oauth=True)
    result = body.get("ia::result", body)
    meta = body.get("ia::meta")
    meta = meta if isinstance(meta, Mapping) else {}
    errors = errors_in(result)
    if http_status >= 400 and not errors:  # a failure must never read as a success
        errors = [ErrorDetail(None, f"HTTP {http_status} without an ia::error")]
    return RestAnswer(http_status, result, meta, errors)


def _json(content: bytes, http_status: int, *, lists: bool = False) -> Any:
    try:
        body = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise _unreadable(content, http_status, f"is not UTF-8 (offset {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise _unreadable(content, http_status, f"is not JSON ({exc.msg})") from None
    except RecursionError:
        raise _unreadable(content, http_status, "nests too deep") from None
    if not isinstance(body, dict) and not (lists and isinstance(body, list)):
        raise _unreadable(content, http_status, f"is a JSON {type(body).__name__}, no object")
    if _depth(body) > _MAX_DEPTH:
        raise _unreadable(content, http_status, f"nests deeper than {_MAX_DEPTH} levels")
    return body


def _depth(value: Any) -> int:
    """How deep ``value`` nests, up to one level past :data:`_MAX_DEPTH` (iteratively: no
    recursion for an attacker to exhaust). Only containers are visited: a page of
    thousands of records costs a fraction of its decoding."""
    deepest, stack = 1, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            if isinstance(child, dict | list):
                if level + 1 > deepest:
                    deepest = level + 1
                    if deepest > _MAX_DEPTH:
                        return deepest
                stack.append((child, level + 1))
    return deepest


def _unreadable(content: bytes, http_status: int, why: str) -> ResponseFormatError:
    title = None
    if content.lstrip()[:1] == b"<":  # a proxy's or CDN's page instead of the API's JSON
        title = ""
    return ResponseFormatError(
        f"REST answer {why}", http_status=http_status, excerpt=excerpt(content), html_title=title
    )


def errors_in(result: Any) -> list[ErrorDetail]:
    """The failure an ``ia::result`` (or one record of a batch's) holds: its
    ``ia::error``, or for a batch the ``ia::error`` of each failed record, in order."""
    if isinstance(result, Mapping) and isinstance(result.get("ia::error"), Mapping):
        return [_ia_error(result["ia::error"])]
    if isinstance(result, list):
        return [
            _ia_error(item["ia::error"])
            for item in result
            if isinstance(item, Mapping) and isinstance(item.get("ia::error"), Mapping)
        ]
    return []


def _ia_error(error: Mapping[str, Any]) -> ErrorDetail:
    details = error.get("details")
    said = []
    if isinstance(details, list):
        said = [_text(d.get("message")) for d in details if isinstance(d, Mapping)]
    support = _text(error.get("supportId"))
    return ErrorDetail(
        _text(error.get("code")) or _text(error.get("errorId")),
        _text(error.get("message")),
        "; ".join(s for s in said if s) or None,
        f"[Support ID: {support}]" if support else None,
    )


def _oauth_error(body: Mapping[str, Any]) -> ErrorDetail:
    return ErrorDetail(_text(body.get("error")), _text(body.get("error_description")))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
