"""The target's sinks: records of a stream gathered and handed to the writer in batches.

singer-sdk validates records against the stream's SCHEMA, parses the strings it calls
dates into datetimes (a bad one ends the run), requires the stream's key properties and
drops ``_sdc_*`` properties; a sink here has none of that, because the writer checks
each record against the Intacct object's own field model and reports what is wrong with
it (one bad record must not stop the others), and ``_sdc_deleted_at`` marks a delete.
All through singer-sdk's public hooks: no validator (``get_validator``), a schema with
no string formats for singer-sdk to parse by (the sink's ``schema``), the metadata
properties kept (``include_sdc_metadata_properties``), and no key properties required
(the target's ``get_sink``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from singer_sdk.sinks import Sink

from intacct.client.rest_writes import MAX_BATCH
from intacct.target.writer import ObjectWriter

if TYPE_CHECKING:
    from intacct.target.target import TargetSageIntacct

__all__ = ["ObjectSink", "RestOnlySink", "UnifiedSink"]

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
        # singer-sdk parses a record's values by the sink's schema (its ``format``s); the
        # writer takes them as sent, and a field the SCHEMA does not name is its to report
        self.schema = _as_sent(self.schema)
        self.intacct_target = target
        self._seen = 0  # the records of this stream read so far: their report index
        self._batch: list[tuple[int, dict[str, Any]]] = []

    @property
    def include_sdc_metadata_properties(self) -> bool:
        return True  # keeps _sdc_deleted_at; the writer sends no "_" property

    @property
    def max_size(self) -> int:
        """Records per drain: enough for requests to run side by side, and for a bulk
        job of ``bulk_from`` records to gather."""
        options = self.intacct_target.settings
        write = options.write
        per_request = MAX_BATCH if write.rest else write.batch_size
        drain = per_request * options.client.max_concurrency * _REQUESTS_PER_DRAIN
        return max(drain, write.bulk_from if write.rest else 0)

    def get_validator(self) -> None:
        return None  # the writer checks records against the object's field model

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


class RestOnlySink(ObjectSink):
    """A stream of an object only the REST API has (:mod:`.rest_only_writes`)."""

    @property
    def max_size(self) -> int:
        options = self.intacct_target.settings
        drain = MAX_BATCH * options.client.max_concurrency * _REQUESTS_PER_DRAIN
        return max(drain, options.write.bulk_from)

    def process_batch(self, context: dict[str, Any]) -> None:
        batch, self._batch = self._batch, []
        self.writer.rest_only.write(self.stream_name, batch)


def _as_sent(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with no string ``format`` at any depth and any other property allowed:
    singer-sdk then leaves every value as it came (no datetime parsed, no warning of a
    field the schema does not name)."""
    return {**_no_formats(schema), "additionalProperties": True}


def _no_formats(node: Any) -> Any:
    if isinstance(node, list):
        return [_no_formats(item) for item in node]
    if not isinstance(node, dict):
        return node
    kept: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):  # names, not keywords
            kept[key] = {name: _no_formats(sub) for name, sub in value.items()}
        elif key != "format":
            kept[key] = _no_formats(value)
    return kept
