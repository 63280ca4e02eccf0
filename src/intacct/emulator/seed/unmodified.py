"""Records with no WHENMODIFIED, as production has them.

Real companies hold records whose WHENMODIFIED is empty (rows imported or converted long
ago; Estuary reads them in a separate WHENCREATED pass, intacct-protocol.md "Empty
WHENMODIFIED" [O]). A reader that filters or orders only on WHENMODIFIED never sees them,
so the demo company has some: about one in fifty of the master data and documents a
replication reads first (vendors, customers, accounts, bills, invoices), chosen by RECORDNO
so no random draw changes. WHENCREATED stays set.
"""

from __future__ import annotations

from intacct.emulator.seed.common import Batch

__all__ = ["NEVER_MODIFIED", "unmodified"]

#: the objects with some records that have no WHENMODIFIED
NEVER_MODIFIED = frozenset({"VENDOR", "CUSTOMER", "GLACCOUNT", "APBILL", "ARINVOICE"})
_EVERY = 50
_WHICH = 7


def unmodified(batch: Batch) -> Batch:
    """``batch`` with WHENMODIFIED emptied on the chosen records of the chosen objects."""
    if batch[2] in NEVER_MODIFIED:
        for row in batch[3]:
            if row["RECORDNO"] % _EVERY == _WHICH:
                row["WHENMODIFIED"] = None
    return batch
