"""hotglue's unified accounting streams and the Intacct objects behind them.

Property names are hotglue's (its unified-schema docs and its Intacct/QuickBooks targets'
inputs): ``vendorNumber``/``vendorName``, ``lineItems``, ``journalLines`` with
``postingType``, ``billId`` and ``amount`` on payments. One convention throughout, as in
hotglue's newest Intacct target: a reference ``xId`` is the referenced record's RECORDNO
(the unified ``id`` of that record), ``xNumber`` its Intacct business id (``ACCOUNTNO``,
``VENDORID``, ``CLASSID``...) and ``xName`` its name; a write may give any one of them.

Documents (bills, invoices, journal entries, payments) carry their lines in a list
property; each line is a record of the owned line object (APBILLITEM...), written nested
in the header's create as the client's ``fn.Create`` takes it
(``{"APBILLITEMS": {"APBILLITEM": [...]}}``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from intacct.mappings.codecs import (
    BOOL,
    DATE,
    DECIMAL,
    KEY,
    POSTING,
    STATUS,
    TEXT,
    UnifiedRecordError,
    enum,
)
from intacct.mappings.fields import (
    Address,
    Field,
    Phones,
    Ref,
    RefPart,
    Value,
    audit_fields,
)
from intacct.mappings.references import near_matches

__all__ = ["STREAM_ALIASES", "UNIFIED_STREAMS", "Lines", "StreamMapping", "mapping_for"]


@dataclass(frozen=True, slots=True)
class Lines:
    """A document's lines: unified list ``unified`` <-> owned object ``object`` under
    ``container``; ``parent_key`` links a line read on its own to its header's RECORDNO."""

    unified: str
    container: str
    object: str
    parent_key: str
    fields: tuple[Field, ...]
    aliases: tuple[str, ...] = ()
    required: bool = True


@dataclass(frozen=True, slots=True)
class StreamMapping:
    """One unified stream: the Intacct object(s) it reads and writes, its fields, its
    lines. ``id_field`` is the business key a write can be matched on (None for
    documents, which have only RECORDNO); ``single_line`` names header properties that,
    when no lines are given, make the one line of a payment (hotglue's ``billId`` +
    ``amount``)."""

    name: str
    object: str
    fields: tuple[Field, ...]
    id_field: str | None = None
    read_objects: tuple[str, ...] = ()
    lines: Lines | None = None
    single_line: tuple[str, ...] = ()
    object_for: Callable[[Mapping[str, Any]], str] | None = None
    #: the Intacct field behind unified ``id`` (RECORDNO unless the stream spans objects)
    id_from: str = "RECORDNO"

    @property
    def objects(self) -> tuple[str, ...]:
        """The header objects read for this stream."""
        return self.read_objects or (self.object,)

    def key_properties(self) -> list[str]:
        return ["id"]


def _ref(
    kind: str,
    prefix: str,
    target: str,
    *,
    key: str | None = None,
    name: str | None = None,
    required: bool = False,
) -> Ref:
    """``{prefix}Id`` (RECORDNO, read from ``key``), ``{prefix}Number`` (business id,
    written to and read from ``target``), ``{prefix}Name`` (read from ``name``)."""
    parts = (
        RefPart(f"{prefix}Id", "recordno", key),
        RefPart(f"{prefix}Number", "id", target),
        RefPart(f"{prefix}Name", "name", name),
    )
    return Ref(kind, target, parts, required=required)


def _parent(kind: str) -> Ref:
    return _ref(kind, "parent", "PARENTID", key="PARENTKEY", name="PARENTNAME")


def _contact(contact: str) -> tuple[Field, ...]:
    """A vendor's or customer's display contact, as hotglue's Intacct target maps it."""
    return (
        Value("checkName", f"{contact}.PRINTAS", TEXT),
        Value("companyName", f"{contact}.COMPANYNAME", TEXT),
        Value("firstName", f"{contact}.FIRSTNAME", TEXT),
        Value("lastName", f"{contact}.LASTNAME", TEXT),
        Value("email", f"{contact}.EMAIL1", TEXT),
        Value("website", f"{contact}.URL1", TEXT),
        Phones(contact),
        Address(f"{contact}.MAILADDRESS"),
    )


def _line_id() -> Value:
    return Value("id", "RECORDNO", KEY, writable=False, description="the line's RECORDNO")


def _document_line(with_project_name: bool) -> tuple[Field, ...]:
    """An AP bill or AR invoice line: an account, an amount, dimensions."""
    return (
        _line_id(),
        _ref(
            "accounts", "account", "ACCOUNTNO", key="ACCOUNTKEY", name="ACCOUNTTITLE", required=True
        ),
        Value("amount", "TRX_AMOUNT", DECIMAL, required=True),
        Value("description", "ENTRYDESCRIPTION", TEXT),
        _ref("departments", "department", "DEPARTMENTID", name="DEPARTMENTNAME"),
        _ref("locations", "location", "LOCATIONID", name="LOCATIONNAME"),
        _ref("projects", "project", "PROJECTID", name="PROJECTNAME" if with_project_name else None),
        _ref("classes", "class", "CLASSID", key="CLASSDIMKEY", name="CLASSNAME"),
        _ref("items", "item", "ITEMID", key="ITEMDIMKEY", name="ITEMNAME"),
    )


def _journal_line() -> tuple[Field, ...]:
    return (
        _line_id(),
        _ref(
            "accounts", "account", "ACCOUNTNO", key="ACCOUNTKEY", name="ACCOUNTTITLE", required=True
        ),
        Value("postingType", "TR_TYPE", POSTING, required=True),
        Value("amount", "TRX_AMOUNT", DECIMAL, required=True),
        Value("description", "DESCRIPTION", TEXT),
        _ref("departments", "department", "DEPARTMENT"),
        _ref("locations", "location", "LOCATION"),
        _ref("projects", "project", "PROJECTID"),
        _ref("customers", "customer", "CUSTOMERID"),
        _ref("vendors", "vendor", "VENDORID"),
        _ref("classes", "class", "CLASSID"),
        _ref("items", "item", "ITEMID"),
    )


def _payment_line(kind: str, prefix: str) -> tuple[Field, ...]:
    document = Ref(
        kind,
        "RECORDKEY",
        (RefPart(f"{prefix}Id", "recordno", "RECORDKEY"), RefPart(f"{prefix}Number", "id", None)),
        target_by="recordno",
        required=True,
    )
    return (_line_id(), document, Value("amount", "TRX_PAYMENTAMOUNT", DECIMAL, required=True))


def _bank_account(required: bool) -> Ref:
    """A payment's bank account: BankAccounts' ``id`` is the BANKACCOUNTID."""
    parts = (
        RefPart("accountId", "id", "FINANCIALENTITY"),
        RefPart("accountName", "name", "FINANCIALACCOUNTNAME"),
    )
    return Ref("bankaccounts", "FINANCIALENTITY", parts, required=required)


def _document_totals() -> tuple[Field, ...]:
    return (
        Value("paidDate", "WHENPAID", DATE, writable=False),
        Value("totalAmount", "TRX_TOTALENTERED", DECIMAL, writable=False),
        Value("amountDue", "TRX_TOTALDUE", DECIMAL, writable=False),
        Value("status", "STATE", TEXT, writable=False),
    )


def _document_header() -> tuple[Field, ...]:
    return (
        Value("issueDate", "WHENPOSTED", DATE, required=True),
        Value("dueDate", "WHENDUE", DATE),
        Value("currency", "CURRENCY", TEXT),
        Value("exchangeRate", "EXCHANGE_RATE", DECIMAL),
        Value("description", "DESCRIPTION", TEXT),
        *_document_totals(),
    )


def _bank_object(record: Mapping[str, Any]) -> str:
    kind = record.get("type")
    return (
        "SAVINGSACCOUNT"
        if isinstance(kind, str) and kind.lower() == "savings"
        else ("CHECKINGACCOUNT")
    )


_AP_METHODS = ("Printed Check", "Manual Check", "EFT", "ACH", "Cash", "Credit Card")
_AR_METHODS = (
    "Printed Check",
    "Cash",
    "EFT",
    "Credit Card",
    "Online Charge Card",
    "Online ACH Debit",
)


def _payment(
    name: str,
    obj: str,
    date: str,
    methods: tuple[str, ...],
    *,
    bank_required: bool,
    party: Ref,
    paid: tuple[str, str],
) -> StreamMapping:
    """An AP or AR payment (APPYMT, ARPYMT): the same fields and lines, but for the
    field of its date, its methods, whether it needs a bank account, the vendor or
    customer it pays, and the documents (kind, property prefix) its lines pay."""
    kind, prefix = paid
    return StreamMapping(
        name,
        obj,
        (
            *audit_fields(),
            Value("paymentNumber", "DOCNUMBER", TEXT),
            Value("paymentDate", date, DATE, required=True),
            Value("paymentMethod", "PAYMENTMETHOD", enum(methods), required=True),
            _bank_account(required=bank_required),
            party,
            Value("currency", "CURRENCY", TEXT),
            Value("exchangeRate", "EXCHANGE_RATE", DECIMAL),
            Value("description", "DESCRIPTION", TEXT),
            Value("amount", "TRX_TOTALENTERED", DECIMAL, writable=False),
            Value("status", "STATE", TEXT, writable=False),
        ),
        lines=Lines(
            "lineItems", f"{obj}DETAILS", f"{obj}DETAIL", "PAYMENTKEY", _payment_line(kind, prefix)
        ),
        single_line=(f"{prefix}Id", f"{prefix}Number", "amount"),
    )


def _party_terms() -> tuple[Field, ...]:
    """A vendor's or customer's currency, tax id, notes, balance and status."""
    return (
        Value("currency", "CURRENCY", TEXT),
        Value("taxId", "TAXID", TEXT),
        Value("notes", "COMMENTS", TEXT),
        Value("balance", "TOTALDUE", DECIMAL, writable=False),
        Value("isActive", "STATUS", STATUS),
    )


_STREAMS = (
    StreamMapping(
        "Accounts",
        "GLACCOUNT",
        (
            *audit_fields(),
            Value("accountNumber", "ACCOUNTNO", TEXT, required=True),
            Value("name", "TITLE", TEXT, required=True),
            Value("type", "ACCOUNTTYPE", enum(("balancesheet", "incomestatement")), required=True),
            Value("normalBalance", "NORMALBALANCE", enum(("debit", "credit")), required=True),
            Value("category", "CATEGORY", TEXT),
            Value("active", "STATUS", STATUS),
        ),
        id_field="ACCOUNTNO",
    ),
    StreamMapping(
        "BankAccounts",
        "CHECKINGACCOUNT",
        (
            Value("id", "BANKACCOUNTID", TEXT, required=True, description="Intacct BANKACCOUNTID"),
            *audit_fields()[1:],
            Value("accountNumber", "BANKACCOUNTNO", TEXT, required=True),
            Value("name", "BANKNAME", TEXT, required=True),
            Value("type", "BANKACCOUNTTYPE", enum(("checking", "savings"))),
            Value("currency", "CURRENCY", TEXT),
            Value("active", "STATUS", STATUS),
            Value("description", "BANKACCOUNTDESC", TEXT),
            Value("holderName", "ACCOUNTHOLDERNAME", TEXT),
            Value("routingNumber", "ROUTINGNO", TEXT),
            Ref(
                "accounts",
                "GLACCOUNTNO",
                (
                    RefPart("glAccountNumber", "id", "GLACCOUNTNO"),
                    RefPart("glAccountName", "name", "GLACCOUNTTITLE"),
                ),
                required=True,
            ),
        ),
        id_field="BANKACCOUNTID",
        read_objects=("CHECKINGACCOUNT", "SAVINGSACCOUNT"),
        object_for=_bank_object,
        id_from="BANKACCOUNTID",
    ),
    StreamMapping(
        "Classes",
        "CLASS",
        (
            *audit_fields(),
            Value("classNumber", "CLASSID", TEXT, required=True),
            Value("name", "NAME", TEXT, required=True),
            Value("description", "DESCRIPTION", TEXT),
            _parent("classes"),
            Value("active", "STATUS", STATUS),
        ),
        id_field="CLASSID",
    ),
    StreamMapping(
        "Departments",
        "DEPARTMENT",
        (
            *audit_fields(),
            Value("departmentNumber", "DEPARTMENTID", TEXT, required=True),
            Value("name", "TITLE", TEXT, required=True),
            _parent("departments"),
            Value("active", "STATUS", STATUS),
        ),
        id_field="DEPARTMENTID",
    ),
    StreamMapping(
        "Locations",
        "LOCATION",
        (
            *audit_fields(),
            Value("locationNumber", "LOCATIONID", TEXT, required=True),
            Value("name", "NAME", TEXT, required=True),
            _parent("locations"),
            Value("active", "STATUS", STATUS),
        ),
        id_field="LOCATIONID",
    ),
    StreamMapping(
        "Projects",
        "PROJECT",
        (
            *audit_fields(),
            Value("projectNumber", "PROJECTID", TEXT, required=True),
            Value("name", "NAME", TEXT, required=True),
            Value("description", "DESCRIPTION", TEXT),
            Value(
                "category",
                "PROJECTCATEGORY",
                enum(("Contract", "Capitalized", "Internal Billable", "Internal Non-billable")),
                required=True,
            ),
            Value(
                "status",
                "PROJECTSTATUS",
                enum(("Not Started", "In Progress", "On Hold", "Completed", "Cancelled")),
            ),
            Value("startDate", "BEGINDATE", DATE),
            Value("endDate", "ENDDATE", DATE),
            Value("currency", "CURRENCY", TEXT),
            _ref("customers", "customer", "CUSTOMERID", key="CUSTOMERKEY", name="CUSTOMERNAME"),
            _parent("projects"),
            Value("active", "STATUS", STATUS),
        ),
        id_field="PROJECTID",
    ),
    StreamMapping(
        "Vendors",
        "VENDOR",
        (
            *audit_fields(),
            Value("vendorNumber", "VENDORID", TEXT, required=True),
            Value("vendorName", "NAME", TEXT, required=True),
            *_contact("DISPLAYCONTACT"),
            *_party_terms(),
        ),
        id_field="VENDORID",
    ),
    StreamMapping(
        "Customers",
        "CUSTOMER",
        (
            *audit_fields(),
            Value("customerNumber", "CUSTOMERID", TEXT, required=True),
            Value("customerName", "NAME", TEXT, required=True),
            *_contact("DISPLAYCONTACT"),
            _parent("customers"),
            *_party_terms(),
        ),
        id_field="CUSTOMERID",
    ),
    StreamMapping(
        "Items",
        "ITEM",
        (
            *audit_fields(),
            Value("itemNumber", "ITEMID", TEXT, required=True),
            Value("displayName", "NAME", TEXT, required=True),
            Value(
                "type",
                "ITEMTYPE",
                enum(
                    (
                        "Inventory",
                        "Non-Inventory",
                        "Non-Inventory (Purchase only)",
                        "Non-Inventory (Sales only)",
                        "Kit",
                        "Stockable Kit",
                    )
                ),
                required=True,
            ),
            Value("description", "EXTENDED_DESCRIPTION", TEXT),
            Value("unitPrice", "BASEPRICE", DECIMAL),
            Value("taxable", "TAXABLE", BOOL),
            Value("isActive", "STATUS", STATUS),
        ),
        id_field="ITEMID",
    ),
    StreamMapping(
        "Invoices",
        "ARINVOICE",
        (
            *audit_fields(),
            Value("invoiceNumber", "RECORDID", TEXT),
            _ref(
                "customers",
                "customer",
                "CUSTOMERID",
                key="CUSTOMERKEY",
                name="CUSTOMERNAME",
                required=True,
            ),
            *_document_header(),
        ),
        lines=Lines(
            "lineItems", "ARINVOICEITEMS", "ARINVOICEITEM", "RECORDKEY", _document_line(True)
        ),
    ),
    StreamMapping(
        "Bills",
        "APBILL",
        (
            *audit_fields(),
            Value("billNumber", "RECORDID", TEXT),
            _ref(
                "vendors", "vendor", "VENDORID", key="VENDORKEY", name="VENDORNAME", required=True
            ),
            *_document_header(),
        ),
        lines=Lines(
            "lineItems",
            "APBILLITEMS",
            "APBILLITEM",
            "RECORDKEY",
            _document_line(False),
            aliases=("expenses",),
        ),
    ),
    StreamMapping(
        "JournalEntries",
        "GLBATCH",
        (
            *audit_fields(),
            Value("type", "JOURNAL", TEXT, required=True, description="the journal symbol (GJ...)"),
            Value("transactionDate", "BATCH_DATE", DATE, required=True),
            Value("description", "BATCH_TITLE", TEXT, required=True),
            Value("reversalDate", "REVERSEDATE", DATE),
            Value("journalEntryNumber", "BATCHNO", KEY, writable=False),
            Value("status", "STATE", TEXT, writable=False),
        ),
        lines=Lines(
            "journalLines", "ENTRIES", "GLENTRY", "BATCHKEY", _journal_line(), aliases=("lines",)
        ),
    ),
    _payment(
        "BillPayments",
        "APPYMT",
        "PAYMENTDATE",
        _AP_METHODS,
        bank_required=True,
        party=_ref("vendors", "vendor", "VENDORID", name="VENDORNAME", required=True),
        paid=("bills", "bill"),
    ),
    _payment(
        "InvoicePayments",
        "ARPYMT",
        "RECEIPTDATE",
        _AR_METHODS,
        bank_required=False,
        party=_ref("customers", "customer", "CUSTOMERID", name="CUSTOMERNAME", required=True),
        paid=("invoices", "invoice"),
    ),
)

#: every unified stream by hotglue's name
UNIFIED_STREAMS: dict[str, StreamMapping] = {m.name: m for m in _STREAMS}
#: other names hotglue uses for the same stream
STREAM_ALIASES: dict[str, str] = {"Suppliers": "Vendors"}


def mapping_for(stream: str) -> StreamMapping:
    """The mapping of a unified stream (or its alias); an unknown name is an error that
    lists the near matches."""
    name = STREAM_ALIASES.get(stream, stream)
    if name in UNIFIED_STREAMS:
        return UNIFIED_STREAMS[name]
    near = near_matches(stream, [*UNIFIED_STREAMS, *STREAM_ALIASES])
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    raise UnifiedRecordError(
        "stream", f"{stream!r} is not a unified stream ({', '.join(UNIFIED_STREAMS)}){hint}"
    )
