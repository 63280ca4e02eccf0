"""The example fleet: the demo companies of tenants.yaml, each into data/<company>.duckdb.

dg launch --job intacct_fleet_once -f definitions.py          # every company, once
DAGSTER_HOME=$PWD dagster dev -f definitions.py                # the UI, sensors, schedule
intacct notices serve --profile emulator --notices notices.sqlite   # Intacct's change notices

The emulator listens on 127.0.0.1, port INTACCT_EXAMPLE_EMULATOR_PORT (default 8089);
tenants.yaml's api_url follows it (INTACCT_EXAMPLE_API_URL, set here). Where nothing
answers there, the process that loads these definitions first serves the emulator's demo
companies there from a thread, its data kept in emulator.sqlite beside this file; the
run's other processes (a step's, a run launched by `dagster dev`) find it there. What
answers there is used only once it has answered as an intacct emulator with the tenants'
companies (GET /_emulator/companies); anything else is an error naming the port. The
emulator started here posts a webhook for every write of the fleet's objects in its
companies to the receiver `intacct notices serve` (127.0.0.1:8080), which keeps them in
notices.sqlite; the sensor intacct_notices reads that queue and runs the companies whose
objects changed. INTACCT_EXAMPLE_EMULATOR=0 leaves it to you (`intacct emulator serve`,
or tenants.yaml pointed at your companies).
"""

import os
from pathlib import Path

import dagster as dg
import httpx

from intacct.emulator.server import EmulatorServer, EmulatorStartError
from intacct.integrations.dagster import fleet_definitions, load_tenants

HERE = Path(__file__).parent
HOST = "127.0.0.1"
PORT_SETTING = "INTACCT_EXAMPLE_EMULATOR_PORT"
#: where `intacct notices serve` listens by default
RECEIVER = "http://127.0.0.1:8080/intacct/notices"


def emulator_port() -> int:
    """The emulator's port: INTACCT_EXAMPLE_EMULATOR_PORT, default 8089."""
    given = os.environ.get(PORT_SETTING, "8089")
    if not given.isdigit() or not 0 < int(given) < 65536:
        raise ValueError(f"{PORT_SETTING} must be a port number (1-65535), not {given!r}")
    return int(given)


PORT = emulator_port()
# tenants.yaml's api_url: {env: INTACCT_EXAMPLE_API_URL}, in every process of the run
os.environ["INTACCT_EXAMPLE_API_URL"] = f"http://{HOST}:{PORT}/ia/xml/xmlgw.phtml"


def demo_emulator() -> EmulatorServer | None:
    """The demo emulator, started here unless one already answers (or it is turned off)."""
    if os.environ.get("INTACCT_EXAMPLE_EMULATOR", "1") == "0":
        return None
    if identified():
        return None
    try:
        server = EmulatorServer(host=HOST, port=PORT, db=HERE / "emulator.sqlite")
        return server.start()
    except EmulatorStartError:  # another process of the run started it meanwhile
        if not identified():
            raise
        return None


def identified() -> bool:
    """Whether an intacct emulator with the tenants' companies answers at the port
    (False: nothing listens there); anything else there is an error naming the port."""
    address = f"http://{HOST}:{PORT}"
    try:
        answer = httpx.get(f"{address}/_emulator/companies", timeout=10)
    except httpx.ConnectError:
        return False
    except httpx.HTTPError as exc:
        return _not_an_emulator(address, f"{type(exc).__name__}: {exc}")
    try:
        listed = {company["id"] for company in answer.json()["companies"]}
    except (ValueError, KeyError, TypeError):
        return _not_an_emulator(address, f"GET /_emulator/companies: HTTP {answer.status_code}")
    missing = sorted(set(load_tenants(HERE / "tenants.yaml")) - listed)
    if missing:
        return _not_an_emulator(address, f"an intacct emulator without {', '.join(missing)}")
    return True


def _not_an_emulator(address: str, why: str) -> bool:
    raise RuntimeError(
        f"{address} answers, but not as the example's intacct emulator ({why}): stop what "
        f"listens on port {PORT}, or set {PORT_SETTING} to a free port"
    )


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
