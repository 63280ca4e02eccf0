"""The example fleet: the demo companies of tenants.yaml, each into data/<company>.duckdb.

dagster job execute -f definitions.py -j intacct_fleet_once    # every company, once
DAGSTER_HOME=$PWD dagster dev -f definitions.py                # the UI, sensor, schedule
"""

from pathlib import Path

from intacct.integrations.dagster import fleet_definitions

HERE = Path(__file__).parent

defs = fleet_definitions(
    HERE / "tenants.yaml",
    HERE / "data",
    objects=["GLACCOUNT", "VENDOR", "CUSTOMER", "APBILL", "ARINVOICE", "GLENTRY", "TRIALBALANCE"],
)
