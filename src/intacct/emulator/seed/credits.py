"""Credit memos (APADJUSTMENT, ARADJUSTMENT) and their lines, for either subledger.

They are kept off the ledger: the emulator does not post adjustments, so they write no
journal entry and settle nothing.
"""

from __future__ import annotations

from intacct.emulator.seed.clock import dt
from intacct.emulator.seed.common import money, pick
from intacct.emulator.seed.context import Context
from intacct.emulator.seed.model import Entity
from intacct.emulator.seed.sides import Side

__all__ = ["credit_memo"]


def credit_memo(ctx: Context, side: Side, ent: Entity, created: int) -> None:
    """A credit memo of one to two lines against a party that existed at ``created``."""
    rnd = ctx.rnd
    obj = side.adjustment
    party = ent.parties[side.party].pick(rnd(), created)
    by = pick(side.creators, rnd())
    rec, day = ctx.recordno(obj), dt(created).date()
    cents = [int(10 ** (3 + 2 * rnd())) for _ in range(1 + int(rnd() * 2))]
    amount = money(sum(cents))
    ctx.emit(
        ent,
        obj,
        {
            "RECORDNO": rec,
            "RECORDID": f"CM-{rec:05d}",
            side.party_id: party.id,
            side.party_name: party.name,
            "DOCNUMBER": None,
            "DESCRIPTION": side.credit_reason,
            "WHENPOSTED": day,
            "ADJUSTMENTTYPE": "Credit memo",
            "BASECURR": ent.currency,
            "CURRENCY": ent.currency,
            "TOTALENTERED": amount,
            "TRX_TOTALENTERED": amount,
            "TOTALDUE": amount,
            "STATE": "Posted",
            "PRBATCH": None,
            "SUPDOCID": None,
        }
        | ctx.audit(created, created, by),
    )
    for n, part in enumerate(cents):
        acct = pick(side.accounts, rnd())
        ctx.emit(
            ent,
            side.adjustment_line,
            {
                "RECORDNO": ctx.recordno(side.adjustment_line),
                "RECORDKEY": rec,
                "LINE_NO": n + 1,
                "ACCOUNTNO": acct,
                "ACCOUNTTITLE": ctx.accounts[acct][1],
                "AMOUNT": money(part),
                "TRX_AMOUNT": money(part),
                "ENTRYDESCRIPTION": None,
                "DEPARTMENTID": pick(ent.departments, rnd())[0],
                "LOCATIONID": pick(ent.locations, rnd())[0],
                "CURRENCY": ent.currency,
            }
            | ctx.audit(created, created, by),
        )
