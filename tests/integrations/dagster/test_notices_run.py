"""A run the sensor ``intacct_notices`` asks, end to end against the emulator on a
socket: a vendor written in Intacct is announced by the emulator's webhook to the
receiver, which records it in the queue; the sensor's tick asks a run of the tenant's
partition reading VENDOR only; that run (Dagster's, in process, with the request's
assets and tags) stores the vendor in the tenant's DuckDB file, and the next tick
consumes the notice. And the tenant's monthly budget stops a notices run as it stops a
scheduled one."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from intacct import IntacctClient
from intacct.emulator.demo import app_config, client_config
from intacct.emulator.server import EmulatorServer
from intacct.integrations.dagster import PARTITIONS, fleet_definitions
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
    """The run Dagster launches for ``request``: its partition, assets and tags."""
    return defs.resolve_job_def("intacct_fleet").execute_in_process(
        instance=instance, partition_key=request.partition_key,
        asset_selection=request.asset_selection, tags=request.tags, raise_on_error=False,
    )  # fmt: skip


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
        found = metadata(result)
        assert set(found) == {"VENDOR"} and found["VENDOR"]["inserted"] == 1
        assert tick() == [] and queue.pending("DEMO") is None  # consumed: Dagster had it
    assert stored(db, vendor) == 1
    (run,) = instance.get_runs(dg.RunsFilter(tags={"intacct/notices": str(request.run_key)}))
    assert run.tags["intacct/company"] == "DEMO" and run.tags["dagster/partition"] == "DEMO"


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
