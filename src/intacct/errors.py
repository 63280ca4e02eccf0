"""Every error the connector raises, named for what the caller must do about it.

    IntacctError
    ├── ConfigError                  a config key is missing or invalid (names the key)
    ├── RequestBuildError            a value cannot be put on the wire (names the field)
    ├── PaginationError              a pager saw the same page twice or went backwards
    ├── TransportError               no usable answer: connect/read failure, timeout,
    │   │                            or a body that is not Intacct XML (HTML page, empty)
    │   ├── ConnectError             the request never reached the gateway (safe to retry)
    │   ├── RequestTimeoutError      sent, no answer in time (a write may have applied)
    │   └── ResponseFormatError      an answer that is not XML; carries status + excerpt
    └── GatewayError                 Intacct answered and said no; carries level, errors
        ├── AuthenticationError      user id, company id or user password rejected
        │   ├── SenderError          Web Services sender id/password wrong or not authorized
        │   └── InvalidSessionError  the session expired or is unknown: log in again
        ├── PermissionDeniedError    the user's role or the subscription lacks this
        ├── ValidationError          the request is wrong: fields, query, values
        ├── NotFoundError            the record (or resultId) does not exist
        ├── DuplicateError           a record with that id already exists
        │   └── AlreadyAppliedError  a replayed write was refused: its controlid already ran
        ├── TransactionAbortedError  rolled back because another function failed
        ├── ThrottledError           rate limited: wait and retry
        └── UnavailableError         the gateway is down or busy: retry later

Classes carry ``retryable`` (the same request may succeed if sent again, subject to
idempotency) so retry policies never match on names. Messages never contain secrets:
they are built from Intacct's error texts, which echo ids but not passwords, and the
client redacts the excerpts it attaches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import unquote

__all__ = [
    "AlreadyAppliedError",
    "AuthenticationError",
    "ConfigError",
    "ConnectError",
    "DuplicateError",
    "ErrorDetail",
    "GatewayError",
    "IntacctError",
    "InvalidSessionError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RequestBuildError",
    "ResponseFormatError",
    "SenderError",
    "ThrottledError",
    "RequestTimeoutError",
    "TransactionAbortedError",
    "TransportError",
    "UnavailableError",
    "ValidationError",
]


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One ``<error>`` of an ``<errormessage>``, fields exactly as sent (None = absent)."""

    errorno: str | None
    description: str | None = None
    description2: str | None = None
    correction: str | None = None

    @property
    def support_id(self) -> str | None:
        """The decoded ``[Support ID: …]`` suffix Intacct appends to many messages."""
        for text in (self.description2, self.description):
            if text and "[Support ID:" in text:
                raw = text.rsplit("[Support ID:", 1)[1].split("]", 1)[0].strip()
                return unquote(raw)
        return None

    def __str__(self) -> str:
        parts = (self.errorno, self.description, self.description2, self.correction)
        return " ".join(p.strip() for p in parts if p and p.strip())


class IntacctError(Exception):
    """Base of every error raised by this package."""

    retryable: ClassVar[bool] = False


class ConfigError(IntacctError, ValueError):
    """Configuration is invalid; ``key`` names the offending setting."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"config key {key!r}: {problem}")
        self.key = key
        self.problem = problem


class RequestBuildError(IntacctError, ValueError):
    """A value cannot be serialized into a request; ``field`` names where it came from."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class PaginationError(IntacctError):
    """A pager detected a loop or a key that went backwards; the page is not trusted."""


class TransportError(IntacctError):
    """The gateway gave no usable answer.

    ``http_status`` is set when an HTTP response arrived; ``excerpt`` is a short,
    redacted beginning of the body.
    """

    retryable = True

    def __init__(
        self, message: str, *, http_status: int | None = None, excerpt: str | None = None
    ) -> None:
        detail = message
        if http_status is not None:
            detail += f" (HTTP {http_status})"
        if excerpt:
            detail += f": {excerpt!r}"
        super().__init__(detail)
        self.http_status = http_status
        self.excerpt = excerpt


class ConnectError(TransportError):
    """The connection could not be made: nothing was sent, so any request may be retried."""


class RequestTimeoutError(TransportError):
    """The request was sent but no answer came in time; a write may still have applied."""


class ResponseFormatError(TransportError):
    """The body is not an Intacct XML document (HTML error page, empty or truncated body)."""


class GatewayError(IntacctError):
    """Intacct answered with a failure at the control, authentication or function level.

    ``level`` is ``"http"``, ``"control"``, ``"authentication"`` or ``"result"``;
    ``errors`` are the ``<error>`` elements in order; ``function`` and ``control_id``
    identify the failing function for result-level failures.
    """

    def __init__(
        self,
        errors: Sequence[ErrorDetail],
        *,
        level: str,
        http_status: int | None = None,
        function: str | None = None,
        control_id: str | None = None,
    ) -> None:
        self.errors = list(errors)
        self.level = level
        self.http_status = http_status
        self.function = function
        self.control_id = control_id
        super().__init__(self._message())

    @property
    def errorno(self) -> str | None:
        """The first (most specific) error number."""
        return self.errors[0].errorno if self.errors else None

    @property
    def support_id(self) -> str | None:
        return next((e.support_id for e in self.errors if e.support_id), None)

    def _message(self) -> str:
        where = self.level
        if self.function:
            where += f" {self.function}"
        if self.control_id:
            where += f" [controlid={self.control_id}]"
        if self.http_status is not None:
            where += f" HTTP {self.http_status}"
        text = "; ".join(str(e) for e in self.errors) or "failure without error details"
        return f"{where}: {text}"


class AuthenticationError(GatewayError):
    """The company id, user id or user password was rejected (or the company is closed)."""


class SenderError(AuthenticationError):
    """The Web Services sender id/password is wrong or not authorized for the company."""


class InvalidSessionError(AuthenticationError):
    """The session id is unknown or expired; a new session is needed."""

    retryable = True


class PermissionDeniedError(GatewayError):
    """The user's role, the subscription or the entity does not allow this."""


class ValidationError(GatewayError):
    """The request is wrong: unknown object/field, bad query, bad or missing value."""


class NotFoundError(GatewayError):
    """The record, key or ``resultId`` does not exist (any more)."""


class DuplicateError(GatewayError):
    """A record with the same id already exists."""


class AlreadyAppliedError(DuplicateError):
    """``uniqueid=true`` refused a function whose controlid already executed: an earlier
    attempt of this very write was applied, so the write is done (not lost, not doubled)."""


class TransactionAbortedError(GatewayError):
    """Rolled back because another function of the same transaction failed."""


class ThrottledError(GatewayError):
    """Rate limited (HTTP 429, GW-0010 or a rate-limit text); retry after a pause."""

    retryable = True
    #: seconds the server asked us to wait (HTTP ``Retry-After``), when it said so
    retry_after: float | None = None


class UnavailableError(GatewayError):
    """The service is down, overloaded or asks to try again later."""

    retryable = True
