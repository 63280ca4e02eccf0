"""The example fleet: the demo companies of tenants.yaml, each into data/<company>.duckdb.

dagster job execute -f definitions.py -j intacct_fleet_once    # every company, once
DAGSTER_HOME=$PWD dagster dev -f definitions.py                # the UI, sensor, schedule

Where nothing answers at tenants.yaml's address (127.0.0.1:8089), the process that loads
these definitions first serves the emulator's demo companies there from a thread, its
data kept in emulator.sqlite beside this file; the run's other processes (a step's, a run
launched by `dagster dev`) find it listening. INTACCT_EXAMPLE_EMULATOR=0 leaves it to you
(`intacct emulator serve`, or tenants.yaml pointed at your companies).
"""

import os
import socket
from pathlib import Path

from intacct.emulator.server import EmulatorServer, EmulatorStartError
from intacct.integrations.dagster import fleet_definitions

HERE = Path(__file__).parent
EMULATOR = ("127.0.0.1", 8089)


def demo_emulator() -> EmulatorServer | None:
    """The demo emulator, started here unless one already answers (or it is turned off)."""
    if os.environ.get("INTACCT_EXAMPLE_EMULATOR", "1") == "0":
        return None
    with socket.socket() as probe:
        probe.settimeout(1)
        if probe.connect_ex(EMULATOR) == 0:
            return None
    try:
        server = EmulatorServer(host=EMULATOR[0], port=EMULATOR[1], db=HERE / "emulator.sqlite")
        return server.start()
    except EmulatorStartError:  # another process of the run started it meanwhile
        return None


emulator = demo_emulator()

defs = fleet_definitions(
    HERE / "tenants.yaml",
    HERE / "data",
    objects=["GLACCOUNT", "VENDOR", "CUSTOMER", "APBILL", "ARINVOICE", "GLENTRY", "TRIALBALANCE"],
)
