"""Retry policy built from parts: checkers decide *whether*, a backoff decides *when*.

The one rule that matters for money: a write is retried only when the gateway cannot
have applied it (the connection never opened, a throttle or "try again later" answer)
or when the request is idempotent (reads, or writes sent with ``uniqueid=true`` and
deterministic function control ids). A 524 ("CDN cut the connection but the system is
still processing"), a timeout after sending, or a dropped connection mid-answer are
ambiguous: replaying a plain write could post it twice.
"""

from __future__ import annotations

import random as _random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from intacct.errors import (
    ConnectError,
    GatewayError,
    RequestTimeoutError,
    ResponseFormatError,
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
    "connect_failures",
    "default_checkers",
    "ambiguous_failures",
    "server_unavailable",
    "throttled",
]

T = TypeVar("T")

#: statuses after which the server may still be processing the request [V: sdk-php
#: RequestConfig noRetryServerErrorCodes = [524]]
AMBIGUOUS_HTTP_STATUSES = frozenset({524})


@dataclass(frozen=True, slots=True)
class Attempt:
    """What a checker sees: the attempt number (1-based), the error and whether the
    request may safely be applied twice."""

    number: int
    error: Exception
    idempotent: bool


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

    Retried for writes too (as the official SDKs do), except the ambiguous statuses.
    """
    error = attempt.error
    if not isinstance(error, UnavailableError | ResponseFormatError):
        return False
    status = _status(error)
    if status in AMBIGUOUS_HTTP_STATUSES:
        return attempt.idempotent
    if isinstance(error, ResponseFormatError):
        # A 200 with a truncated body may have been processed; a 5xx page was not.
        return attempt.idempotent or (status is not None and status >= 500)
    return True


def ambiguous_failures(attempt: Attempt) -> bool:
    """Timeouts and dropped connections after the request went out: idempotent only."""
    error = attempt.error
    ambiguous = isinstance(error, RequestTimeoutError) or (
        type(error) is TransportError and error.http_status is None
    )
    return ambiguous and attempt.idempotent


def default_checkers() -> tuple[Checker, ...]:
    return (connect_failures, throttled, server_unavailable, ambiguous_failures)


@dataclass(frozen=True, slots=True)
class ExponentialBackoff:
    """Capped exponential backoff with full jitter; a server's ``Retry-After`` is a floor."""

    base: float = 0.5
    cap: float = 30.0
    random: Callable[[], float] = _random.random

    def delay(self, attempt: Attempt) -> float:
        ceiling = min(self.cap, self.base * 2.0 ** (attempt.number - 1))
        wait = ceiling * self.random()
        hint: object = getattr(attempt.error, "retry_after", None)
        if isinstance(hint, int | float) and hint > 0:
            wait = max(wait, min(float(hint), self.cap * 4))
        return wait


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``max_attempts`` counts the first try; ``sleep`` is injectable for tests."""

    max_attempts: int = 6
    checkers: Sequence[Checker] = field(default_factory=default_checkers)
    backoff: ExponentialBackoff = field(default_factory=ExponentialBackoff)
    sleep: Callable[[float], None] = time.sleep
    on_retry: Callable[[Attempt, float], None] | None = None

    def should_retry(self, attempt: Attempt) -> bool:
        if attempt.number >= self.max_attempts:
            return False
        return any(check(attempt) for check in self.checkers)

    def call(self, operation: Callable[[], T], *, idempotent: bool) -> T:
        """Run ``operation`` until it succeeds or an error is not worth retrying."""
        number = 1
        while True:
            try:
                return operation()
            except (TransportError, GatewayError) as exc:
                attempt = Attempt(number, exc, idempotent)
                if not self.should_retry(attempt):
                    raise
                wait = self.backoff.delay(attempt)
                if self.on_retry is not None:
                    self.on_retry(attempt, wait)
                self.sleep(wait)
                number += 1
