"""Retry policy built from parts: checkers decide *whether*, a backoff decides *when*.

The one rule that matters for money: a write is retried only when the gateway cannot
have applied it (the connection never opened, a throttle or "try again later" answer)
or when the request is idempotent (reads, or writes sent with ``uniqueid=true`` under
control ids that a retry shares). A 524 ("CDN cut the connection but the system is
still processing"), a timeout after sending, or a dropped connection mid-answer are
ambiguous: replaying a plain write could post it twice.

Only 429 and 5xx answers are worth another try, and not every 5xx: 501, 505 and 511
say the request can never succeed as sent. A 404 or 405 means a wrong URL.
"""

from __future__ import annotations

import logging
import random as _random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol, TypeVar

from intacct.errors import (
    ConnectError,
    GatewayError,
    RequestTimeoutError,
    ResponseFormatError,
    ResponseTooLargeError,
    ThrottledError,
    TransportError,
    UnavailableError,
)

__all__ = [
    "AMBIGUOUS_HTTP_STATUSES",
    "Attempt",
    "Checker",
    "ExponentialBackoff",
    "RetryPolicy",
    "ambiguous",
    "PROCESSING_ERRORNO",
    "ambiguous_failures",
    "connect_failures",
    "default_checkers",
    "dropped_connections",
    "flaky_reads",
    "processing_failures",
    "retryable_status",
    "server_unavailable",
    "throttled",
]

log = logging.getLogger("intacct.retry")

T = TypeVar("T")

#: statuses after which the server may still be processing the request [V: sdk-php
#: RequestConfig noRetryServerErrorCodes = [524]]
AMBIGUOUS_HTTP_STATUSES = frozenset({524})
#: 5xx statuses that will not change on a retry: not implemented, HTTP version, network
#: authentication required
_PERMANENT_5XX = frozenset({501, 505, 511})


def retryable_status(status: int | None) -> bool:
    """429 and 5xx except the permanent ones."""
    return status == 429 or (
        status is not None and 500 <= status <= 599 and status not in _PERMANENT_5XX
    )


@dataclass(frozen=True, slots=True)
class Attempt:
    """What a checker sees: the attempt number (1-based), the error, whether the request
    may safely be applied twice, the server's ``Retry-After`` seconds if it sent one,
    and the seconds the request's tries may still wait for a first byte (None: no
    limit; :class:`~intacct.client.transport.FirstByteBudget`)."""

    number: int
    error: Exception
    idempotent: bool
    retry_after: float | None = None
    silence_left: float | None = None


class Checker(Protocol):
    def __call__(self, attempt: Attempt) -> bool: ...


def connect_failures(attempt: Attempt) -> bool:
    """Nothing was sent: always safe."""
    return isinstance(attempt.error, ConnectError)


def throttled(attempt: Attempt) -> bool:
    """A throttle answer means the request was refused, not processed."""
    return isinstance(attempt.error, ThrottledError)


def _status(error: Exception) -> int | None:
    if isinstance(error, TransportError | GatewayError):
        return error.http_status
    return None


def server_unavailable(attempt: Attempt) -> bool:
    """5xx and "try again later" answers, and CDN error pages in place of XML.

    Retried for writes too (as the official SDKs do), except the ambiguous statuses and
    a 200 whose body broke off (it may have been processed).
    """
    error = attempt.error
    if isinstance(error, ResponseTooLargeError):  # it would be as large again
        return False
    if not isinstance(error, UnavailableError | ResponseFormatError):
        return False
    status = _status(error)
    if status in AMBIGUOUS_HTTP_STATUSES:
        return attempt.idempotent
    if isinstance(error, ResponseFormatError):
        if status is None or status < 400:  # truncated or garbled success answer
            return attempt.idempotent
        return retryable_status(status)
    # "try again later" inside a 200 body, or an XML 5xx answer
    return status is None or status < 400 or retryable_status(status)


def ambiguous(error: Exception) -> bool:
    """True when the request went out and may have been applied: a timeout, a dropped
    connection, or an HTTP status after which the server may still be processing it."""
    if isinstance(error, RequestTimeoutError):
        return True
    if type(error) is TransportError and error.http_status is None:
        return True
    return _status(error) in AMBIGUOUS_HTTP_STATUSES


def ambiguous_failures(attempt: Attempt) -> bool:
    """Timeouts and dropped connections after the request went out: idempotent only."""
    return dropped_connections(attempt) or (
        isinstance(attempt.error, RequestTimeoutError) and attempt.idempotent
    )


def dropped_connections(attempt: Attempt) -> bool:
    """A connection lost after the request went out (not a timeout): idempotent only."""
    error = attempt.error
    return type(error) is TransportError and error.http_status is None and attempt.idempotent


def default_checkers(*, timeouts: bool = True) -> tuple[Checker, ...]:
    """Every checker above; without ``timeouts`` a request that got no answer within its
    deadline is not sent again (a person waiting at a terminal has waited long enough)."""
    lost = ambiguous_failures if timeouts else dropped_connections
    return (connect_failures, throttled, server_unavailable, lost)


#: the gateway's catch-all "There was an error processing the request": final in general
#: (production answers it to a bad query too), yet some reads, AUDITHISTORY's, fail with
#: it now and then and pass on the next try [O]
PROCESSING_ERRORNO = "DL02000001"


def processing_failures(attempt: Attempt) -> bool:
    """A read that failed with :data:`PROCESSING_ERRORNO` (only for :func:`flaky_reads`)."""
    error = attempt.error
    return (
        attempt.idempotent
        and isinstance(error, GatewayError)
        and any(e.errorno == PROCESSING_ERRORNO for e in error.errors)
    )


@dataclass(frozen=True, slots=True)
class ExponentialBackoff:
    """Capped exponential backoff with full jitter; a server's ``Retry-After`` is a floor
    (itself capped at four times ``cap``, so a hostile header cannot stall a run)."""

    base: float = 0.5
    cap: float = 30.0
    random: Callable[[], float] = _random.random

    def delay(self, attempt: Attempt) -> float:
        ceiling = min(self.cap, self.base * 2.0 ** (attempt.number - 1))
        wait = ceiling * self.random()
        hint = attempt.retry_after
        if hint is not None and hint > 0:
            wait = max(wait, min(hint, self.cap * 4))
        return wait


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``max_attempts`` counts the first try; ``sleep`` is injectable for tests (the
    client's pacer waits out a throttle's pause with it too). A request whose tries have
    used up its wait for a first byte (``Attempt.silence_left``) is not tried again.

    Every retry is logged at WARNING on ``intacct.client.retry`` with the attempt, the cause and
    the delay, then ``on_retry`` (if given) is called.
    """

    max_attempts: int = 6
    checkers: Sequence[Checker] = field(default_factory=default_checkers)
    backoff: ExponentialBackoff = field(default_factory=ExponentialBackoff)
    sleep: Callable[[float], None] = time.sleep
    on_retry: Callable[[Attempt, float], None] | None = None

    def should_retry(self, attempt: Attempt) -> bool:
        if attempt.number >= self.max_attempts:
            return False
        if attempt.silence_left is not None and attempt.silence_left <= 0:
            return False  # a silent gateway was waited for as long as a request may
        return any(check(attempt) for check in self.checkers)

    def pause(self, attempt: Attempt, what: str = "request") -> None:
        """Log the retry, tell ``on_retry`` and wait before the next attempt."""
        wait = self.backoff.delay(attempt)
        log.warning(
            "%s failed (attempt %d of %d): %s: %s; retrying in %.2f s",
            what,
            attempt.number,
            self.max_attempts,
            type(attempt.error).__name__,
            attempt.error,
            wait,
        )
        if self.on_retry is not None:
            self.on_retry(attempt, wait)
        self.sleep(wait)

    def call(self, operation: Callable[[], T], *, idempotent: bool) -> T:
        """Run ``operation`` until it succeeds or an error is not worth retrying."""
        number = 1
        while True:
            try:
                return operation()
            except (TransportError, GatewayError) as exc:
                retry_after = exc.retry_after if isinstance(exc, GatewayError) else None
                attempt = Attempt(number, exc, idempotent, retry_after)
                if not self.should_retry(attempt):
                    raise
                self.pause(attempt)
                number += 1


def flaky_reads(policy: RetryPolicy) -> RetryPolicy:
    """``policy`` (its backoff, sleep and log) for a read the gateway sometimes fails
    with :data:`PROCESSING_ERRORNO`: tried once more, on top of the request's own
    retries, which have run by then (:meth:`RetryPolicy.call` around the read)."""
    return replace(policy, max_attempts=2, checkers=(processing_failures,))
