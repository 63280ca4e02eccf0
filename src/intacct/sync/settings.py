"""What one ``intacct sync`` run does, settled once at the edge (the CLI's flags and
connection, a Dagster tenant) into a frozen :class:`SyncSettings`; nothing past it
reads a mapping."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from intacct.config import ClientConfig
from intacct.replication import ReplicationSettings

__all__ = ["SyncSettings"]


@dataclass(frozen=True, slots=True)
class SyncSettings:
    """``objects`` (None: :data:`~intacct.sync.DEFAULT_OBJECTS`; ``("all",)``: every
    object the company has, and the trial balance), ``full_refresh`` (read them whole
    again), the engine's settings (page size and columnar reading included),
    ``unified`` (also hotglue's unified tables) and ``layout`` ("fivetran", "none", or
    None: the one the destination remembers)."""

    objects: tuple[str, ...] | None = None
    full_refresh: bool = False
    replication: ReplicationSettings = field(default_factory=ReplicationSettings)
    unified: bool = False
    layout: str | None = None

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
    ) -> SyncSettings:
        """A run's settings: the engine's keys of ``values`` (a connection's: a profile,
        the ``INTACCT_*`` environment, a tenant), with the page size and concurrency
        ``client`` (built from the same values) settled; ``unified`` also when
        ``unified_schema`` says so."""
        replication = ReplicationSettings.from_mapping(values, client)
        return cls(
            objects=tuple(objects) if objects else None,
            full_refresh=full_refresh,
            replication=replication,
            unified=unified or replication.unified_schema,
            layout=layout.lower() if layout else None,
        )
