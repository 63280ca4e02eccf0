"""The catalog both consumers of the engine share: which objects, which columns, which key.

The Singer tap (JSON schemas) and ``intacct sync`` (DuckDB tables) describe the same
records, so what they agree on lives here, below both:

* :func:`discover`: every object the user can look up (one ``inspect`` of ``*``, then
  ``lookup``s 100 to a request on ``max_concurrency`` threads of the same client); an
  object the user may not look up is left out with a warning, so one missing permission
  does not cost the whole catalog;
* :func:`columns`: the object's queryable fields (what the engine selects), in the
  object's order, each with its type (``integer``, ``decimal``, ``boolean``, ``date``,
  ``datetime``, ``multipick``, ``string``);
* :func:`key_properties`: the object's business id (``id_field``) when it has one, else
  RECORDNO, plus ``_entity_id`` (the same record read through two entities is two rows).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from intacct.client import MAX_FUNCTIONS
from intacct.errors import IntacctError
from intacct.metadata import FieldModel
from intacct.registry import ObjectInfo, ObjectRegistry
from intacct.replication.records import ENTITY_ID

__all__ = ["columns", "discover", "key_properties"]


def discover(
    registry: ObjectRegistry,
    max_concurrency: int,
    warn: Callable[[str], None],
) -> list[ObjectInfo]:
    """Every object the user can look up, in the gateway's order: 100 lookups per
    request, the requests on ``max_concurrency`` threads."""
    names = registry.objects()
    chunks = [names[start : start + MAX_FUNCTIONS] for start in range(0, len(names), MAX_FUNCTIONS)]
    failed: dict[str, IntacctError] = {}
    with ThreadPoolExecutor(max(1, max_concurrency), thread_name_prefix="intacct-lookup") as pool:
        for failures in pool.map(registry.load, chunks):
            failed.update(failures)
    for name, exc in failed.items():
        warn(f"{name} is left out of the catalog: {exc}")
    return [registry.get(name) for name in names if name not in failed]


def columns(info: ObjectInfo) -> list[FieldModel]:
    """The fields the engine reads for the object, in the object's order."""
    queryable = set(info.queryable_fields)
    return [f for f in info.model.fields if f.name in queryable]


def key_properties(info: ObjectInfo) -> list[str]:
    """Business id (else RECORDNO) and ``_entity_id``."""
    key = info.id_field or info.key_field
    return [key, ENTITY_ID] if key else []  # [U] no object without either is known
