"""Where the engine's pages become Singer messages, and the run state in Singer's form.

After every page the engine hands over the whole run's state; this sink writes the
page's RECORD messages (tombstones first, as the engine orders them), then one STATE
message carrying that state, so a tap killed at any point resumes from its last STATE
with nothing lost or repeated.

The engine's state lives in Singer's ``bookmarks``, one entry per object::

    {"bookmarks": {"VENDOR": {"version": 1, "entities": {"": {"token": "..."}}}}}

``entities`` maps the entity id ("" = top level) to the engine's stream state
(:class:`~intacct.replication.StreamState`); other keys singer-sdk may add to a bookmark
are left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from intacct.replication import DELETED_AT, ENTITY_ID, RunState, StateError, StreamPage
from intacct.replication.state.runstate import VERSION
from intacct.tap.recent import RecentDeletes

if TYPE_CHECKING:
    from singer_sdk.helpers.types import TapState

    from intacct.tap.streams import IntacctStream

__all__ = ["SingerSink", "StateWriter", "admitted", "read_state", "write_bookmarks"]


class StateWriter(Protocol):
    """What writes the STATE messages: the tap's ``state_writer`` (singer-sdk's, which
    leaves out a state equal to the last one written; its class is singer-sdk's private
    one, so it is named here by what the tap uses of it)."""

    def write_state(self, state: TapState) -> None: ...


def read_state(tap_state: Mapping[str, Any]) -> RunState:
    """The engine's state from a Singer state; StateError names the stream and key."""
    bookmarks = tap_state.get("bookmarks") or {}
    if not isinstance(bookmarks, Mapping):
        raise StateError("state key 'bookmarks' must be an object")
    streams: dict[str, Any] = {}
    for name, bookmark in bookmarks.items():
        if not isinstance(bookmark, Mapping) or "entities" not in bookmark:
            continue  # a stream never read by this tap, or singer-sdk's own entry
        if bookmark.get("version") != VERSION:
            raise StateError(
                f"state of {name}, key 'version': expected {VERSION}, "
                f"got {bookmark.get('version')!r}"
            )
        streams[name] = bookmark["entities"]
    return RunState.from_dict({"version": VERSION, "streams": streams})


def write_bookmarks(tap_state: TapState, snapshot: Mapping[str, Any]) -> None:
    """Put a :meth:`RunState.snapshot` into the Singer state, in place."""
    bookmarks = tap_state.setdefault("bookmarks", {})
    for name, entities in snapshot["streams"].items():
        entry = bookmarks.setdefault(name, {})
        entry["version"] = snapshot["version"]
        entry["entities"] = entities


class SingerSink:
    """The engine's :class:`~intacct.replication.Sink` for the tap."""

    def __init__(
        self,
        streams: Mapping[str, IntacctStream],
        tap_state: TapState,
        state_writer: StateWriter,
        logger: logging.Logger,
        lookback_minutes: int,
    ) -> None:
        self.streams = streams
        self.tap_state = tap_state
        self.state_writer = state_writer
        self.logger = logger
        self.pages = 0
        self.recent = RecentDeletes(tap_state, lookback_minutes)

    def page(self, page: StreamPage) -> None:
        target = self.streams[page.stream]
        for tombstone in page.tombstones:
            target.write_record({**tombstone, ENTITY_ID: page.entity})
        for record in admitted(self.recent, self.logger, page):
            record.setdefault(DELETED_AT, None)
            target.write_record(record)
        write_bookmarks(self.tap_state, page.state)
        self.state_writer.write_state(self.tap_state)
        self.pages += 1

    def warning(self, stream: str, text: str) -> None:
        self.logger.warning(text)  # the engine's text says what it is of


def admitted(
    recent: RecentDeletes, logger: logging.Logger, page: StreamPage
) -> list[dict[str, Any]]:
    """The page's records less the older versions of records deleted (logged)."""
    records = page.records
    kept = recent.admit(page.stream, page.entity, records, page.tombstones)
    if len(kept) < len(records):
        logger.info(
            "%s: %d record(s) read again not later than their delete, left out",
            page.stream, len(records) - len(kept),
        )  # fmt: skip
    return kept
