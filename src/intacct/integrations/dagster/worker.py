"""A run worker host: starts the Dagster runs a :class:`~.hosts.HostRunLauncher` hands it
as processes of its own, and tells how they are doing.

It stands in, on one machine, for what Kubernetes or Docker do for Dagster's own
launchers: a host of its own (its working folder, its ``DAGSTER_HOME`` whose
``dagster.yaml`` names the shared Postgres instance) that shares nothing with the daemon
but the network, Postgres and the folder the instance keeps step logs and outputs in.
Run it once per host::

    INTACCT_WORKER_TOKEN=... DAGSTER_HOME=/srv/dagster \\
        python -m intacct.integrations.dagster.worker --port 7101 --folder /srv/runs

A run is ``dagster api execute_run`` (Dagster's own run worker) in a new process group,
its output in ``<folder>/<run id>.log`` and its record in ``<folder>/<run id>.json``
(:mod:`.host_runs`): the server may stop, be killed or restarted while its runs go on,
and answers for them again when it is back. Every ``--watch-s`` it compares its runs with
the instance: a run the instance has failed or canceled whose processes live on is
stopped (``--grace-s``), and an ended run's pool slots are freed once its processes are
gone.
Every request carries the token (``Authorization: Bearer``): whoever can start a run
here can run code. The HTTP API, JSON both ways: ``POST /runs`` ``{"run_id", "args"}``
(``args``: Dagster's serialized ``ExecuteRunArgs``), ``GET /runs``, ``GET /runs/<id>``,
``POST /runs/<id>/terminate``.
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
import os
import re
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from intacct.integrations.dagster.host_runs import HostRuns

__all__ = ["TOKEN_VAR", "main", "serve"]

log = logging.getLogger("intacct.worker")

TOKEN_VAR = "INTACCT_WORKER_TOKEN"  # noqa: S105 (the variable's name)
#: a token shorter than this is refused at start: it guards starting code
MIN_TOKEN = 16
#: a request body larger than this is refused unread (a run's args are a few KB)
MAX_BODY = 1 << 20
#: a Dagster run id (a UUID)
_RUN_ID = re.compile(r"[0-9a-f][0-9a-f-]{0,63}")
#: how often the watch compares the host's runs with the instance (host_runs)
WATCH_S = 5.0
#: how long a failed or canceled run's processes may outlive its end in the instance
#: before SIGTERM, and SIGTERM before SIGKILL
GRACE_S = 10.0


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


class _Handler(BaseHTTPRequestHandler):
    worker: HostRuns
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
            said = self.worker.start(run_id, _command(run_id, serialized))
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
    handler = type("Handler", (_Handler,), {"worker": HostRuns(folder), "token": token})
    return ThreadingHTTPServer((host, port), handler)


def watch(runs: HostRuns, every_s: float, grace_s: float, stop: threading.Event) -> None:
    """The watch (:meth:`HostRuns.watch`) every ``every_s`` until ``stop``, against the
    instance of ``DAGSTER_HOME``; a pass that fails (Postgres away) is tried again, and so
    is opening the instance (Postgres away, or its tables made by another process of the
    deployment at the same moment): a watch that died would leave the slots of this
    host's killed runs held, their companies' next runs waiting."""
    from dagster import DagsterInstance

    while not stop.wait(every_s):
        try:
            with DagsterInstance.get() as instance:
                _passes(runs, instance, every_s, grace_s, stop)
        except Exception as exc:  # noqa: BLE001 (opened again at the next pass)
            log.warning("the watch could not open the Dagster instance: %s", exc)


def _passes(
    runs: HostRuns, instance: Any, every_s: float, grace_s: float, stop: threading.Event
) -> None:
    """The watch's passes against an open ``instance``, the first one now."""
    while True:
        try:
            runs.watch(instance, grace_s)
        except Exception as exc:  # noqa: BLE001 (the next pass tries again)
            log.warning("the watch of this host's runs failed: %s", exc)
        if stop.wait(every_s):
            return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m intacct.integrations.dagster.worker",
        description="A run worker host for HostRunLauncher (token in $" + TOKEN_VAR + ")",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7101)
    parser.add_argument("--folder", type=Path, default=Path("runs"),
                        help="the runs' output and records (keep it across restarts)")  # fmt: skip
    parser.add_argument("--watch-s", type=float, default=WATCH_S,
                        help="how often to compare the runs with the instance")  # fmt: skip
    parser.add_argument("--grace-s", type=float, default=GRACE_S,
                        help="how long an ended run's processes may live on before SIGTERM, "
                        "and SIGTERM before SIGKILL")  # fmt: skip
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    log.setLevel(logging.INFO)  # this host's runs, not its libraries' chatter
    token = os.environ.get(TOKEN_VAR, "")
    if len(token) < MIN_TOKEN:
        print(f"${TOKEN_VAR} must be set to a secret of {MIN_TOKEN} characters or more: "
              "whoever holds it can start runs here", file=sys.stderr)  # fmt: skip
        return 2
    if not os.environ.get("DAGSTER_HOME"):
        print("$DAGSTER_HOME must name the folder of the shared instance's dagster.yaml",
              file=sys.stderr)  # fmt: skip
        return 2
    args.folder.mkdir(parents=True, exist_ok=True)
    server = serve(args.host, args.port, args.folder.resolve(), token)
    stop = threading.Event()
    runs = server.RequestHandlerClass.worker  # type: ignore[attr-defined]
    threading.Thread(target=watch, args=(runs, args.watch_s, args.grace_s, stop),
                     name="watch", daemon=True).start()  # fmt: skip
    host, port = server.server_address[:2]
    print(f"intacct run worker listening on http://{host!s}:{port}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
