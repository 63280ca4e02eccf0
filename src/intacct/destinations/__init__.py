"""Where ``intacct sync`` stores what the engine reads: a :class:`Destination` per store
(DuckDB embedded by default), each page with the run state after it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from intacct.destinations.base import Destination, DestinationError, PageCounts
from intacct.destinations.duckdb import DuckDBDestination

__all__ = [
    "Destination",
    "DestinationError",
    "DuckDBDestination",
    "PageCounts",
    "open_destination",
    "stored_state",
]


def open_destination(where: str | Path) -> Destination:
    """The store ``--db`` names: ``dlt:<destination>[?…]`` a warehouse through dlt
    (:mod:`intacct.destinations.dlt`, imported only then), else a DuckDB file."""
    if str(where).startswith("dlt:"):
        from intacct.destinations.dlt import open_dlt

        return open_dlt(str(where))
    return DuckDBDestination(where)


def stored_state(where: str | Path, name: str = "run") -> Any:
    """The run state (or the setting ``name``) the store ``--db`` names holds, None if
    none; nothing is written (a dry run)."""
    if str(where).startswith("dlt:"):
        from intacct.destinations.dlt import open_dlt

        store = open_dlt(str(where))
        try:
            return store.state() if name == "run" else store.setting(name)
        finally:
            store.close()
    from intacct.destinations.duckdb import saved_state

    return saved_state(where, name)
