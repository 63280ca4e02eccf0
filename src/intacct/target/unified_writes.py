"""Unified streams (hotglue's ``Accounts``, ``Vendors``, ``Bills``...) into Intacct.

A record goes through :func:`intacct.mappings.from_unified` into the Intacct object it
stands for, with its references (``vendorName``, ``lineItems[].accountNumber``...)
resolved by :class:`LookupReferences`; from there it is written like a record of a
generic object stream (upsert by business key or ``id``, deletes, batches, report).
A record the mapping refuses is ``invalid`` with the property it names (an unknown
reference lists its near matches); properties the write cannot carry are listed in
its report line as ``ignored``.
"""

from __future__ import annotations

import threading
from collections.abc import Collection

from intacct.client import IntacctClient
from intacct.mappings import REFERENCE_KINDS, CachedReferences, Referenced
from intacct.mappings.references import By

__all__ = ["LookupReferences"]


class LookupReferences:
    """:class:`~intacct.mappings.References` read from Intacct: a kind's records
    (RECORDNO, id, name) are read once, with one paged query per object, the first time
    a record refers to that kind (entities' own records included), and kept for the run.
    :meth:`forget` drops a kind after the run wrote one of its objects (a bill may name a
    vendor created earlier)."""

    def __init__(self, client: IntacctClient) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._cache: dict[str, CachedReferences] = {}

    def find(self, kind: str, by: By, value: str) -> Referenced | None:
        return self._kind(kind).find(kind, by, value)

    def known(self, kind: str) -> Collection[str]:
        return self._kind(kind).known(kind)

    def forget(self, obj: str) -> None:
        with self._lock:
            for kind, spec in REFERENCE_KINDS.items():
                if obj in spec.objects:
                    self._cache.pop(kind, None)

    def _kind(self, kind: str) -> CachedReferences:
        with self._lock:
            cached = self._cache.get(kind)
            if cached is None:
                spec = REFERENCE_KINDS[kind]
                select = sorted({"RECORDNO", spec.id_field, spec.name_field})
                found = [
                    dict(row)
                    for obj in spec.objects
                    for row in self._client.iter_query(obj, select, showprivate=True)
                ]
                cached = self._cache[kind] = CachedReferences({kind: found})
            return cached
