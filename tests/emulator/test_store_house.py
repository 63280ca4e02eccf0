"""What the store promises on writes: object-specific duplicate errors, a term named
that the company has, and an AUDITHISTORY row per write, through the gateway of an
in-process emulator."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from lxml import etree

from intacct.emulator.inprocess import InProcessEmulator
from tests.emulator.conftest import envelope


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with (
        InProcessEmulator(scale=300) as emulator,
        httpx.Client(transport=emulator.transport()) as client,
    ):
        yield client


def call(http: httpx.Client, body: str) -> etree._Element:
    answer = http.post(InProcessEmulator.url, content=envelope(body))
    result = etree.fromstring(answer.content).find("operation/result")
    assert result is not None, answer.text
    return result


def first(http: httpx.Client, obj: str, field: str) -> str:
    body = (
        f"<query><object>{obj}</object><select><field>{field}</field></select>"
        f"<orderby><order><field>RECORDNO</field></order></orderby><pagesize>1</pagesize></query>"
    )
    value = call(http, body).findtext(f"data/{obj}/{field}")
    assert value
    return value


def errors(result: etree._Element) -> list[tuple[str, str, str, str]]:
    """(errorno, description, description2 without its Support ID, correction) each."""
    return [
        (
            e.findtext("errorno") or "",
            e.findtext("description") or "",
            (e.findtext("description2") or "").split(" [Support ID:")[0],
            e.findtext("correction") or "",
        )
        for e in result.iterfind("errormessage/error")
    ]


def vendor(vendorid: str) -> str:
    return (
        f"<VENDOR><VENDORID>{vendorid}</VENDORID><NAME>{vendorid} Ltd</NAME>"
        f"<DISPLAYCONTACT><CONTACTNAME>{vendorid}</CONTACTNAME></DISPLAYCONTACT></VENDOR>"
    )


# -- duplicates ---------------------------------------------------------------------------


def test_a_duplicate_account_number_answers_in_gl_words(http: httpx.Client) -> None:
    accountno = first(http, "GLACCOUNT", "ACCOUNTNO")
    body = (
        f"<create><GLACCOUNT><ACCOUNTNO>{accountno}</ACCOUNTNO><TITLE>Again</TITLE>"
        "<ACCOUNTTYPE>balancesheet</ACCOUNTTYPE><NORMALBALANCE>debit</NORMALBALANCE>"
        "</GLACCOUNT></create>"
    )
    result = call(http, body)
    assert result.findtext("status") == "failure"
    assert errors(result)[0] == (
        "BL01001973",
        "Duplicate account number",
        f"The account number '{accountno}' already exists",
        "Enter unique account number",
    )


def test_a_duplicate_vendor_id_names_the_vendor(http: httpx.Client) -> None:
    vendorid = first(http, "VENDOR", "VENDORID")
    result = call(http, f"<create>{vendor(vendorid)}</create>")
    assert result.findtext("status") == "failure"
    assert errors(result)[:2] == [
        (
            "BL34000061",
            "",
            f"Another Vendor with the given value(s) {vendorid}  already exists",
            "Use a unique value instead.",
        ),
        ("BL01001973", "", "Could not create vendor record!", ""),
    ]


def test_an_update_onto_a_taken_id_is_a_duplicate_too(http: httpx.Client) -> None:
    taken = first(http, "CUSTOMER", "CUSTOMERID")
    created = call(
        http,
        "<create><CUSTOMER><CUSTOMERID>C-HOUSE-1</CUSTOMERID><NAME>House</NAME>"
        "<DISPLAYCONTACT><CONTACTNAME>House</CONTACTNAME></DISPLAYCONTACT></CUSTOMER></create>",
    )
    recordno = created.findtext("data/customer/RECORDNO")
    body = (
        f"<update><CUSTOMER><RECORDNO>{recordno}</RECORDNO>"
        f"<CUSTOMERID>{taken}</CUSTOMERID></CUSTOMER></update>"
    )
    found = errors(call(http, body))
    assert found[0][0] == "BL34000061"
    assert found[0][2] == f"Another Customer with the given value(s) {taken}  already exists"
    assert found[1][2] == "Could not update customer record!"


# -- references ---------------------------------------------------------------------------


def test_a_term_the_company_lacks_is_refused_naming_the_field(http: httpx.Client) -> None:
    """VENDOR and APBILL name an AP term, CUSTOMER and ARINVOICE an AR term, by TERMNAME;
    one the company lacks fails the write (Intacct: "The term name 'XXXX' is invalid")."""
    vendorid, customerid = first(http, "VENDOR", "VENDORID"), first(http, "CUSTOMER", "CUSTOMERID")
    line = "<ACCOUNTNO>6000</ACCOUNTNO><TRX_AMOUNT>10</TRX_AMOUNT>"
    dated = (
        "<WHENCREATED>01/05/2026</WHENCREATED><WHENPOSTED>01/05/2026</WHENPOSTED>"
        "<WHENDUE>02/05/2026</WHENDUE>"
    )
    creates = {
        "VENDOR": vendor("V-TERM-1").replace("</VENDOR>", "<TERMNAME>{}</TERMNAME></VENDOR>"),
        "CUSTOMER": "<CUSTOMER><CUSTOMERID>C-TERM-1</CUSTOMERID><NAME>Terms</NAME>"
        "<TERMNAME>{}</TERMNAME></CUSTOMER>",
        "APBILL": f"<APBILL><VENDORID>{vendorid}</VENDORID>{dated}<TERMNAME>{{}}</TERMNAME>"
        f"<APBILLITEMS><APBILLITEM>{line}</APBILLITEM></APBILLITEMS></APBILL>",
        "ARINVOICE": f"<ARINVOICE><CUSTOMERID>{customerid}</CUSTOMERID>{dated}"
        f"<TERMNAME>{{}}</TERMNAME><ARINVOICEITEMS><ARINVOICEITEM>{line.replace('6000', '4000')}"
        "</ARINVOICEITEM></ARINVOICEITEMS></ARINVOICE>",
    }
    for obj, record in creates.items():
        term = "APTERM" if obj in ("VENDOR", "APBILL") else "ARTERM"
        refused = call(http, f"<create>{record.format('Net 1000')}</create>")
        assert refused.findtext("status") == "failure", obj
        assert errors(refused) == [
            (
                "BL01001973",
                "",
                "The term name 'Net 1000' is invalid",
                f"Provide a TERMNAME that names an existing {term} record.",
            ),
            ("BL01001973", "", f"Could not create {obj.lower()} record!", ""),
        ], obj
        good = first(http, term, "NAME")
        created = call(http, f"<create>{record.format(good)}</create>")
        assert created.findtext("status") == "success", (obj, errors(created))
        recordno = created.findtext(f"data/{obj.lower()}/RECORDNO")
        stored = call(
            http,
            f"<read><object>{obj}</object><keys>{recordno}</keys><fields>TERMNAME</fields></read>",
        )
        assert stored.findtext(f"data/{obj}/TERMNAME") == good, obj


def test_an_update_onto_a_term_the_company_lacks_is_refused(http: httpx.Client) -> None:
    recordno = first(http, "CUSTOMER", "RECORDNO")
    body = (
        f"<update><CUSTOMER><RECORDNO>{recordno}</RECORDNO>"
        "<TERMNAME>Net 1000</TERMNAME></CUSTOMER></update>"
    )
    found = errors(call(http, body))
    assert found[0][2] == "The term name 'Net 1000' is invalid"
    assert found[1][2] == "Could not update customer record!"


# -- audit history ------------------------------------------------------------------------


def audit_rows(http: httpx.Client, key: str, obj: str = "vendor") -> list[tuple[str, str, str]]:
    body = (
        "<readByQuery><object>AUDITHISTORY</object>"
        "<fields>OBJECTTYPE,OBJECTKEY,ACCESSMODE,SOURCE</fields>"
        f"<query>OBJECTKEY = '{key}' AND OBJECTTYPE = '{obj}'</query>"
        "<pagesize>100</pagesize></readByQuery>"
    )
    # (a new vendor's display contact is a CONTACT record with an audit row of its own)
    data = call(http, body).find("data")
    assert data is not None
    return [
        (r.findtext("OBJECTTYPE") or "", r.findtext("ACCESSMODE") or "", r.findtext("SOURCE") or "")
        for r in data
    ]


def test_writes_leave_audit_rows_keyed_by_the_vendor_id(http: httpx.Client) -> None:
    created = call(http, f"<create>{vendor('V-AUDIT-1')}</create>")
    assert created.findtext("status") == "success"
    assert audit_rows(http, "V-AUDIT-1") == [("vendor", "Create", "api")]
    recordno = created.findtext("data/vendor/RECORDNO")
    update = f"<update><VENDOR><RECORDNO>{recordno}</RECORDNO><NAME>New</NAME></VENDOR></update>"
    assert call(http, update).findtext("status") == "success"
    delete = f"<delete><object>VENDOR</object><keys>{recordno}</keys></delete>"
    assert call(http, delete).findtext("status") == "success"
    modes = sorted(mode for _, mode, _ in audit_rows(http, "V-AUDIT-1"))
    assert modes == ["Create", "Delete", "Modify"]
    # a bare RECORDNO is not the key of a record that has a business id
    assert [row for row in audit_rows(http, str(recordno)) if row[0] == "vendor"] == []
