"""Accounts payable: vendor bills, paid in the weekly payment run around their due date.

Only the policies live here; the shared :class:`~intacct.emulator.seed.subledger.Subledger`
writes the rows.
"""

from __future__ import annotations

from datetime import date, timedelta

from intacct.emulator.seed.clock import DAY, SPAN, WEEK, WEEKS, week_of
from intacct.emulator.seed.common import Row
from intacct.emulator.seed.model import Entity, Party, Project
from intacct.emulator.seed.sides import PAYABLES
from intacct.emulator.seed.subledger import Subledger

__all__ = ["Payables", "run_time"]


def run_time(week: int) -> int:
    """The weekly AP payment run (Thursday, 10:00): one exact second for every payment it
    releases, a large WHENMODIFIED tie."""
    return int(week * WEEK) + 3 * DAY + 10 * 3_600


class Payables(Subledger):
    side = PAYABLES

    def schedule(self, party: Party, created: int) -> tuple[bool, bool, int]:
        rnd = self.ctx.rnd
        posted = rnd() > 0.02  # a few drafts never reach the ledger
        # bills are paid in the weekly payment run around their due date, never the same week
        pay_week = week_of(created + party.term_days * DAY - int(rnd() * 5) * DAY)
        pay_week = max(pay_week, week_of(created) + 1)
        paid = posted and pay_week < WEEKS
        return posted, paid, run_time(pay_week) if paid else created

    def record_id(self, ent: Entity, rec: int) -> str:
        return f"INV-{int(self.ctx.rnd() * 900_000) + 100_000}"  # the vendor's invoice number

    def document_tail(self, party: Party) -> Row:
        return {
            "PRBATCHKEY": None,
            "MODULEKEY": "3.AP",
            "SUPDOCID": None,
            "PAYTO.CONTACTNAME": party.contact,
            "RETURNTO.CONTACTNAME": party.contact,
            "BILLTOPAYTOKEY": None,
            "VENDORKEY": party.recordno,
        }

    def line_tail(self, acct: str, day: date, project: Project | None) -> Row:
        # costs on a billable project can be passed on to its customer
        return {"BILLABLE": project is not None and project.billable, "BILLED": False}

    def payment_refs(self, rec: int, day: date) -> Row:
        return {"DOCNUMBER": str(10_000 + rec), "DESCRIPTION": f"Payment run {day:%Y-%m-%d}"}

    def payment_tail(self, ent: Entity, week: int, deposit_no: int, day: date, at: int) -> Row:
        cleared = at < SPAN - 30 * DAY  # the last month's checks are still outstanding
        return {
            "CLEARED": "Cleared" if cleared else "Uncleared",
            "CLRDATE": day + timedelta(days=5) if cleared else None,
            "PRBATCH": f"Payments: {day:%Y/%m/%d}",
            "PAYMENTRUN": f"RUN-{ent.id or 'CO'}-{week:03d}",
        }
