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

from intacct._singer_config import config_schema
from intacct.config import ClientConfig, Owner, Surface, names_on
from intacct.replication import DEFAULT_PAGE_SIZE, ReplicationSettings

__all__ = ["CONFIG_SCHEMA", "DEFAULT_PAGE_SIZE", "TapSettings"]

#: the keys the tap takes are the table's (intacct.config.keys, Surface.TAP)
CONFIG_SCHEMA = config_schema(
    Surface.TAP, reads=(Owner.CONNECTION, Owner.TUNING, Owner.REPLICATION)
)


@dataclass(frozen=True, slots=True)
class TapSettings:
    """A tap config read once: connection and engine settings (page size included)."""

    client: ClientConfig
    replication: ReplicationSettings

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any], sdk_keys: Collection[str]) -> TapSettings:
        """``sdk_keys`` are singer-sdk's own settings (stream maps, flattening, ...),
        accepted as they are."""
        allow = names_on(Surface.TAP) | frozenset(sdk_keys)
        client = ClientConfig.from_mapping(config, allow=allow)
        return cls(
            client=client,
            replication=ReplicationSettings.from_mapping(config, client),
        )
