"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.postgres import ENV_VAR, PostgresServer, create_database, drop_database, server_binaries


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a PostgreSQL server for the whole run: ``INTACCT_TEST_POSTGRES_URL``, or a
    real one started here (:mod:`tests.postgres`) and stopped after the last test."""
    existing = os.environ.get(ENV_VAR)
    if existing:
        yield existing
        return
    with PostgresServer(server_binaries()) as server:
        yield server.url


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """URL of a new, empty database for one test, dropped after it."""
    url = create_database(postgres_server)
    yield url
    drop_database(url)


@pytest.fixture(params=[True, False], ids=["columnar", "records"])
def columnar(request: pytest.FixtureRequest) -> bool:
    """Pages read and typed as columns where the fast path can (``intacct sync``'s way),
    or record by record (the tap's): a test that takes it holds on both."""
    return bool(request.param)
