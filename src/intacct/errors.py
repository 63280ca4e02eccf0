"""Every error the connector raises, named for what the caller must do about it.

    IntacctError
    ├── ConfigError                  a config key is missing or invalid (names the key)
    ├── RequestBuildError            a value cannot be put on the wire (names the field)
    ├── PaginationError              a pager cannot go on safely (loop, bad key, bad token)
    ├── BudgetExhaustedError         the next request would bill more API transactions than
    │                                the client's budget has left: not sent
    ├── WriteError                   some records of create/update/delete were not applied;
    │                                ``results`` has every record's outcome
    ├── DdsError                     a Data Delivery Service job or its files (names the job)
    │   ├── DdsJobFailedError        the job ended Failed: Intacct's ERROR
    │   ├── DdsJobPendingError       the job was not done within the wait: resume it later
    │   │                            by its RECORDNO
    │   ├── DdsFileError             a file missing, truncated or with another header
    │   └── DdsStorageError          the cloud storage refused the credentials or is out
    │                                of reach
    ├── TransportError               no usable answer: connect/read failure, timeout,
    │   │                            or a body that is not Intacct XML (HTML page, empty)
    │   ├── ConnectError             the request never reached the gateway (safe to retry)
    │   ├── RequestTimeoutError      sent, no answer in time (a write may have applied)
    │   ├── ResponseFormatError      an answer that is not XML; carries status + excerpt
    │   │   └── ResponseTooLargeError  larger than max_response_bytes: ask for less
    │   └── AmbiguousWriteError      a write was sent and its answer lost (524, timeout,
    │                                dropped connection): look the record up before resending
    └── GatewayError                 Intacct answered and said no; carries level, errors
        ├── AuthenticationError      user id, company id or user password rejected
        │   ├── SenderError          Web Services sender id/password wrong or not authorized
        │   └── InvalidSessionError  the session expired or is unknown: log in again
        ├── PermissionDeniedError    the user's role or the subscription lacks this
        ├── ValidationError          the request is wrong: fields, query, values
        │   └── FieldsRefusedError   "fields cannot be queried": .fields names them
        ├── NotFoundError            the record (or resultId) does not exist
        ├── DuplicateError           a record with that id already exists
        │   └── AlreadyAppliedError  a replayed write was refused: its controlid already ran
        ├── TransactionAbortedError  rolled back because another function failed
        ├── ThrottledError           rate limited: wait and retry
        └── UnavailableError         the gateway is down or busy: retry later

Retry policies match on these classes (``intacct.client.retry``), never on message texts.
Messages never contain secrets: they are built from Intacct's error texts, which echo
ids but not passwords, and the client redacts the excerpts it attaches.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

__all__ = [
    "near_misses",
    "AlreadyAppliedError",
    "AmbiguousWriteError",
    "AuthenticationError",
    "BudgetExhaustedError",
    "ConfigError",
    "ConnectError",
    "DdsError",
    "DdsFileError",
    "DdsJobFailedError",
    "DdsJobPendingError",
    "DdsStorageError",
    "DuplicateError",
    "ErrorDetail",
    "FieldsRefusedError",
    "GatewayError",
    "IntacctError",
    "InvalidSessionError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RequestBuildError",
    "ResponseFormatError",
    "ResponseTooLargeError",
    "SenderError",
    "ThrottledError",
    "RequestTimeoutError",
    "TransactionAbortedError",
    "TransportError",
    "UnavailableError",
    "ValidationError",
    "WriteError",
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


class ConfigError(IntacctError, ValueError):
    """Configuration is invalid; ``key`` names the offending setting (or the command
    line option, ``--config``, that gave a file)."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(
            f"{key}: {problem}" if key.startswith("--") else f"config key {key!r}: {problem}"
        )
        self.key = key
        self.problem = problem


class RequestBuildError(IntacctError, ValueError):
    """A value cannot be serialized into a request; ``field`` names where it came from."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class PaginationError(IntacctError):
    """A pager cannot go on safely: a loop, a key that went backwards or cannot be read,
    or a resume token that does not fit the query."""


class BudgetExhaustedError(IntacctError):
    """The request would bill more API transactions than the budget has left, so it was
    not sent: nothing of it ran, and whatever was stored before stays (a sync goes on
    from there when the budget allows)."""

    def __init__(self, budget: int, spent: int, cost: int) -> None:
        self.budget, self.spent, self.cost = budget, spent, cost
        super().__init__(
            f"API transaction budget reached: {spent} of {budget} spent or in flight, and "
            f"the next request costs {cost}; stopped before sending it (raise the budget, "
            "or run again when it allows)"
        )


class TransportError(IntacctError):
    """The gateway gave no usable answer.

    ``http_status`` is set when an HTTP response arrived; ``excerpt`` is a short,
    redacted beginning of the body.
    """

    def __init__(
        self, message: str, *, http_status: int | None = None, excerpt: str | None = None
    ) -> None:
        # The status leads: "HTTP 404: ..." says more than any excerpt of an error page.
        detail = message if http_status is None else f"HTTP {http_status}: {message}"
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
    """The answer cannot be read: not an Intacct XML document (HTML error page, empty,
    truncated or oversized body), or a value in it that does not fit its declared type.
    ``html_title`` is set for an HTML page (a web server, proxy or CDN answering instead
    of the gateway): its title, "" if it has none."""

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        excerpt: str | None = None,
        html_title: str | None = None,
    ) -> None:
        super().__init__(message, http_status=http_status, excerpt=excerpt)
        self.html_title = html_title


class ResponseTooLargeError(ResponseFormatError):
    """The answer passed the client's ``max_response_bytes`` and was not read further:
    ask for fewer records per page or fewer fields (sending it again would not help). A
    gzip bomb is refused so too, once it has inflated past 16 MiB (far more than any
    Intacct answer inflates: ``intacct.client.transport.BOMB_RATIO``)."""


class AmbiguousWriteError(TransportError):
    """A write went out and its answer was lost (HTTP 524, a timeout, a dropped
    connection), so it may have been applied. Look the record up before sending it
    again, or resend it with the same control id and ``uniqueid``, which the gateway
    refuses if it ran. The original error is ``__cause__``; ``http_status`` is its."""

    def __init__(self, cause: Exception) -> None:
        Exception.__init__(
            self,
            f"the write may have been applied ({cause}); look the records up before "
            "sending them again, or resend them with the same control ids",
        )
        self.http_status = getattr(cause, "http_status", None)
        self.excerpt = None


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
        retry_after: float | None = None,
    ) -> None:
        self.errors = list(errors)
        #: seconds the server asked us to wait (HTTP ``Retry-After``), when it said so
        self.retry_after = retry_after
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


class PermissionDeniedError(GatewayError):
    """The user's role, the subscription or the entity does not allow this."""


class ValidationError(GatewayError):
    """The request is wrong: unknown object/field, bad query, bad or missing value."""


class FieldsRefusedError(ValidationError):
    """XL03000006 "The following fields cannot be queried": ``fields`` names them (the
    error table reads them from the gateway's text); a reader may go on without them."""

    fields: frozenset[str] = frozenset()


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
    """Rate limited (HTTP 429, GW-0010 or a rate-limit text); retry after a pause
    (``retry_after``: the seconds the server asked for, when it said)."""


class UnavailableError(GatewayError):
    """The service is down, overloaded or asks to try again later."""


class WriteError(IntacctError):
    """Some records of a ``create``/``update``/``delete`` were not applied.

    ``results`` holds one :class:`~intacct.protocol.response.Result` per record, in the
    order given (the others were applied: nothing is retried or dropped silently);
    ``failures`` maps each failed record's index to its classified error.
    """

    def __init__(
        self, object: str, action: str, results: Sequence[Any], failures: dict[int, GatewayError]
    ) -> None:
        self.object = object
        self.results = list(results)
        self.failures = dict(failures)
        shown = "; ".join(f"records[{i}]: {e}" for i, e in list(self.failures.items())[:3])
        more = len(self.failures) - 3
        tail = f"; and {more} more" if more > 0 else ""
        super().__init__(
            f"{action} {object}: {len(self.failures)} of {len(self.results)} records "
            f"not applied: {shown}{tail}"
        )


class DdsError(IntacctError):
    """A Data Delivery Service job, or the files it wrote, cannot be used; ``recordno``
    is the job's DDSJOB RECORDNO (0 where no job is known), ``object`` its object. The
    message never holds a credential: it is built from the job and the file names."""

    def __init__(self, message: str, *, recordno: int = 0, object: str = "") -> None:
        super().__init__(message)
        self.recordno = recordno
        self.object = object


class DdsJobFailedError(DdsError):
    """The job ended ``Failed``; ``error`` is Intacct's ERROR for it."""

    def __init__(self, message: str, *, recordno: int, object: str, error: str) -> None:
        super().__init__(message, recordno=recordno, object=object)
        self.error = error


class DdsJobPendingError(DdsError):
    """The job was not done when the wait ended; ``status`` the last one read. The job
    goes on in Intacct: wait for it again by its RECORDNO (no new job needed)."""

    def __init__(self, message: str, *, recordno: int, object: str, status: str) -> None:
        super().__init__(message, recordno=recordno, object=object)
        self.status = status


class DdsFileError(DdsError):
    """A file of a completed job is missing, truncated (a row short of columns, a
    compressed stream cut off) or has a header other than expected; ``file`` names it
    (as the job's FILELIST does), ``problem`` says which."""

    def __init__(
        self, message: str, *, recordno: int, object: str, file: str, problem: str
    ) -> None:
        super().__init__(message, recordno=recordno, object=object)
        self.file = file
        self.problem = problem


class DdsStorageError(DdsError):
    """The cloud storage target refused the credentials or could not be reached;
    ``file`` the file being read then (empty if none yet)."""

    def __init__(
        self, message: str, *, recordno: int = 0, object: str = "", file: str = ""
    ) -> None:
        super().__init__(message, recordno=recordno, object=object)
        self.file = file


def near_misses(names: Iterable[str], known: Mapping[str, str]) -> list[str]:
    """Each of ``names`` as said in an error, with its near miss among ``known`` (upper
    case -> as written): ``NAMEX (did you mean NAME?)``."""
    said = []
    for name in names:
        near = difflib.get_close_matches(name.upper(), list(known), n=1)
        said.append(f"{name} (did you mean {known[near[0]]}?)" if near else name)
    return said
