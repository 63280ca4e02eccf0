"""``IntacctClient``: one session, one ``httpx.Client``, safe retries, idempotent writes.

The request path is ``execute`` → envelope (:mod:`.protocol.envelope`) → retry policy
(:mod:`.retry`) → transport (:mod:`.transport`) → parser and classification table
(:mod:`.protocol.response`, :mod:`.protocol.classify`). Control- and
authentication-level failures raise; function failures come back on each
:class:`~intacct.protocol.response.Result` (``call`` raises them for you).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from types import TracebackType
from typing import Any

import httpx

from intacct import pagination
from intacct.config import ClientConfig
from intacct.errors import (
    AlreadyAppliedError,
    ErrorDetail,
    GatewayError,
    InvalidSessionError,
    RequestBuildError,
    ResponseFormatError,
    ThrottledError,
    UnavailableError,
)
from intacct.logging import HistoryHook
from intacct.metadata import ObjectModel
from intacct.protocol import functions as fn
from intacct.protocol import xml
from intacct.protocol.classify import error_for_response, error_for_result
from intacct.protocol.envelope import (
    Authentication,
    ControlBlock,
    LoginAuthentication,
    SessionAuthentication,
    build_request,
)
from intacct.protocol.query import Filter, Order
from intacct.protocol.response import Data, Record, Response, Result, parse_records_body
from intacct.protocol.response import parse_response as _parse_response
from intacct.retry import RetryPolicy
from intacct.session import Session, SessionState, session_from_response
from intacct.transport import HttpAnswer, Transport

__all__ = ["MAX_FUNCTIONS", "IntacctClient", "is_applied"]

log = logging.getLogger("intacct.client")

#: functions per request; Intacct documents 100 records/keys per function and no
#: request limit [U], so 100 keeps a request's size and blast radius bounded.
MAX_FUNCTIONS = 100

# Generic functions DTD 2.1 does not know (its catalogue has only object functions,
# get_list, get and getAPISession).
_DTD30_ONLY = frozenset(
    {
        "query",
        "readByQuery",
        "readMore",
        "read",
        "readByName",
        "create",
        "update",
        "delete",
        "lookup",
        "inspect",
        "getDimensions",
        "readUserFormatting",
        "readEntityDetails",
    }
)

Call = fn.Function | tuple[str, fn.Function]


def is_applied(result: Result) -> bool:
    """True when the write in ``result`` took effect: it succeeded now, or a replay was
    refused because the same control id already ran (``AlreadyAppliedError``)."""
    if result.ok:
        return True
    return isinstance(error_for_result(result), AlreadyAppliedError)


class IntacctClient:
    """A connection to one Intacct company (and optionally one entity).

    Use it as a context manager. Thread-safe: at most ``config.max_concurrency``
    requests are in flight at once, and one session is shared.
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        http_transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        history: HistoryHook | None = None,
        idempotent_writes: bool = True,
        idempotency_namespace: str | None = None,
    ) -> None:
        self.config = config
        self._transport = Transport(timeout_s=config.timeout_s, http_transport=http_transport)
        self._retry = retry or RetryPolicy(max_attempts=config.max_retries + 1)
        self._history = history
        self._idempotent_writes = idempotent_writes
        # Derived write control ids are scoped by this namespace. The default (random per
        # client) makes every retry of this client safe while a later, different write of
        # the same content (A -> B -> A) is not refused as a replay; pass a stable
        # namespace (a run or batch id) to make re-running the same batch safe as well.
        self._namespace = idempotency_namespace or uuid.uuid4().hex
        self._sessions = SessionState()
        self._slots = threading.BoundedSemaphore(config.max_concurrency)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], **kwargs: Any) -> IntacctClient:
        return cls(ClientConfig.from_mapping(values), **kwargs)

    @classmethod
    def from_env(cls, **kwargs: Any) -> IntacctClient:
        return cls(ClientConfig.from_env(), **kwargs)

    def __enter__(self) -> IntacctClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._transport.close()

    def __repr__(self) -> str:
        c = self.config
        return f"IntacctClient(company_id={c.company_id!r}, entity_id={c.entity_id!r})"

    @property
    def session(self) -> Session | None:
        """The current API session, if one is open (its ``repr`` hides the id)."""
        return self._sessions.current

    # -- the request path -------------------------------------------------------------

    def execute(self, calls: Sequence[Call], *, transaction: bool | None = None) -> list[Result]:
        """Send up to 100 functions in one request; one result per function, in order.

        A call is a function, or ``(controlid, function)`` to choose the control id.
        Writes get a deterministic control id derived from the record (unless given)
        and the request is sent with ``uniqueid=true``, so a retried write cannot apply
        twice. Function failures are returned, not raised; see :meth:`call`.
        """
        pairs = self._controlled(calls)
        writes = any(f.writes for _, f in pairs)
        uniqueid = writes and self._idempotent_writes
        return_format = self._return_format(pairs)
        response = self._send(
            pairs,
            transaction=transaction,
            uniqueid=uniqueid,
            idempotent=uniqueid or not writes,
            return_format=return_format,
        )
        if isinstance(response, Response):
            return response.results
        cid, function = pairs[0]
        return [Result("success", function.name, cid, data=Data({}, response))]

    def call(self, function: fn.Function, *, controlid: str | None = None) -> Result:
        """Execute one function and raise its classified error if it failed."""
        result = self.execute([(controlid, function) if controlid else function])[0]
        error = error_for_result(result)
        if error is not None:
            raise error
        return result

    def _controlled(self, calls: Sequence[Call]) -> list[tuple[str, fn.Function]]:
        if not calls:
            raise RequestBuildError("functions", "at least one function is required")
        if len(calls) > MAX_FUNCTIONS:
            raise RequestBuildError(
                "functions",
                f"at most {MAX_FUNCTIONS} per request, got {len(calls)}; "
                "split them into several execute() calls",
            )
        pairs = [c if isinstance(c, tuple) else (self._controlid(c), c) for c in calls]
        seen: Counter[str] = Counter()
        unique: list[tuple[str, fn.Function]] = []
        for cid, function in pairs:
            seen[cid] += 1
            # Identical writes in one batch would share a derived id; number the repeats.
            unique.append((cid if seen[cid] == 1 else f"{cid}#{seen[cid]}", function))
        self._check_functions([f for _, f in unique])
        return unique

    def _check_functions(self, functions: list[fn.Function]) -> None:
        if len(functions) > 1 and any(isinstance(f, fn.GetAPISession) for f in functions):
            raise RequestBuildError("functions", "getAPISession must be alone in its request")
        if self.config.dtd_version == "2.1":
            bad = sorted({f.name for f in functions if f.name in _DTD30_ONLY})
            if bad:
                raise RequestBuildError(
                    "functions",
                    f"{', '.join(bad)} need dtd_version 3.0; DTD 2.1 only has "
                    "object functions (create_<object>, get_list, get, ...)",
                )

    def _controlid(self, function: fn.Function) -> str:
        if function.writes and self._idempotent_writes:
            # The same record (same fields, same order) always serializes to the same
            # bytes; scoped by company and entity so tenants never share an id.
            c = self.config
            scope = f"{self._namespace}\x00{c.company_id}\x00{c.entity_id}\x00".encode()
            body = xml.serialize(function.to_xml(), declaration=False)
            digest = hashlib.sha256(scope + body).hexdigest()[:40]
            return f"{function.name}-{digest}"
        return f"{function.name}-{uuid.uuid4().hex[:20]}"

    @staticmethod
    def _return_format(pairs: list[tuple[str, fn.Function]]) -> str | None:
        formats = {getattr(f, "returnformat", None) for _, f in pairs} - {None, "xml"}
        if not formats:
            return None
        if len(pairs) > 1:
            raise RequestBuildError(
                "returnformat",
                "json/csv answers carry no envelope, so such a function "
                "must be alone in its request",
            )
        return str(formats.pop())

    def _control(self, *, uniqueid: bool) -> ControlBlock:
        return ControlBlock(
            senderid=self.config.sender_id,
            password=self.config.sender_password,
            controlid=f"{int(time.time())}-{uuid.uuid4().hex[:8]}",
            uniqueid=uniqueid,
            dtdversion=self.config.dtd_version,
        )

    def _login(self, locationid: str | None = None) -> LoginAuthentication:
        c = self.config
        return LoginAuthentication(
            userid=c.user_id,
            companyid=c.company_id,
            password=c.user_password,
            locationid=(c.entity_id if locationid is None else locationid) or None,
        )

    def _send(
        self,
        pairs: list[tuple[str, fn.Function]],
        *,
        transaction: bool | None,
        uniqueid: bool,
        idempotent: bool,
        return_format: str | None,
    ) -> Response | list[Record]:
        for relogin in (False, True):
            auth, url, sessionid = self._authentication()
            body = build_request(
                self._control(uniqueid=uniqueid),
                auth,
                [(cid, f.to_xml()) for cid, f in pairs],
                transaction=transaction,
            )

            def attempt(
                url: str = url, body: bytes = body, sessionid: str | None = sessionid
            ) -> Response | list[Record]:
                return self._roundtrip(url, body, len(pairs), idempotent, return_format, sessionid)

            try:
                return self._retry.call(attempt, idempotent=idempotent)
            except InvalidSessionError:
                # Authentication failed, so no function ran: replaying the whole request
                # (reads and writes alike) under a new session cannot apply anything twice.
                if sessionid is None or relogin:
                    raise
                log.info("session expired or invalid; signing in again")
                self._sessions.invalidate(sessionid)
        raise AssertionError("unreachable")  # pragma: no cover

    def _authentication(self) -> tuple[Authentication, str, str | None]:
        if self.config.auth_type == "login":
            return self._login(), self.config.api_url, None
        session = self._sessions.usable() or self._open_session()
        return SessionAuthentication(session.sessionid), session.endpoint, session.sessionid

    def _open_session(self) -> Session:
        with self._sessions.lock:
            session = self._sessions.usable()
            if session is not None:  # another thread opened it while we waited
                return session
            session = self._get_api_session(
                self._login(), self.config.api_url, expected=self.config.entity_id
            )
            self._sessions.set(session)
            log.info(
                "API session opened (entity %r, endpoint %s)",
                session.locationid or "top level",
                session.endpoint,
            )
            return session

    def _get_api_session(
        self, auth: Authentication, url: str, *, expected: str, locationid: str | None = None
    ) -> Session:
        body = build_request(
            self._control(uniqueid=False),
            auth,
            [("sessionProvider", fn.GetAPISession(locationid=locationid).to_xml())],
        )
        response = self._retry.call(
            lambda: self._roundtrip(url, body, 1, True, None, None), idempotent=True
        )
        assert isinstance(response, Response)
        error = error_for_result(response.results[0])
        if error is not None:
            raise error
        return session_from_response(response, expected_locationid=expected)

    def switch_entity(self, entity_id: str) -> Session:
        """Move this client's session to another entity ("" = top level)."""
        auth, url, _ = self._authentication()
        with self._sessions.lock:
            session = self._get_api_session(auth, url, expected=entity_id, locationid=entity_id)
            self._sessions.set(session)
        self.config = replace(self.config, entity_id=entity_id)
        return session

    def _roundtrip(
        self,
        url: str,
        body: bytes,
        expected_results: int,
        idempotent: bool,
        return_format: str | None,
        sessionid: str | None,
    ) -> Response | list[Record]:
        started = time.monotonic()
        with self._slots:
            answer = self._transport.post(url, body)
        log.debug(
            "POST %s -> HTTP %d in %.0f ms", url, answer.status, (time.monotonic() - started) * 1000
        )
        if self._history is not None:
            self._history.record(body, answer.content, answer.status, self.config.secrets)
        if return_format and answer.status < 400 and not answer.content.lstrip().startswith(b"<"):
            return parse_records_body(answer.content, return_format)
        response = self._parse(answer)
        if sessionid is not None and response.operation is not None:
            self._sessions.slide(sessionid, response.operation.authentication)
        self._raise_transient(response, expected_results, idempotent)
        return response

    @staticmethod
    def _parse(answer: HttpAnswer) -> Response:
        try:
            response = _parse_response(answer.content, http_status=answer.status)
        except ResponseFormatError:
            if answer.status == 429:  # a CDN throttle page instead of the gateway's XML
                throttled = ThrottledError([], level="http", http_status=429)
                throttled.retry_after = answer.retry_after
                raise throttled from None
            raise
        error = error_for_response(response)
        if error is not None:
            if isinstance(error, ThrottledError):
                error.retry_after = answer.retry_after
            raise error
        return response

    @staticmethod
    def _raise_transient(response: Response, expected: int, idempotent: bool) -> None:
        results = response.results
        if response.acknowledgement is None and len(results) != expected:
            raise ResponseFormatError(
                f"expected {expected} results, got {len(results)}",
                http_status=response.http_status,
            )
        errors = [error_for_result(r, http_status=response.http_status) for r in results]
        transient = [e for e in errors if isinstance(e, ThrottledError | UnavailableError)]
        # Re-send only if nothing can have been applied, or sending twice is harmless.
        if transient and (idempotent or len(transient) == len(results)):
            raise transient[0]

    # -- conveniences -------------------------------------------------------------------

    def read(
        self, object: str, keys: Sequence[int | str], fields: Sequence[str] | str = "*"
    ) -> list[Record]:
        """``read`` by RECORDNO (up to 100 keys)."""
        return self.call(fn.Read(object, keys, fields)).records

    def read_by_name(
        self, object: str, keys: Sequence[str], fields: Sequence[str] | str = "*"
    ) -> list[Record]:
        """``readByName`` by the object's business id (VENDORID, ACCOUNTNO, ...)."""
        return self.call(fn.ReadByName(object, keys, fields)).records

    def query(
        self,
        object: str,
        select: Sequence[str],
        *,
        filter: Filter | None = None,
        orderby: Sequence[Order] = (),
        pagesize: int | None = None,
        offset: int | None = None,
        caseinsensitive: bool = False,
    ) -> Result:
        """One page of the ``query`` function; see :meth:`iter_query` for all rows."""
        return self.call(
            fn.Query(
                object,
                select,
                filter=filter,
                orderby=orderby,
                pagesize=pagesize,
                offset=offset,
                caseinsensitive=caseinsensitive,
            )
        )

    def create(
        self, object: str, records: Sequence[Mapping[str, Any]], *, transaction: bool | None = None
    ) -> list[Result]:
        """Create records, one function (and control id) per record, 100 per request."""
        return self._write(fn.Create, object, records, transaction)

    def update(
        self, object: str, records: Sequence[Mapping[str, Any]], *, transaction: bool | None = None
    ) -> list[Result]:
        """Update records (each identified by RECORDNO or its id field)."""
        return self._write(fn.Update, object, records, transaction)

    def _write(
        self,
        kind: type[fn.Create] | type[fn.Update],
        object: str,
        records: Sequence[Mapping[str, Any]],
        transaction: bool | None,
    ) -> list[Result]:
        calls: list[Call] = [kind([(object, record)]) for record in records]
        results: list[Result] = []
        for start in range(0, len(calls), MAX_FUNCTIONS):
            results += self.execute(calls[start : start + MAX_FUNCTIONS], transaction=transaction)
        return results

    def delete(self, object: str, keys: Sequence[int | str]) -> Result:
        """Delete up to 100 records by RECORDNO."""
        return self.call(fn.Delete(object, keys))

    def iter_query(
        self,
        object: str,
        select: Sequence[str],
        *,
        filter: Filter | None = None,
        key: str = "RECORDNO",
        pagesize: int | None = None,
        showprivate: bool = False,
    ) -> Iterator[Record]:
        """Every matching record, lazily, paged by keyset on ``key`` (RECORDNO, or
        WHENMODIFIED with RECORDNO as tie-breaker) with a stable ``orderby``."""
        return pagination.iter_query(
            self.call,
            object,
            select,
            filter=filter,
            key=key,
            pagesize=pagesize or min(self.config.page_size, 2000),
            showprivate=showprivate,
        )

    def iter_read_by_query(
        self,
        object: str,
        query: str = "",
        fields: Sequence[str] | str = "*",
        pagesize: int | None = None,
    ) -> Iterator[Record]:
        """Every matching record, lazily, through readByQuery then readMore(resultId)."""
        return pagination.iter_read_by_query(
            self.call, object, query, fields, pagesize=pagesize or min(self.config.page_size, 1000)
        )

    def lookup(self, object: str) -> ObjectModel:
        """The object's fields and relationships (``lookup``)."""
        return ObjectModel.from_record(self._type_record(fn.Lookup(object), object))

    def inspect(self, object: str) -> ObjectModel:
        """The object's fields with lengths and flags (``inspect detail="1"``)."""
        return ObjectModel.from_record(self._type_record(fn.Inspect(object, detail=True), object))

    def _type_record(self, function: fn.Function, object: str) -> Record:
        record = next((r for r in self.call(function).records if r.tag == "Type"), None)
        if record is None:
            raise GatewayError(
                [ErrorDetail(None, description2=f"no <Type> in the answer for {object}")],
                level="result",
                function=function.name,
            )
        return record

    def get_dimensions(self) -> list[Record]:
        return self._nested(fn.GetDimensions(), "dimension")

    def read_entity_details(self) -> list[Record]:
        return self._nested(fn.ReadEntityDetails(), "entity")

    def read_user_formatting(self) -> list[Record]:
        return self.call(fn.ReadUserFormatting()).records

    def _nested(self, function: fn.Function, tag: str) -> list[Record]:
        out: list[Record] = []
        for record in self.call(function).records:
            out += [record] if record.tag == tag else record.nested(tag)
        return out
