"""readUserFormatting (Sage's documented answer) and the time zone of the timestamps the
emulator writes, which its ``gmtoffset`` must describe. Raw XML through the in-process
transport, so nothing here depends on the client's parser."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from lxml import etree

from intacct.emulator.inprocess import InProcessEmulator

from .conftest import envelope
from .texts import bare

Ask = Callable[..., list[etree._Element]]
FIELDS = ["recordno", "locale", "dateformat", "gmtoffset", "clock"]


@pytest.fixture
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=300) as emu:
        yield emu


@pytest.fixture
def ask(emulator: InProcessEmulator) -> Iterator[Ask]:
    """Send functions in one request; their ``<result>`` elements, in order."""
    with httpx.Client(transport=emulator.transport()) as http:

        def send(*functions: str) -> list[etree._Element]:
            answer = http.post(emulator.url, content=envelope(*functions))
            return etree.fromstring(answer.content).findall("operation/result")

        yield send


def formatting(ask: Ask, body: str = "<readUserFormatting/>") -> dict[str, str]:
    (result,) = ask(body)
    assert result.findtext("status") == "success", etree.tostring(result)
    (record,) = result.find("data")
    assert record.tag == "userformatting"
    return {str(child.tag): child.text or "" for child in record}


def failure(ask: Ask, body: str) -> tuple[str, str]:
    (result,) = ask(body)
    assert result.findtext("status") == "failure"
    error = result.find("errormessage/error")
    return error.findtext("errorno") or "", bare(error.findtext("description2"))


def offset(text: str) -> timedelta:
    """``+05:30`` / ``-09:30`` as a signed duration."""
    sign = -1 if text[0] == "-" else 1
    hours, minutes = text[1:].split(":")
    return sign * timedelta(hours=int(hours), minutes=int(minutes))


def test_the_documented_shape_for_the_signed_in_user(ask: Ask) -> None:
    prefs = formatting(ask)
    assert list(prefs) == FIELDS
    assert prefs["recordno"] == "1"  # demo_user
    assert (prefs["locale"], prefs["dateformat"], prefs["clock"]) == ("en_US", "/mdY", "24")
    assert len(prefs["gmtoffset"]) == 6 and prefs["gmtoffset"][0] in "+-"


def test_by_key_or_user_id(ask: Ask) -> None:
    by_login = formatting(
        ask, "<readUserFormatting><userId>demo_restricted</userId></readUserFormatting>"
    )
    by_key = formatting(ask, "<readUserFormatting><key>2</key></readUserFormatting>")
    assert by_login["recordno"] == by_key["recordno"] == "2"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<userId>nobody</userId>", "Login ID nobody does not exist."),
        ("<key>99</key>", "User record 99 does not exist."),
        ("<key>x</key>", "User record x does not exist."),
    ],
)
def test_an_unknown_user_fails_like_get_user_permissions(ask: Ask, body: str, message: str) -> None:
    assert failure(ask, f"<readUserFormatting>{body}</readUserFormatting>") == (
        "BL03000025",
        message,
    )
    permissions = "<getUserPermissions><userId>nobody</userId></getUserPermissions>"
    assert failure(ask, permissions)[0] == "BL03000025"


def test_key_and_user_id_together_are_refused(ask: Ask) -> None:
    body = "<readUserFormatting><key>1</key><userId>demo_user</userId></readUserFormatting>"
    assert failure(ask, body)[0] == "XL03000003"


@pytest.mark.parametrize(
    ("date_format", "code"),
    [
        ("%m/%d/%Y", "/mdY"),
        ("%d/%m/%Y", "/dmY"),
        ("%Y/%m/%d", "/Ymd"),
        ("%d.%m.%Y", ".dmY"),
        ("%Y-%m-%d", "-Ymd"),
    ],
)
def test_date_format_code(
    emulator: InProcessEmulator, ask: Ask, date_format: str, code: str
) -> None:
    emulator.configure_company("DEMO", date_format=date_format)
    assert formatting(ask)["dateformat"] == code


@pytest.mark.parametrize(
    ("zone", "gmtoffset"),
    [("Asia/Kolkata", "+05:30"), ("Pacific/Marquesas", "-09:30"), ("UTC", "+00:00")],
)
def test_gmt_offset_of_the_company_zone(
    emulator: InProcessEmulator, ask: Ask, zone: str, gmtoffset: str
) -> None:
    emulator.configure_company("DEMO", timezone=zone)
    assert formatting(ask)["gmtoffset"] == gmtoffset


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Asia/Kolkata", "Pacific/Marquesas"])
def test_written_timestamps_are_in_the_zone_gmtoffset_names(
    emulator: InProcessEmulator, ask: Ask, zone: str
) -> None:
    """A record written now carries WHENCREATED/WHENMODIFIED as wall-clock time at
    ``gmtoffset``: minus the offset, it is now in UTC."""
    if zone != "America/Los_Angeles":  # the demo company's own zone
        emulator.configure_company("DEMO", timezone=zone)
    created, read = ask(
        "<create><CLASS><CLASSID>TZ-1</CLASSID><NAME>zone</NAME></CLASS></create>",
        "<readByName><object>CLASS</object><keys>TZ-1</keys>"
        "<fields>WHENCREATED,WHENMODIFIED</fields></readByName>",
    )
    assert created.findtext("status") == "success", etree.tostring(created)
    shift = offset(formatting(ask)["gmtoffset"])
    now = datetime.now(UTC).replace(tzinfo=None)
    for name in ("WHENCREATED", "WHENMODIFIED"):
        text = read.findtext(f"data/CLASS/{name}") or ""
        wall = datetime.strptime(text, "%m/%d/%Y %H:%M:%S")  # noqa: DTZ007 - wall time
        assert abs(wall - shift - now) < timedelta(minutes=2), (name, text, shift)


def test_an_unknown_time_zone_is_refused(emulator: InProcessEmulator) -> None:
    for bad in ("Mars/Olympus_Mons", "", "../../etc/passwd", 5):
        with pytest.raises(ValueError, match="IANA time zone"):
            emulator.configure_company("DEMO", timezone=bad)
