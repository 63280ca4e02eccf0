"""The emulator's DDS set up for a test: its control API (``POST /_emulator/dds``,
the clock) and a company's cloud storage target: an S3 bucket on moto's server
(:mod:`tests.s3`) or an Azure container on Azurite (:mod:`tests.azurite`), both behind
:class:`Storage`, so a test of the two kinds is written once (``storage``, parametrized
over :data:`KINDS`)."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import pytest

from intacct import IntacctClient
from intacct.emulator.demo import client_config
from tests.azurite import AzuriteServer
from tests.s3 import REGION, S3Server

__all__ = [
    "KINDS",
    "AzureStorage",
    "Control",
    "ObjectServer",
    "S3Storage",
    "Storage",
    "control_api",
    "s3_target",
    "storage_of",
]

#: the kinds of cloud storage target the tests run DDS against (``dds_storage``)
KINDS = ("s3", "azure")

Control = Callable[[str, dict[str, Any]], Any]


@contextmanager
def control_api(gateway_url: str, queue_s: float, run_s: float) -> Iterator[Control]:
    """POST to the emulator's control API, jobs queued ``queue_s`` then running
    ``run_s``; DDS and the clock put back afterwards."""
    base = gateway_url.replace("/ia/xml/xmlgw.phtml", "/_emulator/")
    with httpx.Client(base_url=base, timeout=30) as http:

        def post(path: str, body: dict[str, Any]) -> Any:
            answer = http.post(path, json=body)
            answer.raise_for_status()
            return answer.json()

        post("dds", {"queue_s": queue_s, "run_s": run_s, "split_records": 100_000})
        yield post
        http.delete("clock")
        post("dds", {"company": "DEMO", "subscribed": False, "fail_next": 0})


def s3_target(
    s3: S3Server, bucket: str, secret: str, prefix: str = "intacct/dds"
) -> dict[str, str]:
    """A target of the control's ``targets``: ``bucket`` on ``s3``, signed with ``secret``."""
    return S3Storage(s3).target(bucket, prefix, secret)


class ObjectServer(Protocol):
    """A store's server as the tests use it: its buckets (containers) and their files."""

    def new_bucket(self) -> str:
        """A bucket (container) of its own for one test."""
        ...

    def keys(self, bucket: str, prefix: str = "") -> list[str]: ...

    def read(self, bucket: str, key: str) -> bytes: ...

    def write(self, bucket: str, key: str, body: bytes) -> None: ...

    def delete(self, bucket: str, key: str) -> None: ...


class Storage(Protocol):
    """A real object store a DDS target writes to and ``intacct sync`` reads from."""

    kind: str  # dds_storage's value
    name: str  # the target's name in the company (dds_target)

    @property
    def server(self) -> ObjectServer: ...

    def target(self, bucket: str, prefix: str, secret: str | None = None) -> dict[str, str]:
        """The control's target writing to ``bucket``, signed with the store's secret
        (or ``secret``)."""
        ...

    def reader_keys(self) -> dict[str, str]:
        """The config keys that say where the reader finds the store (no credential)."""
        ...

    def wrong(self) -> str:
        """A secret of the right form that the store refuses."""
        ...

    def sign(self, monkeypatch: pytest.MonkeyPatch, wrong: bool = False) -> str:
        """The reader's credentials in the environment, as the store's usual chain finds
        them (:meth:`wrong`'s secret with ``wrong``); answers the secret put there."""
        ...

    def secrets(self) -> tuple[str, ...]:
        """What must never show: the store's own secret and key id."""
        ...


@dataclass(frozen=True)
class S3Storage:
    """A bucket on moto's server, read with botocore's chain (``AWS_*`` variables)."""

    server: S3Server
    kind: str = "s3"
    name: str = "AWS-S3-DDS"

    def target(self, bucket: str, prefix: str, secret: str | None = None) -> dict[str, str]:
        return {
            "kind": "S3",
            "endpoint_url": self.server.url,
            "bucket": bucket,
            "prefix": prefix,
            "access_key_id": self.server.access_key_id,
            "secret_access_key": secret or self.server.secret_access_key,
        }

    def reader_keys(self) -> dict[str, str]:
        return {"dds_storage": "s3", "dds_endpoint_url": self.server.url, "dds_region": REGION}

    def wrong(self) -> str:
        return "wrong-secret-" + self.server.secret_access_key[::-1]

    def sign(self, monkeypatch: pytest.MonkeyPatch, wrong: bool = False) -> str:
        for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"):
            monkeypatch.delenv(var, raising=False)
        secret = self.wrong() if wrong else self.server.secret_access_key
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", self.server.access_key_id)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
        return secret

    def secrets(self) -> tuple[str, ...]:
        return (self.server.secret_access_key, self.server.access_key_id)


#: the variables of Azure's chain a test's environment may hold (the reader's are set)
_AZURE_VARS = (
    "AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_ACCOUNT_NAME", "AZURE_STORAGE_ACCOUNT_KEY",
    "AZURE_STORAGE_SAS_TOKEN", "AZURE_STORAGE_CLIENT_ID", "AZURE_STORAGE_CLIENT_SECRET",
    "AZURE_STORAGE_TENANT_ID", "AZURE_STORAGE_ANON",
)  # fmt: skip


@dataclass(frozen=True)
class AzureStorage:
    """A container on Azurite, read with adlfs's chain: the account key in the
    environment (``AZURE_STORAGE_ACCOUNT_KEY``), the account and its endpoint in the
    ``dds_*`` keys; ``connection``: a connection string instead
    (``AZURE_STORAGE_CONNECTION_STRING``, its endpoint in it)."""

    server: AzuriteServer
    connection: bool = False
    kind: str = "azure"
    name: str = "AZURE-DDS"

    def target(self, bucket: str, prefix: str, secret: str | None = None) -> dict[str, str]:
        return {
            "kind": "Azure",
            "endpoint_url": self.server.url,
            "container": bucket,
            "prefix": prefix,
            "account_name": self.server.account_name,
            "account_key": secret or self.server.account_key,
        }

    def reader_keys(self) -> dict[str, str]:
        if self.connection:
            return {"dds_storage": "azure"}
        return {
            "dds_storage": "azure",
            "dds_account_name": self.server.account_name,
            "dds_endpoint_url": self.server.url,
        }

    def wrong(self) -> str:  # base64 of as many bytes: signed, then refused
        return base64.b64encode(b"wrong" + base64.b64decode(self.server.account_key)[5:]).decode()

    def sign(self, monkeypatch: pytest.MonkeyPatch, wrong: bool = False) -> str:
        for var in _AZURE_VARS:
            monkeypatch.delenv(var, raising=False)
        key = self.wrong() if wrong else self.server.account_key
        if self.connection:
            monkeypatch.setenv(_AZURE_VARS[0], self.server.connection_string(key))
        else:
            monkeypatch.setenv("AZURE_STORAGE_ACCOUNT_KEY", key)
        return key

    def secrets(self) -> tuple[str, ...]:
        return (self.server.account_key,)


def storage_of(request: pytest.FixtureRequest, kind: str) -> Storage:
    """The store of ``kind`` (``azure-connection``: Azure signed by a connection string),
    its server the run's (skipped where it cannot run)."""
    if kind == "s3":
        return S3Storage(request.getfixturevalue("s3_server"))
    server = request.getfixturevalue("azurite_server")
    return AzureStorage(server, connection=kind == "azure-connection")


@contextmanager
def dds_client(gateway_url: str) -> Iterator[IntacctClient]:
    """DEMO's client, with room for a poll of a job that is slow to answer."""
    with IntacctClient.from_mapping({**client_config(gateway_url), "timeout_s": 30}) as made:
        yield made
