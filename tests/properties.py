"""How many examples a property test draws: every one it asks for under ``--tier all``
(CI, the README's test command) or when its file is named on the command line, a quarter
of them in the inner loop (``pytest`` alone), so the quick loop stays quick and CI keeps
the full search. tests/conftest.py says which run this is."""

from __future__ import annotations

import os

#: set (by tests/conftest.py) when every example is to be drawn
FULL = "INTACCT_TEST_EVERY_EXAMPLE"


def examples(wanted: int) -> int:
    """``wanted`` examples in a full run, a quarter (at least 10) in the inner loop."""
    return wanted if os.environ.get(FULL) else max(10, wanted // 4)
