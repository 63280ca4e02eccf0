"""Discovery: the company's objects as Singer streams, with one API session.

One ``inspect`` of ``*`` lists the objects (standard ones, custom objects, user-defined
dimensions: whatever the company has), then their ``lookup``s go 100 to a request, the
requests on ``max_concurrency`` threads of the same client (the client's concurrency
limit is the company's). An object the user may not look up is left out with a warning, so one
missing permission does not cost the whole catalog.

A stream's schema is the object's queryable fields (what the engine selects) with:

* DECIMAL/CURRENCY/PERCENT as JSON **numbers**: the engine hands them over as
  :class:`~decimal.Decimal` and both singer-sdk writers print a Decimal's digits as they
  are (simplejson ``use_decimal``, msgspec ``decimal_format="number"``), so no amount is
  rounded through a float on the way out. A consumer that parses JSON numbers as floats
  rounds them itself; that is its choice, the message is exact;
* dates ``format: date``, timestamps ``format: date-time`` (ISO-8601 UTC with ``Z``),
  booleans, multi-picks as arrays of strings (as :meth:`FieldModel.json_schema` says);
* ``_entity_id`` (the entity session that read the record, null for the top level; the
  stream adds it) and ``_sdc_deleted_at`` (set on tombstones, null on records).

Key properties are the object's business id (``id_field``) when it has one, else
RECORDNO, plus ``_entity_id`` when several entities are read (``entity_ids``; the rule
is :mod:`intacct.replication.catalog`'s); the replication key is WHENMODIFIED where the
object has it.

Objects, their columns and key come from :mod:`intacct.replication.catalog` (``intacct
sync`` reads the same catalog).
"""

from __future__ import annotations

from typing import Any

from intacct.client.registry import ObjectInfo
from intacct.replication import DELETED_AT
from intacct.replication.catalog import columns, discover, key_properties

__all__ = ["discover", "key_properties", "stream_schema"]


def stream_schema(info: ObjectInfo) -> dict[str, Any]:
    """The Singer schema of the object's records (rules in the module docstring)."""
    properties: dict[str, Any] = {}
    for field in columns(info):
        schema = field.json_schema()
        if field.type == "decimal":
            schema["type"] = ["number", "null"]
            schema.pop("format", None)
        properties[field.name] = schema
    properties[DELETED_AT] = {
        "type": ["string", "null"],
        "format": "date-time",
        "description": "when the record was deleted (AUDITHISTORY); null for live records",
    }
    return {"type": "object", "properties": properties}
