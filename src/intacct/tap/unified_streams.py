"""The tap's unified tables (config ``unified_schema: true``): hotglue's accounting
streams (``Accounts``, ``Vendors``, ``Bills``...) instead of one stream per object.

The same replication engine reads them: one engine stream per Intacct object behind a
unified stream (``Bills``: APBILL and APBILLITEM), every record passed through
:func:`intacct.mappings.to_unified`. The catalog needs no API call: the schemas are
:func:`intacct.mappings.unified_schema` plus ``_entity_id`` and ``_sdc_deleted_at``.

Documents with lines (``Bills``, ``Invoices``, ``JournalEntries``, ``BillPayments``,
``InvoicePayments``) are emitted whole, each header with all its lines:

* the header object is read incrementally like any object; its line object is read in
  full on every run (its own bookmark is never kept; with a ``start_date``, in a second
  engine run without it), so a header that changed without its lines still comes with
  every line;
* lines are grouped under their header by the line's parent key (RECORDKEY, BATCHKEY,
  PAYMENTKEY) and entity; the documents are written when the run has read both objects,
  then the STATE that covers them. Until then the STATE messages keep the header
  object's bookmark where it was, so a run stopped half-way re-reads those documents and
  loses none. Lines are held in memory for the run.
* a document whose header or line object failed is not emitted and its bookmark does
  not move (the run fails as any failed stream does).

Objects without lines (``Accounts``, ``Vendors``...) are written page by page with a
STATE after each, as in the object streams. A tombstone carries the key Intacct's audit
trail gives: ``id`` for documents, the business number (``vendorNumber``...) otherwise.

The engine reads an object's own fields (``intacct.client.registry``: ``query`` refuses some
dotted names), so the contact properties of ``Vendors`` and ``Customers`` (``email``,
``phoneNumbers``, ``addresses``... from ``DISPLAYCONTACT.*``) are null here; the target
writes them.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from intacct.mappings import (
    UNIFIED_STREAMS,
    DocumentAssembler,
    StreamMapping,
    mapping_for,
    objects_for,
    to_unified,
    unified_schema,
)
from intacct.replication import (
    DELETED_AT,
    ENTITY_ID,
    RunReport,
    RunState,
    StreamPage,
    StreamSpec,
)
from intacct.tap.recent import RecentDeletes
from intacct.tap.sink import admitted, read_state, write_bookmarks
from intacct.tap.streams import IntacctStream

if TYPE_CHECKING:
    from singer_sdk.helpers.types import TapState

    from intacct.tap.sink import StateWriter
    from intacct.tap.tap import TapSageIntacct

__all__ = ["UnifiedSink", "UnifiedStream", "unified_streams"]


class UnifiedStream(IntacctStream):
    """One unified table (``name`` is hotglue's stream name, e.g. ``Bills``)."""

    def __init__(self, tap: TapSageIntacct, name: str, schema: dict[str, Any] | None = None):
        self.mapping: StreamMapping = mapping_for(name)
        super().__init__(
            tap,
            name,  # as the catalog names it (Suppliers stays Suppliers)
            schema or stream_schema(name),
            [*self.mapping.key_properties(), ENTITY_ID],
            "updatedAt",
        )
        # every unified table, as hotglue's tap emits them: with none selected (objects'
        # default rule: none of these names is an object) the tap read nothing at all
        self.selected_by_default = True

    def specs(self) -> list[StreamSpec]:
        """The engine streams behind this table: its header object(s), then its lines."""
        return [StreamSpec(obj) for obj in objects_for(self.name)]


def stream_schema(name: str) -> dict[str, Any]:
    schema = unified_schema(name)
    schema["properties"][DELETED_AT] = {
        "type": ["string", "null"],
        "format": "date-time",
        "description": "when the record was deleted (AUDITHISTORY); null for live records",
    }
    return schema


def unified_streams(tap: TapSageIntacct) -> list[UnifiedStream]:
    """The catalog: the input catalog's unified streams, else every unified stream."""
    if tap.input_catalog is not None:
        return [
            UnifiedStream(tap, entry.tap_stream_id, entry.schema.to_dict())
            for entry in tap.input_catalog.streams
        ]
    return [UnifiedStream(tap, name) for name in UNIFIED_STREAMS]


class UnifiedSink:
    """The engine's :class:`~intacct.replication.Sink` for unified tables."""

    def __init__(
        self,
        streams: Sequence[UnifiedStream],
        tap_state: TapState,
        state_writer: StateWriter,
        logger: logging.Logger,
        lookback_minutes: int,
    ) -> None:
        self.tap_state = tap_state
        self.state_writer = state_writer
        self.logger = logger
        self.recent = RecentDeletes(tap_state, lookback_minutes)
        #: header object -> its tables (Vendors and Suppliers share VENDOR)
        self.tables: dict[str, list[UnifiedStream]] = defaultdict(list)
        self.documents: dict[str, UnifiedStream] = {}  # line object -> its table
        for stream in streams:
            for obj in stream.mapping.objects:
                self.tables[obj].append(stream)
            if stream.mapping.lines is not None:
                self.documents[stream.mapping.lines.object] = stream
        headers = {s.mapping.object for s in self.documents.values()}
        bookmarks = tap_state.get("bookmarks") or {}
        #: what STATE says of document headers until their documents are written
        self.held = {
            o: bookmarks[o]["entities"] for o in headers if "entities" in bookmarks.get(o, {})
        }
        self.state: RunState = read_state(
            {"bookmarks": {k: v for k, v in bookmarks.items() if k not in self.documents}}
        )
        self.assemblers = {o: DocumentAssembler(t.name) for o, t in self.documents.items()}
        self.tombstones: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        self.snapshot: dict[str, Any] | None = None

    def page(self, page: StreamPage) -> None:
        stream, entity, tombstones = page.stream, page.entity, page.tombstones
        self.snapshot = _merged(self.snapshot, page.state)
        tables = self.tables.get(stream, [])
        if stream in self.documents:  # lines: grouped under their header, tombstones moot
            self.assemblers[stream].add_lines(entity, page.records)
            self._write_state(self.snapshot, set())
            return
        records = admitted(self.recent, self.logger, page)
        if tables and tables[0].mapping.lines is not None:  # headers: held for their lines
            self.assemblers[tables[0].mapping.lines.object].add_headers(entity, records)
            self.tombstones[stream].extend((entity, t) for t in tombstones)
        else:
            for table in tables:
                for tombstone in tombstones:
                    deleted = tombstone[DELETED_AT]
                    table.write_record(_unified(table, entity, tombstone, None, deleted))
                for record in records:
                    table.write_record(_unified(table, entity, record, None, None))
        self._write_state(self.snapshot, set())

    def warning(self, stream: str, text: str) -> None:
        self.logger.warning(text)  # the engine's text says what it is of

    def finish(self, report: RunReport) -> None:
        """Write every document whose header and line objects were read, then STATE."""
        failed = {result.object for result in report.failed}
        done: set[str] = set()
        for line_object, table in self.documents.items():
            header = table.mapping.object
            if header in failed or line_object in failed:
                self.logger.error(
                    "%s not written: %s or %s failed", table.name, header, line_object
                )
                continue
            for entity, tombstone in self.tombstones.pop(header, []):
                table.write_record(_unified(table, entity, tombstone, [], tombstone[DELETED_AT]))
            for entity, document in self.assemblers[line_object].documents():
                table.write_record({**document, ENTITY_ID: entity, DELETED_AT: None})
            done.add(header)
        if self.snapshot is not None:
            self._write_state(self.snapshot, done)

    def _write_state(self, snapshot: Mapping[str, Any], written: set[str]) -> None:
        """STATE without the line objects, and with the held headers' bookmarks unless
        their documents are ``written``."""
        streams = {k: v for k, v in snapshot["streams"].items() if k not in self.documents}
        for header in {s.mapping.object for s in self.documents.values()} - written:
            if header in self.held:
                streams[header] = self.held[header]
            else:
                streams.pop(header, None)
        write_bookmarks(self.tap_state, {"version": snapshot["version"], "streams": streams})
        self.state_writer.write_state(self.tap_state)


def _unified(
    table: UnifiedStream,
    entity: str,
    record: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]] | None,
    deleted_at: str | None,
) -> dict[str, Any]:
    return {
        **to_unified(table.name, record, lines),
        ENTITY_ID: entity,
        DELETED_AT: deleted_at,
    }


def _merged(before: dict[str, Any] | None, state: dict[str, Any]) -> dict[str, Any]:
    """The run's state so far: a second engine run (the line objects) reports only its
    own streams, so the first run's stay."""
    if before is None:
        return state
    return {**state, "streams": {**before["streams"], **state["streams"]}}
