"""The documented-paths matrix (issue 33): every form of ``intacct sync`` the docs
documents, the tap over every stream and the quick start, each run as a user runs it
(the installed executables, a fresh empty HOME, default settings) against a real
emulator on a socket, and each run's output compared with the emulator's data.

One emulator serves a module (both demo companies); Postgres is the run's one server
(``tests/conftest.py``). The emulator admits any number of requests at once: the four
destinations of a form run side by side, each command with its own default of 2 in
flight, which the base tier's per-company limit of 2 would otherwise refuse."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from intacct.emulator.server import EmulatorServer
from tests.checksums import EmulatorData

#: the demo companies' size: every object seeded, a few hundred documents
SCALE = 300
SEED = 33


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=SCALE, seed=SEED, max_concurrency=0) as server:
        yield server


def data_of(server: EmulatorServer) -> Iterator[EmulatorData]:
    """A module fixture's body: what ``server`` holds, read until the module ends."""
    found = EmulatorData.of(server)
    yield found
    found.close()


@pytest.fixture(scope="module")
def data(emulator: EmulatorServer) -> Iterator[EmulatorData]:
    yield from data_of(emulator)
