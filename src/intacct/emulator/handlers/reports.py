"""Legacy balance reports computed from the general ledger: get_trialbalance and
get_accountbalances. [U] Request/response element names follow the 2.1 DTD style
(lower-case, split dates); amounts are signed debit-positive sums of posted GLENTRY."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from lxml import etree

from intacct.emulator.dispatch import Ctx, Handler, Outcome
from intacct.emulator.errors import ErrorLine, FunctionError
from intacct.emulator.handlers.common import object_def

__all__ = ["HANDLERS"]


def _date(ctx: Ctx, tag: str, default: date | None) -> date:
    el = ctx.fn.body.find(tag)
    if el is None:
        if default is None:
            raise FunctionError(
                ErrorLine("XL03000003", "", f"{ctx.fn.name}: Element '{tag}' is required.", "")
            )
        return default
    try:
        return date(
            int(el.findtext("year") or 0),
            int(el.findtext("month") or 0),
            int(el.findtext("day") or 0),
        )
    except ValueError:
        raise FunctionError(ErrorLine("BL03000018", "", f"Illegal date in {tag}.", "")) from None


def _money(value: float | None) -> str:
    return str(Decimal(str(value or 0)).quantize(Decimal("0.01")))


def _balances(ctx: Ctx, row_tag: str) -> Outcome:
    start = _date(ctx, "startdate", None)
    end = _date(ctx, "enddate", datetime.now(UTC).date())
    if end < start:
        raise FunctionError(ErrorLine("BL03000018", "", "enddate is before startdate.", ""))
    entries = object_def(ctx, "GLENTRY")
    account = (ctx.fn.body.findtext("glaccountno") or "").strip() or None
    rows = ctx.store.gl_balances(entries, ctx.scope, start.isoformat(), end.isoformat(), account)
    data = etree.Element("data")
    for accountno, opening, debits, credits in rows:
        row = etree.SubElement(data, row_tag)
        ending = (opening or 0) + (debits or 0) - (credits or 0)
        for tag, text in (
            ("glaccountno", accountno),
            ("startbalance", _money(opening)),
            ("debits", _money(debits)),
            ("credits", _money(credits)),
            ("adjdebits", "0.00"),
            ("adjcredits", "0.00"),
            ("endbalance", _money(ending)),
            ("reportingbook", "ACCRUAL"),
            ("currency", "USD"),
        ):
            etree.SubElement(row, tag).text = text
    return Outcome(data=data)


def get_trialbalance(ctx: Ctx) -> Outcome:
    return _balances(ctx, "trialbalance")


def get_accountbalances(ctx: Ctx) -> Outcome:
    return _balances(ctx, "accountbalance")


HANDLERS: dict[str, Handler] = {
    "get_trialbalance": get_trialbalance,
    "get_accountbalances": get_accountbalances,
}
