"""Habits of production data the demo company has on purpose, read through the gateway:
records without WHENMODIFIED, AUDITHISTORY keyed by the object's id with deletes and
accesses in the trail, audit fields in server time beside WHENCREATED in company time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from lxml import etree

from intacct.emulator.inprocess import InProcessEmulator
from intacct.emulator.seed.clock import DAY, START, ZONE, dt
from intacct.emulator.seed.unmodified import NEVER_MODIFIED

from .conftest import envelope

Record = dict[str, str]
Query = Callable[..., list[Record]]


@pytest.fixture(scope="module")
def emulator() -> Iterator[InProcessEmulator]:
    with InProcessEmulator(scale=3_000, seed=2) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def query(emulator: InProcessEmulator) -> Iterator[Query]:
    """``query`` of ``fields`` of ``obj`` (optional ``<filter>`` body) in DEMO: records
    as {FIELD: text}, every page."""
    with httpx.Client(transport=emulator.transport()) as http:

        def run(obj: str, fields: list[str], condition: str = "") -> list[Record]:
            select = "".join(f"<field>{f}</field>" for f in fields)
            where = f"<filter>{condition}</filter>" if condition else ""
            records: list[Record] = []
            while True:
                body = envelope(
                    f"<query><object>{obj}</object><select>{select}</select>{where}"
                    f"<pagesize>2000</pagesize><offset>{len(records)}</offset></query>"
                )
                result = etree.fromstring(http.post(emulator.url, content=body).content)
                data = result.find("operation/result/data")
                assert data is not None, etree.tostring(result)
                records += [{c.tag: c.text or "" for c in row} for row in data]
                if int(data.get("numremaining", "0")) == 0:
                    return records

        yield run


# --------------------------------------------------------------------- empty WHENMODIFIED


@pytest.mark.parametrize("obj", sorted(NEVER_MODIFIED))
def test_some_records_have_no_whenmodified(query: Query, obj: str) -> None:
    every = query(obj, ["RECORDNO", "WHENCREATED", "WHENMODIFIED"])
    empty = query(
        obj,
        ["RECORDNO", "WHENCREATED", "WHENMODIFIED"],
        "<isnull><field>WHENMODIFIED</field></isnull>",
    )
    # a small share, as production has: imported long ago, never touched since
    assert 0 < len(empty) <= max(1, len(every) // 20), (len(empty), len(every))
    for record in empty:
        assert record["WHENMODIFIED"] == ""
        assert record["WHENCREATED"]


def test_other_objects_always_have_whenmodified(query: Query) -> None:
    for obj in ("DEPARTMENT", "LOCATION", "GLBATCH", "APPYMT"):
        assert query(obj, ["RECORDNO"], "<isnull><field>WHENMODIFIED</field></isnull>") == []


def test_records_without_whenmodified_were_never_edited(query: Query) -> None:
    """No Modify in the trail for a vendor without WHENMODIFIED: it was never changed."""
    empty = query("VENDOR", ["VENDORID"], "<isnull><field>WHENMODIFIED</field></isnull>")
    trail = query(
        "AUDITHISTORY",
        ["OBJECTKEY", "ACCESSMODE"],
        "<equalto><field>OBJECTTYPE</field><value>vendor</value></equalto>",
    )
    modified = {r["OBJECTKEY"] for r in trail if r["ACCESSMODE"] == "Modify"}
    created = {r["OBJECTKEY"] for r in trail if r["ACCESSMODE"] == "Create"}
    ids = {r["VENDORID"] for r in empty}
    assert ids and ids <= created
    assert not ids & modified


# --------------------------------------------------------------------- AUDITHISTORY


def _trail(query: Query, objecttype: str) -> list[Record]:
    return query(
        "AUDITHISTORY",
        ["OBJECTKEY", "ACCESSMODE", "ACCESSTIME"],
        f"<equalto><field>OBJECTTYPE</field><value>{objecttype}</value></equalto>",
    )


@pytest.mark.parametrize(("obj", "id_field"), [("VENDOR", "VENDORID"), ("CUSTOMER", "CUSTOMERID")])
def test_audit_keys_are_business_ids_with_deletes(query: Query, obj: str, id_field: str) -> None:
    """OBJECTKEY of a party is its id, never a bare RECORDNO; some name deleted parties."""
    existing = {r[id_field] for r in query(obj, [id_field])}
    trail = _trail(query, obj.lower())
    deleted = {r["OBJECTKEY"] for r in trail if r["ACCESSMODE"] == "Delete"}
    assert deleted and not deleted & existing
    for row in trail:
        assert row["OBJECTKEY"] in existing | deleted, row
        assert not row["OBJECTKEY"].isdigit(), row
    # a deleted record was created first, and its delete comes later
    for key in deleted:
        times = {r["ACCESSMODE"]: r["ACCESSTIME"] for r in trail if r["OBJECTKEY"] == key}
        assert set(times) == {"Create", "Delete"}, key
    assert {r["ACCESSMODE"] for r in trail} >= {"Create", "Modify", "Access", "Delete"}


@pytest.mark.parametrize("obj", ["APBILL", "ARINVOICE"])
def test_documents_are_keyed_by_recordno_and_some_were_deleted(query: Query, obj: str) -> None:
    existing = {r["RECORDNO"] for r in query(obj, ["RECORDNO"])}
    trail = _trail(query, obj.lower())
    deleted = {r["OBJECTKEY"] for r in trail if r["ACCESSMODE"] == "Delete"}
    assert deleted and not deleted & existing
    assert {r["OBJECTKEY"] for r in trail} == existing | deleted


def test_invoices_have_activity_rows(query: Query) -> None:
    modes = [r["ACCESSMODE"] for r in _trail(query, "arinvoice")]
    assert 0 < modes.count("Activity") < modes.count("Create")
    assert "Activity" not in {r["ACCESSMODE"] for r in _trail(query, "apbill")}


# --------------------------------------------------------------------- time zones


def _moment(text: str) -> datetime:
    return datetime.strptime(text, "%m/%d/%Y %H:%M:%S")  # noqa: DTZ007 - naive on the wire


def test_the_seed_writes_the_demo_companies_zone(emulator: InProcessEmulator) -> None:
    for company in ("DEMO", "DEMO-ME"):
        found = emulator.store.company(company)
        assert found is not None and found.timezone == ZONE


@pytest.mark.parametrize("obj", ["APBILL", "ARPYMT", "CCTRANSACTION"])
def test_auwhencreated_is_server_time_beside_company_time(query: Query, obj: str) -> None:
    """WHENCREATED in the company's wall-clock time, AUWHENCREATED the same moment in
    UTC: seven or eight hours later in Pacific time, by the date's daylight saving."""
    zone = ZoneInfo(ZONE)
    records = query(obj, ["RECORDNO", "WHENCREATED", "AUWHENCREATED"])
    assert records
    offsets = set()
    for record in records:
        local = _moment(record["WHENCREATED"])
        server = _moment(record["AUWHENCREATED"])
        expected = local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
        assert server == expected, record
        offsets.add((server - local).total_seconds() / 3_600)
    assert offsets <= {7.0, 8.0}


def _exists(moment: datetime, zone: ZoneInfo) -> bool:
    """Whether the zone's clock ever shows ``moment`` (not in the hour skipped in spring)."""
    shown = moment.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    return shown.replace(tzinfo=None) == moment


def test_seeded_times_never_fall_in_the_skipped_spring_hour() -> None:
    """A draw anywhere in the skipped hour is shown as the hour's end, and times drawn in
    order stay in order (a fleet company once held GLACCOUNT WHENMODIFIED 03/08/2026
    02:24:50, which no Pacific clock shows and no reader can turn into an instant)."""
    zone = ZoneInfo(ZONE)
    day = (datetime(2026, 3, 8) - START).days * DAY  # noqa: DTZ001 - company time
    shown = [dt(day + second) for second in range(0, 5 * 3_600, 30)]
    assert all(_exists(moment, zone) for moment in shown)
    assert shown == sorted(shown)
    assert dt(day + 2 * 3_600 + 1_490) == datetime(2026, 3, 8, 3, 0)  # noqa: DTZ001


@pytest.mark.parametrize("obj", ["GLACCOUNT", "VENDOR", "CUSTOMER", "APBILL", "GLBATCH"])
def test_every_served_stamp_exists_in_the_company_zone(query: Query, obj: str) -> None:
    zone = ZoneInfo(ZONE)
    for record in query(obj, ["RECORDNO", "WHENCREATED", "WHENMODIFIED"]):
        for field in ("WHENCREATED", "WHENMODIFIED"):
            if record[field]:
                assert _exists(_moment(record[field]), zone), record
