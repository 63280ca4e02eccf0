"""Credit memos (APADJUSTMENT, ARADJUSTMENT) and their lines, for either subledger.

A memo is written here; :class:`~intacct.emulator.seed.subledger.Subledger` decides what
it is for and posts it (its document's posting reversed: the control account back against
the lines' accounts). A memo credits one of the party's documents written before it
(never one it would post ahead of) and is applied on that document's payment, as
Intacct's pay-bills and receive-payments screens apply a party's open credits; one that
finds no document to credit is left a draft, so a control account never holds more
credits than documents (AR never in credit, AP never in debit).
"""

from __future__ import annotations

from intacct.emulator.seed.clock import dt
from intacct.emulator.seed.common import ZERO, Row, money, pick
from intacct.emulator.seed.context import Context
from intacct.emulator.seed.model import Entity, OpenDoc, Party
from intacct.emulator.seed.sides import Side

__all__ = ["Memo", "draw_memo", "memo_id", "write_memo"]

#: a memo as drawn, before it is written: (RECORDNO, party, creator, lines as (row, cents))
Memo = tuple[int, Party, int, list[tuple[Row, int]]]


def draw_memo(
    ctx: Context, side: Side, ent: Entity, created: int, party: Party, cents: list[int]
) -> Memo:
    """A credit memo to ``party`` with a line of each amount in ``cents``."""
    rnd = ctx.rnd
    by = pick(side.creators, rnd())
    rec = ctx.recordno(side.adjustment)
    lines: list[tuple[Row, int]] = []
    for n, part in enumerate(cents):
        acct = pick(side.accounts, rnd())
        row = {
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
        lines.append((row, part))
    return rec, party, by, lines


def write_memo(
    ctx: Context, side: Side, ent: Entity, memo: Memo, created: int, applied: OpenDoc | None
) -> None:
    """The memo's rows: Paid when ``applied`` to a document (on that document's payment
    day), else a Draft, wholly due."""
    rec, party, by, lines = memo
    amount = money(sum(cents for _, cents in lines))
    paid = amount if applied else ZERO
    changed, changed_by = (applied.paid_at, side.clerk) if applied else (created, by)
    ctx.emit(
        ent,
        side.adjustment,
        {
            "RECORDNO": rec,
            "RECORDID": memo_id(rec),
            side.party_id: party.id,
            side.party_name: party.name,
            "DOCNUMBER": None,
            "DESCRIPTION": side.credit_reason,
            "WHENPOSTED": dt(created).date(),
            "WHENPAID": dt(applied.paid_at).date() if applied else None,
            "ADJUSTMENTTYPE": "Credit memo",
            "BASECURR": ent.currency,
            "CURRENCY": ent.currency,
            "TOTALENTERED": amount,
            "TRX_TOTALENTERED": amount,
            "TOTALPAID": paid,
            "TRX_TOTALPAID": paid,
            "TOTALDUE": amount - paid,
            "TRX_TOTALDUE": amount - paid,
            "STATE": "Paid" if applied else "Draft",
            "PRBATCH": None,
            "SUPDOCID": None,
        }
        | ctx.audit(created, changed, by, changed_by),
    )
    for row, _ in lines:
        ctx.emit(ent, side.adjustment_line, row | ctx.audit(created, created, by))


def memo_id(rec: int) -> str:
    """A memo's RECORDID, also the REFERENCENO of its journal entry."""
    return f"CM-{rec:05d}"
