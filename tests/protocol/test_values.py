from __future__ import annotations

import enum
import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from intacct.errors import RequestBuildError
from intacct.protocol import xml
from intacct.protocol.values import (
    decode_bool,
    decode_date,
    decode_datetime,
    decode_decimal,
    decode_int,
    decode_multipick,
    encode_value,
    join_split_date,
    split_date,
)

# Characters XML 1.0 can carry (the Char production), and the ones it cannot.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
legal_text = st.text(
    st.one_of(
        st.sampled_from("\t\n\r <>&'\"]]>#~%\\\x85\u2028\ufeff"),
        st.characters(codec="utf-8").filter(lambda c: not _ILLEGAL.match(c)),
    )
)
illegal_char = st.sampled_from(
    [chr(c) for c in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20))] + ["\ufffe", "\uffff"]
)


def wall(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    """A naive datetime: Intacct datetimes are wall-clock times without a zone."""
    return datetime(year, month, day, hour, minute, second, us)  # noqa: DTZ001


class Color(enum.StrEnum):
    RED = "red"


class Legacy(str, enum.Enum):  # noqa: UP042 - the pre-3.11 idiom, still common
    BLUE = "blue"


class Size(enum.IntEnum):
    BIG = 3


# --- encode_value -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("Bob's <Pizza> & co", "Bob's <Pizza> & co"),
        ("", ""),
        (None, ""),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (-42, "-42"),
        (10**30, "1" + "0" * 30),
        (Decimal("1.50"), "1.50"),
        (Decimal("-0.000001"), "-0.000001"),
        (Decimal("1E+3"), "1000"),
        (Decimal("1.2E-7"), "0.00000012"),
        (Decimal("1234567.89"), "1234567.89"),
        (date(2016, 3, 1), "03/01/2016"),
        (date(5, 1, 2), "01/02/0005"),
        (wall(2016, 12, 31, 23, 59, 59), "12/31/2016 23:59:59"),
        (wall(2024, 1, 2, 3, 4, 5, 999999), "01/02/2024 03:04:05"),
        (["a", "b"], "a#~#b"),
        (("x", 1, True, Decimal("2.0"), date(2020, 2, 29)), "x#~#1#~#true#~#2.0#~#02/29/2020"),
        ([], ""),
        (["only"], "only"),
        (Color.RED, "red"),
        (Legacy.BLUE, "blue"),
        (Size.BIG, "3"),
    ],
)
def test_encode_value(value: object, text: str) -> None:
    assert encode_value(value, "F") == text


def test_aware_datetime_is_sent_as_its_wall_clock_time() -> None:
    tz = timezone(timedelta(hours=-7))
    assert encode_value(datetime(2024, 5, 1, 8, 30, tzinfo=tz), "F") == "05/01/2024 08:30:00"


@pytest.mark.parametrize(
    "value", [Decimal("NaN"), Decimal("-Infinity"), Decimal("Infinity"), Decimal("sNaN")]
)
def test_non_finite_decimal_is_refused(value: Decimal) -> None:
    with pytest.raises(RequestBuildError, match="finite") as info:
        encode_value(value, "APBILL.TOTALDUE")
    assert info.value.field == "APBILL.TOTALDUE"


def test_float_is_refused_with_advice() -> None:
    with pytest.raises(RequestBuildError, match="Decimal") as info:
        encode_value(1.1, "AMOUNT")
    assert info.value.field == "AMOUNT"


@pytest.mark.parametrize("value", [b"bytes", object(), {"a": 1}, 1j])
def test_unknown_type_is_refused(value: object) -> None:
    with pytest.raises(RequestBuildError, match="type") as info:
        encode_value(value, "X")
    assert info.value.field == "X"


def test_multipick_item_with_separator_is_refused() -> None:
    with pytest.raises(RequestBuildError, match="#~#") as info:
        encode_value(["a", "b#~#c"], "CHANNELS")
    assert info.value.field == "CHANNELS"


def test_multipick_items_that_merge_into_the_separator_are_refused() -> None:
    with pytest.raises(RequestBuildError, match="#~#"):
        encode_value(["a#~", "#b"], "CHANNELS")


@pytest.mark.parametrize("item", [None, ["nested"], 1.5])
def test_multipick_item_must_be_a_scalar(item: object) -> None:
    with pytest.raises(RequestBuildError) as info:
        encode_value(["ok", item], "CHANNELS")
    assert info.value.field == "CHANNELS[1]"


def test_illegal_char_in_a_multipick_item_names_the_item() -> None:
    with pytest.raises(RequestBuildError, match="U\\+0001") as info:
        encode_value(["ok", "bad\x01"], "CHANNELS")
    assert info.value.field == "CHANNELS[1]"


# --- decoders ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("03/01/2016", date(2016, 3, 1)), ("3/1/2016", date(2016, 3, 1)), ("", None), (" ", None)],
)
def test_decode_date(text: str, value: date | None) -> None:
    assert decode_date(text) == value


@pytest.mark.parametrize("text", ["2016-03-01", "02/30/2024", "13/01/2024", "03/01/16", "x"])
def test_decode_date_rejects(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape(repr(text))):
        decode_date(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("05/12/2021 22:04:49", wall(2021, 5, 12, 22, 4, 49)),
        ("05/12/2021", wall(2021, 5, 12)),
        ("2024-06-10T09:15:02+00:00", datetime(2024, 6, 10, 9, 15, 2, tzinfo=UTC)),
        (
            "2024-06-10T17:15:02-07:00",
            datetime(2024, 6, 10, 17, 15, 2, tzinfo=timezone(timedelta(hours=-7))),
        ),
        ("2009-05-26T12:01:01Z", datetime(2009, 5, 26, 12, 1, 1, tzinfo=UTC)),
        ("", None),
    ],
)
def test_decode_datetime(text: str, value: datetime | None) -> None:
    decoded = decode_datetime(text)
    assert decoded == value
    if value is not None:
        assert (decoded is not None) and decoded.tzinfo == value.tzinfo


@pytest.mark.parametrize("text", ["05/12/2021 25:00:00", "05/12/2021 10:00 PM", "yesterday"])
def test_decode_datetime_rejects(text: str) -> None:
    with pytest.raises(ValueError, match=r"datetime|date"):
        decode_datetime(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("1000.00", Decimal("1000.00")), ("-0.5", Decimal("-0.5")), ("1E+3", Decimal("1E+3"))],
)
def test_decode_decimal(text: str, value: Decimal) -> None:
    decoded = decode_decimal(text)
    assert decoded == value
    assert str(decoded) == str(value)  # trailing zeros kept


@pytest.mark.parametrize("text", ["1,000.00", "NaN", "Infinity", "1_000", "١٢", "abc", "."])
def test_decode_decimal_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="decimal"):
        decode_decimal(text)


def test_decode_int() -> None:
    assert decode_int("42") == 42
    assert decode_int("-7") == -7
    assert decode_int("") is None
    for bad in ("1_000", "1.0", "١٢", "x"):
        with pytest.raises(ValueError, match="integer"):
            decode_int(bad)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("TRUE", True),
        ("T", True),
        ("1", True),
        ("Yes", True),
        ("false", False),
        ("f", False),
        ("0", False),
        ("NO", False),
        ("", None),
    ],
)
def test_decode_bool(text: str, value: bool | None) -> None:
    assert decode_bool(text) is value


def test_decode_bool_rejects() -> None:
    with pytest.raises(ValueError, match="boolean"):
        decode_bool("maybe")


def test_decode_multipick() -> None:
    assert decode_multipick("a#~#b#~#c") == ["a", "b", "c"]
    assert decode_multipick("a") == ["a"]
    assert decode_multipick("") == []


# --- 2.1 split dates --------------------------------------------------------------------


def test_split_date_is_zero_padded() -> None:
    root = xml.element("r")
    split_date(root, "datecreated", date(2016, 3, 1))
    expected = "<r><datecreated><year>2016</year><month>03</month><day>01</day></datecreated></r>"
    assert xml.serialize(root, declaration=False).decode() == expected


def test_join_split_date() -> None:
    parsed = xml.parse(b"<d><year>2016</year><month>3</month><day>01</day></d>")
    assert join_split_date(parsed) == date(2016, 3, 1)
    assert join_split_date(xml.parse(b"<d><year/><month/><day/></d>")) is None
    assert join_split_date(xml.parse(b"<d/>")) is None


@pytest.mark.parametrize(
    "body",
    [
        b"<d><year>2016</year><month>02</month><day>30</day></d>",
        b"<d><year>2016</year><month>02</month></d>",
        b"<d><year>2016</year><month>x</month><day>1</day></d>",
    ],
)
def test_join_split_date_rejects(body: bytes) -> None:
    with pytest.raises(ValueError, match="date"):
        join_split_date(xml.parse(body))


# --- properties -------------------------------------------------------------------------


@given(legal_text)
@example("line 1\r\nline 2\r")
@example("  padded\t")
def test_any_legal_text_survives_the_wire_unchanged(text: str) -> None:
    root = xml.element("VENDOR")
    xml.leaf(root, "NAME", encode_value(text, "VENDOR.NAME"), field="VENDOR.NAME")
    parsed = xml.parse(xml.serialize(root))
    assert (parsed.findtext("NAME") or "") == text


@given(legal_text, illegal_char, legal_text)
def test_any_illegal_char_is_refused_naming_the_field(before: str, bad: str, after: str) -> None:
    with pytest.raises(RequestBuildError) as info:
        encode_value(before + bad + after, "VENDOR.NAME")
    assert info.value.field == "VENDOR.NAME"
    assert f"U+{ord(bad):04X}" in str(info.value)


@given(st.dates())
def test_date_round_trip(value: date) -> None:
    assert decode_date(encode_value(value, "D")) == value
    root = xml.element("r")
    assert join_split_date(split_date(root, "d", value)) == value


@given(st.datetimes())
def test_datetime_round_trip(value: datetime) -> None:
    whole_seconds = value.replace(microsecond=0)
    assert decode_datetime(encode_value(value, "D")) == whole_seconds


@given(st.datetimes(timezones=st.timezones()))
def test_aware_datetime_round_trips_as_wall_clock(value: datetime) -> None:
    expected = value.replace(microsecond=0, tzinfo=None)
    assert decode_datetime(encode_value(value, "D")) == expected


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_decimal_round_trip_in_plain_notation(value: Decimal) -> None:
    text = encode_value(value, "AMOUNT")
    assert "e" not in text.lower()
    assert "," not in text
    assert decode_decimal(text) == value


@given(st.booleans())
def test_bool_round_trip(value: bool) -> None:
    assert decode_bool(encode_value(value, "B")) is value


@given(st.integers())
def test_int_round_trip(value: int) -> None:
    assert decode_int(encode_value(value, "I")) == value


@given(st.lists(legal_text, min_size=1).filter(lambda items: items != [""]))
@example(["a#", "~#b"])
def test_multipick_round_trips_or_is_refused(items: list[str]) -> None:
    try:
        text = encode_value(items, "MP")
    except RequestBuildError:
        assert any("#" in item or "~" in item for item in items)
        return
    assert decode_multipick(text) == items


def test_a_lone_separator_item_is_refused() -> None:
    with pytest.raises(RequestBuildError, match="separator"):
        encode_value(["#~#"], "MP")
