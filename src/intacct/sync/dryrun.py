"""``intacct sync --dry-run``: per object, the records and deletes the next run would
read and the API transactions it would take, from the engine's estimate
(:meth:`~intacct.replication.Replicator.estimate`: one batched request of counts). The
database is only read (its state, opened read-only): no table, no state, no new file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from intacct.client.registry import ObjectRegistry
from intacct.destinations import saved_state
from intacct.replication import Estimate, Replicator, StreamSpec, check_api, objects_among
from intacct.replication.run.watch import QUIET
from intacct.sync.job import rest_left_out, resume_state, select_objects
from intacct.sync.settings import SyncSettings

if TYPE_CHECKING:
    from intacct.client import IntacctClient

__all__ = ["ObjectEstimate", "SyncEstimate", "estimate_sync"]


@dataclass(slots=True)
class ObjectEstimate:
    """One object's next run, its entities together."""

    object: str
    what: str = ""
    records: int | None = 0  # None: not known before reading
    deletes: int | None = None
    transactions: int = 0
    error: str | None = None
    route: str = ""  # the API its records go through, and why
    rule: str = ""  # with verify_every: when it reads


@dataclass(slots=True)
class SyncEstimate:
    objects: list[ObjectEstimate] = field(default_factory=list)
    #: what asking cost (the counts; lookups and sessions are free): a run asks again
    cost: int = 0
    #: what the run costs for no one object (listing the entities for ``all``)
    shared: int = 0
    #: the run's one question (the audit trail's changes: ``verify_every``), and what it
    #: is, for people (None: not asked)
    question: int = 0
    question_what: str | None = None
    #: what the run leaves out unread, for people (:func:`~.job.rest_left_out`)
    left_out: str | None = None

    @property
    def transactions(self) -> int:
        return sum(o.transactions for o in self.objects) + self.shared + self.question

    @property
    def at_rest(self) -> bool:
        """The audit trail answered, and left every object quiet."""
        return self.question_what is not None and all(
            o.what == QUIET and o.error is None for o in self.objects
        )


def estimate_sync(
    client: IntacctClient,
    db_path: str | Path,
    settings: SyncSettings | None = None,
) -> SyncEstimate:
    """What :func:`~intacct.sync.run_sync` with the same arguments would read and cost."""
    settings = settings or SyncSettings()
    check_api(client, settings.replication)
    registry = ObjectRegistry(client)
    layout = settings.layout or saved_state(db_path, "layout")
    names = select_objects(registry, settings.objects, settings.unified, layout)
    failed = registry.load(objects_among(names, registry.rest.for_streams(names)))
    readable = [n for n in names if n not in failed]
    state = resume_state(saved_state(db_path), readable, settings.full_refresh)
    engine = Replicator(client, settings.replication, registry=registry)
    estimates = engine.estimate([StreamSpec(n) for n in readable], state)
    out = SyncEstimate([ObjectEstimate(n) for n in names], cost=client.api_transactions)
    out.left_out = rest_left_out(registry, settings.objects)
    by_object = {o.object: o for o in out.objects}
    for name, error in failed.items():
        by_object[name].error = str(error)
    for estimate in estimates:
        if estimate.object:
            _add(by_object[estimate.object], estimate)
        elif estimate.question:
            out.question += estimate.transactions
            out.question_what = estimate.what
        else:
            out.shared += estimate.transactions
    return out


def _add(total: ObjectEstimate, part: Estimate) -> None:
    """An entity's stream into its object's line."""
    if part.error is not None:
        where = f"(entity {part.entity}) " if part.entity else ""
        total.error = f"{where}{part.error}"
        return
    total.what = total.what or part.what
    total.route = total.route or part.route
    total.rule = total.rule or part.rule
    total.transactions += part.transactions
    total.records = (
        None if part.records is None or total.records is None else (total.records + part.records)
    )
    if part.deletes is not None:
        total.deletes = (total.deletes or 0) + part.deletes
