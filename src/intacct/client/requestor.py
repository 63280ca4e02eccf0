"""The request path: envelope, session, retry, classification; one send at a time.

:class:`Requestor` turns a list of ``(controlid, function)`` pairs into one HTTP request
and returns the parsed answer. It signs in (``getAPISession``) when needed, follows the
endpoint the session names, retries what is safe to retry, signs in again once if the
session is invalid, and raises control- and authentication-level failures as classified
errors. Function failures stay on the results.

What every entity of one company shares, the REST API's requests too (transport,
concurrency limit, retry loop, budget), is its :class:`~intacct.client.company.Gateway`.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lxml import etree

from intacct.client.company import Gateway, Ledger, Meter, Tried
from intacct.client.session import Session, SessionState, session_from_response
from intacct.client.transport import FirstByteBudget, HttpAnswer
from intacct.config import ClientConfig
from intacct.errors import (
    ErrorDetail,
    GatewayError,
    InvalidSessionError,
    ResponseFormatError,
    ThrottledError,
    UnavailableError,
)
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
#: an XML API session id and its lifetime in seconds, from elsewhere than a login
Bridge = Callable[[], tuple[str, int]]
#: a json/csv answer to a returnformat request can still be an XML failure
_XML_START = re.compile(rb"\s*<")


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

    def __init__(
        self, config: ClientConfig, gateway: Gateway, bridge: Bridge | None = None
    ) -> None:
        self.config = config
        self.gateway = gateway
        self.sessions = SessionState()
        #: where sessions come from instead of getAPISession (the REST API's bridge)
        self.bridge = bridge

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
        def once(budget: FirstByteBudget) -> Tried[Answer]:
            answer = self.gateway.send("POST", url, body, self.config.secrets, budget)
            outcome = self._interpret(answer, send, sessionid)
            if not isinstance(outcome, Response):
                return Tried(outcome)
            # function failures are returned, not raised, once retries end
            return Tried(outcome, self._transient(outcome, send), answer.retry_after)

        what = ", ".join(sorted({f.name for _, f in send.calls}))
        return self.gateway.exchange(
            once, idempotent=send.idempotent, writes=send.writes, what=what
        )

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
            session = self._bridged() if self.bridge else self._get_api_session()
            self.sessions.set(session)
            log.info(
                "API session opened (entity %r, endpoint %s)",
                session.locationid or "top level",
                session.endpoint,
            )
            return session

    def _bridged(self) -> Session:
        """A session the REST API opened for the OAuth token's user and this entity."""
        assert self.bridge is not None
        sessionid, lifetime = self.bridge()
        c = self.config
        expires = datetime.now(UTC) + timedelta(seconds=lifetime)
        return Session(sessionid, c.api_url, c.entity_id, c.user_id, c.company_id, expires)

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
