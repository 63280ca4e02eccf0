"""The extraction engine shared by the tap and ``intacct sync``: :class:`Replicator` reads
each selected object (per entity) exactly once and resumably, handing pages and the
run's state to a :class:`Sink`; deletes come from AUDITHISTORY as tombstones."""

from intacct.replication.deletes import DELETED_AT, DeletesUnavailableError
from intacct.replication.engine import Replicator, RunReport, Sink, StreamResult, StreamSpec
from intacct.replication.estimate import Estimate
from intacct.replication.records import ENTITY_ID
from intacct.replication.settings import (
    DEFAULT_PAGE_SIZE,
    ReplicationSettings,
    extraction_page_size,
    settle,
)
from intacct.replication.state import RunState, StateError, StreamState

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DELETED_AT",
    "ENTITY_ID",
    "DeletesUnavailableError",
    "Estimate",
    "ReplicationSettings",
    "Replicator",
    "RunReport",
    "RunState",
    "Sink",
    "StateError",
    "StreamResult",
    "StreamSpec",
    "StreamState",
    "extraction_page_size",
    "settle",
]
