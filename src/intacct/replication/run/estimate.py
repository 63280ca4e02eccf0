"""A dry run: what a run would read and what it would cost, before reading anything.

:meth:`Replicator.estimate <intacct.replication.Replicator.estimate>` prepares every
stream as a run would (nothing is read, no state moves) and asks, in one batched request,
the questions a run asks first anyway: a first read's count and newest change
(:meth:`plan_calls`), a later run's "how many changed, how many deleted" (the probe);
a read stopped halfway counts what its ranges have left. From the answers and the page
size it tells, per stream, the records and deletes to read and the API transactions the
run will take (:mod:`intacct.protocol.billing`): the planning questions, the range
boundaries, one per page, deletes' pages. A page is at least one request, an empty
answer included. Objects read whole (no RECORDNO), the objects only REST has and the
trial balance have no count to ask: their records are unknown, their cost the least a
read takes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from intacct.client.pagination import PageToken
from intacct.errors import IntacctError
from intacct.protocol import functions as fn
from intacct.protocol import query as q
from intacct.replication.run.watch import QUIET
from intacct.replication.streams.objects import ObjectStream as _Stream
from intacct.replication.streams.planning import Answer, range_offsets
from intacct.replication.streams.rest_only import RestOnlyStream
from intacct.replication.streams.route import dds_change_cost, dds_cost, pages
from intacct.replication.streams.trialbalance import TrialBalanceStream

if TYPE_CHECKING:
    from intacct.replication.run.watch import Watch
    from intacct.replication.streams.kinds import Stream

__all__ = ["Estimate", "assess", "question_estimate", "questions"]

_MODIFIED = "WHENMODIFIED"


@dataclass(slots=True)
class Estimate:
    """One (object, entity) stream's next run: ``records`` and ``deletes`` to read
    (None: not known before reading), the ``transactions`` it will cost, ``what``
    kind of read it is, for people, and the ``route`` its records take (an object's:
    the API and why, :mod:`~intacct.replication.streams.route`)."""

    object: str
    entity: str
    what: str
    records: int | None = None
    deletes: int | None = None
    transactions: int = 0
    error: IntacctError | None = None
    route: str = ""
    #: the run's one question (the audit trail's changes), shared by every stream
    question: bool = False
    #: with ``verify_every``, when the stream reads (:meth:`Watched.rule`)
    rule: str = ""


def question_estimate(watch: Watch) -> Estimate:
    """What the run's one question cost the estimate (the run asks it again), and
    whether it answered."""
    what = "the audit trail's changes since the last run (AUDITHISTORY)"
    if watch.unanswered is not None:
        what += f", unanswered: {watch.unanswered}"
    rows = len(watch.changes.rows) if watch.changes is not None else None
    return Estimate("", "", what, rows, None, watch.transactions, question=True)


def questions(stream: _Stream) -> list[fn.Function]:
    """The count questions for ``stream`` (prepared ``dry``), in :func:`assess`'s order:
    its kind's, then the deletes' when it reads deletes (every run after the first)."""
    if stream.result.error is not None or stream.kind == "quiet":
        return []
    calls: list[fn.Function] = []
    if stream.kind == "first":
        calls = stream.plan_calls()
    elif stream.kind == "resume":
        calls = [_count_range(stream, bounds) for bounds in _open_ranges(stream)]
    elif stream.kind == "incremental":
        start = stream.start_token()
        assert start is not None  # an incremental read starts from a bookmark or start_date
        calls = [stream.count_changed(start)]
        if not stream.current.nulls_done:
            calls.append(_count_nulls(stream))
        if _rereads_window(stream):
            assert stream.window is not None
            calls.append(stream.window.count_call(stream.result.object))
        if stream.reads_whole_on_change():
            calls.append(stream.plan_calls()[0])  # the count of every record
    if _reads_deletes(stream):
        calls.append(stream.count_deleted())
    return calls


def assess(
    streams: Sequence[Stream],
    answers: Sequence[list[Answer]],
    page_size: int,
    slots: int,
) -> list[Estimate]:
    """Each stream's estimate from its questions' answers (``slots``: the engine's
    requests in flight, which decide how first reads are split, as the run splits them)."""
    totals = [_first_total(s, a) for s, a in zip(streams, answers, strict=True)]
    for stream, replies, total in zip(streams, answers, totals, strict=True):
        _count_route(stream, replies, total)
    sizes = [s.page_size if isinstance(s, _Stream) else page_size for s in streams]
    ranged = [0 if _through_dds(s) else t for s, t in zip(streams, totals, strict=True)]
    firsts = [(t, size) for t, size in zip(ranged, sizes, strict=True) if t is not None]
    planned = iter(range_offsets([t for t, _ in firsts], [n for _, n in firsts], slots))
    out = []
    for stream, replies, total in zip(streams, answers, totals, strict=True):
        starts = next(planned) if total is not None else []
        try:
            estimate = _estimate(stream, replies, total, page_size, starts)
        except IntacctError as exc:
            estimate = Estimate(stream.result.object, stream.entity, "", error=exc)
        if isinstance(stream, _Stream):
            estimate.route = str(stream.route)
        if stream.result.error is None and stream.context.settings.verify_every:
            estimate.rule = stream.rule()
        out.append(estimate)
    return out


def _count_route(stream: Stream, replies: list[Answer], total: int | None) -> None:
    """An ``auto`` candidate's route from the counts the run settles it by: a first
    read's total, a probed later run's changes (uncounted: XML, as in the run)."""
    if not isinstance(stream, _Stream) or stream.result.error is not None:
        return
    if total is not None:
        stream.counted(total)
    elif stream.kind == "incremental" and stream.probing() and replies:
        with contextlib.suppress(IntacctError):  # the estimate says the error
            stream.counted(_count(replies[0]))


def _estimate(
    stream: Stream,
    replies: list[Answer],
    total: int | None,
    page_size: int,
    starts: list[int],
) -> Estimate:
    name, entity = stream.result.object, stream.entity
    if stream.result.error is not None:
        return Estimate(name, entity, "", error=stream.result.error)
    if not stream.parts and not getattr(stream, "planning", False):  # left quiet
        return Estimate(name, entity, QUIET, 0, 0, 0)
    if isinstance(stream, TrialBalanceStream | RestOnlyStream):  # no count to ask
        what, count = stream.reading()
        return Estimate(name, entity, what, None, None, count)
    assert isinstance(stream, _Stream)  # the object streams: their counts asked
    counts = [_count(reply) for reply in replies]
    deletes = counts.pop() if _reads_deletes(stream) else None
    if stream.kind == "incremental":
        return _incremental(stream, counts, deletes, page_size)
    if stream.kind == "whole":
        estimate = Estimate(name, entity, "read whole (no count to ask)", None, None, 1)
    elif stream.kind == "dds":
        job = (stream.current.dds or {}).get("job")
        estimate = Estimate(name, entity, f"goes on with DDS job {job}", None, None, dds_cost() - 1)
    elif stream.kind == "first":
        assert total is not None
        # the deletes' count is the estimate's own question: before a first read of a
        # full-table object (a later run's) the run reads the deletes without asking
        asked = len(replies) - (1 if deletes is not None else 0)
        estimate = _first(stream, total, asked, starts)
    else:
        cost = sum(pages(n, stream.page_size) for n in counts)
        estimate = Estimate(name, entity, "resumes a stopped read", sum(counts), None, cost)
    if deletes is not None:  # read before the records, from the bookmark
        estimate.deletes = deletes
        estimate.transactions += pages(deletes, page_size)
    return estimate


def _first(stream: _Stream, total: int, planned: int, starts: list[int]) -> Estimate:
    """Planning questions, range boundaries, then every range's pages (in the stream's
    own: REST's where it reads through REST)."""
    name, entity = stream.result.object, stream.entity
    if total == 0:
        return Estimate(name, entity, "first read: empty", 0, None, planned)
    if _through_dds(stream):  # one job: runDdsJob and its polls, no range
        return Estimate(name, entity, "first read, 1 DDS job", total, None, planned + dds_cost())
    sizes = [b - a for a, b in zip([0, *starts], [*starts, total], strict=True)]
    cost = planned + len(starts) + sum(pages(n, stream.page_size) for n in sizes)
    what = f"first read, {len(sizes)} range{'s' if len(sizes) > 1 else ''}"
    return Estimate(name, entity, what, total, None, cost)


def _incremental(
    stream: _Stream, counts: list[int], deletes: int | None, page_size: int
) -> Estimate:
    """A later run (or a first one from ``start_date``): deletes, changes, records
    without WHENMODIFIED; a probed stream with nothing new costs its question only.
    Deletes and the window's listing are XML's pages, the records the stream's."""
    name, entity, size = stream.result.object, stream.entity, stream.page_size
    whole = counts.pop() if stream.reads_whole_on_change() else None
    changed = counts[0]
    nulls = counts[1] if not stream.current.nulls_done else 0
    window = 1 if stream.window is not None else 0  # the digest's first page (at least)
    # a window the sink keeps no version of is read again whole: each listing page's
    # records by RECORDNO, and the listing's pages after the first
    again = counts[-1] if _rereads_window(stream) else 0
    reread = 2 * pages(again, page_size) - 1 if again else 0
    if stream.probing():
        asked = 2 + window  # the probe: changed? deleted? (the window's first page)
        if not changed and not deletes and not again:
            return Estimate(name, entity, "nothing changed", 0, 0, asked)
        # a pass the probe counts empty is not read
        cost = asked + (pages(deletes, page_size) if deletes else 0)
        if changed and whole is not None:
            return _whole_again(stream, deletes, cost, whole)
        cost += reread + (_changes_cost(stream, changed) if changed else 0)
        what = _changes_read(stream) if changed else _AGAIN
        return Estimate(name, entity, what, changed + again, deletes, cost)
    cost = window + (pages(deletes, page_size) if deletes is not None else 0)
    if not stream.reads_changes():  # the audit trail named only its deletes: no pass
        changed = 0
    elif whole is not None:
        return _whole_again(stream, deletes, cost, whole)
    else:
        cost += _changes_cost(stream, changed)
    cost += reread
    cost += pages(nulls, size) if not stream.current.nulls_done else 0
    what = _changes_read(stream) if stream.current.token else "changes since start_date"
    return Estimate(name, entity, what, changed + nulls + again, deletes, cost)


def _changes_cost(stream: _Stream, changed: int) -> int:
    """The changes pass's API transactions: its pages, or a DDS change job's (the
    check, ``runDdsJob``, its polls) and the count the run asks to choose it where the
    audit trail did not count them."""
    asked = stream.dds.asked if stream.dds is not None else 0
    if stream.route.api == "dds":
        return asked + dds_change_cost()
    return asked + pages(changed, stream.page_size)


def _changes_read(stream: _Stream) -> str:
    if stream.route.api == "dds":
        return "changes since the last run, 1 DDS change job"
    return "changes since the last run"


def _whole_again(stream: _Stream, deletes: int | None, cost: int, whole: int) -> Estimate:
    """A changed object REST gives no change time: the newest change asked (the next
    bookmark), then every record read again by key (the window's with them)."""
    cost += 1 + pages(whole, stream.page_size)
    return Estimate(stream.result.object, stream.entity, _WHOLE, whole, deletes, cost)


#: a quiet run's read of an object REST gives no change time (:meth:`keeps_versions`)
_AGAIN = "the lookback window again (REST has no change time)"
#: a changed one's (:meth:`reads_whole_on_change`)
_WHOLE = "changed: read whole by key (REST has no change time)"


def _through_dds(stream: Stream) -> bool:
    return isinstance(stream, _Stream) and stream.route.api == "dds"


def _rereads_window(stream: _Stream) -> bool:
    return stream.window is not None and not stream.keeps_versions()


def _first_total(stream: Stream, replies: list[Answer]) -> int | None:
    if getattr(stream, "kind", "") != "first" or not replies:
        return None
    try:
        return _count(replies[0])
    except IntacctError:
        return None


def _count(reply: Answer) -> int:
    if isinstance(reply, IntacctError):
        raise reply
    data = reply.raise_for_error().data
    return (data.totalcount if data else None) or 0


def _reads_deletes(stream: _Stream) -> bool:
    """Whether its run reads deletes: not where the audit trail named it without one."""
    if stream.told and not stream.reads_deletes():
        return False
    return stream.current.deletes is not None and "deletes" not in stream.context.warned


def _count_nulls(stream: _Stream) -> fn.Query:
    after = PageToken.parse(stream.current.nulls).recordno if stream.current.nulls else 0
    where = q.and_(q.isnull(_MODIFIED), q.greaterthan("RECORDNO", after))
    return fn.Query(stream.result.object, ["RECORDNO"], filter=where, pagesize=1)


def _open_ranges(stream: _Stream) -> list[dict[str, int | None]]:
    return [r for r in stream.current.ranges or [] if not r["done"]]


def _count_range(stream: _Stream, bounds: dict[str, int | None]) -> fn.Query:
    parts = [q.greaterthanorequalto("RECORDNO", bounds["lo"] or 0)]
    if bounds["hi"] is not None:
        parts.append(q.lessthanorequalto("RECORDNO", bounds["hi"]))
    if bounds["after"]:
        parts.append(q.greaterthan("RECORDNO", bounds["after"]))
    where = q.and_(*parts) if len(parts) > 1 else parts[0]
    return fn.Query(stream.result.object, ["RECORDNO"], filter=where, pagesize=1)
