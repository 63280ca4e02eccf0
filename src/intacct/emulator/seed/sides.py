"""What differs between payables and receivables, as data.

Accounts payable and accounts receivable mirror each other: a party (vendor or customer),
documents with lines that post against a control account, payments that settle whole
documents, and credit memos. One implementation (:mod:`~intacct.emulator.seed.subledger`)
writes both; this table holds every name, account and ratio that tells them apart, so the
two ledgers can be compared line by line.
"""

from __future__ import annotations

from dataclasses import dataclass

from intacct.emulator.seed.chart import (
    AP_ACCOUNT,
    AR_ACCOUNT,
    EXPENSE_ACCOUNTS,
    REVENUE_ACCOUNTS,
    UNDEPOSITED,
)
from intacct.emulator.seed.names import AP_CLERK, AP_CREATORS, AR_CLERK, AR_CREATORS

__all__ = ["PAYABLES", "RECEIVABLES", "Side"]


@dataclass(frozen=True, slots=True)
class Side:
    """One subledger's names, accounts and ratios (see :func:`_side` for the values)."""

    payables: bool
    # objects
    document: str
    line: str
    payment: str
    payment_detail: str
    adjustment: str
    adjustment_line: str
    party: str
    party_id: str
    party_name: str
    # people and postings
    creators: tuple[int, ...]
    clerk: int
    control: str
    accounts: tuple[str, ...]
    journal: str
    payment_journal: str
    cash: str  # where payments go; "CASH" is the entity's operating bank account
    deposits: bool  # whether payments are banked in a weekly deposit
    # documents
    record_type: str
    label: str
    batch: str
    posting: str
    order: tuple[str, int, float]  # DOCNUMBER: prefix, offset from RECORDNO, chance
    description: str  # str.format template taking the party name
    magnitude: tuple[int, float]  # a line's cents are 10 ** (low + span * random)
    departments: slice  # which of the entity's departments lines use
    chances: tuple[float, float, float]  # that a line names a project, a class, an item
    credit_reason: str
    # payments
    payment_label: str
    payment_posting: str
    payment_prefix: str
    payment_methods: tuple[str, ...]
    payment_dates: tuple[str, str]  # the two date fields a payment row sets

    def vendor_customer(self, party_id: str) -> tuple[str | None, str | None]:
        """The (vendor, customer) dimensions a posting for ``party_id`` carries."""
        return (party_id, None) if self.payables else (None, party_id)


def _side(payables: bool) -> Side:
    """One line per difference: the payables value, else the receivables value."""
    ap = payables
    return Side(
        payables=ap,
        document="APBILL" if ap else "ARINVOICE",
        line="APBILLITEM" if ap else "ARINVOICEITEM",
        payment="APPYMT" if ap else "ARPYMT",
        payment_detail="APPYMTDETAIL" if ap else "ARPYMTDETAIL",
        adjustment="APADJUSTMENT" if ap else "ARADJUSTMENT",
        adjustment_line="APADJUSTMENTITEM" if ap else "ARADJUSTMENTITEM",
        party="VENDOR" if ap else "CUSTOMER",
        party_id="VENDORID" if ap else "CUSTOMERID",
        party_name="VENDORNAME" if ap else "CUSTOMERNAME",
        creators=AP_CREATORS if ap else AR_CREATORS,
        clerk=AP_CLERK if ap else AR_CLERK,
        control=AP_ACCOUNT if ap else AR_ACCOUNT,
        accounts=EXPENSE_ACCOUNTS if ap else REVENUE_ACCOUNTS,
        journal="APJ" if ap else "ARJ",
        payment_journal="CDJ" if ap else "CRJ",
        # vendors are paid straight from the bank; receipts wait for the deposit
        cash="CASH" if ap else UNDEPOSITED,
        deposits=not ap,
        record_type="pi" if ap else "ri",
        label="Bill" if ap else "Invoice",
        batch="Bills" if ap else "Invoices",
        posting="AP bill" if ap else "AR invoice",
        order=("PO", 5_000, 0.4) if ap else ("SO", 20_000, 0.5),
        description="{} services" if ap else "Services for {}",
        # invoice lines average about five times a bill line ($3,700 against $800)
        magnitude=(3, 2.7) if ap else (4, 2.3),
        # invoices come from the sales-side departments
        departments=slice(None) if ap else slice(1, 5),
        chances=(0.15, 0.3, 0.1) if ap else (0.2, 0.5, 0.6),
        credit_reason="Credit for returned goods" if ap else "Service credit",
        payment_label="Payment" if ap else "Receipt",
        payment_posting="AP payment" if ap else "AR receipt",
        payment_prefix="PAY" if ap else "RCPT",
        payment_methods=("Printed Check", "ACH", "EFT")
        if ap
        else ("Printed Check", "EFT", "Online ACH Debit", "Online Charge Card"),
        payment_dates=("PAYMENTDATE", "WHENPAID") if ap else ("RECEIPTDATE", "PAYMENTDATE"),
    )


PAYABLES = _side(True)
RECEIVABLES = _side(False)
