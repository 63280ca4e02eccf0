from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from intacct.client import IntacctClient, OAuth
from intacct.client.oauth import ClientCredentials, MemoryTokens, OAuthApp, TokenStore
from intacct.client.retry import ExponentialBackoff, RetryPolicy
from intacct.client.transport import Transport
from intacct.config import ClientConfig
from intacct.emulator.app import GATEWAY_PATH
from intacct.emulator.server import EmulatorServer
from intacct.emulator.store import DEMO_SENDER, DEMO_USER

from .fakegw import SENDER, USER, FakeGateway

BASE_CONFIG: dict[str, Any] = {
    "sender_id": SENDER[0],
    "sender_password": SENDER[1],
    "user_id": USER[0],
    "company_id": USER[1],
    "user_password": USER[2],
    "api_url": "https://api.intacct.com/ia/xml/xmlgw.phtml",
}


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_client(gateway: FakeGateway, sleeps: Sleeps) -> Iterator[Callable[..., IntacctClient]]:
    clients: list[IntacctClient] = []

    def make(retry: RetryPolicy | None = None, **overrides: Any) -> IntacctClient:
        client_args = ("idempotent_writes", "history", "formatting", "max_response_bytes")
        kwargs = {k: overrides.pop(k) for k in client_args if k in overrides}
        config = ClientConfig.from_mapping({**BASE_CONFIG, **overrides})
        policy = retry or RetryPolicy(
            max_attempts=4, sleep=sleeps, backoff=ExponentialBackoff(random=lambda: 0.5)
        )
        client = IntacctClient(config, http_transport=gateway.transport(), retry=policy, **kwargs)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., IntacctClient]) -> IntacctClient:
    return make_client()


#: the emulator's demo OAuth app (its redirect takes any port of 127.0.0.1)
OAUTH_SECRET = "demo-client-secret"
OAUTH_REDIRECT = "http://127.0.0.1:8765/callback"


@pytest.fixture
def app(server: EmulatorServer) -> OAuthApp:
    """The demo app at the REST API of the module's ``server`` fixture."""
    base = server.url.removesuffix(GATEWAY_PATH) + "/ia/api/v1"
    return OAuthApp("demo_client_id", OAUTH_SECRET, base, OAUTH_REDIRECT)


@pytest.fixture
def demo_config(server: EmulatorServer) -> dict[str, Any]:
    """The config keys of the demo company (its sender, its user with a password) at the
    module's ``server``."""
    return {
        "sender_id": DEMO_SENDER[0],
        "sender_password": DEMO_SENDER[1],
        "user_id": DEMO_USER[0],
        "user_password": DEMO_USER[1],
        "company_id": "DEMO",
        "api_url": server.url,
    }


@pytest.fixture
def oauth_client(demo_config: dict[str, Any], app: OAuthApp) -> Callable[..., IntacctClient]:
    """A client of the demo company at the module's ``server`` whose REST calls carry the
    demo app's tokens: kept in ``tokens`` (in memory unless given), granted by the demo
    user's client credentials (none with ``grant=False``: a refused token is then the
    user's to mend); other keywords go to :class:`IntacctClient` (``http_transport``,
    ``retry``, …). The caller closes it."""

    def make(
        *, tokens: TokenStore | None = None, grant: bool = True, **kwargs: Any
    ) -> IntacctClient:
        credentials = ClientCredentials(f"{DEMO_USER[0]}@DEMO") if grant else None
        oauth = OAuth(app, MemoryTokens() if tokens is None else tokens, credentials)
        return IntacctClient(ClientConfig.from_mapping(demo_config), oauth=oauth, **kwargs)

    return make


@pytest.fixture
def transport() -> Iterator[Transport]:
    transport = Transport(timeout_s=30, first_byte_timeout_s=30)
    yield transport
    transport.close()
