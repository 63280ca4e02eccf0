"""A run's state in a JSON file (:class:`StateFile`), the first
:class:`~.contract.StateStore` kept apart from the data.

Saved after the destination committed a page: a crash between the two leaves the file
one page behind, and the next run reads that page again, which the destination's upsert
makes harmless. The file is replaced whole (a temporary file in the same directory,
flushed to disk, then renamed over it), so a crash while saving leaves the old state or
the new one, never half of either.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from intacct.replication.state.runstate import RunState, StateError

__all__ = ["StateFile"]


class StateFile:
    """The state at ``path`` (none yet when the file does not exist)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def load(self) -> RunState:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return RunState()
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise StateError(f"state file {self.path} is not JSON: {exc}") from None
        try:
            return RunState.from_dict(data)
        except StateError as exc:
            raise StateError(f"state file {self.path}: {exc}") from None

    def save(self, state: Mapping[str, Any]) -> None:
        """Replace the file with ``state`` (a :meth:`RunState.snapshot`), atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(state, out, sort_keys=True)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        _sync_directory(self.path.parent)


def _sync_directory(directory: Path) -> None:
    """The rename itself on disk (POSIX; elsewhere the rename is as durable as it gets)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
