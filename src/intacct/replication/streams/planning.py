"""Planning a first (or full-table) read: batched questions, and RECORDNO ranges whose
pages are full.

The gateway answers up to 100 functions in one request and a request's fixed cost is
most of a small answer's, so the engine asks every stream's planning questions together
(:func:`run_batched`): one request for all the objects' highest RECORDNO, count and
newest (WHENMODIFIED, RECORDNO), one more for the range boundaries. A boundary is the
RECORDNO at a multiple of the page size in RECORDNO order (``offset`` with ``pagesize``
1), so every range but an object's last holds a whole number of full pages and
splitting an object costs no page the unsplit read would not have paid for.

The ranges of all the objects are planned together and shrink as the plan goes on
(:func:`range_offsets`), so the biggest-first schedule ends with one-page ranges on
every request slot rather than one slot reading a long range alone.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

from intacct.client import MAX_FUNCTIONS
from intacct.errors import IntacctError
from intacct.protocol import functions as fn
from intacct.protocol import query as q
from intacct.protocol.response import Result

if TYPE_CHECKING:
    from intacct.client import IntacctClient

__all__ = ["MAX_RANGES", "Answer", "range_offsets", "ranges_between", "run_batched"]

#: a stream's ranges live in its state, written after every page: keep it small
MAX_RANGES = 64
#: a function's answer, or the error of the request that carried it
Answer = Result | IntacctError
_BY_RECORDNO = (q.Order("RECORDNO"),)


def run_batched(
    pool: Executor, asks: Sequence[tuple[IntacctClient, Sequence[fn.Function]]]
) -> list[list[Answer]]:
    """Each ask's functions answered in order, sent up to 100 per request per client
    (entity sessions are separate clients), the requests run on ``pool``."""
    chunks: list[tuple[IntacctClient, list[tuple[int, fn.Function]]]] = []
    for client in {id(c): c for c, _ in asks}.values():
        mine = [(i, f) for i, (c, fs) in enumerate(asks) if c is client for f in fs]
        starts = range(0, len(mine), MAX_FUNCTIONS)
        chunks += [(client, mine[s : s + MAX_FUNCTIONS]) for s in starts]
    answers: list[list[Answer]] = [[] for _ in asks]
    for (_, chunk), replies in zip(chunks, pool.map(_send, chunks), strict=True):
        for (index, _), reply in zip(chunk, replies, strict=True):
            answers[index].append(reply)
    return answers


def _send(chunk: tuple[IntacctClient, list[tuple[int, fn.Function]]]) -> list[Answer]:
    client, calls = chunk
    try:
        return list(client.execute([f for _, f in calls]))
    except IntacctError as exc:  # the request failed: so did each function in it
        return [exc] * len(calls)


def range_offsets(
    totals: Sequence[int], page_sizes: int | Sequence[int], slots: int
) -> list[list[int]]:
    """For each object of ``totals`` records, the offsets (in RECORDNO order) where its
    ranges after the first start, planned for ``slots`` requests in flight, in pages of
    its ``page_sizes`` (one for all, or each its own: a read through REST pages in
    its own).

    Guided self-scheduling: the pages of all the objects are cut into ranges of about
    1/(2 x slots) of the pages still unplanned, so the ranges shrink to one page; the
    biggest objects take the big ranges. A range that does not fit what is left of its
    object goes on in the next. Read biggest first, every slot ends on short ranges, so
    none reads on alone for long at the end (ranges all of one size, as before, left a
    last round of long ones on some slots: ~1.1 x the ideal time at 8 slots, against
    ~1.01 now, for ~15 more boundary questions on 179 pages). An object is cut in
    :data:`MAX_RANGES` at most: the smallest range grows until it is.
    """
    if isinstance(page_sizes, int):
        page_sizes = [page_sizes] * len(totals)
    pages = [math.ceil(t / size) for t, size in zip(totals, page_sizes, strict=True)]
    least = 1
    while True:
        sizes = _shrinking(sum(pages), 2 * max(slots, 1), least)
        cuts = _carve(pages, sizes)
        if all(len(starts) < MAX_RANGES for starts in cuts):
            return [
                [start * size for start in starts]
                for starts, size in zip(cuts, page_sizes, strict=True)
            ]
        least *= 2


def _shrinking(pages: int, divisor: int, least: int) -> list[int]:
    """Range sizes in pages: each ``1/divisor`` of the pages left, at least ``least``."""
    sizes = []
    while pages > 0:
        size = min(pages, max(least, math.ceil(pages / divisor)))
        sizes.append(size)
        pages -= size
    return sizes


def _carve(pages: Sequence[int], sizes: Sequence[int]) -> list[list[int]]:
    """Each object's range starts (in pages), the sizes handed out biggest object first."""
    cuts: list[list[int]] = [[] for _ in pages]
    queue = iter(sizes)
    carried = 0
    for index in sorted(range(len(pages)), key=lambda i: -pages[i]):
        used = 0
        while used < pages[index]:
            size = carried or next(queue)
            taken = min(size, pages[index] - used)
            carried, used = size - taken, used + taken
            if used < pages[index]:
                cuts[index].append(used)
    return cuts


def boundary_query(object: str, offset: int) -> fn.Query:
    return fn.Query(object, ["RECORDNO"], orderby=_BY_RECORDNO, pagesize=1, offset=offset)


def ranges_between(starts: Sequence[int]) -> list[dict[str, Any]]:
    """Ranges covering every RECORDNO: up to the first start, between starts, and an
    open last one (records added during the run land there)."""
    bounds = [0, *sorted(set(starts) - {0})]
    ranges = [
        {"lo": lo, "hi": nxt - 1, "after": None, "done": False}
        for lo, nxt in itertools.pairwise(bounds)
    ]
    ranges.append({"lo": bounds[-1], "hi": None, "after": None, "done": False})
    return ranges
