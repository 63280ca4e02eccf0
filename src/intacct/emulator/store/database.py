"""The emulator's SQLite connections: one per thread, one writer at a time.

Writes are serialized by one lock (SQLite has one writer); reads run concurrently on
per-thread connections (WAL for files, shared cache for memory). What must happen only
once a write is kept (a change notice, :mod:`.triggers`) waits for its outermost
transaction to commit (:meth:`Database.after_commit`), in commit order.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from intacct.emulator.values import utc_text

__all__ = ["Database", "quote"]

log = logging.getLogger("intacct.emulator")


def quote(name: str) -> str:
    """A column or table name as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


class Database:
    """Connections to one SQLite database. ``path=None`` keeps it in memory; ``template``
    (a database file) is copied into it first."""

    def __init__(self, path: str | Path | None = None, template: Path | None = None) -> None:
        if path is None:
            self._uri = f"file:intacct-emulator-{uuid.uuid4().hex}?mode=memory&cache=shared"
        else:
            self._uri = Path(path).resolve().as_uri()
        self._local = threading.local()
        self.write_lock = threading.RLock()
        # every thread's connection, closed here, never by the garbage collector: a
        # collection can run inside another connection's step (an ia_utc call), and
        # closing a connection of the same shared cache there waits on the mutex that
        # step holds, for ever (a hang seen in the test suite)
        self._opened: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._opened_lock = threading.Lock()
        self._anchor = self._connect()  # keeps a memory database alive
        if template is not None:
            source = sqlite3.connect(f"{template.resolve().as_uri()}?mode=ro", uri=True)
            try:
                source.backup(self._anchor)
            finally:
                source.close()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self._uri, uri=True, check_same_thread=False, isolation_level=None, timeout=30
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA read_uncommitted=1")
        # stored timestamps are company time; REST filters compare them as UTC instants
        conn.create_function("ia_utc", 2, utc_text, deterministic=True)
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
            self._keep(conn)
        return conn

    def _keep(self, conn: sqlite3.Connection) -> None:
        """Hold ``conn`` until :meth:`close`, closing those of threads that ended (here,
        outside any step of this thread's)."""
        with self._opened_lock:
            ended = [c for thread, c in self._opened if not thread.is_alive()]
            self._opened = [(t, c) for t, c in self._opened if t.is_alive()]
            self._opened.append((threading.current_thread(), conn))
        for old in ended:
            old.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (nested calls become savepoints)."""
        with self.write_lock:
            conn = self.conn
            depth: int = getattr(self._local, "depth", 0)
            name = f"sp{depth}"
            conn.execute("BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT {name}")
            if depth == 0:
                self._local.pending = []
            pending: list[Callable[[], None]] = self._local.pending
            mark = len(pending)
            self._local.depth = depth + 1
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK" if depth == 0 else f"ROLLBACK TO {name}")
                if depth:
                    conn.execute(f"RELEASE {name}")
                del pending[mark:]  # what the undone part of the write asked for
                raise
            else:
                conn.execute("COMMIT" if depth == 0 else f"RELEASE {name}")
                if depth == 0:
                    self._local.pending = []
                    _run(pending)  # still under the write lock: commit order
            finally:
                self._local.depth = depth

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once this thread's outermost transaction commits (at once
        outside one); never if that transaction, or the savepoint it was asked for in,
        rolls back. Callbacks run in the order asked, under the write lock, so they see
        commits in commit order; they must be quick and must not write."""
        if getattr(self._local, "depth", 0) == 0:
            _run([callback])
        else:
            self._local.pending.append(callback)

    def close(self) -> None:
        """Close every thread's connection, then the anchor (the database, in memory)."""
        with self._opened_lock:
            opened, self._opened = self._opened, []
        for _, conn in opened:
            conn.close()
        self._anchor.close()


def _run(callbacks: list[Callable[[], None]]) -> None:
    """What waited for a commit; one that fails is logged, never undoes the write."""
    for callback in callbacks:
        try:
            callback()
        except Exception:
            log.exception("a callback after a commit failed")
