"""Control API (reset, seed, company settings), reports and the remaining functions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from lxml import etree

from intacct import IntacctClient, fn, q
from intacct.emulator.demo import client_config
from intacct.emulator.server import EmulatorServer
from intacct.errors import NotFoundError, PermissionDeniedError, ValidationError, WriteError

from .conftest import envelope

Connect = Callable[..., IntacctClient]


def control(server: EmulatorServer, path: str) -> str:
    return server.url.replace("/ia/xml/xmlgw.phtml", f"/_emulator/{path}")


@pytest.fixture
def own_server() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0, scale=500, seed=3) as emulator:
        yield emulator


def _client(server: EmulatorServer, **overrides: str) -> IntacctClient:
    return IntacctClient.from_mapping(
        {
            **client_config(server.url),
            **overrides,
        }
    )


def test_reset_and_seed(own_server: EmulatorServer) -> None:
    with _client(own_server) as client:
        client.create("CLASS", [{"CLASSID": "CTL-1", "NAME": "temporary"}])
        assert client.read_by_name("CLASS", ["CTL-1"])
    assert httpx.post(control(own_server, "reset")).json()["scale"] == 500
    assert httpx.get(control(own_server, "stats")).json() == {}
    with _client(own_server) as client:  # sessions are gone too: a new client
        assert client.read_by_name("CLASS", ["CTL-1"]) == []
        before = client.query("GLENTRY", ["RECORDNO"], pagesize=1).data
    seeded = httpx.post(
        control(own_server, "seed"), params={"scale": 2000, "seed": 9}, timeout=60
    ).json()
    assert seeded["rows"] > 2000
    with _client(own_server) as client:
        after = client.query("GLENTRY", ["RECORDNO"], pagesize=1).data
    assert before and after and after.totalcount and before.totalcount
    assert after.totalcount > before.totalcount
    assert httpx.post(control(own_server, "seed"), params={"scale": "x"}).status_code == 400


def test_company_date_format_and_timezone(own_server: EmulatorServer) -> None:
    answer = httpx.post(
        control(own_server, "companies/DEMO"),
        json={"date_format": "%d/%m/%Y", "timezone": "Europe/London"},
    )
    assert answer.status_code == 200, answer.text
    with _client(own_server) as client:
        (prefs,) = client.call(fn.ReadUserFormatting()).records
        london = datetime.now(ZoneInfo("Europe/London")).strftime("%z")
        assert prefs["dateformat"] == "/dmY" and prefs["gmtoffset"] == f"{london[:3]}:{london[3:]}"
        batch = client.query("GLBATCH", ["BATCH_DATE"], pagesize=1).records[0]
        day, month, _ = batch["BATCH_DATE"].split("/")
        assert int(month) <= 12 and len(day) == 2
    bad = httpx.post(control(own_server, "companies/DEMO"), json={"date_format": "%Q"})
    assert bad.status_code == 400
    bad = httpx.post(control(own_server, "companies/DEMO"), json={"timezone": "Nowhere/Zone"})
    assert bad.status_code == 400 and "IANA" in bad.json()["error"]
    assert httpx.post(control(own_server, "companies/NOPE"), json={}).status_code == 400


def test_the_clock_moves_stamps_gmtoffset_and_session_times(own_server: EmulatorServer) -> None:
    """Moved into the summer: WHENMODIFIED of a write and gmtoffset follow the clock, which
    runs on from there; DELETE puts it back on the real time."""
    moved = httpx.post(control(own_server, "clock"), json={"now": "2027-07-01T19:00:00Z"})
    assert moved.status_code == 200 and moved.json()["moved"] is True
    with _client(own_server) as client:
        (prefs,) = client.call(fn.ReadUserFormatting()).records
        assert prefs["gmtoffset"] == "-07:00"  # Pacific daylight time
        client.create("CLASS", [{"CLASSID": "CLOCK-1", "NAME": "summer"}])
        (row,) = client.read_by_name("CLASS", ["CLOCK-1"])
        assert row["WHENMODIFIED"].startswith("07/01/2027 12:00:")
    later = httpx.post(control(own_server, "clock"), json={"advance_s": 86_400 * 180})
    assert later.json()["now"].startswith("2027-12-28")
    with _client(own_server) as client:
        (prefs,) = client.call(fn.ReadUserFormatting()).records
        assert prefs["gmtoffset"] == "-08:00"
    for bad in ({"now": "2027-07-01T19:00:00"}, {"now": "soon"}, {"advance_s": "1"}, {}):
        answer = httpx.post(control(own_server, "clock"), json=bad)
        assert answer.status_code == 400 and "now" in answer.json()["error"], bad
    back = httpx.delete(control(own_server, "clock")).json()
    assert back["moved"] is False and back["now"].startswith(str(datetime.now().year))  # noqa: DTZ005


def test_trial_balance_balances(connect: Connect) -> None:
    client = connect()
    start = {"year": "2024", "month": "01", "day": "01"}
    end = {"year": "2026", "month": "12", "day": "31"}
    result = client.execute([_tb(start, end)])[0]
    assert result.ok, result.errors
    rows = result.records
    assert rows and all(r.tag == "trialbalance" for r in rows)
    debits = sum(Decimal(r["debits"]) for r in rows)
    credits = sum(Decimal(r["credits"]) for r in rows)
    assert debits == credits > 0
    assert sum(Decimal(r["endbalance"]) for r in rows) == 0


def _tb(start: dict[str, str], end: dict[str, str]) -> fn.Function:
    class TrialBalance(fn.Function):
        name = "get_trialbalance"

        def to_xml(self) -> etree._Element:
            root = etree.Element("get_trialbalance")
            for tag, parts in (("startdate", start), ("enddate", end)):
                box = etree.SubElement(root, tag)
                for key, value in parts.items():
                    etree.SubElement(box, key).text = value
            return root

    return TrialBalance()


def test_user_permissions(connect: Connect) -> None:
    client = connect()
    full = client.call(_user_permissions("demo_user")).records[0]
    limited = client.call(_user_permissions("demo_restricted")).records[0]
    names = {a["applicationName"] for a in full.nested("appSubscription")}
    assert "AP" in names
    assert "AP" not in {a["applicationName"] for a in limited.nested("appSubscription")}
    with pytest.raises(NotFoundError, match="Login ID nobody does not exist"):
        client.call(_user_permissions("nobody"))


def _user_permissions(user: str) -> fn.Function:
    return fn.GetUserPermissions(user)


def test_query_validation_errors(connect: Connect) -> None:
    client = connect()
    # schema errors fail the whole request (control level), as the 3.0 XSD has them
    with pytest.raises(ValidationError, match=r"'pagesize': \[facet 'maxInclusive'\]"):
        client.call(_raw_query("<pagesize>2001</pagesize>"))
    with pytest.raises(ValidationError, match="cannot be queried"):
        client.query("APBILL", ["RECORDNO", "PAYTO.CONTACTNAME"])
    with pytest.raises(ValidationError):
        client.call(fn.ReadByQuery("VENDOR", query="VENDORID = = 'x'"))
    with pytest.raises(ValidationError):
        client.call(fn.ReadByQuery("VENDOR", query="VENDORID = 'x' ORDER BY NAME"))
    with pytest.raises(ValidationError, match="'frobnicate': This element is not expected"):
        client.execute([_raw_function("frobnicate")])


def _raw_query(extra: str) -> fn.Function:
    class RawQuery(fn.Function):
        name = "query"

        def to_xml(self) -> etree._Element:
            return etree.fromstring(
                f"<query><select><field>RECORDNO</field></select><object>"
                f"VENDOR</object>{extra}</query>"
            )

    return RawQuery()


def _raw_function(tag: str) -> fn.Function:
    class Raw(fn.Function):
        name = tag

        def to_xml(self) -> etree._Element:
            return etree.Element(tag)

    return Raw()


def test_restricted_user_cannot_write_ap(connect: Connect) -> None:
    client = connect(user_id="demo_restricted")
    with pytest.raises(WriteError) as info:
        client.create(
            "VENDOR", [{"VENDORID": "R-1", "NAME": "no", "DISPLAYCONTACT": {"CONTACTNAME": "no"}}]
        )
    assert isinstance(info.value.failures[0], PermissionDeniedError)
    assert client.query("CLASS", ["RECORDNO"], filter=q.isnotnull("CLASSID"), pagesize=1).ok


def test_db_file_keeps_data_between_runs(tmp_path: Path) -> None:
    db = tmp_path / "emulator.sqlite"
    with EmulatorServer(port=0, db=db, scale=300) as first, _client(first) as client:
        client.create("CLASS", [{"CLASSID": "KEEP-1", "NAME": "kept"}])
    with EmulatorServer(port=0, db=db, scale=5000) as second, _client(second) as client:
        assert client.read_by_name("CLASS", ["KEEP-1"])[0]["NAME"] == "kept"
        # an existing file is not seeded again
        total = client.query("GLENTRY", ["RECORDNO"], pagesize=1).data
        assert total is not None and total.totalcount is not None and total.totalcount < 1000


def test_api_transactions_are_billed_as_intacct_bills_them(own_server: EmulatorServer) -> None:
    """One per query/readByQuery/readMore/read call, one per record written whatever the
    batching, a bill with lines is one, a failed function too (it ran), metadata and
    sessions are free; per company (intacct.protocol.billing)."""

    def post(*functions: str, company: str = "DEMO") -> etree._Element:
        answer = httpx.post(own_server.url, content=envelope(*functions, company=company))
        return etree.fromstring(answer.content)

    def billed() -> dict[str, int]:
        stats = httpx.get(control(own_server, "stats")).json()
        return {k: v for k, v in stats.items() if k.startswith("api_transactions")}

    post(
        "<getAPISession/>",
        "<lookup><object>CLASS</object></lookup>",
        "<inspect><object>*</object></inspect>",
    )
    assert billed() == {}
    first = post(
        "<readByQuery><object>CLASS</object><fields>RECORDNO</fields><query></query>"
        "<pagesize>1</pagesize></readByQuery>"
    )
    data = first.find(".//result/data")
    assert data is not None and data.get("numremaining") != "0"
    post(f"<readMore><resultId>{data.get('resultId')}</resultId></readMore>")
    post("<query><select><field>RECORDNO</field></select><object>VENDOR</object></query>")
    assert billed() == {"api_transactions": 3, "api_transactions.DEMO": 3}
    created = post(
        "<create>"
        + "".join(f"<CLASS><CLASSID>BILL-{n}</CLASSID><NAME>n{n}</NAME></CLASS>" for n in range(3))
        + "</create>"
    )
    keys = [el.text for el in created.iterfind(".//data/class/RECORDNO")]
    assert len(keys) == 3
    post(
        "<update>"
        + "".join(f"<CLASS><RECORDNO>{k}</RECORDNO><NAME>renamed</NAME></CLASS>" for k in keys[:2])
        + "</update>"
    )
    post(f"<delete><object>CLASS</object><keys>{keys[0]},{keys[1]}</keys></delete>")
    assert billed()["api_transactions.DEMO"] == 3 + 3 + 2 + 2
    failed = post("<create><CLASS><NAME>no id</NAME></CLASS></create>")
    assert failed.findtext(".//result/status") == "failure"
    assert billed()["api_transactions.DEMO"] == 11  # unsuccessful, still counted
    post(f"<read><object>CLASS</object><keys>{keys[2]}</keys><fields>*</fields></read>")
    assert billed()["api_transactions.DEMO"] == 12
    vendor = post(
        "<query><select><field>VENDORID</field></select><object>VENDOR</object>"
        "<pagesize>1</pagesize></query>",
        "<query><select><field>ACCOUNTNO</field></select><object>GLACCOUNT</object>"
        "<pagesize>1</pagesize></query>",
    )
    vendorid, account = vendor.findtext(".//VENDORID"), vendor.findtext(".//ACCOUNTNO")
    line = f"<APBILLITEM><ACCOUNTNO>{account}</ACCOUNTNO><AMOUNT>5</AMOUNT></APBILLITEM>"
    bill = post(
        f"<create><APBILL><VENDORID>{vendorid}</VENDORID><WHENCREATED>01/15/2024</WHENCREATED>"
        "<WHENPOSTED>01/15/2024</WHENPOSTED><WHENDUE>02/15/2024</WHENDUE>"
        f"<APBILLITEMS>{line * 3}</APBILLITEMS></APBILL></create>"
    )
    assert bill.findtext(".//result/status") == "success"
    assert billed()["api_transactions.DEMO"] == 12 + 2 + 1  # two queries, one bill
    post(
        "<query><select><field>RECORDNO</field></select><object>CLASS</object></query>",
        company="DEMO-ME",
    )
    assert billed() == {
        "api_transactions": 16,
        "api_transactions.DEMO": 15,
        "api_transactions.DEMO-ME": 1,
    }
    stats = httpx.get(control(own_server, "stats")).json()
    assert stats["create"] == 3 and stats["readMore"] == 1  # per-function counts stay
