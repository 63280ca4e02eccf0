"""What every request of one company shares, whichever API and entity sends it: the
transport, the concurrency limit, the pacer, the retry loop under the one policy, the
budget and ledger of API transactions, and the history of exchanges.

Intacct limits concurrent requests and counts API transactions per company, so the XML
gateway's requests (:mod:`.requestor`) and the REST API's (:mod:`.rest`) go through one
:class:`Gateway`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from intacct.client.pacing import Pacer
from intacct.client.retry import Attempt, RetryPolicy, ambiguous
from intacct.client.transport import FirstByteBudget, HttpAnswer, Transport
from intacct.errors import (
    AmbiguousWriteError,
    BudgetExhaustedError,
    GatewayError,
    ResponseFormatError,
    ThrottledError,
    TransportError,
)
from intacct.logging import HistoryHook

__all__ = ["Gateway", "Ledger", "Meter", "Tried"]

log = logging.getLogger("intacct.client")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Tried(Generic[T]):
    """One try's outcome; ``transient`` a failure worth sending again (a throttled or
    unavailable answer the caller could still read), its ``retry_after`` hint."""

    outcome: T
    transient: GatewayError | None = None
    retry_after: float | None = None


def _final(error: TransportError | GatewayError, writes: bool) -> Exception:
    """The error to raise when retries end: a lost answer to a write says so."""
    truncated = isinstance(error, ResponseFormatError) and (error.http_status or 200) < 400
    if writes and (ambiguous(error) or truncated):
        return AmbiguousWriteError(error)
    return error


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
        # a throttle slows every thread; its pauses are waited with the policy's sleep
        self.pacer = Pacer(self.slots, max_concurrency, sleep=retry.sleep)
        self.sent = 0  # requests posted (retries and logins included), by every thread
        self.billed = 0  # API transactions of the functions answered, by every thread
        self._count = threading.Lock()
        self._meters = threading.local()
        self.retry = retry
        self.history = history

    def send(
        self,
        method: str,
        url: str,
        body: bytes | None,
        secrets: tuple[str, ...],
        budget: FirstByteBudget,
        headers: Mapping[str, str] | None = None,
    ) -> HttpAnswer:
        """One try on the wire, in one of the company's slots (XML posts and REST calls
        alike: Intacct limits a company's concurrent requests, whichever API)."""
        self.pacer.wait()
        with self._count:
            self.sent += 1
        started = time.monotonic()
        with self.slots:
            self._cover()
            if headers is None:  # an XML request
                answer = self.transport.post(url, body or b"", budget)
            else:
                answer = self.transport.send(method, url, body, headers, budget)
        log.debug(
            "%s %s -> HTTP %d in %.0f ms",
            method,
            url,
            answer.status,
            (time.monotonic() - started) * 1000,
        )
        if self.history is not None:
            self.history.record(body or b"", answer.content, answer.status, secrets)
        return answer

    def exchange(
        self,
        once: Callable[[FirstByteBudget], Tried[T]],
        *,
        idempotent: bool,
        writes: bool,
        what: str,
    ) -> T:
        """Try ``once`` until it answers, or fails in a way the one retry policy will not
        try again. A try that raises a transport or gateway error, or returns a transient
        failure (:class:`Tried`), is retried when the policy allows; then its kept outcome
        is returned, or the error raised (a lost answer to a write as
        :class:`~intacct.errors.AmbiguousWriteError`). Every try shares one wait for a
        first byte; a throttle slows every thread of the company."""
        budget = self.transport.budget()
        number = 1
        while True:
            kept: Tried[T] | None = None
            try:
                tried = once(budget)
                if tried.transient is None:
                    self.pacer.answered()
                    return tried.outcome
                error: TransportError | GatewayError = tried.transient
                kept, retry_after = tried, tried.retry_after
            except GatewayError as exc:
                error, retry_after = exc, exc.retry_after
            except TransportError as exc:
                error, retry_after = exc, None
            if isinstance(error, ThrottledError):
                self.pacer.throttled(retry_after)
            attempt = Attempt(number, error, idempotent, retry_after, budget.left)
            if self.transport.closed or not self.retry.should_retry(attempt):
                if kept is not None:  # failures the caller reads are returned, not raised
                    return kept.outcome
                raise _final(error, writes) from error
            self.retry.pause(attempt, what=what)
            number += 1

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
