"""Unified <-> Intacct, case by case: what each stream reads, what a write sends, and
every kind of bad input named by its property."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from intacct.mappings import (
    REFERENCE_KINDS,
    STREAM_ALIASES,
    UNIFIED_STREAMS,
    CachedReferences,
    ReferenceNotFoundError,
    UnifiedRecordError,
    from_unified,
    to_unified,
    unified_schema,
    written_view,
)

HOTGLUE_STREAMS = {
    "Accounts",
    "Classes",
    "BankAccounts",
    "Vendors",
    "Projects",
    "Departments",
    "Locations",
    "Customers",
    "Items",
    "Invoices",
    "Bills",
    "JournalEntries",
    "BillPayments",
    "InvoicePayments",
}

REFS = CachedReferences(
    {
        "accounts": [
            {"RECORDNO": 7, "ACCOUNTNO": "6100", "TITLE": "Advertising"},
            {"RECORDNO": 8, "ACCOUNTNO": "6110", "TITLE": "Advertising - Online"},
            {"RECORDNO": 9, "ACCOUNTNO": "1010", "TITLE": "Operating Cash"},
        ],
        "vendors": [{"RECORDNO": 2, "VENDORID": "V10002", "NAME": "Sequoia Courier Inc."}],
        "customers": [{"RECORDNO": 4, "CUSTOMERID": "C1", "NAME": "Radiant Motors Co."}],
        "departments": [{"RECORDNO": 5, "DEPARTMENTID": "210", "TITLE": "Inside Sales"}],
        "locations": [{"RECORDNO": 6, "LOCATIONID": "170", "NAME": "Boston"}],
        "classes": [{"RECORDNO": 3, "CLASSID": "C-10", "NAME": "Retail"}],
        "projects": [{"RECORDNO": 1, "PROJECTID": "P-1001", "NAME": "Rollout"}],
        "items": [{"RECORDNO": 11, "ITEMID": "I1001", "NAME": "Bracket"}],
        "bankaccounts": [{"RECORDNO": 1, "BANKACCOUNTID": "BOA-OPER", "BANKNAME": "BoA Operating"}],
        "bills": [{"RECORDNO": 31, "RECORDID": "INV-966633"}],
        "invoices": [{"RECORDNO": 41, "RECORDID": "INV-D-000001"}],
    }
)


def test_every_hotglue_stream_is_mapped_and_suppliers_is_vendors() -> None:
    assert set(UNIFIED_STREAMS) == HOTGLUE_STREAMS
    assert STREAM_ALIASES == {"Suppliers": "Vendors"}
    write = from_unified("Suppliers", {"vendorNumber": "V9", "vendorName": "Nine"}, REFS)
    assert (write.object, write.key) == ("VENDOR", ("VENDORID", "V9"))


def test_every_reference_kind_names_its_objects_fields() -> None:
    assert set(REFERENCE_KINDS) >= {
        "accounts",
        "vendors",
        "customers",
        "departments",
        "locations",
        "classes",
        "projects",
        "items",
    }


# --- reading: Intacct records as the engine emits them -> unified ------------------------

READS: list[tuple[str, dict[str, Any], list[dict[str, Any]] | None, dict[str, Any]]] = [
    (
        "Accounts",
        {
            "RECORDNO": 1,
            "ACCOUNTNO": "1000",
            "TITLE": "Petty Cash",
            "ACCOUNTTYPE": "balancesheet",
            "NORMALBALANCE": "debit",
            "STATUS": "inactive",
            "WHENMODIFIED": "2024-11-04T17:00:00Z",
        },
        None,
        {
            "id": "1",
            "accountNumber": "1000",
            "name": "Petty Cash",
            "type": "balancesheet",
            "normalBalance": "debit",
            "active": False,
            "updatedAt": "2024-11-04T17:00:00Z",
        },
    ),
    (
        "Vendors",
        {
            "RECORDNO": 3,
            "VENDORID": "V1",
            "NAME": "Westfield",
            "STATUS": "active",
            "TOTALDUE": Decimal("12.50"),
            "DISPLAYCONTACT.EMAIL1": "ap@westfield.test",
            "DISPLAYCONTACT.PHONE1": "555-0100",
            "DISPLAYCONTACT.FAX": "555-0101",
            "DISPLAYCONTACT.MAILADDRESS.CITY": "Boston",
        },
        None,
        {
            "vendorNumber": "V1",
            "vendorName": "Westfield",
            "isActive": True,
            "balance": Decimal("12.50"),
            "email": "ap@westfield.test",
            "phoneNumbers": [
                {"type": "primary", "phoneNumber": "555-0100"},
                {"type": "fax", "phoneNumber": "555-0101"},
            ],
            "addresses": [
                {
                    "addressType": "billing",
                    "line1": None,
                    "line2": None,
                    "line3": None,
                    "city": "Boston",
                    "state": None,
                    "postalCode": None,
                    "country": None,
                }
            ],
        },
    ),
    (
        "BankAccounts",
        {"RECORDNO": 1, "BANKACCOUNTID": "BOA-RESERVE", "BANKACCOUNTTYPE": "savings"},
        None,
        {"id": "BOA-RESERVE", "type": "savings"},
    ),
    (
        "Bills",
        {
            "RECORDNO": 31,
            "RECORDID": "INV-966633",
            "VENDORID": "V10002",
            "VENDORKEY": 2,
            "VENDORNAME": "Sequoia Courier Inc.",
            "WHENPOSTED": "2024-12-09",
            "TRX_TOTALENTERED": Decimal("30.00"),
            "STATE": "Posted",
        },
        [  # lines read on their own come in any order: LINE_NO puts them back
            {"RECORDNO": 9, "LINE_NO": 2, "ACCOUNTNO": "6110", "TRX_AMOUNT": Decimal("20.00")},
            {
                "RECORDNO": 8,
                "LINE_NO": 1,
                "ACCOUNTNO": "6100",
                "ACCOUNTKEY": 7,
                "ACCOUNTTITLE": "Advertising",
                "TRX_AMOUNT": Decimal("10.00"),
                "DEPARTMENTID": "210",
                "DEPARTMENTNAME": "Inside Sales",
            },
        ],
        {
            "id": "31",
            "billNumber": "INV-966633",
            "vendorId": "2",
            "vendorNumber": "V10002",
            "vendorName": "Sequoia Courier Inc.",
            "issueDate": "2024-12-09",
            "totalAmount": Decimal("30.00"),
            "status": "Posted",
        },
    ),
    (
        "JournalEntries",
        {
            "RECORDNO": 5,
            "BATCHNO": 5,
            "JOURNAL": "GJ",
            "BATCH_DATE": "2025-01-31",
            "BATCH_TITLE": "Accrual",
            "ENTRIES": {
                "GLENTRY": [
                    {"ACCOUNTNO": "6100", "TR_TYPE": 1, "TRX_AMOUNT": Decimal("5")},
                    {"ACCOUNTNO": "1010", "TR_TYPE": -1, "TRX_AMOUNT": Decimal("5")},
                ]
            },
        },
        None,  # lines nested in the record, as fn.Create takes them
        {
            "type": "GJ",
            "transactionDate": "2025-01-31",
            "description": "Accrual",
            "journalEntryNumber": "5",
        },
    ),
]


@pytest.mark.parametrize(("stream", "record", "lines", "expected"), READS)
def test_to_unified(
    stream: str,
    record: dict[str, Any],
    lines: list[dict[str, Any]] | None,
    expected: dict[str, Any],
) -> None:
    unified = to_unified(stream, record, lines)
    assert {k: unified[k] for k in expected} == expected
    assert set(unified) == set(unified_schema(stream)["properties"]) - _write_only(stream)


def _write_only(stream: str) -> set[str]:
    mapping = UNIFIED_STREAMS[stream]
    aliases = set(mapping.lines.aliases) if mapping.lines else set()
    return aliases | {n for n in mapping.single_line if n != "amount"}


def test_document_lines_in_line_order_with_their_references() -> None:
    _, record, lines, _ = READS[3]
    unified = to_unified("Bills", record, lines)
    first, second = unified["lineItems"]
    assert (first["id"], first["accountNumber"], first["accountName"]) == (
        "8",
        "6100",
        "Advertising",
    )
    assert (first["departmentNumber"], first["departmentName"]) == ("210", "Inside Sales")
    assert (second["id"], second["amount"]) == ("9", Decimal("20.00"))


def test_journal_lines_posting_types() -> None:
    unified = to_unified("JournalEntries", READS[4][1])
    assert [(line["postingType"], line["amount"]) for line in unified["journalLines"]] == [
        ("Debit", Decimal("5")),
        ("Credit", Decimal("5")),
    ]


# --- writing: unified -> what fn.Create takes ---------------------------------------------

WRITES: list[tuple[str, dict[str, Any], str, dict[str, Any]]] = [
    (
        "Accounts",
        {
            "accountNumber": "6200",
            "name": "Travel",
            "type": "IncomeStatement",  # enums match without regard to case
            "normalBalance": "debit",
            "active": True,
        },
        "GLACCOUNT",
        {
            "ACCOUNTNO": "6200",
            "TITLE": "Travel",
            "ACCOUNTTYPE": "incomestatement",
            "NORMALBALANCE": "debit",
            "STATUS": "active",
        },
    ),
    (
        "Vendors",
        {
            "vendorNumber": "V7",
            "vendorName": "Seven",
            "email": "a@b.test",
            "phoneNumbers": [{"type": "mobile", "phoneNumber": "555"}],
            "addresses": [{"addressType": "billing", "line1": "1 Main", "postalCode": "02110"}],
            "isActive": False,
        },
        "VENDOR",
        {
            "VENDORID": "V7",
            "NAME": "Seven",
            "DISPLAYCONTACT": {
                "EMAIL1": "a@b.test",
                "CELLPHONE": "555",
                "MAILADDRESS": {"ADDRESS1": "1 Main", "ZIP": "02110"},
            },
            "STATUS": "inactive",
        },
    ),
    (
        "BankAccounts",
        {
            "id": "BOA-2",
            "accountNumber": "123",
            "name": "Reserve",
            "type": "savings",
            "glAccountName": "operating cash",  # unique name, any case
        },
        "SAVINGSACCOUNT",
        {
            "BANKACCOUNTID": "BOA-2",
            "BANKACCOUNTNO": "123",
            "BANKNAME": "Reserve",
            "BANKACCOUNTTYPE": "savings",
            "GLACCOUNTNO": "1010",
        },
    ),
    (
        "Bills",
        {
            "billNumber": "B-1",
            "vendorName": "Sequoia Courier Inc.",
            "issueDate": "2025-06-11T00:00:00Z",  # hotglue sends dates as date-times
            "lineItems": [
                {"accountName": "Advertising", "amount": 0.1, "className": "Retail"},
            ],
            "expenses": [{"accountId": "8", "amount": "2.50", "departmentNumber": "210"}],
        },
        "APBILL",
        {
            "RECORDID": "B-1",
            "VENDORID": "V10002",
            "WHENPOSTED": date(2025, 6, 11),
            "APBILLITEMS": {
                "APBILLITEM": [
                    {"ACCOUNTNO": "6100", "TRX_AMOUNT": Decimal("0.1"), "CLASSID": "C-10"},
                    {"ACCOUNTNO": "6110", "TRX_AMOUNT": Decimal("2.50"), "DEPARTMENTID": "210"},
                ]
            },
        },
    ),
    (
        "JournalEntries",
        {
            "type": "GJ",
            "transactionDate": "2025-01-31",
            "description": "Accrual",
            "lines": [  # hotglue's other name for journalLines
                {"accountNumber": "6100", "postingType": "debit", "amount": 5, "vendorId": "2"},
                {"accountNumber": "1010", "postingType": "Credit", "amount": 5},
            ],
        },
        "GLBATCH",
        {
            "JOURNAL": "GJ",
            "BATCH_DATE": date(2025, 1, 31),
            "BATCH_TITLE": "Accrual",
            "ENTRIES": {
                "GLENTRY": [
                    {
                        "ACCOUNTNO": "6100",
                        "TR_TYPE": 1,
                        "TRX_AMOUNT": Decimal("5"),
                        "VENDORID": "V10002",
                    },
                    {"ACCOUNTNO": "1010", "TR_TYPE": -1, "TRX_AMOUNT": Decimal("5")},
                ]
            },
        },
    ),
    (
        "BillPayments",
        {  # hotglue's one-bill form: billNumber + amount on the payment
            "billNumber": "INV-966633",
            "amount": 5,
            "paymentDate": "2025-06-11",
            "paymentMethod": "eft",
            "accountName": "BoA Operating",
            "vendorNumber": "V10002",
        },
        "APPYMT",
        {
            "PAYMENTDATE": date(2025, 6, 11),
            "PAYMENTMETHOD": "EFT",
            "FINANCIALENTITY": "BOA-OPER",
            "VENDORID": "V10002",
            "APPYMTDETAILS": {
                "APPYMTDETAIL": [{"RECORDKEY": 31, "TRX_PAYMENTAMOUNT": Decimal("5")}]
            },
        },
    ),
    (
        "InvoicePayments",
        {
            "paymentDate": "2025-06-11",
            "paymentMethod": "Cash",
            "customerName": "Radiant Motors Co.",
            "lineItems": [
                {"invoiceNumber": "INV-D-000001", "amount": "8.10"},
                {"invoiceId": "41", "amount": "1.00"},
            ],
        },
        "ARPYMT",
        {
            "RECEIPTDATE": date(2025, 6, 11),
            "PAYMENTMETHOD": "Cash",
            "CUSTOMERID": "C1",
            "ARPYMTDETAILS": {
                "ARPYMTDETAIL": [
                    {"RECORDKEY": 41, "TRX_PAYMENTAMOUNT": Decimal("8.10")},
                    {"RECORDKEY": 41, "TRX_PAYMENTAMOUNT": Decimal("1.00")},
                ]
            },
        },
    ),
]


@pytest.mark.parametrize(("stream", "unified", "obj", "fields"), WRITES)
def test_from_unified(
    stream: str, unified: dict[str, Any], obj: str, fields: dict[str, Any]
) -> None:
    write = from_unified(stream, unified, REFS)
    assert (write.object, write.fields, write.ignored) == (obj, fields, ())


def test_an_id_makes_an_update_that_may_leave_out_required_properties() -> None:
    write = from_unified("Vendors", {"id": "12", "email": "x@y.test"}, REFS)
    assert (write.recordno, write.key) == (12, None)
    assert write.fields == {"DISPLAYCONTACT": {"EMAIL1": "x@y.test"}}


def test_what_a_write_cannot_carry_is_listed_not_dropped_silently() -> None:
    unified = {
        "vendorNumber": "V7",
        "vendorName": "Seven",
        "balance": 12,  # read only
        "taxCode": "CA",  # no Intacct field here
        "_sdc_extracted_at": "2025-01-01T00:00:00Z",  # Singer metadata
        "hg_deleted": None,  # no value: nothing lost
    }
    assert from_unified("Vendors", unified, REFS).ignored == ("balance", "taxCode")
    bill = {
        "vendorNumber": "V10002",
        "issueDate": "2025-01-01",
        "lineItems": [{"accountNumber": "6100", "amount": 1, "quantity": 2}],
    }
    assert from_unified("Bills", bill, REFS).ignored == ("lineItems[0].quantity",)


# --- bad input: named by property, found before anything is sent ---------------------------

BILL = {"vendorNumber": "V10002", "issueDate": "2025-01-01"}
LINE = {"accountNumber": "6100", "amount": 1}

ERRORS: list[tuple[str, dict[str, Any], type[Exception], str]] = [
    ("Vendors", {"vendorNumber": "V7"}, UnifiedRecordError, "Vendors.vendorName: is required"),
    (
        "Vendors",
        {"vendorNumber": 7.5, "vendorName": "x"},
        UnifiedRecordError,
        "Vendors.vendorNumber: expected a string",
    ),
    (
        "Bills",
        {**BILL, "lineItems": []},
        UnifiedRecordError,
        "Bills.lineItems: needs at least one line",
    ),
    (
        "Bills",
        {**BILL, "lineItems": [{**LINE, "amount": "ten"}]},
        UnifiedRecordError,
        "Bills.lineItems[0].amount: 'ten' is not a number",
    ),
    (
        "Bills",
        {**BILL, "lineItems": [{**LINE, "amount": True}]},
        UnifiedRecordError,
        "Bills.lineItems[0].amount: expected a number",
    ),
    (
        "Bills",
        {**BILL, "lineItems": [{"amount": 1}]},
        UnifiedRecordError,
        "Bills.lineItems[0]: needs one of accountId, accountNumber, accountName",
    ),
    (
        "Bills",
        {**BILL, "lineItems": [{"accountName": "Advertsing", "amount": 1}]},
        ReferenceNotFoundError,
        "Bills.lineItems[0].accountName: no account 'Advertsing' in Intacct; "
        "did you mean 'Advertising', 'Advertising - Online'?",
    ),
    (
        "Bills",
        {**BILL, "lineItems": [LINE], "issueDate": "11/06/2025"},
        UnifiedRecordError,
        "Bills.issueDate: '11/06/2025' is not an ISO-8601 date",
    ),
    (
        "Bills",
        {**BILL, "lineItems": "6100"},
        UnifiedRecordError,
        "Bills.lineItems: expected a list of line objects",
    ),
    (
        "Bills",
        {"issueDate": "2025-01-01", "vendorName": "Nobody At All", "lineItems": [LINE]},
        ReferenceNotFoundError,
        "Bills.vendorName: no vendor 'Nobody At All' in Intacct",
    ),
    (
        "JournalEntries",
        {
            "type": "GJ",
            "transactionDate": "2025-01-01",
            "description": "x",
            "journalLines": [{**LINE, "postingType": "DR"}],
        },
        UnifiedRecordError,
        "JournalEntries.journalLines[0].postingType: 'DR': expected 'Debit' or 'Credit'",
    ),
    (
        "Accounts",
        {"accountNumber": "1", "name": "x", "type": "asset", "normalBalance": "debit"},
        UnifiedRecordError,
        "Accounts.type: 'asset' is not one of balancesheet, incomestatement",
    ),
    (
        "Accounts",
        {"id": "x1", "name": "x"},
        UnifiedRecordError,
        "Accounts.id: 'x1' is not an Intacct record number",
    ),
    (
        "Vendors",
        {
            "vendorNumber": "V",
            "vendorName": "N",
            "phoneNumbers": [{"type": "pager", "phoneNumber": "1"}],
        },
        UnifiedRecordError,
        "Vendors.phoneNumbers[0].type: 'pager' is not a known phone type",
    ),
    (
        "Vendors",
        {
            "vendorNumber": "V",
            "vendorName": "N",
            "addresses": [{"line1": "a"}, {"addressType": "shipping", "line1": "b"}],
        },
        UnifiedRecordError,
        "Vendors.addresses[1]: Intacct keeps one 'billing' address here",
    ),
    (
        "Customers",
        {"customerNumber": "C", "customerName": "N", "isActive": "yes"},
        UnifiedRecordError,
        "Customers.isActive: expected true or false",
    ),
    (
        "BillPayments",
        {
            "billNumber": "INV-9",
            "amount": 1,
            "paymentDate": "2025-01-01",
            "paymentMethod": "EFT",
            "accountId": "BOA-OPER",
            "vendorNumber": "V10002",
        },
        ReferenceNotFoundError,
        "BillPayments.billNumber: no bill 'INV-9' in Intacct",
    ),
    ("Vendor", {}, UnifiedRecordError, "stream: 'Vendor' is not a unified stream"),
]


@pytest.mark.parametrize(("stream", "unified", "error", "message"), ERRORS)
def test_bad_input_names_the_property(
    stream: str, unified: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as raised:
        from_unified(stream, unified, REFS)
    assert str(raised.value).startswith(message)


def test_reference_error_carries_the_near_matches() -> None:
    bill = {**BILL, "lineItems": [{"accountNumber": "6101", "amount": 1}]}
    with pytest.raises(ReferenceNotFoundError) as raised:
        from_unified("Bills", bill, REFS)
    assert (raised.value.field, raised.value.kind, raised.value.value) == (
        "Bills.lineItems[0].accountNumber",
        "accounts",
        "6101",
    )
    assert set(raised.value.near[:2]) == {"6100", "6110"}  # one digit off, both


def test_written_view_keeps_what_a_write_carries() -> None:
    _, record, lines, _ = READS[3]
    view = written_view("Bills", to_unified("Bills", record, lines))
    assert "status" not in view and "vendorName" not in view
    assert view["vendorNumber"] == "V10002"
    assert view["lineItems"][0] == {
        "accountNumber": "6100",
        "amount": Decimal("10.00"),
        "description": None,
        "departmentNumber": "210",
        "locationNumber": None,
        "projectNumber": None,
        "classNumber": None,
        "itemNumber": None,
    }


@pytest.mark.parametrize("stream", sorted(UNIFIED_STREAMS))
def test_schema_marks_read_only_properties(stream: str) -> None:
    schema = unified_schema(stream)
    assert schema["properties"]["id"]["type"] == ["string", "null"]
    read_only = {k for k, v in schema["properties"].items() if v.get("readOnly")}
    assert read_only >= ({"createdAt", "updatedAt"})
    assert not read_only & set(written_view(stream, {}))
