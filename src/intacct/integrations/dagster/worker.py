"""A run worker host: starts the Dagster runs a :class:`~.hosts.HostRunLauncher` hands it
as processes of its own, and tells how they are doing.

It stands in, on one machine, for what Kubernetes or Docker do for Dagster's own
launchers: a host of its own (its working folder, its ``DAGSTER_HOME`` whose
``dagster.yaml`` names the shared Postgres instance) that shares nothing with the daemon
but the network and Postgres. Run it once per host::

    INTACCT_WORKER_TOKEN=... DAGSTER_HOME=/srv/dagster \\
        python -m intacct.integrations.dagster.worker --port 7101

A run is ``dagster api execute_run`` (Dagster's own run worker) in a new process group,
its output in ``<folder>/<run id>.log``. Every request carries the token
(``Authorization: Bearer``): whoever can start a run here can run code. The HTTP API,
JSON both ways: ``POST /runs`` ``{"run_id", "args"}`` (``args``: Dagster's serialized
``ExecuteRunArgs``), ``GET /runs``, ``GET /runs/<id>``, ``POST /runs/<id>/terminate``.
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

__all__ = ["TOKEN_VAR", "Worker", "main"]

log = logging.getLogger("intacct.worker")

TOKEN_VAR = "INTACCT_WORKER_TOKEN"  # noqa: S105 (the variable's name)
#: a token shorter than this is refused at start: it guards starting code
MIN_TOKEN = 16
#: a request body larger than this is refused unread (a run's args are a few KB)
MAX_BODY = 1 << 20
#: a Dagster run id (a UUID)
_RUN_ID = re.compile(r"[0-9a-f][0-9a-f-]{0,63}")
#: lines of a run's output sent back with an ended run (for the run's failure message)
TAIL_LINES = 20


@dataclass
class _Run:
    process: subprocess.Popen[bytes]
    output: Path

    def describe(self) -> dict[str, Any]:
        code = self.process.poll()
        said: dict[str, Any] = {"pid": self.process.pid, "state": "running"}
        if code is not None:
            said |= {"state": "exited", "returncode": code, "tail": _tail(self.output)}
        return said


class Worker:
    """The runs this host started, by run id."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.runs: dict[str, _Run] = {}
        self._lock = threading.Lock()

    def start(self, run_id: str, serialized: str) -> dict[str, Any]:
        command = _command(run_id, serialized)
        with self._lock:
            known = self.runs.get(run_id)
            if known is not None and known.process.poll() is None:
                return known.describe()  # a launch retried: never a second process
            output = self.folder / f"{run_id}.log"
            with output.open("ab") as sink:
                process = subprocess.Popen(  # noqa: S603 (Dagster's run worker, token-held)
                    command, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
                )
            self.runs[run_id] = _Run(process, output)
        log.info("run %s started as process %d", run_id, process.pid)
        return self.runs[run_id].describe()

    def describe(self, run_id: str) -> dict[str, Any] | None:
        with self._lock:
            run = self.runs.get(run_id)
        return None if run is None else run.describe()

    def running(self) -> int:
        with self._lock:
            return sum(1 for r in self.runs.values() if r.process.poll() is None)

    def terminate(self, run_id: str) -> bool:
        """SIGTERM to the run's process group (its steps' processes too)."""
        with self._lock:
            run = self.runs.get(run_id)
        if run is None or run.process.poll() is not None:
            return False
        try:
            os.killpg(run.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return False
        return True


def _command(run_id: str, serialized: str) -> list[str]:
    """Dagster's run worker command for ``serialized`` args of ``run_id``; a ValueError
    when they are not a run's args or name another run."""
    from dagster._grpc.types import ExecuteRunArgs
    from dagster._serdes import deserialize_value

    if not _RUN_ID.fullmatch(run_id):  # it names the run's output file
        raise ValueError(f"{run_id[:80]!r} is not a Dagster run id")
    try:
        args = deserialize_value(serialized, ExecuteRunArgs)
    except Exception as exc:  # noqa: BLE001 (Dagster raises several kinds)
        raise ValueError(f"args are not a Dagster run's ExecuteRunArgs: {exc}") from None
    if args.run_id != run_id:
        raise ValueError(f"args are run {args.run_id}'s, not {run_id}'s")
    # this host's own interpreter, as a pod runs its image's: the daemon's path means
    # nothing here
    return [sys.executable, "-m", "dagster", "api", "execute_run", serialized]


def _tail(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-TAIL_LINES:])


class _Handler(BaseHTTPRequestHandler):
    worker: Worker
    token: str

    def do_GET(self) -> None:
        if not self._authorized():
            return
        parts = self.path.strip("/").split("/")
        if parts == ["runs"]:
            self._answer(200, {"running": self.worker.running()})
        elif len(parts) == 2 and parts[0] == "runs":
            said = self.worker.describe(parts[1])
            self._answer(404, {"error": "no such run"}) if said is None else self._answer(200, said)
        else:
            self._answer(404, {"error": "no such path"})

    def do_POST(self) -> None:
        if not self._authorized():
            return
        parts = self.path.strip("/").split("/")
        if parts == ["runs"]:
            self._start()
        elif len(parts) == 3 and parts[0] == "runs" and parts[2] == "terminate":
            self._answer(202, {"signalled": self.worker.terminate(parts[1])})
        else:
            self._answer(404, {"error": "no such path"})

    def _start(self) -> None:
        size = int(self.headers.get("Content-Length") or 0)
        if size > MAX_BODY:
            self._answer(413, {"error": f"a body of {size} bytes; at most {MAX_BODY}"})
            return
        try:
            body = json.loads(self.rfile.read(size) or b"null")
            run_id, serialized = body["run_id"], body["args"]
            if not isinstance(run_id, str) or not isinstance(serialized, str):
                raise TypeError("run_id and args are text")
            said = self.worker.start(run_id, serialized)
        except (ValueError, KeyError, TypeError) as exc:
            self._answer(400, {"error": f"not a run to start: {exc}"})
            return
        except OSError as exc:  # the host cannot start processes (or write its folder)
            self._answer(500, {"error": f"could not start the run: {exc}"})
            return
        self._answer(201, said)

    def _authorized(self) -> bool:
        given = self.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode()):
            return True
        log.warning("refused %s %s from %s: no valid token", self.command, self.path,
                    self.client_address[0])  # fmt: skip
        self._answer(401, {"error": "a valid token is required"})
        return False

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)


def serve(host: str, port: int, folder: Path, token: str) -> ThreadingHTTPServer:
    """The worker's server, bound (port 0: any free one); ``serve_forever()`` runs it."""
    handler = type("Handler", (_Handler,), {"worker": Worker(folder), "token": token})
    return ThreadingHTTPServer((host, port), handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m intacct.integrations.dagster.worker",
        description="A run worker host for HostRunLauncher (token in $" + TOKEN_VAR + ")",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7101)
    parser.add_argument("--folder", type=Path, default=Path("runs"), help="runs' output")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    token = os.environ.get(TOKEN_VAR, "")
    if len(token) < MIN_TOKEN:
        print(f"${TOKEN_VAR} must be set to a secret of {MIN_TOKEN} characters or more: "
              "whoever holds it can start runs here", file=sys.stderr)  # fmt: skip
        return 2
    args.folder.mkdir(parents=True, exist_ok=True)
    server = serve(args.host, args.port, args.folder.resolve(), token)
    host, port = server.server_address[:2]
    print(f"intacct run worker listening on http://{host!s}:{port}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
