"""Writing one stream's records: local checks, upsert lookups, batched idempotent sends.

For a batch of records of one stream (:meth:`ObjectWriter.write`), three parts, each
readable and testable alone:

1. :mod:`.items`: each record becomes an :class:`~.items.Item`, checked locally
   (:mod:`.checks`); a bad one gets an ``invalid`` line and is never sent.
2. :mod:`.upserts`: the ids are looked up (batched, cached for the run) and each item
   is decided — create, update or delete — under a control id that makes a replay of
   the same input refused instead of applied twice.
3. :mod:`.dispatch`: the decided items go out up to ``batch_size`` functions per
   request, ``max_concurrency`` requests at a time, with ``uniqueid=true``; the
   client's retry policy alone decides replays of a lost answer. With ``api: rest``,
   :mod:`.rest_dispatch` sends the objects the REST API writes instead (batches of 500
   or bulk jobs under idempotency keys); the others still go through XML.

The objects only the REST API has are written by :attr:`ObjectWriter.rest_only`
(:mod:`.rest_only_writes`), whatever ``api`` says.

Records go in waves without a repeated key, so the second of two records of one id sees
what the first did.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from intacct.client import IntacctClient
from intacct.client.metadata import ObjectModel
from intacct.client.registry import ObjectInfo, ObjectRegistry
from intacct.errors import IntacctError
from intacct.protocol.rest_catalog import RestCatalog, RestObject
from intacct.target.checks import LINES
from intacct.target.dispatch import LEGACY_NAMES, Dispatcher
from intacct.target.items import (
    BATCH_ID,
    DELETED_AT,
    Item,
    item_for,
    unified_item,
    unknown_object,
    waves,
)
from intacct.target.report import Report
from intacct.target.rest_dispatch import RestDispatcher, rest_fields_writable, rest_writable
from intacct.target.rest_only_writes import RestOnlyWriter, by_stream, rest_only_object
from intacct.target.settings import WriteOptions
from intacct.target.unified_writes import LookupReferences
from intacct.target.upserts import Resolver

__all__ = ["BATCH_ID", "DELETED_AT", "LEGACY_NAMES", "Item", "ObjectWriter"]


class ObjectWriter:
    """Writes records of generic object streams for one run (caches live for the run).

    ``client`` sends the writes; ``reader`` (a DTD 3.0 client of the same company,
    the same one unless writes use DTD 2.1) describes objects and looks records up.
    """

    def __init__(
        self,
        client: IntacctClient,
        options: WriteOptions,
        report: Report,
        *,
        reader: IntacctClient | None = None,
    ) -> None:
        self.client = client
        self.reader = reader or client
        self.options = options
        self.report = report
        self.registry = ObjectRegistry(self.reader)
        self._found: tuple[RestCatalog, dict[str, RestObject]] | None = None
        self.legacy = client.config.dtd_version == "2.1"
        self.references = LookupReferences(self.reader)
        self.resolver = Resolver(
            self.reader,
            upsert=options.upsert,
            legacy=self.legacy,
            top_level=not client.config.entity_id,
            line_model=self._line_model,
            xml_checked=lambda name: not (options.rest and rest_writable(name)),
        )
        self.dispatcher = Dispatcher(client, options, report, self.resolver.applied)
        self.rest_dispatcher = (
            RestDispatcher(client, options, report, self.resolver.applied) if options.rest else None
        )

    def write(self, stream: str, records: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
        """Check, resolve and send ``(index, record)`` pairs of ``stream`` (an object)."""
        try:
            info = self.registry.get(stream)
            line_info = self._line_info(stream)
        except IntacctError as exc:
            for index, record in records:
                self.report.add(unknown_object(stream, index, record, exc))
            return
        writable = None
        if self._dispatcher_for(stream) is not self.dispatcher:
            found = self._rest_catalog(info, records)
            writable = functools.partial(rest_fields_writable, catalog=found)
        self.send(
            [
                item_for(info, line_info, i, record, legacy=self.legacy, writable=writable)
                for i, record in records
            ],
            info,
        )

    @functools.cached_property
    def rest_only(self) -> RestOnlyWriter:
        """The writer of the objects only the REST API has (:mod:`.rest_only_writes`)."""
        return RestOnlyWriter(self.client, self.options, self.report, self.rest_only_object)

    def rest_only_object(self, stream: str) -> RestObject | None:
        """The REST-only object ``stream`` names: the packaged catalog's, else, for a
        stream no XML object names (not upper case) where the client has the OAuth app,
        one of the company's own (a custom object, one Sage added), as its model
        service lists it (:mod:`~intacct.client.rest_discovery`: read once per run)."""
        found = rest_only_object(stream)
        if found is not None or stream == stream.upper() or not self.client.speaks_rest:
            return found
        return self._discovered().get(stream)

    def _discovered(self) -> dict[str, RestObject]:
        catalog = self.registry.rest.catalog()
        if self._found is None or self._found[0] is not catalog:
            self._found = (catalog, by_stream(catalog))
        return self._found[1]

    def write_unified(self, stream: str, records: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
        """As :meth:`write`, for a unified stream (:mod:`.unified`): each record mapped
        to the Intacct object it stands for, then written by object."""
        by_object: dict[str, list[Item]] = {}
        for index, record in records:
            item = unified_item(stream, index, record, self.references)
            by_object.setdefault(item.object, []).append(item)
        for obj, items in by_object.items():
            try:
                info = self.registry.get(obj)
            except IntacctError as exc:
                for item in items:
                    self.report.add(unknown_object(stream, item.index, {}, exc))
                continue
            self.send(items, info)
            self.references.forget(obj)

    def send(self, items: list[Item], info: ObjectInfo) -> None:
        """Resolve, build and send the items not yet decided, wave by wave."""
        dispatcher = self._dispatcher_for(info.name)
        for wave in waves(items):
            try:
                self.resolver.resolve(wave, info)
            except IntacctError as exc:  # no answer to the lookups: the wave is not sent
                for item in wave:
                    if item.outcome is None:
                        item.outcome = dispatcher.unsent(item, exc)
            dispatcher.build(wave)
            dispatcher.dispatch(wave)

    def _rest_catalog(
        self, info: ObjectInfo, records: Sequence[tuple[int, Mapping[str, Any]]]
    ) -> RestCatalog:
        """The run's REST catalog with the model of the object holding ``info``'s
        records (read once per run, :mod:`~intacct.client.rest_discovery`), read again
        where a record names a custom field the model lacks (the company added it)."""
        discovery = self.registry.rest
        target = rest_writable(info.name, discovery.packaged)
        assert target is not None and self.rest_dispatcher is not None
        found = discovery.catalog([target.path])
        custom = {f.name for f in info.model.fields if f.custom}
        named = {name for _, record in records for name in record if name in custom}
        held = found.get(target.path, target)
        if any(held.writer(name) is None for name in named):
            found = discovery.refresh(target.path)
        self.rest_dispatcher.catalog = found
        return found

    def _dispatcher_for(self, obj: str) -> Dispatcher:
        """REST's where ``api: rest`` and REST writes ``obj``; else the XML gateway's."""
        if self.rest_dispatcher is not None and rest_writable(obj) is not None:
            return self.rest_dispatcher
        return self.dispatcher

    def _line_info(self, stream: str) -> ObjectInfo | None:
        spec = LINES.get(stream)
        return self.registry.get(spec.object) if spec and not self.legacy else None

    def _line_model(self, stream: str) -> ObjectModel | None:
        line = self._line_info(stream)
        return line.model if line else None
