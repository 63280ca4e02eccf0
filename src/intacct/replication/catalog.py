"""The catalog both consumers of the engine share: which objects, which columns, which key.

The Singer tap (JSON schemas) and ``intacct sync`` (DuckDB tables) describe the same
records, so what they agree on lives here, below both:

* :data:`DEFAULT_OBJECTS`: what is read unless the user asks for more (a plain ``intacct
  sync``, the tap's streams selected by default); every other object stays discoverable
  and selectable, since reading all of a company's 200-odd objects costs a transaction
  or more per object on every run;
* :func:`discover`: every object the user can look up (one ``inspect`` of ``*``, then
  ``lookup``s 100 to a request on ``max_concurrency`` threads of the same client); an
  object the user may not look up is left out with a warning, so one missing permission
  does not cost the whole catalog;
* :func:`columns`: the object's queryable fields (what the engine selects), in the
  object's order, each with its type (``integer``, ``decimal``, ``boolean``, ``date``,
  ``datetime``, ``multipick``, ``string``);
* :func:`key_properties`: the object's business id (``id_field``) when it has one, else
  RECORDNO, plus ``_entity_id`` where records come from several entity sessions (the same
  record read through two entities is two rows): :func:`entity_key`.

``_entity_id`` is the Location ID of the entity session that read a record. A key column
is never empty: loaders such as pipelinewise's target-postgres/-duckdb turn "" into NULL
and refuse it in a key. So a Singer stream read in one session (the top level, or the one
``entity_id``) is keyed by the object's own key and carries ``_entity_id`` as a plain
column (null at the top level); a read of several entities (``entity_ids``) adds it to the
key, where it is always an entity's id. ``intacct sync``'s tables always key on it, with
"" for the top level: one database file keeps every entity its runs have read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from intacct.client import MAX_FUNCTIONS
from intacct.client.metadata import FieldModel
from intacct.client.registry import ObjectInfo, ObjectRegistry
from intacct.errors import IntacctError
from intacct.replication.records.typed import ENTITY_ID
from intacct.replication.streams.trialbalance import TRIAL_BALANCE

__all__ = ["DEFAULT_OBJECTS", "columns", "discover", "entity_key", "key_properties"]

#: the accounting lists behind hotglue's unified tables (accounts, classes, bank accounts,
#: vendors, projects, departments, locations), customers, the AP/AR documents with their
#: lines, journal entries and the trial balance
DEFAULT_OBJECTS = (
    "GLACCOUNT", "CLASS", "CHECKINGACCOUNT", "VENDOR", "PROJECT", "DEPARTMENT", "LOCATION",
    "CUSTOMER", "APBILL", "APBILLITEM", "ARINVOICE", "ARINVOICEITEM", "GLBATCH", "GLENTRY",
    TRIAL_BALANCE,
)  # fmt: skip


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


def key_properties(info: ObjectInfo, *, several_entities: bool = True) -> list[str]:
    """Business id (else RECORDNO), with ``_entity_id`` where ``several_entities``."""
    key = info.id_field or info.key_field
    return entity_key([key] if key else [], several_entities)  # [U] none without either


def entity_key(keys: Iterable[str], several_entities: bool) -> list[str]:
    """A stream's own key, and ``_entity_id`` last where records come from several
    entity sessions (the rule in the module docstring)."""
    own = [k for k in keys if k != ENTITY_ID]
    return [*own, ENTITY_ID] if several_entities and own else own
