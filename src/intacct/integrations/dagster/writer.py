"""One company, one writer, fleet-wide: the company's slot in the Dagster instance.

Every sync of a company (a partitioned run, ``intacct_fleet_once`` or a shard of it, a
backfill, a sensor's run), on whichever host runs it, first claims the one slot of the
company's pool ``intacct/company/<company id>`` in the instance's storage (Postgres in a
deployment, so every host sees the same slots) and holds it while it syncs. A second
sync of the company waits for it, whatever launched it; run tags could not do this, as
a shard run syncs many companies under one set of tags. A run that dies holding the slot
(SIGKILL, an OOM kill, its host lost) has it freed by Dagster once run monitoring has
failed the run (``free_slots_after_run_end_seconds`` after its end, the deployment's
dagster.yaml); the destination's own lock stays the last guard, whichever launcher
started the run.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import dagster as dg

if TYPE_CHECKING:  # Dagster's contexts and plan, as its own executors take them
    from dagster._core.events import DagsterEvent
    from dagster._core.execution.context.system import PlanOrchestrationContext
    from dagster._core.execution.plan.plan import ExecutionPlan
    from dagster._core.execution.retries import RetryMode
    from dagster._core.execution.step_dependency_config import StepDependencyConfig

__all__ = ["COMPANY_POOL", "company_slot", "pool_ready", "pool_ready_first"]

#: the pool of one company: one slot
COMPANY_POOL = "intacct/company/{company}"
#: how often a waiting sync asks for the slot again
POLL_S = 1.0
#: the runs told that their instance keeps no pools
_TOLD: set[str] = set()


@contextmanager
def company_slot(context: Any, company: str, poll_s: float = POLL_S) -> Iterator[None]:
    """Hold ``company``'s slot while the block runs (``context``: the step's Dagster
    context: its instance, run id and log); waits while another run holds it."""
    storage = context.instance.event_log_storage
    if not storage.supports_global_concurrency_limits:  # an instance without pools
        if context.run.run_id not in _TOLD:  # once a run, not once a company
            _TOLD.add(context.run.run_id)
            context.log.warning("this Dagster instance keeps no pools: nothing but each "
                                "destination's lock keeps two runs of a company apart")  # fmt: skip
        yield
        return
    key = COMPANY_POOL.format(company=company.upper())
    if storage.get_concurrency_info(key).slot_count != 1:
        _made_once(
            lambda: storage.set_concurrency_slots(key, 1),
            lambda: storage.get_concurrency_info(key).slot_count == 1,
        )
    run_id = context.run.run_id
    claim = f"intacct:{company}:{uuid.uuid4().hex[:12]}"  # one claim per sync
    waited = 0.0
    try:
        while not _claimed_alone(storage, key, run_id, claim):
            if not waited:
                context.log.info(f"{company}: another run is syncing it; waiting for it")
            pause = poll_s * random.uniform(0.5, 1.5)  # two claims that met do not meet again
            time.sleep(pause)
            waited += pause
            _requeue_if_forgotten(storage, key, run_id, claim)
        if waited:
            context.log.info(f"{company}: its slot is free after {waited:.0f} s")
        yield
    finally:
        storage.free_concurrency_slot_for_step(context.run.run_id, claim)


def pool_ready(instance: Any, pool: str | None) -> None:
    """Give ``pool`` its row of the instance's default limit before any step claims a slot
    of it. Dagster makes the row at a pool's first claim, and in Postgres two runs
    making it at once (two hosts, a fresh instance) fail one of them (its insert's
    IntegrityError aborts the transaction it then updates in). Here the loser finds the
    row the other made, and the steps find it made."""
    storage = instance.event_log_storage
    if pool is None or not storage.supports_global_concurrency_limits:
        return
    if instance.global_op_concurrency_default_limit is None:  # Dagster makes none either
        return
    if pool in storage.get_concurrency_keys():
        return
    _made_once(
        lambda: storage.initialize_concurrency_limit_to_default(pool),
        lambda: pool in storage.get_concurrency_keys(),
    )


def _made_once(make: Callable[[], object], made: Callable[[], bool]) -> None:
    """``make()`` a row of the instance's pools that another run may be making at the
    same moment (two hosts, a fresh instance: a pool's row, a company's): in Postgres the
    second insert fails (IntegrityError); the loser finds the row ``made()`` and goes on.
    Anything else is raised."""
    try:
        make()
    except Exception:
        if not made():  # not the race: a real failure
            raise


def pool_ready_first(executor: dg.ExecutorDefinition, pool: str | None) -> dg.ExecutorDefinition:
    """``executor`` (the same name, config and requirements) making ``pool``'s row
    (:func:`pool_ready`) before it runs a run's steps: Dagster claims a step's slot in the
    executor, before any of the step's own code, so this is the first moment of every
    run of every job (a partition's, ``intacct_fleet_once``, a notices run), in the run's
    own process, whoever launched it."""
    if pool is None:
        return executor
    make = executor.executor_creation_fn
    assert make is not None, f"executor {executor.name} makes no executor"

    def ready(init_context: dg.InitExecutorContext) -> dg.Executor:
        return _PoolReadyFirst(make(init_context), pool)

    return dg.ExecutorDefinition(
        name=executor.name,
        # the schema itself (a configured executor's carries its mapping), which Dagster
        # takes though its annotation names only what a user writes
        config_schema=executor.config_schema,  # type: ignore[arg-type]
        requirements=executor.get_requirements,
        executor_creation_fn=ready,
        description=executor.description,
    )


class _PoolReadyFirst(dg.Executor):
    """An executor whose runs find their pool's row made (:func:`pool_ready_first`)."""

    def __init__(self, executor: dg.Executor, pool: str) -> None:
        self._executor, self._pool = executor, pool

    def execute(
        self, plan_context: PlanOrchestrationContext, execution_plan: ExecutionPlan
    ) -> Iterator[DagsterEvent]:
        pool_ready(plan_context.instance, self._pool)
        return self._executor.execute(plan_context, execution_plan)

    @property
    def retries(self) -> RetryMode:
        return self._executor.retries

    @property
    def step_dependency_config(self) -> StepDependencyConfig:
        return self._executor.step_dependency_config


def _claimed_alone(storage: Any, key: str, run_id: str, claim: str) -> bool:
    """Whether ``claim`` now holds the company's slot, and no other step may. Dagster's
    claim is not atomic in Postgres: steps joining the queue at once each find the slot
    unassigned and are all assigned it, and two of them can both take its one row (the
    row's select and update are two statements, each committed alone): two syncs of the
    company would write at once (seen: a notices run beside another, one failed on the
    destination's lock). A claim made while more steps are assigned than the pool has
    slots lets go and joins again: of two holders at once, the later to look sees the
    earlier's step assigned (it stays so until it frees its slot), so never both go on."""
    if not storage.claim_concurrency_slot(key, run_id, claim).is_claimed:
        return False
    info = storage.get_concurrency_info(key)
    if info.assigned_step_count <= info.slot_count:
        return True
    storage.free_concurrency_slot_for_step(run_id, claim)
    return False


def _requeue_if_forgotten(storage: Any, key: str, run_id: str, claim: str) -> None:
    """Queue ``claim`` again when the pool has a slot that no step is given: Dagster
    queues a step as given a slot only if one is free when it joins, and gives a freed
    slot only to a step already queued, so a run that freed the slot between the two
    checks of a join left the joiner queued, ungiven, with the slot free, for ever
    (a fleet run waited 40 minutes on a free pool). Leaving the queue and joining again
    is given the slot; the slot table still lets one step at a time hold it."""
    info = storage.get_concurrency_info(key)
    if info.assigned_step_count < info.slot_count:
        storage.free_concurrency_slot_for_step(run_id, claim)
