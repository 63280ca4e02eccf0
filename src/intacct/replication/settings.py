"""The extraction engine's settings: what to read, from when and how fast; not how to
connect.

Settled once, at the edge, into one frozen :class:`ReplicationSettings`, whatever the
source: a tap's Singer config, a profile, the ``INTACCT_*`` environment or CLI flags
(all are one mapping by then, the same one :class:`~intacct.config.ClientConfig` reads).
Its keys, how each is read and their defaults are the table's
(:mod:`intacct.config.keys`, owner ``REPLICATION``). :meth:`ReplicationSettings.from_mapping`
with the client's config also settles ``page_size`` (:func:`extraction_page_size`) and
``max_concurrency``; nothing deeper reads a mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, ClassVar

from intacct.client.dds import Polling
from intacct.config import (
    DEFAULT_DDS_MAX_WAIT_S,
    DEFAULT_DDS_MIN_RECORDS,
    DEFAULT_LOOKBACK_MINUTES,
    DEFAULT_PAGE_SIZE,
    DEFAULT_VERIFY_EVERY,
    ClientConfig,
    Owner,
    owned_by,
    read,
)

#: a DDS job polled as :class:`~intacct.client.dds.Polling`'s defaults say (its wait in
#: all is ``dds_max_wait_s``'s: :attr:`ReplicationSettings.dds_wait`)
DEFAULT_POLLING = Polling()

__all__ = [
    "DEFAULT_LOOKBACK_MINUTES",
    "DEFAULT_PAGE_SIZE",
    "ReplicationSettings",
    "extraction_page_size",
]


@dataclass(frozen=True, slots=True)
class ReplicationSettings:
    """``start_date`` (aware UTC), ``lookback_minutes``, ``entity_ids`` (``("all",)`` or
    ids; empty = the configured entity), ``unified_schema``; how the engine reads:
    ``page_size`` (records per query page), ``max_concurrency`` (requests in flight for
    the run, never more than the client's; None = the client's), ``columnar`` (pages
    typed as columns where the fast path can; the records are the same) and ``api``
    (which API reads records: :mod:`~.streams.rest`); ``verify_every`` (how often
    each stream is read as if the audit trail had named it: :mod:`~.run.watch`); the
    ``dds_*`` fields: where a large first read goes through Sage's Data Delivery Service
    (:mod:`~.streams.dds`)."""

    KEYS: ClassVar[frozenset[str]] = frozenset(k.name for k in owned_by(Owner.REPLICATION))

    start_date: datetime | None = None
    lookback_minutes: int = DEFAULT_LOOKBACK_MINUTES
    entity_ids: tuple[str, ...] = ()
    unified_schema: bool = False
    page_size: int = DEFAULT_PAGE_SIZE
    max_concurrency: int | None = None
    columnar: bool = True
    api: str = "auto"
    #: how often each stream is checked whole beside the audit trail's question
    #: (:mod:`~.run.watch`); zero: every run, and the question is never asked
    verify_every: timedelta = DEFAULT_VERIFY_EVERY
    #: Sage's Data Delivery Service for large first reads (:mod:`~.streams.dds`): the
    #: company's cloud storage target by name ("" = never), where it writes, and the
    #: records from which a first read goes through it; credentials never: the cloud's chain
    dds_target: str = ""
    dds_storage: str = "s3"
    dds_bucket: str = ""
    dds_prefix: str = ""
    dds_endpoint_url: str = ""
    dds_region: str = ""
    dds_account_name: str = ""
    dds_min_records: int = DEFAULT_DDS_MIN_RECORDS
    #: how long a DDS job is waited for in all before its stream stops (the job kept)
    dds_max_wait_s: float = DEFAULT_DDS_MAX_WAIT_S
    #: how often a DDS job is polled (no key; tests quicken it); its ``max_wait_s`` is
    #: not read: ``dds_max_wait_s`` is the wait (:attr:`dds_wait`)
    dds_polling: Polling = DEFAULT_POLLING

    @classmethod
    def from_mapping(
        cls, values: Mapping[str, Any], client: ClientConfig | None = None
    ) -> ReplicationSettings:
        """Read this engine's keys of ``values`` (others are the client's to check);
        with ``client`` (built from the same ``values``) also the page size and the
        requests in flight it settled."""
        settings = cls(**read(values, Owner.REPLICATION))
        if client is None:
            return settings
        return replace(
            settings,
            page_size=extraction_page_size(values, client),
            max_concurrency=client.max_concurrency,
        )

    @property
    def dds_wait(self) -> Polling:
        """How a DDS job is waited for: ``dds_polling``'s pace, ``dds_max_wait_s`` in all."""
        return replace(self.dds_polling, max_wait_s=self.dds_max_wait_s)

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
