"""One Singer stream per Intacct object: a plain singer-sdk ``Stream`` whose records come
from the replication engine, never from a reader of its own."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from singer_sdk import Stream
from singer_sdk.helpers.conform import TypeConformanceLevel

from intacct.replication import DELETED_AT, ENTITY_ID, StreamSpec

if TYPE_CHECKING:
    from intacct.tap.tap import TapSageIntacct

__all__ = ["IntacctStream"]

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
        super().__init__(tap, schema=schema, name=name)
        self.intacct_tap = tap
        self.primary_keys = list(key_properties or [])
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
        maps); [U] a private method of singer-sdk 0.54, pinned below 0.55."""
        self._write_record_message(dict(record))

    def get_records(self, context: Mapping[str, Any] | None) -> Iterator[dict[str, Any]]:
        """singer-sdk's per-stream path (``Stream.sync``, its dry runs and tests): the
        engine runs for this stream alone and writes its RECORD and STATE messages
        itself, page by page, so nothing is left to yield here."""
        self.intacct_tap.replicate([self])
        yield from ()
