"""Run the emulator: in a thread for tests (``EmulatorServer(port=0)``) or in the
foreground for ``intacct emulator serve``."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import uvicorn

from intacct.emulator.app import BODY_TIMEOUT_S, GATEWAY_PATH, Emulator, create_app
from intacct.emulator.connections import (
    CLOSING_ROOM,
    HEAD_TIMEOUT_S,
    guarded_protocol,
    http_protocol,
)
from intacct.emulator.demo import DEMO_COMPANIES, demo_store
from intacct.emulator.faults import Faults
from intacct.emulator.fleet import Fleet
from intacct.emulator.notice_controls import NoticeControls
from intacct.emulator.rest.common import REST_PREFIX
from intacct.emulator.state import DEFAULT_MAX_CONCURRENCY
from intacct.emulator.store import Store

__all__ = ["MAX_CONNECTIONS", "EmulatorServer", "EmulatorStartError"]

#: [U] well under the usual 1,024 file descriptors a process may open
MAX_CONNECTIONS = 500


class EmulatorStartError(Exception):
    """The emulator cannot start: a busy port, a --db it cannot create (one line)."""


def check_address(host: str, port: int) -> None:
    """Fail with one line naming the address if it is taken (uvicorn would log it and
    leave a dead thread behind). SO_REUSEADDR as uvicorn binds, so a port that only has
    connections in TIME_WAIT is free."""
    if not port:
        return
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise EmulatorStartError(f"cannot listen on {host}:{port}: {reason}") from None


class EmulatorServer(NoticeControls):
    """An emulator on a real socket. ``port=0`` picks a free port (see :attr:`url`).

    ``max_concurrency`` requests per company may be in flight (default 2, as Intacct's
    Performance Tier 1; 0 or None for no limit). ``companies`` more companies,
    ``FLEET0001`` …, join the demo tenant (:mod:`intacct.emulator.fleet`), with
    ``company_limits`` cycled over them (default ``max_concurrency``) and about
    ``company_scale`` records each (0: the smallest company). Every answer waits ``latency_ms`` plus
    ``latency_per_row_us`` per returned record. At most ``max_connections`` connections
    are served: the connections waiting on their client (for a head or the rest of a
    body) longest silent are closed to make room, and HTTP 503 answers when none is. A
    request head must arrive within ``head_timeout_s`` (the connection is closed after)
    and a body within ``body_timeout_s`` (HTTP 408 after): :mod:`.connections`.

    Binding is left to uvicorn (not a pre-made socket) so TCP_NODELAY is set on
    connections; otherwise keep-alive clients stall ~40 ms per request (Nagle).

    Change notices: :meth:`subscribe` and the other methods of
    :class:`~.notice_controls.NoticeControls` (as ``/_emulator/webhooks``).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        db: str | Path | None = None,
        scale: int = 2_000,
        seed: int = 0,
        store: Store | None = None,
        faults: list[str] | None = None,
        max_concurrency: int | None = DEFAULT_MAX_CONCURRENCY,
        latency_ms: int = 0,
        latency_per_row_us: int = 0,
        max_connections: int = MAX_CONNECTIONS,
        body_timeout_s: float = BODY_TIMEOUT_S,
        head_timeout_s: float = HEAD_TIMEOUT_S,
        companies: int = 0,
        company_limits: Sequence[int] = (),
        company_scale: int = 0,
    ) -> None:
        fleet = Fleet(companies, company_limits, company_scale, seed)
        check_address(host, port)  # before seeding, which can take a while
        if db is not None and not Path(db).parent.is_dir():
            raise EmulatorStartError(f"cannot open --db {db}: the directory does not exist")
        fresh = store is None and (db is None or not Path(db).exists())
        self._owns_store = store is None
        if store is not None:
            self.store = store
        elif fresh:
            self.store = demo_store(scale, seed, db)
        else:
            self.store = Store(db)
        fleet.install(self.store, DEMO_COMPANIES)
        self.emulator = Emulator(
            self.store,
            faults=Faults(faults, seed=seed),
            max_concurrency=max_concurrency,
            latency_ms=latency_ms,
            latency_per_row_us=latency_per_row_us,
            scale=scale,
            seed=seed,
            fleet=fleet,
        )
        self.emulator.webhooks.issuer = self.rest_url
        config = uvicorn.Config(
            create_app(self.emulator, body_timeout_s=body_timeout_s),
            host=host,
            port=port,
            http=guarded_protocol(http_protocol(), head_timeout_s, max_connections),
            # beyond this many open connections uvicorn answers 503 and closes at once;
            # the guard closes connections waiting on their client to make room
            limit_concurrency=max_connections + min(CLOSING_ROOM, max_connections),
            timeout_keep_alive=5,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None
        self.host = host

    @property
    def port(self) -> int:
        servers = getattr(self._server, "servers", [])
        for server in servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        raise RuntimeError("the emulator is not listening yet")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{GATEWAY_PATH}"

    def rest_url(self) -> str:
        """The REST API's base URL, as its access tokens' ``iss`` names it."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{REST_PREFIX}"

    def start(self) -> EmulatorServer:
        self._check_port()
        self._thread = threading.Thread(
            target=self._server.run, name="intacct-emulator", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the emulator did not start")
            time.sleep(0.01)
        return self

    def _check_port(self) -> None:
        config = self._server.config
        check_address(config.host, config.port)

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.emulator.close()
        if self._owns_store:
            self.store.close()

    def serve_forever(self) -> None:
        """Foreground: returns on SIGINT/SIGTERM (uvicorn installs the handlers)."""
        self._server.run()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
