"""Session timeouts the gateway may send that are no times at all: placeholders such as
year 1 or 9999, offsets that push them past datetime's range, text that is no date.
None of them may raise; each is read as an unknown end (the session is used until the
gateway refuses it, then renewed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from intacct.client import IntacctClient
from intacct.client.session import REFRESH_MARGIN, Session, SessionState
from intacct.protocol.response import Authentication

from .fakegw import E, FakeGateway, record

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
MIN, MAX = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)


def naive(moment: datetime) -> datetime:
    """The same wall-clock time without an offset, as Intacct sends some timeouts."""
    return moment.replace(tzinfo=None)


@pytest.fixture(autouse=True)
def _handlers(gateway: FakeGateway) -> None:
    gateway.handlers["readByName"] = lambda call: E(  # type: ignore[assignment]
        "data", record("VENDOR", RECORDNO="1", VENDORID="V1"), listtype="VENDOR", count="1"
    )


@pytest.mark.parametrize(
    "now",
    [
        naive(MIN),  # "0001-01-01T00:00:00"
        naive(MAX.replace(microsecond=0)),  # "9999-12-31T23:59:59"
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),  # before datetime.min in UTC
        datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5))),  # after max
        naive(datetime(1999, 12, 31, 23, 59, tzinfo=UTC)),
    ],
    ids=["year-1", "year-9999", "year-1-plus-1h", "year-9999-minus-5h", "1999"],
)
def test_placeholder_timeouts_are_unknown_and_the_session_is_kept(
    client: IntacctClient, gateway: FakeGateway, now: datetime
) -> None:
    gateway.now = lambda: now
    gateway.session_hours = 0  # sessiontimeout == now.isoformat()
    client.read_by_name("VENDOR", ["V1"])
    client.read_by_name("VENDOR", ["V1"])  # the old code failed here: year 1 - 60 s
    assert client.session is not None
    assert client.session.expires_at is None
    assert [c.name for c in gateway.calls].count("getAPISession") == 1


def test_a_placeholder_slide_keeps_the_known_timeout(
    client: IntacctClient, gateway: FakeGateway
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)  # the client checks against its clock
    gateway.now, gateway.session_hours = (lambda: now), 8
    client.read_by_name("VENDOR", ["V1"])
    gateway.now, gateway.session_hours = (lambda: naive(MAX)), 0
    client.read_by_name("VENDOR", ["V1"])
    assert [c.name for c in gateway.calls].count("getAPISession") == 1
    assert client.session is not None
    assert client.session.expires_at == now + timedelta(hours=8)


@pytest.mark.parametrize(
    ("timeout", "expected"),
    [
        ("2026-03-01T20:00:00", datetime(2026, 3, 1, 20, tzinfo=UTC)),  # naive: UTC
        ("2026-03-01T13:00:00-07:00", datetime(2026, 3, 1, 20, tzinfo=UTC)),
        (" 2026-03-01T20:00:00Z\n", datetime(2026, 3, 1, 20, tzinfo=UTC)),
        ("0001-01-01T00:00:00", None),
        ("9999-12-31T23:59:59", None),
        ("0001-01-01T00:00:00+14:00", None),
        ("9999-12-31T23:59:59-23:59", None),
        ("not a date", None),
        ("2026-02-30T10:00:00", None),
        ("", None),
    ],
)
def test_sliding_to_each_timeout(timeout: str, expected: datetime | None) -> None:
    state = SessionState()
    state.set(Session("S1", "https://na1.example/ia/xml/xmlgw.phtml", expires_at=None))
    state.slide("S1", Authentication("success", sessiontimeout=timeout))
    assert state.current is not None
    assert state.current.expires_at == expected
    # whatever was read, asking whether it is usable never raises
    assert state.usable(NOW) is state.current


@pytest.mark.parametrize(
    ("expires_at", "now", "expiring"),
    [
        (None, NOW, False),
        (NOW + REFRESH_MARGIN + timedelta(seconds=1), NOW, False),
        (NOW + REFRESH_MARGIN, NOW, True),
        (NOW, NOW, True),
        (naive(MIN), NOW, True),  # naive: taken as UTC
        (MIN, NOW, True),
        (naive(MAX), NOW, False),
        (MAX, NOW, False),
        (MAX, MAX, True),  # now + margin passes datetime.max
        (naive(NOW + timedelta(hours=8)), naive(NOW), False),  # both naive
        (NOW, naive(NOW), True),  # mixed
    ],
)
def test_expiring_never_raises(expires_at: datetime | None, now: datetime, expiring: bool) -> None:
    session = Session("S1", "https://na1.example/ia/xml/xmlgw.phtml", expires_at=expires_at)
    assert session.expiring(now) is expiring


def test_usable_with_an_unknown_end_is_the_session() -> None:
    state = SessionState()
    session = Session("S1", "https://na1.example/ia/xml/xmlgw.phtml")
    state.set(session)
    assert state.usable() is session
