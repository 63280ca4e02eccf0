"""A clean environment for the ``intacct`` command: no INTACCT_* variables, config and
cache directories of the test's own, and a demo emulator on a real socket."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import httpx
import keyring
import psycopg
import pytest
from keyring.backends.fail import Keyring as FailKeyring

from intacct.destinations.locations import split_url
from intacct.emulator.demo import SEED_CACHE
from intacct.emulator.server import EmulatorServer


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        # the run's seed cache stays (tests/conftest.py): no setting, it only spares the
        # emulators started here seeding what another one seeded already
        if name.startswith("INTACCT_") and name != SEED_CACHE:
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=300, seed=6) as emulator:
        yield emulator


def use_env(monkeypatch: pytest.MonkeyPatch, url: str, company: str = "DEMO") -> None:
    values = {
        "INTACCT_API_URL": url,
        "INTACCT_SENDER_ID": "demo_sender",
        "INTACCT_SENDER_PASSWORD": "demo-sender-password",
        "INTACCT_COMPANY_ID": company,
        "INTACCT_USER_ID": "demo_user",
        "INTACCT_USER_PASSWORD": "demo-user-password",
        "INTACCT_TIMEOUT_S": "30",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """A command configures logging for its process; here every test is a process."""
    loggers = [logging.getLogger(n) for n in ("", "intacct.progress", "httpx", "httpcore")]
    levels = [logger.level for logger in loggers]
    handlers = list(loggers[0].handlers)
    yield
    loggers[0].handlers[:] = handlers
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """No OS keyring (as on a server), whatever this machine has."""
    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def billed(server: EmulatorServer, company: str = "DEMO") -> int:
    """API transactions the emulator has billed ``company`` so far."""
    url = server.url.replace("/ia/xml/xmlgw.phtml", "/_emulator/stats")
    return int(httpx.get(url, timeout=30).json().get(f"api_transactions.{company}", 0))


def requested(server: EmulatorServer, company: str = "DEMO") -> int:
    """Requests of ``company`` the emulator has answered so far, through either API."""
    url = server.url.replace("/ia/xml/xmlgw.phtml", "/_emulator/stats")
    return int(httpx.get(url, timeout=30).json().get(f"requests.{company}", 0))


def use_oauth_app(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's OAuth app, which the REST API needs."""
    monkeypatch.setenv("INTACCT_CLIENT_ID", "demo_client_id")
    monkeypatch.setenv("INTACCT_CLIENT_SECRET", "demo-client-secret")


def run_rows(where: str, columns: str) -> list[tuple[Any, ...]]:
    """``columns`` of each run a DuckDB file or Postgres schema recorded, oldest first."""
    sql = f"SELECT {columns} FROM {{}} ORDER BY started"  # noqa: S608
    if where.startswith("postgresql"):
        libpq, schema = split_url(where)
        with psycopg.connect(libpq) as con:
            return con.execute(sql.format(f'"{schema}"._intacct_runs')).fetchall()
    with duckdb.connect(where, read_only=True) as con:
        return con.execute(sql.format("_intacct_runs")).fetchall()
