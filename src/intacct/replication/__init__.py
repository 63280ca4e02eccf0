"""The extraction engine shared by the tap and ``intacct sync``: :func:`replicate` (the
one entry point; :class:`Replicator` is the object behind it) reads each selected
stream (per entity) exactly once and resumably, handing pages and the run's state to a
:class:`Sink`; deletes come from AUDITHISTORY as tombstones. docs/engine.md is the
contract."""

from intacct.replication.contract import (
    Progress,
    RunReport,
    Sink,
    StreamPage,
    StreamResult,
    StreamSpec,
)
from intacct.replication.records.typed import ENTITY_ID
from intacct.replication.run.context import RunContext
from intacct.replication.run.engine import Replicator, check_api, replicate
from intacct.replication.run.estimate import Estimate
from intacct.replication.settings import (
    DEFAULT_PAGE_SIZE,
    ReplicationSettings,
    extraction_page_size,
)
from intacct.replication.state.runstate import RunState, StateError, StreamState
from intacct.replication.streams.deletes import DELETED_AT, DeletesUnavailableError, superseded
from intacct.replication.streams.kinds import (
    Stream,
    StreamKind,
    declared,
    declared_kinds,
    objects_among,
    stream_names,
)

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DELETED_AT",
    "ENTITY_ID",
    "DeletesUnavailableError",
    "Estimate",
    "Progress",
    "ReplicationSettings",
    "Replicator",
    "RunContext",
    "RunReport",
    "RunState",
    "Sink",
    "StateError",
    "Stream",
    "StreamKind",
    "StreamPage",
    "StreamResult",
    "StreamSpec",
    "StreamState",
    "check_api",
    "declared",
    "declared_kinds",
    "extraction_page_size",
    "objects_among",
    "replicate",
    "stream_names",
    "superseded",
]
