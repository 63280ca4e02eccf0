"""The deployed fleet: the companies of tenants.yaml, each into its own Postgres schema
(the tenants' destination template), state and ledger there, runs on the worker hosts
(their Celery workers).

See README.md: the daemon, the run worker hosts and the webserver all load this file.
"""

import os
from pathlib import Path

import dagster as dg
from intacct.integrations.dagster import fleet_definitions

HERE = Path(__file__).parent

defs = fleet_definitions(
    HERE / "tenants.yaml",
    HERE / "data",  # unused: every tenant's destination is Postgres
    objects=["GLACCOUNT", "VENDOR", "CUSTOMER", "APBILL", "ARINVOICE", "GLENTRY"],
    sensor_interval_s=int(os.environ.get("INTACCT_SENSOR_INTERVAL_S", "60")),
    cron_schedule=os.environ.get("INTACCT_FLEET_CRON", "0 * * * *"),
    # hourly, the fleet in 2 runs of intacct_fleet_once (a shard each, 25 companies to a
    # step): a run per company costs more to launch than its sync (docs/fleet.md)
    shards=int(os.environ.get("INTACCT_FLEET_SHARDS", "2")),
    companies_per_step=int(os.environ.get("INTACCT_COMPANIES_PER_STEP", "25")),
    # a run's steps in its own process: a Celery worker's processes (daemons) may start
    # none, and a run killed (an OOM kill) leaves no step of it behind
    executor=dg.in_process_executor,
)
