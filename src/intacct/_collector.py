"""Python's cycle collector, tuned once for each of this package's executables.

Nearly all of a run's garbage is freed by reference counting; the collector only finds
cycles. At Python's default (a collection every 700 allocations, a full one every
100) it walked the whole heap (the REST catalog, every table's columns, dlt's schema)
again and again: 5.7% of ``intacct sync --objects all``'s CPU (perf, 2026-11-28), 1%
with these thresholds. What is loaded at start-up is frozen out of the walk too."""

from __future__ import annotations

import gc

__all__ = ["collect_less"]

#: allocations between young collections, and collections between older ones
THRESHOLDS = (20_000, 20, 20)


def collect_less() -> None:
    """Fewer collections from now on; what exists now is never walked again."""
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
