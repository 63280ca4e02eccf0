"""The extraction engine's settings: what to read, from when and how fast; not how to
connect.

Settled once, at the edge, into one frozen :class:`ReplicationSettings`, whatever the
source: a tap's Singer config, a profile, the ``INTACCT_*`` environment or CLI flags
(all are one mapping by then, the same one :class:`~intacct.config.ClientConfig` reads:
pass :data:`ReplicationSettings.KEYS` as the client's ``allow`` so neither refuses the
other's keys). :meth:`ReplicationSettings.from_mapping` with the client's config also
settles ``page_size`` (:func:`extraction_page_size`) and ``max_concurrency``; nothing
deeper reads the mapping again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar

from intacct.config import ClientConfig, parse_integer, parse_timestamp
from intacct.errors import ConfigError

__all__ = [
    "DEFAULT_LOOKBACK_MINUTES",
    "DEFAULT_PAGE_SIZE",
    "ReplicationSettings",
    "extraction_page_size",
    "settle",
]

#: Intacct's largest query page, used to extract unless ``page_size`` is set: fewest
#: requests and API transactions per record
DEFAULT_PAGE_SIZE = 2000

#: [U] how late a write of Intacct can become visible is undocumented; Estuary re-reads
#: two hours behind in production, and a lookback at least as long as the lag loses
#: nothing (BENCHMARKS.md). Through the window's digest a run re-reads in full only what
#: the destination lacks: a quiet run costs one API transaction more per object, no
#: request more (RELIABILITY.md, the lookback)
DEFAULT_LOOKBACK_MINUTES = 120

#: Intacct keeps audit history for about a month; a longer look-back is a mistake
MAX_LOOKBACK_MINUTES = 60 * 24 * 31


@dataclass(frozen=True, slots=True)
class ReplicationSettings:
    """``start_date`` (aware UTC), ``lookback_minutes``, ``entity_ids`` (``("all",)`` or
    ids; empty = the configured entity), ``unified_schema``; how the engine reads:
    ``page_size`` (records per query page), ``max_concurrency`` (requests in flight for
    the run, never more than the client's; None = the client's) and ``columnar`` (pages
    typed as columns where the fast path can; the records are the same)."""

    KEYS: ClassVar[frozenset[str]] = frozenset(
        {"start_date", "lookback_minutes", "entity_ids", "unified_schema"}
    )

    start_date: datetime | None = None
    lookback_minutes: int = DEFAULT_LOOKBACK_MINUTES
    entity_ids: tuple[str, ...] = ()
    unified_schema: bool = False
    page_size: int = DEFAULT_PAGE_SIZE
    max_concurrency: int | None = None
    columnar: bool = True

    @classmethod
    def from_mapping(
        cls, values: Mapping[str, Any], client: ClientConfig | None = None
    ) -> ReplicationSettings:
        """Read this engine's keys of ``values`` (others are the client's to check);
        with ``client`` (built from the same ``values``) also the page size and the
        requests in flight it settled."""
        given = {k: v for k, v in values.items() if k in cls.KEYS and v not in (None, "")}
        settings = cls(
            start_date=(
                parse_timestamp("start_date", given["start_date"])
                if "start_date" in given
                else None
            ),
            lookback_minutes=parse_integer(
                "lookback_minutes",
                given.get("lookback_minutes", DEFAULT_LOOKBACK_MINUTES),
                0,
                MAX_LOOKBACK_MINUTES,
            ),
            entity_ids=_entities(given.get("entity_ids", ())),
            unified_schema=_flag("unified_schema", given.get("unified_schema", False)),
        )
        if client is None:
            return settings
        return replace(
            settings,
            page_size=extraction_page_size(values, client),
            max_concurrency=client.max_concurrency,
        )

    def with_overrides(self, **given: Any) -> ReplicationSettings:
        """A copy with the ``given`` values that are not None (a caller's explicit
        arguments over the settled ones)."""
        chosen = {k: v for k, v in given.items() if v is not None}
        return replace(self, **chosen) if chosen else self


def extraction_page_size(values: Mapping[str, Any], client: ClientConfig) -> int:
    """The page size to extract with: ``page_size`` when the config sets it (``client``
    has checked it), else :data:`DEFAULT_PAGE_SIZE` (the client's own default, 1000, is
    readByQuery's largest page, not query's)."""
    return client.page_size if values.get("page_size") not in (None, "") else DEFAULT_PAGE_SIZE


def settle(
    settings: ReplicationSettings | Mapping[str, Any] | None, **overrides: Any
) -> ReplicationSettings:
    """The settings of a run: settled ones as they are, a mapping read (engine keys only),
    none the defaults; then the ``overrides`` that are not None."""
    if not isinstance(settings, ReplicationSettings):
        settings = ReplicationSettings.from_mapping(settings or {})
    return settings.with_overrides(**overrides)


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
