"""A Singer record on its way to Intacct: an :class:`Item` made from the record and
checked locally (:mod:`.checks`), before any request; a bad record gets its outcome
(``invalid``) here and is never sent."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from intacct.client.registry import ObjectInfo
from intacct.errors import GatewayError, IntacctError
from intacct.mappings import UnifiedRecordError, from_unified, mapping_for
from intacct.protocol import functions as fn
from intacct.target.checks import RecordCheckError, prepare
from intacct.target.report import Outcome
from intacct.target.unified_writes import LookupReferences

__all__ = ["BATCH_ID", "DELETED_AT", "Item", "item_for", "unified_item", "unknown_object", "waves"]

DELETED_AT = "_sdc_deleted_at"
#: a record property naming the input batch: part of a keyless document's control id
BATCH_ID = "_batch_id"


@dataclass(slots=True)
class Item:
    """One input record on its way: what to write and, once known, how."""

    stream: str
    index: int
    object: str
    fields: dict[str, Any]
    deleted: bool = False
    batch_id: str = ""
    ignored: tuple[str, ...] = ()
    id_field: str | None = None
    id_value: str | None = None
    recordno: int | None = None
    action: str = "create"
    controlid: str = ""
    outcome: Outcome | None = field(default=None)
    unified: bool = False  # checked by the mapping, not against the object's lookup
    function: fn.Function | None = None  # what writes it, once decided
    body: dict[str, Any] | None = None  # what writes it through the REST API, once decided
    entity: str = ""  # the entity owning the record, when not the client's own

    @property
    def key(self) -> str:
        if self.id_field and self.id_value:
            return f"{self.id_field}={self.id_value}"
        if self.recordno is not None:
            return f"RECORDNO={self.recordno}"
        return f"#{self.index}"

    def result(self, status: str, **details: Any) -> Outcome:
        return Outcome(
            self.stream,
            self.index,
            self.key,
            self.action,
            status,
            controlid=self.controlid or None,
            ignored=self.ignored,
            **details,
        )


def item_for(
    info: ObjectInfo,
    line_info: ObjectInfo | None,
    index: int,
    record: Mapping[str, Any],
    *,
    legacy: bool,
    writable: Callable[[str, str], bool] | None = None,
) -> Item:
    """The item of a record of an object stream, its fields checked against the
    object's model (DTD 2.1 writes are checked by the gateway only); ``writable``:
    which fields the API that writes it can write, where not the model's."""
    stream = info.name
    data = {k: v for k, v in record.items() if not k.startswith("_")}
    item = Item(
        stream,
        index,
        stream,
        data,
        deleted=record.get(DELETED_AT) not in (None, ""),
        batch_id=str(record.get(BATCH_ID) or ""),
        id_field=info.id_field,
    )
    item.action = "delete" if item.deleted else "create"
    try:
        item.recordno = _recordno(data.pop("RECORDNO", None))
        item.id_value = _id_value(data, info.id_field, legacy)
        if not (legacy or item.deleted):
            line_model = line_info.model if line_info else None
            fields, ignored = prepare(info.model, data, line_model, writable)
            if not fields:
                raise RecordCheckError(
                    ", ".join(ignored) or stream, f"nothing to write: no writable {stream} field"
                )
            item.fields, item.ignored = fields, tuple(ignored)
    except RecordCheckError as problem:
        item.outcome = item.result("invalid", field=problem.field, description=problem.reason)
    return item


def unified_item(
    stream: str, index: int, record: Mapping[str, Any], references: LookupReferences
) -> Item:
    """The item of a record of a unified stream, mapped to the object it stands for."""
    mapping = mapping_for(stream)
    item = Item(
        stream,
        index,
        mapping.object,
        {},
        deleted=record.get(DELETED_AT) not in (None, ""),
        batch_id=str(record.get(BATCH_ID) or ""),
        unified=True,
    )
    item.action = "delete" if item.deleted else "create"
    data = {k: v for k, v in record.items() if k != BATCH_ID}
    try:
        write = from_unified(stream, data, references)
    except UnifiedRecordError as problem:
        item.outcome = item.result("invalid", field=problem.field, description=problem.problem)
        return item
    item.object, item.fields, item.recordno = write.object, write.fields, write.recordno
    item.ignored = write.ignored
    if write.key is not None:
        item.id_field, item.id_value = write.key
    return item


def waves(items: list[Item]) -> list[list[Item]]:
    """Consecutive groups in which no id (or RECORDNO) repeats: the second of two records
    of one id must see what the first did."""
    groups: list[list[Item]] = [[]]
    keys: set[str] = set()
    for item in items:
        key = item.key if not item.key.startswith("#") else ""
        if key and key in keys:
            groups.append([])
            keys = set()
        if key:
            keys.add(key)
        groups[-1].append(item)
    return [g for g in groups if g]


def unknown_object(
    stream: str, index: int, record: Mapping[str, Any], exc: IntacctError
) -> Outcome:
    """The outcome of a record whose object could not be described."""
    base = Outcome(
        stream, index, f"#{index}", "delete" if record.get(DELETED_AT) else "write", "failed"
    )
    if isinstance(exc, GatewayError):
        return Outcome.from_error(base, exc)
    return replace(base, description=str(exc))


def _recordno(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not str(value).strip().isdigit():
        raise RecordCheckError("RECORDNO", f"expected a record number, got {value!r}")
    return int(str(value).strip())


def _id_value(data: Mapping[str, Any], id_field: str | None, legacy: bool) -> str | None:
    if id_field is None:
        return None
    value = data.get(id_field, data.get(id_field.lower()) if legacy else None)
    if value in (None, ""):
        return None
    if isinstance(value, Mapping | list):
        raise RecordCheckError(id_field, "expected a single value")
    return str(value)
