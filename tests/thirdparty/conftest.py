"""Shared fixtures for driving third-party Intacct clients against the emulator.

Each test module gets its own seeded emulator (module scope), and a "truth" client —
our own :class:`intacct.IntacctClient` — to compute what the third-party SDKs should
have returned. See README.md in this folder for what is driven and how. A module whose
SDK is not installed is skipped with the command that installs it.
"""

from __future__ import annotations

import importlib.metadata
import json
import shutil
import sys
import tomllib
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intacct import IntacctClient
from intacct.emulator.server import EmulatorServer

HERE = Path(__file__).resolve().parent
JS_DIR = HERE / "js"
JS_SDK = "@intacct/intacct-sdk"
INSTALL_JS = "bash tests/thirdparty/install.sh"

SENDER = ("demo_sender", "demo-sender-password")
USER = ("demo_user", "demo-user-password")
COMPANY = "DEMO"
#: large enough that GLDETAIL (DEMO) has more rows than one readByQuery page of 1000
SCALE = 10_000


def _dev_pin(name: str) -> str:
    """The version pinned (``name==X``) in pyproject's ``dev`` extra: one place to bump."""
    project = tomllib.loads((HERE.parents[1] / "pyproject.toml").read_text())
    for spec in project["project"]["optional-dependencies"]["dev"]:
        if spec.startswith(f"{name}=="):
            return str(spec.partition("==")[2])
    raise LookupError(f"{name} is not pinned in pyproject's dev extra")


#: fylein's SDK and the parser that shapes everything it returns
FYLEIN_PINS = {name: _dev_pin(name) for name in ("sageintacctsdk", "xmltodict")}
#: fylein's REST SDK (it brings requests, unpinned)
FYLEIN_REST_PINS = {"sageintacctrestsdk": _dev_pin("sageintacctrestsdk")}
JS_SDK_VERSION = json.loads((JS_DIR / "package.json").read_text())["dependencies"][JS_SDK]


def _installed(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _js_installed() -> str | None:
    manifest = JS_DIR / "node_modules" / JS_SDK / "package.json"
    return str(json.loads(manifest.read_text())["version"]) if manifest.is_file() else None


def fylein_missing() -> str | None:
    """Why fylein's SDK cannot be driven here, with the command that installs it."""
    return _pins_missing(FYLEIN_PINS, "fylein's SDK")


def fylein_rest_missing() -> str | None:
    """Why fylein's REST SDK cannot be driven here, with the command that installs it."""
    return _pins_missing(FYLEIN_REST_PINS, "fylein's REST SDK")


def _pins_missing(pins: dict[str, str], what: str) -> str | None:
    found = {name: _installed(name) for name in pins}
    if found == pins:
        return None
    wanted = ", ".join(f"{name}=={version}" for name, version in pins.items())
    have = ", ".join(f"{name} {version or 'none'}" for name, version in found.items())
    return (
        f"needs {what} ({wanted}; found {have}); "
        f"install it with: {sys.executable} -m pip install -e '.[dev]'"
    )


def js_sdk_missing() -> str | None:
    """Why Sage's JS SDK cannot be driven here, with the command that installs it."""
    if shutil.which("node") is None:
        return f"needs node (>= 18) on PATH for Sage's JS SDK; install Node.js, then: {INSTALL_JS}"
    found = _js_installed()
    if found == JS_SDK_VERSION:
        return None
    return (
        f"needs npm {JS_SDK}@{JS_SDK_VERSION} in tests/thirdparty/js/node_modules "
        f"(found: {found or 'none'}); install it with: {INSTALL_JS}"
    )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Repeat why SDK and target tests were skipped: ``pytest -q`` alone hides skip reasons."""
    reasons = {
        str(report.longrepr[2]).removeprefix("Skipped: ")
        for report in terminalreporter.stats.get("skipped", [])
        if isinstance(report.longrepr, tuple)
        and (terminalreporter.config.rootpath / report.fspath).parent == HERE
    }
    if reasons:
        terminalreporter.write_sep("-", "third-party SDK and Singer target tests skipped")
        for reason in sorted(reasons):
            terminalreporter.write_line(reason)


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
