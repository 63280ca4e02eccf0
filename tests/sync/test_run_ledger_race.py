"""A run's end recorded while its workers still ask to cover requests (Ctrl-C stops
them mid-request): the final row is written and every worker told the run is over,
never a wait on each other (the DuckDB destination once took its connection's lock
before the run record's, and a worker covering a request took them the other way
round: ``intacct sync`` hung for good after SIGINT)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from intacct.destinations import DestinationError, DuckDBDestination


@pytest.mark.parametrize("attempt", range(20))
def test_the_end_of_a_run_and_its_workers_covering_never_wait_on_each_other(
    tmp_path: Path, attempt: int
) -> None:
    destination = DuckDBDestination(tmp_path / f"runs-{attempt}.duckdb")
    ledger = destination.ledger("2026-11-25T00:00:00+00:00", "DEMO")
    started, over = threading.Barrier(5), threading.Event()

    def worker() -> None:
        started.wait()
        figure = 0
        while not over.is_set():
            figure += 1
            try:
                ledger.cover(figure)
            except DestinationError:  # the run is over: what a worker must be told
                return

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    started.wait()
    ended = threading.Thread(
        target=destination.record_run,
        args=("2026-11-25T00:01:00+00:00", "interrupted", {}, 0),
        daemon=True,
    )
    ended.start()
    ended.join(20)
    over.set()
    assert not ended.is_alive(), "recording the run's end waited on a covering worker"
    for thread in threads:
        thread.join(20)
        assert not thread.is_alive(), "a worker waited on the run's end"
    destination.close()
