"""What one ``intacct sync`` run does, settled once at the edge (the CLI's flags and
connection, a Dagster tenant) into a frozen :class:`SyncSettings`; nothing past it
reads a mapping."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from intacct.config import ClientConfig, Owner, read
from intacct.destinations.waiting import DEFAULT_LOCK_WAIT_S
from intacct.replication import ReplicationSettings

__all__ = ["SyncSettings"]


@dataclass(frozen=True, slots=True)
class SyncSettings:
    """``objects`` (None: :data:`~intacct.sync.DEFAULT_OBJECTS`; ``("all",)``: every
    object the company has, and the trial balance), ``full_refresh`` (read them whole
    again), the engine's settings (page size and columnar reading included),
    ``unified`` (also hotglue's unified tables), ``layout`` ("fivetran", "none", or
    None: the one the destination remembers), how long to wait for a reader holding
    the destination (``lock_wait_s``) and where to publish a DuckDB snapshot for
    readers (``snapshot``, None: nowhere)."""

    #: the sync's own keys of the table (``destination`` is chosen by the caller)
    KEYS: ClassVar[frozenset[str]] = frozenset({"lock_wait_s", "snapshot", "history"})

    objects: tuple[str, ...] | None = None
    full_refresh: bool = False
    replication: ReplicationSettings = field(default_factory=ReplicationSettings)
    unified: bool = False
    layout: str | None = None
    lock_wait_s: float = DEFAULT_LOCK_WAIT_S
    snapshot: str | None = None
    #: the objects keeping history (:mod:`intacct.destinations.history`): ("all",) every
    #: object read, () none, None the ones the destination remembers
    history: tuple[str, ...] | None = None
    #: the folder where the company's descriptions are kept between runs: its REST
    #: models in ``rest-models/`` (:mod:`~intacct.client.rest_discovery`), its XML
    #: objects' in ``lookups/`` (:mod:`~intacct.client.lookup_cache`); None: read every run
    metadata_cache: Path | None = None

    @classmethod
    def from_mapping(
        cls,
        values: Mapping[str, Any],
        client: ClientConfig,
        *,
        objects: Sequence[str] | None = None,
        full_refresh: bool = False,
        unified: bool = False,
        layout: str | None = None,
        snapshot: str | None = None,
        metadata_cache: Path | None = None,
        history: bool | None = None,
    ) -> SyncSettings:
        """A run's settings: the engine's keys of ``values`` (a connection's: a profile,
        the ``INTACCT_*`` environment, a tenant), with the page size and concurrency
        ``client`` (built from the same values) settled; ``unified`` also when
        ``unified_schema`` says so; ``snapshot`` (a flag's) before the key's."""
        replication = ReplicationSettings.from_mapping(values, client)
        own = read({k: values.get(k) for k in cls.KEYS}, Owner.SYNC)
        return cls(
            objects=tuple(objects) if objects else None,
            full_refresh=full_refresh,
            replication=replication,
            unified=unified or replication.unified_schema,
            layout=layout.lower() if layout else None,
            lock_wait_s=own["lock_wait_s"],
            snapshot=snapshot or own["snapshot"],
            history=(("all",) if history else ()) if history is not None else own["history"],
            metadata_cache=metadata_cache,
        )
