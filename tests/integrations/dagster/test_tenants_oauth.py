"""A tenant with an OAuth app (auth_type oauth) in the tenant file: loaded, synced by the
fleet with no user password, its access token kept between runs in a private file under
the data folder, never in the destination."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import dagster as dg
import pytest
import yaml

from intacct.emulator.server import EmulatorServer
from intacct.integrations.dagster import PARTITIONS, load_tenants

from .conftest import definitions, tenant_list
from .test_fleet import metadata, rows, run, truth

pytestmark = pytest.mark.usefixtures("secrets")
CLIENT_SECRET = "demo-client-secret"


def test_a_tenant_with_an_oauth_app_syncs_and_keeps_its_token_apart(
    emulator: EmulatorServer, tmp_path: Path, instance: dg.DagsterInstance,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("FLEET_CLIENT_SECRET", CLIENT_SECRET)
    tenant = {"company_id": "DEMO", "auth_type": "oauth", "client_id": "demo_client_id",
              "client_secret": {"env": "FLEET_CLIENT_SECRET"}, "objects": ["CLASS"]}  # fmt: skip
    listed = tenant_list(emulator, tenant)
    del listed["defaults"]["user_password"]  # the app signs the user in
    path = tmp_path / "tenants.yaml"
    path.write_text(yaml.safe_dump(listed), encoding="utf-8")
    connection = load_tenants(path)["DEMO"].connection()
    assert connection.auth_type == "oauth" and connection.client_secret == CLIENT_SECRET
    defs, data = definitions(path, tmp_path / "data"), tmp_path / "data"
    instance.add_dynamic_partitions(PARTITIONS, ["DEMO"])
    result = run(defs, instance, "DEMO")
    assert result.success
    assert rows(data / "DEMO.duckdb", "CLASS") == truth(emulator, "DEMO", "CLASS") > 0
    assert metadata(result)["CLASS"]["inserted"] > 0
    (saved,) = [p for p in (data / ".tokens").iterdir() if not p.name.endswith(".lock")]
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    token = json.loads(saved.read_text())["access_token"]
    assert token.encode() not in (data / "DEMO.duckdb").read_bytes()
    logs = " ".join(str(entry) for entry in instance.all_logs(result.run_id))
    assert token not in logs and CLIENT_SECRET not in logs
    assert run(defs, instance, "DEMO").success  # the next run goes on with the token
    assert json.loads(saved.read_text())["access_token"] == token
