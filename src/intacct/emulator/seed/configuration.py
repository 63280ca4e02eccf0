"""Company-wide configuration every entity shares: preferences, roles and users, payment
terms, classes, funds, project types and allocations.

All of it is top-level data entered on implementation day (``IMPORT_AT``), so it exists
before any record that refers to it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from intacct.emulator.seed.clock import AS_OF, IMPORT_AT
from intacct.emulator.seed.context import Context
from intacct.emulator.seed.names import ADMIN, CONTROLLER, ROLES, USERS
from intacct.emulator.seed.reference import (
    CLASSES,
    FUND_DESCRIPTIONS,
    FUNDS,
    PROJECT_TYPES,
    TERMS,
)

__all__ = [
    "allocations",
    "classes",
    "company_prefs",
    "funds",
    "project_types",
    "roles_and_users",
    "terms",
]


def company_prefs(ctx: Context) -> None:
    prefs = (
        ("CO", "BASECURRENCY", "USD"),
        ("CO", "MULTIENTITY", str(ctx.multi).lower()),
        ("GL", "FIRSTFISCALMONTH", "1"),
        ("GL", "UDD_FUND_ENABLED", "true"),
        ("AP", "DEFAULTTERM", "Net 30"),
        ("AR", "DEFAULTTERM", "Net 30"),
    )
    rows = (
        {"APPLICATION": app, "PREFERENCE": pref, "PREFVALUE": value} for app, pref, value in prefs
    )
    ctx.table("COMPANYPREF", 0, ADMIN, rows)


def roles_and_users(ctx: Context) -> None:
    at = IMPORT_AT["USERINFO"]
    roles = (
        {
            "NAME": name,
            "DESCRIPTION": desc,
            "ROLETYPE": "Enterprise",
            "APPLYTO": "Top level and entities",
            "MODULES": modules,
        }
        for name, desc, modules in ROLES
    )
    ctx.table("ROLES", at, ADMIN, roles)
    for login, desc, first, last, admin, role in USERS:
        no = ctx.recordno("USERINFO")
        row = {
            "RECORDNO": no,
            "LOGINID": login,
            "DESCRIPTION": desc,
            "USERTYPE": "business user",
            "ADMIN": admin,
            "CONTACTINFO.CONTACTNAME": f"{last}, {first}",
            "CONTACTINFO.FIRSTNAME": first,
            "CONTACTINFO.LASTNAME": last,
            "CONTACTINFO.EMAIL1": f"{login.lower()}@demo.example.com",
            "VISIBLE": True,
            "STATUS": "active",
            "LOGINDISABLED": False,
            "SSO_ENABLED": False,
            "SSO_FEDERATED_ID": None,
            "UNRESTRICTED": True,
            "PWDNEVEREXPIRES": no > 1,
            "WEBSERVICES_ONLY": login == "xml_gateway",
            "ROLES": role,
            "LASTLOGIN": (AS_OF - timedelta(days=no)).date(),
        }
        ctx.emit(None, "USERINFO", row | ctx.audit(at, at, ADMIN))


def terms(ctx: Context, obj: str) -> None:
    """APTERM or ARTERM: both ledgers offer the same terms."""
    at = IMPORT_AT["GLACCOUNT"] + 1_200
    for name, due, disc_days, disc in TERMS:
        row = {
            "RECORDNO": ctx.recordno(obj),
            "NAME": name,
            "DESCRIPTION": f"Payment due {due} days from the document date"
            if due
            else "Payment due on receipt",
            "STATUS": "active",
            "DUEDATE": due,
            "DUEFROM": "from invoice/bill date",
            "DISCDATE": disc_days or None,
            "DISCFROM": "from invoice/bill date" if disc else None,
            "DISCAMOUNT": Decimal(disc) if disc else None,
            "DISCPERCAMN": "Percentage",
            "DISCFUDGEDAYS": 2 if disc else None,
            "PENAMOUNT": None,
            "PENPERCAMN": None,
            "PENFUDGEDAYS": None,
        }
        ctx.emit(None, obj, row | ctx.audit(at, at, ADMIN))


def classes(ctx: Context) -> None:
    at = IMPORT_AT["CLASS"]
    keys: dict[str, int] = {}
    names = {c[0]: c[1] for c in CLASSES}
    for cid, name, parent in CLASSES:
        keys[cid] = ctx.recordno("CLASS")
        row = {
            "RECORDNO": keys[cid],
            "CLASSID": cid,
            "NAME": name,
            "DESCRIPTION": f"{name} customers",
            "PARENTKEY": keys.get(parent or ""),
            "PARENTID": parent,
            "PARENTNAME": names.get(parent or ""),
            "STATUS": "active",
        }
        ctx.emit(None, "CLASS", row | ctx.audit(at, ctx.modified_after(at, 0.2), ADMIN))


def funds(ctx: Context) -> None:
    rows = (
        {
            "NAME": name,
            "DESCRIPTION": FUND_DESCRIPTIONS[name],
            "FUND_TYPE": kind,
            # temporarily restricted funds expire; the others never do
            "EXPIRATIONDATE": date(AS_OF.year + 3, 6, 30) if kind.startswith("Temp") else None,
            "STATUS": "active",
        }
        for name, kind in FUNDS
    )
    ctx.table("FUND", IMPORT_AT["CLASS"] + 300, ADMIN, rows)


def project_types(ctx: Context) -> None:
    rows = (
        {"NAME": name, "PARENTNAME": None, "PROJECTCATEGORY": category, "STATUS": "active"}
        for name, category in PROJECT_TYPES
    )
    ctx.table("PROJECTTYPE", IMPORT_AT["PROJECT"] - 300, ADMIN, rows)


def allocations(ctx: Context) -> None:
    specs = (
        ("ALLOC-RENT", "Rent by headcount", "Department"),
        ("ALLOC-IT", "IT costs by department", "Department"),
        ("ALLOC-INS", "Insurance by location", "Location"),
    )
    rows = (
        {
            "ALLOCATIONID": aid,
            "DESCRIPTION": desc,
            "TYPE": "Percentage",
            "DOCNUMBER": None,
            "ALLOCATEBY": by,
            "SUPDOCID": None,
            "STATUS": "active",
        }
        for aid, desc, by in specs
    )
    ctx.table("ALLOCATION", IMPORT_AT["DEPARTMENT"] + 600, CONTROLLER, rows)
