"""The engine's contract with whoever runs it: what to read (:class:`StreamSpec`), what a
page is (:class:`StreamPage`) and where pages go (:class:`Sink`), what a run tells while it
goes (:data:`Progress`) and what it reports at the end (:class:`RunReport`).
docs/engine.md describes the whole contract.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from intacct.errors import IntacctError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "KeepsChanges",
    "Progress",
    "Redescribed",
    "RunReport",
    "Sink",
    "StoredKeys",
    "StoredLines",
    "StoredVersions",
    "StreamPage",
    "StreamResult",
    "StreamSpec",
    "keeps_changes",
    "redescribed",
    "stored_keys",
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


@dataclass(frozen=True, slots=True)
class StreamPage:
    """One page the engine hands a sink: what ``stream`` (an object, or a declared stream
    such as the trial balance) read in ``entity`` ("" the top level), and the whole run's
    ``state`` after it (:meth:`RunState.snapshot`): a sink that stores the page and its
    state together resumes exactly.

    ``records`` are dicts as :class:`~.records.typed.Typer` types them. A page typed in
    bulk also has them as ``table`` (Arrow: one typed column per field and
    ``_entity_id``), and its dicts are built from it only if a sink asks for them.
    ``tombstones`` name deleted records: ``{key field: value, "_sdc_deleted_at": ISO
    UTC}``. ``first_read``: a first run's range, whose records the sink most likely has
    not stored yet (a store may append them without looking for their keys)."""

    stream: str
    entity: str
    records: Sequence[dict[str, Any]]
    tombstones: Sequence[dict[str, Any]]
    state: dict[str, Any]
    table: pa.Table | None = field(default=None, repr=False)
    first_read: bool = False
    #: for a sink that asks for them (:class:`KeepsChanges`): the creates and
    #: modifications AUDITHISTORY lists (:attr:`~.streams.deletes.TombstonePage.changes`)
    changes: Sequence[dict[str, Any]] = ()


class Sink(Protocol):
    """Where pages go: :meth:`page` is called one page at a time, never concurrently, on
    the engine's delivery thread; :meth:`warning` is told what the run says once (its
    text says what it is of)."""

    def page(self, page: StreamPage) -> None: ...

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


@runtime_checkable
class StoredKeys(Protocol):
    """A sink that can also name the keys it holds of an object read whole by key (an
    object only the REST API has, :mod:`.streams.rest_only`): the stored live keys in the
    range a page covered that the page did not return are deleted in Intacct, and become
    tombstones on that page. A sink without it (a Singer tap's) is told once a run per
    stream that deletes are not marked."""

    def stored_keys(
        self, stream: str, entity: str, after: int | None, upto: int | None
    ) -> Sequence[str] | None:
        """The keys (as stored: text) of the live rows (not tombstoned) of ``stream`` in
        ``entity`` whose key, as a whole number, is greater than ``after`` and not
        greater than ``upto`` (None: no bound), in any order; None if it cannot tell.
        Keys compare as numbers, the order the read pages in
        (:func:`~intacct.client.rest_pages.key_number`). Called under the engine's lock,
        like :meth:`Sink.page`, with every page before stored."""
        ...


def stored_keys(
    sink: Sink, stream: str, entity: str, after: int | None, upto: int | None
) -> Sequence[str] | None:
    """The live keys ``sink`` holds of ``stream`` in (``after``, ``upto``]
    (:class:`StoredKeys`); None if it cannot tell."""
    if not isinstance(sink, StoredKeys):
        return None
    return sink.stored_keys(stream, entity, after, upto)


@runtime_checkable
class Redescribed(Protocol):
    """A sink that lays its tables out from the objects' descriptions before the run
    (``intacct sync``): told, before any page of it, of an object the run looked up
    again and found described otherwise than the kept description it was laid out by
    (a custom field added: :mod:`~intacct.client.lookup_cache`), so its table gains
    the column. A sink laying out from the records it gets needs no such word."""

    def redescribed(self, stream: str) -> None: ...


def redescribed(sink: Sink, stream: str) -> None:
    """Tell ``sink`` that ``stream``'s object is described anew (:class:`Redescribed`)."""
    if isinstance(sink, Redescribed):
        sink.redescribed(stream)


@runtime_checkable
class KeepsChanges(Protocol):
    """A sink that keeps a stream's history (every version of its records) and so also
    wants what AUDITHISTORY says of its changes: who made each version and the changes
    no read saw (its gaps). The engine reads them with the stream's deletes, in the same
    queries, and hands them over as ``StreamPage.changes``."""

    def keeps_changes(self, stream: str) -> bool: ...


def keeps_changes(sink: Sink, stream: str) -> bool:
    """Whether ``sink`` wants ``stream``'s changes (:class:`KeepsChanges`)."""
    return isinstance(sink, KeepsChanges) and sink.keeps_changes(stream)


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
    #: an object's: the API its records went through, and why (its route, as the dry
    #: run states it: :mod:`.streams.route`)
    route: str = ""
    #: why it read or stayed quiet this run (:mod:`.run.watch`): the audit trail named it,
    #: it was due for verification, or nothing named it
    why: str = ""


@dataclass(slots=True)
class RunReport:
    streams: list[StreamResult] = field(default_factory=list)
    #: the caller's ``stop`` ended the run early: what was stored is exact, the rest
    #: is read by the next run
    stopped: bool = False
    #: the client's API transaction budget stopped the run (``stopped`` is set too)
    budget: IntacctError | None = None
    #: what the run's one question (the audit trail's changes: :mod:`.run.watch`) cost
    question: int = 0

    @property
    def failed(self) -> list[StreamResult]:
        return [s for s in self.streams if s.error is not None]
