"""Counts and checksums of a company's data as the emulator holds it, so a replication
(a sync, a fleet of them) can prove its copy exact.

A checksum is the SHA-256 of the object's rows, each rendered as a JSON list of its
fields' canonical values (:func:`canonical`) in the order the fields are asked for, the
rows' lines sorted (so the order they were read in does not matter) and joined by
``\\n``. A copy computes the same from its own typed values with :func:`rows_checksum`.
Rows are the company's whole table, every entity's included.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from intacct.emulator.catalog import ObjectDef
from intacct.emulator.store import Store

__all__ = ["canonical", "company_checksums", "rows_checksum"]


def canonical(kind: str, value: Any) -> str | None:
    """One value, stored or typed (``Decimal``, ``datetime``, ``bool`` …), as text both
    sides agree on: empty is None; booleans ``true``/``false``; numbers without
    trailing zeros (``12.50`` → ``12.5``); dates ``YYYY-MM-DD``; timestamps
    ``YYYY-MM-DD HH:MM:SS`` (wall clock, no zone); anything else as its text."""
    if value is None or value == "":
        return None
    if kind == "boolean":
        if isinstance(value, str):
            return "true" if value.lower() in ("true", "t", "1") else "false"
        return "true" if value else "false"
    if kind in ("integer", "decimal"):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        return "0" if number == 0 else format(number.normalize(), "f")
    if kind == "date":
        return str(value)[:10]
    if kind == "timestamp":
        return str(value).replace("T", " ")[:19]
    return str(value)


def rows_checksum(kinds: Sequence[str], rows: Iterable[Sequence[Any]]) -> tuple[int, str]:
    """``(count, sha256)`` of ``rows``, each a sequence of values of the ``kinds``
    (catalog field types) in the same order."""
    lines = sorted(
        json.dumps([canonical(k, v) for k, v in zip(kinds, row, strict=True)], ensure_ascii=False)
        for row in rows
    )
    return len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()


def company_checksums(
    store: Store, company: str, objects: Sequence[str] = (), fields: Sequence[str] = ()
) -> dict[str, dict[str, Any]]:
    """``{OBJECT: {"count", "sha256", "fields"}}`` for ``objects`` (default: every
    object holding rows of ``company``); ``fields`` (default: all of the object's, in
    catalog order) only with one object. ValueError naming an unknown one."""
    if fields and len(objects) != 1:
        raise ValueError("fields can only be given with exactly one object")
    for name in objects:
        if name not in store.catalog:
            raise ValueError(f"no object {name!r}")
    chosen = [store.catalog[name] for name in objects] or list(store.catalog.values())
    result: dict[str, dict[str, Any]] = {}
    for obj in chosen:
        names = list(fields) or list(obj.field_names)
        kinds = [_kind(obj, name) for name in names]
        rows = store.records.stored(obj, company, names)
        if rows or objects:
            count, digest = rows_checksum(kinds, rows)
            result[obj.name] = {"count": count, "sha256": digest, "fields": names}
    return result


def _kind(obj: ObjectDef, name: str) -> str:
    found = obj.field(name)
    if found is None:
        raise ValueError(f"no field {name!r} on {obj.name}")
    return found.type
