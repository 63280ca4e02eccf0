"""Per-record results: one JSON line per input record, and a summary for stderr.

Every record the target reads gets exactly one line, whatever happened to it:

* ``applied`` — written now (``recordno`` is Intacct's RECORDNO when it said);
* ``already_applied`` — an earlier run (or an earlier attempt of this send) wrote it:
  the gateway refused its control id as a replay, or a delete found nothing to delete;
* ``invalid`` — refused before sending by a local check (``field`` and ``description``
  say which field and why);
* ``failed`` — Intacct refused it (``errorno``, ``description``, ``correction``), or its
  answer was lost and could not be resolved;
* ``rolled_back`` — ``transaction=true`` and another record of its batch failed.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import IO, Any

from intacct.errors import GatewayError

__all__ = ["FAILED_STATUSES", "Outcome", "Report"]

FAILED_STATUSES = frozenset({"invalid", "failed", "rolled_back"})


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one input record (``index``: its position in its stream)."""

    stream: str
    index: int
    key: str
    action: str
    status: str
    recordno: int | None = None
    errorno: str | None = None
    description: str | None = None
    correction: str | None = None
    field: str | None = None
    controlid: str | None = None
    ignored: tuple[str, ...] = ()

    @classmethod
    def from_error(cls, base: Outcome, error: GatewayError, status: str = "failed") -> Outcome:
        """``base`` with the gateway's first error: number, description, correction."""
        first = error.errors[0] if error.errors else None
        description = first and (first.description2 or first.description)
        return replace(
            base,
            status=status,
            errorno=error.errorno,
            description=(description or str(error)).strip(),
            correction=(first.correction or None) if first else None,
        )

    def line(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if v not in (None, ())}
        if self.ignored:
            out["ignored"] = list(self.ignored)
        return out


class Report:
    """The JSONL report at ``path`` and the counts behind the summary; thread-safe."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] = self.path.open("w", encoding="utf-8")
        self._lock = threading.Lock()
        self.counts: Counter[tuple[str, str, str]] = Counter()

    def add(self, outcome: Outcome) -> None:
        text = json.dumps(outcome.line(), ensure_ascii=False, default=str)
        with self._lock:
            self._file.write(text + "\n")
            self.counts[(outcome.stream, outcome.action, outcome.status)] += 1

    @property
    def failed(self) -> int:
        return sum(n for (_, _, status), n in self.counts.items() if status in FAILED_STATUSES)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        """One line per stream and action with its counts, then the totals."""
        by_stream: dict[tuple[str, str], Counter[str]] = {}
        for (stream, action, status), count in sorted(self.counts.items()):
            by_stream.setdefault((stream, action), Counter())[status] += count
        lines = [
            f"{stream} {action}: " + ", ".join(f"{n} {s}" for s, n in sorted(c.items()))
            for (stream, action), c in by_stream.items()
        ]
        lines.append(f"{self.total} records, {self.failed} not written; report: {self.path}")
        return "\n".join(lines)

    def close(self) -> None:
        with self._lock:
            self._file.close()
