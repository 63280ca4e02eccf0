"""The deletes a tap emitted lately, so that a deleted record's older version, read after
its tombstone, is not emitted after it.

Intacct is eventually consistent: a query can show a record's update after AUDITHISTORY
has shown its delete (RELIABILITY.md, the lookback). The engine emits a stream's
tombstones before its records, and the lookback window reads records again, so such an
older version comes after the tombstone, and a target applying messages in order would
bring the record back for good (no later run sends the tombstone again). ``intacct
sync``'s destinations check a row against the tombstone they store; the tap cannot read
its target, so it keeps the tombstones in its STATE (``recent_deletes`` in the stream's
bookmark, per entity) for as long as the window can read an older version again: one
whose delete is older than the stream's newest WHENMODIFIED less the lookback is
forgotten, since the window starts after it.

The rule is the destinations' (:func:`~intacct.replication.superseded`): a version
whose WHENMODIFIED is not later than the delete (or that has none) is left out; a later
one is a new record with the old key (vendor ids can be reused), emitted, and the
tombstone forgotten.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from intacct.replication import DELETED_AT, superseded

if TYPE_CHECKING:
    from singer_sdk.helpers.types import TapState

__all__ = ["RecentDeletes"]

KEY = "recent_deletes"
MODIFIED = "WHENMODIFIED"


class RecentDeletes:
    """Tombstones remembered in the Singer state ``tap_state``, per stream and entity."""

    def __init__(self, tap_state: TapState, lookback_minutes: int) -> None:
        self.tap_state = tap_state
        self.lookback = timedelta(minutes=lookback_minutes)

    def admit(
        self,
        stream: str,
        entity: str,
        records: Sequence[dict[str, Any]],
        tombstones: Sequence[Mapping[str, Any]],
    ) -> list[dict[str, Any]]:
        """``records`` less the versions that the page's or an earlier page's
        ``tombstones`` supersede; remembers the tombstones, forgets the old ones."""
        bookmark = self.tap_state.setdefault("bookmarks", {}).setdefault(stream, {})
        memo = bookmark.setdefault(KEY, {}).setdefault(entity, {"keys": {}})
        keys: dict[str, dict[str, str]] = memo["keys"]  # key field -> value -> deleted at
        for tombstone in tombstones:
            field, value = next((k, v) for k, v in tombstone.items() if k != DELETED_AT)
            keys.setdefault(field, {})[str(value)] = tombstone[DELETED_AT]
        kept = [record for record in records if not _superseded(keys, record)]
        seen = [m for m in (_instant(r.get(MODIFIED)) for r in records) if m is not None]
        if memo.get("newest"):
            seen.append(_at(memo["newest"]))
        if seen:
            newest = max(seen)
            memo["newest"] = newest.strftime("%Y-%m-%dT%H:%M:%SZ")
            _forget(keys, newest - self.lookback)
        return kept


def _superseded(keys: dict[str, dict[str, str]], record: Mapping[str, Any]) -> bool:
    for field, deletes in keys.items():
        value = str(record.get(field))
        if value not in deletes:
            continue
        if superseded(_instant(record.get(MODIFIED)), _at(deletes[value])):
            return True
        del deletes[value]  # a new record with the old key
    return False


def _forget(keys: dict[str, dict[str, str]], before: datetime) -> None:
    for field in list(keys):
        deletes = keys[field]
        for value in [v for v, at in deletes.items() if _at(at) < before]:
            del deletes[value]
        if not deletes:
            del keys[field]


def _instant(value: object) -> datetime | None:
    """A record's time (the engine's ISO text, or a datetime) as an aware one, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return _at(str(value))


def _at(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
