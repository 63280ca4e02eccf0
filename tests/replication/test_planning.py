"""How a first read's ranges are planned (``range_offsets``): every cut at a whole page,
at most MAX_RANGES ranges an object, and ranges that shrink so the biggest-first schedule
of them ends when the pages run out, not a long range later."""

from __future__ import annotations

import heapq
import itertools
import math

from hypothesis import given
from hypothesis import strategies as st

from intacct.replication.streams.planning import MAX_RANGES, range_offsets


def _ranges(totals: list[int], page_size: int, slots: int) -> list[int]:
    """Every planned range's pages, all objects together."""
    pages = []
    for total, offsets in zip(totals, range_offsets(totals, page_size, slots), strict=True):
        assert offsets == sorted(offsets) and len(offsets) < MAX_RANGES, (total, offsets)
        assert all(0 < o < total and o % page_size == 0 for o in offsets), (total, offsets)
        bounds = [0, *offsets, total] if total else []
        pages += [math.ceil((b - a) / page_size) for a, b in itertools.pairwise(bounds)]
    return pages


def _ends(ranges: list[int], slots: int) -> int:
    """When the last slot is done (in pages), the biggest ranges started first."""
    ends = [0] * slots
    for size in sorted(ranges, reverse=True):
        heapq.heappush(ends, heapq.heappop(ends) + size)
    return max(ends)


@given(
    st.lists(st.integers(0, 40), min_size=1, max_size=10),
    st.sampled_from([1, 7, 100, 2000]),
    st.integers(1, 8),
    st.integers(0, 6),
)
def test_ranges_are_whole_pages_and_end_with_the_pages(
    pages: list[int], page_size: int, slots: int, short: int
) -> None:
    totals = [max(0, n * page_size - short % page_size) for n in pages]
    ranges = _ranges(totals, page_size, slots)
    assert sum(ranges) == sum(math.ceil(t / page_size) for t in totals)
    assert _ends(ranges, slots) == math.ceil(sum(ranges) / slots)


def test_ten_objects_at_eight_slots_end_with_their_pages_for_a_few_more_questions() -> None:
    """The issue 18 load's shape: 179 pages of 10 objects. Ranges all of one size (4 a
    slot, as before) ended a page late (of 23, ~1.3 s at 2,000 records a page); these end
    on time for 40 boundary questions, not 25."""
    pages = [60, 40, 20, 20, 15, 10, 10, 2, 1, 1]
    totals = [n * 2000 - 700 for n in pages]
    ranges = _ranges(totals, 2000, 8)
    assert _ends(ranges, 8) == math.ceil(179 / 8)
    assert len(ranges) - len(pages) == 40
    before = _even(pages, per_range=math.ceil(179 / 32))
    assert (_ends(before, 8), len(before) - len(pages)) == (math.ceil(179 / 8) + 1, 25)


def _even(pages: list[int], per_range: int) -> list[int]:
    return [min(per_range, n - s) for n in pages for s in range(0, n, per_range)]


def test_an_object_is_cut_in_at_most_max_ranges() -> None:
    (offsets,) = range_offsets([5_000 * 100], 100, 16)  # 5,000 pages
    assert 32 < len(offsets) < MAX_RANGES
    assert range_offsets([0, 1, 99], 100, 8) == [[], [], []]
