"""The tap's settings: its JSON Schema (``--about``) and reading a config into the
client's :class:`~intacct.config.ClientConfig` and the engine's
:class:`~intacct.replication.ReplicationSettings`.

Key names are the public contract (docs/ARCHITECTURE.md, "Config keys"); the first six are
hotglue's, so its configs keep working. A key neither the client, the engine nor
singer-sdk knows is a :class:`~intacct.errors.ConfigError` naming it (and its near miss).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from singer_sdk import typing as th

from intacct._singer_config import connection_properties, request_properties
from intacct.config import ClientConfig
from intacct.replication import DEFAULT_PAGE_SIZE, ReplicationSettings

__all__ = ["CONFIG_SCHEMA", "DEFAULT_PAGE_SIZE", "TapSettings"]

CONFIG_SCHEMA = th.PropertiesList(
    *connection_properties("log in to"),
    th.Property(
        "start_date",
        th.DateTimeType,
        description="a first run reads what changed since then (records without WHENMODIFIED too)",
    ),
    th.Property(
        "page_size", th.IntegerType, description=f"records per page (default {DEFAULT_PAGE_SIZE})"
    ),
    th.Property(
        "max_concurrency",
        th.IntegerType,
        description="requests in flight for the whole run (default 2, Intacct's base tier)",
    ),
    th.Property(
        "lookback_minutes",
        th.IntegerType,
        description=(
            "re-read this window behind each bookmark, for writes Intacct makes visible "
            "late (default 120; the tap emits the window's records again; 0: off)"
        ),
    ),
    *request_properties(),
    th.Property(
        "entity_ids",
        # a type list, not anyOf: singer-sdk adds "null" to anyOf as a bare string, an
        # invalid schema that fails with a traceback on a value of neither type
        th.CustomType({"type": ["array", "string"], "items": {"type": "string"}}),
        description="entities to read, each in its own session: a list, or 'all'",
    ),
    th.Property("unified_schema", th.BooleanType, description="emit hotglue's unified tables"),
).to_dict()


@dataclass(frozen=True, slots=True)
class TapSettings:
    """A tap config read once: connection and engine settings (page size included)."""

    client: ClientConfig
    replication: ReplicationSettings

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any], sdk_keys: Collection[str]) -> TapSettings:
        """``sdk_keys`` are singer-sdk's own settings (stream maps, flattening, ...),
        accepted as they are."""
        allow = ReplicationSettings.KEYS | frozenset(sdk_keys)
        client = ClientConfig.from_mapping(config, allow=allow)
        return cls(
            client=client,
            replication=ReplicationSettings.from_mapping(config, client),
        )
