"""Visibility lag: a company's queries see each write some time after it was stamped.

Intacct is eventually consistent [O: Estuary's connector re-reads two hours behind its
cursor for this reason; the gateway's docs are silent]: a write can become visible to
``query``/``readByQuery`` some time after its WHENMODIFIED, and writes do not become
visible in the order of their stamps (a long transaction stamped early commits late).
So by the time a reader sees a write, the reader's bookmark may already be past its
WHENMODIFIED: only a lookback at least as long as the lag finds it.

With a lag of L seconds set for a company, each of its record writes becomes visible to
queries after a delay drawn evenly from 0 to L (reproducibly: a generator seeded by the
company and L, drawn in write order). Writes are versioned: ``_versions`` holds when
each record's current row becomes visible, and the row it replaced (or deleted) goes
into the object's shadow table, valid until then. A query at ``now`` sees, per record,
the newest version visible by ``now`` (an insert not yet visible is absent; a delete
not yet visible still shows the row). Reads by writers (look-ups, updates) see the
primary. Without a lag nothing is versioned or rewritten.
"""

from __future__ import annotations

import random
import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

from intacct.emulator.catalog import ObjectDef
from intacct.emulator.store.database import quote

__all__ = ["SCHEMA", "VisibilityLag"]

#: created with the store's other tables (``executescript`` would commit a transaction)
SCHEMA = """
CREATE TABLE IF NOT EXISTS _versions (company TEXT, object TEXT, recordno INTEGER,
    visible_at REAL, PRIMARY KEY (company, object, recordno));
"""


class VisibilityLag:
    """The lag per company and the SQL that reads or writes through it."""

    def __init__(self) -> None:
        self._lags: dict[str, float] = {}
        self._delays: dict[str, random.Random] = {}
        self._lock = threading.Lock()
        self._shadows: set[str] = set()

    def set(self, company: str, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"a visibility lag is >= 0 seconds, not {seconds}")
        with self._lock:
            if seconds:
                self._lags[company.upper()] = seconds
                self._delays[company.upper()] = random.Random(f"{company.upper()}:{seconds}")
            else:
                self._lags.pop(company.upper(), None)

    def as_dict(self) -> dict[str, float]:
        with self._lock:
            return dict(self._lags)

    def of(self, company: str) -> float:
        return self._lags.get(company.upper(), 0.0)

    def clear(self) -> None:
        with self._lock:
            self._lags.clear()

    def shadow_tables(self) -> list[str]:
        """The shadow tables made so far (emptied when the store is reset)."""
        with self._lock:
            return [f'"shadow_{name}"' for name in sorted(self._shadows)]

    @staticmethod
    def versioned(obj: ObjectDef) -> bool:
        return obj.field("RECORDNO") is not None

    # -- reads ------------------------------------------------------------------------

    def delay(self, company: str) -> float:
        """The next write's delay before queries see it."""
        with self._lock:
            return self._delays[company.upper()].uniform(0.0, self._lags[company.upper()])

    def source(self, table: str, obj: ObjectDef, now: float) -> tuple[str, list[Any]]:
        """A FROM clause standing in for ``table``: the rows queries see at ``now``."""
        if obj.name not in self._shadows:  # nothing was ever versioned: the table itself
            return table, []
        columns = ", ".join(["_company", "_entity", *(quote(n) for n in obj.field_names)])
        newer = (
            "SELECT 1 FROM _versions v WHERE v.company = t._company AND v.object = ? "
            'AND v.recordno = t."RECORDNO" AND v.visible_at > ?'
        )
        sql = (
            f"(SELECT {columns} FROM {table} t WHERE NOT EXISTS ({newer}) UNION ALL "
            f"SELECT {columns} FROM {_shadow(obj)} WHERE _visible_at <= ? "
            f"AND _superseded_at > ?) AS {table}"
        )
        return sql, [obj.name, now, now, now]

    # -- writes -----------------------------------------------------------------------

    def visible_at(
        self, conn: sqlite3.Connection, company: str, obj: ObjectDef, recordno: int
    ) -> float | None:
        """When the last write of ``obj``'s record ``recordno`` becomes visible (None:
        not versioned)."""
        row = conn.execute(
            "SELECT visible_at FROM _versions WHERE company = ? AND object = ? AND recordno = ?",
            (company, obj.name, recordno),
        ).fetchone()
        return None if row is None else float(row[0])

    def written(
        self,
        conn: sqlite3.Connection,
        table: str,
        obj: ObjectDef,
        company: str,
        recordnos: Sequence[int],
        now: float,
        *,
        replaced: bool,
        visible: float | None = None,
    ) -> None:
        """Before the rows of ``recordnos`` change (``replaced``: update or delete),
        their current versions go into the shadow table, valid until the write becomes
        visible; then the write is given the moment queries see it (``visible``: a
        moment already drawn, the one of the write it belongs to)."""
        if visible is None:
            visible = now + self.delay(company)
        self._ensure_shadow(conn, table, obj)
        if replaced:  # the versions they replace stay visible until then
            columns = ", ".join(["_company", "_entity", *(quote(n) for n in obj.field_names)])
            marks = ", ".join("?" * len(recordnos))
            conn.execute(
                f"INSERT INTO {_shadow(obj)} ({columns}, _visible_at, _superseded_at) "
                f"SELECT {columns}, coalesce((SELECT visible_at FROM _versions v WHERE "
                f'v.company = t._company AND v.object = ? AND v.recordno = t."RECORDNO"), 0), ? '
                f'FROM {table} t WHERE _company = ? AND "RECORDNO" IN ({marks})',
                [obj.name, visible, company, *recordnos],
            )
        conn.executemany(
            "INSERT OR REPLACE INTO _versions VALUES (?, ?, ?, ?)",
            [(company, obj.name, int(n), visible) for n in recordnos],
        )

    def _ensure_shadow(self, conn: sqlite3.Connection, table: str, obj: ObjectDef) -> None:
        """The object's shadow table, made on its first versioned write."""
        if obj.name in self._shadows:
            return
        shadow = _shadow(obj)
        conn.execute(f"CREATE TABLE IF NOT EXISTS {shadow} AS SELECT * FROM {table} WHERE 0")
        present = {r[1] for r in conn.execute(f"PRAGMA table_info({shadow})")}
        for column in ("_visible_at", "_superseded_at"):
            if column not in present:
                conn.execute(f"ALTER TABLE {shadow} ADD COLUMN {column} REAL")
        with self._lock:
            self._shadows.add(obj.name)

    def add_column(self, conn: sqlite3.Connection, obj: ObjectDef, column: str) -> None:
        """A column added to ``obj``'s table, added to its shadow table too (if made)."""
        if obj.name in self._shadows:
            conn.execute(f"ALTER TABLE {_shadow(obj)} ADD COLUMN {column}")

    def drop(self, conn: sqlite3.Connection, obj: ObjectDef) -> None:
        """``obj``'s shadow table and versions, the object removed."""
        conn.execute("DELETE FROM _versions WHERE object = ?", (obj.name,))
        conn.execute(f"DROP TABLE IF EXISTS {_shadow(obj)}")
        with self._lock:
            self._shadows.discard(obj.name)


def _shadow(obj: ObjectDef) -> str:
    return f'"shadow_{obj.name}"'
