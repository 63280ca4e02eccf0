"""The notices received, kept durably in a small SQLite file until a read has covered
them: the receiver records each one before it answers Intacct (a crash after the answer
loses nothing: the row is on disk, WAL with ``synchronous=FULL``), a redelivery of an
idempotency key already recorded is not recorded again, and the follower
(``intacct sync --follow``, the Dagster sensor) takes a company's pending notices,
runs the incremental read of their objects, then marks them consumed.

A notice only says an object is dirty: the read, not the notice, is the truth, so a
lost or reordered notice costs latency, never data.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from intacct.notices.delivery import Notice

__all__ = ["Dirty", "NoticeQueue"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS notices (
    idempotency_key TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    company TEXT NOT NULL,
    entity TEXT NOT NULL,
    object TEXT NOT NULL,
    event TEXT NOT NULL,
    record_key TEXT NOT NULL,
    record_id TEXT,
    occurred_at TEXT NOT NULL,
    received_at REAL NOT NULL,
    consumed_at REAL
);
CREATE INDEX IF NOT EXISTS pending ON notices (company, consumed_at);
"""


@dataclass(frozen=True, slots=True)
class Dirty:
    """A company's pending notices: their keys (to consume once read), the objects they
    name, how many records they name (each once), and when the oldest and newest
    arrived (seconds since the epoch)."""

    company: str
    keys: tuple[str, ...]
    objects: tuple[str, ...]
    records: int
    first_received: float
    last_received: float


class NoticeQueue:
    """The queue file at ``path`` (made if missing); safe to share between threads and
    processes (SQLite's locking)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # on disk before the receiver answers
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> NoticeQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._db:
            yield self._db

    def record(self, notice: Notice, received_at: float | None = None) -> bool:
        """Keep ``notice``; False when its idempotency key is kept already (a redelivery:
        nothing more to do). Committed when it returns."""
        row = (
            notice.idempotency_key, notice.client_id, notice.company, notice.entity,
            notice.object, notice.event, notice.key, notice.id, notice.occurred_at,
            time.time() if received_at is None else received_at,
        )  # fmt: skip
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO notices VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)", row
            )
            return cursor.rowcount == 1

    def pending(self, company: str) -> Dirty | None:
        """``company``'s notices not yet consumed (None: none)."""
        with self._transaction() as db:
            rows = db.execute(
                "SELECT idempotency_key, object, received_at, record_key FROM notices "
                "WHERE company = ? AND consumed_at IS NULL ORDER BY received_at",
                (company,),
            ).fetchall()
        if not rows:
            return None
        objects = tuple(dict.fromkeys(row[1] for row in rows))
        keys = tuple(row[0] for row in rows)
        records = len({(row[1], row[3]) for row in rows})
        return Dirty(company, keys, objects, records, rows[0][2], rows[-1][2])

    def consume(self, keys: Sequence[str]) -> None:
        """Mark ``keys`` read: a read that started after they arrived has covered them."""
        now = time.time()
        with self._transaction() as db:
            db.executemany(
                "UPDATE notices SET consumed_at = ? WHERE idempotency_key = ?",
                [(now, key) for key in keys],
            )

    def companies(self) -> list[str]:
        """The companies with pending notices."""
        with self._transaction() as db:
            rows = db.execute(
                "SELECT DISTINCT company FROM notices WHERE consumed_at IS NULL ORDER BY 1"
            ).fetchall()
        return [row[0] for row in rows]

    def counts(self) -> dict[str, int]:
        """Notices kept, pending and consumed."""
        with self._transaction() as db:
            total, pending = db.execute(
                "SELECT COUNT(*), COUNT(*) - COUNT(consumed_at) FROM notices"
            ).fetchone()
        return {"kept": total, "pending": pending, "consumed": total - pending}
