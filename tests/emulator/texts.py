"""Error texts as tests compare them: the gateway ends a 3.0 function's error in a fresh
``[Support ID: …]`` per answer, so tests compare what comes before it."""

from __future__ import annotations

import re

_SUPPORT_ID = re.compile(r" \[Support ID: [^\]]*\]$")


def bare(description: str | None) -> str:
    """``description`` without its trailing Support ID (which must be the only one)."""
    text = description or ""
    assert text.count("[Support ID:") <= 1, text
    return _SUPPORT_ID.sub("", text)
