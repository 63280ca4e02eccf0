"""The General Ledger, Cash Management and Company catalog files: the objects connectors ask
for exist with their documented fields, every object says where its fields came from, and the
gateway answers ``lookup`` and a ``query`` of every queryable field of each of them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from lxml import etree

from intacct.emulator.catalog import Catalog, catalog_files, load_catalog

from .conftest import envelope

OUR_FILES = ("gl.json", "cm.json", "co.json", "pt.json", "gc.json", "tx.json")
#: left alone on purpose (another change owns it)
NOT_OURS = {"AUDITHISTORY"}


def our_objects() -> list[str]:
    names: list[str] = []
    for file in catalog_files():
        if file.name in OUR_FILES:
            names += [o["name"] for o in json.loads(file.read_text(encoding="utf-8"))["objects"]]
    return names


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def kinds(catalog: Catalog, name: str) -> dict[str, str]:
    return {f.name: f.lookup_type for f in catalog[name].fields}


def test_our_files_hold_at_least_eighty_objects() -> None:
    assert len(our_objects()) >= 80


def test_every_object_of_ours_names_its_sources(catalog: Catalog) -> None:
    missing = [n for n in our_objects() if n not in NOT_OURS and not catalog[n].sources]
    assert missing == []
    assert all(s.strip() for n in our_objects() for s in catalog[n].sources)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "PROVIDERBANKACCOUNT",
            {
                "RECORDNO": "INTEGER",
                "BANKACCOUNTID": "TEXT",
                "PROVIDERID": "TEXT",
                "STATUS": "ENUM",
                "CHECKSTARTNO": "INTEGER",
                "ISREBATEACCOUNT": "BOOLEAN",
            },
        ),
        (
            "CCTRANSACTION",
            {"FINANCIALENTITY": "TEXT", "DESCRIPTION": "TEXT", "TOTALENTERED": "CURRENCY"},
        ),
        ("CCTRANSACTIONENTRY", {"RECORDKEY": "INTEGER", "ACCOUNTNO": "TEXT", "AMOUNT": "CURRENCY"}),
        ("FUNDSTRANSFERENTRY", {"ACCOUNTNO": "TEXT", "AMOUNT": "CURRENCY"}),
        ("FUNDSTRANSFER", {"TOTALENTERED": "CURRENCY"}),
        ("OTHERRECEIPTS", {"DESCRIPTION": "TEXT", "TOTALENTERED": "CURRENCY"}),
        ("OTHERRECEIPTSENTRY", {"AMOUNT": "CURRENCY"}),
        ("CHARGEPAYOFF", {"TRX_TOTALENTERED": "CURRENCY"}),
        ("CHARGEPAYOFFENTRY", {"ACCOUNTNO": "TEXT", "AMOUNT": "CURRENCY"}),
        ("DEPOSITENTRY", {"ACCOUNTNO": "TEXT", "AMOUNT": "CURRENCY"}),
        ("BANKFEE", {"DESCRIPTION": "TEXT"}),
        ("CREDITCARDFEE", {"DESCRIPTION": "TEXT"}),
        ("BANKACCTTXNFEED", {"FINANCIALENTITY": "TEXT", "FEEDDATE": "DATE"}),
        ("ACHBANK", {"ACHBANKID": "TEXT"}),
        (
            "GLACCOUNTBALANCE",
            {
                "PERIOD": "TEXT",
                "OPENBAL": "CURRENCY",
                "ENDBAL": "CURRENCY",
                "ACCOUNTREC": "INTEGER",
            },
        ),
        ("GLACCTGRP", {"NAME": "TEXT", "MEMBERTYPE": "ENUM", "ISKPI": "BOOLEAN"}),
        ("GLACCTALLOCATION", {"ACCTALLOCATIONID": "TEXT", "STATUS": "ENUM"}),
        ("ALLOCATIONENTRY", {"ALLOCATIONKEY": "INTEGER", "VALUE": "DECIMAL"}),
        ("EXCHANGERATE", {"TYPENAME": "TEXT"}),
        ("EXCHANGERATEENTRY", {"EXCHANGE_RATE": "DECIMAL", "EFFECTIVE_START_DATE": "DATE"}),
        ("EXCHANGERATETYPES", {"ID": "TEXT", "NAME": "TEXT", "ISDEFAULT": "BOOLEAN"}),
        ("LOCATIONGROUP", {"ID": "TEXT", "NAME": "TEXT"}),
        ("DEPARTMENTGROUP", {"ID": "TEXT"}),
        ("USERGROUP", {"NAME": "TEXT", "DESCR": "TEXT"}),
        ("MEMBERUSERGROUP", {"USERKEY": "INTEGER", "USERINFO.LOGINID": "TEXT"}),
        ("USERROLES", {"USERID": "TEXT", "ROLENAME": "TEXT"}),
        ("USERRESTRICTION", {"LOGINID": "TEXT", "LOCATIONID": "TEXT", "UNRESTRICTED": "BOOLEAN"}),
        ("ROLEPOLICYASSIGNMENT", {"POLICYNAME": "TEXT", "ROLES.NAME": "TEXT"}),
        ("ENTITYACCTOVERRIDE", {"SOURCEENTITYID": "TEXT", "IEPAYABLEACCTNO": "TEXT"}),
        ("TAXDETAIL", {"DESCRIPTION": "TEXT", "TAXTYPE": "ENUM"}),
        ("TAXSOLUTION", {"SOLUTIONID": "TEXT", "TAXMETHOD": "ENUM"}),
        ("TAXRECORD", {"DESCRIPTION": "TEXT", "TAXTYPE": "ENUM", "STATE": "ENUM"}),
        ("GCBOOK", {"BOOKID": "TEXT", "CURRENCY": "TEXT", "AUTOELIMINATION": "BOOLEAN"}),
        ("GCOWNERSHIPSTRUCTURE", {"STRUCTURENAME": "TEXT", "SOURCEBOOKID": "ENUM"}),
        ("GCOWNERSHIPCHILDENTITY", {"ENTITYID": "TEXT", "OWNERSHIPPERCENTAGE": "PERCENT"}),
    ],
)
def test_documented_objects_and_key_fields(
    catalog: Catalog, name: str, expected: dict[str, str]
) -> None:
    got = kinds(catalog, name)
    assert {f: got.get(f) for f in expected} == expected
    assert catalog[name].sources


def test_stored_codes_follow_the_pages(catalog: Catalog) -> None:
    taxtype = catalog["TAXDETAIL"].field("TAXTYPE")
    state = catalog["TAXRECORD"].field("STATE")
    asof = catalog["GLACCTGRP"].field("ASOF")
    assert taxtype is not None and taxtype.codes == ("S", "P")
    assert state is not None and state.codes == ("S", "P", "F")
    assert asof is not None and asof.codes == ("P", "B", "E")


def test_provider_bank_account_refers_to_a_bank_account_and_is_required(catalog: Catalog) -> None:
    obj = catalog["PROVIDERBANKACCOUNT"]
    bank = obj.field("BANKACCOUNTID")
    provider = obj.field("PROVIDERID")
    assert bank is not None and bank.required and bank.ref == "CHECKINGACCOUNT"
    assert provider is not None and provider.required


def test_employee_has_its_documented_fields(catalog: Catalog) -> None:
    got = kinds(catalog, "EMPLOYEE")
    expected = {
        "EMPLOYEEID": "TEXT",
        "PERSONALINFO.CONTACTNAME": "TEXT",
        "PERSONALINFO.FIRSTNAME": "TEXT",
        "PERSONALINFO.MAILADDRESS.CITY": "TEXT",
        "CONTACT.FIRSTNAME": "TEXT",
        "CONTACT.LASTNAME": "TEXT",
        "LOCATION.LOCATIONID": "TEXT",
        "STARTDATE": "DATE",
        "ENDDATE": "DATE",
        "BIRTHDATE": "DATE",
        "SSN": "TEXT",
        "EMPLOYEETYPE": "TEXT",
        "GENDER": "ENUM",
        "TERMINATIONTYPE": "ENUM",
        "POSTACTUALCOST": "BOOLEAN",
        "NAME1099": "TEXT",
        "FORM1099TYPE": "TEXT",
        "PAYMENTNOTIFY": "BOOLEAN",
        "ACHENABLED": "BOOLEAN",
        "EARNINGTYPENAME": "TEXT",
        "SUPDOCFOLDERNAME": "TEXT",
    }
    assert {f: got.get(f) for f in expected} == expected
    assert len(got) >= 85
    termination = catalog["EMPLOYEE"].field("TERMINATIONTYPE")
    assert termination is not None and "involuntary" in termination.values


def test_contact_has_its_documented_fields(catalog: Catalog) -> None:
    got = kinds(catalog, "CONTACT")
    for name in (
        "CONTACTNAME",
        "PRINTAS",
        "COMPANYNAME",
        "TAXABLE",
        "TAXGROUP",
        "PREFIX",
        "FIRSTNAME",
        "LASTNAME",
        "INITIAL",
        "PHONE1",
        "PHONE2",
        "CELLPHONE",
        "PAGER",
        "FAX",
        "EMAIL1",
        "EMAIL2",
        "URL1",
        "URL2",
        "STATUS",
        "MAILADDRESS.ADDRESS1",
        "MAILADDRESS.ADDRESS2",
        "MAILADDRESS.ADDRESS3",
        "MAILADDRESS.CITY",
        "MAILADDRESS.STATE",
        "MAILADDRESS.ZIP",
        "MAILADDRESS.COUNTRY",
        "MAILADDRESS.COUNTRYCODE",
        "TAXSOLUTIONID",
    ):
        assert name in got, name
    assert got["TAXABLE"] == "BOOLEAN"


def result_of(root: etree._Element | None, controlid: str) -> etree._Element:
    assert root is not None
    found = root.find(f".//result[controlid='{controlid}']")
    assert found is not None, etree.tostring(root)[:500]
    return found


@pytest.mark.parametrize("name", our_objects())
def test_lookup_answers_and_a_query_of_every_field_succeeds(
    post: Callable[..., tuple[Any, etree._Element | None]], catalog: Catalog, name: str
) -> None:
    fields = [f.name for f in catalog[name].fields if f.queryable]
    select = "".join(f"<field>{f}</field>" for f in fields)
    body = envelope(
        f"<lookup><object>{name}</object></lookup>",
        f"<query><object>{name}</object><select>{select}</select><pagesize>5</pagesize></query>",
    )
    answer, root = post(body)
    assert answer.status_code == 200
    lookup, query = result_of(root, "f1"), result_of(root, "f2")
    assert lookup.findtext("status") == "success", etree.tostring(lookup)[:800]
    listed = {f.findtext("ID") for f in lookup.iter("Field")}
    assert set(fields) <= listed, sorted(set(fields) - listed)
    assert query.findtext("status") == "success", etree.tostring(query)[:800]
    data = query.find("data")
    assert data is not None
    for record in data:
        assert record.tag == name
        assert {child.tag for child in record} == set(fields)
