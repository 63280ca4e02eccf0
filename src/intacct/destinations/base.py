"""What every destination of ``intacct sync`` is: the engine's pages stored with the run
state after each of them, so a run that dies anywhere resumes exactly.

A :class:`Destination` is the sync's side of the engine contract: it prepares a table per
object (new fields become new columns), stores each page — rows, tombstones and the
state — as one unit (one transaction where the store has them), and gives the state back
to the next run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from intacct.destinations.tables import Table

__all__ = ["Destination", "DestinationError", "PageCounts"]


class DestinationError(Exception):
    """The destination cannot be opened or written; says which one and why. Not an
    :class:`~intacct.errors.IntacctError`: the gateway did nothing wrong, and the engine
    stops the whole run for it instead of failing one stream."""


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

    def write_page(
        self,
        name: str,
        records: Sequence[Mapping[str, Any]],
        tombstones: Sequence[Mapping[str, Any]],
        entity: str,
        state: Mapping[str, Any],
    ) -> PageCounts:
        """The page's rows and tombstones and the state after it, as one unit."""
        ...

    def record_run(self, started: str, finished: str, status: str, summary: object) -> None: ...

    def rows(self, name: str) -> list[dict[str, Any]]:
        """A table prepared this run, its rows as Python values (a derived table's input)."""
        ...

    def replace_rows(self, table: Table, records: Sequence[Mapping[str, Any]]) -> int:
        """A derived table's rows replaced whole, in one transaction; rows written."""
        ...

    def close(self) -> None: ...
