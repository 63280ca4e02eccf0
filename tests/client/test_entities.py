"""Entity clients (``for_entity``): own session, one company's transport and limit."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from intacct import IntacctClient
from intacct.emulator.inprocess import EmulatorTransport, InProcessEmulator
from intacct.errors import AuthenticationError


class InFlight(httpx.BaseTransport):
    """Counts requests in flight at once on the way to the emulator."""

    def __init__(self, inner: EmulatorTransport) -> None:
        self.inner, self.now, self.peak, self.closed = inner, 0, 0, False
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        try:
            time.sleep(0.01)  # long enough for other threads to pile up
            return self.inner.handle_request(request)
        finally:
            with self._lock:
                self.now -= 1

    def close(self) -> None:
        self.closed = True


@pytest.fixture(scope="module")
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator() as emu:
        yield emu


def _client(
    emu: InProcessEmulator, transport: httpx.BaseTransport, **config: object
) -> IntacctClient:
    return IntacctClient.from_mapping({**emu.config("DEMO-ME"), **config}, http_transport=transport)


def _vendors(client: IntacctClient) -> set[str]:
    return {r["VENDORID"] for r in client.iter_query("VENDOR", ["VENDORID"])}


def test_entity_client_has_its_own_session_and_sees_its_entity(
    emulator: InProcessEmulator,
) -> None:
    with _client(emulator, emulator.transport()) as top:
        e100, e200 = top.for_entity("E100"), top.for_entity("E200")
        assert e100.config.entity_id == "E100" and top.config.entity_id == ""
        seen = {name: _vendors(c) for name, c in (("top", top), ("E100", e100), ("E200", e200))}
        assert e100.session is not None and e100.session.locationid == "E100"
        assert top.session is not None and top.session.locationid == ""
        assert len({top.session.sessionid, e100.session.sessionid}) == 2  # type: ignore[union-attr]
        # each entity sees its own private vendors and the shared ones; not the other's
        assert seen["E100"] - seen["top"] and seen["E200"] - seen["top"]
        assert not (seen["E100"] - seen["top"]) & seen["E200"]


def test_entities_share_one_company_wide_concurrency_limit(emulator: InProcessEmulator) -> None:
    counter = InFlight(emulator.transport())
    top = _client(emulator, counter, max_concurrency=1)
    clients = [top, top.for_entity("E100"), top.for_entity("E200")]
    for client in clients:
        client.sign_in()
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda c: c.read("VENDOR", [1]), clients * 4))
    assert counter.peak == 1  # three sessions, one slot: never two requests at once
    clients[1].close()
    assert not counter.closed  # an entity client does not close the shared transport
    top.close()
    assert counter.closed


def test_an_unknown_entity_is_the_same_error_at_sign_in_and_on_switching(
    emulator: InProcessEmulator,
) -> None:
    direct = _client(emulator, emulator.transport(), entity_id="E999")
    with direct, pytest.raises(AuthenticationError, match="E999") as at_sign_in:
        direct.sign_in()
    top = _client(emulator, emulator.transport())
    with top, pytest.raises(AuthenticationError, match="E999") as on_switch:
        top.for_entity("E999").sign_in()
    assert type(at_sign_in.value) is type(on_switch.value)
