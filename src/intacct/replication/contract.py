"""The engine's contract with whoever runs it: what to read (:class:`StreamSpec`), where
pages go (:class:`Sink`), where the run's state is kept between runs
(:class:`StateStore`), what a run tells while it goes (:data:`Progress`) and what it
reports at the end (:class:`RunReport`). docs/engine.md describes the whole contract.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from intacct.errors import IntacctError
from intacct.replication.state.runstate import RunState

__all__ = [
    "Progress",
    "RunReport",
    "Sink",
    "StateStore",
    "StoredLines",
    "StoredVersions",
    "StreamResult",
    "StreamSpec",
    "stored_lines",
    "stored_versions",
]

#: after every page: stream, entity, the page's records, the stream's requests so far,
#: the page's bytes as received
Progress = Callable[[str, str, int, int, int], None]


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """One stream to read: an Intacct object or a declared stream (the trial balance,
    :mod:`.kinds`); ``fields`` None means every field query accepts."""

    object: str
    fields: Sequence[str] | None = None


class Sink(Protocol):
    """Where pages go; called one page at a time, never concurrently. ``records`` is a
    list of dicts, or :class:`~.columnar.Records` (a sequence of the same dicts that also
    has them as an Arrow table) when the engine reads columns; ``tombstones`` name
    deleted records; ``state`` is the whole run's state after this page
    (:meth:`RunState.snapshot`): a sink that stores it with the page resumes exactly."""

    def page(
        self,
        stream: str,
        entity: str,
        records: Sequence[dict[str, Any]],
        tombstones: list[dict[str, Any]],
        state: dict[str, Any],
    ) -> None: ...

    def warning(self, stream: str, text: str) -> None: ...


@runtime_checkable
class StoredVersions(Protocol):
    """A sink that can also say which version of a record it stores: with a lookback,
    the engine then reads in full only the records of the window the sink lacks or
    stores with another WHENMODIFIED (:mod:`.window`). A sink without it (a Singer
    tap's: what the target stores is not the tap's to know), or one answering None,
    has the window re-read in full."""

    def stored_versions(
        self, stream: str, entity: str, recordnos: Sequence[int]
    ) -> Mapping[int, str | None] | None:
        """The stored WHENMODIFIED (ISO UTC text as the engine emits it:
        :func:`~.records.iso_utc`; None where stored empty) of each of ``recordnos`` it
        has in ``entity``, tombstoned ones included; None if it cannot tell. Called
        under the engine's lock, like :meth:`Sink.page`; an empty ``recordnos`` asks
        only whether it can tell ({} if so)."""
        ...


def stored_versions(
    sink: Sink, stream: str, entity: str, recordnos: Sequence[int]
) -> Mapping[int, str | None] | None:
    """What ``sink`` stores of ``recordnos`` (:class:`StoredVersions`); None if it
    cannot tell."""
    if not isinstance(sink, StoredVersions):
        return None
    return sink.stored_versions(stream, entity, recordnos)


@runtime_checkable
class StoredLines(Protocol):
    """A sink that can also name the lines it holds of documents (the rows whose
    ``field`` holds one of ``documents``' RECORDNOs, not yet tombstoned): a deleted
    document's lines then become tombstones, for AUDITHISTORY names only the document
    (:data:`~.deletes.OWNERS`). A sink without it (a Singer tap's) is told once a run
    per line stream that those lines are not marked deleted."""

    def stored_lines(
        self, stream: str, entity: str, field: str, documents: Sequence[int]
    ) -> Mapping[int, Sequence[Any]] | None:
        """Per document RECORDNO, the keys (the table's key column) of its live lines in
        ``entity``; None if it cannot tell. Called under the engine's lock."""
        ...


def stored_lines(
    sink: Sink, stream: str, entity: str, field: str, documents: Sequence[int]
) -> Mapping[int, Sequence[Any]] | None:
    """The lines ``sink`` holds of ``documents`` (:class:`StoredLines`); None if it cannot
    tell."""
    if not isinstance(sink, StoredLines):
        return None
    return sink.stored_lines(stream, entity, field, documents)


class StateStore(Protocol):
    """Where the run's state lives between runs. A destination that commits the state
    with each page (DuckDB, Postgres) is its own store and saves nothing here; a
    separate store (a file, :class:`~.statefile.StateFile`) is saved right after the
    destination committed the page: a crash between the two reads that page again,
    which the destination's upsert makes harmless."""

    def load(self) -> RunState: ...

    def save(self, state: dict[str, Any]) -> None: ...


@dataclass(slots=True)
class StreamResult:
    object: str
    entity: str
    records: int = 0
    tombstones: int = 0
    requests: int = 0  # its own requests (the planning ones are shared by all streams)
    #: the API transactions Intacct bills for it (:mod:`intacct.protocol.billing`): its
    #: pages, deletes and planning questions, failed ones included
    transactions: int = 0
    #: rows of the lookback window's digest listed (RECORDNO, WHENMODIFIED: :mod:`.window`)
    listed: int = 0
    error: IntacctError | None = None


@dataclass(slots=True)
class RunReport:
    streams: list[StreamResult] = field(default_factory=list)
    #: the caller's ``stop`` ended the run early: what was stored is exact, the rest
    #: is read by the next run
    stopped: bool = False
    #: the client's API transaction budget stopped the run (``stopped`` is set too)
    budget: IntacctError | None = None

    @property
    def failed(self) -> list[StreamResult]:
        return [s for s in self.streams if s.error is not None]
