"""Cash management: bank and savings accounts, corporate cards, and the weekly deposit of
customer receipts.

Receipts first land in Undeposited Funds (see the receivables ledger); the deposit moves
their total to the operating bank account in one Cash Management journal entry, as a
bank statement would show it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from intacct.emulator.seed.chart import UNDEPOSITED
from intacct.emulator.seed.clock import AS_OF, IMPORT_AT, dt
from intacct.emulator.seed.common import money
from intacct.emulator.seed.context import Context
from intacct.emulator.seed.journal import Journal
from intacct.emulator.seed.model import Entity, OpenDoc
from intacct.emulator.seed.names import ADMIN, AR_CLERK

__all__ = ["bank_accounts", "deposit"]


def bank_accounts(ctx: Context, ent: Entity) -> None:
    """Operating and payroll checking, one savings account, corporate cards."""
    at = IMPORT_AT["GLACCOUNT"] + 1_800
    uk = ent.currency == "GBP"
    prefix = {"": "BOA", "E100": "US", "E200": "UK"}[ent.id]
    city = ent.cities[0]
    banks = [(f"{prefix}-OPER", "Operating", ent.cash_gl, "CHECKINGACCOUNT")]
    if not uk:  # the UK entity runs payroll through its operating account
        banks.append((f"{prefix}-PAYROLL", "Payroll", "1020", "CHECKINGACCOUNT"))
    banks.append((f"{prefix}-RESERVE", "Reserve", "1050" if uk else "1030", "SAVINGSACCOUNT"))
    for bid, label, gl, obj in banks:
        row = {
            "RECORDNO": ctx.recordno(obj),
            "BANKACCOUNTID": bid,
            "BANKACCOUNTNO": f"{int(ctx.rnd() * 9e9) + 1_000_000_000}",
            "GLACCOUNTNO": gl,
            "BANKNAME": f"{'Barclays' if uk else 'Bank of America'} {label}",
            "ROUTINGNO": None if uk else "026009593",
            "BRANCHID": "20-00-00" if uk else None,
            "BANKACCOUNTTYPE": "savings" if obj == "SAVINGSACCOUNT" else "checking",
            "PHONE": None,
            "MAILADDRESS.ADDRESS1": "1 Financial Plaza",
            "MAILADDRESS.CITY": city[0],
            "MAILADDRESS.STATE": city[1],
            "MAILADDRESS.ZIP": None,
            "MAILADDRESS.COUNTRY": ent.country,
            "CURRENCY": ent.currency,
            "DEPARTMENTID": None,
            "LOCATIONID": ent.locations[0][0],
            "LASTRECONCILEDBALANCE": None,
            "LASTRECONCILEDDATE": None,
            "STATUS": "active",
        }
        if obj == "CHECKINGACCOUNT":
            row |= {"NEXTCHECK": 10_001, "CHECKLAYOUT": "Standard"}
        else:
            row["INTERESTRATE"] = Decimal("1.25")
        ctx.emit(ent, obj, row | ctx.audit(at, at, ADMIN))
    for bid in (f"{prefix}-BARCLAYCARD",) if uk else (f"{prefix}-AMEX", f"{prefix}-VISA"):
        amex = bid.endswith("AMEX")
        row = {
            "RECORDNO": ctx.recordno("CREDITCARD"),
            "CARDID": bid,
            "CARDNUM": f"XXXX-XXXX-XXXX-{int(ctx.rnd() * 10_000):04d}",
            "CARDTYPE": "American Express" if amex else "Visa",
            "EXP_MONTH": 1 + int(ctx.rnd() * 12),
            "EXP_YEAR": AS_OF.year + 2,
            "DESCRIPTION": f"Corporate {'Amex' if amex else 'Visa'} card",
            "LIABILITYTYPE": "Credit",
            "LIABACCOUNTNO": "2100" if amex else "2110",
            "VENDORID": None,
            "CREDITLIMIT": money(5_000_000),
            "CURRENCY": ent.currency,
            "DEPARTMENTID": None,
            "LOCATIONID": ent.locations[0][0],
            "STATUS": "active",
        }
        ctx.emit(ent, "CREDITCARD", row | ctx.audit(at, at, ADMIN))
    ent.bank = banks[0][0]


def deposit(
    ctx: Context, journal: Journal, ent: Entity, week: int, deposit_no: int, due: Sequence[OpenDoc]
) -> None:
    """One DEPOSIT of the week's receipts (already written, each naming ``deposit_no``)."""
    deposit_at = max(d.paid_at for d in due) + 60
    deposit_day = dt(deposit_at).date()
    total = sum(d.cash for d in due)
    amount = money(total)
    ctx.emit(
        ent,
        "DEPOSIT",
        {
            "RECORDNO": deposit_no,
            "BANKACCOUNTID": ent.bank,
            "DEPOSITDATE": deposit_day,
            "DEPOSITID": f"DEP-{ent.id or 'CO'}-{week:03d}",
            "DESCRIPTION": f"Deposit of {len(due)} receipts",
            "RECEIPTCOUNT": len(due),
            "CURRENCY": ent.currency,
            "TOTALENTERED": amount,
            "TRX_TOTALENTERED": amount,
            "STATE": "Deposited",
            "CLEARED": "Uncleared",
            "SUPDOCID": None,
        }
        | ctx.audit(deposit_at, deposit_at, AR_CLERK),
    )
    dims = (None, ent.locations[0][0], None, None, None, None, None, None, None)
    journal.post(
        ent,
        "CRJ",
        deposit_at,
        AR_CLERK,
        f"Deposit {deposit_day:%Y-%m-%d}",
        f"DEP-{deposit_no}",
        [(ent.cash_gl, 1, total, dims), (UNDEPOSITED, -1, total, dims)],
        module="11.CM",
    )
