"""Documents from header and line records read apart (``query`` returns no owned lines):
what the tap and ``intacct sync --unified`` use to emit a bill with all its lines.

:func:`objects_for` says which Intacct objects to read for a unified stream;
:class:`DocumentAssembler` groups the line records under their header by the line's
parent key (RECORDKEY, BATCHKEY, PAYMENTKEY) and entity, and yields each header's
unified record once both are read. Lines of headers not read are dropped at the end:
they belong to documents that did not change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from intacct.mappings.convert import to_unified
from intacct.mappings.streams import UNIFIED_STREAMS, mapping_for

__all__ = ["DocumentAssembler", "objects_for", "stream_for_object"]


def objects_for(stream: str) -> tuple[str, ...]:
    """The Intacct objects behind a unified stream: its header object(s), then its line
    object if it has lines (``Bills``: APBILL, APBILLITEM)."""
    mapping = mapping_for(stream)
    lines = (mapping.lines.object,) if mapping.lines is not None else ()
    return (*mapping.objects, *lines)


def stream_for_object(obj: str) -> str | None:
    """The unified stream an Intacct object (header or lines) is read for, if any."""
    for name in UNIFIED_STREAMS:
        if obj in objects_for(name):
            return name
    return None


class DocumentAssembler:
    """Header and line records of one document stream in, unified documents out."""

    def __init__(self, stream: str) -> None:
        self.mapping = mapping_for(stream)
        if self.mapping.lines is None:
            raise ValueError(f"{self.mapping.name} has no lines to assemble")
        self.lines = self.mapping.lines
        self._headers: list[tuple[str, Mapping[str, Any]]] = []
        self._lines: dict[tuple[str, int], list[Mapping[str, Any]]] = defaultdict(list)

    def add_headers(self, entity: str, records: Iterable[Mapping[str, Any]]) -> None:
        self._headers.extend((entity, record) for record in records)

    def add_lines(self, entity: str, records: Iterable[Mapping[str, Any]]) -> None:
        for record in records:
            self._lines[(entity, int(record[self.lines.parent_key]))].append(record)

    def documents(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(entity, unified document)`` for every header added, with its lines in line
        order; the assembler is empty afterwards."""
        headers, self._headers = self._headers, []
        lines, self._lines = self._lines, defaultdict(list)
        for entity, header in headers:
            rows = lines.get((entity, int(header["RECORDNO"])), [])
            yield entity, to_unified(self.mapping.name, header, rows)
