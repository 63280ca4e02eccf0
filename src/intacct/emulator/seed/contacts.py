"""CONTACT rows and the display-contact copy vendor and customer rows carry.

Vendors, customers and employees each own one contact, written just before them so the
record that names it can carry its RECORDNO. Addresses and phone numbers follow the
entity's country.
"""

from __future__ import annotations

from intacct.emulator.seed.common import Row, pick
from intacct.emulator.seed.context import Context
from intacct.emulator.seed.model import Entity
from intacct.emulator.seed.names import STREET_TYPES, STREETS

__all__ = ["contact_record", "display_contact", "related_contact"]


def related_contact(prefix: str, contact: Row) -> Row:
    """The ``<prefix>.*`` copy a record shows of the contact its relationship names
    (EMPLOYEE's ``CONTACT.FIRSTNAME`` is its contact's FIRSTNAME), audit fields aside."""
    skip = {"RECORDNO", "WHENCREATED", "WHENMODIFIED", "CREATEDBY", "MODIFIEDBY"}
    return {f"{prefix}.{k}": v for k, v in contact.items() if k not in skip}


def contact_record(
    ctx: Context,
    ent: Entity,
    name: str,
    first: str | None,
    last: str | None,
    company: str | None,
    created: int,
    modified: int,
    by: int,
) -> Row:
    """Write a CONTACT row; returns it."""
    rnd = ctx.rnd
    rec = ctx.recordno("CONTACT")
    city, state, zip_stem = pick(ent.cities, rnd())
    uk = ent.currency == "GBP"
    street = f"{int(rnd() * 9_000) + 10} {pick(STREETS, rnd())} " + pick(
        STREET_TYPES[ent.currency], rnd()
    )
    domain = "".join(
        ch for ch in (company or last or "mail").split()[0].lower() if ch.isalnum()
    ) + (".co.uk" if uk else ".com")
    who = f"{first}.{last}".lower().replace("'", "") if first else "accounts"
    row: Row = {
        "RECORDNO": rec,
        "CONTACTNAME": name,
        "PREFIX": None,
        "FIRSTNAME": first,
        "LASTNAME": last,
        "COMPANYNAME": company,
        "PRINTAS": company or f"{first} {last}",
        "PHONE1": (
            f"+44 20 7946 {int(rnd() * 10_000):04d}"
            if uk
            else f"({200 + int(rnd() * 700)}) 555-{int(rnd() * 10_000):04d}"
        ),
        "CELLPHONE": None,
        "FAX": None,
        "EMAIL1": f"{who}@{domain}",
        "URL1": None,
        "MAILADDRESS.ADDRESS1": street,
        "MAILADDRESS.ADDRESS2": None,
        "MAILADDRESS.CITY": city,
        "MAILADDRESS.STATE": state,
        "MAILADDRESS.ZIP": (
            f"{zip_stem} {int(rnd() * 9) + 1}AB" if uk else f"{zip_stem}{int(rnd() * 100):02d}"
        ),
        "MAILADDRESS.COUNTRY": ent.country,
        "MAILADDRESS.COUNTRYCODE": "GB" if uk else "US",
        "PHONE2": None,
        "EMAIL2": None,
        "TAXABLE": True,
        "TAXGROUP": None,
        "VISIBLE": True,
        "STATUS": "active",
    } | ctx.audit(created, modified, by)
    ctx.emit(ent, "CONTACT", row)
    return row


def display_contact(contact: str, company: str) -> Row:
    """The DISPLAYCONTACT.* copy a vendor/customer row shows of its contact."""
    return {
        "DISPLAYCONTACT.CONTACTNAME": contact,
        "DISPLAYCONTACT.PREFIX": None,
        "DISPLAYCONTACT.FIRSTNAME": None,
        "DISPLAYCONTACT.LASTNAME": None,
        "DISPLAYCONTACT.COMPANYNAME": company,
        "DISPLAYCONTACT.PRINTAS": company,
        "DISPLAYCONTACT.PHONE1": None,
        "DISPLAYCONTACT.CELLPHONE": None,
        "DISPLAYCONTACT.FAX": None,
        "DISPLAYCONTACT.EMAIL1": None,
        "DISPLAYCONTACT.URL1": None,
        "DISPLAYCONTACT.MAILADDRESS.ADDRESS1": None,
        "DISPLAYCONTACT.MAILADDRESS.ADDRESS2": None,
        "DISPLAYCONTACT.MAILADDRESS.CITY": None,
        "DISPLAYCONTACT.MAILADDRESS.STATE": None,
        "DISPLAYCONTACT.MAILADDRESS.ZIP": None,
        "DISPLAYCONTACT.MAILADDRESS.COUNTRY": None,
        "DISPLAYCONTACT.MAILADDRESS.COUNTRYCODE": None,
    }
