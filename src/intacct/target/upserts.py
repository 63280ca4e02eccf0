"""Upsert resolution: whether each item creates, updates or deletes, and under which
control id.

The ids of a wave's records (the object's id field, or RECORDNO for objects without one)
are looked up with one ``query`` per 100 ids (``ID in (...)``), up to 100 such queries
in one request, and cached for the run; a found record is updated, the others are
created. Records with ``_sdc_deleted_at`` are deleted by RECORDNO (looked up the same
way when only the id is given); one that is not there is ``already_applied``.

Control ids: a create of a keyless document (GLBATCH, APBILL... no id field to upsert
on) gets one derived from the stream, the record's ``_batch_id`` (empty if absent), its
content and its occurrence among identical records of this run, so running the same
input again is refused as a replay ("already applied") instead of posting it twice.
Every other write gets a fresh id (an update back to an earlier value must apply).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterable

from intacct.client import MAX_FUNCTIONS, IntacctClient
from intacct.client.metadata import ObjectModel
from intacct.client.registry import ObjectInfo
from intacct.protocol import functions as fn
from intacct.protocol import query as q
from intacct.target.checks import missing_required
from intacct.target.items import Item

__all__ = ["Resolver", "content_id"]

#: rows per upsert lookup query: 100 ids match 100 records unless an id repeats
_LOOKUP_PAGE = 2000
#: the field naming the entity a record belongs to (multi-entity companies)
_OWNER = "MEGAENTITYID"


class Resolver:
    """Decides each item's action and control id; its caches live for the run.

    ``reader`` looks records up; ``line_model`` gives a document's line model (None for
    other objects); ``top_level``: the writes go to the company's top level, where an
    entity's own record must be changed in that entity; ``xml_checked``: whether an
    object's creates must carry the XML model's required fields (not when the REST API
    writes it: its fields, and what it requires, are its own)."""

    def __init__(
        self,
        reader: IntacctClient,
        *,
        upsert: bool,
        legacy: bool,
        top_level: bool,
        line_model: Callable[[str], ObjectModel | None],
        xml_checked: Callable[[str], bool] = lambda name: True,
    ) -> None:
        self.reader = reader
        self.xml_checked = xml_checked
        self.upsert, self.legacy, self.top_level = upsert, legacy, top_level
        self.line_model = line_model
        self._recordnos: dict[tuple[str, str], int | None] = {}  # (object, id) -> RECORDNO
        self._owners: dict[tuple[str, str], str] = {}  # (object, id) -> owning entity
        self._seen: Counter[str] = Counter()  # content digests of keyless creates

    def resolve(self, items: list[Item], info: ObjectInfo) -> None:
        """Look the wave's ids up, then decide every item not yet settled."""
        pending = [i for i in items if i.outcome is None]
        by_id = [
            i
            for i in pending
            if i.id_value and i.id_field == info.id_field and (self.upsert or i.deleted)
        ]
        by_no = [
            i
            for i in pending
            if not i.id_value and i.recordno is not None and self.upsert and not i.deleted
        ]
        self._look_up(info, info.id_field, [i.id_value for i in by_id if i.id_value])
        self._look_up(info, "RECORDNO", [str(i.recordno) for i in by_no])
        for item in pending:
            self._decide(item, info)

    def applied(self, item: Item, recordno: int | None) -> None:
        """A write applied: a later record of the same id in this run updates it."""
        if item.id_value and item.id_field and recordno is not None:
            self._recordnos[(item.object, f"{item.id_field}={item.id_value}")] = recordno

    def _look_up(self, info: ObjectInfo, field: str | None, values: Iterable[str]) -> None:
        """RECORDNO of each value not cached yet: one ``query`` per 100 values
        (``field in (...)``), up to 100 such queries in one request."""
        if field is None:
            return
        cached = self._recordnos
        wanted = [v for v in dict.fromkeys(values) if (info.name, f"{field}={v}") not in cached]
        chunks = [wanted[i : i + fn.MAX_KEYS] for i in range(0, len(wanted), fn.MAX_KEYS)]
        select = sorted({"RECORDNO", field} | ({_OWNER} & {f.name for f in info.model.fields}))
        for start in range(0, len(chunks), MAX_FUNCTIONS):
            group = chunks[start : start + MAX_FUNCTIONS]
            queries = [
                fn.Query(
                    info.name,
                    select,
                    filter=q.in_(field, chunk),
                    pagesize=_LOOKUP_PAGE,
                    showprivate=True,  # entities' own records, seen from the top level
                )
                for chunk in group
            ]
            for chunk, result in zip(group, self.reader.execute(queries), strict=True):
                rows = result.raise_for_error().records
                if result.data is not None and result.data.numremaining:  # ids not unique
                    rows = list(
                        self.reader.iter_query(
                            info.name, select, filter=q.in_(field, chunk), showprivate=True
                        )
                    )
                found = {str(row.get(field, "")): row for row in rows}
                for value in chunk:
                    row = found.get(value)
                    key = (info.name, f"{field}={value}")
                    cached[key] = int(row["RECORDNO"]) if row else None
                    if row and row.get(_OWNER):
                        self._owners[key] = row[_OWNER]

    def _cached(self, info: ObjectInfo, item: Item) -> int | None:
        """The record's RECORDNO as looked up (None: not there); notes on ``item`` the
        entity that owns it when the client works at the top level: Intacct changes an
        entity's own record only in that entity."""
        if item.id_value and info.id_field:
            key = (info.name, f"{info.id_field}={item.id_value}")
        elif item.recordno is not None:
            key = (info.name, f"RECORDNO={item.recordno}")
        else:
            return None
        if self.top_level:
            item.entity = self._owners.get(key, "")
        return self._recordnos.get(key)

    def _decide(self, item: Item, info: ObjectInfo) -> None:
        if item.deleted:
            self._decide_delete(item, info)
            return
        existing = self._cached(info, item) if self.upsert else item.recordno
        if existing is not None:
            item.action, item.recordno = "update", existing
        else:
            item.action, item.recordno = "create", None
            if not (self.legacy or item.unified) and self.xml_checked(info.name):
                problem = missing_required(info.model, item.fields, self.line_model(info.name))
                if problem:
                    item.outcome = item.result(
                        "invalid", field=problem.field, description=problem.reason
                    )
                    return
        item.controlid = self._controlid(item)

    def _decide_delete(self, item: Item, info: ObjectInfo) -> None:
        item.action = "delete"
        if item.recordno is None and item.id_value:
            item.recordno = self._cached(info, item)
            if item.recordno is None:
                item.outcome = item.result(
                    "already_applied", description="no such record to delete"
                )
                return
        if item.recordno is None:
            item.outcome = item.result(
                "invalid",
                field="RECORDNO",
                description="a delete needs RECORDNO"
                + (f" or {info.id_field}" if info.id_field else ""),
            )
            return
        item.controlid = self._controlid(item)

    def _controlid(self, item: Item) -> str:
        if item.action != "create" or (item.id_field and item.id_value):
            return f"{item.action}-{uuid.uuid4().hex}"
        return content_id(self._seen, item.stream, [item.stream, item.batch_id, item.fields])


def content_id(seen: Counter[str], prefix: str, content: object) -> str:
    """A control id the same for the same input: ``content``'s digest and its occurrence
    among identical contents of this run (``seen``, the run's counts)."""
    text = json.dumps(content, sort_keys=True, default=str)
    digest = hashlib.sha256(text.encode()).hexdigest()
    seen[digest] += 1
    occurrence = hashlib.sha256(f"{digest}:{seen[digest]}".encode()).hexdigest()
    return f"{prefix}-{occurrence[:40]}"
