"""The example fleet: the demo companies of tenants.yaml, each into data/<company>.duckdb.

dagster job execute -f definitions.py -j intacct_fleet_once    # every company, once
DAGSTER_HOME=$PWD dagster dev -f definitions.py                # the UI, sensors, schedule
intacct notices serve --notices notices.sqlite                 # Intacct's change notices

Where nothing answers at tenants.yaml's address (127.0.0.1:8089), the process that loads
these definitions first serves the emulator's demo companies there from a thread, its
data kept in emulator.sqlite beside this file; the run's other processes (a step's, a run
launched by `dagster dev`) find it listening. That emulator posts a webhook for every
write of the fleet's objects in its companies to the receiver `intacct notices serve`
(127.0.0.1:8080), which keeps them in notices.sqlite; the sensor intacct_notices reads
that queue and runs the companies whose objects changed. INTACCT_EXAMPLE_EMULATOR=0 leaves
it to you (`intacct emulator serve`, or tenants.yaml pointed at your companies).
"""

import os
import socket
from pathlib import Path

import dagster as dg

from intacct.emulator.server import EmulatorServer, EmulatorStartError
from intacct.integrations.dagster import fleet_definitions, load_tenants

HERE = Path(__file__).parent
EMULATOR = ("127.0.0.1", 8089)
#: where `intacct notices serve` listens by default
RECEIVER = "http://127.0.0.1:8080/intacct/notices"


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


def announce_writes(server: EmulatorServer, definitions: dg.Definitions) -> None:
    """Intacct's webhooks as a company sets them up (a trigger per object, posting to the
    receiver): every write of the fleet's objects in the tenants' companies."""
    names = {key.path[-1].upper() for key in definitions.resolve_all_asset_keys()}
    for company in load_tenants(HERE / "tenants.yaml"):
        for name in sorted(names - {"TRIALBALANCE"}):  # a report, not an object
            server.subscribe(company, name, url=RECEIVER)


emulator = demo_emulator()

defs = fleet_definitions(
    HERE / "tenants.yaml",
    HERE / "data",
    objects=["GLACCOUNT", "VENDOR", "CUSTOMER", "APBILL", "ARINVOICE", "GLENTRY", "TRIALBALANCE"],
    # the queue `intacct notices serve --notices notices.sqlite` records notices in
    notices=HERE / "notices.sqlite",
)
if emulator is not None:
    announce_writes(emulator, defs)
