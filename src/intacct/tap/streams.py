"""One Singer stream per Intacct object: a plain singer-sdk ``Stream`` whose records come
from the replication engine, never from a reader of its own."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from singer_sdk import Stream
from singer_sdk.helpers.conform import TypeConformanceLevel

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
        self._write_schema_message()

    def write_record(self, record: Mapping[str, Any]) -> None:
        """One RECORD message through singer-sdk's own path (field selection, stream
        maps), ``_entity_id`` null at the top level (never ""); [U] a private method of
        singer-sdk 0.54, pinned below 0.55."""
        self._write_record_message({**record, ENTITY_ID: record.get(ENTITY_ID) or None})

    def get_records(self, context: Mapping[str, Any] | None) -> Iterator[dict[str, Any]]:
        """singer-sdk's per-stream path (``Stream.sync``, its dry runs and tests): the
        engine runs for this stream alone and writes its RECORD and STATE messages
        itself, page by page, so nothing is left to yield here."""
        self.intacct_tap.replicate([self])
        yield from ()
