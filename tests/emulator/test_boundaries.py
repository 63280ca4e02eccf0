"""The emulator's own boundaries (issue 21 §5): a body over the limit is answered 413,
never a reset; a connection that stalls before or inside its request is dropped after
the read timeout, so stalled connections cannot lock other clients out, measured on
``intacct emulator serve`` under ``ulimit -n 1024``."""

from __future__ import annotations

import contextlib
import os
import resource
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from intacct.emulator.server import EmulatorServer

from .conftest import envelope

LIMIT = 20 * 1024 * 1024


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=0, body_timeout_s=1, head_timeout_s=1) as emulator:
        yield emulator


def _head(host: str, port: int, length: int) -> bytes:
    return (
        f"POST /ia/xml/xmlgw.phtml HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: application/xml\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def _closed_by_server(sock: socket.socket, within_s: float) -> bool:
    """True once the server closes ``sock`` (EOF or reset) within ``within_s``."""
    sock.settimeout(within_s)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        return False
    except OSError:
        return True  # reset
    return True


def test_an_oversized_body_is_answered_413_not_reset(server: EmulatorServer) -> None:
    """A client that writes its whole body before reading (as most do) reads the 413:
    the rest of the body is read and dropped, not left to reset the connection."""
    size = 3 * LIMIT
    with socket.create_connection((server.host, server.port), timeout=30) as sock:
        sock.sendall(_head(server.host, server.port, size))
        block = b"x" * (1 << 20)
        for _ in range(size // len(block)):
            sock.sendall(block)
        answer = b""
        while b"</response>" not in answer and (chunk := sock.recv(65536)):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"XL03000003" in answer


def test_an_oversized_body_leaves_the_connection_usable(server: EmulatorServer) -> None:
    with httpx.Client(timeout=30) as client:
        big = client.post(server.url, content=b"x" * (LIMIT + 1))
        small = client.post(server.url, content=envelope("<getAPISession/>"))
    assert (big.status_code, small.status_code) == (413, 200)


@pytest.mark.parametrize(
    "sent",
    [b"", b"POST /ia/xml/xmlgw.phtml HTTP/1.1\r\nHost: x\r\nContent-Le"],
    ids=["nothing", "half a head"],
)
def test_a_connection_without_a_request_head_is_closed(server: EmulatorServer, sent: bytes) -> None:
    started = time.perf_counter()
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(sent)
        assert _closed_by_server(sock, within_s=10)
    assert 0.8 < time.perf_counter() - started < 8


def test_a_keep_alive_connection_must_send_its_next_head_in_time(server: EmulatorServer) -> None:
    body = envelope("<getAPISession/>")
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(_head(server.host, server.port, len(body)) + body)
        answer = b""
        while b"</response>" not in answer:
            answer += sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 200")
        started = time.perf_counter()
        sock.sendall(b"POST /ia/xml/xmlgw.phtml HTTP/1.1\r\n")  # and no more
        assert _closed_by_server(sock, within_s=10)
    assert time.perf_counter() - started < 8


# -- many stalled connections against `intacct emulator serve` under ulimit -n 1024 ------

# 1,100 in all, more than the 1,024 files the server may open: bodies that never come
# (more than --max-connections: uvicorn alone answers 503 to all), heads cut short, silence
STALLED_SILENT = 250
STALLED_HEADS = 300
STALLED_BODIES = 550
CLIENT_REQUESTS = 15
#: longer than opening the 1,100 connections and the requests take, on a loaded machine
READ_TIMEOUT_S = 15.0


@pytest.fixture
def limited_server() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = STALLED_SILENT + STALLED_HEADS + STALLED_BODIES + 200
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            pytest.skip(f"this test opens {wanted} sockets; the hard file limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    serve = [
        sys.executable,
        "-m",
        "intacct.cli",
        "emulator",
        "serve",
        "--port",
        "0",
        "--scale",
        "0",
        "--read-timeout",
        str(READ_TIMEOUT_S),
        "--max-connections",
        "500",
    ]
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("needs bash for ulimit -n 1024")
    command = f"ulimit -n 1024 && exec {shlex.join(serve)}"
    proc = subprocess.Popen(
        [bash, "-c", command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip().rsplit(" ", 1)[1]
        yield url, proc
    finally:
        proc.terminate()
        _, errors = proc.communicate(timeout=15)
        assert "Traceback" not in errors and "out of system resource" not in errors, errors


def _open_files(pid: int) -> int | None:
    fds = Path(f"/proc/{pid}/fd")
    return len(os.listdir(fds)) if fds.is_dir() else None


def _stalling(n: int, host: str, port: int) -> bytes:
    """What the ``n``-th stalled connection sends before it stalls."""
    if n < STALLED_BODIES:
        return _head(host, port, 5000) + b"<request><control>"  # and no more of the body
    if n < STALLED_BODIES + STALLED_HEADS:
        return b"POST /ia/xml/xmlgw.phtml HTTP/1.1\r\nHost: x\r\n"
    return b""


def test_stalled_connections_do_not_lock_a_client_out(
    limited_server: tuple[str, subprocess.Popen[str]],
) -> None:
    url, proc = limited_server
    host, port = httpx.URL(url).host, httpx.URL(url).port or 80
    stalled: list[socket.socket] = []
    try:
        for n in range(STALLED_SILENT + STALLED_HEADS + STALLED_BODIES):
            sock = socket.create_connection((host, port), timeout=10)
            sock.sendall(_stalling(n, host, port))
            stalled.append(sock)
            if n == 0:  # no stalled connection is let go of before this
                freed = time.perf_counter() + READ_TIMEOUT_S
        answered = []
        for _ in range(CLIENT_REQUESTS):  # each served now, not once the others time out
            left = freed - time.perf_counter()
            with contextlib.suppress(httpx.TimeoutException):
                if left > 0:
                    answer = httpx.post(url, content=envelope("<getAPISession/>"), timeout=left)
                    answered.append(answer.status_code)
        assert answered == [200] * CLIENT_REQUESTS, (
            f"{answered.count(200)} of {CLIENT_REQUESTS} requests answered while the "
            f"stalled connections were held ({answered})"
        )
        files = _open_files(proc.pid)
        assert files is None or files < 700, f"{files} files open in the emulator"
        deadline = time.perf_counter() + READ_TIMEOUT_S + 10
        still_open = [
            s
            for s in stalled
            if not _closed_by_server(s, max(deadline - time.perf_counter(), 0.01))
        ]
        assert still_open == [], f"{len(still_open)} stalled connections still open"
    finally:
        for sock in stalled:
            sock.close()
