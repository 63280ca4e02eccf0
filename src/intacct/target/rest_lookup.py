"""Records of a REST object found by a field's value (an id, a key) in the company written
to, for the target's upserts and deletes of the objects only REST has
(:mod:`.rest_only_writes`): the query service, ``field $in (...)``, one query per up to
100 values, each value asked once per run."""

from __future__ import annotations

from collections.abc import Iterable

from intacct.client import IntacctClient

__all__ = ["KeyLookup"]

#: values per lookup query (the query service's ``$in``)
_LOOKUP_CHUNK = 100


class KeyLookup:
    """A REST object's records' keys by a field's value, through the query service:
    one query per up to 100 values, each value asked once per run."""

    def __init__(self, client: IntacctClient) -> None:
        self.client = client
        self._keys: dict[tuple[str, str, str], str | None] = {}

    def look_up(self, path: str, field: str, values: Iterable[str]) -> None:
        wanted = [v for v in dict.fromkeys(values) if (path, field, v) not in self._keys]
        for start in range(0, len(wanted), _LOOKUP_CHUNK):
            chunk = wanted[start : start + _LOOKUP_CHUNK]
            answer = self.client.rest.query(
                path, ["key", field], filters=[{"$in": {field: chunk}}], size=len(chunk)
            )
            rows = answer.result if isinstance(answer.result, list) else []
            found = {str(row.get(field)): str(row.get("key")) for row in rows}
            for value in chunk:
                self._keys[(path, field, value)] = found.get(value)

    def key(self, path: str, field: str, value: str) -> str | None:
        return self._keys.get((path, field, value))

    def note(self, path: str, field: str, value: str, key: str | None) -> None:
        """A record written now (``key`` None: deleted): a later record of the same
        value sees it."""
        self._keys[(path, field, value)] = key
