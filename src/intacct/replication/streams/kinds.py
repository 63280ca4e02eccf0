"""The kinds of stream the engine reads, behind one interface (:class:`Stream`), made by
one factory (:func:`open_stream`), so no runner tests for a particular stream.

* an Intacct **object** (:class:`~.objects.ObjectStream`): keyset-paged on
  (WHENMODIFIED, RECORDNO) with deletes as tombstones, a first run split into RECORDNO
  ranges; an object without WHENMODIFIED read whole, in ranges, every run; one without
  RECORDNO read whole through readByQuery;
* a **declared** stream, which is no XML object (:data:`DECLARED`): the trial balance
  (:mod:`.trialbalance`) and the objects only the REST API has (:mod:`.rest_only`). Its
  :class:`StreamKind` carries what a runner needs without the registry: the JSON
  Schema, the key and how to read it.

A runner lists the streams a company has with :func:`stream_names`, looks up only
:func:`objects_among` them in the registry, and describes a declared one by its kind
(:func:`declared`).
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from intacct.client.registry import ObjectInfo
from intacct.errors import IntacctError
from intacct.protocol.rest_catalog import AmbiguousTwinError, RestCatalog, RestObject, xml_named
from intacct.replication.contract import Sink, StreamResult, StreamSpec
from intacct.replication.run.context import RunContext
from intacct.replication.state.runstate import RunState, StreamState
from intacct.replication.streams import rest_only, trialbalance
from intacct.replication.streams.audit import Change
from intacct.replication.streams.objects import ObjectStream
from intacct.replication.streams.rest import RestObjectStream, rest_fields, rest_object
from intacct.replication.streams.route import PENDING, Route, fixed_route

__all__ = [
    "Stream",
    "StreamKind",
    "custom_models",
    "declared",
    "declared_kinds",
    "objects_among",
    "open_stream",
    "rest_path",
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
    context: RunContext
    parts: list[Part]
    #: a first (or full-table) read that the engine plans in batched questions
    planning: bool

    def prepare(self, dry: bool = False) -> None: ...
    def attempt(self, part: Callable[[], None]) -> None: ...
    def finish(self) -> None: ...
    def fail(self, exc: IntacctError) -> None: ...

    # what the audit trail's question asks of it (:class:`~..run.watch.Watched`)
    current: StreamState

    def subjects(self) -> frozenset[str]: ...
    def steady(self) -> bool: ...
    def quiet(self) -> None: ...
    def rule(self) -> str: ...
    def named(self, rows: Sequence[Change]) -> bool: ...


Opener = Callable[[RunContext, StreamSpec, str, RunState, Sink], Stream]


@dataclass(frozen=True, slots=True)
class StreamKind:
    """A declared stream: its name, JSON Schema, key properties and reader."""

    name: str
    schema: Callable[[], dict[str, Any]]
    key_properties: tuple[str, ...]
    open: Opener
    #: read through the REST API only (:mod:`.rest_only`): listed where the client has
    #: the OAuth app
    rest_only: bool = False


def _rest_only_kind(target: RestObject, name: str) -> StreamKind:
    return StreamKind(
        name,
        functools.partial(rest_only.schema_of, target),
        rest_only.KEY_PROPERTIES,
        functools.partial(rest_only.RestOnlyStream, target=target, name=name),
        rest_only=True,
    )


TRIAL_BALANCE_KIND = StreamKind(
    trialbalance.TRIAL_BALANCE,
    trialbalance.schema,
    trialbalance.KEY_PROPERTIES,
    trialbalance.TrialBalanceStream,
)


#: the declared streams every run has, whatever its REST catalog
_NOT_REST_ONLY = {TRIAL_BALANCE_KIND.name: TRIAL_BALANCE_KIND}


#: the catalog :func:`_declared` last named the streams of, and those streams
_last: tuple[Callable[[], RestCatalog | None], dict[str, StreamKind]] = (lambda: None, {})


def _declared(catalog: RestCatalog | None) -> dict[str, StreamKind]:
    """The declared streams of a run whose REST catalog is ``catalog`` (None: the
    packaged one): the trial balance, then each REST-only object's. Kept for the last
    catalog asked: a run asks once a stream and an object (about 1,300 with ``--objects
    all``), and naming a catalog's streams walks all of it (a catalog is never changed:
    :meth:`RestCatalog.with_models` makes a new one)."""
    global _last
    kept, kinds = _last
    if catalog is None or kept() is not catalog:
        kinds = _declared_anew(catalog)
        if catalog is not None:
            _last = weakref.ref(catalog), kinds
    return kinds


def _declared_anew(catalog: RestCatalog | None) -> dict[str, StreamKind]:
    names = rest_only.rest_only_names(catalog)
    kinds = [_rest_only_kind(o, names[o.path]) for o in rest_only.rest_only_objects(catalog)]
    return {**_NOT_REST_ONLY, **{k.name: k for k in kinds}}


@functools.cache
def _packaged() -> dict[str, StreamKind]:
    """The declared streams of the packaged REST catalog (a run's: :func:`declared_kinds`
    with its catalog, which adds the objects the company's model service lists). Made
    when first asked, not at import: the catalog costs a command that reads through XML
    alone about 12 MB and half a second."""
    return _declared_anew(None)


def _kinds(catalog: RestCatalog | None) -> dict[str, StreamKind]:
    return _packaged() if catalog is None else _declared(catalog)


def declared(name: str, catalog: RestCatalog | None = None) -> StreamKind | None:
    """The declared stream called ``name``; None for an Intacct object."""
    if name in _NOT_REST_ONLY or xml_named(name):
        return _NOT_REST_ONLY.get(name)
    return _kinds(catalog).get(name)


def declared_kinds(rest: bool = False, catalog: RestCatalog | None = None) -> list[StreamKind]:
    """Every declared stream, in order; the REST-only ones where ``rest`` (the client
    has the OAuth app), of ``catalog`` (the run's; None: the packaged one)."""
    if not rest:  # the REST catalog is not read
        return list(_NOT_REST_ONLY.values())
    return list(_kinds(catalog).values())


def objects_among(names: Iterable[str], catalog: RestCatalog | None = None) -> list[str]:
    """The names that are Intacct objects (the ones the registry looks up)."""
    return [n for n in names if declared(n, catalog) is None]


def stream_names(
    objects: Sequence[str], rest: bool = False, catalog: RestCatalog | None = None
) -> list[str]:
    """Every stream of a company whose objects are ``objects``: those, then the
    declared streams (the REST-only ones where ``rest``)."""
    return [*objects, *(kind.name for kind in declared_kinds(rest, catalog))]


def rest_path(name: str, catalog: RestCatalog) -> str | None:
    """The REST path a stream called ``name`` reads through REST under ``api: rest``:
    the object holding the XML object's records (None: none, or the catalog cannot
    say which, which the stream itself reports)."""
    if declared(name, catalog) is not None:
        return None
    try:
        target = rest_object(name, catalog)
    except AmbiguousTwinError:
        return None
    return target.path if target is not None else None


def open_stream(
    context: RunContext, spec: StreamSpec, entity: str, state: RunState, sink: Sink
) -> Stream:
    """The stream of ``spec`` for ``entity``: its declared kind's, else an object's,
    through the API its route says (:mod:`.route`)."""
    kind = declared(spec.object, context.rest)
    if kind is not None:
        return kind.open(context, spec, entity, state, sink)
    target, route = _route(context, spec)
    stream: ObjectStream
    if target is not None and (route.api == "rest" or route == PENDING):
        stream = RestObjectStream(context, spec, entity, state, sink, target=target)
    else:
        stream = ObjectStream(context, spec, entity, state, sink)
    stream.route = route
    return stream


def _route(context: RunContext, spec: StreamSpec) -> tuple[RestObject | None, Route]:
    """The object's REST twin and its route before counting (:data:`PENDING`: the
    counts decide), from the run's catalog and the fields the run asks of it."""
    api, speaks_rest = context.settings.api, context.client.speaks_rest
    target = None
    if api == "rest":
        target = rest_object(spec.object, context.rest)
    elif api == "auto" and speaks_rest:
        try:
            target = rest_object(spec.object, context.rest)
        except AmbiguousTwinError:
            return None, Route("xml", "REST's twin ambiguous")
    asked: list[str] = []
    held: set[str] = set()
    if target is not None and api == "auto" and speaks_rest:
        try:
            info = context.registry.get(spec.object)
        except IntacctError:  # the stream meets it again and fails alone
            return None, Route("xml", "not looked up")
        asked = _asked(spec, info)
        held = _held(target, info, asked)
    fixed = fixed_route(api, speaks_rest, target is not None, asked, held)
    return target, fixed or PENDING


def _held(target: RestObject, info: ObjectInfo, asked: Sequence[str]) -> set[str]:
    """The XML fields ``target`` holds; its custom ones too where it lacks another
    asked field (XML's then whatever they hold: their model is not read for it)."""
    held = set(rest_fields(target, info))
    custom = {f.name for f in info.model.fields if f.custom}
    if any(f not in held and f not in custom for f in asked):
        held |= custom
    return held


def _asked(spec: StreamSpec, info: ObjectInfo) -> list[str]:
    """The XML fields a run asks of ``spec``'s object, its bookmark's with them."""
    keys = [info.replication_key] if info.replication_key else []
    return list(dict.fromkeys([*(spec.fields or info.queryable_fields), *keys]))


def custom_models(context: RunContext, specs: Iterable[StreamSpec]) -> list[str]:
    """The REST paths whose models (their custom fields) decide an ``auto`` route: a
    twin holding every other field asked of it in the packaged catalog, asked a custom
    field (the run reads these before its streams open; no API transaction)."""
    if context.settings.api != "auto" or not context.client.speaks_rest:
        return []
    packaged = context.registry.rest.packaged
    paths = []
    for spec in specs:
        if not xml_named(spec.object):  # a declared stream (REST-only): no twin, no lookup
            continue
        try:
            target = rest_object(spec.object, packaged)
            if target is None:
                continue
            info = context.registry.get(spec.object)
        except (AmbiguousTwinError, IntacctError):  # the stream's route says so
            continue
        custom = {f.name for f in info.model.fields if f.custom}
        asked = _asked(spec, info)
        held = _held(target, info, asked) | custom
        if custom & set(asked) and fixed_route("auto", True, True, asked, held) is None:
            paths.append(target.path)
    return list(dict.fromkeys(paths))
