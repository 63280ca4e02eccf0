"""A step's connections to Dagster's instance.

Dagster's Postgres storages open a new connection for every operation (SQLAlchemy's
NullPool, so that idle processes hold none): each company a step syncs stores some
twenty of them (its slot, its log line, a materialization per object), and each costs a
connection set up and a Postgres backend started and ended. A step syncs its companies
for seconds to minutes, so it keeps a few open instead, with Dagster's own switch for
long-lived processes (``optimize_for_webserver``: one connection per storage, a couple
more while the sync's threads log at once). An instance in SQLite ignores it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["hold_connections"]

#: no timeout on statements (as without the switch); connections renewed hourly
STATEMENT_TIMEOUT_MS = 0
RECYCLE_S = 3600
#: connections beyond the one kept per storage, for threads logging at once
OVERFLOW = 2
#: the instances already switched (by id: a step's process has one)
_HELD: set[int] = set()


def hold_connections(instance: Any) -> None:
    """Keep ``instance``'s connections to its storage open for this process's life."""
    if id(instance) in _HELD:
        return
    instance.optimize_for_webserver(STATEMENT_TIMEOUT_MS, RECYCLE_S, OVERFLOW)
    _HELD.add(id(instance))
