"""Inventory setup: units of measure, item GL groups, warehouses and the item catalog.

Items are top-level (shared by every entity) but stock lives in the first entity's
warehouses, so the catalog is written after the entities' master data.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from intacct.emulator.seed.clock import IMPORT_AT
from intacct.emulator.seed.common import Batch, Row, money, pick
from intacct.emulator.seed.context import Context
from intacct.emulator.seed.dimensions import Planned
from intacct.emulator.seed.model import Entity
from intacct.emulator.seed.names import ADMIN, ITEM_NOUNS, ITEM_WORDS

__all__ = ["items_catalog", "units_and_gl_groups", "warehouses"]

#: (NAME, INVUOM, POUOM, OEUOM)
UNITS = (
    ("Each", "Each", "Each", "Each"),
    ("Count", "Each", "Case", "Each"),
    ("Time", "Hour", "Hour", "Hour"),
)
#: (NAME, INVACCTNO, INCOMEACCTNO, EXPENSEACCTNO, COGSACCTNO, DEFERREDREVACCTNO): only
#: hardware is stocked; subscriptions and services defer their revenue.
GL_GROUPS = (
    ("Hardware", "1200", "4000", "6210", "5000", None),
    ("Software Subscriptions", None, "4010", "6200", "5010", "2400"),
    ("Professional Services", None, "4020", "6520", "5020", "2400"),
    ("Support Services", None, "4030", "6520", "5020", "2400"),
)


def units_and_gl_groups(ctx: Context) -> None:
    at = IMPORT_AT["ITEM"] - 600
    units = (
        {"NAME": name, "INVUOM": inv, "POUOM": po, "OEUOM": oe, "ISSYSTEM": name == "Each"}
        for name, inv, po, oe in UNITS
    )
    ctx.table("UOM", at, ADMIN, units)
    groups = (
        {
            "NAME": name,
            "INVACCTNO": inventory,
            "INCOMEACCTNO": income,
            "EXPENSEACCTNO": expense,
            "COGSACCTNO": cogs,
            "DEFERREDREVACCTNO": deferred,
            "STATUS": "active",
        }
        for name, inventory, income, expense, cogs, deferred in GL_GROUPS
    )
    ctx.table("ITEMGLGROUP", at, ADMIN, groups)


def warehouses(ctx: Context, ent: Entity, planned: Planned) -> None:
    at = IMPORT_AT["ITEM"] - 300
    for n, (lid, lname) in enumerate(ent.locations[:2]):
        wid = f"WH-{lid}"
        ent.warehouses.append(wid)
        row = {
            "RECORDNO": ctx.recordno("WAREHOUSE"),
            "WAREHOUSEID": wid,
            "NAME": f"{lname} Warehouse"[:40],
            "LOC.LOCATIONID": lid,
            "PARENTID": ent.warehouses[0] if n else None,
            "MANAGERID": planned[-1][0],
            "CONTACTINFO.CONTACTNAME": None,
            "CONTACTINFO.MAILADDRESS.CITY": None,
            "CONTACTINFO.MAILADDRESS.STATE": None,
            "USEDINGL": True,
            "ENABLENEGATIVEINV": False,
            "STATUS": "active",
        }
        ctx.emit(ent, "WAREHOUSE", row | ctx.audit(at, at, ADMIN))


def items_catalog(ctx: Context, count: int) -> Iterator[Batch]:
    rnd = ctx.rnd
    at = IMPORT_AT["ITEM"]
    warehouses = ctx.entities[0].warehouses
    groups = tuple(group[0] for group in GL_GROUPS)
    for _ in range(count):
        rec = ctx.recordno("ITEM")
        group = pick(groups, rnd())
        stocked = group == "Hardware"
        cost = int(rnd() * 900) * 100 + 1_000
        row: Row = {
            "RECORDNO": rec,
            "ITEMID": f"I{1_000 + rec}",
            "NAME": f"{pick(ITEM_WORDS, rnd())} {pick(ITEM_NOUNS, rnd())} {rec}",
            "ITEMTYPE": "Inventory" if stocked else "Non-Inventory (Sales only)",
            "STATUS": "active" if rnd() < 0.95 else "inactive",
            "PRODUCTLINEID": group,
            "EXTENDED_DESCRIPTION": None,
            "PODESCRIPTION": None,
            "SODESCRIPTION": None,
            "UOMGRP": "Each" if stocked else "Time" if "Services" in group else "Count",
            "GLGROUP": group,
            "COST_METHOD": "Average" if stocked else "Standard",
            "STANDARD_COST": money(cost),
            "BASEPRICE": money(cost * 2),
            "TAXABLE": stocked,
            "SHIP_WEIGHT": Decimal(int(rnd() * 50) + 1) if stocked else None,
            "UPC": f"0{int(rnd() * 1e10):010d}" if stocked else None,
            "DEFAULT_WAREHOUSE": pick(warehouses, rnd()) if stocked else None,
            "WHENLASTSOLD": None,
            "WHENLASTRECEIVED": None,
        }
        ctx.items.append(row["ITEMID"])
        ctx.emit(None, "ITEM", row | ctx.audit(at, ctx.modified_after(at, 0.3), ADMIN))
        yield from ctx.sink.spill()
