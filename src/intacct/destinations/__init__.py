"""Where ``intacct sync`` stores what the engine reads: a :class:`Destination` per store
(DuckDB embedded by default, a Postgres schema, or a warehouse through dlt), each page with
the run state after it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from intacct.destinations.base import Destination, DestinationError, PageCounts
from intacct.destinations.duckdb import DuckDBDestination
from intacct.destinations.duckdb import saved_state as _duckdb_state
from intacct.destinations.locations import display_url, is_postgres

if TYPE_CHECKING:
    from intacct.destinations.pgstate import PostgresStateStore
    from intacct.destinations.postgres import PostgresDestination

__all__ = [
    "Destination",
    "DestinationError",
    "DuckDBDestination",
    "PageCounts",
    "PostgresDestination",
    "PostgresStateStore",
    "describe",
    "is_dlt",
    "is_postgres",
    "open_destination",
    "saved_state",
]


def is_dlt(where: str | Path) -> bool:
    """``where`` names a warehouse through dlt (``dlt:<destination>[?…]``)."""
    return str(where).startswith("dlt:")


def open_destination(where: str | Path, *, company: str | None = None) -> Destination:
    """The store at ``where``: a ``postgresql://`` (or ``postgres://``) URL is a Postgres
    schema, whose run holds ``company``'s lock; ``dlt:<destination>[?…]`` a warehouse
    through dlt (:mod:`intacct.destinations.dlt`, imported only then); anything else is
    the path of a DuckDB file (one writer at a time by DuckDB's own file lock)."""
    if is_postgres(where):
        from intacct.destinations.postgres import PostgresDestination

        return PostgresDestination(str(where), company=company)
    if is_dlt(where):
        from intacct.destinations.dlt import open_dlt

        return open_dlt(str(where))
    return DuckDBDestination(where)


def saved_state(where: str | Path, name: str = "run") -> Any:
    """The run state (or setting ``name``) at ``where``, None if none; nothing is
    written (a dry run)."""
    if is_postgres(where):
        from intacct.destinations.postgres import saved_state as postgres_state

        return postgres_state(str(where), name)
    if is_dlt(where):
        store = open_destination(where)
        try:
            return store.state() if name == "run" else store.setting(name)
        finally:
            store.close()
    return _duckdb_state(where, name)


def describe(where: str | Path) -> str:
    """``where`` as messages show it: a URL without its password."""
    return display_url(str(where)) if is_postgres(where) else str(where)


def __getattr__(name: str) -> Any:
    """The Postgres classes, imported (with psycopg) on first use only."""
    if name == "PostgresDestination":
        from intacct.destinations.postgres import PostgresDestination

        return PostgresDestination
    if name == "PostgresStateStore":
        from intacct.destinations.pgstate import PostgresStateStore

        return PostgresStateStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
