"""One implementation of both subledgers: documents and their lines, their journal
entries, the payments that settle them, and credit memos (their rows are in ``credits``).

Payables and receivables differ in names, accounts and ratios (:class:`Side`) and in a few
policies (when a document gets paid, how it is numbered, a handful of extra fields), which
the two subclasses supply through the abstract hooks below. Everything else, including
the order of the random draws, is shared.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from typing import ClassVar

from intacct.emulator.seed.audit import document_history, history
from intacct.emulator.seed.cash import deposit
from intacct.emulator.seed.clock import dt, week_of
from intacct.emulator.seed.common import ONE, ZERO, Batch, Row, money, pick
from intacct.emulator.seed.context import Context
from intacct.emulator.seed.credits import draw_memo, memo_id, write_memo
from intacct.emulator.seed.journal import Entry, Journal, line_dims
from intacct.emulator.seed.model import Entity, OpenDoc, Party, Project, open_doc
from intacct.emulator.seed.reference import CLASSES
from intacct.emulator.seed.sides import Side

__all__ = ["Subledger"]


class Subledger(ABC):
    """Writes one subledger's activity for every entity of a company."""

    side: ClassVar[Side]

    def __init__(self, ctx: Context, journal: Journal) -> None:
        self.ctx = ctx
        self.journal = journal
        #: (entity, week) -> the documents a payment settles that week; the only
        #: transactions kept in memory between batches
        self.open: dict[tuple[str, int], list[OpenDoc]] = {}
        #: entity -> the same documents, where a credit memo finds the one it is for
        self.unpaid: dict[str, list[OpenDoc]] = {}

    # ----------------------------------------------------------------- policies
    # Hooks that draw random numbers are called exactly where their fields stand in the
    # row, so the draws keep following the row's field order.

    @abstractmethod
    def schedule(self, party: Party, created: int) -> tuple[bool, bool, int]:
        """(posted, paid, when paid or last modified) for a new document."""

    @abstractmethod
    def record_id(self, ent: Entity, rec: int) -> str:
        """The document's RECORDID."""

    @abstractmethod
    def document_tail(self, party: Party) -> Row:
        """The fields a document row ends with, after PRBATCH."""

    @abstractmethod
    def line_tail(self, acct: str, day: date, project: Project | None) -> Row:
        """The fields a line row ends with, before its audit fields."""

    @abstractmethod
    def payment_refs(self, rec: int, day: date) -> Row:
        """A payment's DOCNUMBER and DESCRIPTION."""

    @abstractmethod
    def payment_tail(self, ent: Entity, week: int, deposit_no: int, day: date, at: int) -> Row:
        """The fields a payment row ends with, after STATE."""

    # ----------------------------------------------------------------- documents

    def document(self, ent: Entity, created: int) -> None:
        """A bill or invoice with its lines, journal entry and audit history."""
        ctx, side = self.ctx, self.side
        rnd = ctx.rnd
        party = ent.parties[side.party].pick(rnd(), created)
        by = pick(side.creators, rnd())
        posted, paid, paid_at = self.schedule(party, created)
        day = dt(created).date()
        rec = ctx.recordno(side.document)
        lines = self.lines(ent, rec, party, created, paid_at, by, day, paid)
        total = sum(c for _, c in lines)
        amount, paid_amount = money(total), money(total) if paid else ZERO
        prefix, offset, chance = side.order
        ctx.emit(
            ent,
            side.document,
            {
                "RECORDNO": rec,
                "RECORDTYPE": side.record_type,
                "RECORDID": self.record_id(ent, rec),
                side.party_id: party.id,
                side.party_name: party.name,
                "DOCNUMBER": f"{prefix}-{rec + offset}" if rnd() < chance else None,
                "DESCRIPTION": side.description.format(party.name),
                "WHENPOSTED": day,
                "WHENDUE": day + timedelta(days=party.term_days),
                "WHENPAID": dt(paid_at).date() if paid else None,
                "TERMNAME": party.term,
                "BASECURR": ent.currency,
                "CURRENCY": ent.currency,
                "EXCHANGE_RATE": ONE,
                "TOTALENTERED": amount,
                "TRX_TOTALENTERED": amount,
                "TOTALPAID": paid_amount,
                "TRX_TOTALPAID": paid_amount,
                "TOTALDUE": amount - paid_amount,
                "TRX_TOTALDUE": amount - paid_amount,
                "STATE": "Paid" if paid else "Posted" if posted else "Draft",
                "RAWSTATE": None,
                "ONHOLD": False,
                "PRBATCH": f"{side.batch}: {day:%Y/%m/%d}",
                **self.document_tail(party),
            }
            | ctx.audit(created, paid_at, by, side.clerk if paid else by),
        )
        for row, _ in lines:
            ctx.emit(ent, side.line, row)
        desc = f"{side.label} {party.name}"
        document_history(ctx, side.document, rec, desc, created, by, sent=not side.payables)
        if posted:
            title = f"{side.posting} {party.name}"
            self.post_document(ent, party, lines, created, by, title, str(rec))
        if paid:
            doc = open_doc(rec, party, lines, created, paid_at)
            self.open.setdefault((ent.id, week_of(paid_at)), []).append(doc)
            self.unpaid.setdefault(ent.id, []).append(doc)

    def lines(
        self,
        ent: Entity,
        rec: int,
        party: Party,
        created: int,
        paid_at: int,
        by: int,
        day: date,
        paid: bool,
    ) -> list[tuple[Row, int]]:
        """A document's lines as (row, cents); written after the header that totals them."""
        ctx, side = self.ctx, self.side
        rnd = ctx.rnd
        low, span = side.magnitude
        project_chance, class_chance, item_chance = side.chances
        departments = ent.departments[side.departments]
        out: list[tuple[Row, int]] = []
        for n in range(1 + int(rnd() ** 2 * 5)):
            acct = pick(side.accounts, rnd())
            cents = int(10 ** (low + span * rnd()))
            amount = money(cents)
            dept, dname = pick(departments, rnd())
            loc, lname = pick(ent.locations, rnd())
            project = ent.projects.pick(rnd(), created) if rnd() < project_chance else None
            row = {
                "RECORDNO": ctx.recordno(side.line),
                "RECORDKEY": rec,
                "LINE_NO": n + 1,
                "ACCOUNTNO": acct,
                "ACCOUNTKEY": ctx.accounts[acct][0],
                "ACCOUNTTITLE": ctx.accounts[acct][1],
                "OFFSETACCOUNTNO": side.control,
                "AMOUNT": amount,
                "TRX_AMOUNT": amount,
                "TOTALPAID": amount if paid else ZERO,
                "ENTRYDESCRIPTION": ctx.accounts[acct][1],
                "ENTRY_DATE": day,
                "BASECURR": ent.currency,
                "CURRENCY": ent.currency,
                side.party_id: party.id,
                "DEPARTMENTID": dept,
                "DEPARTMENTNAME": dname,
                "LOCATIONID": loc,
                "LOCATIONNAME": lname,
                "PROJECTID": project.id if project else None,
                "CLASSID": pick(CLASSES, rnd())[0] if rnd() < class_chance else None,
                "ITEMID": pick(ctx.items, rnd()) if rnd() < item_chance else None,
                "EMPLOYEEID": None,
                **self.line_tail(acct, day, project),
            } | ctx.audit(created, paid_at, by, side.clerk if paid else by)
            out.append((row, cents))
        return out

    def post_document(
        self,
        ent: Entity,
        party: Party,
        lines: Sequence[tuple[Row, int]],
        created: int,
        by: int,
        title: str,
        reference: str,
        *,
        credit: bool = False,
    ) -> None:
        """Journal a bill (expense lines debit, AP credit) or an invoice (AR debit,
        revenue lines credit); a ``credit`` memo the other way round."""
        side = self.side
        sign = (1 if side.payables else -1) * (-1 if credit else 1)
        vendor, customer = side.vendor_customer(party.id)
        location = lines[0][0]["LOCATIONID"]
        control = (None, location, None, customer, vendor, None, None, None, None)
        total = sum(cents for _, cents in lines)
        entries: list[Entry] = [(side.control, -sign, total, control)]
        entries += [
            (row["ACCOUNTNO"], sign, cents, line_dims(row, vendor, customer))
            for row, cents in lines
        ]
        self.journal.post(ent, side.journal, created, by, title, reference, entries)

    # ----------------------------------------------------------------- credit memos

    def credit_memo(self, ent: Entity, created: int) -> None:
        """A credit memo for one of the party's documents, written before it, that a later
        payment settles and that it does not cover (so that payment still pays money):
        posted, and applied by that payment. With no such document it stays a draft,
        posting nothing."""
        ctx, side = self.ctx, self.side
        rnd = ctx.rnd
        cents = [int(10 ** (3 + 2 * rnd())) for _ in range(1 + int(rnd() * 2))]
        total = sum(cents)
        chance = rnd()
        doc = _credited(self.unpaid.get(ent.id, ()), created, total, chance)
        party = doc.party if doc else ent.parties[side.party].pick(chance, created)
        memo = draw_memo(ctx, side, ent, created, party, cents)
        write_memo(ctx, side, ent, memo, created, doc)
        if doc:
            rec, _, by, lines = memo
            doc.credits.append((rec, total))
            title = f"{side.posting} credit {party.name}"
            self.post_document(ent, party, lines, created, by, title, memo_id(rec), credit=True)

    # ----------------------------------------------------------------- payments

    def settle(self, ent: Entity, week: int) -> Iterator[Batch]:
        """Pay the documents due this week: one payment per document, one detail per
        line, and (receivables) one deposit of them all."""
        due = self.open.pop((ent.id, week), [])
        if not due:
            return
        # receipts arrive through the week; a payment run pays at one second, in bill order
        due.sort(key=lambda d: (d.paid_at, d.recordno))
        deposit_no = self.ctx.recordno("DEPOSIT") if self.side.deposits else 0
        paying = {id(doc) for doc in due}
        self.unpaid[ent.id] = [d for d in self.unpaid[ent.id] if id(d) not in paying]
        for doc in due:
            self.payment(ent, doc, week, deposit_no)
            yield from self.ctx.sink.spill()
        if self.side.deposits:
            deposit(self.ctx, self.journal, ent, week, deposit_no, due)

    def payment(self, ent: Entity, doc: OpenDoc, week: int, deposit_no: int) -> None:
        ctx, side = self.ctx, self.side
        rec = ctx.recordno(side.payment)
        at, day, amount = doc.paid_at, dt(doc.paid_at).date(), money(doc.cash)
        reference = f"{side.payment_prefix}-{rec:07d}"
        first_date, second_date = side.payment_dates
        ctx.emit(
            ent,
            side.payment,
            {
                "RECORDNO": rec,
                "RECORDID": reference,
                "PAYMENTMETHOD": pick(side.payment_methods, ctx.rnd()),
                "FINANCIALENTITY": ent.bank,
                side.party_id: doc.party.id,
                side.party_name: doc.party.name,
                first_date: day,
                second_date: day,
                **self.payment_refs(rec, day),
                "BASECURR": ent.currency,
                "CURRENCY": ent.currency,
                "EXCHANGE_RATE": ONE,
                "TOTALENTERED": amount,
                "TRX_TOTALENTERED": amount,
                "TOTALPAID": amount,
                "STATE": "Complete",
                **self.payment_tail(ent, week, deposit_no, day, at),
            }
            | ctx.audit(at, at, side.clerk),
        )
        for line_no, memo, cents in _pieces(doc):
            paid, credited = (ZERO, money(cents)) if memo else (money(cents), None)
            ctx.emit(
                ent,
                side.payment_detail,
                {
                    "RECORDNO": ctx.recordno(side.payment_detail),
                    "PAYMENTKEY": rec,
                    "RECORDKEY": doc.recordno,
                    "ENTRYKEY": line_no,
                    "POSADJKEY": None,
                    "PAYMENTAMOUNT": paid,
                    "TRX_PAYMENTAMOUNT": paid,
                    "DISCOUNTAMOUNT": ZERO,
                    "ADJUSTMENTKEY": memo,
                    "ADJUSTMENTAMOUNT": credited,
                    "TRX_ADJUSTMENTAMOUNT": credited,
                    "CURRENCY": ent.currency,
                    "PAYMENTDATE": day,
                }
                | ctx.audit(at, at, side.clerk),
            )
        history(ctx, side.payment, rec, f"{side.payment_label} {doc.party.name}", at, side.clerk)
        vendor, customer = side.vendor_customer(doc.party.id)
        dims = (None, doc.location, None, customer, vendor, None, None, None, None)
        cash = ent.cash_gl if side.cash == "CASH" else side.cash
        # a payment clears the control account against cash: AP debits it, AR credits it
        debit, credit = (side.control, cash) if side.payables else (cash, side.control)
        self.journal.post(
            ent,
            side.payment_journal,
            at,
            side.clerk,
            f"{side.payment_posting} {doc.party.name}",
            reference,
            [(debit, 1, doc.cash, dims), (credit, -1, doc.cash, dims)],
        )


def _credited(unpaid: Iterable[OpenDoc], created: int, cents: int, chance: float) -> OpenDoc | None:
    """The document a memo of ``cents`` written at ``created`` credits, picked by ``chance``
    among those a later payment settles for more than the memo, or None.

    Memos are drawn after all of a week's documents, so the week's later ones are among
    them; crediting one would post the credit before its document (a month end between
    the two leaves the control account on the wrong side). A pick that lands on one is
    made again, with the same ``chance``, among those already written; the first runs
    over all of them, as it always has, so every other memo keeps its document."""
    later = [d for d in unpaid if d.paid_at > created and d.cash > cents]
    doc = later[int(chance * len(later))] if later else None
    if doc is None or doc.created <= created:
        return doc
    written = [d for d in later if d.created <= created]
    return written[int(chance * len(written))] if written else None


def _pieces(doc: OpenDoc) -> Iterator[tuple[int, int | None, int]]:
    """How a payment settles a document's lines, as (line RECORDNO, credit memo RECORDNO or
    None for money, cents): the credits applied first, line by line, then money."""
    credits = [[memo, cents] for memo, cents in doc.credits]
    for line_no, due in doc.lines:
        while due and credits:
            memo, left = credits[0]
            used = min(due, left)
            yield line_no, memo, used
            due, credits[0][1] = due - used, left - used
            if not credits[0][1]:
                credits.pop(0)
        if due:
            yield line_no, None, due
