"""The company being written: its random stream, record numbers, audit fields, entity
stamps, the lookups later rows copy names from, and the buffered output.

Every generator module writes through one :class:`Context`, so ``RECORDNO`` is assigned in
one place (unique per company and object, from 1) and every row gets its entity stamp.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from intacct.emulator.seed.clock import SPAN, Draw, dt
from intacct.emulator.seed.common import Batch, Row
from intacct.emulator.seed.model import Entity

__all__ = ["FLUSH_ROWS", "MAX_BATCH_ROWS", "Context", "Sink"]

FLUSH_ROWS = 8_000  # buffered rows that trigger a flush
MAX_BATCH_ROWS = 10_000  # FLUSH_ROWS plus the largest single document, with room to spare


class Sink:
    """Buffers rows per (entity, object); a flush hands them out in first-seen order.

    Headers are always added before their lines, so first-seen order puts every parent
    object's batch before its children's.
    """

    def __init__(self, company: str) -> None:
        self.company = company
        self._buffers: dict[tuple[str, str], list[Row]] = {}
        self._count = 0

    def add(self, entity: str, obj: str, row: Row) -> None:
        self._buffers.setdefault((entity, obj), []).append(row)
        self._count += 1

    def spill(self) -> Iterator[Batch]:
        """Flush only once enough rows are buffered (keeps batches large, memory small)."""
        if self._count >= FLUSH_ROWS:
            yield from self.flush()

    def flush(self) -> Iterator[Batch]:
        for key, rows in list(self._buffers.items()):
            if rows:
                self._buffers[key] = []
                yield self.company, key[0], key[1], rows
        self._count = 0


class Context:
    """One company's generation state, shared by every module that writes its rows."""

    def __init__(self, company: str, entities: list[Entity], rnd: Draw) -> None:
        self.company = company
        self.rnd = rnd  # every draw comes from this one seeded stream
        self.entities = entities
        self.multi = len(entities) > 1
        self.sink = Sink(company)
        self._next: dict[str, int] = {}
        self.top_stamp: dict[str, Any] = (
            {"MEGAENTITYKEY": None, "MEGAENTITYID": None, "MEGAENTITYNAME": None}
            if self.multi
            else {}
        )
        # lookups: rows copy titles and keys of records written earlier
        self.accounts: dict[str, tuple[int, str, bool]] = {}  # no -> (RECORDNO, title, BS?)
        self.dept_titles: dict[str, str] = {}
        self.loc_names: dict[str, str] = {}
        self.items: list[str] = []
        self.periods: dict[str, int] = {}  # reporting period name -> RECORDNO

    def recordno(self, obj: str) -> int:
        n = self._next.get(obj, 0) + 1
        self._next[obj] = n
        return n

    def issued(self, obj: str) -> int:
        """How many RECORDNOs ``obj`` has used so far."""
        return self._next.get(obj, 0)

    def emit(self, ent: Entity | None, obj: str, row: Row) -> None:
        """Add a row of ``ent`` (None = top level) with its entity stamp."""
        if ent is None:
            row.update(self.top_stamp)
            self.sink.add("", obj, row)
        else:
            row.update(ent.stamp)
            self.sink.add(ent.id, obj, row)

    def audit(self, created: int, modified: int, by: int, mod_by: int | None = None) -> Row:
        return {
            "WHENCREATED": dt(created),
            "WHENMODIFIED": dt(modified),
            "CREATEDBY": by,
            "MODIFIEDBY": by if mod_by is None else mod_by,
        }

    def modified_after(self, created: int, chance: float) -> int:
        """Most records are never touched again; some are edited later."""
        if self.rnd() < chance:
            return created + int(self.rnd() * (SPAN - created))
        return created

    def table(self, obj: str, at: int, by: int, rows: Iterable[Row]) -> None:
        """Top-level setup rows (fields after RECORDNO), all entered at ``at`` by ``by`` and
        never edited since."""
        for fields in rows:
            row = {"RECORDNO": self.recordno(obj), **fields}
            self.emit(None, obj, row | self.audit(at, at, by))
