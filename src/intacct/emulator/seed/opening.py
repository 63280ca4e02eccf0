"""The opening balances a company brings into Intacct from its previous system: one
journal entry per entity, posted on the first day of the history.

A real ledger never shows cash overdrawn for two years or a liability with a debit
balance because nothing was there before go-live; the demo's activity starts from zero,
so this entry gives each balance-sheet account the balance it needs to stay on its normal
side every month (rounded up to a thousand), a cash reserve, and the owners' capital
that balances it. Its amounts follow from the activity, so the entry is written after it
(booked at the end of the history, dated the first day), which keeps RECORDNO in time
order and the random draws where they were.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from itertools import accumulate

from intacct.emulator.seed.chart import ACCOUNTS, AP_ACCOUNT, AR_ACCOUNT
from intacct.emulator.seed.clock import DAY, SPAN, START
from intacct.emulator.seed.journal import Dims, Entry, Journal
from intacct.emulator.seed.model import Entity
from intacct.emulator.seed.names import CONTROLLER

__all__ = ["opening_balances"]

#: the owners' capital account the difference is booked to
CAPITAL = "3000"
#: the subledgers' control accounts
CONTROLS = (AP_ACCOUNT, AR_ACCOUNT)
#: booked on the last day of the history, at noon
BOOKED = SPAN - DAY + 12 * 3_600


def opening_balances(journal: Journal, ent: Entity) -> None:
    """Post ``ent``'s opening balance entry (after all its activity was posted)."""
    dims: Dims = (None, ent.locations[0][0] if ent.locations else None, *(None,) * 7)
    needed: dict[str, tuple[int, int]] = {}  # account -> (TR_TYPE, cents)
    for account, _, balance_sheet, normal_debit, _ in ACCOUNTS:
        # equity takes the difference; the AR and AP control accounts hold only what
        # their documents post (a party's opening balance would be an open document)
        if balance_sheet and not account.startswith("3") and account not in CONTROLS:
            side = 1 if normal_debit else -1
            short = -min(0, _lowest(journal, ent, account, side))
            if short:
                needed[account] = (side, _thousands(short))
    net = sum(tr_type * cents for tr_type, cents in needed.values())
    # cash brought in: what the credits above leave uncovered, the losses to come and a
    # reserve of a quarter of the biggest swing of the bank balance
    losses = _thousands(max(0, -_lowest_profit(journal, ent)))
    cash = max(0, -net) + losses + _thousands(_swing(journal, ent) // 4)
    _, short = needed.get(ent.cash_gl, (1, 0))
    needed[ent.cash_gl] = (1, short + cash)
    entries: list[Entry] = [(a, t, c, dims) for a, (t, c) in needed.items() if c]
    # the owners' capital balances it: never less than the losses and the reserve
    if net + cash:
        entries.append((CAPITAL, -1, net + cash, dims))
    journal.post(ent, "GJ", BOOKED, CONTROLLER, "Opening balances", None, entries, day=START.date())


def _moves(journal: Journal, ent: Entity, account: str) -> Counter[date]:
    """The account's posted cents per month (debits positive)."""
    return journal.movements.get((ent.id, account)) or Counter()


def _running(journal: Journal, ent: Entity, account: str) -> list[int]:
    """The account's balance (debits positive) at the end of each month with postings."""
    months = _moves(journal, ent, account)
    return list(accumulate(months[m] for m in sorted(months)))


def _lowest(journal: Journal, ent: Entity, account: str, side: int) -> int:
    """The lowest balance on the account's normal side (negative: it went the wrong way)."""
    return min((side * b for b in _running(journal, ent, account)), default=0)


def _swing(journal: Journal, ent: Entity) -> int:
    balances = _running(journal, ent, ent.cash_gl)
    return max(balances, default=0) - min(balances, default=0)


def _lowest_profit(journal: Journal, ent: Entity) -> int:
    """The lowest cumulative profit (credits of income-statement accounts) of any month."""
    moves = [_moves(journal, ent, a[0]) for a in ACCOUNTS if not a[2]]
    months = sorted({m for account in moves for m in account})
    profit = [-sum(account[m] for account in moves) for m in months]
    return min(accumulate(profit), default=0)


def _thousands(cents: int) -> int:
    """Rounded up to a whole thousand (of the currency)."""
    return -(-cents // 100_000) * 100_000
