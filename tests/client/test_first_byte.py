"""Two deadlines over a real socket: a gateway that takes the connection and sends
nothing is given up on after ``first_byte_timeout_s``, its tries together (not after
every try's ``timeout_s``), while an answer that has begun streams on until
``timeout_s``."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from intacct import errors
from intacct.client import IntacctClient
from intacct.client.retry import RetryPolicy
from intacct.client.transport import HttpAnswer, Transport
from intacct.config import ClientConfig
from tests.sockets import Behaviour, Server, serving

from .conftest import BASE_CONFIG

ANSWER = b'<?xml version="1.0"?><response><control><status>success</status></control></response>'
HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n"


@pytest.fixture
def serve() -> Iterator[Callable[[Behaviour], Server]]:
    with ExitStack() as stack:
        yield lambda behaviour: stack.enter_context(serving(behaviour))


def silent(connection: socket.socket) -> None:
    """Read nothing, answer nothing."""


def headers_then(pieces: int, gap_s: float) -> Behaviour:
    """The headers at once, then the body in ``pieces`` with ``gap_s`` before each (a
    body cut short, and then silence, when ``pieces`` cannot hold it)."""

    def answer(connection: socket.socket) -> None:
        connection.recv(65536)
        connection.sendall(HEADERS % len(ANSWER))
        size = -(-len(ANSWER) // 8)
        for start in range(0, min(pieces, 8) * size, size):
            time.sleep(gap_s)
            connection.sendall(ANSWER[start : start + size])

    return answer


def client(url: str, **config: object) -> IntacctClient:
    settings = ClientConfig.from_mapping({**BASE_CONFIG, "api_url": url, **config})
    retry = RetryPolicy(max_attempts=settings.max_retries + 1, sleep=lambda seconds: None)
    return IntacctClient(settings, retry=retry)


def timed(call: Callable[[], object]) -> tuple[float, object]:
    """Seconds ``call`` took, and what it returned or raised."""
    started = time.monotonic()
    try:
        outcome = call()
    except errors.IntacctError as exc:
        outcome = exc
    return time.monotonic() - started, outcome


@pytest.mark.parametrize("first_byte_s", [0.6, 1.2])
def test_a_silent_gateway_is_given_up_on_once_after_first_byte_timeout_s(
    serve: Callable[[Behaviour], Server], first_byte_s: float
) -> None:
    """Six tries of 300 s each were allowed: now one wait of first_byte_timeout_s."""
    server = serve(silent)
    with client(server.url, first_byte_timeout_s=first_byte_s, max_retries=5) as made:
        seconds, error = timed(made.sign_in)
    assert isinstance(error, errors.RequestTimeoutError)
    assert str(error) == f"no answer from {server.url} within {first_byte_s:g} s " + (
        "(first_byte_timeout_s)"
    )
    assert len(server.connections) == 1  # no try again: the wait was the whole budget
    assert first_byte_s <= seconds < first_byte_s + 0.5, f"{seconds:.2f} s"


def test_the_tries_of_a_request_share_first_byte_timeout_s(
    serve: Callable[[Behaviour], Server],
) -> None:
    """Each try waits at most timeout_s (0.5 s) for its first byte, and the silent tries
    of one request together at most first_byte_timeout_s (1.75 s): three whole tries,
    a fourth on what is left, then no more, though max_retries allows five."""
    server = serve(silent)
    with client(server.url, timeout_s=0.5, first_byte_timeout_s=1.75, max_retries=5) as made:
        seconds, error = timed(made.sign_in)
    assert isinstance(error, errors.RequestTimeoutError)
    assert len(server.connections) == 4
    assert 1.75 <= seconds < 1.75 + 0.5, f"{seconds:.2f} s"


def test_an_answer_that_streams_in_has_timeout_s_not_the_first_byte_limit(
    serve: Callable[[Behaviour], Server],
) -> None:
    """A page streaming for 1.6 s, in pieces 0.2 s apart, against a first-byte limit of
    0.5 s: read whole (a wide page may stream for minutes)."""
    server = serve(headers_then(8, 0.2))
    transport = Transport(first_byte_timeout_s=0.5, timeout_s=10)
    try:
        seconds, answer = timed(lambda: transport.post(server.url, b"<request/>"))
    finally:
        transport.close()
    assert isinstance(answer, HttpAnswer) and answer.content == ANSWER
    assert seconds >= 1.6


def test_headers_then_silence_is_given_up_on_after_timeout_s(
    serve: Callable[[Behaviour], Server],
) -> None:
    """Headers and part of the body, then nothing: the try ends at timeout_s (1.5 s),
    not at the first-byte limit (0.5 s)."""
    server = serve(headers_then(2, 0.1))
    with client(server.url, first_byte_timeout_s=0.5, timeout_s=1.5, max_retries=0) as made:
        seconds, error = timed(made.sign_in)
    assert isinstance(error, errors.RequestTimeoutError)
    assert str(error) == f"no answer from {server.url} within 1.5 s (timeout_s)"
    assert 1.5 <= seconds < 2.0, f"{seconds:.2f} s"
