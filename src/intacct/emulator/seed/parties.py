"""Vendors and customers: one path writes both, with a row builder per kind.

Each party gets its display contact first (the party row carries the contact's RECORDNO),
a day-one import or a later creation time, and maybe the bulk update that makes large
WHENMODIFIED ties for keyset paging.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta

from intacct.emulator.seed.audit import party_history
from intacct.emulator.seed.chart import AP_ACCOUNT, AR_ACCOUNT, EXPENSE_ACCOUNTS, REVENUE_ACCOUNTS
from intacct.emulator.seed.clock import AS_OF, IMPORT_AT, MASS_UPDATE, creation_times
from intacct.emulator.seed.common import Batch, Row, money, pick
from intacct.emulator.seed.contacts import contact_record, display_contact
from intacct.emulator.seed.context import Context
from intacct.emulator.seed.model import Entity, Party
from intacct.emulator.seed.names import (
    ADMIN,
    AP_CREATORS,
    AR_CREATORS,
    CUSTOMER_KINDS,
    CUSTOMER_WORDS,
    VENDOR_KINDS,
    VENDOR_WORDS,
)
from intacct.emulator.seed.reference import TERMS

__all__ = ["CUSTOMERS", "VENDORS", "PartyKind", "parties"]


@dataclass(frozen=True, slots=True)
class NewParty:
    """What the shared path has decided about a party before its kind builds the row."""

    recordno: int
    id: str
    name: str
    contact: str  # the display contact's name
    contact_no: int
    term: tuple[str, int, int, int]  # a TERMS row
    created: int


@dataclass(frozen=True, slots=True)
class PartyKind:
    obj: str  # VENDOR or CUSTOMER
    prefix: str  # of the id: V10001, C10001
    words: Sequence[str]  # first word of the company name
    kinds: Sequence[str]  # second words: the line of business
    creators: Sequence[int]  # users who add them after the import
    terms: Sequence[tuple[str, int, int, int]]  # the TERMS they may get
    row: Callable[[Context, Entity, NewParty], Row]


def parties(ctx: Context, ent: Entity, kind: PartyKind, count: int) -> Iterator[Batch]:
    """Write ``count`` vendors or customers of ``ent``: half imported, half added later."""
    rnd = ctx.rnd
    pool = ent.parties[kind.obj]
    times = creation_times(rnd, count, IMPORT_AT[kind.obj], 0.5)
    for created in times:
        rec = ctx.recordno(kind.obj)
        pid, name = f"{kind.prefix}{10_000 + rec}", company_name(ctx, ent, kind.words, kind.kinds)
        contact = f"{name}({pid})"  # Intacct names a display contact "Name(ID)"
        modified, bulk = party_modified(ctx, created)
        by = ADMIN if created == times[0] else pick(kind.creators, rnd())
        contact_no = int(
            contact_record(ctx, ent, contact, None, None, name, created, created, by)["RECORDNO"]
        )
        term = pick(kind.terms, rnd())
        row = kind.row(ctx, ent, NewParty(rec, pid, name, contact, contact_no, term, created))
        ctx.emit(ent, kind.obj, row | ctx.audit(created, modified, by, ADMIN if bulk else by))
        pool.add(Party(rec, pid, name, contact, term[1], term[0]), created)
        party_history(ctx, kind.obj, rec, pid, name, created, modified, by, bulk)
        yield from ctx.sink.spill()


def company_name(ctx: Context, ent: Entity, words: Sequence[str], kinds: Sequence[str]) -> str:
    return f"{pick(words, ctx.rnd())} {pick(kinds, ctx.rnd())} " + pick(ent.suffixes, ctx.rnd())


def party_modified(ctx: Context, created: int) -> tuple[int, bool]:
    """A bulk update touches many vendors/customers at one second (page-tie fodder)."""
    if created < MASS_UPDATE and ctx.rnd() < 0.4:
        return MASS_UPDATE, True
    return ctx.modified_after(created, 0.2), False


def _vendor_row(ctx: Context, ent: Entity, new: NewParty) -> Row:
    rnd = ctx.rnd
    vendors = ent.parties["VENDOR"]
    # a few vendors belong to a parent vendor created before them
    parent = vendors.items[int(rnd() * len(vendors))] if len(vendors) > 5 and rnd() < 0.05 else None
    return {
        "RECORDNO": new.recordno,
        "VENDORID": new.id,
        "NAME": new.name,
        "NAME1099": new.name.upper() if rnd() < 0.3 else None,
        "PARENTKEY": parent.recordno if parent else None,
        "PARENTID": parent.id if parent else None,
        "PARENTNAME": parent.name if parent else None,
        **display_contact(new.contact, new.name),
        "VENDTYPE": pick(("Supplier", "Contractor", "Service Provider"), rnd()),
        "TAXID": f"{int(rnd() * 90) + 10}-{int(rnd() * 9_000_000) + 1_000_000}",
        "FORM1099TYPE": "MISC" if rnd() < 0.2 else None,
        "FORM1099BOX": None,
        "CREDITLIMIT": None,
        "TOTALDUE": None,
        "BILLINGTYPE": "openitem",
        "TERMNAME": new.term[0],
        "TERMSKEY": TERMS.index(new.term) + 1,
        "APACCOUNT": AP_ACCOUNT,
        "APACCOUNTTITLE": "Accounts Payable",
        "OFFSETGLACCOUNTNO": pick(EXPENSE_ACCOUNTS, rnd()),
        "PAYMENTPRIORITY": "Normal" if rnd() < 0.8 else "High",
        "PAYMETHODKEY": pick(("Printed Check", "EFT", "ACH"), rnd()),
        "ONHOLD": rnd() < 0.02,
        "DONOTCUTCHECK": False,
        "CURRENCY": ent.currency,
        "COMMENTS": None,
        "STATUS": "active" if rnd() < 0.95 else "inactive",
        "ONETIME": False,
        "CONTACTINFO.CONTACTNAME": new.contact,
        "PAYTO.CONTACTNAME": new.contact,
        "RETURNTO.CONTACTNAME": new.contact,
        "LAST_BILLDATE": None,
        "LAST_PAYMENTDATE": None,
        "DISPLAYCONTACTKEY": new.contact_no,
        "VENDOR_TIER": pick(("Strategic", "Preferred", "Approved", "Approved", "Probation"), rnd()),
        "VENDOR_ESG_CERTIFIED": rnd() < 0.3,
    }


def _customer_row(ctx: Context, ent: Entity, new: NewParty) -> Row:
    rnd = ctx.rnd
    rep = ent.employees.pick(rnd(), new.created)
    health = pick(("Good", "Good", "Good", "Fair", "At Risk"), rnd())
    row: Row = {
        "RECORDNO": new.recordno,
        "CUSTOMERID": new.id,
        "NAME": new.name,
        "ENTITY": ent.id or None,
        "PARENTKEY": None,
        "PARENTID": None,
        "PARENTNAME": None,
        **display_contact(new.contact, new.name),
        "DISPLAYCONTACT.TAXABLE": True,
        "DISPLAYCONTACT.TAXGROUP": None,
        "TERMNAME": new.term[0],
        "TERMSKEY": TERMS.index(new.term) + 1,
        "CUSTREPID": rep[0],
        "CUSTREPNAME": rep[1],
        "RESALENO": None,
        "TAXID": None,
        "CREDITLIMIT": money(int(rnd() * 50) * 1_000_000 + 2_500_000),
        "TOTALDUE": None,
        "COMMENTS": None,
        "ARACCOUNT": pick(REVENUE_ACCOUNTS, rnd()),
        "ARACCOUNTTITLE": None,
        "OFFSETGLACCOUNTNO": AR_ACCOUNT,
        "LAST_INVOICEDATE": None,
        "LAST_STATEMENTDATE": None,
        "DELIVERY_OPTIONS": "E-Mail" if rnd() < 0.7 else "Print",
        "TERRITORYID": None,
        "SHIPPINGMETHOD": None,
        "CUSTTYPE": pick(("Direct", "Partner", "Reseller"), rnd()),
        "GLGROUP": None,
        "DISCOUNT": None,
        "CURRENCY": ent.currency,
        "CONTACTINFO.CONTACTNAME": new.contact,
        "SHIPTO.CONTACTNAME": new.contact,
        "BILLTO.CONTACTNAME": new.contact,
        "STATUS": "active" if rnd() < 0.93 else "inactive",
        "ONETIME": False,
        "ONHOLD": rnd() < 0.03,
        "ENABLEONLINECARDPAYMENT": True,
        "ENABLEONLINEACHPAYMENT": True,
        "DISPLAYCONTACTKEY": new.contact_no,
        "CUSTREPKEY": None,
        "OBJECTRESTRICTION": "Unrestricted",
        "CUSTOMER_HEALTH": health,
        "CUSTOMER_RENEWAL_DATE": (AS_OF + timedelta(days=int(rnd() * 365))).date()
        if rnd() < 0.6
        else None,
    }
    row["ARACCOUNTTITLE"] = ctx.accounts[row["ARACCOUNT"]][1]
    return row


#: vendors get the plain net terms only; customers may also get the early-payment discount
VENDORS = PartyKind("VENDOR", "V", VENDOR_WORDS, VENDOR_KINDS, AP_CREATORS, TERMS[:4], _vendor_row)
CUSTOMERS = PartyKind(
    "CUSTOMER", "C", CUSTOMER_WORDS, CUSTOMER_KINDS, AR_CREATORS, TERMS, _customer_row
)
