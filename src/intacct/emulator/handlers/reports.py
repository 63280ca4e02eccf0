"""Legacy balance reports computed from the general ledger: get_trialbalance and
get_accountbalances, shaped as the 2.1 DTD says (intacct_gl_functions.v2.1.dtd for the
requests, intacct_response_objects.v2.1.dtd for the rows). The period is either a
``reportingperiodname`` or ``startdate``/``enddate`` split into year/month/day.

Balances come from the posted lines alone, the GL detail view (``Store.gl_balances``): a
draft entry moves nothing until it posts. Per account, STARTBALANCE is the sum of the
posted lines dated before the period's start, DEBITS and CREDITS those within it, and
ENDBALANCE = STARTBALANCE + DEBITS - CREDITS, the sum of the posted lines through the
period's end; amounts are signed, debits positive.
[U] Income-statement accounts follow the same rule: their balances run from the first
posting, with no closing into retained earnings at a fiscal year's end. Intacct's
reports close them to the account's CLOSINGACCOUNTNO (3200 in the demo chart) when
they show a new fiscal year, but no public source says how get_trialbalance shows that
(the 2.1 DTD gives the element names only), so the emulator keeps one rule for every
account, under which the whole ledger's ENDBALANCEs sum to zero for any period.
Department/location detail (showdeptdetail, showlocdetail) is not broken out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from intacct.emulator.dispatch import Ctx, Handler, Outcome
from intacct.emulator.errors import ErrorLine, FunctionError
from intacct.emulator.handlers.common import object_def

__all__ = ["ACCOUNTBALANCE", "HANDLERS", "TRIALBALANCE"]


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


def _money(cents: int) -> str:
    return str(Decimal(cents).scaleb(-2))


#: intacct_response_objects.v2.1.dtd:149 trialbalance (glaccountno, startbalance, debits,
#: credits, endbalance, departmentid?, locationid?)
TRIALBALANCE = ("glaccountno", "startbalance", "debits", "credits", "endbalance")
#: :16 accountbalance (glaccountno, startbalance, debits, credits, adjdebits, adjcredits,
#: endbalance, currency, reportingbook)
ACCOUNTBALANCE = (
    "glaccountno",
    "startbalance",
    "debits",
    "credits",
    "adjdebits",
    "adjcredits",
    "endbalance",
    "currency",
    "reportingbook",
)


def _period(ctx: Ctx) -> tuple[date, date]:
    """``(reportingperiodname | (startdate, enddate))``."""
    name = (ctx.fn.body.findtext("reportingperiodname") or "").strip()
    if not name:
        return _date(ctx, "startdate", None), _date(ctx, "enddate", ctx.store.clock.now().date())
    periods = object_def(ctx, "REPORTINGPERIOD")
    found = ctx.store.find(periods, ctx.scope, "NAME", [name])
    if not found or not found[0].get("START_DATE") or not found[0].get("END_DATE"):
        raise FunctionError(
            ErrorLine("BL03000018", "", f"Reporting period '{name}' does not exist.", "")
        )
    row = found[0]
    return date.fromisoformat(row["START_DATE"]), date.fromisoformat(row["END_DATE"])


def _balances(ctx: Ctx, row_tag: str, columns: tuple[str, ...]) -> Outcome:
    start, end = _period(ctx)
    if end < start:
        raise FunctionError(ErrorLine("BL03000018", "", "enddate is before startdate.", ""))
    object_def(ctx, "GLDETAIL")  # the user may read the general ledger
    account = (ctx.fn.body.findtext("glaccountno") or "").strip() or None
    rows = ctx.store.gl_balances(ctx.scope, start.isoformat(), end.isoformat(), account)
    data = etree.Element("data")
    for accountno, opening, debits, credits in rows:
        row = etree.SubElement(data, row_tag)
        ending = opening + debits - credits
        texts = {
            "glaccountno": accountno,
            "startbalance": _money(opening),
            "debits": _money(debits),
            "credits": _money(credits),
            "adjdebits": "0.00",
            "adjcredits": "0.00",
            "endbalance": _money(ending),
            "currency": "USD",  # [U] the company's base currency; the demo's is USD
            "reportingbook": "ACCRUAL",
        }
        for tag in columns:
            etree.SubElement(row, tag).text = texts[tag]
    return Outcome(data=data)


def get_trialbalance(ctx: Ctx) -> Outcome:
    return _balances(ctx, "trialbalance", TRIALBALANCE)


def get_accountbalances(ctx: Ctx) -> Outcome:
    return _balances(ctx, "accountbalance", ACCOUNTBALANCE)


HANDLERS: dict[str, Handler] = {
    "get_trialbalance": get_trialbalance,
    "get_accountbalances": get_accountbalances,
}
