"""Documents assembled from header and line records read apart, per entity."""

from __future__ import annotations

from decimal import Decimal

import pytest

from intacct.mappings import (
    UNIFIED_STREAMS,
    DocumentAssembler,
    objects_for,
    stream_for_object,
)


@pytest.mark.parametrize(
    ("stream", "objects"),
    [
        ("Bills", ("APBILL", "APBILLITEM")),
        ("Invoices", ("ARINVOICE", "ARINVOICEITEM")),
        ("JournalEntries", ("GLBATCH", "GLENTRY")),
        ("BillPayments", ("APPYMT", "APPYMTDETAIL")),
        ("InvoicePayments", ("ARPYMT", "ARPYMTDETAIL")),
        ("BankAccounts", ("CHECKINGACCOUNT", "SAVINGSACCOUNT")),
        ("Suppliers", ("VENDOR",)),
    ],
)
def test_objects_read_for_a_stream(stream: str, objects: tuple[str, ...]) -> None:
    assert objects_for(stream) == objects
    assert {stream_for_object(o) for o in objects} == {
        UNIFIED_STREAMS["Vendors" if stream == "Suppliers" else stream].name
    }


def test_an_object_behind_no_stream() -> None:
    assert stream_for_object("TRIALBALANCE") is None


def test_lines_go_under_their_header_of_the_same_entity_in_line_order() -> None:
    bills = DocumentAssembler("Bills")
    bills.add_lines(
        "E100",
        [
            {
                "RECORDNO": 12,
                "RECORDKEY": 1,
                "LINE_NO": 2,
                "ACCOUNTNO": "6110",
                "TRX_AMOUNT": Decimal(2),
            },
            {
                "RECORDNO": 11,
                "RECORDKEY": 1,
                "LINE_NO": 1,
                "ACCOUNTNO": "6100",
                "TRX_AMOUNT": Decimal(1),
            },
            {
                "RECORDNO": 13,
                "RECORDKEY": 9,
                "LINE_NO": 1,
                "ACCOUNTNO": "6100",
                "TRX_AMOUNT": Decimal(9),
            },
        ],
    )
    bills.add_lines("E200", [{"RECORDNO": 21, "RECORDKEY": 1, "LINE_NO": 1, "ACCOUNTNO": "7000"}])
    bills.add_headers(
        "E100", [{"RECORDNO": 1, "VENDORID": "V1"}, {"RECORDNO": 2, "VENDORID": "V2"}]
    )
    bills.add_headers("E200", [{"RECORDNO": 1, "VENDORID": "V3"}])
    documents = list(bills.documents())
    assert [(e, d["vendorNumber"], [x["id"] for x in d["lineItems"]]) for e, d in documents] == [
        ("E100", "V1", ["11", "12"]),
        ("E100", "V2", []),  # a bill whose lines were not read: none, never another's
        ("E200", "V3", ["21"]),
    ]
    assert list(bills.documents()) == []  # emptied: bill 9's lines (no header read) dropped


def test_only_document_streams_assemble() -> None:
    with pytest.raises(ValueError, match="Vendors has no lines"):
        DocumentAssembler("Vendors")
