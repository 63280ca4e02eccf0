"""The REST-only deletes of test_rest_only_deletes.py through dlt: the same tests, their
store dlt's DuckDB destination (its loads are the slow part, so this file is in the
exact tier, tests/conftest.py, not the quick loop)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sync.stores import Store, dlt_store
from tests.sync.test_rest_only_deletes import (  # noqa: F401 (collected here, with this store)
    server,
    test_a_run_stopped_after_a_page_and_resumed_tombstones_exactly,
    test_deleted_records_become_tombstones_and_nothing_else_changes,
    test_every_record_deleted_tombstones_every_key,
)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    # two pages a load: the keys of kept pages and of loaded ones are both asked for
    return dlt_store("duckdb", tmp_path, monkeypatch).committing_every(2)
