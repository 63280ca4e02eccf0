"""The target's sinks: records of a stream gathered and handed to the writer in batches.

singer-sdk validates records against the stream's SCHEMA, parses its dates and drops
``_sdc_*`` properties; a sink here does none of that, because the writer checks each
record against the Intacct object's own field model and reports what is wrong with it
(one bad record must not stop the others), and ``_sdc_deleted_at`` marks a delete.
Those steps are singer-sdk internals (``_validate_and_parse``,
``_singer_validate_message``), overridden here and pinned by the singer-sdk range in
pyproject.toml.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from singer_sdk.sinks import Sink

from intacct.target.writer import ObjectWriter

if TYPE_CHECKING:
    from intacct.target.target import TargetSageIntacct

__all__ = ["ObjectSink", "UnifiedSink"]

#: requests' worth of records gathered per drain (more lets requests run side by side)
_REQUESTS_PER_DRAIN = 10


class ObjectSink(Sink):
    """A stream named after an Intacct object (``VENDOR``, ``APBILL``...)."""

    def __init__(
        self,
        target: TargetSageIntacct,
        stream_name: str,
        schema: dict[str, Any],
        key_properties: list[str] | None,
    ) -> None:
        super().__init__(target, stream_name, schema, key_properties)
        self.intacct_target = target
        self._seen = 0  # the records of this stream read so far: their report index
        self._batch: list[tuple[int, dict[str, Any]]] = []

    @property
    def include_sdc_metadata_properties(self) -> bool:
        return True  # keeps _sdc_deleted_at; the writer sends no "_" property

    @property
    def max_size(self) -> int:
        options = self.intacct_target.settings
        return options.write.batch_size * options.client.max_concurrency * _REQUESTS_PER_DRAIN

    def get_validator(self) -> None:
        return None  # the writer checks records against the object's field model

    def _validate_and_parse(self, record: dict[str, Any]) -> dict[str, Any]:
        return record  # no date parsing: a bad date is reported for its record, not raised

    def _singer_validate_message(self, record: dict[str, Any]) -> None:
        return None  # a record without its key is written (created) or reported, not fatal

    def process_record(self, record: dict[str, Any], context: dict[str, Any]) -> None:
        self._batch.append((self._seen, record))
        self._seen += 1

    def process_batch(self, context: dict[str, Any]) -> None:
        batch, self._batch = self._batch, []
        self.writer.write(self.stream_name, batch)

    @property
    def writer(self) -> ObjectWriter:
        return self.intacct_target.writer


class UnifiedSink(ObjectSink):
    """A unified stream (``Vendors``, ``Bills``...), written through the mappings."""

    def process_batch(self, context: dict[str, Any]) -> None:
        batch, self._batch = self._batch, []
        self.writer.write_unified(self.stream_name, batch)
