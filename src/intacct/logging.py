"""Logging that cannot leak secrets, and an opt-in history of recent exchanges.

:class:`RedactingFormatter` runs every formatted line (message, arguments, traceback)
through :func:`~intacct.protocol.redact.redact`. :class:`HistoryHook` keeps the last N
request/response pairs, already redacted, for debugging a failed run after the fact.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime

from intacct.protocol.redact import redact

__all__ = ["Exchange", "HistoryHook", "RedactingFormatter"]


class RedactingFormatter(logging.Formatter):
    """A formatter that redacts sensitive XML elements and any registered secret."""

    def __init__(
        self,
        fmt: str | None = None,
        datefmt: str | None = None,
        secrets: tuple[str, ...] = (),
    ) -> None:
        super().__init__(fmt, datefmt)
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


@dataclass(frozen=True, slots=True)
class Exchange:
    at: datetime
    http_status: int
    request: str
    response: str


class HistoryHook:
    """Keeps the last ``size`` exchanges, redacted when recorded (never stored raw)."""

    def __init__(self, size: int = 10) -> None:
        self._items: deque[Exchange] = deque(maxlen=size)
        self._lock = threading.Lock()

    def record(
        self, request: bytes, response: bytes, http_status: int, secrets: tuple[str, ...] = ()
    ) -> None:
        item = Exchange(
            at=datetime.now(UTC),
            http_status=http_status,
            request=redact(request.decode("utf-8", "replace"), secrets),
            response=redact(response.decode("utf-8", "replace"), secrets),
        )
        with self._lock:
            self._items.append(item)

    @property
    def exchanges(self) -> list[Exchange]:
        with self._lock:
            return list(self._items)

    @property
    def last(self) -> Exchange | None:
        with self._lock:
            return self._items[-1] if self._items else None
