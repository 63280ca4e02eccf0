"""Writing one stream's records: local checks, upsert lookups, batched idempotent sends.

For a batch of records of one stream (:meth:`ObjectWriter.write`):

1. Each record is checked locally (:mod:`.checks`); a bad one gets an ``invalid`` line.
2. Upsert lookups: the ids of the batch's records (the object's id field, or RECORDNO
   for objects without one) are looked up with one ``query`` per 100 ids
   (``ID in (...)``), the batch's queries in one request, and cached for the run; a
   found record is updated, the others are
   created. Records with ``_sdc_deleted_at`` are deleted by RECORDNO (looked up the same
   way when only the id is given); one that is not there is ``already_applied``.
3. Up to ``batch_size`` functions go in one request, ``max_concurrency`` requests at a
   time. Every request carries ``uniqueid=true`` and control ids chosen here, so a
   replay is refused by the gateway instead of applied twice.

Control ids: a create of a keyless document (GLBATCH, APBILL... no id field to upsert
on) gets one derived from the stream, the record's ``_batch_id`` (empty if absent), its
content and its occurrence among identical records of this run, so running the same
input again is refused as a replay ("already applied") instead of posting it twice.
Every other write gets a fresh id (an update back to an earlier value must apply).

An ambiguous failure (the answer to a write lost: a timeout, a 524, a dropped
connection) is replayed with the very same control ids, which cannot apply anything
twice; after :data:`REPLAYS` replays the records are reported ``failed`` with the
control id, and a re-run of the same input stays safe.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from intacct.client import MAX_FUNCTIONS, IntacctClient
from intacct.errors import (
    AlreadyAppliedError,
    GatewayError,
    IntacctError,
    NotFoundError,
    RequestBuildError,
    TransactionAbortedError,
    TransportError,
)
from intacct.mappings import UnifiedRecordError, from_unified, mapping_for
from intacct.metadata import ObjectModel
from intacct.protocol import functions as fn
from intacct.protocol import query as q
from intacct.protocol.classify import error_for_result
from intacct.protocol.response import Result
from intacct.registry import ObjectInfo, ObjectRegistry
from intacct.target.checks import LINES, RecordCheckError, missing_required, prepare
from intacct.target.report import Outcome, Report
from intacct.target.settings import WriteOptions
from intacct.target.unified import LookupReferences

__all__ = ["BATCH_ID", "DELETED_AT", "LEGACY_NAMES", "REPLAYS", "Item", "ObjectWriter"]

DELETED_AT = "_sdc_deleted_at"
#: a record property naming the input batch: part of a keyless document's control id
BATCH_ID = "_batch_id"
#: replays of a request whose answer was lost, with the same control ids
REPLAYS = 3
#: rows per upsert lookup query: 100 ids match 100 records unless an id repeats
_LOOKUP_PAGE = 2000
#: the field naming the entity a record belongs to (multi-entity companies)
_OWNER = "MEGAENTITYID"
#: DTD 2.1 function names that are not the 3.0 object's (create_bill writes APBILL)
LEGACY_NAMES = {
    "APBILL": "BILL",
    "ARINVOICE": "INVOICE",
    "GLBATCH": "GLTRANSACTION",
    "GLJOURNAL": "JOURNAL",
    "STATACCOUNT": "STATGLACCOUNT",
    "SODOCUMENT": "SOTRANSACTION",
    "PODOCUMENT": "POTRANSACTION",
    "INVDOCUMENT": "ICTRANSACTION",
    "EEXPENSES": "EXPENSEREPORT",
}


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
    function: fn.Function | None = None
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


class ObjectWriter:
    """Writes records of generic object streams for one run (caches live for the run).

    ``client`` sends the writes; ``reader`` (a DTD 3.0 client of the same company,
    the same one unless writes use DTD 2.1) describes objects and looks records up.
    """

    def __init__(
        self,
        client: IntacctClient,
        options: WriteOptions,
        report: Report,
        *,
        reader: IntacctClient | None = None,
    ) -> None:
        self.client = client
        self.reader = reader or client
        self.options = options
        self.report = report
        self.registry = ObjectRegistry(self.reader)
        self.legacy = client.config.dtd_version == "2.1"
        self.references = LookupReferences(self.reader)
        self._recordnos: dict[tuple[str, str], int | None] = {}  # (object, id) -> RECORDNO
        self._owners: dict[tuple[str, str], str] = {}  # (object, id) -> owning entity
        self._entity_clients: dict[str, IntacctClient] = {"": client}
        self._entity_lock = threading.Lock()
        self._seen: Counter[str] = Counter()  # content digests of keyless creates

    # -- the stream's records ---------------------------------------------------------

    def write(self, stream: str, records: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
        """Check, resolve and send ``(index, record)`` pairs of ``stream`` (an object)."""
        try:
            info = self.registry.get(stream)
            line_info = self._line_info(stream)
        except IntacctError as exc:
            for index, record in records:
                self.report.add(_unknown_object(stream, index, record, exc))
            return
        items = [self._item(stream, info, line_info, index, record) for index, record in records]
        self.send(items, info)

    def write_unified(self, stream: str, records: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
        """As :meth:`write`, for a unified stream (:mod:`.unified`): each record mapped
        to the Intacct object it stands for, then written by object."""
        by_object: dict[str, list[Item]] = {}
        for index, record in records:
            item = self._unified_item(stream, index, record)
            by_object.setdefault(item.object, []).append(item)
        for obj, items in by_object.items():
            try:
                info = self.registry.get(obj)
            except IntacctError as exc:
                for item in items:
                    self.report.add(_unknown_object(stream, item.index, {}, exc))
                continue
            self.send(items, info)
            self.references.forget(obj)

    def _unified_item(self, stream: str, index: int, record: Mapping[str, Any]) -> Item:
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
            write = from_unified(stream, data, self.references)
        except UnifiedRecordError as problem:
            item.outcome = item.result("invalid", field=problem.field, description=problem.problem)
            return item
        item.object, item.fields, item.recordno = write.object, write.fields, write.recordno
        item.ignored = write.ignored
        if write.key is not None:
            item.id_field, item.id_value = write.key
        return item

    def send(self, items: list[Item], info: ObjectInfo) -> None:
        """Resolve (upsert lookups), then send the items not yet decided, in waves
        without a repeated key (the second of two records of one id must see the first)."""
        for wave in _waves(items):
            self._resolve(wave, info)
            self._dispatch(wave)

    def _line_info(self, stream: str) -> ObjectInfo | None:
        spec = LINES.get(stream)
        return self.registry.get(spec.object) if spec and not self.legacy else None

    def _line_model(self, stream: str) -> ObjectModel | None:
        line = self._line_info(stream)
        return line.model if line else None

    def _item(
        self,
        stream: str,
        info: ObjectInfo,
        line_info: ObjectInfo | None,
        index: int,
        record: Mapping[str, Any],
    ) -> Item:
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
            item.id_value = _id_value(data, info.id_field, self.legacy)
            if not (self.legacy or item.deleted):
                line_model = line_info.model if line_info else None
                fields, ignored = prepare(info.model, data, line_model)
                if not fields:
                    raise RecordCheckError(
                        ", ".join(ignored) or stream,
                        f"nothing to write: no writable {stream} field",
                    )
                item.fields, item.ignored = fields, tuple(ignored)
        except RecordCheckError as problem:
            item.outcome = _invalid(item, problem)
        return item

    # -- upsert lookups ---------------------------------------------------------------

    def _resolve(self, items: list[Item], info: ObjectInfo) -> None:
        pending = [i for i in items if i.outcome is None]
        by_id = [
            i
            for i in pending
            if i.id_value and i.id_field == info.id_field and (self.options.upsert or i.deleted)
        ]
        by_no = [
            i
            for i in pending
            if not i.id_value and i.recordno is not None and self.options.upsert and not i.deleted
        ]
        self._look_up(info, info.id_field, [i.id_value for i in by_id if i.id_value])
        self._look_up(info, "RECORDNO", [str(i.recordno) for i in by_no])
        for item in pending:
            self._decide(item, info)
            if item.outcome is None:
                try:  # every value is put on the wire now: a bad one is this record's
                    item.function = self._function(item)
                except RequestBuildError as exc:
                    item.outcome = item.result("invalid", field=exc.field, description=exc.problem)

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
        if not self.client.config.entity_id:
            item.entity = self._owners.get(key, "")
        return self._recordnos.get(key)

    def _decide(self, item: Item, info: ObjectInfo) -> None:
        if item.deleted:
            self._decide_delete(item, info)
            return
        existing = self._cached(info, item) if self.options.upsert else item.recordno
        if existing is not None:
            item.action, item.recordno = "update", existing
        else:
            item.action, item.recordno = "create", None
            if not (self.legacy or item.unified):
                line_model = self._line_model(info.name)
                problem = missing_required(info.model, item.fields, line_model)
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
        content = json.dumps([item.stream, item.batch_id, item.fields], sort_keys=True, default=str)
        digest = hashlib.sha256(content.encode()).hexdigest()
        self._seen[digest] += 1
        occurrence = hashlib.sha256(f"{digest}:{self._seen[digest]}".encode()).hexdigest()
        return f"{item.stream}-{occurrence[:40]}"

    # -- sending ----------------------------------------------------------------------

    def _dispatch(self, items: list[Item]) -> None:
        size = self.options.batch_size
        if not self.options.transaction:  # in a transaction, the request reports them
            for item in items:
                if item.outcome is not None:
                    self.report.add(item.outcome)
            items = [i for i in items if i.outcome is None]
        chunks = []
        for entity in dict.fromkeys(i.entity for i in items):  # one entity per request
            same = [i for i in items if i.entity == entity]
            chunks += [same[i : i + size] for i in range(0, len(same), size)]
        workers = max(1, min(self.client.config.max_concurrency, len(chunks)))
        if workers == 1:
            for chunk in chunks:
                self._send_chunk(chunk)
            return
        with ThreadPoolExecutor(workers, thread_name_prefix="target-send") as pool:
            list(pool.map(self._send_chunk, chunks))

    def _send_chunk(self, chunk: list[Item]) -> None:
        """Send the undecided items of ``chunk`` in one request; in a transaction, also
        report the decided ones, and send nothing when one of them is invalid."""
        ready = [i for i in chunk if i.outcome is None]
        settled = [i.outcome for i in chunk if i.outcome is not None]
        bad = next((o for o in settled if o.status == "invalid"), None)
        if self.options.transaction:
            for outcome in settled:
                self.report.add(outcome)
            if bad is not None:
                reason = f"not sent: record #{bad.index} of this transaction is invalid"
                for item in ready:
                    self.report.add(item.result("rolled_back", description=reason))
                return
        if not ready:
            return
        calls = [(i.controlid, i.function) for i in ready if i.function is not None]
        results = self._execute(self._client_for(ready[0].entity), ready, calls)
        for item, result in zip(ready, results or [], strict=False):
            self.report.add(self._outcome(item, result))

    def _client_for(self, entity: str) -> IntacctClient:
        with self._entity_lock:
            if entity not in self._entity_clients:
                self._entity_clients[entity] = self.client.for_entity(entity)
            return self._entity_clients[entity]

    def _execute(
        self, client: IntacctClient, items: list[Item], calls: list[tuple[str, fn.Function]]
    ) -> list[Result] | None:
        """The request's results; replays (same control ids) when its answer was lost;
        None when every item was reported failed."""
        transaction = True if self.options.transaction else None
        error: IntacctError | None = None
        for _ in range(1 + REPLAYS):
            try:
                return client.execute(calls, transaction=transaction)
            except TransportError as exc:  # lost or unreadable answer: replay, same ids
                error = exc
            except IntacctError as exc:  # refused as a whole (sign-in, permission, ...)
                error = exc
                break
        for item in items:
            if isinstance(error, GatewayError):
                self.report.add(Outcome.from_error(item.result("failed"), error))
            else:
                self.report.add(
                    item.result(
                        "failed",
                        description=f"no answer after {REPLAYS} replays under the same control "
                        f"ids ({error}); nothing can have been applied twice: run the same "
                        "input again to finish",
                    )
                )
        return None

    def _function(self, item: Item) -> fn.Function:
        if self.legacy:
            return self._legacy_function(item)
        if item.action == "delete":
            assert item.recordno is not None
            return fn.Delete(item.object, [item.recordno])
        if item.action == "update":
            return fn.Update.one(item.object, {"RECORDNO": item.recordno, **item.fields})
        return fn.Create.one(item.object, item.fields)

    def _legacy_function(self, item: Item) -> fn.Function:
        name = LEGACY_NAMES.get(item.object, item.object)
        key = str(item.id_value or item.recordno or "")
        if item.action == "delete":
            return fn.LegacyDelete(name, "key", key)
        if item.action == "update":
            return fn.LegacyUpdate(name, "key", key, item.fields)
        return fn.LegacyCreate(name, item.fields)

    def _outcome(self, item: Item, result: Result) -> Outcome:
        error = error_for_result(result)
        if error is None:
            recordno = _created_recordno(result, item)
            if item.id_value and item.id_field and recordno is not None:
                self._recordnos[(item.object, f"{item.id_field}={item.id_value}")] = recordno
            return item.result("applied", recordno=recordno)
        if isinstance(error, AlreadyAppliedError):
            return Outcome.from_error(item.result("already_applied"), error, "already_applied")
        if isinstance(error, NotFoundError) and item.action == "delete":
            return Outcome.from_error(item.result("already_applied"), error, "already_applied")
        if isinstance(error, TransactionAbortedError):
            return Outcome.from_error(item.result("rolled_back"), error, "rolled_back")
        return Outcome.from_error(item.result("failed"), error)


def _waves(items: list[Item]) -> list[list[Item]]:
    """Consecutive groups in which no id (or RECORDNO) repeats."""
    waves: list[list[Item]] = [[]]
    keys: set[str] = set()
    for item in items:
        key = item.key if not item.key.startswith("#") else ""
        if key and key in keys:
            waves.append([])
            keys = set()
        if key:
            keys.add(key)
        waves[-1].append(item)
    return [w for w in waves if w]


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


def _created_recordno(result: Result, item: Item) -> int | None:
    if item.action != "create":
        return item.recordno
    for record in result.records:
        text = record.get("RECORDNO", "")
        if text.isdigit():
            return int(text)
    if result.key and result.key.isdigit() and not item.id_field:
        return int(result.key)
    return None


def _invalid(item: Item, problem: RecordCheckError) -> Outcome:
    return item.result("invalid", field=problem.field, description=problem.reason)


def _unknown_object(
    stream: str, index: int, record: Mapping[str, Any], exc: IntacctError
) -> Outcome:
    base = Outcome(
        stream, index, f"#{index}", "delete" if record.get(DELETED_AT) else "write", "failed"
    )
    if isinstance(exc, GatewayError):
        return Outcome.from_error(base, exc)
    return replace(base, description=str(exc))
