"""The HTTP transport: bodies read as a stream, gzip inflated in bounded pieces, answers
over ``max_response_bytes`` refused with a typed error, httpx errors mapped to ours.

Streaming answers come from ``httpx.MockTransport`` with a ``stream=`` body (a body
given as ``content=`` is read, and inflated by httpx, before the transport sees it);
the gzip bomb also comes over a real local socket.
"""

from __future__ import annotations

import contextlib
import gzip
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from intacct import errors
from intacct.client.transport import (
    BOMB_FLOOR,
    BOMB_RATIO,
    DEFAULT_MAX_RESPONSE_BYTES,
    InFlight,
    Transport,
)

URL = "https://api.intacct.com/ia/xml/xmlgw.phtml"
ANSWER = b'<?xml version="1.0"?><response><control><status>success</status></control></response>'


class Chunks(httpx.SyncByteStream):
    """A response body sent in chunks of ``size`` bytes, counting what was read."""

    def __init__(self, data: bytes, size: int = 1 << 16, fail: Exception | None = None) -> None:
        self.data, self.size, self.fail = data, size, fail
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.data), self.size):
            chunk = self.data[start : start + self.size]
            self.sent += len(chunk)
            yield chunk
        if self.fail is not None:
            raise self.fail


def _transport(
    answer: Callable[[httpx.Request], httpx.Response], max_response_bytes: int | None = None
) -> Transport:
    extra = {} if max_response_bytes is None else {"max_response_bytes": max_response_bytes}
    return Transport(http_transport=httpx.MockTransport(answer), **extra)


def _streamed(
    body: Chunks, status: int = 200, **headers: str
) -> Callable[[httpx.Request], httpx.Response]:
    named = {k.replace("_", "-"): v for k, v in headers.items()}
    return lambda request: httpx.Response(status, headers=named, stream=body)


def _bomb(inflated_mib: int) -> bytes:
    """gzip of ``inflated_mib`` MiB of zeros, about a thousandth of that on the wire.

    After a full flush the packer starts afresh, so each further MiB packs to the same
    bytes: one is repeated instead of packing them all. The stream has no end (no
    trailer): a reader that stops at its cap never gets there.
    """
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    first = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    return first + again * (inflated_mib - 1)


# --------------------------------------------------------------------------- decoding


@pytest.mark.parametrize("size", [1, 7, 1 << 16])
def test_gzip_answer_is_inflated_whatever_the_chunking(size: int) -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        body = Chunks(gzip.compress(ANSWER), size)
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=body)

    got = _transport(answer).post(URL, b"<request/>")
    assert (got.status, got.content) == (200, ANSWER)
    assert sent[0].headers["accept-encoding"] == "gzip"


def test_gzip_members_in_a_row_are_all_read() -> None:
    body = Chunks(gzip.compress(ANSWER[:40]) + gzip.compress(ANSWER[40:]), size=5)
    got = _transport(_streamed(body, Content_Encoding="x-gzip")).post(URL, b"")
    assert got.content == ANSWER


def test_identity_answer_headers_and_retry_after_are_kept() -> None:
    body = Chunks(ANSWER, size=10)
    got = _transport(_streamed(body, 429, Retry_After="7", Content_Encoding="identity")).post(
        URL, b""
    )
    assert (got.status, got.content, got.retry_after) == (429, ANSWER, 7.0)
    assert got.headers["content-encoding"] == "identity"


def test_answer_built_in_memory_is_used_as_is() -> None:
    # httpx reads a content= body when the response is made; nothing is left to stream
    answer = gzip.compress(ANSWER)
    got = _transport(
        lambda r: httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=answer)
    ).post(URL, b"")
    assert got.content == ANSWER


def test_empty_gzip_answer_is_an_empty_body() -> None:
    got = _transport(_streamed(Chunks(b""), 502, Content_Encoding="gzip")).post(URL, b"")
    assert (got.status, got.content) == (502, b"")


# --------------------------------------------------------------------------- the cap


def test_default_cap_is_256_mib() -> None:
    assert DEFAULT_MAX_RESPONSE_BYTES == 256 * 1024 * 1024
    assert Transport().max_response_bytes == DEFAULT_MAX_RESPONSE_BYTES


@pytest.mark.parametrize("cap", [0, -1])
def test_cap_must_be_positive(cap: int) -> None:
    with pytest.raises(ValueError, match="max_response_bytes"):
        Transport(max_response_bytes=cap)


def test_answer_of_exactly_the_cap_is_read() -> None:
    got = _transport(_streamed(Chunks(ANSWER, 3)), len(ANSWER)).post(URL, b"")
    assert got.content == ANSWER


def _refused(transport: Transport) -> errors.ResponseFormatError:
    with pytest.raises(errors.ResponseFormatError) as info:
        transport.post(URL, b"<request/>")
    return info.value


def test_identity_answer_over_the_cap_stops_being_read() -> None:
    body = Chunks(b"<response>" + b"x" * 10_000_000, size=1 << 16)
    error = _refused(_transport(_streamed(body, 200), max_response_bytes=100_000))
    assert error.http_status == 200
    assert "exceeded 100,000 bytes" in str(error)
    assert "max_response_bytes" in str(error)
    assert error.excerpt is not None and error.excerpt.startswith("<response>xxx")
    assert body.sent < 300_000  # not read to the end


def test_declared_length_over_the_cap_is_refused_before_reading() -> None:
    body = Chunks(b"y" * 5000)
    error = _refused(_transport(_streamed(body, 503, Content_Length="5000"), 4999))
    assert (error.http_status, body.sent) == (503, 0)
    assert "exceeded 4,999 bytes" in str(error)


def test_answer_built_in_memory_over_the_cap_is_refused() -> None:
    error = _refused(_transport(lambda r: httpx.Response(200, content=b"z" * 101), 100))
    assert error.http_status == 200


def _refused_at_peak(transport: Transport) -> tuple[errors.ResponseFormatError, int]:
    """The refusal, and the most memory allocated (traced) on the way to it."""
    tracemalloc.start()
    try:
        return _refused(transport), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_gzip_bomb_in_one_chunk_costs_about_the_cap() -> None:
    cap = 4 << 20
    bomb = _bomb(1024)  # 1 GiB inflated, in 1 chunk of about 1 MB
    transport = _transport(_streamed(Chunks(bomb, size=len(bomb)), Content_Encoding="gzip"), cap)
    error, peak = _refused_at_peak(transport)
    assert f"exceeded {cap:,} bytes" in str(error)
    assert peak < 4 * cap, f"peak {peak / 2**20:.0f} MiB for a {cap / 2**20:.0f} MiB cap"


def test_gzip_bomb_is_refused_as_it_inflates_far_below_the_cap() -> None:
    """Inflating at 1000 to 1, it is refused once past BOMB_FLOOR (16 MiB), whatever the
    cap: with the default cap of 256 MiB it had filled that first (a peak of 257 MiB)."""
    bomb = _bomb(1024)  # 1 GiB inflated, about 1 MB on the wire
    transport = _transport(_streamed(Chunks(bomb), Content_Encoding="gzip"))
    error, peak = _refused_at_peak(transport)
    assert transport.max_response_bytes == DEFAULT_MAX_RESPONSE_BYTES
    assert isinstance(error, errors.ResponseTooLargeError)
    assert "bytes inflated from" in str(error) and "a gzip bomb" in str(error)
    assert peak < 2 * BOMB_FLOOR, f"peak {peak / 2**20:.0f} MiB"


def test_a_compressible_answer_past_the_bomb_floor_is_read_whole() -> None:
    """Records of empty fields inflate some 70 times: no bomb, read to the end."""
    fields = "".join(f"<FIELD_{i}></FIELD_{i}>" for i in range(300))
    body = "".join(f"<V><RECORDNO>{n}</RECORDNO>{fields}</V>" for n in range(4000)).encode()
    packed = gzip.compress(body, 6)
    assert len(body) > BOMB_FLOOR and 30 < len(body) / len(packed) < BOMB_RATIO
    got = _transport(_streamed(Chunks(packed), Content_Encoding="gzip")).post(URL, b"")
    assert got.content == body


class _BombHandler(BaseHTTPRequestHandler):
    bomb = b""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(self.bomb)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client hangs up once it has enough
            self.wfile.write(self.bomb)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def bomb_server() -> Iterator[str]:
    _BombHandler.bomb = _bomb(1024)  # 1 GiB inflated, about 1 MB on the wire
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BombHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/ia/xml/xmlgw.phtml"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_gzip_bomb_over_a_socket_is_refused_in_bounded_memory(bomb_server: str) -> None:
    cap = 8 << 20
    transport = Transport(max_response_bytes=cap, timeout_s=30)
    tracemalloc.start()
    try:
        with pytest.raises(errors.ResponseFormatError) as info:
            transport.post(bomb_server, b"<request/>")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        transport.close()
    assert info.value.http_status == 200
    assert f"exceeded {cap:,} bytes" in str(info.value)
    assert peak < 3 * cap, f"peak {peak / 2**20:.0f} MiB for a {cap / 2**20:.0f} MiB cap"


# --------------------------------------------------------------------------- undecodable


def _undecodable(transport: Transport) -> errors.TransportError:
    with pytest.raises(errors.TransportError) as info:
        transport.post(URL, b"<request/>")
    error = info.value
    # a lost answer, like a dropped connection: no status, the request may have applied
    assert type(error) is errors.TransportError
    assert error.http_status is None
    assert "could not be decoded" in str(error)
    assert "may have been applied" in str(error)
    return error


def test_corrupt_gzip_is_a_transport_error() -> None:
    packed = bytearray(gzip.compress(ANSWER * 50))
    packed[len(packed) // 2] ^= 0xFF
    error = _undecodable(_transport(_streamed(Chunks(bytes(packed)), Content_Encoding="gzip")))
    assert "corrupt gzip" in str(error)


def test_gzip_that_is_not_gzip_is_a_transport_error() -> None:
    error = _undecodable(_transport(_streamed(Chunks(ANSWER), 502, Content_Encoding="gzip")))
    assert "HTTP 502" in str(error)


def test_gzip_cut_short_is_a_transport_error() -> None:
    packed = gzip.compress(ANSWER)
    error = _undecodable(_transport(_streamed(Chunks(packed[:-4]), Content_Encoding="gzip")))
    assert "ended early" in str(error)


def test_unrequested_content_encoding_is_a_transport_error() -> None:
    error = _undecodable(_transport(_streamed(Chunks(b"\x8b\x00"), Content_Encoding="br")))
    assert "'br'" in str(error)


# --------------------------------------------------------------------------- httpx errors


def _raising(exc: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        raise exc

    return answer


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (httpx.ConnectError("refused"), errors.ConnectError),
        (httpx.ConnectTimeout("slow"), errors.ConnectError),
        (httpx.PoolTimeout("busy"), errors.ConnectError),
        (httpx.ReadTimeout("slow"), errors.RequestTimeoutError),
        (httpx.RemoteProtocolError("reset"), errors.TransportError),
    ],
)
def test_httpx_errors_before_the_answer_become_ours(
    raised: Exception, expected: type[errors.TransportError]
) -> None:
    with pytest.raises(expected) as info:
        _transport(_raising(raised)).post(URL, b"")
    assert type(info.value) is expected
    assert info.value.__cause__ is raised


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (httpx.ReadTimeout("stalled"), errors.RequestTimeoutError),
        (httpx.RemoteProtocolError("peer closed connection"), errors.TransportError),
        (httpx.ReadError("reset by peer"), errors.TransportError),
    ],
)
def test_httpx_errors_while_reading_the_body_become_ours(
    raised: Exception, expected: type[errors.TransportError]
) -> None:
    body = Chunks(gzip.compress(ANSWER), size=4, fail=raised)
    with pytest.raises(expected) as info:
        _transport(_streamed(body, Content_Encoding="gzip")).post(URL, b"")
    assert type(info.value) is expected
    assert info.value.http_status is None


# --------------------------------------------------------------------------- deadlines


class _Trickle(httpx.SyncByteStream):
    """A body that comes a byte at a time, each well within any read timeout."""

    def __iter__(self) -> Iterator[bytes]:
        for byte in ANSWER:
            time.sleep(0.05)
            yield bytes([byte])


def test_timeout_s_is_the_whole_answers_deadline_not_each_reads() -> None:
    transport = Transport(
        http_transport=httpx.MockTransport(lambda r: httpx.Response(200, stream=_Trickle())),
        timeout_s=0.5,
    )
    started = time.monotonic()
    with pytest.raises(errors.RequestTimeoutError) as info:
        transport.post(URL, b"")
    assert time.monotonic() - started < 1.5  # the whole body would take 4 s
    assert str(info.value) == f"no answer from {URL} within 0.5 s (timeout_s)"


def test_a_connection_is_waited_for_at_most_ten_seconds() -> None:
    assert Transport(timeout_s=300).connect_timeout_s == 10
    assert Transport(timeout_s=2).connect_timeout_s == 2


def test_in_flight_tells_how_long_the_oldest_request_waits() -> None:
    in_flight = InFlight()
    answered: list[float] = []
    in_flight.on_answer = lambda: answered.append(in_flight.waited())

    def slow(request: httpx.Request) -> httpx.Response:
        time.sleep(0.3)
        return httpx.Response(200, content=ANSWER)

    transport = Transport(http_transport=httpx.MockTransport(slow), in_flight=in_flight)
    seen: list[float] = []
    sender = threading.Thread(target=transport.post, args=(URL, b""))
    sender.start()
    time.sleep(0.2)
    seen.append(in_flight.waited())
    sender.join()
    assert 0.15 < seen[0] < 0.3
    assert answered == [0.0] and in_flight.waited() == 0.0
