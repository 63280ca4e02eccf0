"""A run the sensor ``intacct_notices`` asks, end to end against the emulator on a
socket: a vendor written in Intacct is announced by the emulator's webhook to the
receiver, which records it in the queue; the sensor's tick asks a run of
``intacct_notices_run`` reading the tenant's VENDOR only; that run (Dagster's, in
process, with the request's config and tags) stores the vendor in the tenant's DuckDB
file and records the materialization under the tenant's partition, and the next tick
consumes the notice. Two companies in one run, one failing, the other stored. And the
tenant's monthly budget stops a notices run as it stops a scheduled one."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from intacct import IntacctClient
from intacct.emulator.demo import app_config, client_config
from intacct.emulator.server import EmulatorServer
from intacct.integrations.dagster import PARTITIONS, asset_key, fleet_definitions
from intacct.notices import NoticeQueue
from intacct.notices.receiver import NOTICES_PATH, receiver_app
from intacct.sync.follow import FollowSettings
from tests.notices.conftest import serving

from .conftest import OBJECTS
from .test_fleet import failure, metadata
from .test_notices_sensor import Ticks, asked, record

pytestmark = pytest.mark.usefixtures("secrets")


def new_vendor(server: EmulatorServer, vendor_id: str) -> None:
    with IntacctClient.from_mapping(client_config(server.url)) as client:
        client.create("VENDOR", [{"VENDORID": vendor_id, "NAME": vendor_id}])


def stored(db: Path, vendor_id: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        found = con.execute('SELECT count(*) FROM "VENDOR" WHERE VENDORID = ?', [vendor_id])
        row = found.fetchone()
    assert row is not None
    return int(row[0])


def execute(
    defs: dg.Definitions, instance: dg.DagsterInstance, request: dg.RunRequest
) -> dg.ExecuteInProcessResult:
    """The run Dagster launches for ``request``: its job, config and tags."""
    return defs.resolve_job_def(str(request.job_name)).execute_in_process(
        instance=instance, run_config=request.run_config, tags=request.tags,
        raise_on_error=False,
    )  # fmt: skip


def materialized(result: dg.ExecuteInProcessResult) -> dict[tuple[str, str], dict[str, Any]]:
    """(company, object) -> the metadata of its materialization in the notices run."""
    return {
        (str(m.partition), m.asset_key.path[-1].upper()): {
            k: v.value for k, v in m.metadata.items()
        }
        for m in result.asset_materializations_for_node("intacct_notices_read")
    }


def test_a_vendor_written_and_announced_reaches_the_tenants_file(
    write_tenants: Callable[..., Path], tmp_path: Path, instance: dg.DagsterInstance,
    emulator: EmulatorServer,
):  # fmt: skip
    tenants = write_tenants({"company_id": "DEMO", "objects": ["VENDOR", "CLASS"]})
    queue_file, db = tmp_path / "notices.sqlite", tmp_path / "data/DEMO.duckdb"
    defs = fleet_definitions(tenants, tmp_path / "data", objects=OBJECTS, notices=queue_file,
                             follow=FollowSettings(coalesce_s=0.5, max_wait_s=10))  # fmt: skip
    instance.add_dynamic_partitions(PARTITIONS, ["DEMO"])
    first = defs.resolve_job_def("intacct_fleet").execute_in_process(
        instance=instance, partition_key="DEMO"
    )
    assert first.success and set(metadata(first)) == {"VENDOR", "CLASS"}
    vendor = f"NOTICED-{uuid.uuid4().hex[:8]}"
    app = app_config()
    with (
        NoticeQueue(queue_file) as queue,
        serving(receiver_app(queue, {app["client_id"]: app["client_secret"]})) as receiver,
    ):
        url = f"{receiver.base_url}{NOTICES_PATH}"
        subscription = emulator.subscribe("DEMO", "VENDOR", events=["create"], url=url)
        try:
            new_vendor(emulator, vendor)
            deadline = time.monotonic() + 30
            while queue.pending("DEMO") is None:
                assert time.monotonic() < deadline, "no notice reached the queue"
                time.sleep(0.1)
        finally:
            emulator.unsubscribe(subscription["id"])
        assert stored(db, vendor) == 0
        time.sleep(0.6)  # the burst settles
        tick = Ticks(defs.resolve_sensor_def("intacct_notices"), instance)
        (request,) = tick()
        assert asked([request]) == {"DEMO": ("VENDOR",)}
        result = execute(defs, instance, request)
        assert result.success
        found = materialized(result)
        assert set(found) == {("DEMO", "VENDOR")} and found["DEMO", "VENDOR"]["inserted"] == 1
        assert tick() == [] and queue.pending("DEMO") is None  # consumed: Dagster had it
    assert stored(db, vendor) == 1
    (run,) = instance.get_runs(dg.RunsFilter(tags={"intacct/notices": str(request.run_key)}))
    assert run.tags["intacct/companies"] == "1" and run.job_name == "intacct_notices_run"
    # the asset's partition shows the notices run's materialization, as Dagster's UI does
    latest = instance.get_latest_materialization_event(dg.AssetKey(["intacct", "vendor"]))
    assert latest is not None and latest.run_id == run.run_id
    assert latest.asset_materialization is not None
    assert latest.asset_materialization.partition == "DEMO"


def test_companies_in_one_run_each_stored_a_failure_naming_its_company(
    write_tenants: Callable[..., Path], tmp_path: Path, instance: dg.DagsterInstance,
    monkeypatch: pytest.MonkeyPatch,
):  # fmt: skip
    """DEMO and a tenant whose password is wrong in one run: DEMO's vendors are stored
    and recorded under its partition, the run fails naming the other company only."""
    wrong = "Wr0ng-P@ss-notices"
    monkeypatch.setenv("FLEET_OTHER_PASSWORD", wrong)
    tenants = write_tenants(
        {"company_id": "DEMO", "objects": ["VENDOR"]},
        {"company_id": "DEMO-ME", "objects": ["VENDOR"],
         "user_password": {"env": "FLEET_OTHER_PASSWORD"}},
    )  # fmt: skip
    queue_file = tmp_path / "notices.sqlite"
    defs = fleet_definitions(tenants, tmp_path / "data", objects=OBJECTS, notices=queue_file)
    instance.add_dynamic_partitions(PARTITIONS, ["DEMO", "DEMO-ME"])
    with NoticeQueue(queue_file) as queue:
        record(queue, "DEMO", "VENDOR")
        record(queue, "DEMO-ME", "VENDOR")
        (request,) = Ticks(defs.resolve_sensor_def("intacct_notices"), instance)()
    result = execute(defs, instance, request)
    assert not result.success
    assert instance.get_materialized_partitions(asset_key("VENDOR")) == {"DEMO"}
    failed = failure(result)
    assert failed["failed_companies"] == "DEMO-ME"
    assert "1 of 2 companies failed" in failed["description"]
    assert wrong not in str(failed)  # no secret in what Dagster keeps


def test_the_monthly_budget_stops_a_notices_run_as_a_scheduled_one(
    write_tenants: Callable[..., Path], tmp_path: Path, instance: dg.DagsterInstance
):
    """The month's share (1 API transaction) is less than the read bills (3): the run
    stops before the request that would pass it and fails saying so; its notices were
    consumed when Dagster took the run (the next notice or the hourly run reads what it
    did not)."""
    tenant = {"company_id": "DEMO", "objects": ["VENDOR"], "entitlement": 2, "share": 0.5}
    queue_file = tmp_path / "notices.sqlite"
    defs = fleet_definitions(write_tenants(tenant), tmp_path / "data", objects=OBJECTS,
                             notices=queue_file)  # fmt: skip
    instance.add_dynamic_partitions(PARTITIONS, ["DEMO"])
    with NoticeQueue(queue_file) as queue:
        record(queue, "DEMO", "VENDOR")
        tick = Ticks(defs.resolve_sensor_def("intacct_notices"), instance)
        (request,) = tick()
        result = execute(defs, instance, request)
        assert not result.success
        failed = failure(result)
        assert failed["error_type"] == "BudgetStop" and failed["entitlement"] == 2
        assert failed["left_before_run"] == 1 and failed["api_transactions"] <= 1
        assert tick() == [] and queue.pending("DEMO") is None
