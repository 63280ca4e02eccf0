"""One Singer stream per Intacct object: a plain singer-sdk ``Stream`` whose records come
from the replication engine, never from a reader of its own.

The engine hands over pages, not a stream's records one after another, so the stream
writes its messages itself, with singer-sdk's public parts: its stream maps (aliases,
filters, copies, flattening), its selection mask and the tap's message writer; no
singer-sdk private method (they changed between releases).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from singer_sdk import Stream
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.mapper import RemoveRecordTransform
from singer_sdk.singerlib import RecordMessage, SchemaMessage, SelectionMask

from intacct.replication import DELETED_AT, ENTITY_ID, StreamSpec
from intacct.replication.catalog import DEFAULT_OBJECTS, entity_key

if TYPE_CHECKING:
    from intacct.tap.tap import TapSageIntacct

__all__ = ["IntacctStream"]

#: ``_entity_id`` in every stream's schema (see :mod:`intacct.replication.catalog`)
ENTITY_PROPERTY = {
    "type": ["string", "null"],
    "description": "Location ID of the entity session that read it; null at the top level",
}
#: the keyset pager orders by these; the engine needs them even when not selected
_PAGING_FIELDS = ("RECORDNO", "WHENMODIFIED")


class IntacctStream(Stream):
    """Records of one object (``name`` is the object's name, e.g. ``VENDOR``)."""

    #: the engine's records are already JSON-typed (Decimal, ISO texts, bools, lists)
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(
        self,
        tap: TapSageIntacct,
        name: str,
        schema: dict[str, Any],
        key_properties: Iterable[str] | None,
        replication_key: str | None,
    ) -> None:
        properties = {**schema.get("properties", {}), ENTITY_ID: ENTITY_PROPERTY}
        # discovery marks what ``intacct sync`` reads by default; any other is one
        # ``selected: true`` (or Meltano ``select:`` pattern) away
        self.selected_by_default = name in DEFAULT_OBJECTS
        super().__init__(tap, schema={**schema, "properties": properties}, name=name)
        self.intacct_tap = tap
        # the key follows the config, whatever catalog it was discovered with
        self.primary_keys = entity_key(key_properties or [], tap.several_entities)
        self.replication_key = replication_key

    def spec(self) -> StreamSpec:
        """What the engine reads for this stream: the selected fields (None: all)."""
        fields = [p for p in self.schema["properties"] if p not in (ENTITY_ID, DELETED_AT)]
        chosen = [
            f for f in fields if f in _PAGING_FIELDS or self.mask.get(("properties", f), True)
        ]
        return StreamSpec(self.name, None if len(chosen) == len(fields) else chosen)

    def write_schema(self) -> None:
        """A SCHEMA message per stream map, none for a stream mapped away (``None``), as
        singer-sdk's own sync writes them."""
        bookmarks = [self.replication_key] if self.replication_key else None
        for stream_map in self.stream_maps:
            if isinstance(stream_map, RemoveRecordTransform):
                continue
            self.intacct_tap.write_message(
                SchemaMessage(
                    stream_map.stream_alias,
                    stream_map.transformed_schema,
                    stream_map.transformed_key_properties,
                    bookmarks,
                )
            )

    def write_record(self, record: Mapping[str, Any]) -> None:
        """A RECORD message per stream map that keeps it, without the fields deselected
        in the catalog, ``_entity_id`` null at the top level (never "")."""
        data = _without_deselected({**record, ENTITY_ID: record.get(ENTITY_ID) or None}, self.mask)
        extracted = datetime.now(UTC)
        for stream_map in self.stream_maps:
            mapped = stream_map.transform(data)
            if mapped is not None:
                self.intacct_tap.write_message(
                    RecordMessage(stream_map.stream_alias, mapped, time_extracted=extracted)
                )

    def get_records(self, context: Mapping[str, Any] | None) -> Iterator[dict[str, Any]]:
        """singer-sdk's per-stream path (``Stream.sync``, its dry runs and tests): the
        engine runs for this stream alone and writes its RECORD and STATE messages
        itself, page by page, so nothing is left to yield here."""
        self.intacct_tap.replicate([self])
        yield from ()


def _without_deselected(
    record: dict[str, Any], mask: SelectionMask, breadcrumb: tuple[str, ...] = ()
) -> dict[str, Any]:
    """``record`` without the properties ``mask`` deselects, nested objects too (a
    property the catalog does not name follows its parent, as singer-sdk reads a mask).
    The engine reads the paging fields even when deselected: this leaves them out."""
    kept: dict[str, Any] = {}
    for name, value in record.items():
        crumb = (*breadcrumb, "properties", name)
        if not mask[crumb]:
            continue
        kept[name] = _without_deselected(value, mask, crumb) if isinstance(value, dict) else value
    return kept
