"""The user's formatting: date format codes, zones, clocks, reading and writing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intacct.errors import ResponseFormatError
from intacct.protocol.formats import UserFormatting, parse_gmt_offset
from intacct.protocol.response import Record

CODES = ["/mdY", "/dmY", "-Ymd", ".dmY", " mdY", "/mdy", ".ymd"]


@pytest.mark.parametrize(
    ("code", "text", "expected"),
    [
        ("/mdY", "09/15/2025", date(2025, 9, 15)),
        ("/dmY", "15/09/2025", date(2025, 9, 15)),
        ("-Ymd", "2025-09-15", date(2025, 9, 15)),
        (".dmY", "15.09.2025", date(2025, 9, 15)),
        (" mdY", "09 15 2025", date(2025, 9, 15)),
        ("/mdy", "09/15/25", date(2025, 9, 15)),
        (".ymd", "99.12.31", date(1999, 12, 31)),
        ("/mdY", "9/5/2025", date(2025, 9, 5)),
        ("/mdY", "", None),
    ],
)
def test_decode_date_in_each_format(code: str, text: str, expected: date | None) -> None:
    assert UserFormatting(code).decode_date(text) == expected


@pytest.mark.parametrize(
    ("code", "text", "why"),
    [
        ("/dmY", "09/15/2025", "not a valid date"),
        ("/mdY", "2025-09-15", "user's format MM/DD/YYYY"),
        ("/mdY", "09/15", "user's format"),
        ("-Ymd", "2025-9x-15", "user's format YYYY-MM-DD"),
    ],
)
def test_a_date_in_another_format_names_the_expected_one(code: str, text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        UserFormatting(code).decode_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/09/2025 11:52:17", datetime(2025, 9, 15, 11, 52, 17)),  # noqa: DTZ001
        ("15/09/2025 03:52:17 PM", datetime(2025, 9, 15, 15, 52, 17)),  # noqa: DTZ001
        ("15/09/2025 12:00:00 am", datetime(2025, 9, 15, 0, 0, 0)),  # noqa: DTZ001
        ("15/09/2025", datetime(2025, 9, 15)),  # noqa: DTZ001
    ],
)
def test_decode_datetime_24h_and_12h(text: str, expected: datetime) -> None:
    assert UserFormatting("/dmY").decode_datetime(text) == expected


@pytest.mark.parametrize("text", ["15/09/2025 25:00:00", "15/09/2025 13:00:00 PM", "15/09/2025 x"])
def test_bad_times_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="15/09/2025"):
        UserFormatting("/dmY").decode_datetime(text)


def test_timestamps_are_read_in_the_users_zone_and_returned_in_utc() -> None:
    pacific = UserFormatting("/mdY", parse_gmt_offset("-08:00"))
    assert pacific.decode_timestamp("09/15/2025 11:52:17") == datetime(
        2025, 9, 15, 19, 52, 17, tzinfo=UTC
    )


def test_filter_values_go_out_as_mm_dd_yyyy_in_the_users_zone() -> None:
    user = UserFormatting("/dmY", parse_gmt_offset("+09:30"))
    moment = datetime(2025, 9, 15, 19, 52, 17, tzinfo=UTC)
    assert user.format_datetime(moment) == "09/16/2025 05:22:17"
    assert user.display_date(date(2025, 9, 16)) == "16/09/2025"
    assert UserFormatting("/dmY", input_format="-Ymd").format_date(date(2025, 9, 16)) == (
        "2025-09-16"
    )


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("-08:00", -480), ("+09:30", 570), ("+0545", 345), ("+00:00", 0), ("-00:30", -30)],
)
def test_gmt_offsets(text: str, minutes: int) -> None:
    assert parse_gmt_offset(text) == timezone(timedelta(minutes=minutes))


@pytest.mark.parametrize("text", ["", "8", "+24:00", "+05:60", "GMT-8", "-08:00:00"])
def test_bad_gmt_offsets(text: str) -> None:
    with pytest.raises(ValueError, match="GMT offset"):
        parse_gmt_offset(text)


@pytest.mark.parametrize("code", ["mdY", "/mdd", "/mdYY", "xmdY", "/MDY", ""])
def test_bad_codes_are_refused(code: str) -> None:
    with pytest.raises(ValueError, match="date format code"):
        UserFormatting(code)


def test_from_the_documented_readuserformatting_record() -> None:
    record = Record(
        "userformatting",
        {
            "recordno": "48",
            "locale": "en_US",
            "dateformat": ".ymd",
            "gmtoffset": "+09:30",
            "clock": "12",
        },
    )
    formatting = UserFormatting.from_record(record)
    assert formatting.pattern == "YY.MM.DD" and formatting.clock == 12
    assert formatting.zone == timezone(timedelta(hours=9, minutes=30))
    with pytest.raises(ResponseFormatError, match="readUserFormatting"):
        UserFormatting.from_record(Record("userformatting", {"dateformat": "dd/mm/yyyy"}))


@given(
    st.sampled_from([c for c in CODES if "y" not in c]),
    st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9998, 12, 31)),  # noqa: DTZ001
)
def test_display_then_decode_round_trips(code: str, moment: datetime) -> None:
    user = UserFormatting(code)
    wall = moment.replace(microsecond=0)
    text = f"{user.display_date(wall)} {wall:%H:%M:%S}"
    assert user.decode_datetime(text) == wall
