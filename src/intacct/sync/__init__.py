"""``intacct sync``: the replication engine's records into a DuckDB file, a typed table
per object, with the run state in the same transactions (see :mod:`.job`)."""

from intacct.destinations import DestinationError, DuckDBDestination
from intacct.sync.job import DEFAULT_OBJECTS, ObjectSummary, SyncInterrupted, SyncReport, run_sync
from intacct.sync.settings import SyncSettings

__all__ = [
    "DEFAULT_OBJECTS",
    "ObjectSummary",
    "DuckDBDestination",
    "DestinationError",
    "SyncInterrupted",
    "SyncReport",
    "SyncSettings",
    "run_sync",
]
