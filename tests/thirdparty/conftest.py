"""Shared fixtures for driving third-party Intacct clients against the emulator.

Each test module gets its own seeded emulator (module scope), and a "truth" client —
our own :class:`intacct.IntacctClient` — to compute what the third-party SDKs should
have returned. See README.md in this folder for what is driven and how.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intacct import IntacctClient
from intacct.emulator.server import EmulatorServer

HERE = Path(__file__).resolve().parent
INSTALL_SCRIPT = HERE / "install.sh"

SENDER = ("demo_sender", "demo-sender-password")
USER = ("demo_user", "demo-user-password")
COMPANY = "DEMO"
#: large enough that GLDETAIL (DEMO) has more rows than one readByQuery page of 1000
SCALE = 10_000

_install_attempt: subprocess.CompletedProcess[str] | None = None


def run_install_script() -> subprocess.CompletedProcess[str]:
    """Run ``install.sh`` once per test session (idempotent, quick when installed) so a
    bare ``pytest`` works on a machine where nobody ran it yet."""
    global _install_attempt
    if _install_attempt is None:
        bash = shutil.which("bash")
        if bash is None:
            _install_attempt = subprocess.CompletedProcess([], 127, "", "bash not found")
            return _install_attempt
        env = {**os.environ, "PYTHON": sys.executable}
        try:
            _install_attempt = subprocess.run(
                [bash, str(INSTALL_SCRIPT)],
                capture_output=True,
                text=True,
                env=env,
                timeout=300,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            _install_attempt = subprocess.CompletedProcess(exc.cmd, 124, "", "timed out")
    return _install_attempt


def install_failure(what: str) -> str:
    """A skip reason that says why ``what`` is missing."""
    attempt = run_install_script()
    tail = "\n".join((attempt.stdout + attempt.stderr).strip().splitlines()[-6:])
    return (
        f"{what} could not be installed on this machine "
        f"(install.sh rc={attempt.returncode}): {tail}"
    )


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(host="127.0.0.1", port=0, scale=SCALE) as server:
        yield server


def connect(emulator: EmulatorServer, company: str = COMPANY, entity: str = "") -> IntacctClient:
    """Our own client on the emulator (use it as a context manager)."""
    config = {
        "sender_id": SENDER[0],
        "sender_password": SENDER[1],
        "user_id": USER[0],
        "user_password": USER[1],
        "company_id": company,
        "entity_id": entity,
        "api_url": emulator.url,
        "timeout_s": 30,
    }
    return IntacctClient.from_mapping(config)


@pytest.fixture(scope="module")
def truth(emulator: EmulatorServer) -> Iterator[IntacctClient]:
    """Our own client on the same emulator: the reference the SDKs are compared with."""
    with connect(emulator) as client:
        yield client


def recordnos(client: IntacctClient, object: str) -> list[str]:
    """Every RECORDNO of ``object`` as our client pages them (readByQuery + readMore)."""
    return [row["RECORDNO"] for row in client.iter_read_by_query(object, fields=["RECORDNO"])]


def stats(emulator: EmulatorServer) -> dict[str, int]:
    """``GET /_emulator/stats``: requests per function name since the last reset."""
    url = emulator.url.replace("/ia/xml/xmlgw.phtml", "/_emulator/stats")
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (loopback URL)
        counts: dict[str, Any] = json.load(answer)
    return {name: int(value) for name, value in counts.items()}
