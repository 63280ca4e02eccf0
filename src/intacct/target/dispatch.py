"""Sending decided items: up to ``batch_size`` functions in one request,
``max_concurrency`` requests at a time, one entity per request; each result becomes the
item's outcome.

Every request carries ``uniqueid=true`` and the control ids :mod:`.upserts` chose, so
the gateway refuses a replay instead of applying it twice. Replaying is the client's
retry policy's decision alone (:mod:`intacct.client.retry`: a lost answer — a timeout, a 524,
a dropped connection or a truncated body — is sent again with the very same control ids,
up to ``max_retries`` times); when it gives up, the request's records are reported
``failed`` with their control ids, and running the same input again stays safe.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from intacct.client import IntacctClient
from intacct.errors import (
    AlreadyAppliedError,
    GatewayError,
    IntacctError,
    NotFoundError,
    RequestBuildError,
    TransactionAbortedError,
)
from intacct.protocol import functions as fn
from intacct.protocol.classify import error_for_result
from intacct.protocol.response import Result
from intacct.target.items import Item
from intacct.target.report import Outcome, Report
from intacct.target.settings import WriteOptions

__all__ = ["LEGACY_NAMES", "Dispatcher", "outcome_of"]

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


class Dispatcher:
    """Builds each decided item's function and sends them; ``applied`` hears of every
    record written, with its RECORDNO (the resolver's cache)."""

    def __init__(
        self,
        client: IntacctClient,
        options: WriteOptions,
        report: Report,
        applied: Callable[[Item, int | None], None],
    ) -> None:
        self.client, self.options, self.report = client, options, report
        self.applied = applied
        self.legacy = client.config.dtd_version == "2.1"
        self._entity_clients: dict[str, IntacctClient] = {"": client}
        self._entity_lock = threading.Lock()

    def build(self, items: list[Item]) -> None:
        """Every value on the wire now: a value that cannot be sent is its record's."""
        for item in items:
            if item.outcome is None:
                try:
                    item.function = self._function(item)
                except RequestBuildError as exc:
                    item.outcome = item.result("invalid", field=exc.field, description=exc.problem)

    def dispatch(self, items: list[Item]) -> None:
        if not self.options.transaction:  # in a transaction, the request reports them
            for item in items:
                if item.outcome is not None:
                    self.report.add(item.outcome)
            items = [i for i in items if i.outcome is None]
        chunks = self._chunks(items)
        workers = max(1, min(self.client.config.max_concurrency, len(chunks)))
        if workers == 1:
            for chunk in chunks:
                self._send_chunk(chunk)
            return
        with ThreadPoolExecutor(workers, thread_name_prefix="target-send") as pool:
            list(pool.map(self._send_chunk, chunks))

    def _chunks(self, items: list[Item]) -> list[list[Item]]:
        """Requests' worth of items: one entity per request, ``batch_size`` at the most."""
        size, chunks = self.options.batch_size, []
        for entity in dict.fromkeys(i.entity for i in items):
            same = [i for i in items if i.entity == entity]
            chunks += [same[i : i + size] for i in range(0, len(same), size)]
        return chunks

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
        try:
            results = self._client_for(ready[0].entity).execute(
                calls, transaction=True if self.options.transaction else None
            )
        except IntacctError as exc:  # refused whole, or no answer after the retries
            for item in ready:
                self.report.add(self._failed(item, exc))
            return
        for item, result in zip(ready, results, strict=False):
            self.report.add(self._outcome(item, result))

    #: what makes a resend safe, for the report
    _REPLAY_GUARD = "control ids"

    def _failed(self, item: Item, error: IntacctError) -> Outcome:
        tries = self.client.config.max_retries + 1
        return _failure(
            item, error, f"no answer after {tries} attempt(s) under the same "
            f"{self._REPLAY_GUARD} ({error}); nothing can have been applied twice: run the "
            "same input again to finish",
        )  # fmt: skip

    def unsent(self, item: Item, error: IntacctError) -> Outcome:
        """``item`` was not sent: what it needed first (its upsert lookup) failed."""
        return _failure(
            item, error, f"not sent: looking up whether it exists got no answer ({error}); "
            "nothing of it was applied: run the same input again to finish",
        )  # fmt: skip

    def _client_for(self, entity: str) -> IntacctClient:
        with self._entity_lock:
            if entity not in self._entity_clients:
                self._entity_clients[entity] = self.client.for_entity(entity)
            return self._entity_clients[entity]

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
            self.applied(item, recordno)
            return item.result("applied", recordno=recordno)
        return outcome_of(item, error)


def outcome_of(item: Item, error: GatewayError) -> Outcome:
    """What ``error`` makes of ``item``'s write, whichever API answered: a replay
    refused or a delete of nothing is ``already_applied``, a rollback ``rolled_back``."""
    if isinstance(error, AlreadyAppliedError):
        return Outcome.from_error(item.result("already_applied"), error, "already_applied")
    if isinstance(error, NotFoundError) and item.action == "delete":
        return Outcome.from_error(item.result("already_applied"), error, "already_applied")
    if isinstance(error, TransactionAbortedError):
        return Outcome.from_error(item.result("rolled_back"), error, "rolled_back")
    return Outcome.from_error(item.result("failed"), error)


def _failure(item: Item, error: IntacctError, no_answer: str) -> Outcome:
    """``item`` failed: the gateway's own error where it answered, else ``no_answer``."""
    if isinstance(error, GatewayError):
        return Outcome.from_error(item.result("failed"), error)
    return item.result("failed", description=no_answer)


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
