"""A company's XML object descriptions kept between runs: metadata once (issue 67).

``lookup`` answers bill nothing [U], but a run that looks up every object it syncs
sends a request per hundred of them, every run, for descriptions that hardly ever
change. :class:`~intacct.client.registry.ObjectRegistry` keeps them on disk, one JSON
file per company and gateway address in the folder its caller names (``intacct sync``:
the user's cache folder, ``lookups/``), and a run uses a kept description where it will
not read the object: the run looks up again the objects it reads (the registry's
``load(..., fresh=...)``: one the audit trail names, one due for verification, one read
the first time). So a custom field added becomes a column the next time its object is
read: a field is empty in every record when added, its first value is a change the
audit trail lists, and verification reads the object regardless.

A file that cannot be read or is of another format is no cache (looked up again and
rewritten); one that cannot be written is said once in the log, and the run goes on.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from pathlib import Path

from intacct.client.kept import write_whole
from intacct.client.metadata import ObjectModel

__all__ = ["LookupCache"]

log = logging.getLogger("intacct.client")

#: the file's format; another one is no cache
FORMAT = 1


class LookupCache:
    """The descriptions kept in ``path`` (None: nothing kept). Safe to share between
    threads."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._models = self._load()

    def get(self, name: str) -> ObjectModel | None:
        with self._lock:
            return self._models.get(name)

    def put(self, models: Mapping[str, ObjectModel]) -> None:
        """Keep ``models`` (by object name), written at once where any changed."""
        if self._path is None or not models:
            return
        with self._lock:
            changed = {n: m for n, m in models.items() if self._models.get(n) != m}
            if not changed:
                return
            self._models.update(changed)
            data = {n: m.to_data() for n, m in self._models.items()}
            self._save({"format": FORMAT, "objects": data})

    def _load(self) -> dict[str, ObjectModel]:
        if self._path is None:
            return {}
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                return {}
            return {str(n): ObjectModel.from_data(m) for n, m in data["objects"].items()}
        except (OSError, ValueError, KeyError, AttributeError, TypeError):
            return {}

    def _save(self, data: Mapping[str, object]) -> None:
        assert self._path is not None
        try:
            write_whole(self._path, json.dumps(data))
        except OSError as exc:  # no cache is slower, not wrong
            log.warning("the object description cache %s could not be written (%s)",
                        self._path, exc)  # fmt: skip
