"""The sensor ``intacct_notices`` through Dagster's own sensor evaluation
(``build_sensor_context`` over an instance): notices recorded in a queue for two tenants
make one run of ``intacct_notices_run`` for both (more past ``notices_per_run``), each
company reading only what they announce (and the lines and trial balance it implies),
under a run key stable from tick to tick; nothing while a burst goes on; the notices
consumed once Dagster has the run, not before; notices no run of the fleet would read
consumed with no run; a company a waiting run will read gets no second one. (A run it
asks, end to end: test_notices_run.py.)"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import yaml

from intacct.integrations.dagster import COMPANY_TAG, PARTITIONS, fleet_definitions
from intacct.integrations.dagster.notices import COMPANIES_TAG, NOTICES_TAG, companies_of
from intacct.notices import Notice, NoticeQueue
from intacct.sync.follow import FollowSettings

#: the fleet's objects: documents with their lines and the trial balance
FLEET = ["VENDOR", "GLACCOUNT", "APBILL", "APBILLITEM", "CLASS", "TRIALBALANCE"]
DEMO_ME_OBJECTS = ["VENDOR", "GLACCOUNT"]
#: settled: the burst quiet for longer than coalesce_s
LONG_AGO = 60.0


@pytest.fixture
def tenants(tmp_path: Path) -> Path:
    """DEMO (every object of the fleet) and DEMO-ME (two of them); no run here opens a
    connection, so the gateway named is never reached."""
    data = {
        "defaults": {
            "api_url": "http://127.0.0.1:9/ia/xml/xmlgw.phtml",
            "sender_id": "demo_sender",
            "sender_password": {"env": "FLEET_SENDER_PASSWORD"},
            "user_id": "demo_user",
            "user_password": {"env": "FLEET_DEMO_PASSWORD"},
        },
        "tenants": [
            {"company_id": "DEMO"},
            {"company_id": "DEMO-ME", "objects": DEMO_ME_OBJECTS},
            {"company_id": "NEWCO"},  # in the file, not yet a partition
        ],
    }
    path = tmp_path / "tenants.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture
def queue(tmp_path: Path) -> Iterator[NoticeQueue]:
    with NoticeQueue(tmp_path / "notices.sqlite") as opened:
        yield opened


@pytest.fixture
def partitioned(instance: dg.DagsterInstance) -> dg.DagsterInstance:
    instance.add_dynamic_partitions(PARTITIONS, ["DEMO", "DEMO-ME"])
    return instance


def sensor_of(
    tenants: Path, tmp_path: Path, per_run: int = 50, **follow: float
) -> dg.SensorDefinition:
    defs = fleet_definitions(
        tenants, tmp_path / "data", objects=FLEET, notices=tmp_path / "notices.sqlite",
        follow=FollowSettings(**follow), notices_per_run=per_run,
    )  # fmt: skip
    # the sensor as defined, not resolved: resolving reaches for Dagster's current
    # instance, which an earlier test of the worker may have let go of (a flake in CI)
    (sensor,) = [s for s in defs.sensors or [] if s.name == "intacct_notices"]
    assert isinstance(sensor, dg.SensorDefinition)
    return sensor


def record(queue: NoticeQueue, company: str, obj: str, ago: float = LONG_AGO) -> str:
    """A notice of ``obj`` in ``company`` received ``ago`` seconds ago; its key."""
    idempotency, record_key = str(uuid.uuid4()), str(uuid.uuid4().int % 10_000)
    notice = Notice(idempotency, "demo_client_id", company, "", obj, "update", record_key,
                    None, "2026-11-26T04:00:00Z")  # fmt: skip
    assert queue.record(notice, received_at=time.time() - ago)
    return idempotency


class Ticks:
    """The sensor evaluated tick after tick, its cursor carried as the daemon does."""

    def __init__(self, sensor: dg.SensorDefinition, instance: dg.DagsterInstance) -> None:
        self.sensor, self.instance, self.cursor = sensor, instance, None

    def __call__(self) -> list[dg.RunRequest]:
        context = dg.build_sensor_context(instance=self.instance, cursor=self.cursor)
        result = self.sensor(context)
        assert isinstance(result, dg.SensorResult)
        self.cursor = result.cursor
        return list(result.run_requests or [])


def accept(
    instance: dg.DagsterInstance,
    request: dg.RunRequest,
    status: dg.DagsterRunStatus = dg.DagsterRunStatus.NOT_STARTED,
) -> dg.DagsterRun:
    """The run the daemon creates for ``request``, with its tags (and partition's) and
    config; NOT_STARTED: created, not yet begun (QUEUED once submitted to the run queue,
    which only a run with a code location's origin can be)."""
    tags = dict(request.tags)
    if request.partition_key is not None:
        tags["dagster/partition"] = request.partition_key
    if request.run_key:
        tags |= {"dagster/run_key": request.run_key, "dagster/sensor_name": "intacct_notices"}
    job = request.job_name or "intacct_fleet"
    run = dg.DagsterRun(job_name=job, run_id=str(uuid.uuid4()), status=status, tags=tags,
                        run_config=dict(request.run_config))  # fmt: skip
    return instance.add_run(run)


def asked(requests: list[dg.RunRequest]) -> dict[str, tuple[str, ...]]:
    """Each company the requests read and its objects, in the fleet's order: every
    request a run of ``intacct_notices_run`` tagged with its key and its count."""
    found: dict[str, tuple[str, ...]] = {}
    for request in requests:
        assert request.job_name == "intacct_notices_run" and request.partition_key is None
        assert request.tags[NOTICES_TAG] == request.run_key
        companies = request.run_config["ops"]["intacct_notices_read"]["config"]["companies"]
        assert request.tags[COMPANIES_TAG] == str(len(companies))
        assert companies_of(request.run_config) == list(companies)
        for company, objects in companies.items():
            assert company not in found, "a company in one run of a tick only"
            found[company] = tuple(o for o in FLEET if o in objects)
    return found


def pending(queue: NoticeQueue, company: str) -> set[str]:
    dirty = queue.pending(company)
    return set(dirty.keys) if dirty else set()


def test_one_run_for_the_settled_tenants_of_only_the_dirty_objects_under_a_stable_key(
    tenants: Path, tmp_path: Path, queue: NoticeQueue, partitioned: dg.DagsterInstance
):
    demo = [record(queue, "DEMO", "VENDOR"), record(queue, "DEMO", "VENDOR"),
            record(queue, "DEMO", "APBILL")]  # fmt: skip
    multi = [record(queue, "DEMO-ME", "VENDOR"), record(queue, "DEMO-ME", "APBILL")]
    tick = Ticks(sensor_of(tenants, tmp_path), partitioned)
    first = tick()
    assert len(first) == 1
    # APBILL: its lines and the trial balance too; DEMO-ME syncs no bill: its vendors only
    assert asked(first) == {
        "DEMO": ("VENDOR", "APBILL", "APBILLITEM", "TRIALBALANCE"),
        "DEMO-ME": ("VENDOR",),
    }
    key = first[0].run_key
    # nothing consumed before Dagster has the run
    assert pending(queue, "DEMO") == set(demo) and pending(queue, "DEMO-ME") == set(multi)
    # a tick again (the daemon's, with none of them launched): the same run, same key
    again = tick()
    assert [r.run_key for r in again] == [key] and asked(again) == asked(first)
    # and from a fresh sensor (another process, no cursor): the same key
    assert [r.run_key for r in Ticks(sensor_of(tenants, tmp_path), partitioned)()] == [key]


def test_past_notices_per_run_the_companies_share_more_runs(
    tenants: Path, tmp_path: Path, queue: NoticeQueue, partitioned: dg.DagsterInstance
):
    record(queue, "DEMO", "VENDOR")
    record(queue, "DEMO-ME", "GLACCOUNT")
    requests = Ticks(sensor_of(tenants, tmp_path, per_run=1), partitioned)()
    assert [len(asked([r])) for r in requests] == [1, 1]
    assert asked(requests) == {"DEMO": ("VENDOR",), "DEMO-ME": ("GLACCOUNT",)}
    assert len({r.run_key for r in requests}) == 2


def test_notices_consumed_once_dagster_has_the_run(
    tenants: Path, tmp_path: Path, queue: NoticeQueue, partitioned: dg.DagsterInstance
):
    demo = record(queue, "DEMO", "VENDOR")
    multi = record(queue, "DEMO-ME", "GLACCOUNT")
    tick = Ticks(sensor_of(tenants, tmp_path, coalesce_s=30, max_wait_s=120), partitioned)
    (request,) = tick()
    # the run never made (the daemon did not take it): both asked again, same key
    (again,) = tick()
    assert again.run_key == request.run_key and set(asked([again])) == {"DEMO", "DEMO-ME"}
    assert pending(queue, "DEMO") == {demo} and pending(queue, "DEMO-ME") == {multi}
    accept(partitioned, again, dg.DagsterRunStatus.STARTED)
    later = record(queue, "DEMO", "CLASS", ago=0)  # a new burst of DEMO begins
    assert tick() == []  # DEMO's new burst goes on; the run's notices consumed
    assert queue.pending("DEMO-ME") is None and pending(queue, "DEMO") == {later}


def test_nothing_during_a_burst_until_it_settles(
    tenants: Path, tmp_path: Path, queue: NoticeQueue, partitioned: dg.DagsterInstance
):
    tick = Ticks(sensor_of(tenants, tmp_path, coalesce_s=30, max_wait_s=120), partitioned)
    record(queue, "DEMO", "VENDOR", ago=10)
    record(queue, "DEMO", "VENDOR", ago=0)
    assert tick() == []  # 0 s of quiet, 10 s since the first
    record(queue, "DEMO-ME", "VENDOR", ago=200)  # the first of a burst that goes on...
    record(queue, "DEMO-ME", "VENDOR", ago=0)
    assert asked(tick()) == {"DEMO-ME": ("VENDOR",)}  # ...past max_wait_s
    record(queue, "DEMO", "VENDOR", ago=0)
    assert "DEMO" not in asked(tick())
    assert len(pending(queue, "DEMO")) == 3


def test_notices_no_run_would_read_are_consumed_with_no_run(
    tenants: Path, tmp_path: Path, queue: NoticeQueue, partitioned: dg.DagsterInstance
):
    record(queue, "DEMO-ME", "APBILL")  # DEMO-ME syncs VENDOR and GLACCOUNT only
    record(queue, "DEMO-ME", "CUSTOMER")  # not even an object of the fleet
    record(queue, "OTHERCO", "VENDOR")  # no tenant of this fleet
    record(queue, "NEWCO", "VENDOR")  # a tenant whose first run is still to come
    tick = Ticks(sensor_of(tenants, tmp_path), partitioned)
    assert tick() == []
    assert queue.companies() == []
    assert queue.counts() == {"kept": 4, "pending": 0, "consumed": 4}


def test_a_tenant_a_waiting_run_will_read_gets_no_second_one(
    tenants: Path, tmp_path: Path, queue: NoticeQueue, partitioned: dg.DagsterInstance
):
    """A company a run waiting in the queue will read (its partition's, or a notices
    run naming it): its notices wait too (that run reads later than them); once the run
    has started, they ask one (the company's slot keeps the two syncs apart)."""
    tick = Ticks(sensor_of(tenants, tmp_path), partitioned)
    scheduled = dg.RunRequest(partition_key="DEMO", tags={COMPANY_TAG: "DEMO"})
    waiting = accept(partitioned, scheduled)  # the hourly run of DEMO, not begun
    keys = {record(queue, "DEMO", "VENDOR"), record(queue, "DEMO-ME", "VENDOR")}
    (request,) = tick()
    assert asked([request]) == {"DEMO-ME": ("VENDOR",)}
    assert pending(queue, "DEMO") & keys
    partitioned.delete_run(waiting.run_id)
    accept(partitioned, scheduled, dg.DagsterRunStatus.STARTED)  # it has begun
    accept(partitioned, request)  # DEMO-ME's notices run, not begun
    record(queue, "DEMO-ME", "GLACCOUNT")
    assert asked(tick()) == {"DEMO": ("VENDOR",)}  # DEMO-ME waits for its run


def test_the_sensor_is_there_only_with_a_queue(tenants: Path, tmp_path: Path):
    without = fleet_definitions(tenants, tmp_path / "data", objects=FLEET)
    assert [s.name for s in without.sensors or []] == ["intacct_new_tenants"]
    sensor = sensor_of(tenants, tmp_path)
    assert sensor.minimum_interval_seconds == 5
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert sensor.job_name == "intacct_notices_run"
