"""HTTP: one pooled ``httpx.Client`` and the single place httpx errors become ours.

The transport knows nothing of XML or sessions: it POSTs bytes to a URL and returns the
status, headers and body, or raises a :class:`~intacct.errors.TransportError` subclass
that says whether the request could have reached the gateway.

Two deadlines: a gateway that takes the connection and sends nothing is given up on
after ``first_byte_timeout_s`` (connect included), shared by a request's tries through a
:class:`FirstByteBudget`, so a silent server costs that once, not once per try; an
answer that has begun (a wide page streaming for minutes) has until ``timeout_s``.

Bodies are read as a stream and gzip is inflated here, in bounded pieces, so an answer
never costs more memory than ``max_response_bytes`` (plus one piece), however well it
compresses: httpx would inflate a whole gzip body with no limit. A gzip bomb (an answer
inflating far more than any Intacct answer does) is refused as it inflates, once past
:data:`BOMB_FLOOR`, well under that cap.
"""

from __future__ import annotations

import functools
import io
import math
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from intacct import errors
from intacct._version import __version__
from intacct.protocol.redact import excerpt

__all__ = [
    "BOMB_FLOOR",
    "BOMB_RATIO",
    "CONNECT_TIMEOUT_S",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "FirstByteBudget",
    "HttpAnswer",
    "InFlight",
    "Silence",
    "Transport",
    "USER_AGENT",
]

USER_AGENT = f"intacct-connector/{__version__}"

#: what an XML request says it sends and takes
_XML = {"Content-Type": "application/xml", "Accept": "application/xml, text/xml"}

#: The largest decoded answer read (256 MiB): far above a 2000-record page of wide
#: records, far below what would exhaust a small machine.
DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024

#: The longest wait for a connection (or the first-byte limit if shorter): the gateway
#: answers a connection in well under a second, so a longer wait means a wrong host or a
#: firewall.
CONNECT_TIMEOUT_S = 10.0

# Most bytes one inflate step may produce: the memory beyond the cap a bomb can cost.
# Under glibc's mapping threshold (memory.py: 256 KiB), so each piece and zlib's buffers
# for it come from the heap and are used again: 1 MiB pieces were fresh mappings, faulted
# in page by page and unmapped after one copy (a third of a sync's page faults; 8.7 ->
# 5.9 ms of CPU to inflate a 3.4 MB page).
_PIECE = 64 << 10
#: A gzip answer inflating more than this many times its size on the wire is a gzip bomb
#: (deflate's most is 1032; Intacct's pages inflate 10 to 30 times, a page of empty
#: fields at gzip's best under 150): it is refused once it has inflated past
#: :data:`BOMB_FLOOR`, far below ``max_response_bytes``, which it would otherwise fill.
BOMB_RATIO = 300
BOMB_FLOOR = 16 << 20
_GZIP = 16 + zlib.MAX_WBITS  # zlib's window with a gzip header and trailer
_GZIP_NAMES = frozenset({"gzip", "x-gzip"})


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    headers: httpx.Headers
    content: bytes

    @property
    def retry_after(self) -> float | None:
        """Seconds from a numeric ``Retry-After`` header (HTTP-date form is ignored)."""
        value = self.headers.get("retry-after")
        try:
            return float(value) if value is not None else None
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class Silence:
    """The request in flight that has waited longest with nothing received: how long,
    when it gives up, and the setting that says so."""

    waited_s: float
    gives_up_s: float
    setting: str


class InFlight:
    """The requests waiting for the gateway's first byte, shared by the clients of one
    program: how long the oldest has waited (a command shows it while a person waits),
    and a hook called when none waits any more (the answer is coming, or the try ended).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._silent: dict[int, tuple[float, float, str]] = {}  # since, gives up, setting
        self._next = 0
        self.on_answer: Callable[[], None] | None = None

    @contextmanager
    def track(
        self, gives_up_s: float = math.inf, setting: str = "timeout_s"
    ) -> Iterator[Callable[[], None]]:
        """A request waits within the block; call what it gives once the first byte of
        the answer came (a page streaming in is no silence)."""
        with self._lock:
            key, self._next = self._next, self._next + 1
            self._silent[key] = (time.monotonic(), gives_up_s, setting)

        def heard() -> None:
            with self._lock:
                if self._silent.pop(key, None) is None:
                    return
                idle = not self._silent
            if idle and self.on_answer is not None:
                self.on_answer()

        try:
            yield heard
        finally:
            heard()

    def waited(self) -> float:
        """Seconds the oldest silent request has waited; 0.0 when none is."""
        silence = self.silence()
        return 0.0 if silence is None else silence.waited_s

    def silence(self) -> Silence | None:
        """The oldest silent request's wait, None when none is silent."""
        with self._lock:
            oldest = min(self._silent.values(), default=None)
        if oldest is None:
            return None
        since, gives_up_s, setting = oldest
        return Silence(time.monotonic() - since, gives_up_s, setting)


class FirstByteBudget:
    """What is left of ``first_byte_timeout_s`` for one request's tries: a try that ends
    with no byte of an answer (refused, silent, cut) spends the time it took, so a
    gateway that never answers is waited for once in all, not once per try."""

    def __init__(self, seconds: float) -> None:
        self.left = seconds

    def spend(self, seconds: float) -> None:
        self.left = max(0.0, self.left - seconds)


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for the process, as httpx would make it (certifi's CA bundle,
    ``SSL_CERT_FILE``/``SSL_CERT_DIR``): httpx makes one per client otherwise, reading
    the CA bundle each time (~20 ms), and a fleet or a test run opens thousands of
    clients. A context is safe to share between clients and threads."""
    return httpx.create_ssl_context()


class Transport:
    """POST XML documents. A try gets the answer's first byte (connect included) within
    what is left of its request's :class:`FirstByteBudget` (``first_byte_timeout_s``)
    and the whole answer within ``timeout_s`` (whichever ends first); otherwise
    :class:`~intacct.errors.RequestTimeoutError`. A connection is waited for at most
    :data:`CONNECT_TIMEOUT_S`. ``in_flight`` (optional) tracks the silent requests.

    ``max_response_bytes`` caps an answer's decoded body (default 256 MiB): a longer
    one raises :class:`~intacct.errors.ResponseFormatError` once the cap is passed,
    before the rest is read. Ask for smaller pages (``pagesize``) or fewer fields if
    a legitimate answer is refused, or raise the cap. A gzip answer inflating more than
    :data:`BOMB_RATIO` times its size is refused so once past :data:`BOMB_FLOOR`.
    """

    def __init__(
        self,
        *,
        timeout_s: float = 300.0,
        first_byte_timeout_s: float = 60.0,
        http_transport: httpx.BaseTransport | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        in_flight: InFlight | None = None,
    ) -> None:
        if max_response_bytes < 1:
            raise ValueError(f"max_response_bytes must be positive, not {max_response_bytes}")
        self.max_response_bytes = max_response_bytes
        self.timeout_s = timeout_s
        self.first_byte_timeout_s = first_byte_timeout_s
        self.connect_timeout_s = min(timeout_s, first_byte_timeout_s, CONNECT_TIMEOUT_S)
        self.in_flight = in_flight or InFlight()
        self._client = httpx.Client(
            transport=http_transport,
            verify=_tls(),
            timeout=httpx.Timeout(timeout_s, connect=self.connect_timeout_s),
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"},
            follow_redirects=False,
        )

    def budget(self) -> FirstByteBudget:
        """A new request's ``first_byte_timeout_s``, for all its tries."""
        return FirstByteBudget(self.first_byte_timeout_s)

    def post(self, url: str, body: bytes, budget: FirstByteBudget | None = None) -> HttpAnswer:
        """One try of an XML request; ``budget`` (default: a new one) bounds the wait for
        the first byte and is spent by a try that got none."""
        return self.send("POST", url, body, _XML, budget)

    def send(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: Mapping[str, str],
        budget: FirstByteBudget | None = None,
    ) -> HttpAnswer:
        """One try of any request (the REST API's: JSON, a token endpoint's form), with
        the same deadlines, size cap and errors as :meth:`post`."""
        if self.closed:
            raise errors.TransportError(f"not sent to {url}: the client was closed")
        budget = budget or self.budget()
        clock = _Deadlines(self.timeout_s, budget.left, self.connect_timeout_s)
        try:
            request = self._client.build_request(
                method, url, content=body, headers=dict(headers), extensions=clock.extensions()
            )
            with self.in_flight.track(clock.first_byte_s, clock.setting) as answered:
                response = self._client.send(request, stream=True)
                answered()
                clock.answering()
                try:
                    content = _read_body(response, url, self.max_response_bytes, clock.whole_by)
                finally:
                    response.close()
        except httpx.ConnectTimeout as exc:
            raise errors.ConnectError(
                f"cannot connect to {url}: no connection within {clock.connect_s:g} s"
            ) from exc
        except (httpx.ConnectError, httpx.PoolTimeout) as exc:
            raise errors.ConnectError(f"cannot connect to {url}: {exc}") from exc
        except (httpx.TimeoutException, _DeadlinePassedError) as exc:
            waited, name = clock.limit()
            raise errors.RequestTimeoutError(
                f"no answer from {url} within {waited:g} s ({name})"
            ) from exc
        except httpx.HTTPError as exc:
            # Dropped connection, protocol error: the request may have applied.
            raise errors.TransportError(f"connection to {url} failed: {exc}") from exc
        finally:
            if not clock.heard:
                budget.spend(time.monotonic() - clock.started)
        return HttpAnswer(response.status_code, response.headers, content)

    @property
    def closed(self) -> bool:
        """Closed: nothing more is sent, and a request that was in flight (a run that
        stopped left it) fails instead of being retried."""
        return self._client.is_closed

    def close(self) -> None:
        self._client.close()


class _Deadlines:
    """One try's timeouts as httpcore reads them (its ``timeout`` extension, looked up
    as each step begins), moved on as the try goes: until the answer's first byte, each
    step gets what is left of the first-byte limit (httpcore's ``trace`` extension
    says when a step begins); once it came, the body gets what is left of
    ``timeout_s``."""

    def __init__(self, timeout_s: float, first_byte_left: float, connect_s: float) -> None:
        self.started = time.monotonic()
        self.timeout_s = timeout_s
        self.first_byte_s = min(timeout_s, first_byte_left)
        # the setting that ends the wait for a first byte: people are told which
        self.setting = "timeout_s" if timeout_s <= first_byte_left else "first_byte_timeout_s"
        self.first_byte_by = self.started + self.first_byte_s
        self.whole_by = self.started + timeout_s
        self.connect_s = min(connect_s, self.first_byte_s)
        self.heard = False
        self.timeouts: dict[str, float] = {
            "connect": self.connect_s,
            "read": self.first_byte_s,
            "write": self.first_byte_s,
            "pool": self.first_byte_s,
        }

    def extensions(self) -> dict[str, Any]:
        return {"timeout": self.timeouts, "trace": self._step}

    def _step(self, event: str, info: Any) -> None:
        if not self.heard and event.endswith(".started"):
            left = _left(self.first_byte_by)
            self.timeouts["read"] = self.timeouts["write"] = left

    def answering(self) -> None:
        self.heard = True
        self.timeouts["read"] = _left(self.whole_by)

    def limit(self) -> tuple[float, str]:
        """The limit that ran out, and the setting that set it."""
        return (self.timeout_s, "timeout_s") if self.heard else (self.first_byte_s, self.setting)


def _left(deadline: float) -> float:
    return max(deadline - time.monotonic(), 0.001)


class _DeadlinePassedError(Exception):
    """An answer still coming when its request's deadline passed."""


def _read_body(response: httpx.Response, url: str, limit: int, deadline: float) -> bytes:
    """The decoded body, read chunk by chunk and refused as soon as it passes ``limit``
    or the ``deadline`` (a body trickling in never trips a read timeout)."""
    status = response.status_code
    try:
        # A response made from bytes in memory (httpx.MockTransport, the in-process
        # emulator) was read, and decoded, as it was made: nothing is left to stream.
        content = response.content
    except httpx.ResponseNotRead:
        pass
    else:
        if len(content) > limit:
            raise _too_large(status, limit, content[:800])
        return content
    gunzip = _gunzip_for(response, url)
    declared = response.headers.get("content-length", "")
    if gunzip is None and declared.isdigit() and int(declared) > limit:
        raise _too_large(status, limit, b"")  # refused before reading a byte of it
    out = io.BytesIO()  # grows in place; getvalue() hands over its buffer uncopied
    try:
        for chunk in response.iter_raw():
            if time.monotonic() > deadline:
                raise _DeadlinePassedError
            for piece in gunzip.feed(chunk) if gunzip is not None else (chunk,):
                if out.tell() + len(piece) > limit:
                    raise _too_large(status, limit, out.getbuffer()[:800].tobytes())
                out.write(piece)
                if gunzip is not None and gunzip.bomb(out.tell()):
                    raise _bomb(status, out.tell(), gunzip.taken)
    except zlib.error as exc:
        raise _undecodable(url, status, f"corrupt gzip data ({exc})") from None
    if gunzip is not None and gunzip.unfinished:
        raise _undecodable(url, status, "the gzip stream ended early")
    return out.getvalue()


def _gunzip_for(response: httpx.Response, url: str) -> _Gunzip | None:
    """An inflater for a gzip body, None for an identity one; any other coding (never
    asked for) is refused: nothing here could read it."""
    header = response.headers.get("content-encoding", "")
    codings = [c.strip().lower() for c in header.split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return None
    if len(codings) == 1 and codings[0] in _GZIP_NAMES:
        return _Gunzip()
    why = f"unsupported Content-Encoding {', '.join(codings)!r}"
    raise _undecodable(url, response.status_code, why)


def _too_large(status: int, limit: int, head: bytes) -> errors.ResponseTooLargeError:
    return errors.ResponseTooLargeError(
        f"the answer exceeded {limit:,} bytes (max_response_bytes) and was not read "
        "further; ask for fewer records per page or fewer fields, or raise the limit",
        http_status=status,
        excerpt=excerpt(head) if head else None,
    )


def _bomb(status: int, inflated: int, taken: int) -> errors.ResponseTooLargeError:
    return errors.ResponseTooLargeError(
        f"the answer exceeded {inflated:,} bytes inflated from {taken:,} bytes of gzip (over "
        f"{BOMB_RATIO} to 1, as no Intacct answer compresses: a gzip bomb) and was not read "
        "further",
        http_status=status,
    )


def _undecodable(url: str, status: int, why: str) -> errors.TransportError:
    # No http_status on purpose: like a dropped connection, the answer is lost and the
    # request may have been applied (retry policies read a status-less TransportError
    # that way). The status still shows in the message.
    return errors.TransportError(
        f"the answer from {url} (HTTP {status}) could not be decoded: {why}; "
        "the request may have been applied"
    )


class _Gunzip:
    """Inflates a gzip body fed in chunks, in pieces of at most ``_PIECE`` bytes: zlib
    is never asked for more at once, so no chunk can inflate past the caller's cap.
    Several gzip members in a row (RFC 1952) are read one after the other."""

    def __init__(self) -> None:
        self._inflate = zlib.decompressobj(_GZIP)
        self._fed = False
        self.taken = 0  # bytes of gzip inflated so far

    @property
    def unfinished(self) -> bool:
        """True if bytes came but the last member did not end (a cut body)."""
        return self._fed and not self._inflate.eof

    def bomb(self, inflated: int) -> bool:
        """Whether ``inflated`` bytes from what was taken so far make a gzip bomb."""
        return inflated > BOMB_FLOOR and inflated > BOMB_RATIO * self.taken

    def feed(self, data: bytes) -> Iterator[bytes]:
        more = bool(data)
        while more:
            if self._inflate.eof:  # another member follows
                self._inflate = zlib.decompressobj(_GZIP)
            self._fed = True
            piece = self._inflate.decompress(data, _PIECE)
            ended = self._inflate.eof
            left = self._inflate.unused_data if ended else self._inflate.unconsumed_tail
            self.taken += len(data) - len(left)
            if piece:
                yield piece
            data = left
            # a full piece may leave output inside zlib even with all input taken
            more = bool(data) or (not ended and len(piece) == _PIECE)
