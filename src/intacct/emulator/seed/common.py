"""Row types and the small arithmetic every generator module shares.

The helpers are written for speed as much as clarity: the generator draws millions of
random numbers, and ``pick`` from one ``random()`` draw is much cheaper than
``Random.choice``. They must never change what they return, or every seed's data changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, TypeVar

__all__ = ["ONE", "ZERO", "Batch", "Row", "T", "money", "pick", "share", "split", "words"]

Row = dict[str, Any]
#: (company_id, entity location id or "", OBJECT, rows)
Batch = tuple[str, str, str, list[Row]]
T = TypeVar("T")

ZERO = Decimal("0.00")
#: every document is booked in its entity's own currency, so exchange rates are one
ONE = Decimal("1.000000")


def words(text: str) -> tuple[str, ...]:
    """A comma-separated word list as a tuple (keeps the name tables compact)."""
    return tuple(w.strip() for w in text.split(","))


def money(cents: int) -> Decimal:
    """Amounts are generated as whole cents, so sums balance exactly; rows carry decimals."""
    return Decimal(cents).scaleb(-2)


def pick(seq: Sequence[T], rnd: float) -> T:
    """``seq[random index]`` from one ``random()`` draw (cheaper than ``Random.choice``)."""
    return seq[int(rnd * len(seq))]


def split(total: int, shares: Sequence[float]) -> list[int]:
    """Split cents by shares; the last part takes the rounding so the sum is exact."""
    parts = [int(total * s) for s in shares[:-1]]
    return [*parts, total - sum(parts)]


def share(total: int, part: int, parts: int) -> int:
    """The ``part``-th of ``parts`` near-equal integer slices of ``total``."""
    return (part + 1) * total // parts - part * total // parts
