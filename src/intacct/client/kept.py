"""Files a client keeps between runs (its caches), each written whole: a reader, or a
run killed while writing, finds the old file or the new one, never half of either."""

from __future__ import annotations

import os
import threading
from pathlib import Path

__all__ = ["write_whole"]


def write_whole(path: Path, text: str) -> None:
    """``text`` into ``path`` (its folder made), replacing it at once; OSError if not."""
    path.parent.mkdir(parents=True, exist_ok=True)
    spare = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    spare.write_text(text, encoding="utf-8")
    os.replace(spare, path)
