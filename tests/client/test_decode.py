"""ObjectModel.decode: a record's text → typed values, against the emulator's records and
table-driven per type (malformed values raise ResponseFormatError naming what is wrong)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from intacct import IntacctClient, UserFormatting
from intacct.client.metadata import FieldModel, ObjectModel
from intacct.emulator.inprocess import InProcessEmulator
from intacct.errors import ResponseFormatError
from intacct.protocol.formats import US_FORMATTING
from intacct.protocol.response import Record

# The Python type each model type decodes to (integer may also be a Decimal: see below).
PY_TYPES: dict[str, tuple[type, ...]] = {
    "integer": (int,),
    "decimal": (Decimal,),
    "boolean": (bool,),
    "date": (date,),
    "datetime": (datetime,),
    "multipick": (list,),
    "string": (str,),
}


@pytest.fixture(scope="module")
def client() -> Iterator[IntacctClient]:
    with (
        InProcessEmulator() as emu,
        IntacctClient.from_mapping(emu.config(), http_transport=emu.transport()) as client,
    ):
        yield client


def _records(client: IntacctClient, obj: str, count: int = 60) -> list[Record]:
    records = list(itertools.islice(client.iter_read_by_query(obj, "", "*"), count))
    assert records, f"the demo company has no {obj} records"
    return records


def _as_wire(value: object, kind: str, fmt: UserFormatting) -> str:
    """The decoded value written back the way the emulator writes it."""
    if value is None:
        return ""
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "date":
        assert isinstance(value, date)
        return fmt.format_date(value)
    if kind == "datetime":
        assert isinstance(value, datetime)
        return fmt.format_datetime(value)
    return str(value)


@pytest.mark.parametrize(
    "obj", ["VENDOR", "APBILL", "APBILLITEM", "GLACCOUNT", "GLDETAIL", "CUSTOMER"]
)
def test_every_field_of_emulator_records_decodes_to_its_type(
    client: IntacctClient, obj: str
) -> None:
    model = client.lookup(obj)
    types_seen: set[str] = set()
    for record in _records(client, obj):
        decoded = model.decode(record)
        assert decoded.keys() == record.keys()
        for name, text in record.items():
            kind = model.field(name).type
            value = decoded[name]
            assert (value is None) == (text == ""), (name, text)
            if value is None:
                continue
            types_seen.add(kind)
            assert isinstance(value, PY_TYPES[kind]), (name, text, value)
            assert not isinstance(value, float)
            if kind == "datetime":
                assert isinstance(value, datetime) and value.utcoffset() == timedelta(0)
            # exact: decimals keep their digits and trailing zeros, dates their day
            assert _as_wire(value, kind, US_FORMATTING) == text, (name, text, value)
    assert {"integer", "string"} <= types_seen
    assert types_seen & {"decimal", "date", "boolean"}


def test_custom_fields_decode_by_their_type(client: IntacctClient) -> None:
    vendor = client.lookup("VENDOR")
    customer = client.lookup("CUSTOMER")
    assert vendor.field("VENDOR_ESG_CERTIFIED").custom
    flags = {vendor.decode(r)["VENDOR_ESG_CERTIFIED"] for r in _records(client, "VENDOR")}
    assert flags == {True, False}
    renewals = [customer.decode(r)["CUSTOMER_RENEWAL_DATE"] for r in _records(client, "CUSTOMER")]
    assert any(isinstance(d, date) for d in renewals)


def test_exact_values_of_a_record_written_by_the_test(client: IntacctClient) -> None:
    client.create(
        "VENDOR",
        [
            {
                "VENDORID": "DECODE-1",
                "NAME": "Decode Test Ltd",
                "DISPLAYCONTACT": {"CONTACTNAME": "Decode Test Ltd (DECODE-1)"},
                "CREDITLIMIT": Decimal("1500.50"),
                "ONHOLD": True,
                "VENDOR_TIER": "Preferred",
                "VENDOR_ESG_CERTIFIED": False,
            }
        ],
    )
    before = datetime.now(UTC).replace(microsecond=0)
    (record,) = client.read_by_name("VENDOR", ["DECODE-1"])
    decoded = client.lookup("VENDOR").decode(record, client.user_formatting())
    assert decoded["VENDORID"] == "DECODE-1"
    assert isinstance(decoded["RECORDNO"], int) and decoded["RECORDNO"] > 0
    assert decoded["CREDITLIMIT"] == Decimal("1500.50")
    assert str(decoded["CREDITLIMIT"]) == "1500.50"  # trailing zero kept
    assert decoded["ONHOLD"] is True
    assert decoded["VENDOR_ESG_CERTIFIED"] is False
    assert decoded["VENDOR_TIER"] == "Preferred"
    assert decoded["COMMENTS"] is None
    created = decoded["WHENCREATED"]
    assert isinstance(created, datetime) and created.tzinfo is UTC
    assert before - timedelta(seconds=5) <= created <= before + timedelta(seconds=5)


def test_timestamps_are_read_in_the_users_zone(client: IntacctClient) -> None:
    """The demo company's zone is America/Los_Angeles: a November wall-clock time is
    UTC-8, a July one UTC-7."""
    model = client.lookup("APBILL")
    record = Record("APBILL", {"RECORDNO": "1", "WHENCREATED": "11/26/2024 08:15:56"})
    summer = Record("APBILL", {"RECORDNO": "2", "WHENCREATED": "07/01/2025 23:30:00"})
    pacific = UserFormatting(zone=ZoneInfo("America/Los_Angeles"))
    assert model.decode(record, pacific)["WHENCREATED"] == datetime(
        2024, 11, 26, 16, 15, 56, tzinfo=UTC
    )
    assert model.decode(summer, pacific)["WHENCREATED"] == datetime(2025, 7, 2, 6, 30, tzinfo=UTC)


def test_dates_in_a_non_us_format() -> None:
    with (
        InProcessEmulator() as emu,
        IntacctClient.from_mapping(emu.config(), http_transport=emu.transport()) as client,
    ):
        emu.configure_company("DEMO", date_format="%d/%m/%Y")
        formatting = client.user_formatting()
        assert formatting == UserFormatting(
            date_format="/dmY", zone=formatting.zone, clock=formatting.clock
        )
        model = client.lookup("APBILL")
        records = _records(client, "APBILL")
        late_in_month = next(r for r in records if int(r["WHENPOSTED"][:2]) > 12)
        day, month, year = (int(p) for p in late_in_month["WHENPOSTED"].split("/"))
        decoded = model.decode(late_in_month, UserFormatting(date_format="/dmY"))
        assert decoded["WHENPOSTED"] == date(year, month, day)
        for record in records:
            model.decode(record, formatting)  # every date and timestamp reads
        with pytest.raises(ResponseFormatError, match=r"WHENPOSTED.*MM/DD/YYYY"):
            model.decode(late_in_month)  # read as MM/DD it is no date at all


# -- table-driven: one field of each type ---------------------------------------------------

MODEL = ObjectModel(
    name="THING",
    fields=(
        FieldModel("RECORDNO", "integer", "INTEGER"),
        FieldModel("QTY", "integer", "INTEGER"),
        FieldModel("SEQ", "integer", "SEQUENCE"),
        FieldModel("AMOUNT", "decimal", "CURRENCY"),
        FieldModel("RATE", "decimal", "PERCENT"),
        FieldModel("FLAG", "boolean", "BOOLEAN"),
        FieldModel("DAY", "date", "DATE"),
        FieldModel("STAMP", "datetime", "TIMESTAMP"),
        FieldModel("TAGS", "multipick", "MULTIPICKLIST"),
        FieldModel("STATUS", "string", "ENUM", valid_values=("active", "inactive")),
        FieldModel("NOTE", "string", "TEXT"),
    ),
)


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        ("QTY", "42", 42),
        ("QTY", "-7", -7),
        ("QTY", "12.0", 12),  # INTEGER fields can hold float strings
        ("QTY", "12.50", Decimal("12.50")),  # not integral: kept exact, not truncated
        ("QTY", "1E+2", 100),
        ("QTY", "1E+99999", Decimal("1E+99999")),  # no million-digit int
        ("QTY", " 5 ", 5),
        ("SEQ", "1001", 1001),
        ("AMOUNT", "1234.50", Decimal("1234.50")),
        ("AMOUNT", "-0.00", Decimal("-0.00")),
        ("AMOUNT", "0.1", Decimal("0.1")),
        ("RATE", "12.5", Decimal("12.5")),
        ("FLAG", "true", True),
        ("FLAG", "false", False),
        ("FLAG", "T", True),  # readByQuery writes stored codes
        ("FLAG", "F", False),
        ("DAY", "02/29/2024", date(2024, 2, 29)),
        ("STAMP", "06/10/2024 09:15:02", datetime(2024, 6, 10, 9, 15, 2, tzinfo=UTC)),
        ("STAMP", "06/10/2024", datetime(2024, 6, 10, tzinfo=UTC)),
        ("TAGS", "red#~#green#~#blue", ["red", "green", "blue"]),
        ("TAGS", "solo", ["solo"]),
        ("STATUS", "active", "active"),
        ("NOTE", "  as sent ", "  as sent "),
    ],
)
def test_decodes_each_type(field: str, text: str, expected: object) -> None:
    value = MODEL.decode({field: text})[field]
    assert value == expected
    assert type(value) is type(expected)
    if isinstance(expected, Decimal):
        assert str(value) == str(expected)  # same digits, same exponent


@pytest.mark.parametrize("field", [f.name for f in MODEL.fields])
def test_empty_is_none_for_every_type(field: str) -> None:
    assert MODEL.decode({field: ""}) == {field: None}


def test_unknown_fields_pass_through_as_text() -> None:
    decoded = MODEL.decode({"QTY": "3", "NEWFIELD": "12.50", "BLANK": ""})
    assert decoded == {"QTY": 3, "NEWFIELD": "12.50", "BLANK": ""}


def test_timestamp_in_a_fixed_offset_zone() -> None:
    eastern = UserFormatting(zone=timezone(timedelta(hours=-5)))
    decoded = MODEL.decode({"STAMP": "01/15/2025 23:30:00"}, eastern)
    assert decoded["STAMP"] == datetime(2025, 1, 16, 4, 30, tzinfo=UTC)


def test_twelve_hour_clock_and_other_date_order() -> None:
    fmt = UserFormatting(date_format="-Ymd", clock=12)
    decoded = MODEL.decode({"DAY": "2024-12-31", "STAMP": "2024-12-31 01:05:00 PM"}, fmt)
    assert decoded == {
        "DAY": date(2024, 12, 31),
        "STAMP": datetime(2024, 12, 31, 13, 5, tzinfo=UTC),
    }


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        ("QTY", "12a", "an integer"),
        ("QTY", "1,000", "an integer"),
        ("SEQ", "INV-7", "an integer"),
        ("AMOUNT", "1,234.50", "a decimal number"),
        ("AMOUNT", "NaN", "a decimal number"),
        ("AMOUNT", "12.5.1", "a decimal number"),
        ("AMOUNT", "$10", "a decimal number"),
        ("RATE", "12.5%", "a decimal number"),
        ("FLAG", "maybe", "true or false"),
        ("DAY", "2024-06-10", "a date in the user's format MM/DD/YYYY"),
        ("DAY", "02/30/2024", "a date in the user's format MM/DD/YYYY"),
        ("DAY", "13/45/2024", "a date in the user's format MM/DD/YYYY"),
        ("STAMP", "06/10/2024 25:00:00", "a timestamp 'MM/DD/YYYY HH:MM:SS'"),
        ("STAMP", "2024-06-10T09:15:02Z", "a timestamp 'MM/DD/YYYY HH:MM:SS'"),
    ],
)
def test_malformed_values_name_object_record_field_and_form(
    field: str, text: str, expected: str
) -> None:
    record = Record("THING", {"RECORDNO": "77", "NOTE": "fine", field: text})
    with pytest.raises(ResponseFormatError) as info:
        MODEL.decode(record)
    message = str(info.value)
    assert "THING record RECORDNO 77" in message
    assert f"field {field} ({MODEL.field(field).data_type})" in message
    assert repr(text) in message
    assert expected in message


def test_malformed_value_of_a_record_without_recordno() -> None:
    with pytest.raises(ResponseFormatError, match=r"^THING record, field QTY \(INTEGER\): 'x'"):
        MODEL.decode({"QTY": "x"})


def test_a_long_bad_value_is_shortened_in_the_message() -> None:
    with pytest.raises(ResponseFormatError) as info:
        MODEL.decode({"AMOUNT": "9" * 50 + "x" * 200})
    assert len(str(info.value)) < 300


def test_unknown_field_type_is_refused() -> None:
    with pytest.raises(ValueError, match="type must be one of"):
        FieldModel("X", "float")
