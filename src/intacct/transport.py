"""HTTP: one pooled ``httpx.Client`` and the single place httpx errors become ours.

The transport knows nothing of XML or sessions: it POSTs bytes to a URL and returns the
status, headers and body, or raises a :class:`~intacct.errors.TransportError` subclass
that says whether the request could have reached the gateway.

Bodies are read as a stream and gzip is inflated here, in bounded pieces, so an answer
never costs more memory than ``max_response_bytes`` (plus one piece), however well it
compresses: httpx would inflate a whole gzip body with no limit.
"""

from __future__ import annotations

import io
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from intacct import errors
from intacct._version import __version__
from intacct.protocol.redact import excerpt

__all__ = [
    "CONNECT_TIMEOUT_S",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "HttpAnswer",
    "InFlight",
    "Transport",
    "USER_AGENT",
]

USER_AGENT = f"intacct-connector/{__version__}"

#: The largest decoded answer read (256 MiB): far above a 2000-record page of wide
#: records, far below what would exhaust a small machine.
DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024

#: The longest wait for a connection (or ``timeout_s`` if shorter): the gateway answers a
#: connection in well under a second, so a longer wait means a wrong host or a firewall.
CONNECT_TIMEOUT_S = 10.0

# Most bytes one inflate step may produce: the memory beyond the cap a bomb can cost.
_PIECE = 1 << 20
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


class InFlight:
    """The requests being waited for, shared by the clients of one program: how long
    the oldest has waited (a command shows it while a person waits), and a hook called
    when the last one is answered."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since: dict[int, float] = {}
        self._next = 0
        self.on_answer: Callable[[], None] | None = None

    @contextmanager
    def track(self) -> Iterator[None]:
        with self._lock:
            key, self._next = self._next, self._next + 1
            self._since[key] = time.monotonic()
        try:
            yield
        finally:
            with self._lock:
                del self._since[key]
                idle = not self._since
            if idle and self.on_answer is not None:
                self.on_answer()

    def waited(self) -> float:
        """Seconds the oldest request in flight has waited; 0.0 when none is."""
        with self._lock:
            oldest = min(self._since.values(), default=None)
        return 0.0 if oldest is None else time.monotonic() - oldest


class Transport:
    """POST XML documents; ``timeout_s`` is each request's deadline (no answer, or not
    all of it, in that time is a :class:`~intacct.errors.RequestTimeoutError`), and a
    connection is waited for at most :data:`CONNECT_TIMEOUT_S`. ``in_flight`` (optional)
    tracks the requests being waited for.

    ``max_response_bytes`` caps an answer's decoded body (default 256 MiB): a longer
    one raises :class:`~intacct.errors.ResponseFormatError` once the cap is passed,
    before the rest is read. Ask for smaller pages (``pagesize``) or fewer fields if
    a legitimate answer is refused, or raise the cap.
    """

    def __init__(
        self,
        *,
        timeout_s: float = 300.0,
        http_transport: httpx.BaseTransport | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        in_flight: InFlight | None = None,
    ) -> None:
        if max_response_bytes < 1:
            raise ValueError(f"max_response_bytes must be positive, not {max_response_bytes}")
        self.max_response_bytes = max_response_bytes
        self.timeout_s = timeout_s
        self.connect_timeout_s = min(timeout_s, CONNECT_TIMEOUT_S)
        self.in_flight = in_flight or InFlight()
        self._client = httpx.Client(
            transport=http_transport,
            timeout=httpx.Timeout(timeout_s, connect=self.connect_timeout_s),
            headers={
                "User-Agent": USER_AGENT,
                "Content-Type": "application/xml",
                "Accept-Encoding": "gzip",
                "Accept": "application/xml, text/xml",
            },
            follow_redirects=False,
        )

    def post(self, url: str, body: bytes) -> HttpAnswer:
        if self.closed:
            raise errors.TransportError(f"not sent to {url}: the client was closed")
        deadline = time.monotonic() + self.timeout_s
        try:
            with self.in_flight.track(), self._client.stream("POST", url, content=body) as response:
                content = _read_body(response, url, self.max_response_bytes, deadline)
        except httpx.ConnectTimeout as exc:
            raise errors.ConnectError(
                f"cannot connect to {url}: no connection within {self.connect_timeout_s:g} s"
            ) from exc
        except (httpx.ConnectError, httpx.PoolTimeout) as exc:
            raise errors.ConnectError(f"cannot connect to {url}: {exc}") from exc
        except (httpx.TimeoutException, _DeadlinePassedError) as exc:
            raise errors.RequestTimeoutError(
                f"no answer from {url} within {self.timeout_s:g} s (timeout_s)"
            ) from exc
        except httpx.HTTPError as exc:
            # Dropped connection, protocol error: the request may have applied.
            raise errors.TransportError(f"connection to {url} failed: {exc}") from exc
        return HttpAnswer(response.status_code, response.headers, content)

    @property
    def closed(self) -> bool:
        """Closed: nothing more is sent, and a request that was in flight (a run that
        stopped left it) fails instead of being retried."""
        return self._client.is_closed

    def close(self) -> None:
        self._client.close()


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

    @property
    def unfinished(self) -> bool:
        """True if bytes came but the last member did not end (a cut body)."""
        return self._fed and not self._inflate.eof

    def feed(self, data: bytes) -> Iterator[bytes]:
        more = bool(data)
        while more:
            if self._inflate.eof:  # another member follows
                self._inflate = zlib.decompressobj(_GZIP)
            self._fed = True
            piece = self._inflate.decompress(data, _PIECE)
            if piece:
                yield piece
            if self._inflate.eof:
                data = self._inflate.unused_data
                more = bool(data)
            else:
                data = self._inflate.unconsumed_tail
                # a full piece may leave output inside zlib even with all input taken
                more = bool(data) or len(piece) == _PIECE
