"""Planning a first (or full-table) read: batched questions, and RECORDNO ranges whose
pages are full.

The gateway answers up to 100 functions in one request and a request's fixed cost is
most of a small answer's, so the engine asks every stream's planning questions together
(:func:`run_batched`): one request for all the objects' highest RECORDNO, count and
newest (WHENMODIFIED, RECORDNO), one more for the range boundaries. A boundary is the
RECORDNO at a multiple of the range size in RECORDNO order (``offset`` with
``pagesize`` 1), so every range but the last holds a whole number of full pages and
splitting an object costs no page the unsplit read would not have paid for.
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

__all__ = ["MAX_RANGES", "Answer", "boundary_offsets", "ranges_between", "run_batched"]

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


def boundary_offsets(total: int, page_size: int, per_range: int) -> list[int]:
    """Offsets (in RECORDNO order) where ranges after the first start: ranges of
    ``per_range`` full pages (more when that would make over :data:`MAX_RANGES`)."""
    pages = math.ceil(total / page_size)
    per_range = max(per_range, math.ceil(pages / MAX_RANGES), 1)
    step = per_range * page_size
    return list(range(step, total, step))


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
