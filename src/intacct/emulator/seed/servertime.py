"""Audit stamps in server time beside WHENCREATED in company time.

WHENCREATED and WHENMODIFIED are the company's wall-clock time, as the gateway shows
them (in the user's zone); fields such as AUWHENCREATED are server time, UTC, so on one
record the two differ by the zone's offset (intacct-protocol.md "Time zones" [O]: a
capture shows AUWHENCREATED ``09/16/2013 22:50:21`` next to WHENMODIFIED
``09/16/2013 15:50:21``, seven hours apart in Pacific daylight time). The demo
companies keep the store's default zone, :data:`ZONE`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from intacct.emulator.catalog import Catalog
from intacct.emulator.seed.clock import ZONE
from intacct.emulator.seed.common import Batch
from intacct.emulator.values import company_zone

__all__ = ["SERVER_STAMPS", "ZONE", "ServerTime", "server_time"]

#: fields stamped in server time, with the company-time field they restate
SERVER_STAMPS = {"AUWHENCREATED": "WHENCREATED"}
_ZONE = company_zone(ZONE)


def server_time(moment: datetime) -> datetime:
    """A naive company-time moment as the server writes it: naive UTC."""
    return moment.replace(tzinfo=_ZONE).astimezone(UTC).replace(tzinfo=None)


class ServerTime:
    """Fills the server-time stamps of a stream's rows that have none yet."""

    def __init__(self, catalog: Catalog) -> None:
        self._fields = {
            obj.name: [(s, c) for s, c in SERVER_STAMPS.items() if s in obj.fields_by_name]
            for obj in catalog.values()
        }

    def __call__(self, batch: Batch) -> Batch:
        for stamp, source in self._fields.get(batch[2], ()):
            for row in batch[3]:
                moment = row.get(source)
                if row.get(stamp) is None and isinstance(moment, datetime):
                    row[stamp] = server_time(moment)
        return batch
