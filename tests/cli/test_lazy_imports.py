"""`intacct sync` loads what a sync needs, not the emulator's web server nor the other
commands (issue 18: memory before the first page)."""

from __future__ import annotations

import os
import subprocess
import sys

from intacct.emulator.demo import app_config, client_config
from intacct.emulator.server import EmulatorServer

_SYNC_HELP = """
import sys
from intacct.cli import main
try:
    main(["sync", "--help"])
except SystemExit:
    pass
print(" ".join(sorted(sys.modules)))
"""


def test_sync_loads_neither_the_emulator_nor_its_web_server() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _SYNC_HELP], capture_output=True, text=True, check=True, timeout=60
    )
    assert "--objects" in done.stdout  # the command was loaded and asked
    loaded = set(done.stdout.split())
    assert "intacct.cli.sync" in loaded
    unwanted = {"starlette", "uvicorn", "intacct.emulator", "intacct.cli.emulator"}
    assert not loaded & unwanted, sorted(loaded & unwanted)


#: a sync run in a process of its own, saying each file of the packaged REST catalog
#: it opened (Python's audit events: what the process read, not how)
_SYNC_OPENS = """
import sys
opened = []
def hook(event, args):
    if event == "open" and "rest_objects" in str(args[0]) and str(args[0]).endswith(".json"):
        opened.append(str(args[0]))
sys.addaudithook(hook)
from intacct.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    print("exit", exc.code, "opened", len(opened))
"""


def _catalog_files_opened(server: EmulatorServer, *args: str, oauth: bool = False) -> int:
    config = client_config(server.url) | (app_config() if oauth else {})
    env = {f"INTACCT_{key.upper()}": value for key, value in config.items() if value}
    env |= {"PATH": os.environ["PATH"], "HOME": os.getcwd()}
    done = subprocess.run(
        [sys.executable, "-c", _SYNC_OPENS, "sync", *args],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    last = done.stdout.split()[-4:]
    assert last[:2] == ["exit", "0"], done.stderr[-2000:]
    return int(last[3])


def test_a_run_of_xml_objects_without_the_oauth_app_never_reads_the_rest_catalog(
    server: EmulatorServer,
) -> None:
    """Every run holds the packaged REST catalog (538 objects, ~6 MB), read when first
    looked into: a run through XML alone, without the OAuth app, never looks (issue 48:
    the memory it cost every run), whatever its objects are called; one through REST
    reads it."""
    assert _catalog_files_opened(server, "--objects", "all", "--db", "a.duckdb") == 0
    assert _catalog_files_opened(server, "--objects", "vendor,GLENTRY", "--db", "b.duckdb") == 0
    assert _catalog_files_opened(server, "--api", "auto", "--db", "c.duckdb") == 0
    read = _catalog_files_opened(server, "--api", "rest", "--objects", "VENDOR", oauth=True)
    assert read > 0
