"""General-ledger postings: balanced GLBATCH entries with their GLENTRY lines and the
GLDETAIL view of the posted ones, plus the manual journal entries accountants make.

Every subledger document, payment and deposit posts through :meth:`Journal.post`, which is
why journal lines and GL detail dominate the data, as in a real company.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from intacct.emulator.posting import detail_row, line_state, posts
from intacct.emulator.seed.audit import history
from intacct.emulator.seed.chart import JE_TEMPLATES, JOURNAL_MODULE
from intacct.emulator.seed.clock import dt
from intacct.emulator.seed.common import ONE, Row, money, pick, split
from intacct.emulator.seed.context import Context
from intacct.emulator.seed.model import Entity
from intacct.emulator.seed.names import GL_CREATORS
from intacct.emulator.seed.reference import CLASSES, FUNDS

__all__ = ["Dims", "Entry", "Journal", "line_dims"]

#: posting dimensions: department, location, project, customer, vendor, employee, item,
#: class, fund
Dims = tuple[str | None, ...]
#: one journal line: account, TR_TYPE (1 debit, -1 credit), cents, dimensions
Entry = tuple[str, int, int, Dims]


def line_dims(row: Row, vendor: str | None = None, customer: str | None = None) -> Dims:
    """The dimensions a subledger document line posts with (a credit memo's line has
    only a department and a location)."""
    return (
        row["DEPARTMENTID"],
        row["LOCATIONID"],
        row.get("PROJECTID"),
        customer,
        vendor,
        row.get("EMPLOYEEID"),
        row.get("ITEMID"),
        row.get("CLASSID"),
        None,
    )


class Journal:
    """Posts one company's journal entries; numbers batches per journal."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.batch_numbers: dict[str, int] = {}
        #: (entity, account) -> posted cents per month (debits positive), for the
        #: opening balances (:mod:`~intacct.emulator.seed.opening`)
        self.movements: defaultdict[tuple[str, str], Counter[date]] = defaultdict(Counter)

    def manual_entry(self, ent: Entity, created: int) -> None:
        """A manual entry from a template: weighted debit lines against credit lines."""
        ctx = self.ctx
        rnd = ctx.rnd
        title, journal, debits, credits, top = pick(JE_TEMPLATES, rnd())
        total = int(top * 100 * (0.2 + 0.8 * rnd()))
        by = pick(GL_CREATORS, rnd())
        fund = pick(FUNDS, rnd())[0] if rnd() < 0.5 else None
        loc = pick(ent.locations, rnd())[0]
        entries: list[Entry] = []
        for side, tr_type in ((debits, 1), (credits, -1)):
            parts = split(total, [share for _, share in side])
            for (acct, _), cents in zip(side, parts, strict=True):
                acct = ent.cash_gl if acct == "CASH" else acct
                dept = pick(ent.departments, rnd())[0] if not ctx.accounts[acct][2] else None
                cls = pick(CLASSES, rnd())[0] if rnd() < 0.2 else None
                entries.append(
                    (acct, tr_type, cents, (dept, loc, None, None, None, None, None, cls, fund))
                )
        state = "Draft" if rnd() < 0.03 else "Posted"
        rec = self.post(
            ent, journal, created, by, f"{title} {dt(created):%b %Y}", None, entries, state=state
        )
        history(ctx, "GLBATCH", rec, title, created, by)

    def post(
        self,
        ent: Entity,
        journal: str,
        created: int,
        by: int,
        title: str,
        reference: str | None,
        entries: list[Entry],
        *,
        state: str = "Posted",
        module: str | None = None,
        day: date | None = None,
    ) -> int:
        """Write one balanced GLBATCH with its GLENTRY lines and (if posted) GLDETAIL rows,
        posted on ``day`` (default: the day it is ``created``)."""
        debit = sum(c for _, t, c, _ in entries if t == 1)
        if debit != sum(c for _, t, c, _ in entries if t == -1):
            raise AssertionError(f"unbalanced {journal} entry {title!r}")
        module = module or JOURNAL_MODULE.get(journal, "2.GL")
        rec = self.ctx.recordno("GLBATCH")
        number = self.batch_numbers[journal] = self.batch_numbers.get(journal, 0) + 1
        when = dt(created)
        day = day or when.date()
        if posts(state):
            month = day.replace(day=1)
            for acct, tr_type, cents, _ in entries:
                self.movements[ent.id, acct][month] += tr_type * cents
        # one audit stamp for the batch and all its lines: they are saved together
        audit = {"WHENCREATED": when, "WHENMODIFIED": when, "CREATEDBY": by, "MODIFIEDBY": by}
        batch = {
            "RECORDNO": rec,
            "BATCHNO": number,
            "JOURNAL": journal,
            "BATCH_DATE": day,
            "REVERSEDATE": None,
            "BATCH_TITLE": title,
            "MODULE": module,
            "REFERENCENO": reference,
            "SUPDOCID": None,
            "STATE": state,
            "REVERSEDKEY": None,
            "REVERSEDFROM": None,
            "BASELOCATION_NO": None,
            "TAXIMPLICATIONS": False,
            "USERKEY": by,
            "CREATEDATE": when,
        }
        self.ctx.emit(ent, "GLBATCH", batch | audit)
        for n, (acct, tr_type, cents, dims) in enumerate(entries):
            self._line(ent, batch, n + 1, acct, tr_type, cents, dims, audit)
        return rec

    def _line(
        self,
        ent: Entity,
        batch: Row,
        line: int,
        acct: str,
        tr_type: int,
        cents: int,
        dims: Dims,
        audit: Row,
    ) -> None:
        """One GLENTRY and, once posted, the GLDETAIL row that shows it."""
        ctx = self.ctx
        account_no, account_title, balance_sheet = ctx.accounts[acct]
        amount = money(cents)
        dept, loc, project, customer, vendor, employee, item, cls, fund = dims
        entry = {
            "RECORDNO": ctx.recordno("GLENTRY"),
            "BATCHKEY": batch["RECORDNO"],
            "BATCHNO": batch["BATCHNO"],
            "BATCH_TITLE": batch["BATCH_TITLE"],
            "LINE_NO": line,
            "ENTRY_DATE": batch["BATCH_DATE"],
            "TR_TYPE": tr_type,
            "ACCOUNTNO": acct,
            "ACCOUNTKEY": account_no,
            "ACCOUNTTITLE": account_title,
            "AMOUNT": amount,
            "TRX_AMOUNT": amount,
            "CURRENCY": ent.currency,
            "BASECURR": ent.currency,
            "EXCHANGE_RATE": ONE,
            "DESCRIPTION": batch["BATCH_TITLE"],
            "DEPARTMENT": dept,
            "LOCATION": loc,
            "PROJECTID": project,
            "CUSTOMERID": customer,
            "VENDORID": vendor,
            "EMPLOYEEID": employee,
            "ITEMID": item,
            "CLASSID": cls,
            "STATE": line_state(batch["STATE"]),
            "CLEARED": "Uncleared",
            "RECON_DATE": None,
            "BILLABLE": False,
            "GLDIMFUND": fund,
        }
        ctx.emit(ent, "GLENTRY", entry | audit)
        if not posts(batch["STATE"]):
            return  # the GL detail view only shows posted entries
        detail = detail_row(
            batch,
            entry,
            balance_sheet=balance_sheet,
            department_title=ctx.dept_titles.get(dept) if dept else None,
            location_name=ctx.loc_names.get(loc) if loc else None,
        )
        ctx.emit(ent, "GLDETAIL", {"RECORDNO": ctx.recordno("GLDETAIL"), **detail} | audit)
