"""The extraction engine's settings: what to read and from when, not how to connect.

Built once from the same mapping as :class:`~intacct.config.ClientConfig` (a tap or
``intacct sync`` config holds both); pass :data:`ReplicationSettings.KEYS` as the
client's ``allow`` so neither refuses the other's keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from intacct.config import ClientConfig, parse_integer, parse_timestamp
from intacct.errors import ConfigError

__all__ = ["DEFAULT_PAGE_SIZE", "ReplicationSettings", "extraction_page_size"]

#: Intacct's largest query page, used to extract unless ``page_size`` is set: fewest
#: requests and API transactions per record
DEFAULT_PAGE_SIZE = 2000

#: Intacct keeps audit history for about a month; a longer look-back is a mistake
MAX_LOOKBACK_MINUTES = 60 * 24 * 31


@dataclass(frozen=True, slots=True)
class ReplicationSettings:
    """``start_date`` (aware UTC), ``lookback_minutes``, ``entity_ids`` (``("all",)`` or
    ids; empty = the configured entity) and ``unified_schema``."""

    KEYS: ClassVar[frozenset[str]] = frozenset(
        {"start_date", "lookback_minutes", "entity_ids", "unified_schema"}
    )

    start_date: datetime | None = None
    lookback_minutes: int = 0
    entity_ids: tuple[str, ...] = ()
    unified_schema: bool = False

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> ReplicationSettings:
        """Read this engine's keys of ``values`` (others are the client's to check)."""
        given = {k: v for k, v in values.items() if k in cls.KEYS and v not in (None, "")}
        return cls(
            start_date=(
                parse_timestamp("start_date", given["start_date"])
                if "start_date" in given
                else None
            ),
            lookback_minutes=parse_integer(
                "lookback_minutes", given.get("lookback_minutes", 0), 0, MAX_LOOKBACK_MINUTES
            ),
            entity_ids=_entities(given.get("entity_ids", ())),
            unified_schema=_flag("unified_schema", given.get("unified_schema", False)),
        )


def extraction_page_size(values: Mapping[str, Any], client: ClientConfig) -> int:
    """The page size to extract with: ``page_size`` when the config sets it (``client``
    has checked it), else :data:`DEFAULT_PAGE_SIZE` (the client's own default, 1000, is
    readByQuery's largest page, not query's)."""
    return client.page_size if values.get("page_size") not in (None, "") else DEFAULT_PAGE_SIZE


def _entities(value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise ConfigError("entity_ids", "must be a list of entity ids, a comma list or 'all'")
    ids = tuple(i.strip() for i in items if i.strip())
    if "all" in ids and len(ids) > 1:
        raise ConfigError("entity_ids", "'all' cannot be combined with entity ids")
    return ids


def _flag(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ConfigError(key, f"must be true or false, got {value!r}")
