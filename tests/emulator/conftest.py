"""A seeded emulator on a real socket for the whole session, plus raw-XML helpers; for
the REST data tests, a seeded emulator of the module's own with a REST client and a token
(``emulator``, ``http``, ``auth``)."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from lxml import etree

from intacct.client import IntacctClient
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.emulator.store import DEMO_SENDER, DEMO_USER

SENDER = DEMO_SENDER
USER = DEMO_USER
#: one TLS context for the raw clients (the emulator is plain HTTP): httpx builds one per
#: client otherwise, loading the CA bundle each time (~20 ms, ~400 tests)
_TLS = ssl.create_default_context()


@pytest.fixture(scope="session")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=3000, seed=7) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def emulator_options() -> dict[str, Any]:
    """How the module's ``emulator`` is seeded; a module needing other data overrides it."""
    return {"scale": 300, "seed": 7}


@pytest.fixture(scope="module")
def emulator(emulator_options: dict[str, Any]) -> Iterator[EmulatorServer]:
    """An emulator of the module's own (its tests may write to it)."""
    with EmulatorServer(port=0, **emulator_options) as server:
        yield server


@pytest.fixture(scope="module")
def http(emulator: EmulatorServer) -> Iterator[httpx.Client]:
    """A client of ``emulator``'s REST API (and of its gateway, at GATEWAY_PATH)."""
    from .rest_support import rest_client  # not at the top: rest_support imports conftest

    with rest_client(emulator) as client:
        yield client


@pytest.fixture(scope="module")
def auth(http: httpx.Client) -> dict[str, str]:
    """The demo user's Authorization headers, through the real OAuth flow."""
    from .rest_support import token  # not at the top: rest_support imports conftest

    return token(http)


@pytest.fixture(scope="module")
def accounts(http: httpx.Client, auth: dict[str, str]) -> list[str]:
    """Two accounts journal entries post to."""
    from .rest_support import journal_accounts  # not at the top: it imports conftest

    return journal_accounts(http, auth)


@pytest.fixture
def connect(server: EmulatorServer) -> Iterator[Callable[..., IntacctClient]]:
    clients: list[IntacctClient] = []

    def make(**overrides: Any) -> IntacctClient:
        config = {**client_config(server.url), "timeout_s": 30, **overrides}
        client = IntacctClient.from_mapping(config)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def envelope(
    *functions: str,
    company: str = "DEMO",
    user: str = USER[0],
    password: str = USER[1],
    sender: str = SENDER[0],
    sender_password: str = SENDER[1],
    locationid: str = "",
    uniqueid: str = "false",
    dtd: str = "3.0",
    transaction: str | None = None,
    sessionid: str | None = None,
    whitespace: str = "false",
) -> bytes:
    """A request document with login (or session) authentication around ``functions``
    (each a ``<function>`` body, e.g. ``'<getAPISession/>'``); control ids f1, f2, …"""
    if sessionid is None:
        location = f"<locationid>{locationid}</locationid>" if locationid else ""
        auth = (
            f"<login><userid>{user}</userid><companyid>{company}</companyid>"
            f"<password>{password}</password>{location}</login>"
        )
    else:
        auth = f"<sessionid>{sessionid}</sessionid>"
    op = f' transaction="{transaction}"' if transaction else ""
    content = "".join(
        f'<function controlid="f{n}">{body}</function>' for n, body in enumerate(functions, start=1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><request><control>'
        f"<senderid>{sender}</senderid><password>{sender_password}</password>"
        f"<controlid>ctl-1</controlid><uniqueid>{uniqueid}</uniqueid>"
        f"<dtdversion>{dtd}</dtdversion><includewhitespace>{whitespace}</includewhitespace>"
        f"</control><operation{op}><authentication>{auth}</authentication>"
        f"<content>{content}</content></operation></request>"
    ).encode()


@pytest.fixture
def post(
    server: EmulatorServer,
) -> Iterator[Callable[..., tuple[httpx.Response, etree._Element | None]]]:
    with httpx.Client(timeout=30, verify=_TLS) as http:

        def send(
            body: bytes, content_type: str = "application/xml", **headers: str
        ) -> tuple[httpx.Response, etree._Element | None]:
            answer = http.post(
                server.url, content=body, headers={"Content-Type": content_type, **headers}
            )
            try:
                root = etree.fromstring(answer.content)
            except etree.XMLSyntaxError:
                root = None
            return answer, root

        yield send
