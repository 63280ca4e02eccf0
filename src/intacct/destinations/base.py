"""What every destination of ``intacct sync`` is: the engine's pages stored with the run
state after each of them, so a run that dies anywhere resumes exactly.

A :class:`Destination` is the sync's side of the engine contract: it prepares a table per
object (new fields become new columns), stores each page — rows, tombstones and the
state — as one unit (one transaction where the store has them), and gives the state back
to the next run. What only some stores can do is an optional capability, asked for with
``isinstance`` by what needs it: :class:`ReadBack` (tables derived from others),
:class:`FivetranViews`, :class:`KeepsHistory`, :class:`RemovableWhenUnused`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from intacct.client.requestor import Ledger
from intacct.client.rest_pages import key_number
from intacct.destinations.tables import Table
from intacct.replication import DELETED_AT, StreamPage
from intacct.replication.records.typed import iso_utc

__all__ = [
    "MODIFIED",
    "RECORDNO",
    "Destination",
    "DestinationBusyError",
    "DestinationError",
    "Execute",
    "FivetranViews",
    "KeepsHistory",
    "PageCounts",
    "ReadBack",
    "RemovableWhenUnused",
    "in_key_range",
    "key_range_sql",
    "keyed_table",
    "lines_of",
    "lines_table",
    "recordnos_as",
    "versioned",
    "versions",
]

RECORDNO, MODIFIED = "RECORDNO", "WHENMODIFIED"


class DestinationError(Exception):
    """The destination cannot be opened or written; says which one and why. Not an
    :class:`~intacct.errors.IntacctError`: the gateway did nothing wrong, and the engine
    stops the whole run for it instead of failing one stream."""


class DestinationBusyError(DestinationError):
    """Someone else held the destination (a reader of the DuckDB file, a Postgres
    transaction) for longer than ``lock_wait_s``: nothing of the run is lost, and the
    same run again goes on once they let go (a follower tries again by itself)."""


@dataclass(frozen=True, slots=True)
class PageCounts:
    inserted: int = 0
    updated: int = 0
    deleted: int = 0


class Destination(Protocol):
    """A store ``intacct sync`` writes (DuckDB, Postgres, …)."""

    def prepare(self, table: Table) -> list[str]:
        """Create the table or add the columns it lacks; returns the columns added."""
        ...

    def state(self) -> dict[str, Any] | None:
        """The run state stored with the last page, None before the first run."""
        ...

    def setting(self, name: str) -> Any:
        """A choice remembered between runs (``layout``), or None."""
        ...

    def save_setting(self, name: str, value: Any) -> None: ...

    def save_state(self, state: Mapping[str, Any]) -> None:
        """Replace the run state alone (``intacct state reset``)."""
        ...

    def write_page(self, page: StreamPage) -> PageCounts:
        """The page's rows and tombstones and the state after it, as one unit."""
        ...

    def stored_versions(
        self, name: str, entity: str, recordnos: Sequence[int]
    ) -> dict[int, str | None] | None:
        """The stored WHENMODIFIED of each of ``recordnos`` the table has in ``entity``
        (tombstoned rows too), for the lookback window's digest
        (:class:`~intacct.replication.contract.StoredVersions`); None if it cannot tell."""
        ...

    def stored_lines(
        self, name: str, entity: str, field: str, documents: Sequence[int]
    ) -> dict[int, list[Any]] | None:
        """Per document RECORDNO in ``documents``, the keys of the live rows (not
        tombstoned) whose ``field`` names it, in ``entity`` (a deleted document's lines:
        :class:`~intacct.replication.contract.StoredLines`); None if it cannot tell."""
        ...

    def stored_keys(
        self, name: str, entity: str, after: int | None, upto: int | None
    ) -> list[str] | None:
        """The keys of the live rows (not tombstoned) in ``entity`` whose key, as a whole
        number, is in (``after``, ``upto``] (None: no bound), for an object read whole by
        key (its deletes: :class:`~intacct.replication.contract.StoredKeys`); None if it
        cannot tell."""
        ...

    def ledger(self, started: str, company: str | None) -> Ledger | None:
        """The run's row in ``_intacct_runs``, to be kept ahead of its spend by the
        client (:mod:`intacct.destinations.runs`); None: the store records the run at its
        end only (:meth:`record_run`). Called once, before the run's first request."""
        ...

    def record_run(self, finished: str, status: str, summary: object, transactions: int) -> None:
        """The run's final row: its status, its objects' ``summary`` and the API
        ``transactions`` it may have billed."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class ReadBack(Protocol):
    """A store whose tables can be read back and rebuilt (the unified tables are derived
    from the objects' tables): DuckDB, Postgres; not a warehouse through dlt."""

    def prepare(self, table: Table) -> list[str]: ...

    def rows(self, name: str) -> list[dict[str, Any]]:
        """A table prepared this run, its rows as Python values (a derived table's input)."""
        ...

    def replace_rows(self, table: Table, records: Sequence[Mapping[str, Any]]) -> int:
        """A derived table's rows replaced whole, in one transaction; rows written."""
        ...


#: a statement and its parameters run, its rows returned
Execute = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]


@runtime_checkable
class FivetranViews(Protocol):
    """A store the Fivetran layout's views can be built in (:mod:`intacct.sync.fivetran`
    writes them in DuckDB's SQL, in a schema of the same database): DuckDB."""

    def table_columns(self, name: str) -> dict[str, str]:
        """A table's columns in order with their types; empty if there is no table."""
        ...

    def views(self, work: Callable[[Execute], None], undone: str) -> None:
        """``work(execute)`` in one transaction: all of it is stored, or none (the error
        says ``undone``)."""
        ...


@runtime_checkable
class KeepsHistory(Protocol):
    """A store that keeps every version of an object's records beside its table
    (:mod:`.history`): DuckDB, Postgres, dlt (a view over its versions and deletes)."""

    def keep_history(self, table: Table) -> str | None:
        """``table`` (prepared) keeps its records' versions from this run on; why it
        cannot (no WHENMODIFIED, no key), else None."""
        ...

    def keeps_history(self, name: str) -> bool:
        """Whether ``name`` keeps history this run."""
        ...


@runtime_checkable
class RemovableWhenUnused(Protocol):
    """A store a run creates and may leave empty (a DuckDB file)."""

    def remove_if_unused(self) -> bool:
        """After ``close``: the store removed if this run made it and stored nothing in
        it (a run that failed before its first page leaves nothing behind). True if it
        was."""
        ...


def versions(rows: Iterable[tuple[Any, Any]]) -> dict[int, str | None]:
    """(RECORDNO, WHENMODIFIED) rows as the engine compares them: WHENMODIFIED as ISO UTC
    text (a naive stored time is UTC, as the engine wrote it); the last row of a RECORDNO
    wins."""
    out: dict[int, str | None] = {}
    for recordno, modified in rows:
        if isinstance(modified, str):
            modified = datetime.fromisoformat(modified.replace("Z", "+00:00"))
        if isinstance(modified, datetime) and modified.tzinfo is None:
            modified = modified.replace(tzinfo=UTC)
        out[int(recordno)] = iso_utc(modified) if modified is not None else None
    return out


def recordnos_as(table: Table, recordnos: Sequence[int], column: str = RECORDNO) -> list[Any]:
    """RECORDNOs as the table's ``column`` types them (a number; text where the object's
    metadata says so)."""
    kinds = {c.name: c.type for c in table.columns}
    return list(recordnos) if kinds.get(column) == "BIGINT" else [str(r) for r in recordnos]


def lines_table(tables: Mapping[str, Table], name: str, field: str) -> Table | None:
    """The table prepared this run for ``name`` if it can tell its lines of a document:
    it has ``field``, ``_sdc_deleted_at`` and a key of its own."""
    table = tables.get(name)
    if table is None or not table.key or not {field, DELETED_AT} <= set(table.names):
        return None
    return table


def lines_of(rows: Iterable[tuple[Any, Any]]) -> dict[int, list[Any]]:
    """(document, line key) rows grouped by document RECORDNO."""
    out: dict[int, list[Any]] = {}
    for document, key in rows:
        out.setdefault(int(document), []).append(key)
    return out


def versioned(tables: Mapping[str, Table], name: str) -> Table | None:
    """The table prepared this run for ``name`` if it has RECORDNO and WHENMODIFIED (a
    destination tells the versions of those only)."""
    table = tables.get(name)
    return table if table is not None and {RECORDNO, MODIFIED} <= set(table.names) else None


def keyed_table(tables: Mapping[str, Table], name: str) -> Table | None:
    """The table prepared this run for ``name`` if it can name its live keys in a range
    (:meth:`Destination.stored_keys`, by its first key column): it has a key and
    ``_sdc_deleted_at``."""
    table = tables.get(name)
    if table is None or not table.key or DELETED_AT not in table.names:
        return None
    return table


def key_range_sql(
    column: str, mark: str, after: int | None, upto: int | None
) -> tuple[str, list[int]]:
    """SQL: ``column`` (a key stored as text) in (``after``, ``upto``], compared as a whole
    number as the REST read orders keys (:func:`intacct.client.rest_pages.key_number`,
    the one rule: ``"10"`` after ``"9"``), with its parameters (``mark`` the driver's
    placeholder); always true with no bound. :func:`in_key_range` in Python."""
    number = f"CAST({column} AS BIGINT)"
    parts, params = [], []
    if after is not None:
        parts.append(f"{number} > {mark}")
        params.append(after)
    if upto is not None:
        parts.append(f"{number} <= {mark}")
        params.append(upto)
    return " AND ".join(parts) or "1 = 1", params


def in_key_range(key: Any, after: int | None, upto: int | None) -> bool:
    """``key`` in (``after``, ``upto``] as :func:`key_range_sql` says it in SQL."""
    number = key_number(key)
    return (after is None or number > after) and (upto is None or number <= upto)
