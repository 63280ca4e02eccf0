"""The gateway under hostile HTTP input: bad gzip, bombs, oversized and stalled or
abandoned uploads, malformed JSON to the control API. Each answers a gateway error or a
4xx, never a 500, a traceback or an unbounded allocation."""

from __future__ import annotations

import gzip
import logging
import socket
import struct
import time
import tracemalloc
import zlib
from collections.abc import Iterator

import httpx
import pytest
from lxml import etree

from intacct.emulator.inprocess import InProcessEmulator
from intacct.emulator.server import EmulatorServer

from .conftest import envelope

LIMIT = 20 * 1024 * 1024


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=0, body_timeout_s=0.5, max_connections=50) as emulator:
        yield emulator


def _control(server: EmulatorServer, path: str) -> str:
    return server.url.replace("/ia/xml/xmlgw.phtml", f"/_emulator/{path}")


def _raw(server: EmulatorServer, head: bytes) -> socket.socket:
    sock = socket.create_connection((server.host, server.port), timeout=10)
    sock.sendall(head)
    return sock


def _head(server: EmulatorServer, length: int, extra: str = "") -> bytes:
    return (
        f"POST /ia/xml/xmlgw.phtml HTTP/1.1\r\nHost: {server.host}:{server.port}\r\n"
        f"Content-Type: application/xml\r\nContent-Length: {length}\r\n{extra}\r\n"
    ).encode()


def _answer(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
        if b"\r\n\r\n" in b"".join(chunks) and b"</response>" in b"".join(chunks):
            break
    return b"".join(chunks)


def _errorno(content: bytes) -> str | None:
    return etree.fromstring(content).findtext(".//errorno")


def _bomb(inflated_mb: int) -> bytes:
    """A gzip file of ``inflated_mb`` megabytes of zeros, made without compressing them
    all: after a full flush each megabyte compresses alone, to the same bytes, so the
    second one's are repeated; then an empty final block and the trailer (CRC and size)."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    first = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    again = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(inflated_mb):
        crc = zlib.crc32(zeros, crc)
    trailer = struct.pack("<II", crc, (inflated_mb << 20) & 0xFFFFFFFF)
    return b"".join([first, again * (inflated_mb - 1), b"\x03\x00", trailer])


def test_a_bomb_inflates_to_what_it_says() -> None:
    assert gzip.decompress(_bomb(3)) == bytes(3 << 20)


def test_gzip_header_on_a_plain_body_is_a_gateway_error(server: EmulatorServer) -> None:
    answer = httpx.post(
        server.url,
        content=envelope("<getDimensions/>"),
        headers={"Content-Type": "application/xml", "Content-Encoding": "gzip"},
    )
    assert answer.status_code == 400
    assert etree.fromstring(answer.content).findtext("control/status") == "failure"
    assert _errorno(answer.content) == "GW-0011"


def test_gzip_bodies_still_work(server: EmulatorServer) -> None:
    answer = httpx.post(
        server.url,
        content=gzip.compress(envelope("<getDimensions/>")),
        headers={"Content-Type": "application/xml", "Content-Encoding": "gzip"},
    )
    assert answer.status_code == 200
    assert etree.fromstring(answer.content).findtext(".//result/status") == "success"


def test_a_gzip_bomb_is_refused_without_inflating_it() -> None:
    bomb = _bomb(1024)  # 1 GB of zeros in about 1 MB
    assert len(bomb) < 2 * 1024 * 1024
    with (
        InProcessEmulator(scale=0) as emulator,
        httpx.Client(transport=emulator.transport()) as http,
    ):
        tracemalloc.start()
        try:
            answer = http.post(
                emulator.url,
                content=bomb,
                headers={"Content-Type": "application/xml", "Content-Encoding": "gzip"},
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert answer.status_code == 413 and _errorno(answer.content) == "XL03000003"
    assert peak < 100 * 1024 * 1024, f"peak {peak / 2**20:.0f} MB while refusing a bomb"


def test_gzip_bomb_over_http(server: EmulatorServer) -> None:
    answer = httpx.post(
        server.url,
        content=_bomb(64),
        headers={"Content-Type": "application/xml", "Content-Encoding": "gzip"},
    )
    assert answer.status_code == 413 and _errorno(answer.content) == "XL03000003"


def test_content_length_over_the_limit_is_refused_before_reading(
    server: EmulatorServer,
) -> None:
    started = time.perf_counter()
    with _raw(server, _head(server, 100 * 1024 * 1024)) as sock:  # and not one body byte
        answer = _answer(sock)
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"XL03000003" in answer
    assert time.perf_counter() - started < 5


def test_a_chunked_upload_is_refused_past_the_limit_without_holding_it(
    server: EmulatorServer,
) -> None:
    """Refused (413, read by the client, not a reset) as soon as the bytes pass the
    limit; the rest is read and dropped, never held: 200 MB go through in bounded
    memory."""

    def chunks() -> Iterator[bytes]:
        block = b"x" * (1024 * 1024)
        for _ in range(200):  # 200 MB
            yield block

    tracemalloc.start()
    try:
        answer = httpx.post(
            server.url,
            content=chunks(),
            headers={"Content-Type": "application/xml"},
            timeout=60,
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert answer.status_code == 413 and _errorno(answer.content) == "XL03000003"
    assert peak < LIMIT + 30 * 1024 * 1024, f"{peak / 2**20:.0f} MB held"


def test_a_stalled_upload_times_out(server: EmulatorServer) -> None:
    started = time.perf_counter()
    with _raw(server, _head(server, 1000) + b"<request>") as sock:
        answer = _answer(sock)
    assert answer.startswith(b"HTTP/1.1 408")
    assert 0.4 < time.perf_counter() - started < 5


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_an_abandoned_upload_logs_one_line(server: EmulatorServer) -> None:
    records = _Records()
    loggers = [logging.getLogger(name) for name in ("intacct.emulator", "uvicorn.error")]
    for logger in loggers:
        logger.addHandler(records)
    try:
        sock = _raw(server, _head(server, 5000) + b"<request><control>")
        time.sleep(0.1)
        sock.close()
        deadline = time.monotonic() + 3
        while not records.records and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.2)  # anything else it would log
    finally:
        for logger in loggers:
            logger.removeHandler(records)
    assert [r.getMessage() for r in records.records if r.exc_info] == []
    abandoned = [r for r in records.records if "abandoned" in r.getMessage()]
    assert len(abandoned) == 1 and len(records.records) == 1


def _closed(sock: socket.socket) -> bool:
    """Whether the server closed ``sock`` (EOF or reset within half a second)."""
    sock.settimeout(0.5)
    try:
        return sock.recv(1024) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_a_stalled_body_is_closed_to_make_room() -> None:
    with EmulatorServer(port=0, scale=0, max_connections=2, body_timeout_s=30) as small:
        stalled = []
        try:
            for _ in range(2):
                stalled.append(_raw(small, _head(small, 1000) + b"<request>"))
                time.sleep(0.2)
            answer = httpx.post(small.url, content=envelope("<getDimensions/>"), timeout=5)
            assert answer.status_code == 200
            assert [_closed(sock) for sock in stalled] == [True, False]  # the longest silent
        finally:
            for sock in stalled:
                sock.close()


def test_connections_beyond_the_limit_all_answering_get_503() -> None:
    """Requests whole and being answered are never closed for room: past the limit
    (and the room for connections closing), uvicorn answers 503."""
    body = envelope("<getDimensions/>")
    with EmulatorServer(
        port=0, scale=0, max_connections=2, latency_ms=2000, max_concurrency=None
    ) as small:
        busy = [_raw(small, _head(small, len(body)) + body) for _ in range(8)]
        try:
            statuses = [_answer(sock).split(b" ", 2)[1] for sock in busy]
        finally:
            for sock in busy:
                sock.close()
    assert statuses.count(b"200") >= 2 and b"503" in statuses, statuses


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("companies/DEMO", b"[" * 100_000 + b"]" * 100_000),
        ("companies/DEMO", '{"timezone": "Europe/Zürich"}'.encode("latin-1")),
        ("companies/DEMO", b"[1, 2]"),
        ("companies/DEMO", b"{not json"),
        ("latency", b'{"ms":' * 50_000 + b"1" + b"}" * 50_000),
        ("latency", b'{"ms": "\xff"}'),
        ("faults", b"status=5\xff03"),
    ],
)
def test_malformed_control_bodies_are_400(server: EmulatorServer, path: str, body: bytes) -> None:
    answer = httpx.post(_control(server, path), content=body)
    assert answer.status_code == 400
    assert answer.json()["error"]


def test_an_oversized_control_body_is_413(server: EmulatorServer) -> None:
    answer = httpx.post(_control(server, "latency"), content=b" " * (2 * 1024 * 1024))
    assert answer.status_code == 413


def test_in_process_gzip_header_on_plain_body() -> None:
    with (
        InProcessEmulator(scale=0) as emulator,
        httpx.Client(transport=emulator.transport()) as http,
    ):
        answer = http.post(
            emulator.url,
            content=envelope("<getDimensions/>"),
            headers={"Content-Type": "application/xml", "Content-Encoding": "gzip"},
        )
    assert answer.status_code == 400 and _errorno(answer.content) == "GW-0011"


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        (b"", "does nothing"),
        (b"times=2,function=query", "does nothing"),
        (b"status=abc", "status"),
        (b"delay_ms=1.5", "delay_ms"),
    ],
)
def test_fault_specs_that_do_nothing_or_are_not_numbers_are_400(
    server: EmulatorServer, spec: bytes, named: str
) -> None:
    answer = httpx.post(_control(server, "faults"), content=spec)
    assert answer.status_code == 400 and named in answer.json()["error"]
    assert httpx.get(_control(server, "faults")).json() == {"faults": []}


def test_installed_faults_can_be_read_back(server: EmulatorServer) -> None:
    faults = _control(server, "faults")
    try:
        httpx.post(faults, content=b"errorno=XL03000011,function=readMore")
        httpx.post(faults, params={"spec": "status=503,times=1,function=inspect"})
        httpx.post(server.url, content=envelope("<inspect><object>*</object></inspect>"))
        listed = httpx.get(faults).json()["faults"]
        assert listed == [
            {"spec": "errorno=XL03000011,function=readMore", "seen": 0, "fired": 0},
            {"spec": "status=503,times=1,function=inspect", "seen": 1, "fired": 1},
        ]
    finally:
        httpx.delete(faults)
    assert httpx.get(faults).json() == {"faults": []}


def test_reset_after_seed_keeps_the_seeded_scale() -> None:
    with EmulatorServer(port=0, scale=0, seed=1) as small:
        seeded = httpx.post(_control(small, "seed"), params={"scale": 800, "seed": 4}, timeout=60)
        assert seeded.json()["scale"] == 800
        reset = httpx.post(_control(small, "reset"), timeout=60).json()
        assert (reset["scale"], reset["seed"], reset["rows"]) == (800, 4, seeded.json()["rows"])
