"""Records with no WHENMODIFIED, as production has them.

Real companies hold records whose WHENMODIFIED is empty (rows imported or converted long
ago and never touched since; Estuary reads them in a separate WHENCREATED pass,
intacct-protocol.md "Empty WHENMODIFIED" [O]). A reader that filters or orders only on
WHENMODIFIED never sees them, so the demo company has some: of the master data and
documents a replication reads first (vendors, customers, accounts, bills, invoices),
every :data:`EVERY`-th record that was never edited (WHENMODIFIED equal to WHENCREATED),
counted in stream order so no random draw changes. Edited records keep their stamp, so
the trail stays consistent: a record without WHENMODIFIED has no Modify in AUDITHISTORY.
WHENCREATED stays set.
"""

from __future__ import annotations

from intacct.emulator.seed.common import Batch

__all__ = ["EVERY", "NEVER_MODIFIED", "Unmodified"]

#: the objects with some records that have no WHENMODIFIED
NEVER_MODIFIED = frozenset({"VENDOR", "CUSTOMER", "GLACCOUNT", "APBILL", "ARINVOICE"})
#: one untouched record in EVERY loses its stamp (about 1-3 % of the object's records)
EVERY = 25
_FIRST = 2  # from the second untouched record on, so even a small company has some


class Unmodified:
    """Empties WHENMODIFIED on the chosen records of one company's stream."""

    def __init__(self) -> None:
        self._untouched: dict[str, int] = {}

    def __call__(self, batch: Batch) -> Batch:
        name = batch[2]
        if name in NEVER_MODIFIED:
            seen = self._untouched.get(name, 0)
            for row in batch[3]:
                if row["WHENMODIFIED"] != row["WHENCREATED"]:
                    continue
                seen += 1
                if seen % EVERY == _FIRST:
                    row["WHENMODIFIED"] = None
            self._untouched[name] = seen
        return batch
