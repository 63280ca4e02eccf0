"""An object's records read through Sage Intacct's REST API, into the same typed columns
and the same state as the XML read (``api: rest``, or ``auto`` where its route says so).

``auto`` (the default) reads an object through REST only where REST holds every field
asked of it and its pages (twice XML's records) cost fewer API transactions, decided by
one rule (:mod:`.route`); on the same records and columns both APIs cost the same CPU
and REST gains nothing in time (BENCHMARKS.md, "The engine's typed reads"), so a tie is
XML's. What only REST has is read through REST whatever ``api`` says (:mod:`.rest_only`).

:class:`RestObjectStream` is an :class:`~.objects.ObjectStream` whose keyset passes go
through the query service (:func:`~intacct.client.rest_pages.iter_rest_pages`): a first
run's RECORDNO ranges, the changes after the bookmark, the records without a modified
time, and the lookback window's stale records. What has no REST equivalent, or is
cheaper as XML, stays XML: the deletes (AUDITHISTORY), and the questions the engine
batches for every stream in one request (a first run's plan, a later run's probe and
the window's listing). So both APIs move one state: the bookmark is the same
(WHENMODIFIED, RECORDNO) token, its UTC instant what REST filters on and its wall time
(the user's clock, :meth:`~intacct.protocol.formats.UserFormatting.to_wall`) what XML
sends back, and a stream switched from one API to the other goes on where it stood.

A REST record is given the XML names its fields share (the catalog's pairing,
:mod:`intacct.protocol.rest_catalog`) and typed by the XML metadata: a page decoded
into columns and typed in bulk (:mod:`~.records.rest_columnar`), else record by record
(:mod:`~.records.rest_typed`). XML fields REST has no equivalent of stay empty (the run
warns once, naming them).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from intacct.client.pagination import Page, PageToken
from intacct.client.registry import ObjectInfo
from intacct.client.rest_pages import RestPage, RestToken, iter_rest_pages
from intacct.errors import IntacctError, RequestBuildError
from intacct.protocol import query as q
from intacct.protocol.rest_catalog import RestCatalog, RestField, RestObject, rest_catalog
from intacct.replication.contract import Sink, StreamSpec
from intacct.replication.records.columnar import Records
from intacct.replication.records.rest_columnar import RestColumnTyper
from intacct.replication.records.rest_typed import RestTyper, fits
from intacct.replication.run.context import RunContext
from intacct.replication.state.runstate import RunState
from intacct.replication.streams.objects import ObjectStream, Typed
from intacct.replication.streams.route import PENDING, by_cost, rest_page_size

__all__ = ["RestObjectStream", "rest_fields", "rest_object"]

_MODIFIED = "WHENMODIFIED"
_OPERATORS = {
    "equalto": "$eq",
    "notequalto": "$ne",
    "lessthan": "$lt",
    "lessthanorequalto": "$lte",
    "greaterthan": "$gt",
    "greaterthanorequalto": "$gte",
}


def rest_object(xml_object: str, catalog: RestCatalog | None = None) -> RestObject | None:
    """The REST object that holds ``xml_object``'s records (None: REST has none), in
    ``catalog`` (the run's; None: the packaged one)."""
    return (catalog if catalog is not None else rest_catalog()).holding(xml_object)


def rest_fields(target: RestObject, info: ObjectInfo) -> dict[str, RestField]:
    """XML field of ``info`` -> the REST field that holds all of it (the first the
    catalog pairs with it: ``key`` rather than ``id`` for RECORDNO; :func:`fits`)."""
    models = {f.name: f for f in info.model.fields}
    paired: dict[str, RestField] = {}
    for rest in target.fields.values():
        if rest.xml and not rest.write_only and fits(models.get(rest.xml), rest):
            paired.setdefault(rest.xml, rest)
    return paired


class RestObjectStream(ObjectStream):
    """An (object, entity) stream whose records come through the REST API: under
    ``api: rest``, or under ``auto`` once its records are counted and cheaper so (its
    route :data:`~.route.PENDING` until then, and XML if not: :mod:`.route`)."""

    stores_true_utc = True  # REST's audit times are exact UTC instants

    def __init__(
        self,
        context: RunContext,
        spec: StreamSpec,
        entity: str,
        state: RunState,
        sink: Sink,
        *,
        target: RestObject,
    ) -> None:
        super().__init__(context, spec, entity, state, sink)
        self.target = target
        self.pairing: dict[str, RestField] = {}  # every XML field REST holds
        self.paired: dict[str, RestField] = {}  # ... of those this stream reads
        self.rest_typer: RestColumnTyper | None = None  # made once the fields are settled

    @property
    def page_size(self) -> int:
        size = self.context.settings.page_size
        return rest_page_size(size) if self.route.api == "rest" else size

    def counted(self, records: int) -> None:
        super().counted(records)  # a first read through DDS first
        if self.route == PENDING:
            self.route = by_cost(records, self.context.settings.page_size)

    def prepare(self, dry: bool = False) -> None:
        # without the OAuth app the run refused api rest before any stream opened
        super().prepare(dry)
        if self.info is None or self.result.error is not None:
            return
        self.pairing = rest_fields(self.target, self.info)
        custom = [f.name for f in self.info.model.fields if f.custom]
        # a custom field added since the model was kept? (auto's candidates hold every
        # field asked: their models were read this run)
        if self.route != PENDING and any(name not in self.pairing for name in custom):
            found = self.context.refresh_rest(self.target.path).get(self.target.path)
            self.target = found or self.target
            self.pairing = rest_fields(self.target, self.info)
        missing = [f for f in self.fields if f not in self.pairing]
        if missing:
            self._say_missing(missing)
        self.paired = {f: self.pairing[f] for f in self.fields if f in self.pairing}

    def keeps_versions(self) -> bool:
        """REST objects without a modified time (``time/time-type``, ``company-config/
        contact``...) leave WHENMODIFIED empty: a quiet run reads the window again."""
        return _MODIFIED in self.pairing

    def _incremental(self) -> None:
        """Without a modified time (:meth:`keeps_versions` false) REST cannot say which
        records changed: once the gateway counts changes since the bookmark, the object
        is read again whole, by key, and the bookmark moves to the newest change the
        gateway lists (asked first: a change written during the read is read again by
        the next run, never lost)."""
        if not self.reads_whole_on_change() or not self.reads_changes():
            super()._incremental()
            return
        bookmark = self.newest_bookmark()
        self._pass("RECORDNO", None, None, lambda page: None)
        if self.result.error is None and not self.context.stopped:
            self.current.token = bookmark or self.current.token

    def _say_missing(self, missing: Sequence[str]) -> None:
        name = self._info().name
        with self.context.lock:
            if f"rest:{name}" in self.context.warned:
                return
            self.context.warned.add(f"rest:{name}")
            self.sink.warning(name, _unmatched(name, missing))

    def _read(
        self, key: str, after: PageToken | str | None, where: q.Filter | None
    ) -> Iterator[tuple[Page, Typed]]:
        """The pass through the query service, each page typed into the XML columns and
        given the token the state keeps (XML's); XML's own read while the route is
        XML's (a candidate of ``auto`` not counted, or not cheaper through REST)."""
        if self.route.api != "rest":
            yield from super()._read(key, after, where)
            return
        token = PageToken.parse(after) if isinstance(after, str) else after
        pages = iter_rest_pages(
            self.client.rest,
            self.target.path,
            [field.name for field in self.paired.values()],
            size=self.page_size,
            after=_rest_token(token, key),
            by_key=key != _MODIFIED,
            filters=_filters(where, self.pairing),
            columnar=self.context.settings.columnar,
        )
        for number, page in enumerate(pages, 1):
            if self.result.error is not None or self.context.stopped:
                return
            try:
                out: Typed = self._rest_typed(page.records)
            except IntacctError as exc:
                out = exc
            done = Page([], self._page_token(page, key), number, page.last)
            del page  # the answer is not held while the page waits for delivery
            yield done, out

    def _rest_typed(self, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]] | Records:
        """The page's records typed: in bulk where the fast path vouches for every
        value (:mod:`~.records.rest_columnar`), else record by record."""
        if self.rest_typer is None:
            typer = RestTyper(self._info(), self.paired, self.fields, self.entity)
            self.rest_typer = RestColumnTyper(typer)
        return self.rest_typer.page(records)

    def _page_token(self, page: RestPage, key: str) -> PageToken | None:
        """The page's REST token as the state keeps it (with the user's wall time, which
        an XML read of the same stream sends back)."""
        after = page.after
        if after is None:
            return None
        if key != _MODIFIED or after.modified is None:
            return PageToken(key, after.key)
        wall = self.formatting.to_wall(after.modified)
        return PageToken(_MODIFIED, after.key, after.modified, wall=wall)


def _rest_token(token: PageToken | None, key: str) -> RestToken | None:
    if token is None:
        return None
    if key == _MODIFIED and not token.unmodified:
        return RestToken(token.recordno, token.modified)
    return RestToken(token.recordno)


def _filters(where: q.Filter | None, paired: Mapping[str, RestField]) -> list[dict[str, Any]]:
    """An XML filter of the engine's passes as the query service's filters (and-ed):
    comparisons, ``in`` and nulls of paired fields, joined by ``and``."""
    if where is None:
        return []
    if isinstance(where, q.Logical) and where.op == "and":
        return [f for child in where.children for f in _filters(child, paired)]
    if isinstance(where, q.Compare) and where.op in _OPERATORS:
        return [{_OPERATORS[where.op]: {_path(where.field, paired): where.value}}]
    if isinstance(where, q.In) and not where.negate:
        return [{"$in": {_path(where.field, paired): list(where.values)}}]
    if isinstance(where, q.Null):
        return [{"$ne" if where.negate else "$eq": {_path(where.field, paired): None}}]
    raise RequestBuildError("filter", f"the query service has no filter for {where!r}")


def _path(xml: str, paired: Mapping[str, RestField]) -> str:
    if xml not in paired:
        raise RequestBuildError(xml, "the REST API has no equivalent of it to filter on")
    return paired[xml].name


def _unmatched(name: str, missing: Sequence[str]) -> str:
    """The warning naming the fields REST has no equivalent of: the count on its first
    line, the names wrapped below it (an object can lack a hundred: one line of them was
    ~900 characters)."""
    names = textwrap.fill(", ".join(missing), width=88, initial_indent="  ",
                          subsequent_indent="  ", break_on_hyphens=False)  # fmt: skip
    count = f"{len(missing)} field{'s' if len(missing) != 1 else ''}"
    return (f"{name}: read through the REST API, which has no equivalent of {count}, left "
            f"empty (api auto or xml reads them):\n{names}")  # fmt: skip
