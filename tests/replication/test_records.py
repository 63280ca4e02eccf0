"""The engine's fast record typing (:class:`Typer`) gives exactly what the reference
:func:`to_output` gives: on every record of a range of demo objects, on the odd values
the gateway can send, and on values that do not decode (the same error)."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest

from intacct import IntacctClient
from intacct.client.registry import ObjectRegistry
from intacct.emulator.inprocess import InProcessEmulator
from intacct.errors import ResponseFormatError
from intacct.protocol.formats import UserFormatting
from intacct.replication.records.typed import Typer, to_output

#: dates, timestamps, decimals, booleans, multi-picks, integers, custom fields
OBJECTS = ("GLDETAIL", "APBILL", "ARINVOICEITEM", "VENDOR", "CUSTOMER", "GLACCOUNT",
           "PROJECT", "EMPLOYEE", "TIMESHEETENTRY", "ITEM", "CONTACT", "LOCATION")  # fmt: skip


@pytest.fixture(scope="module")
def client() -> Iterator[IntacctClient]:
    with InProcessEmulator(scale=300, seed=5) as emu:
        config = {**emu.config(), "timeout_s": 30}
        with IntacctClient.from_mapping(config, http_transport=emu.transport()) as client:
            yield client


@pytest.mark.parametrize("name", OBJECTS)
def test_every_demo_record_is_typed_as_the_reference_types_it(
    client: IntacctClient, name: str
) -> None:
    info = ObjectRegistry(client).get(name)
    formatting = client.user_formatting()
    typer = Typer(info, formatting, "E100")
    records = list(client.iter_query(name, list(info.queryable_fields)))
    assert records
    for record in records:
        assert typer(record) == to_output(info, record, formatting, "E100")


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("RECORDNO", "-12"),
        ("RECORDNO", "12.0"),
        ("RECORDNO", " 7 "),
        ("RECORDNO", "1" * 40),
        ("TOTALENTERED", " 10.50 "),
        ("TOTALENTERED", "1E+3"),
        ("WHENDUE", "02/01/2024"),
        ("WHENCREATED", "03/10/2024 11:30:00"),
        ("WHENMODIFIED", "03/10/2024 02:30:00"),
        ("WHENMODIFIED", ""),
        ("ONHOLD", "T"),
        ("ONHOLD", " false "),
        ("NOT_A_FIELD", ""),
    ],
)
def test_odd_values_are_typed_as_the_reference_types_them(
    client: IntacctClient, field: str, text: str
) -> None:
    info = ObjectRegistry(client).get("APBILL")
    far = UserFormatting("/dmY", ZoneInfo("America/New_York"), clock=12)
    for formatting in (client.user_formatting(), far):
        record = {"RECORDNO": "5", field: text}
        expected = to_output(info, record, formatting, "")
        assert Typer(info, formatting, "")(record) == expected


@pytest.mark.parametrize(("field", "text"), [("WHENDUE", "13/45/2024"), ("ONHOLD", "maybe")])
def test_a_value_that_does_not_decode_is_the_same_error(
    client: IntacctClient, field: str, text: str
) -> None:
    info = ObjectRegistry(client).get("APBILL")
    formatting = client.user_formatting()
    record = {"RECORDNO": "5", field: text}
    with pytest.raises(ResponseFormatError) as reference:
        to_output(info, record, formatting, "")
    with pytest.raises(ResponseFormatError) as fast:
        Typer(info, formatting, "")(record)
    assert str(fast.value) == str(reference.value)
