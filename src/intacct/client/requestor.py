"""The request path: envelope, session, retry, classification; one send at a time.

:class:`Requestor` turns a list of ``(controlid, function)`` pairs into one HTTP request
and returns the parsed answer. It signs in (``getAPISession``) when needed, follows the
endpoint the session names, retries what is safe to retry, signs in again once if the
session is invalid, and raises control- and authentication-level failures as classified
errors. Function failures stay on the results.

:class:`Gateway` is what every entity of one company shares: the HTTP transport, one
concurrency limit (Intacct limits concurrent requests per company, not per entity) and
the retry policy.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from lxml import etree

from intacct.client.pacing import Pacer
from intacct.client.retry import Attempt, RetryPolicy, ambiguous
from intacct.client.session import Session, SessionState, session_from_response
from intacct.client.transport import FirstByteBudget, HttpAnswer, Transport
from intacct.config import ClientConfig
from intacct.errors import (
    AmbiguousWriteError,
    BudgetExhaustedError,
    ErrorDetail,
    GatewayError,
    InvalidSessionError,
    ResponseFormatError,
    ThrottledError,
    TransportError,
    UnavailableError,
)
from intacct.logging import HistoryHook
from intacct.protocol import billing
from intacct.protocol import functions as fn
from intacct.protocol.classify import error_for_response, error_for_result
from intacct.protocol.columns import read_columns
from intacct.protocol.envelope import (
    Authentication,
    ControlBlock,
    LoginAuthentication,
    SessionAuthentication,
    build_request,
)
from intacct.protocol.response import Record, Response, parse_records_body, parse_response

__all__ = ["Gateway", "Ledger", "Meter", "Requestor", "Send"]

log = logging.getLogger("intacct.client")

Answer = Response | list[Record]
#: a json/csv answer to a returnformat request can still be an XML failure
_XML_START = re.compile(rb"\s*<")


@dataclass(slots=True)
class Meter:
    """API transactions billed for the calls one thread made inside
    :meth:`Gateway.meter` (the engine's cost per stream)."""

    transactions: int = 0


class Ledger(Protocol):
    """Where a run's spend is kept durably (a destination's ``_intacct_runs`` row)."""

    def cover(self, transactions: int) -> None:
        """Record, before it is sent, that the run may have billed up to
        ``transactions`` (called with a higher figure each time, possibly from several
        threads; figures may arrive out of order); raise to refuse the request."""


class Gateway:
    """The company-wide parts: transport, concurrency limit, retry policy, history, and
    the API transactions billed so far (:mod:`intacct.protocol.billing`)."""

    def __init__(
        self,
        transport: Transport,
        *,
        max_concurrency: int,
        retry: RetryPolicy,
        history: HistoryHook | None = None,
        budget: int | None = None,
    ) -> None:
        self.transport = transport
        #: API transactions the company's requests may bill in all (None: no limit)
        self.budget = budget
        #: where the spend is recorded before each billed request (None: nowhere)
        self.ledger: Ledger | None = None
        self._reserved = 0  # the cost of the requests in flight (or waiting for a slot)
        self._out = 0  # the cost of those sent and not yet answered
        self._send = threading.local()  # this thread's send: its cost pending, or out
        self.slots = threading.BoundedSemaphore(max_concurrency)
        self.pacer = Pacer(self.slots, max_concurrency)  # a throttle slows every thread
        self.sent = 0  # requests posted (retries and logins included), by every thread
        self.billed = 0  # API transactions of the functions answered, by every thread
        self._count = threading.Lock()
        self._meters = threading.local()
        self.retry = retry
        self.history = history

    def post(
        self, url: str, body: bytes, secrets: tuple[str, ...], budget: FirstByteBudget
    ) -> HttpAnswer:
        self.pacer.wait()
        with self._count:
            self.sent += 1
        started = time.monotonic()
        with self.slots:
            self._cover()
            answer = self.transport.post(url, body, budget)
        log.debug(
            "POST %s -> HTTP %d in %.0f ms", url, answer.status, (time.monotonic() - started) * 1000
        )
        if self.history is not None:
            self.history.record(body, answer.content, answer.status, secrets)
        return answer

    def _cover(self) -> None:
        """This thread's send goes on the wire: the ledger records what every request
        answered or on the wire may bill, this one's included, before it is sent (a
        request still waiting for a slot is not counted: killed then, it never went)."""
        cost = getattr(self._send, "pending", 0)
        if not cost:  # not a billed send, or counted at its first try
            return
        with self._count:
            self._out += cost
            figure = self.billed + self._out
        self._send.pending, self._send.out = 0, cost
        if self.ledger is not None:
            self.ledger.cover(figure)  # raises to refuse: the send's exit undoes _out

    @contextmanager
    def reserve(self, cost: int) -> Iterator[None]:
        """Hold ``cost`` while a request is in flight: requests sent at once can never
        bill more than the budget together (refused before sending); the ledger is
        told when it goes on the wire (:meth:`_cover`)."""
        if not cost:
            yield
            return
        with self._count:
            spent = self.billed + self._reserved
            if self.budget is not None and spent + cost > self.budget:
                raise BudgetExhaustedError(self.budget, spent, cost)
            self._reserved += cost
        self._send.pending, self._send.out = cost, 0
        try:
            yield
        finally:
            with self._count:
                self._reserved -= cost
                self._out -= self._send.out
            self._send.pending, self._send.out = 0, 0

    @property
    def owed(self) -> int:
        """What the requests answered and those sent and not yet answered may bill."""
        with self._count:
            return self.billed + self._out

    def bill(self, transactions: int) -> None:
        """Count what an answered request cost, company-wide and on this thread's meters;
        its cost is no longer out (it is billed)."""
        with self._count:
            self.billed += transactions
            self._out -= getattr(self._send, "out", 0)
        self._send.out = 0
        for meter in getattr(self._meters, "active", ()):
            meter.transactions += transactions

    @contextmanager
    def meter(self) -> Iterator[Meter]:
        """The transactions billed for this thread's calls until the block ends."""
        active: list[Meter] = self._meters.__dict__.setdefault("active", [])
        meter = Meter()
        active.append(meter)
        try:
            yield meter
        finally:
            active.remove(meter)


@dataclass(frozen=True, slots=True)
class Send:
    """One logical send: its functions with their control ids, and how to send them.

    ``idempotent`` says a retry cannot apply anything twice (reads, or writes under
    ``uniqueid`` with control ids every retry shares); ``writes`` says it changes data.
    """

    calls: Sequence[tuple[str, fn.Function]]
    transaction: bool | None = None
    uniqueid: bool = False
    idempotent: bool = True
    writes: bool = False
    return_format: str | None = None
    #: read the one ``query``'s records as columns where the fast reader can
    #: (:mod:`intacct.protocol.columns`)
    columnar: bool = False


def _billed(elements: Sequence[tuple[str, etree._Element]], answer: Answer) -> int:
    """The functions that ran: every one with a result, except those the gateway turned
    away (throttled, unavailable: rejections are not billed); a json/csv answer is its
    one function's."""
    if not isinstance(answer, Response):
        return sum(billing.api_transactions(element) for _, element in elements)
    return sum(
        billing.api_transactions(element)
        for (_, element), result in zip(elements, answer.results, strict=False)
        if not isinstance(error_for_result(result), ThrottledError | UnavailableError)
    )


def _control_block(config: ClientConfig, uniqueid: bool) -> ControlBlock:
    return ControlBlock(
        senderid=config.sender_id,
        password=config.sender_password,
        # the request's own id is informational; uniqueid checks the function ids
        controlid=f"{int(time.time())}-{uuid.uuid4().hex[:8]}",
        uniqueid=uniqueid,
        dtdversion=config.dtd_version,
    )


class Requestor:
    """Sends requests for one company and entity (``config.entity_id``) with its own
    session, over a :class:`Gateway` it may share with the company's other entities."""

    def __init__(self, config: ClientConfig, gateway: Gateway) -> None:
        self.config = config
        self.gateway = gateway
        self.sessions = SessionState()

    # -- sending ------------------------------------------------------------------------

    def send(self, send: Send) -> Answer:
        """Send once (with safe retries); sign in again once if the session is invalid."""
        elements = [(cid, f.to_xml()) for cid, f in send.calls]  # built once per send
        cost = sum(billing.api_transactions(element) for _, element in elements)
        with self.gateway.reserve(cost):
            return self._send(send, elements)

    def _send(self, send: Send, elements: list[tuple[str, etree._Element]]) -> Answer:
        for relogin in (False, True):
            auth, url, sessionid = self._authentication()
            body = build_request(
                _control_block(self.config, send.uniqueid),
                auth,
                elements,
                transaction=send.transaction,
            )
            try:
                answer = self._with_retries(url, body, send, sessionid)
            except InvalidSessionError:
                # Authentication failed, so no function ran: replaying the whole request
                # (reads and writes alike) under a new session cannot apply anything twice.
                if sessionid is None or relogin:
                    raise
                log.info("session expired or invalid; signing in again")
                self.sessions.invalidate(sessionid)
                continue
            self.gateway.bill(_billed(elements, answer))
            return answer
        raise AssertionError("unreachable")  # pragma: no cover

    def _with_retries(self, url: str, body: bytes, send: Send, sessionid: str | None) -> Answer:
        policy = self.gateway.retry
        budget = self.gateway.transport.budget()  # one wait for a first byte, all tries
        number = 1
        while True:
            kept: Response | None = None
            try:
                answer = self.gateway.post(url, body, self.config.secrets, budget)
                outcome = self._interpret(answer, send, sessionid)
                transient = (
                    self._transient(outcome, send) if isinstance(outcome, Response) else None
                )
                if transient is None:
                    self.gateway.pacer.answered()
                    return outcome
                error: TransportError | GatewayError = transient
                assert isinstance(outcome, Response)  # transient answers are XML
                kept, retry_after = outcome, answer.retry_after
            except GatewayError as exc:
                error, retry_after = exc, exc.retry_after
            except TransportError as exc:
                error, retry_after = exc, None
            if isinstance(error, ThrottledError):
                self.gateway.pacer.throttled(retry_after)
            attempt = Attempt(number, error, send.idempotent, retry_after, budget.left)
            if self.gateway.transport.closed or not policy.should_retry(attempt):
                if kept is not None:  # function failures are returned, not raised
                    return kept
                raise self._final(error, send) from error
            policy.pause(attempt, what=", ".join(sorted({f.name for _, f in send.calls})))
            number += 1

    @staticmethod
    def _final(error: TransportError | GatewayError, send: Send) -> Exception:
        """The error to raise when retries end: a lost answer to a write says so."""
        truncated = isinstance(error, ResponseFormatError) and (error.http_status or 200) < 400
        if send.writes and (ambiguous(error) or truncated):
            return AmbiguousWriteError(error)
        return error

    def _interpret(self, answer: HttpAnswer, send: Send, sessionid: str | None) -> Answer:
        content = answer.content
        if send.return_format and answer.status < 400 and not _XML_START.match(content):
            return parse_records_body(content, send.return_format, http_status=answer.status)
        try:
            response = self._columns(content, send, answer.status) or parse_response(
                content, http_status=answer.status
            )
        except ResponseFormatError:
            if answer.status == 429:  # a CDN throttle page instead of the gateway's XML
                raise ThrottledError(
                    [], level="http", http_status=429, retry_after=answer.retry_after
                ) from None
            raise
        error = error_for_response(response, retry_after=answer.retry_after)
        if error is not None:
            raise error
        if sessionid is not None and response.operation is not None:
            self.sessions.slide(sessionid, response.operation.authentication)
        self._check_count(response, len(send.calls))
        return response

    @staticmethod
    def _columns(content: bytes, send: Send, status: int) -> Response | None:
        """A successful page of one query's records, read as columns (None: read it the
        hardened way)."""
        if not send.columnar or len(send.calls) != 1 or status >= 400:
            return None
        function = send.calls[0][1]
        if not isinstance(function, fn.Query) or not all(
            isinstance(f, str) for f in function.select
        ):
            return None
        return read_columns(content, [str(f) for f in function.select], http_status=status)

    @staticmethod
    def _check_count(response: Response, expected: int) -> None:
        got = len(response.results)
        if got == expected:
            return
        if response.acknowledgement is not None and not got:
            # Queued, not failed: re-sending would queue it again, so this is no
            # transport error to retry but the gateway's answer.
            detail = (
                "the gateway acknowledged the request for offline (asynchronous) processing "
                "and returned no results; this client sends synchronous requests only: check "
                "the Web Services sender's offline processing policy"
            )
            raise GatewayError(
                [ErrorDetail(None, description2=detail)],
                level="control",
                http_status=response.http_status,
            )
        raise ResponseFormatError(
            f"expected {expected} results, got {got}", http_status=response.http_status
        )

    @staticmethod
    def _transient(response: Response, send: Send) -> GatewayError | None:
        """A throttled/unavailable function failure worth re-sending the request for:
        only if re-sending cannot apply anything twice."""
        errors = [error_for_result(r, http_status=response.http_status) for r in response.results]
        transient = [e for e in errors if isinstance(e, ThrottledError | UnavailableError)]
        if transient and (send.idempotent or len(transient) == len(errors)):
            return transient[0]
        return None

    # -- sessions -----------------------------------------------------------------------

    def _login(self, locationid: str | None = None) -> LoginAuthentication:
        c = self.config
        return LoginAuthentication(
            userid=c.user_id,
            companyid=c.company_id,
            password=c.user_password,
            locationid=(c.entity_id if locationid is None else locationid) or None,
        )

    def _authentication(self) -> tuple[Authentication, str, str | None]:
        if self.config.auth_type == "login":
            return self._login(), self.config.api_url, None
        session = self.sessions.usable() or self.sign_in()
        return SessionAuthentication(session.sessionid), session.endpoint, session.sessionid

    def sign_in(self) -> Session:
        """Open this entity's API session (once, even when threads race for it)."""
        with self.sessions.lock:
            session = self.sessions.usable()
            if session is not None:  # another thread opened it while we waited
                return session
            session = self._get_api_session()
            self.sessions.set(session)
            log.info(
                "API session opened (entity %r, endpoint %s)",
                session.locationid or "top level",
                session.endpoint,
            )
            return session

    def _get_api_session(self) -> Session:
        body = build_request(
            _control_block(self.config, uniqueid=False),
            self._login(),
            [("sessionProvider", fn.GetAPISession().to_xml())],
        )
        send = Send([("sessionProvider", fn.GetAPISession())])
        response = self._with_retries(self.config.api_url, body, send, None)
        assert isinstance(response, Response)
        error = error_for_result(response.results[0])
        if error is not None:
            raise error
        return session_from_response(response, expected_locationid=self.config.entity_id)
