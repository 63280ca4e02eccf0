"""A gateway that answers captured pages (``_pages``) over HTTP with the latency model and
the per-company concurrency limit of the emulator, and almost no CPU of its own: the
answers are compressed once at start, so a request costs a lookup and a sleep.

    python benchmarks/replay_gateway.py CAPTURE_DIR [--max-concurrency 2]
        [--latency-ms 300] [--latency-per-row-us 500] [--port 0]

prints ``Replay gateway listening on URL`` once it is ready, serves until terminated.
"""

from __future__ import annotations

import argparse
import gzip
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _pages import Answers, Capture, not_captured

from intacct.emulator.app import GATEWAY_PATH, reply_headers
from intacct.emulator.limits import ConcurrencyLimit, Latency, returned_records
from intacct.emulator.state import throttled_reply

_ENDPOINT = re.compile(rb"<endpoint>[^<]*</endpoint>")
_GZIP_FROM = 1024  # the emulator's smallest compressed answer (and level 1, as it does)
XML = "text/xml; charset=UTF-8"


@dataclass(frozen=True, slots=True)
class Ready:
    body: bytes
    gzipped: bytes | None
    delay: float  # the latency model's seconds for this answer


class Gateway(ThreadingHTTPServer):
    daemon_threads = True
    answers: Answers[Ready]
    limit: ConcurrencyLimit


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Gateway

    def do_POST(self) -> None:
        started = time.perf_counter()
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding", "").lower() == "gzip":
            body = gzip.decompress(body)
        ready = self.server.answers.answer(body) if self.path == GATEWAY_PATH else None
        if ready is None:
            self._send(400, not_captured(body).encode(), {"Content-Type": "text/plain"})
            return
        if not self.server.limit.acquire("company"):
            refused = throttled_reply()
            self._send(refused.http_status, refused.body, reply_headers(refused))
            return
        try:  # the slot stays taken while the answer waits, as in the emulator
            time.sleep(max(0.0, ready.delay - (time.perf_counter() - started)))
        finally:
            self.server.limit.release("company")
        if ready.gzipped is not None and "gzip" in self.headers.get("Accept-Encoding", ""):
            self._send(200, ready.gzipped, {"Content-Type": XML, "Content-Encoding": "gzip"})
        else:
            self._send(200, ready.body, {"Content-Type": XML})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the benchmark reads no access log."""


def preparer(url: str, latency: Latency) -> Callable[[bytes], Ready]:
    endpoint = b"<endpoint>" + url.encode() + b"</endpoint>"

    def prepare(answer: bytes) -> Ready:
        answer = _ENDPOINT.sub(endpoint, answer[:4096], count=1) + answer[4096:]
        gzipped = gzip.compress(answer, 1) if len(answer) >= _GZIP_FROM else None
        return Ready(answer, gzipped, latency.seconds(returned_records(XML, answer)))

    return prepare


def serve(args: argparse.Namespace) -> None:
    server = Gateway(("127.0.0.1", args.port), Handler)
    url = f"http://127.0.0.1:{server.server_address[1]}{GATEWAY_PATH}"
    latency = Latency(args.latency_ms, args.latency_per_row_us)
    server.answers = Answers(Capture.load(Path(args.capture)), preparer(url, latency))
    server.limit = ConcurrencyLimit(args.max_concurrency)
    print(f"Replay gateway listening on {url}", flush=True)
    server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("capture")
    parser.add_argument("--max-concurrency", type=int, default=2)
    parser.add_argument("--latency-ms", type=int, default=300)
    parser.add_argument("--latency-per-row-us", type=int, default=500)
    parser.add_argument("--port", type=int, default=0)
    serve(parser.parse_args())


if __name__ == "__main__":
    main()
