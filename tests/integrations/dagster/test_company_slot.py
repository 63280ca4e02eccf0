"""A company's slot (``company_slot``) in a real Dagster instance's pools: a sync waits
while another holds it and goes on when it is freed, and a join that lost the wake-up
(the holder freed the slot between Dagster's two checks of the join) is not left
waiting on a free pool for ever, as a fleet run once was for 40 minutes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from dagster import DagsterInstance, instance_for_test

from intacct.integrations.dagster.writer import COMPANY_POOL, company_slot

KEY = COMPANY_POOL.format(company="DEMO")


@pytest.fixture
def instance() -> Iterator[DagsterInstance]:
    with instance_for_test() as found:
        yield found


class LostWakeUp:
    """The instance's event log storage, with the interleaving Dagster's claim allows:
    the holder frees the slot after the joiner saw none free and before it queued, so
    the joiner is queued ungiven with the slot free."""

    def __init__(self, storage: Any, holder: tuple[str, str]) -> None:
        self._storage, self._holder, self.joined = storage, holder, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._storage, name)

    def claim_concurrency_slot(self, key: str, run_id: str, step_key: str) -> Any:
        if not self.joined:
            self.joined = True
            self._storage.free_concurrency_slot_for_step(*self._holder)
            self._storage.add_pending_step(key, run_id, step_key, should_assign=False)
        return self._storage.claim_concurrency_slot(key, run_id, step_key)


def _context(storage: Any, run_id: str) -> Any:
    instance = SimpleNamespace(event_log_storage=storage)
    return SimpleNamespace(instance=instance, run=SimpleNamespace(run_id=run_id),
                           log=logging.getLogger("test"))  # fmt: skip


def _sync(context: Any, held: threading.Event) -> threading.Thread:
    def run() -> None:
        with company_slot(context, "demo", poll_s=0.05):
            held.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_second_sync_waits_for_the_first_then_goes_on(instance: DagsterInstance) -> None:
    storage = instance.event_log_storage
    first, second = threading.Event(), threading.Event()
    with company_slot(_context(storage, "run-a"), "demo", poll_s=0.05):
        assert storage.get_concurrency_info(KEY).slot_count == 1
        waiting = _sync(_context(storage, "run-b"), second)
        assert not second.wait(0.5)  # the slot is the first run's
        first.set()
    assert second.wait(10)
    waiting.join(10)
    assert storage.get_concurrency_info(KEY).claimed_slots == []


def test_a_join_that_lost_its_wake_up_is_given_the_free_slot(instance: DagsterInstance) -> None:
    storage = instance.event_log_storage
    storage.set_concurrency_slots(KEY, 1)
    assert storage.claim_concurrency_slot(KEY, "run-a", "intacct:demo:a").is_claimed
    lost = LostWakeUp(storage, ("run-a", "intacct:demo:a"))
    held = threading.Event()
    waiting = _sync(_context(lost, "run-b"), held)
    assert held.wait(10), "the second run waits on a free slot"
    waiting.join(10)
    assert lost.joined and storage.get_concurrency_info(KEY).claimed_slots == []
