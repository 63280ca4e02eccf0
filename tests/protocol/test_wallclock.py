"""The daylight saving rule for wall-clock bookmarks, zone by zone, and the tokens and
delete bookmarks that carry a wall-clock time (or, from an earlier version, none)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from intacct.client.pagination import PageToken, resume_token
from intacct.errors import PaginationError
from intacct.protocol.formats import UserFormatting, parse_gmt_offset
from intacct.protocol.wallclock import daylight_saving_zones, resume_wall
from intacct.replication.streams.deletes import DeleteBookmark

HOUR = timedelta(hours=1)
PST, PDT = timedelta(hours=-8), timedelta(hours=-7)


def wall(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("zone", "at", "step"),
    [
        ("America/Los_Angeles", "2027-11-07T01:50:00", HOUR),  # in the repeated hour
        ("America/Los_Angeles", "2027-11-07T01:00:00", HOUR),
        ("America/Los_Angeles", "2027-11-07T02:00:00", timedelta(0)),  # just after it
        ("America/Los_Angeles", "2027-11-07T00:59:59", timedelta(0)),  # just before
        ("America/Los_Angeles", "2027-03-14T01:59:00", timedelta(0)),  # spring: nothing
        ("Australia/Sydney", "2027-04-04T02:30:00", HOUR),  # southern autumn in April
        ("Australia/Lord_Howe", "2027-04-04T01:45:00", timedelta(minutes=30)),
        ("America/St_Johns", "2027-11-07T01:30:00", HOUR),  # a half-hour zone
        ("Asia/Kolkata", "2027-11-07T01:30:00", timedelta(0)),  # no DST
    ],
)
def test_a_bookmark_in_a_repeated_hour_steps_back_its_length(
    zone: str, at: str, step: timedelta
) -> None:
    assert resume_wall(wall(at), ZoneInfo(zone), None) == wall(at) - step


def test_without_a_zone_the_zones_of_the_users_offset_are_considered() -> None:
    bookmark = wall("2027-11-07T01:50:00")
    assert resume_wall(bookmark, None, PST) == bookmark - HOUR  # after the change
    assert resume_wall(bookmark, None, PDT) == bookmark - HOUR  # before it
    assert resume_wall(bookmark, None, timedelta(hours=5, minutes=30)) == bookmark  # India
    assert resume_wall(wall("2027-10-31T02:30:00"), None, timedelta(hours=1)) == wall(
        "2027-10-31T01:30:00"
    )  # Paris repeats 02:00-03:00 on the last Sunday of October


def test_the_zones_a_doctor_names_for_an_offset() -> None:
    winter = datetime(2027, 1, 15, tzinfo=UTC)
    assert daylight_saving_zones(PST, winter)[0] == "America/Los_Angeles"
    assert "Asia/Kolkata" not in daylight_saving_zones(timedelta(hours=5, minutes=30), winter)
    assert daylight_saving_zones(timedelta(hours=5, minutes=30), winter) == []


def formatting(zone: str | None, gmtoffset: str = "-08:00") -> UserFormatting:
    offset = parse_gmt_offset(gmtoffset)
    return UserFormatting(zone=ZoneInfo(zone) if zone else offset, gmtoffset=offset.utcoffset(None))


def test_a_token_keeps_its_wall_time_and_resumes_from_it() -> None:
    fmt = formatting("America/Los_Angeles")
    stamped = wall("2027-03-14T01:59:30")  # PST, half a minute before the spring change
    token = PageToken("WHENMODIFIED", 42, fmt.to_utc(stamped), wall=stamped)
    parsed = PageToken.parse(str(token))
    assert parsed == token and '"wall":"2027-03-14T01:59:30"' in str(token)
    assert resume_token(parsed, fmt) == token  # no offset in between: not moved


def test_a_token_in_the_repeated_hour_resumes_before_it() -> None:
    fmt = formatting(None, "-08:00")
    stamped = wall("2027-11-07T01:50:00")
    token = PageToken("WHENMODIFIED", 42, fmt.to_utc(stamped), wall=stamped)
    resumed = resume_token(token, fmt)
    assert (resumed.wall, resumed.recordno) == (wall("2027-11-07T00:50:00"), 0)


def test_a_token_without_its_wall_time_resumes_two_hours_early() -> None:
    """State of an earlier version held UTC only, made with an offset now unknown."""
    old = PageToken.parse(
        '{"key":"WHENMODIFIED","RECORDNO":7,"WHENMODIFIED":"2027-06-01T12:00:00+00:00"}'
    )
    resumed = resume_token(old, formatting(None, "-07:00"))
    assert resumed.wall == wall("2027-06-01T03:00:00") and resumed.recordno == 0


def test_a_wall_time_with_an_offset_is_refused() -> None:
    with pytest.raises(PaginationError, match="wall time"):
        PageToken.parse(
            '{"key":"WHENMODIFIED","RECORDNO":7,"WHENMODIFIED":"2027-06-01T12:00:00+00:00",'
            '"wall":"2027-06-01T05:00:00-07:00"}'
        )


def test_delete_bookmarks_keep_their_wall_time_too() -> None:
    fmt = formatting("America/Los_Angeles")
    stamped = wall("2027-11-07T01:20:00")
    mark = DeleteBookmark(fmt.to_utc(stamped), "991", stamped)
    assert DeleteBookmark.from_dict(mark.to_dict()) == mark
    assert mark.resumed(fmt).wall == stamped - HOUR  # in the repeated hour
    old = DeleteBookmark.from_dict({"ACCESSTIME": "2027-06-01T12:00:00+00:00", "ID": "5"})
    assert old.wall is None and old.resumed(fmt).wall == wall("2027-06-01T03:00:00")
    with pytest.raises(ValueError, match="wall"):
        DeleteBookmark.from_dict({"ACCESSTIME": "2027-06-01T12:00:00+00:00", "ID": "5", "wall": 3})


def test_a_time_shown_twice_decodes_to_its_first_pass_or_with_latest_its_second() -> None:
    fmt = formatting("America/Los_Angeles")
    twice = wall("2027-11-07T01:30:00")
    assert fmt.to_utc(twice) == datetime(2027, 11, 7, 8, 30, tzinfo=UTC)
    assert fmt.to_utc(twice, latest=True) == datetime(2027, 11, 7, 9, 30, tzinfo=UTC)
