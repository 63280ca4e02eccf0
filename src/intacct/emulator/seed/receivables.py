"""Accounts receivable: customer invoices, paid on the customers' own schedule and banked
in a weekly deposit.

Only the policies live here; the shared :class:`~intacct.emulator.seed.subledger.Subledger`
writes the rows.
"""

from __future__ import annotations

from datetime import date, timedelta

from intacct.emulator.seed.clock import DAY, SPAN
from intacct.emulator.seed.common import Row
from intacct.emulator.seed.model import Entity, Party, Project
from intacct.emulator.seed.sides import RECEIVABLES
from intacct.emulator.seed.subledger import Subledger

__all__ = ["Receivables"]


class Receivables(Subledger):
    side = RECEIVABLES

    def schedule(self, party: Party, created: int) -> tuple[bool, bool, int]:
        rnd = self.ctx.rnd
        # customers pay on their own schedule, some early, many late
        paid_at = created + (party.term_days + int(rnd() * 50) - 10) * DAY + int(rnd() * 36_000)
        paid_at = max(paid_at, created + 3_600)
        paid = paid_at < SPAN - 3_600 and rnd() > 0.03
        if not paid:
            paid_at = self.ctx.modified_after(created, 0.1)
        return True, paid, paid_at  # invoices are always posted

    def record_id(self, ent: Entity, rec: int) -> str:
        return f"INV-{ent.id or 'D'}-{rec:06d}"

    def document_tail(self, party: Party) -> Row:
        rnd = self.ctx.rnd
        return {
            "MODULEKEY": "4.AR",
            "BILLTO.CONTACTNAME": party.contact,
            "SHIPTO.CONTACTNAME": party.contact,
            "PONUMBER": f"{int(rnd() * 90_000) + 10_000}" if rnd() < 0.3 else None,
            "CUSTOMERKEY": party.recordno,
        }

    def line_tail(self, acct: str, day: date, project: Project | None) -> Row:
        subscription = acct == "4010"  # recognised over a year
        return {
            "REVRECSTARTDATE": day if subscription else None,
            "REVRECENDDATE": day + timedelta(days=364) if subscription else None,
        }

    def payment_refs(self, rec: int, day: date) -> Row:
        # the customer's check or transfer number
        return {"DOCNUMBER": str(int(self.ctx.rnd() * 900_000) + 100_000), "DESCRIPTION": None}

    def payment_tail(self, ent: Entity, week: int, deposit_no: int, day: date, at: int) -> Row:
        return {
            "CLEARED": "Uncleared",
            "DEPOSITKEY": deposit_no,
            "PRBATCH": f"Receipts: {day:%Y/%m/%d}",
        }
