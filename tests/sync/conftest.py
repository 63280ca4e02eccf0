"""The destination every core sync test runs against, DuckDB and Postgres alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sync.stores import Store, duckdb_store


@pytest.fixture(params=["duckdb", "postgres"])
def destination(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """A new, empty destination: a DuckDB file, or a database of its own on the tests'
    Postgres server (started once for the run; ``INTACCT_TEST_POSTGRES_URL`` for one of
    yours)."""
    if request.param == "duckdb":
        return duckdb_store(tmp_path)
    return Store("postgres", request.getfixturevalue("postgres_url"))
