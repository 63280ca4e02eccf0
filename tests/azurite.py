"""A real Azure Blob Storage API for the tests: Microsoft's Azurite (the npm package
``azurite``, installed by ``bash tests/azurite/install.sh`` outside the repository), its
blob service in a process of its own on a free loopback port, with a storage account of
the run's own whose key it checks: a wrong key is refused as Azure refuses it (HTTP 403,
AuthenticationFailed)."""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

__all__ = ["HOME", "INSTALL", "AzuriteServer"]

#: where install.sh puts Azurite (``INTACCT_AZURITE_HOME`` to move it): a cache of the
#: machine's, never the work tree
HOME = Path(
    os.environ.get("INTACCT_AZURITE_HOME")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "intacct-connector"
    / "azurite"
)
INSTALL = "bash tests/azurite/install.sh"
#: Azurite's storage account for the tests (its name: lower-case letters and digits)
ACCOUNT = "ddsaccount"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class AzuriteServer:
    """``url`` (the account's blob endpoint, ``http://127.0.0.1:PORT/ACCOUNT``), the
    account's name and the key Azurite accepts."""

    url: str
    account_name: str
    account_key: str
    _process: subprocess.Popen[bytes]
    _log: Any

    @staticmethod
    def missing() -> str:
        """Why Azurite cannot run here ('' when it can)."""
        if shutil.which("node") is None:
            return "node is not installed: Azurite (Azure Blob Storage's emulator) needs it"
        if not (HOME / "node_modules" / ".bin" / "azurite-blob").exists():
            return f"Azurite is not installed in {HOME}: run {INSTALL}"
        return ""

    @classmethod
    def start(cls, folder: Path) -> AzuriteServer:
        """Azurite's blob service with its data in ``folder``, once it answers."""
        key = base64.b64encode(secrets.token_bytes(64)).decode()
        port = _free_port()
        command = [
            str(HOME / "node_modules" / ".bin" / "azurite-blob"),
            "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", str(folder),
            "--silent", "--skipApiVersionCheck", "--disableProductStyleUrl", "--disableTelemetry",
        ]  # fmt: skip
        env = {**os.environ, "AZURITE_ACCOUNTS": f"{ACCOUNT}:{key}"}
        log = open(folder / "azurite.log", "wb")  # noqa: SIM115 (the process's, kept open)
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/{ACCOUNT}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}?comp=list", timeout=2)  # refused unsigned: but it answers
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    process.wait()
                    log.close()
                    tail = (folder / "azurite.log").read_text(errors="replace")[-1000:]
                    raise RuntimeError(f"Azurite did not start: {tail}") from None
                time.sleep(0.2)
        return cls(url, ACCOUNT, key, process, log)

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._log.close()

    def connection_string(self, key: str | None = None) -> str:
        """Azure's connection string for the account (signed with ``key`` if given)."""
        return (
            f"DefaultEndpointsProtocol=http;AccountName={self.account_name};"
            f"AccountKey={key or self.account_key};BlobEndpoint={self.url};"
        )

    def client(self) -> Any:
        from azure.storage.blob import BlobServiceClient

        return BlobServiceClient.from_connection_string(self.connection_string())

    def new_bucket(self) -> str:
        """A container of its own for one test."""
        name = f"dds-{uuid.uuid4().hex[:12]}"
        with self.client() as service:
            service.create_container(name)
        return name

    def read(self, container: str, name: str) -> bytes:
        with self.client() as service:
            body: bytes = service.get_blob_client(container, name).download_blob().readall()
            return body

    def write(self, container: str, name: str, body: bytes) -> None:
        with self.client() as service:
            service.get_blob_client(container, name).upload_blob(body, overwrite=True)

    def delete(self, container: str, name: str) -> None:
        with self.client() as service:
            service.get_blob_client(container, name).delete_blob()

    def keys(self, container: str, prefix: str = "") -> list[str]:
        with self.client() as service:
            listed = service.get_container_client(container).list_blobs(name_starts_with=prefix)
            return sorted(str(blob.name) for blob in listed)
