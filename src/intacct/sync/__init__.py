"""``intacct sync``: the replication engine's records into a DuckDB file, a typed table
per object, with the run state in the same transactions (see :mod:`.job`)."""

from intacct.sync.database import SyncDatabase, SyncDatabaseError
from intacct.sync.job import DEFAULT_OBJECTS, ObjectSummary, SyncInterrupted, SyncReport, run_sync

__all__ = [
    "DEFAULT_OBJECTS",
    "ObjectSummary",
    "SyncDatabase",
    "SyncDatabaseError",
    "SyncInterrupted",
    "SyncReport",
    "run_sync",
]
