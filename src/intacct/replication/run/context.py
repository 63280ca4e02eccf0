"""What a stream is handed by the run (:class:`RunContext`): the client of each entity,
the settings, the one lock under which pages reach the sink and the state moves, the
delivery thread, the stop flag, the warnings said once per run and the progress hook.
Streams see this, never the engine that runs them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from intacct.client.registry import ObjectRegistry
from intacct.errors import BudgetExhaustedError, IntacctError
from intacct.protocol.classify import refuses_company
from intacct.protocol.rest_catalog import RestCatalog
from intacct.replication.contract import Progress, Sink, StreamResult
from intacct.replication.settings import ReplicationSettings

log = logging.getLogger("intacct.replication")

if TYPE_CHECKING:
    from intacct.client import IntacctClient

__all__ = ["RunContext"]

T = TypeVar("T")

#: a page for the sink, queued on the run's delivery thread
Delivery = Callable[[Callable[[], None]], None]


class RunContext:
    """One run's shared parts (see the module docstring); ``deliver`` is set by the run
    that uses it (:class:`~.engine.Replicator`)."""

    def __init__(
        self,
        client: IntacctClient,
        settings: ReplicationSettings,
        registry: ObjectRegistry,
        progress: Progress | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.client, self.settings, self.registry = client, settings, registry
        self.progress = progress
        self.stop = stop
        self.lock = threading.Lock()  # one page at a time reaches the sink and the state
        self._clients: dict[str, IntacctClient] = {"": client}
        #: what was said once for the whole run ("deletes": AUDITHISTORY unreadable)
        self.warned: set[str] = set()
        #: what ends the run at once, raised by it: the sink's failure, or the company
        #: refusing the connection (:func:`~intacct.protocol.classify.refuses_company`)
        self.fatal: BaseException | None = None
        #: the client's API transaction budget ran out: every stream stops, none fails
        self.budget: BudgetExhaustedError | None = None
        self.deliver: Delivery = _unset
        #: the run's REST catalog (a value: the packaged catalog and the company's model
        #: service's answers, :mod:`~intacct.client.rest_discovery`), settled by the run
        #: before its streams open (:meth:`settle_rest`)
        self.rest: RestCatalog = registry.rest.packaged
        #: what a run asks once whichever stream asks first (:meth:`once`)
        self._answers: dict[str, Any] = {}
        self._asking = threading.Lock()

    def once(self, name: str, ask: Callable[[], T]) -> T:
        """``ask``'s answer, asked once per run (``name`` its key): the first stream to
        need it asks, the others wait for it. An answer that is an error is returned,
        not raised, so it is kept too."""
        with self._asking:
            if name not in self._answers:
                self._answers[name] = ask()
            answer: T = self._answers[name]
            return answer

    def settle_rest(self, paths: Iterable[str] = ()) -> RestCatalog:
        """The run's REST catalog with the models of ``paths`` (the objects it reads
        through REST) and of every object the company lists that the packaged catalog
        lacks; the packaged one, without a request, where the client has no OAuth app."""
        self.rest = self.registry.rest.catalog(paths)
        return self.rest

    def refresh_rest(self, path: str) -> RestCatalog:
        """The run's catalog with ``path``'s model read again: a stream met a field the
        model lacks (once per object and run, :meth:`RestDiscovery.refresh`)."""
        found = self.registry.rest.refresh(path)
        with self.lock:
            self.rest = found
        return found

    @property
    def stopped(self) -> bool:
        """Whether streams stop at their next step: the run failed or was stopped."""
        return (
            self.fatal is not None
            or self.budget is not None
            or (self.stop is not None and self.stop.is_set())
        )

    def fail(self, result: StreamResult, sink: Sink, name: str, exc: IntacctError) -> None:
        """A stream's failure: kept on its result and told once. The budget running out
        is the run's end, not the stream's failure; so is the company refusing the
        connection (the sender, the sign-in, the OAuth app: every stream would fail
        alike), which ends the run at once and is raised by it."""
        if self.out_of_budget(exc):
            return
        with self.lock:
            if result.error is not None:
                return
            result.error = exc
            if refuses_company(exc):
                self.fatal = self.fatal or exc  # the run's one error, not the stream's
                return
            where = f" (entity {result.entity})" if result.entity else ""
            sink.warning(name, f"{name}{where} failed: {exc}")

    def out_of_budget(self, exc: IntacctError) -> bool:
        """Whether ``exc`` is the budget running out: then the whole run stops, cleanly
        (the refused request was never sent; every page stored before stays), and the
        stream that met it does not fail."""
        if not isinstance(exc, BudgetExhaustedError):
            return False
        with self.lock:
            self.budget = self.budget or exc
        return True

    def client_for(self, entity: str) -> IntacctClient:
        """The client of ``entity``'s session ("" = the run's own), opened once."""
        with self.lock:
            if entity not in self._clients:
                self._clients[entity] = self.client.for_entity(entity)
            return self._clients[entity]

    def entities(self) -> list[str]:
        """The entity ids to read: ``entity_ids`` as configured, every entity of the
        company for ``all`` (a company without entities is read at its top level: it
        was read not at all, and the run said it was done), or the client's own entity
        ("" = as configured)."""
        wanted = self.settings.entity_ids
        if wanted == ("all",):
            rows = self.client.iter_query("LOCATIONENTITY", ["LOCATIONID"])
            found = sorted({r["LOCATIONID"] for r in rows if r.get("LOCATIONID")})
            if not found:
                log.info("entity_ids all: the company has no entities; read at its top level")
            return found or [""]
        return list(wanted) or [""]


def _unset(job: Callable[[], None]) -> None:
    raise RuntimeError("no run is delivering pages")  # pragma: no cover
