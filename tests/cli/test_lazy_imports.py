"""`intacct sync` loads what a sync needs, not the emulator's web server nor the other
commands (issue 18: memory before the first page)."""

from __future__ import annotations

import subprocess
import sys

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
