"""Rows computed for a REST-only object (``vendor-total``), queried like a table: they
go into a private in-memory SQLite table so the REST filters, order and pages run as the
same SQL as over the store's own tables. Nothing here is stored; XML never sees it."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from intacct.emulator.catalog import FieldDef
from intacct.emulator.querylang.core import Sql
from intacct.emulator.store.database import quote
from intacct.emulator.values import utc_text

__all__ = ["Scratch", "Source"]

_SQL_TYPES = {"integer": "INTEGER", "boolean": "INTEGER"}


class Source(Protocol):
    """Where a REST object's rows come from: a page of fields ``names`` of the rows
    ``where`` holds for, in ``order`` (an ``ORDER BY`` clause, or empty), and how many
    rows it holds for in all."""

    __slots__ = ()  # a slotted implementation (``_Records``) stays slotted

    def page(
        self, names: Sequence[str], where: Sql, order: str, limit: int, offset: int
    ) -> tuple[list[tuple[Any, ...]], int]: ...


class Scratch(Source):
    """``rows`` (name -> storage value) of ``fields``, in the order given: the order
    a query without orderBy sees."""

    def __init__(self, fields: Sequence[FieldDef], rows: Sequence[Mapping[str, Any]]) -> None:
        self._conn = sqlite3.connect(":memory:")
        self._conn.create_function("ia_utc", 2, utc_text, deterministic=True)
        names = [f.name for f in fields]
        columns = ", ".join(f"{quote(f.name)} {_SQL_TYPES.get(f.type, 'TEXT')}" for f in fields)
        self._conn.execute(f"CREATE TABLE t ({columns})")
        marks = ", ".join("?" * len(names))
        self._conn.executemany(
            f"INSERT INTO t VALUES ({marks})", [[row.get(n) for n in names] for row in rows]
        )

    def page(
        self, names: Sequence[str], where: Sql, order: str, limit: int, offset: int
    ) -> tuple[list[tuple[Any, ...]], int]:
        order = f"{order}, rowid" if order else "ORDER BY rowid"
        columns = ", ".join(quote(n) for n in names) or "1"
        sql = f"SELECT {columns} FROM t WHERE {where.text} {order} LIMIT ? OFFSET ?"
        rows = self._conn.execute(sql, [*where.params, limit, offset]).fetchall()
        total = self._conn.execute(f"SELECT count(*) FROM t WHERE {where.text}", where.params)
        return rows, int(total.fetchone()[0])

    def close(self) -> None:
        self._conn.close()
