"""The kinds of stream the engine reads, behind one interface (:class:`Stream`), made by
one factory (:func:`open_stream`), so no runner tests for a particular stream.

* an Intacct **object** (:class:`~.objects.ObjectStream`): keyset-paged on
  (WHENMODIFIED, RECORDNO) with deletes as tombstones, a first run split into RECORDNO
  ranges; an object without WHENMODIFIED read whole, in ranges, every run; one without
  RECORDNO read whole through readByQuery;
* a **declared** stream, which is no object (:data:`DECLARED`): today the trial balance
  (:mod:`.trialbalance`). Its :class:`StreamKind` carries what a runner needs without
  the registry: the JSON Schema, the key and how to read it.

A runner lists the streams a company has with :func:`stream_names`, looks up only
:func:`objects_among` them in the registry, and describes a declared one by its kind
(:func:`declared`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from intacct.errors import IntacctError
from intacct.replication.contract import Sink, StreamResult, StreamSpec
from intacct.replication.run.context import RunContext
from intacct.replication.state.runstate import RunState
from intacct.replication.streams import trialbalance
from intacct.replication.streams.objects import ObjectStream
from intacct.replication.streams.rest import RestObjectStream, rest_object

__all__ = [
    "DECLARED",
    "Stream",
    "StreamKind",
    "declared",
    "declared_kinds",
    "objects_among",
    "open_stream",
    "stream_names",
]

#: a part of a stream's reading (one RECORDNO range, the changes, the months), and the
#: records it is guessed to hold (bigger parts start first)
Part = tuple[Callable[[], None], float]


class Stream(Protocol):
    """One (stream, entity) of a run: prepared, then its parts run on the shared
    workers (each through :meth:`attempt`, so its failure is the stream's alone), then
    finished once every part ran."""

    entity: str
    result: StreamResult
    parts: list[Part]
    #: a first (or full-table) read that the engine plans in batched questions
    planning: bool

    def prepare(self, dry: bool = False) -> None: ...
    def attempt(self, part: Callable[[], None]) -> None: ...
    def finish(self) -> None: ...
    def fail(self, exc: IntacctError) -> None: ...


Opener = Callable[[RunContext, StreamSpec, str, RunState, Sink], Stream]


@dataclass(frozen=True, slots=True)
class StreamKind:
    """A declared stream: its name, JSON Schema, key properties and reader."""

    name: str
    schema: Callable[[], dict[str, Any]]
    key_properties: tuple[str, ...]
    open: Opener


DECLARED: dict[str, StreamKind] = {
    trialbalance.TRIAL_BALANCE: StreamKind(
        trialbalance.TRIAL_BALANCE,
        trialbalance.schema,
        trialbalance.KEY_PROPERTIES,
        trialbalance.TrialBalanceStream,
    ),
}


def declared(name: str) -> StreamKind | None:
    """The declared stream called ``name``; None for an Intacct object."""
    return DECLARED.get(name)


def declared_kinds() -> list[StreamKind]:
    """Every declared stream, in order."""
    return list(DECLARED.values())


def objects_among(names: Iterable[str]) -> list[str]:
    """The names that are Intacct objects (the ones the registry looks up)."""
    return [n for n in names if n not in DECLARED]


def stream_names(objects: Sequence[str]) -> list[str]:
    """Every stream of a company whose objects are ``objects``: those, then the
    declared streams."""
    return [*objects, *DECLARED]


def open_stream(
    context: RunContext, spec: StreamSpec, entity: str, state: RunState, sink: Sink
) -> Stream:
    """The stream of ``spec`` for ``entity``: its declared kind's, else an object's."""
    kind = DECLARED.get(spec.object)
    opener: Opener = kind.open if kind is not None else ObjectStream
    if kind is None and context.settings.api != "xml" and rest_object(spec.object):
        opener = RestObjectStream  # it decides when prepared (``auto``: every field)
    return opener(context, spec, entity, state, sink)
