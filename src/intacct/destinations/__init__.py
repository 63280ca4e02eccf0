"""Where ``intacct sync`` stores what the engine reads: a :class:`Destination` per store
(DuckDB embedded by default, a Postgres schema, or a warehouse through dlt), each page with
the run state after it. What ``--db`` names is read once, into a
:class:`~.locations.Location`; what a store can do beyond the protocol, :func:`offers`
tells before it is opened."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from intacct.destinations.base import (
    Destination,
    DestinationBusyError,
    DestinationError,
    FivetranViews,
    KeepsHistory,
    PageCounts,
    ReadBack,
    RemovableWhenUnused,
)
from intacct.destinations.duckdb import DuckDBDestination
from intacct.destinations.duckdb import saved_state as _duckdb_state
from intacct.destinations.locations import DLT, DUCKDB, POSTGRES, Location, is_dlt, is_postgres
from intacct.destinations.waiting import DEFAULT_LOCK_WAIT_S
from intacct.errors import ConfigError

if TYPE_CHECKING:
    from intacct.destinations.postgres import PostgresDestination

__all__ = [
    "Destination",
    "DestinationBusyError",
    "DestinationError",
    "DuckDBDestination",
    "FivetranViews",
    "KeepsHistory",
    "Location",
    "PageCounts",
    "PostgresDestination",
    "ReadBack",
    "RemovableWhenUnused",
    "describe",
    "is_dlt",
    "is_postgres",
    "offers",
    "open_destination",
    "saved_state",
]

Where = str | Path | Location


def destination_class(where: Where) -> type:
    """The class of the store at ``where``, its driver's module imported only now (psycopg
    for a Postgres URL; dlt itself waits until the store is opened)."""
    kind = Location.parse(where).kind
    if kind == POSTGRES:
        from intacct.destinations.postgres import PostgresDestination

        return PostgresDestination
    if kind == DLT:
        from intacct.destinations.dlt import DltDestination

        return DltDestination
    return DuckDBDestination


def offers(where: Where, capability: type) -> bool:
    """Whether the store at ``where`` has ``capability`` (:class:`ReadBack`,
    :class:`FivetranViews`, …), told before anything is opened or created."""
    return issubclass(destination_class(where), capability)


def open_destination(
    where: Where,
    *,
    company: str | None = None,
    lock_wait_s: float = DEFAULT_LOCK_WAIT_S,
    snapshot: str | Path | None = None,
) -> Destination:
    """The store at ``where``: a ``postgresql://`` (or ``postgres://``) URL is a Postgres
    schema, whose run holds ``company``'s lock; ``dlt:<destination>[?…]`` a warehouse
    through dlt (:mod:`intacct.destinations.dlt`, imported only then); anything else is
    the path of a DuckDB file (one writer at a time by DuckDB's own file lock). A reader
    holding the store is waited for, up to ``lock_wait_s`` (:mod:`.waiting`); a DuckDB
    file publishes a ``snapshot`` for readers when closed (:mod:`.snapshot`)."""
    location = Location.parse(where)
    if snapshot is not None and location.kind != DUCKDB:
        raise ConfigError(
            "snapshot",
            f"is a copy of a DuckDB file; {location.shown} is read where it is (Postgres "
            "serves many readers while a run writes): leave it out",
        )
    if location.kind == POSTGRES:
        from intacct.destinations.postgres import PostgresDestination

        return PostgresDestination(location.where, company=company, lock_wait_s=lock_wait_s)
    if location.kind == DLT:
        from intacct.destinations.dlt import open_dlt

        return open_dlt(location.where)
    return DuckDBDestination(location, lock_wait_s=lock_wait_s, snapshot=snapshot)


def saved_state(
    where: Where, name: str = "run", *, lock_wait_s: float = DEFAULT_LOCK_WAIT_S
) -> Any:
    """The run state (or setting ``name``) at ``where``, None if none; nothing is
    written (a dry run)."""
    location = Location.parse(where)
    if location.kind == POSTGRES:
        from intacct.destinations.postgres import saved_state as postgres_state

        return postgres_state(location.where, name)
    if location.kind == DLT:
        store = open_destination(location)
        try:
            return store.state() if name == "run" else store.setting(name)
        finally:
            store.close()
    return _duckdb_state(location.path, name, lock_wait_s=lock_wait_s)


def describe(where: Where) -> str:
    """``where`` as messages show it: a URL without its password."""
    return Location.parse(where).shown


def __getattr__(name: str) -> Any:
    """The Postgres class, imported (with psycopg) on first use only."""
    if name == "PostgresDestination":
        from intacct.destinations.postgres import PostgresDestination

        return PostgresDestination
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
