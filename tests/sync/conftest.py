"""The destination every core sync test runs against: DuckDB, Postgres, and dlt's duckdb
and postgres destinations (what differs between them is declared in stores.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sync.stores import Store, dlt_store, duckdb_store, postgres_store

STORES = ["duckdb", "postgres", "dlt-duckdb", "dlt-postgres"]


@pytest.fixture(params=STORES)
def destination(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Store:
    """A new, empty destination: a DuckDB file, or a database of its own on the tests'
    Postgres server (started once for the run; ``INTACCT_TEST_POSTGRES_URL`` for one of
    yours), written natively or through dlt."""
    kind = str(request.param)
    if kind == "duckdb":
        return duckdb_store(tmp_path)
    if kind == "dlt-duckdb":
        return dlt_store("duckdb", tmp_path, monkeypatch)
    url = str(request.getfixturevalue("postgres_url"))
    if kind == "postgres":
        return postgres_store(url)
    return dlt_store("postgres", tmp_path, monkeypatch, url)


@pytest.fixture(params=["duckdb", "postgres"])
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """A new, empty store of the SQL destinations alone (DuckDB and Postgres, written
    natively: the one SQL algorithm of intacct.destinations.sql)."""
    if request.param == "duckdb":
        return duckdb_store(tmp_path)
    return postgres_store(str(request.getfixturevalue("postgres_url")))
