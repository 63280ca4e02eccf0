"""A later run's questions before it reads, for :class:`~.objects.ObjectStream`.

The probe: how many records changed after the bookmark and how many were deleted after
the delete bookmark, asked for every stream in one batched request (the engine's
``_probe``); a pass the probe found empty is not read, and a stream with nothing in
either reads nothing. With a lookback and a sink that can tell what it stores, the
window's digest (:mod:`.window`) rides in the same batch: its first page of (RECORDNO,
WHENMODIFIED), so a window the sink already holds keeps the shortcut. A sink that
cannot tell (a Singer tap's) has the window read in full; then the probe counts the
changes from the window's start.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from intacct.client.pagination import Page, PageToken, resume_token
from intacct.client.registry import ObjectInfo
from intacct.errors import IntacctError
from intacct.protocol import functions as fn
from intacct.protocol import query as q
from intacct.protocol.formats import UserFormatting
from intacct.protocol.response import Record
from intacct.replication.contract import Sink, StreamResult, keeps_changes, stored_versions
from intacct.replication.run.context import RunContext
from intacct.replication.state.runstate import StreamState
from intacct.replication.streams.audit import Change
from intacct.replication.streams.deletes import AUDIT_OBJECT, DeleteBookmark, deletes_filter
from intacct.replication.streams.planning import Answer
from intacct.replication.streams.window import Window

if TYPE_CHECKING:
    from intacct.client import IntacctClient

__all__ = ["CLOCK_MARGIN", "ChangeQuestions"]

_MODIFIED = "WHENMODIFIED"
#: [U] the server and this machine may disagree on the time: the first run's delete
#: bookmark starts this far before the run, a bookmark this recent is settled to the
#: start of its second (``objects._settled``), and an audit row this far after a
#: bookmark may name a change behind it (the gateway stamps the two apart by a moment)
CLOCK_MARGIN = timedelta(minutes=5)


class ChangeQuestions:
    """The probe and the window's digest of one (object, entity) stream; mixed into
    :class:`~.objects.ObjectStream`, whose attributes and read path it uses."""

    context: RunContext
    client: IntacctClient
    sink: Sink
    entity: str
    formatting: UserFormatting
    current: StreamState
    result: StreamResult
    parts: list[tuple[Callable[[], None], float]]
    #: the lookback window whose digest this later run reads (None: no lookback, or a
    #: sink that cannot tell what it stores: then the window is read in full)
    window: Window | None = None
    #: the stream stores WHENMODIFIED as the true UTC instant (REST's), not the user's
    #: wall clock turned to UTC at today's offset (XML's, where the zone is not named)
    stores_true_utc: bool = False
    #: what the probe counted: changes after where the WHENMODIFIED pass starts, and
    #: deletes (None: not asked, or not answered)
    probe_counts: tuple[int | None, int | None] = (None, None)
    #: the audit trail named it (:meth:`named`): no probe
    told: bool = False
    #: and every change it named is after the bookmark: read from the bookmark itself,
    #: without the lookback window
    after_bookmark: bool = False

    if TYPE_CHECKING:  # the stream's own, which this part uses

        def _info(self) -> ObjectInfo: ...

        def _changes(self) -> None: ...

        def _start(self, token: str | None) -> PageToken | None: ...

        _pass: Callable[..., None]  # one keyset pass (ObjectStream._pass)

    # -- the probe -----------------------------------------------------------------------

    def probing(self) -> bool:
        """Whether one batched question can tell this later run has nothing to read:
        only changes and deletes after known bookmarks (no records without
        WHENMODIFIED still to read, deletes readable)."""
        current = self.current
        return (
            not self.told
            and self.parts == [(self._changes, 0)]
            and current.nulls_done
            and current.deletes is not None
            and "deletes" not in self.context.warned
        )

    def probe_calls(self) -> list[fn.Function]:
        """How many records changed after where the WHENMODIFIED pass starts, how many
        were deleted, and the window's digest's first page (with one)."""
        start = self.start_token()
        assert start is not None  # a later run has its bookmark
        calls: list[fn.Function] = [self.count_changed(start), self.count_deleted()]
        if self.window is not None:
            name, size = self._info().name, self.context.settings.page_size
            calls.append(self.window.first_call(name, size))
        return calls

    def start_token(self) -> PageToken | None:
        """Where this run's WHENMODIFIED pass starts: the window's end when its digest is
        read (or the audit trail named every change after the bookmark), else the
        bookmark ``lookback_minutes`` earlier (:meth:`_start`)."""
        if self.window is not None:
            return self.window.end
        if self.after_bookmark and self.current.token is not None:
            return resume_token(PageToken.parse(self.current.token), self.formatting)
        return self._start(self.current.token)

    def named(self, rows: Sequence[Change]) -> bool:
        """The audit trail's question named this stream with ``rows``: its passes are
        read as they say, without the probe. Changes after the bookmark, where a row is
        a create or modification (a document's, for a line object: its lines change
        with it); deletes where a row is a delete (or, for a sink keeping history, any
        of its own rows: its deletes pass reads them); the lookback window's digest only
        where a row is not after the bookmark (a change visible late, behind it)."""
        if not self.probing():
            return True  # read as before
        own = self._info().name
        history = keeps_changes(self.sink, own) and any(r.object == own for r in rows)
        changed = any(not r.deleted for r in rows)
        deleted = history or any(r.deleted for r in rows)
        self.probe_counts = (None if changed else 0, None if deleted else 0)
        self.told = True
        token = PageToken.parse(self.current.token) if self.current.token else None
        bookmark = token.wall if token is not None else None
        # walls compare as Intacct wrote both (a repeated hour: resume_token steps back)
        behind = bookmark is None or any(r.wall <= bookmark + CLOCK_MARGIN for r in rows)
        if not behind:  # every change after the bookmark: no window to read again
            self.window, self.after_bookmark = None, True
        return True

    def count_changed(self, token: PageToken) -> fn.Query:
        """How many records the WHENMODIFIED pass reads after ``token``."""
        changed: q.Filter = q.greaterthan("RECORDNO", token.recordno)
        if token.wall is not None:  # resume_token gives every timestamp token its wall
            when = self.formatting.format_datetime(token.wall)
            changed = q.or_(
                q.greaterthan(_MODIFIED, when),
                q.and_(q.equalto(_MODIFIED, when), q.greaterthan("RECORDNO", token.recordno)),
            )
        return fn.Query(self._info().name, ["RECORDNO"], filter=changed, pagesize=1)

    def count_deleted(self) -> fn.Query:
        """How many deletes AUDITHISTORY has after the delete bookmark (and changes, for
        a sink keeping the stream's history: they are read with the deletes)."""
        since = DeleteBookmark.from_dict(self.current.deletes or {}).resumed(self.formatting)
        if self.lookback:  # as the deletes pass reads them (iter_tombstones)
            wall = since.key()[0] - self.lookback
            since = DeleteBookmark(self.formatting.to_utc(wall), "", wall)
        changes = keeps_changes(self.sink, self._info().name)
        deleted = deletes_filter(self._info(), since, self.formatting, changes=changes)
        return fn.Query(AUDIT_OBJECT, ["ID"], filter=deleted, pagesize=1)

    @property
    def lookback(self) -> timedelta:
        """How far behind its delete bookmark the deletes are read again: an audit row
        is as late to be seen as the write it records ([U]: one transaction; the emulator
        makes both visible together), and a tombstone read twice is harmless."""
        return timedelta(minutes=self.context.settings.lookback_minutes)

    def probed(self, replies: list[Answer]) -> None:
        """Keep what the probe counted; nothing changed, nothing deleted and the window's
        digest (if asked) matching what the sink stores: the run has nothing to read
        here. Any doubt (a failed question) leaves the part to find out."""
        counts = []
        for reply in replies:
            if isinstance(reply, IntacctError) or not reply.ok:
                return
            counts.append(reply.data.totalcount if reply.data else None)
        self.probe_counts = (counts[0], counts[1])
        window = self.window
        if window is not None:
            answer = replies[2]
            assert not isinstance(answer, IntacctError)
            window.take_first(answer, self.context.settings.page_size)
            with self.context.lock:
                self.result.listed = window.listed
            if not window.first_done or self._stale(window.first or []):
                return
        if counts[:2] == [0, 0]:
            self.parts = []

    def keeps_versions(self) -> bool:
        """Whether the sink gets each record's WHENMODIFIED from this stream, for the
        window's digest to tell a record unchanged by (else it reads the window whole)."""
        return True

    def reads_whole_on_change(self) -> bool:
        """Whether a later run that finds a change reads the object again whole, by key,
        in place of the changes: without versions kept there is no change time to read
        by (REST's twins without a modified time, :mod:`.rest`)."""
        return not self.keeps_versions()

    def reads_changes(self) -> bool:
        """Whether the WHENMODIFIED pass may find anything (the probe did not count 0)."""
        return self.probe_counts[0] != 0

    def reads_deletes(self) -> bool:
        """Whether the deletes pass may find anything (the probe did not count 0)."""
        return self.probe_counts[1] != 0

    # -- the window's digest -------------------------------------------------------------

    def open_window(self, dry: bool = False) -> None:
        """A later run with a lookback: its window is read through its digest when the
        sink can tell what it stores (else in full, from :meth:`_start`); an estimate
        (``dry``) is for ``intacct sync``, whose destinations tell."""
        minutes = self.context.settings.lookback_minutes
        if not minutes or self.current.token is None:
            return
        with self.context.lock:  # the sink is used by one thread at a time
            if not dry and stored_versions(self.sink, self._info().name, self.entity, []) is None:
                return
        end = resume_token(PageToken.parse(self.current.token), self.formatting)
        self.window = Window.behind(end, minutes, self.formatting, self.stores_true_utc)

    def digest(self) -> None:
        """The window's rows listed page by page; those the sink lacks or stores in
        another version are read in full by RECORDNO (the bookmark does not move: a
        run stopped here lists the window again)."""
        window = self.window
        if window is None:
            return
        name, size = self._info().name, self.context.settings.page_size
        probed = window.first is not None  # its first page came with the probe's batch
        for number, rows in enumerate(window.pages(self.client, name, size)):
            if self.result.error is not None or self.context.stopped:
                return
            with self.context.lock:
                self.result.listed = window.listed
                self.result.requests += 0 if probed and not number else 1
            stale = self._stale(rows)
            if stale:
                self._pass("RECORDNO", None, q.in_("RECORDNO", stale), _stay)

    def _stale(self, rows: list[Record]) -> list[int]:
        assert self.window is not None
        if not rows:
            return []
        recordnos = [int(r["RECORDNO"]) for r in rows]
        with self.context.lock:
            stored = stored_versions(self.sink, self._info().name, self.entity, recordnos)
        return self.window.stale(rows, stored or {})


def _stay(page: Page) -> None:
    """A page read by RECORDNO for the digest moves no bookmark."""
