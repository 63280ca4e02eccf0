"""HTTP: one pooled ``httpx.Client`` and the single place httpx errors become ours.

The transport knows nothing of XML or sessions: it POSTs bytes to a URL and returns the
status, headers and body, or raises a :class:`~intacct.errors.TransportError` subclass
that says whether the request could have reached the gateway.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from intacct import errors
from intacct._version import __version__

__all__ = ["HttpAnswer", "Transport", "USER_AGENT"]

USER_AGENT = f"intacct-connector/{__version__}"


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


class Transport:
    """POST XML documents; ``timeout_s`` bounds every read, connect is capped at 30 s."""

    def __init__(
        self,
        *,
        timeout_s: float = 300.0,
        http_transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._client = httpx.Client(
            transport=http_transport,
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 30.0)),
            headers={
                "User-Agent": USER_AGENT,
                "Content-Type": "application/xml",
                "Accept-Encoding": "gzip",
                "Accept": "application/xml, text/xml",
            },
            follow_redirects=False,
        )

    def post(self, url: str, body: bytes) -> HttpAnswer:
        try:
            response = self._client.post(url, content=body)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise errors.ConnectError(f"cannot connect to {url}: {exc}") from exc
        except httpx.TimeoutException as exc:
            raise errors.RequestTimeoutError(f"no answer from {url} in time: {exc}") from exc
        except httpx.HTTPError as exc:
            # Dropped connection, protocol error, bad gzip: the request may have applied.
            raise errors.TransportError(f"connection to {url} failed: {exc}") from exc
        return HttpAnswer(response.status_code, response.headers, response.content)

    def close(self) -> None:
        self._client.close()
