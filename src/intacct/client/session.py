"""API sessions: what ``getAPISession`` returned, and when it stops being valid.

A session is bound to a company, a user, an entity (``locationid``, empty = top level)
and an endpoint URL; later requests go to that endpoint. Its timeout slides: every
answer carries a new ``sessiontimeout``. We refresh a little before it to avoid a
round trip that is bound to fail.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from intacct.errors import ErrorDetail, PermissionDeniedError, ResponseFormatError
from intacct.protocol.response import Authentication, Response

__all__ = ["Session", "SessionState", "session_from_response"]

REFRESH_MARGIN = timedelta(seconds=60)

# A timeout before 2000 or in the year 9999 is a placeholder ("0001-01-01T00:00:00",
# "9999-12-31T23:59:59"), not the time a session ends, and arithmetic on it can pass
# datetime's limits (year 1 minus a minute). Such timeouts are read as unknown.
_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_LATEST = datetime(9999, 1, 1, tzinfo=UTC)


_HALF_SECOND = timedelta(milliseconds=500)


def _aware(moment: datetime) -> datetime:
    """A naive time is taken as UTC (Intacct sends some without an offset)."""
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=UTC)


def _timestamp(value: str | None) -> datetime | None:
    """A ``sessiontimeout`` as an aware time; ``None`` (unknown) if absent, unreadable
    or absurd. Never raises."""
    if not value:
        return None
    try:
        parsed = _aware(datetime.fromisoformat(value.strip()))
    except ValueError:
        return None
    # comparing aware times cannot overflow (converting them to UTC can)
    return parsed if _EARLIEST <= parsed < _LATEST else None


@dataclass(frozen=True, slots=True)
class Session:
    sessionid: str = field(repr=False)
    endpoint: str
    locationid: str = ""
    userid: str | None = None
    companyid: str | None = None
    expires_at: datetime | None = None

    def expiring(self, now: datetime) -> bool:
        """Whether the session ends within :data:`REFRESH_MARGIN` of ``now`` (a naive
        time is UTC). An unknown end (``None``) is never expiring. Never raises."""
        if self.expires_at is None:
            return False
        try:
            # the margin is added to now, not taken from expires_at: a session built
            # by hand may end at datetime.min, and now is never near datetime.max
            return _aware(now) + REFRESH_MARGIN >= _aware(self.expires_at)
        except OverflowError:  # now within a minute of datetime.max: nothing is valid
            return True


def _check_endpoint(endpoint: str) -> str:
    url = urlsplit(endpoint)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise ResponseFormatError(f"getAPISession returned an unusable endpoint {endpoint!r}")
    return endpoint


def session_from_response(response: Response, *, expected_locationid: str) -> Session:
    """Read ``data/api`` of a successful getAPISession answer.

    The api block, not the authentication block, names the entity the new session is
    bound to; if it is not the one asked for, using the session would read or write
    the wrong entity, so that is refused.
    """
    result = response.results[0]
    api = next((r for r in result.records if r.tag == "api"), None)
    if api is None or not api.get("sessionid") or not api.get("endpoint"):
        raise ResponseFormatError("getAPISession answer has no data/api sessionid and endpoint")
    locationid = api.get("locationid", "")
    if expected_locationid and locationid != expected_locationid:
        raise PermissionDeniedError(
            [
                ErrorDetail(
                    None,
                    description2=(
                        f"session is bound to entity {locationid or '(top level)'!r}, "
                        f"not the requested {expected_locationid!r}"
                    ),
                )
            ],
            level="authentication",
        )
    auth = response.operation.authentication if response.operation else Authentication(None)
    return Session(
        sessionid=api["sessionid"],
        endpoint=_check_endpoint(api["endpoint"]),
        locationid=locationid,
        userid=auth.userid,
        companyid=auth.companyid,
        expires_at=_timestamp(auth.sessiontimeout),
    )


class SessionState:
    """The client's current session, shared safely between threads."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._session: Session | None = None
        #: the gateway's clock less this machine's, from the last answer's
        #: ``sessiontimestamp`` (the answer's time, to the second [O]); None: none yet
        self.skew: timedelta | None = None

    def server_now(self) -> datetime:
        """Now on the gateway's clock, as the last answer told it (this machine's
        before any): what the audit trail's times are compared with."""
        return datetime.now(UTC) + (self.skew or timedelta(0))

    @property
    def current(self) -> Session | None:
        return self._session

    def set(self, session: Session | None) -> None:
        with self.lock:
            self._session = session

    def usable(self, now: datetime | None = None) -> Session | None:
        session = self._session
        if session is None or session.expiring(now or datetime.now(UTC)):
            return None
        return session

    def slide(self, sessionid: str, auth: Authentication) -> None:
        """Record the new timeout an answer carried for this session, and the gateway's
        clock."""
        stamp = _timestamp(auth.sessiontimestamp)
        if stamp is not None:  # whole seconds: the answer's time is within the one after
            self.skew = stamp + _HALF_SECOND - datetime.now(UTC)
        expires = _timestamp(auth.sessiontimeout)
        with self.lock:
            session = self._session
            if session is not None and session.sessionid == sessionid and expires is not None:
                self._session = replace(session, expires_at=expires)

    def invalidate(self, sessionid: str) -> None:
        """Forget the session if it is still the one that failed (another thread may
        already have replaced it)."""
        with self.lock:
            if self._session is not None and self._session.sessionid == sessionid:
                self._session = None
