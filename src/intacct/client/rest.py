"""The REST API's request path, beside the XML gateway's and under the same rules.

:class:`RestRequestor` sends one call (JSON in, :class:`~intacct.protocol.rest.RestAnswer`
out) through the company's :class:`~intacct.client.company.Gateway`: its concurrency
limit, pacer, budget, ledger and the one retry loop are the XML requests' too (Intacct
counts both APIs against one company). It signs each call with an OAuth access token
from a :class:`~intacct.client.oauth.TokenSource` and, when the API answers 401, asks
for a new token once and sends again: no function ran, so even a write cannot apply
twice. Errors come from the one table (:func:`intacct.protocol.classify.error_for_rest`).

:class:`RestApi` is the everyday calls: the query service, one record, an object's
model, and the bridge to an XML API session.

Billing [U]: one call is one API transaction, a query however many records it answers
(3p: one query is one transaction), sessions and models free as in XML; of the failures
only a 404 is billed (the lookup ran), as the emulator counts: a refused token, payload,
permission or throttle did no work.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from intacct.client.company import Gateway, Tried
from intacct.client.oauth import TokenSource
from intacct.client.transport import FirstByteBudget, HttpAnswer
from intacct.errors import InvalidSessionError, ResponseFormatError, ThrottledError
from intacct.protocol.classify import error_for_rest
from intacct.protocol.rest import RestAnswer, parse_rest
from intacct.protocol.rest_records import RecordShape

__all__ = ["ENTITY_HEADER", "RestApi", "RestCall", "RestRequestor"]

#: narrows a call to one entity (portal: api-essentials; fylein's SDK sends it)
ENTITY_HEADER = "X-IA-API-Param-Entity"


@dataclass(frozen=True, slots=True)
class RestCall:
    """One REST call: ``path`` under the API's base (``/services/core/query``), a JSON
    ``body``, query ``params``. ``writes`` says it changes data; ``idempotency_key``
    (writes) lets a retry be recognized, so a write with one is safe to send again."""

    method: str
    path: str
    body: Any = None
    params: Mapping[str, str] = field(default_factory=dict)
    writes: bool = False
    idempotency_key: str = ""
    #: API transactions it bills [U]: 1; sessions and models free, as the XML
    #: gateway's getAPISession and lookup are
    cost: int = 1
    #: the answer is a file: a JSON array rather than the ia::result envelope
    file: bool = False
    #: the answer is a query page of these records: decoded into columns
    shape: RecordShape | None = None

    @property
    def idempotent(self) -> bool:
        return not self.writes or bool(self.idempotency_key)


@dataclass(frozen=True, slots=True)
class Form:
    """A multipart/form-data body (RFC 7578): named parts, each with its content type
    and an optional file name; the boundary is random, so no part can contain it."""

    parts: tuple[tuple[str, str, bytes, str], ...]  # (name, content type, data, file name)
    boundary: str = field(default_factory=lambda: f"intacct-{uuid.uuid4().hex}")

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    @property
    def encoded(self) -> bytes:
        out = bytearray()
        for name, content_type, data, filename in self.parts:
            disposition = f'form-data; name="{name}"'
            if filename:
                disposition += f'; filename="{filename}"'
            out += f"--{self.boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
            out += f"Content-Type: {content_type}\r\n\r\n".encode()
            out += data + b"\r\n"
        out += f"--{self.boundary}--\r\n".encode()
        return bytes(out)


class RestRequestor:
    """Sends REST calls for one company and entity over its :class:`Gateway`."""

    def __init__(
        self,
        base_url: str,
        entity_id: str,
        gateway: Gateway,
        tokens: TokenSource,
        secrets: tuple[str, ...] = (),
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.entity_id = entity_id
        self.gateway = gateway
        self.tokens = tokens
        self._secrets = secrets

    def send(self, call: RestCall) -> RestAnswer:
        """The answer to ``call`` (safe retries; a new token once after a 401); a
        failure is raised as its classified error."""
        with self.gateway.reserve(call.cost):
            for renewed in (False, True):
                token = self.tokens.token()
                try:
                    return self._exchange(call, token)
                except InvalidSessionError:
                    if renewed:
                        raise
                    self.tokens.refused(token)  # the token's own fault: nothing ran
        raise AssertionError("unreachable")  # pragma: no cover

    def _exchange(self, call: RestCall, token: str) -> RestAnswer:
        url = self._url(call)
        headers = self._headers(call, token)
        if isinstance(call.body, Form):
            body: bytes | None = call.body.encoded
            headers["Content-Type"] = call.body.content_type
        else:
            body = None if call.body is None else json.dumps(call.body).encode("utf-8")
        secrets = (*self._secrets, token)

        def once(budget: FirstByteBudget) -> Tried[RestAnswer]:
            answer = self.gateway.send(call.method, url, body, secrets, budget, headers)
            read = _read(answer, file=call.file, shape=call.shape)
            if read.http_status < 400 or read.http_status == 404:
                self.gateway.bill(call.cost)
            error = error_for_rest(read, retry_after=answer.retry_after)
            if error is not None:
                raise error
            return Tried(read)

        what = f"{call.method} {call.path}"
        return self.gateway.exchange(
            once, idempotent=call.idempotent, writes=call.writes, what=what
        )

    def _url(self, call: RestCall) -> str:
        url = self.base_url + "/" + call.path.lstrip("/")
        return f"{url}?{urlencode(dict(call.params))}" if call.params else url

    def _headers(self, call: RestCall, token: str) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if call.body is not None:
            headers["Content-Type"] = "application/json"
        if self.entity_id:
            headers[ENTITY_HEADER] = self.entity_id
        if call.idempotency_key:
            headers["Idempotency-Key"] = call.idempotency_key
        return headers


def _read(
    answer: HttpAnswer, *, file: bool = False, shape: RecordShape | None = None
) -> RestAnswer:
    try:
        return parse_rest(answer.content, http_status=answer.status, file=file, shape=shape)
    except ResponseFormatError:
        if answer.status == 429:  # a CDN's throttle page instead of the API's JSON
            raise ThrottledError(
                [], level="http", http_status=429, retry_after=answer.retry_after
            ) from None
        raise


class RestApi:
    """The REST API of one company and entity: the query service, records, models and
    the bridge to the XML API."""

    def __init__(self, requestor: RestRequestor) -> None:
        self.requestor = requestor

    def query(
        self,
        object: str,
        fields: Sequence[str],
        *,
        filters: Sequence[Mapping[str, Any]] = (),
        filter_expression: str | None = None,
        order_by: Sequence[Mapping[str, str]] = (),
        start: int = 1,
        size: int | None = None,
        shape: RecordShape | None = None,
    ) -> RestAnswer:
        """One page of ``object``'s records through the query service (``start`` is
        1-based; offset paging: see :mod:`intacct.replication` for exact reads);
        ``shape``: decoded into columns (:mod:`intacct.protocol.rest_records`)."""
        body: dict[str, Any] = {"object": object, "fields": list(fields), "start": start}
        if filters:
            body["filters"] = [dict(f) for f in filters]
        if filter_expression:
            body["filterExpression"] = filter_expression
        if order_by:
            body["orderBy"] = [dict(o) for o in order_by]
        if size is not None:
            body["size"] = size
        return self.requestor.send(RestCall("POST", "/services/core/query", body, shape=shape))

    def get(self, object: str, key: str) -> RestAnswer:
        """One whole record by its key."""
        return self.requestor.send(RestCall("GET", f"/objects/{object}/{quote(key, safe='')}"))

    def model(self, object: str) -> RestAnswer:
        """``object``'s model: fields, types, enums, references."""
        call = RestCall("GET", "/services/core/model", params={"name": object}, cost=0)
        return self.requestor.send(call)

    def models(self) -> RestAnswer:
        """The company's objects, as the model service lists them (no ``name``: each
        ``apiObject``, ``type``, ``href``; standard, REST-only and custom objects)."""
        return self.requestor.send(RestCall("GET", "/services/core/model", cost=0))

    def create(self, object: str, values: Mapping[str, Any], *, key: str = "") -> RestAnswer:
        """Create one record; ``key`` (default: a new one) is its idempotency key, so the
        retry of a lost answer cannot create it twice (409 names the duplicate)."""
        call = RestCall(
            "POST",
            f"/objects/{object}",
            dict(values),
            writes=True,
            idempotency_key=key or uuid.uuid4().hex,
        )
        return self.requestor.send(call)

    def session_id(self) -> tuple[str, int]:
        """An XML API session for the token's company, user and entity, and its
        lifetime in seconds (portal: core, ``GET /services/core/session/id``)."""
        answer = self.requestor.send(RestCall("GET", "/services/core/session/id", cost=0))
        result = answer.result
        try:
            return str(result["sessionId"]), int(result["expiresIn"])
        except (TypeError, KeyError, ValueError):
            raise ResponseFormatError(
                "the session service answered no sessionId and expiresIn",
                http_status=answer.http_status,
            ) from None
