"""Writing the objects only the REST API has (``accounts-receivable/shipping-method``,
``company-config/company-message``...): a stream named as the tap names them
(:func:`~intacct.replication.streams.rest_only.stream_name`) or by the REST path itself,
whatever ``api`` says (XML cannot write them), once the config has the OAuth app.

1. Each record's columns become the object's REST body
   (:func:`~intacct.protocol.rest_columns.column_body`): read-only fields left out and
   listed as ``ignored``, an unknown column or a value its field cannot take ``invalid``.
2. Each record is matched in this company (:class:`~.rest_lookup.KeyLookup`: the query service, one
   query per up to 100 values, cached for the run). Where the object has a writable
   ``id`` (its own business id, distinct from ``key``) and the record gives it, by id;
   else by the record's ``key``: a key is a company's own record number, so it matches
   only where that key exists here [U: a record copied from another company whose key
   happens to exist here updates that record; give the id where the object has one]. A
   match is updated (``upsert``, default true), else the record is created;
   ``_sdc_deleted_at`` deletes the match, and a record with none is ``already_applied``.
3. An action the object's catalog operations lack is ``invalid`` ("... is read-only in
   the REST API"), never sent; the others go through :class:`RestOnlyDispatcher`
   (:mod:`.rest_dispatch`'s batches and bulk jobs under idempotency keys). Creates and
   deletes get control ids from their content (:func:`~.upserts.content_id`), so the same
   input again is answered as already processed; updates get fresh ones (an update back to
   an earlier value must apply).
"""

from __future__ import annotations

import functools
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from intacct.client import IntacctClient
from intacct.errors import IntacctError
from intacct.protocol.rest_catalog import RestCatalog, RestObject, rest_catalog
from intacct.protocol.rest_columns import column_body
from intacct.protocol.rest_write import RestBodyError
from intacct.replication.streams.rest_only import rest_only_names
from intacct.target.items import BATCH_ID, DELETED_AT, Item, waves
from intacct.target.report import Report
from intacct.target.rest_dispatch import RestDispatcher
from intacct.target.rest_lookup import KeyLookup
from intacct.target.settings import WriteOptions
from intacct.target.upserts import content_id

__all__ = [
    "RestOnlyDispatcher",
    "RestOnlyWriter",
    "by_stream",
    "match_field",
    "rest_only_object",
]

_WRITES = ("create", "update", "delete")


def by_stream(catalog: RestCatalog) -> dict[str, RestObject]:
    """``catalog``'s REST-only objects by stream name and by REST path."""
    found: dict[str, RestObject] = {}
    for path, name in rest_only_names(catalog).items():
        found[name] = found[path] = catalog[path]
    return found


@functools.cache
def _packaged() -> dict[str, RestObject]:
    return by_stream(rest_catalog())


def rest_only_object(stream: str) -> RestObject | None:
    """The REST-only object of the packaged catalog ``stream`` names (its stream name
    or REST path), if any."""
    return _packaged().get(stream)


def match_field(obj: RestObject) -> str:
    """The field a record is matched on: the object's writable id, else its key."""
    found = obj.fields.get(obj.id)
    if obj.id != obj.key and found is not None and not found.read_only:
        return obj.id
    return obj.key


class RestOnlyDispatcher(RestDispatcher):
    """:class:`RestDispatcher` for items whose body is made already (their ``object``
    is the REST path)."""

    def __init__(self, *args: Any, objects: Callable[[str], RestObject | None]) -> None:
        super().__init__(*args)
        self.objects = objects

    def target(self, item: Item) -> RestObject:
        found = self.objects(item.object)
        assert found is not None
        return found

    def build(self, items: list[Item]) -> None:
        for item in items:
            if item.outcome is None and item.action != "delete":
                item.body = dict(item.fields)
                if item.action == "update":
                    item.body["key"] = str(item.recordno)


class RestOnlyWriter:
    """Writes records of REST-only object streams for one run (its lookups cached).
    ``objects``: the REST-only object a stream or path names (the packaged catalog's,
    else the company's own, found by its model service)."""

    def __init__(
        self,
        client: IntacctClient,
        options: WriteOptions,
        report: Report,
        objects: Callable[[str], RestObject | None] = rest_only_object,
    ) -> None:
        self.options, self.report, self.objects = options, report, objects
        self.lookup = KeyLookup(client)
        self.dispatcher = RestOnlyDispatcher(
            client, options, report, self._applied, objects=objects
        )
        self._seen: Counter[str] = Counter()

    def write(self, stream: str, records: Sequence[tuple[int, Mapping[str, Any]]]) -> None:
        target = self.objects(stream)
        assert target is not None  # the target routes only such streams here
        items = [self._item(stream, target, index, record) for index, record in records]
        for wave in waves(items):
            try:
                self._resolve(target, wave)
            except IntacctError as exc:  # no answer to the lookups: the wave is not sent
                for item in wave:
                    if item.outcome is None:
                        item.outcome = self.dispatcher.unsent(item, exc)
            self.dispatcher.build(wave)
            self.dispatcher.dispatch(wave)

    def _item(self, stream: str, target: RestObject, index: int, record: Mapping[str, Any]) -> Item:
        field = match_field(target)
        value = record.get(field)
        item = Item(
            stream,
            index,
            target.path,
            {},
            deleted=record.get(DELETED_AT) not in (None, ""),
            batch_id=str(record.get(BATCH_ID) or ""),
            id_field=field,
            id_value=None if value in (None, "") else str(value),
        )
        item.action = "delete" if item.deleted else "create"
        if item.deleted:
            if item.id_value is None:
                item.outcome = item.result(
                    "invalid", field=field, description=f"a delete needs the record's {field}"
                )
            return item
        try:
            made = column_body(target, record)
        except RestBodyError as exc:
            item.outcome = item.result("invalid", field=exc.field, description=exc.reason)
            return item
        item.fields, item.ignored = made.body, tuple(made.ignored)
        if not item.fields:
            item.outcome = item.result(
                "invalid", description=f"nothing to write: no writable {target.path} field"
            )
        return item

    def _resolve(self, target: RestObject, items: list[Item]) -> None:
        pending = [i for i in items if i.outcome is None]
        asked = [i for i in pending if i.id_value and (self.options.upsert or i.deleted)]
        field, matched = match_field(target), {id(i) for i in asked}
        self.lookup.look_up(target.path, field, [i.id_value for i in asked if i.id_value])
        for item in pending:
            found = None
            if id(item) in matched and item.id_value:
                found = self.lookup.key(target.path, field, item.id_value)
            if item.deleted and found is None:
                item.outcome = item.result(
                    "already_applied", description="no such record to delete"
                )
                continue
            if not item.deleted:
                item.action = "create" if found is None else "update"
            item.recordno = None if found is None else _number(found)
            if item.action not in target.operations:
                item.outcome = item.result("invalid", description=_refused(target, item.action))
                continue
            item.controlid = self._controlid(item)

    def _controlid(self, item: Item) -> str:
        if item.action == "update":
            return f"update-{uuid.uuid4().hex}"
        content = [item.stream, item.batch_id, item.action, item.recordno, item.fields]
        return content_id(self._seen, item.stream, content)

    def _applied(self, item: Item, recordno: int | None) -> None:
        if item.id_field and item.id_value and (recordno is not None or item.deleted):
            key = None if item.deleted else str(recordno)
            self.lookup.note(item.object, item.id_field, item.id_value, key)


def _number(key: str) -> int | None:
    return int(key) if key.isdigit() else None


def _refused(target: RestObject, action: str) -> str:
    if not set(_WRITES) & set(target.operations):
        return f"{target.path} is read-only in the REST API"
    return f"the REST API cannot {action} {target.path} records"
