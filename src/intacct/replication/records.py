"""A record as the engine emits it: typed by the object's metadata, JSON-safe, in UTC.

One rule for every consumer (the tap, ``intacct sync``): DECIMAL/CURRENCY/PERCENT stay
:class:`~decimal.Decimal` (exact; the consumer serializes them), dates are
``YYYY-MM-DD``, timestamps ISO-8601 UTC with ``Z`` (WHENMODIFIED is written in the user's
zone by the gateway and decoded with the user's formatting), booleans and integers are
themselves, multi-picks lists. ``_entity_id`` names the entity session that read the
record ("" for the top level), so the same shared record read through two entities is
two rows, never one overwritten by the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from intacct.protocol.formats import UserFormatting
from intacct.registry import ObjectInfo

__all__ = ["ENTITY_ID", "iso_utc", "to_output"]

ENTITY_ID = "_entity_id"


def to_output(
    info: ObjectInfo, record: Mapping[str, str], formatting: UserFormatting, entity_id: str
) -> dict[str, Any]:
    """``record`` (as the gateway wrote it) typed, JSON-safe and stamped with its entity."""
    out = {name: _json(value) for name, value in info.model.decode(record, formatting).items()}
    out[ENTITY_ID] = entity_id
    return out


def iso_utc(value: datetime) -> str:
    """An aware datetime as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json(value: object) -> Any:
    if isinstance(value, datetime):
        return iso_utc(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value
