"""The fleet's Dagster definitions against a real emulator on a socket (runs may start
processes of their own), with a tenant list written per test; a run worker host's
server in a thread."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml

from intacct.emulator.server import EmulatorServer
from intacct.integrations.dagster import fleet_definitions

OBJECTS = ["VENDOR", "GLACCOUNT", "APBILL", "CLASS"]
SENDER_PASSWORD = "demo-sender-password"
USER_PASSWORD = "demo-user-password"


@pytest.fixture(scope="package")
def emulator() -> Iterator[EmulatorServer]:
    # the limit as Intacct's base tier: a request beyond it is GW-0010, never queued
    with EmulatorServer(port=0, scale=200, seed=5, max_concurrency=2) as server:
        yield server


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEET_SENDER_PASSWORD", SENDER_PASSWORD)
    monkeypatch.setenv("FLEET_DEMO_PASSWORD", USER_PASSWORD)


def tenant_list(server: EmulatorServer, *tenants: dict[str, Any]) -> dict[str, Any]:
    return {
        "defaults": {
            "api_url": server.url,
            "sender_id": "demo_sender",
            "sender_password": {"env": "FLEET_SENDER_PASSWORD"},
            "user_id": "demo_user",
            "user_password": {"env": "FLEET_DEMO_PASSWORD"},
            "timeout_s": 30,
        },
        "tenants": list(tenants),
    }


@pytest.fixture
def write_tenants(tmp_path: Path, emulator: EmulatorServer) -> Callable[..., Path]:
    def write(*tenants: dict[str, Any]) -> Path:
        path = tmp_path / "tenants.yaml"
        path.write_text(yaml.safe_dump(tenant_list(emulator, *tenants)), encoding="utf-8")
        return path

    return write


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.ephemeral() as dagster_instance:
        yield dagster_instance


def definitions(tenants: Path, folder: Path) -> dg.Definitions:
    return fleet_definitions(tenants, folder, objects=OBJECTS)
