"""Sending decided items through the REST API (``api: rest``), beside :mod:`.dispatch`'s
XML requests: the same items, resolved the same way (:mod:`.upserts`), written as REST
bodies (:func:`~intacct.protocol.rest_write.rest_body`) in batches of up to 500 records
of one action and entity a request, or, from ``bulk_from`` records, as one bulk job.

Never twice: each request goes under an idempotency key made from its records' control
ids, so the retry policy's resend of a lost answer, and a run of the same input again
(whose keyless documents get the same control ids), is answered "already processed"
instead of written again (``already_applied``). The key covers a request, not a record:
a keyless document sent again in a batch of other records is a new request, so resend
what the report says failed, or the same input whole, never an edited mix [U: Sage
keeps a key's memory for an unstated time; the emulator, 24 hours].
"""

from __future__ import annotations

import hashlib
from typing import Any

from intacct.client.rest_writes import (
    MAX_BATCH,
    RecordResult,
    await_bulk,
    send_batch,
    start_bulk,
)
from intacct.errors import AlreadyAppliedError, IntacctError
from intacct.protocol.rest_catalog import RestCatalog, RestObject, rest_catalog
from intacct.protocol.rest_write import RestBodyError, rest_body
from intacct.target.dispatch import Dispatcher, outcome_of
from intacct.target.items import Item
from intacct.target.report import Outcome

__all__ = ["RestDispatcher", "rest_fields_writable", "rest_writable"]

#: [U] how long a bulk job may run before its records are reported unfinished
BULK_TIMEOUT_S = 3600.0


def rest_writable(xml_object: str, catalog: RestCatalog | None = None) -> RestObject | None:
    """The REST object that creates, updates and deletes ``xml_object``'s records
    (None: the XML gateway writes them, as with ``api: xml``), in ``catalog`` (the
    run's; None: the packaged one)."""
    target = (catalog if catalog is not None else rest_catalog()).holding(xml_object)
    if target is None or not {"create", "update", "delete"} <= set(target.operations):
        return None
    return target


def rest_fields_writable(
    xml_object: str, xml_field: str, catalog: RestCatalog | None = None
) -> bool:
    """Whether REST writes ``xml_field`` of ``xml_object``: a REST field pairs with it
    and is not read-only. The others are left out of the record and listed as its
    ``ignored`` fields, as the XML gateway's read-only ones are: a tap's record carries
    every field (``RECORD_URL``, the entity's, a vendor's contact details that REST
    names only by the contact's id), and its writable ones must still be written."""
    target = (catalog if catalog is not None else rest_catalog()).holding(xml_object)
    if target is None:
        return True
    return target.writer(xml_field) is not None


class RestDispatcher(Dispatcher):
    """Builds each decided item's REST body and sends them (the options' ``transaction``
    and DTD 2.1 are refused at the config's edge: REST has neither)."""

    _REPLAY_GUARD = "idempotency key"
    #: the run's REST catalog (custom fields from the company's model), set by the writer
    catalog: RestCatalog | None = None

    def build(self, items: list[Item]) -> None:
        for item in items:
            if item.outcome is not None or item.action == "delete":
                continue
            target = self.target(item)
            try:
                made = rest_body(target, item.fields, self.catalog)
            except RestBodyError as exc:
                item.outcome = item.result("invalid", field=exc.field, description=exc.reason)
                continue
            item.body = made.body
            item.ignored += tuple(made.ignored)  # a unified record's: not checked by model
            if item.action == "update":
                item.body["key"] = str(item.recordno)

    def target(self, item: Item) -> RestObject:
        """The REST object that writes ``item`` (its XML object's twin)."""
        target = rest_writable(item.object, self.catalog)
        assert target is not None  # the writer routes only such objects here
        return target

    def _chunks(self, items: list[Item]) -> list[list[Item]]:
        """One action and entity a request, 500 at the most; a group of ``bulk_from``
        or more goes whole, as one bulk job."""
        groups: dict[tuple[str, str], list[Item]] = {}
        for item in items:
            groups.setdefault((item.entity, item.action), []).append(item)
        chunks: list[list[Item]] = []
        for same in groups.values():
            if self._bulk(same):
                chunks.append(same)
            else:
                chunks += [same[i : i + MAX_BATCH] for i in range(0, len(same), MAX_BATCH)]
        return chunks

    def _bulk(self, chunk: list[Item]) -> bool:
        return 0 < self.options.bulk_from <= len(chunk)

    def _send_chunk(self, chunk: list[Item]) -> None:
        ready = [i for i in chunk if i.outcome is None]
        if not ready:
            return
        first = ready[0]
        target = self.target(first)
        records = [_record(item) for item in ready]
        key = _key(target.path, first.action, ready)
        api = self._client_for(first.entity).rest
        replayed = False
        try:
            if self._bulk(ready):
                job, replayed = start_bulk(api, target.path, first.action, records, key=key)
                results = await_bulk(api, job, records, timeout_s=BULK_TIMEOUT_S)
            else:
                results = send_batch(api, target.path, first.action, records, key=key)
        except AlreadyAppliedError as exc:  # an earlier try or run of this request
            for item in ready:
                self.report.add(outcome_of(item, exc))
            return
        except TimeoutError as exc:
            for item in ready:
                self.report.add(item.result("failed", description=_unfinished(exc)))
            return
        except IntacctError as exc:
            for item in ready:
                self.report.add(self._failed(item, exc))
            return
        for item, result in zip(ready, results, strict=True):
            self.report.add(self._rest_outcome(item, result, replayed))

    def _rest_outcome(self, item: Item, result: RecordResult, replayed: bool) -> Outcome:
        """``replayed``: the job was made by an earlier try or run, which wrote it."""
        if result.error is not None:
            return outcome_of(item, result.error)
        recordno = int(result.key) if result.key and result.key.isdigit() else item.recordno
        self.applied(item, recordno)
        status = "already_applied" if replayed else "applied"
        return item.result(status, recordno=recordno)


def _record(item: Item) -> dict[str, Any]:
    if item.action == "delete":
        return {"key": str(item.recordno)}
    assert item.body is not None
    return item.body


def _key(path: str, action: str, items: list[Item]) -> str:
    """The request's idempotency key: its object, action and records' control ids."""
    text = "\n".join([path, action, *(i.controlid for i in items)])
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def _unfinished(error: TimeoutError) -> str:
    return (
        f"{error}: its records may yet be written; run the same input again later "
        "and the job is awaited again, not made twice"
    )
