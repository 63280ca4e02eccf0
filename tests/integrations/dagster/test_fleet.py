"""The fleet's assets through Dagster's Python API: two companies materialized with
exact counts and their metadata, the sensor adding a tenant, the schedule, a second run
of one company refused, and failures that say what and why without a password."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import httpx
import psycopg
import pytest

from intacct import IntacctClient
from intacct.emulator.server import EmulatorServer
from intacct.integrations.dagster import COMPANY_TAG, PARTITIONS, asset_key, fleet_definitions
from intacct.replication.records.typed import ENTITY_ID

from .conftest import OBJECTS, SENDER_PASSWORD, USER_PASSWORD, definitions, tenant_list

pytestmark = pytest.mark.usefixtures("secrets")
DEMO = {"company_id": "DEMO"}
#: max_retries 0: a request beyond the emulator's limit of 2 would fail the run
DEMO_ME = {"company_id": "DEMO-ME", "entity_ids": ["E100", "E200"], "concurrency": 2,
           "max_retries": 0}  # fmt: skip


def truth(server: EmulatorServer, company: str, name: str, entity: str = "") -> int:
    config = {**tenant_list(server)["defaults"], "company_id": company, "entity_id": entity}
    config |= {"sender_password": SENDER_PASSWORD, "user_password": USER_PASSWORD}
    with IntacctClient.from_mapping(config) as client:
        return sum(1 for _ in client.iter_query(name, ["RECORDNO"]))


def rows(db: Path, table: str, entity: str | None = None) -> int:
    where, args = (f' WHERE "{ENTITY_ID}" = ?', [entity]) if entity else ("", [])
    with duckdb.connect(str(db), read_only=True) as con:
        found = con.execute(f'SELECT count(*) FROM "{table}"{where}', args).fetchone()  # noqa: S608
    assert found is not None
    return int(found[0])


def run(defs: dg.Definitions, instance: dg.DagsterInstance, company: str) -> Any:
    job = defs.resolve_job_def("intacct_fleet")
    return job.execute_in_process(instance=instance, partition_key=company, raise_on_error=False)


def metadata(result: Any) -> dict[str, dict[str, Any]]:
    return {
        m.asset_key.path[-1].upper(): {k: v.value for k, v in m.metadata.items()}
        for m in result.asset_materializations_for_node("intacct_sync")
    }


def failure(result: Any) -> dict[str, Any]:
    (event,) = result.get_step_failure_events()
    data = event.step_failure_data.user_failure_data
    assert data is not None, event.step_failure_data.error
    return {k: v.value for k, v in data.metadata.items()} | {"description": data.description}


def test_two_companies_materialized_exactly(
    write_tenants: Callable[..., Path], tmp_path: Path, instance: dg.DagsterInstance,
    emulator: EmulatorServer,
):  # fmt: skip
    defs = definitions(write_tenants(DEMO, DEMO_ME), tmp_path / "data")
    instance.add_dynamic_partitions(PARTITIONS, ["DEMO", "DEMO-ME"])
    demo, multi = run(defs, instance, "DEMO"), run(defs, instance, "DEMO-ME")
    assert demo.success and multi.success
    for name, found in metadata(demo).items():
        expected = truth(emulator, "DEMO", name)
        assert expected > 0 and rows(tmp_path / "data/DEMO.duckdb", name) == expected
        assert found["records"] == found["inserted"] == expected, name
        assert found["requests"] >= 1 and found["api_transactions"] >= 1 and found["bytes"] > 0
        assert found["seconds"] > 0 and found["destination"].endswith("DEMO.duckdb")
    assert set(metadata(demo)) == set(OBJECTS)
    for name, found in metadata(multi).items():
        expected = {e: truth(emulator, "DEMO-ME", name, e) for e in ("E100", "E200")}
        db = tmp_path / "data/DEMO-ME.duckdb"
        assert {e: rows(db, name, e) for e in expected} == expected, name
        assert found["records"] == sum(expected.values())
    # the materializations are the partitions' own
    event = instance.get_latest_materialization_event(asset_key("VENDOR"))
    assert event is not None and event.asset_materialization is not None
    assert event.asset_materialization.partition == "DEMO-ME"


def test_second_run_goes_on_from_the_state(
    write_tenants: Callable[..., Path], tmp_path: Path, instance: dg.DagsterInstance
):
    defs = definitions(write_tenants(DEMO), tmp_path / "data")
    instance.add_dynamic_partitions(PARTITIONS, ["DEMO"])
    first = metadata(run(defs, instance, "DEMO"))
    again = metadata(run(defs, instance, "DEMO"))
    assert first["VENDOR"]["inserted"] > 0
    assert all(m["inserted"] == m["updated"] == 0 for m in again.values())
    # nothing changed: the audit trail's one question (verify_every) left every object
    # quiet, described as kept in the data folder (no look-up)
    assert {m["why"] for m in again.values()} == {"quiet: the audit trail lists no change"}
    assert {m["api_transactions"] for m in again.values()} == {0}
    assert list((tmp_path / "data" / ".metadata" / "lookups").glob("*.json"))


def test_tenant_objects_subset(
    write_tenants: Callable[..., Path], tmp_path: Path, instance: dg.DagsterInstance
):
    defs = definitions(write_tenants({**DEMO, "objects": ["vendor"]}), tmp_path / "data")
    instance.add_dynamic_partitions(PARTITIONS, ["DEMO"])
    result = run(defs, instance, "DEMO")
    assert result.success and set(metadata(result)) == {"VENDOR"}


def test_sensor_adds_new_tenants_and_requests_their_first_run(
    write_tenants: Callable[..., Path], tmp_path: Path, instance: dg.DagsterInstance
):
    tenants = write_tenants(DEMO)
    sensor = definitions(tenants, tmp_path).resolve_sensor_def("intacct_new_tenants")

    def tick() -> dg.SensorResult:
        result = sensor(dg.build_sensor_context(instance=instance))
        assert isinstance(result, dg.SensorResult)
        for request in result.dynamic_partitions_requests or []:  # as the daemon does
            assert isinstance(request, dg.AddDynamicPartitionsRequest)
            instance.add_dynamic_partitions(request.partitions_def_name, request.partition_keys)
        return result

    first = tick()
    assert [(r.partition_key, r.tags[COMPANY_TAG]) for r in first.run_requests or []] == [
        ("DEMO", "DEMO")
    ]
    assert instance.get_dynamic_partitions(PARTITIONS) == ["DEMO"]
    assert not tick().run_requests  # nothing new: nothing asked
    write_tenants(DEMO, DEMO_ME)
    third = tick()
    assert [r.partition_key for r in third.run_requests or []] == ["DEMO-ME"]
    assert instance.get_dynamic_partitions(PARTITIONS) == ["DEMO", "DEMO-ME"]


def test_schedule_asks_a_run_per_company(write_tenants: Callable[..., Path], tmp_path: Path):
    schedule = definitions(write_tenants(DEMO, DEMO_ME), tmp_path).resolve_schedule_def(
        "intacct_fleet_schedule"
    )
    assert schedule.cron_schedule == "0 * * * *"
    at = datetime(2026, 11, 23, 20, tzinfo=UTC)
    # persistent (SQLite in a temporary folder): a schedule's context refuses an ephemeral one
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(PARTITIONS, ["DEMO", "DEMO-ME"])
        context = dg.build_schedule_context(instance, scheduled_execution_time=at)
        requests = list(schedule(context))
    assert [(r.partition_key, r.tags[COMPANY_TAG], r.run_key) for r in requests] == [
        ("DEMO", "DEMO", "DEMO:2026-11-23T20:00:00+00:00"),
        ("DEMO-ME", "DEMO-ME", "DEMO-ME:2026-11-23T20:00:00+00:00"),
    ]


HOLD = """
import sys
from intacct.destinations import DuckDBDestination
destination = DuckDBDestination(sys.argv[1])
print("holding", flush=True)
sys.stdin.read()
"""


def test_second_run_of_a_company_is_refused(
    write_tenants: Callable[..., Path], tmp_path: Path, instance: dg.DagsterInstance
):
    """Another process has company DEMO's destination open (a run of it elsewhere):
    this run is refused by the destination's lock, and says so."""
    (tmp_path / "data").mkdir()
    db = tmp_path / "data/DEMO.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        defs = definitions(write_tenants(DEMO), tmp_path / "data")
        instance.add_dynamic_partitions(PARTITIONS, ["DEMO"])
        result = run(defs, instance, "DEMO")
    finally:
        holder.communicate("")
    assert not result.success
    failed = failure(result)
    assert failed["error_type"] == "DestinationBusyError"
    assert "in use by another program writing it" in failed["error"]
    assert failed["hint"].startswith("another run (or a reader, past lock_wait_s) holds company")


def test_wrong_password_fails_with_classified_error_and_no_password(
    write_tenants: Callable[..., Path], tmp_path: Path, instance: dg.DagsterInstance,
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str],
):  # fmt: skip
    wrong = "Wr0ng-P@ss<&>-fleet"
    monkeypatch.setenv("FLEET_DEMO_PASSWORD", wrong)
    defs = definitions(write_tenants(DEMO), tmp_path / "data")
    instance.add_dynamic_partitions(PARTITIONS, ["DEMO"])
    result = run(defs, instance, "DEMO")
    assert not result.success
    failed = failure(result)
    assert failed["error_type"] == "AuthenticationError"
    assert failed["description"].startswith("company DEMO: ")
    assert "user_id and password references" in failed["hint"]
    assert "intacct doctor" in failed["hint"]
    logs = "\n".join(dg.serialize_value(record) for record in instance.all_logs(result.run_id))
    out, err = capfd.readouterr()
    for text in (logs, out, err, json.dumps(failed)):
        assert wrong not in text and SENDER_PASSWORD not in text


def test_missing_variable_fails_naming_tenant_and_variable(
    write_tenants: Callable[..., Path], tmp_path: Path, instance: dg.DagsterInstance,
    monkeypatch: pytest.MonkeyPatch,
):  # fmt: skip
    monkeypatch.delenv("FLEET_DEMO_PASSWORD")
    defs = definitions(write_tenants(DEMO), tmp_path / "data")
    instance.add_dynamic_partitions(PARTITIONS, ["DEMO"])
    failed = failure(run(defs, instance, "DEMO"))
    assert failed["error_type"] == "TenantError"
    assert failed["error"] == (
        "tenant DEMO: user_password: environment variable FLEET_DEMO_PASSWORD is not set"
    )
    assert not (tmp_path / "data").exists()  # refused before anything was opened


def test_fleet_once_registers_and_syncs_every_tenant(
    write_tenants: Callable[..., Path], tmp_path: Path, instance: dg.DagsterInstance,
    emulator: EmulatorServer,
):  # fmt: skip
    defs = definitions(write_tenants(DEMO, DEMO_ME), tmp_path / "data")
    result = defs.resolve_job_def("intacct_fleet_once").execute_in_process(instance=instance)
    assert result.success
    assert instance.get_dynamic_partitions(PARTITIONS) == ["DEMO", "DEMO-ME"]
    for company in ("DEMO", "DEMO-ME"):
        event = instance.get_latest_materialization_event(asset_key("CLASS"))
        assert event is not None
        assert rows(tmp_path / f"data/{company}.duckdb", "CLASS") > 0
    materialized = instance.get_materialized_partitions(asset_key("GLACCOUNT"))
    assert materialized == {"DEMO", "DEMO-ME"}
    assert rows(tmp_path / "data/DEMO.duckdb", "GLACCOUNT") == truth(emulator, "DEMO", "GLACCOUNT")


def test_denied_objects_fail_the_run_after_the_others_are_stored(
    write_tenants: Callable[..., Path], tmp_path: Path, instance: dg.DagsterInstance,
    emulator: EmulatorServer,
):  # fmt: skip
    identities = emulator.store.identities
    identities.configure_user("DEMO", "demo_user", denied_modules=["AP"])
    try:
        defs = definitions(write_tenants(DEMO), tmp_path / "data")
        instance.add_dynamic_partitions(PARTITIONS, ["DEMO"])
        result = run(defs, instance, "DEMO")
    finally:
        identities.configure_user("DEMO", "demo_user", denied_modules=[])
    assert not result.success
    failed = failure(result)
    assert "APBILL" in failed["failed_objects"].split(", ")
    assert failed["error_type"] == "PermissionDeniedError"
    assert "List and View permission" in failed["hint"]
    stored = set(metadata(result))
    assert {"GLACCOUNT", "CLASS"} <= stored and "APBILL" not in stored


def test_tenant_object_outside_the_fleet_is_an_error(
    write_tenants: Callable[..., Path], tmp_path: Path, instance: dg.DagsterInstance
):
    defs = definitions(write_tenants({**DEMO, "objects": ["VENDOR", "ARINVOICE"]}), tmp_path)
    instance.add_dynamic_partitions(PARTITIONS, ["DEMO"])
    failed = failure(run(defs, instance, "DEMO"))
    assert failed["error"] == (
        "tenant DEMO: objects: ARINVOICE not among the fleet's assets "
        "(VENDOR, GLACCOUNT, APBILL, CLASS); add them to fleet_definitions' objects"
    )


def test_partition_of_a_removed_tenant_fails_saying_so(
    write_tenants: Callable[..., Path], tmp_path: Path, instance: dg.DagsterInstance
):
    defs = definitions(write_tenants(DEMO), tmp_path)
    instance.add_dynamic_partitions(PARTITIONS, ["GONE"])
    failed = failure(run(defs, instance, "GONE"))
    assert failed["error"] == "company GONE is not in the tenant list (removed from it?)"


def test_unwritable_data_folder_fails_with_a_hint(
    write_tenants: Callable[..., Path], tmp_path: Path, instance: dg.DagsterInstance
):
    (tmp_path / "file").write_text("not a folder")
    defs = definitions(write_tenants(DEMO), tmp_path / "file" / "data")
    instance.add_dynamic_partitions(PARTITIONS, ["DEMO"])
    failed = failure(run(defs, instance, "DEMO"))
    assert failed["error_type"] in {"FileExistsError", "NotADirectoryError"}
    assert failed["hint"] == "check the destination: its folder must be creatable and writable"


def test_company_into_postgres(
    write_tenants: Callable[..., Path], tmp_path: Path, instance: dg.DagsterInstance,
    emulator: EmulatorServer, postgres_url: str, monkeypatch: pytest.MonkeyPatch,
):  # fmt: skip
    """A tenant whose destination is a Postgres schema, its URL by reference."""
    monkeypatch.setenv("FLEET_DEMO_DB", f"{postgres_url}?schema=demo")
    defs = definitions(write_tenants({**DEMO, "destination": {"env": "FLEET_DEMO_DB"}}), tmp_path)
    instance.add_dynamic_partitions(PARTITIONS, ["DEMO"])
    result = run(defs, instance, "DEMO")
    assert result.success
    found = metadata(result)["VENDOR"]
    assert found["destination"] == f"{postgres_url} (schema demo)"  # shown without a password
    with psycopg.connect(postgres_url) as con:
        row = con.execute('SELECT count(*) FROM demo."VENDOR"').fetchone()
    assert row is not None and row[0] == found["records"] == truth(emulator, "DEMO", "VENDOR")


def test_budget_stops_the_company_cleanly(
    write_tenants: Callable[..., Path], tmp_path: Path, instance: dg.DagsterInstance
):
    """A tenant's per-run budget of API transactions: the run stops before the request
    that would exceed it, keeps what it stored, and fails saying so."""
    defs = definitions(write_tenants({**DEMO, "budget": 4}), tmp_path / "data")
    instance.add_dynamic_partitions(PARTITIONS, ["DEMO"])
    result = run(defs, instance, "DEMO")
    assert not result.success
    failed = failure(result)
    assert failed["error_type"] == "BudgetStop" and failed["budget"] == 4
    assert failed["error"].startswith("API transaction budget reached: 0 of 4 spent")
    assert failed["api_transactions"] == 0
    assert metadata(result) == {}  # nothing was read: nothing is materialized


def _billed(server: EmulatorServer, company: str) -> int:
    stats = httpx.get(server.url.replace("/ia/xml/xmlgw.phtml", "/_emulator/stats"), timeout=30)
    return int(stats.json().get(f"api_transactions.{company}", 0))


def _month_spent(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        summaries = con.execute("SELECT summary FROM _intacct_runs").fetchall()
    return sum(o["transactions"] for (s,) in summaries for o in json.loads(s))


def test_monthly_entitlement_stops_the_second_run_on_what_is_left(
    write_tenants: Callable[..., Path], tmp_path: Path, instance: dg.DagsterInstance,
    emulator: EmulatorServer,
):  # fmt: skip
    """entitlement x share less what the month's runs billed: the first run fits; the
    second (a full read again) stops on what is left (one transaction short of a run)
    with a BudgetStop naming the month; the third on what the second left; never beyond
    the share."""
    instance.add_dynamic_partitions(PARTITIONS, ["DEMO"])
    before = _billed(emulator, "DEMO")
    full = run(definitions(write_tenants(DEMO), tmp_path / "whole"), instance, "DEMO")
    whole = _billed(emulator, "DEMO") - before
    assert full.success and whole > 0
    left = whole - 1  # a second full read does not fit
    allowed = whole + left
    tenant = {**DEMO, "entitlement": allowed * 4, "share": 0.25}
    defs = definitions(write_tenants(tenant), tmp_path / "data")
    assert run(defs, instance, "DEMO").success
    # the tables gone but the month's runs kept: the second run reads everything again
    (tmp_path / "data/DEMO.duckdb").rename(tmp_path / "first.duckdb")
    _copy_runs(tmp_path / "first.duckdb", tmp_path / "data/DEMO.duckdb")

    before = _billed(emulator, "DEMO")
    second = run(defs, instance, "DEMO")
    assert not second.success
    failed = failure(second)
    assert failed["error_type"] == "BudgetStop" and failed["entitlement"] == allowed * 4
    assert failed["share"] == 0.25 and failed["spent_before_run"] == whole
    assert failed["left_before_run"] == left and failed["month"] == f"{datetime.now(UTC):%Y-%m}"
    assert f"{left} left" in failed["description"]
    spent = _billed(emulator, "DEMO") - before
    assert 0 < spent <= left and failed["api_transactions"] == spent
    assert _month_spent(tmp_path / "data/DEMO.duckdb") == whole + spent <= allowed

    before = _billed(emulator, "DEMO")
    third = failure(run(defs, instance, "DEMO"))
    assert third["error_type"] == "BudgetStop" and third["left_before_run"] == left - spent
    assert _billed(emulator, "DEMO") - before <= left - spent
    assert _month_spent(tmp_path / "data/DEMO.duckdb") <= allowed


def _copy_runs(source: Path, target: Path) -> None:
    """A new destination holding only ``source``'s recorded runs (its month so far)."""
    with duckdb.connect(str(target)) as con:
        con.execute(f"ATTACH '{source}' AS old (READ_ONLY)")
        con.execute("CREATE TABLE _intacct_runs AS SELECT * FROM old._intacct_runs")


def test_fleet_once_with_companies_per_step(
    write_tenants: Callable[..., Path], tmp_path: Path, instance: dg.DagsterInstance,
    emulator: EmulatorServer,
):  # fmt: skip
    """Three companies, two to a step: two steps; the company whose password variable is
    missing fails its step after the other company of the step is stored."""
    broken = {"company_id": "DEMO-X", "user_password": {"env": "FLEET_NOT_SET"}}
    tenants = write_tenants(DEMO, broken, DEMO_ME)
    defs = fleet_definitions(tenants, tmp_path / "data", objects=OBJECTS, companies_per_step=2)
    result = defs.resolve_job_def("intacct_fleet_once").execute_in_process(
        instance=instance, raise_on_error=False
    )
    assert not result.success
    steps = {e.step_key for e in result.all_events if e.is_step_success or e.is_step_failure}
    assert steps == {"intacct_tenants", "intacct_company[DEMO]", "intacct_company[DEMO_ME]"}
    (event,) = result.get_step_failure_events()
    data = event.step_failure_data.user_failure_data
    assert data is not None and data.metadata["failed_companies"].value == "DEMO-X"
    assert "1 of 2 companies failed: company DEMO-X: tenant DEMO-X: user_password" in str(
        data.description
    )
    assert instance.get_materialized_partitions(asset_key("VENDOR")) == {"DEMO", "DEMO-ME"}
    assert rows(tmp_path / "data/DEMO.duckdb", "VENDOR") == truth(emulator, "DEMO", "VENDOR")
