"""The general ledger's setup: chart of accounts, journals, statistical accounts, reporting
periods and budgets. Postings themselves are :mod:`~intacct.emulator.seed.journal`'s job."""

from __future__ import annotations

from datetime import date

from intacct.emulator.seed.chart import ACCOUNTS, AP_ACCOUNT, AR_ACCOUNT, JOURNALS, STAT_JOURNALS
from intacct.emulator.seed.clock import AS_OF, IMPORT_AT, START, month_end
from intacct.emulator.seed.common import money
from intacct.emulator.seed.context import Context
from intacct.emulator.seed.names import ADMIN, CONTROLLER

__all__ = ["budgets", "chart_of_accounts", "journals", "reporting_periods", "stat_accounts"]

#: the P&L accounts the yearly budgets plan
BUDGET_ACCOUNTS = ("4000", "4010", "4020", "5000", "6000", "6100", "6200", "6300", "6400", "6500")
PERIOD_HEADERS = {"month": "Month Ended", "quarter": "Quarter Ended", "year": "Year Ended"}


def chart_of_accounts(ctx: Context) -> None:
    at = IMPORT_AT["GLACCOUNT"]
    for no, title, balance_sheet, debit, category in ACCOUNTS:
        rec = ctx.recordno("GLACCOUNT")
        ctx.accounts[no] = (rec, title, balance_sheet)
        row = {
            "RECORDNO": rec,
            "ACCOUNTNO": no,
            "TITLE": title,
            "ACCOUNTTYPE": "balancesheet" if balance_sheet else "incomestatement",
            "NORMALBALANCE": "debit" if debit else "credit",
            "CLOSINGTYPE": (
                "closed-to account"
                if no == "3200"
                else "non-closing account"
                if balance_sheet
                else "closing account"
            ),
            "CLOSINGACCOUNTNO": None if balance_sheet else "3200",
            "CLOSINGACCOUNTTITLE": None if balance_sheet else "Retained Earnings",
            "CATEGORY": category,
            "CATEGORYKEY": 100 + len(ctx.accounts),
            "ALTERNATIVEACCOUNT": {
                AP_ACCOUNT: "Payables account",
                AR_ACCOUNT: "Receivables account",
            }.get(no, "None"),
            "STATUS": "inactive" if no == "1000" else "active",
            "REQUIREDEPT": no >= "6000",
            "REQUIRELOC": not balance_sheet,
            "REQUIREPROJECT": False,
            "REQUIRECUSTOMER": no == AR_ACCOUNT,
            "REQUIREVENDOR": no == AP_ACCOUNT,
            "REQUIREEMPLOYEE": False,
            "REQUIREITEM": False,
            "REQUIRECLASS": False,
            "REQUIREGLDIMFUND": False,
            "TAXABLE": False,
            "TAXCODE": None,
            "MRCCODE": None,
            "SUBLEDGERCONTROLON": no in (AP_ACCOUNT, AR_ACCOUNT),
            "ENABLEGLDIMFUND": not balance_sheet,
        }
        modified = ctx.modified_after(at, 0.1)
        ctx.emit(None, "GLACCOUNT", row | ctx.audit(at, modified, ADMIN, CONTROLLER))


def journals(ctx: Context) -> None:
    rows = (
        {"SYMBOL": symbol, "TITLE": title, "BOOKID": "ACCRUAL", "ADJ": adj, "STATUS": "active"}
        for symbol, title, adj in JOURNALS
    )
    ctx.table("GLJOURNAL", IMPORT_AT["GLACCOUNT"] + 300, ADMIN, rows)
    stat = ({"SYMBOL": s, "TITLE": title, "STATUS": "active"} for s, title in STAT_JOURNALS)
    ctx.table("STATJOURNAL", IMPORT_AT["GLACCOUNT"] + 320, ADMIN, stat)


def stat_accounts(ctx: Context) -> None:
    at = IMPORT_AT["GLACCOUNT"] + 600
    stats = (
        ("9000", "Headcount", "cumulative"),
        ("9010", "Square Footage", "cumulative"),
        ("9020", "Billable Hours", "forperiod"),
        ("9030", "Active Customers", "cumulative"),
        ("9040", "Units Shipped", "forperiod"),
    )
    for no, title, kind in stats:
        row = {
            "RECORDNO": ctx.recordno("STATACCOUNT"),
            "ACCOUNTNO": no,
            "TITLE": title,
            "ACCOUNTTYPE": kind,
            "CATEGORY": "Statistical",
            "STATUS": "active",
            "REQUIREDEPT": no == "9000",
            "REQUIRELOC": no != "9030",
            "REQUIREPROJECT": no == "9020",
            "REQUIRECUSTOMER": False,
            "REQUIREVENDOR": False,
            "REQUIREEMPLOYEE": False,
            "REQUIREITEM": False,
            "REQUIRECLASS": False,
        }
        ctx.emit(None, "STATACCOUNT", row | ctx.audit(at, at, ADMIN))


def reporting_periods(ctx: Context) -> None:
    """Months, quarters and years for the history plus the budget year."""
    at = IMPORT_AT["GLACCOUNT"] + 900
    for year in range(START.year, AS_OF.year + 1):
        for month in range(1, 13):
            _period(ctx, date(year, month, 1), month_end(year, month), "month", at)
        for q in range(4):
            _period(ctx, date(year, 3 * q + 1, 1), month_end(year, 3 * q + 3), "quarter", at)
        _period(ctx, date(year, 1, 1), date(year, 12, 31), "year", at)


def _period(ctx: Context, start: date, end: date, kind: str, at: int) -> None:
    header = PERIOD_HEADERS[kind]
    label = end.strftime("%B %Y")
    name = f"{header} {label}"
    ctx.periods[name] = ctx.recordno("REPORTINGPERIOD")
    row = {
        "RECORDNO": ctx.periods[name],
        "NAME": name,
        "HEADER1": header,
        "HEADER2": label,
        "START_DATE": start,
        "END_DATE": end,
        "BUDGETING": True,
        "DATETYPE": kind,
        "STATUS": "active",
    }
    ctx.emit(None, "REPORTINGPERIOD", row | ctx.audit(at, at, ADMIN))


def budgets(ctx: Context) -> None:
    """Two yearly budgets of monthly amounts for the main P&L accounts."""
    dept = ctx.entities[0].departments[1][0]
    for year in (AS_OF.year - 1, AS_OF.year):
        # approved on the first of December before the budget year, 9 a.m.
        at = (date(year - 1, 12, 1) - START.date()).days * 86_400 + 9 * 3_600
        at = max(at, IMPORT_AT["GLACCOUNT"] + 3_600)
        head = ctx.recordno("GLBUDGETHEADER")
        bid = f"FY{year}"
        ctx.emit(
            None,
            "GLBUDGETHEADER",
            {
                "RECORDNO": head,
                "BUDGETID": bid,
                "DESCRIPTION": f"FY{year} Operating Budget",
                "SYSTEMGENERATED": False,
                "DEFAULT_BUDGET": year == AS_OF.year,
                "ISCONSOLIDATED": False,
                "CURRENCY": "USD",
                "ISPABUDGET": False,
                "USERID": "controller",
                "STATUS": "active",
            }
            | ctx.audit(at, at, CONTROLLER),
        )
        for month in range(1, 13):
            end = month_end(year, month)
            for acct in BUDGET_ACCOUNTS:
                _budget_item(ctx, head, bid, acct, dept, year, month, end, at)


def _budget_item(
    ctx: Context,
    head: int,
    bid: str,
    acct: str,
    dept: str,
    year: int,
    month: int,
    end: date,
    at: int,
) -> None:
    period = f"Month Ended {end:%B %Y}"
    ctx.emit(
        None,
        "GLBUDGETITEM",
        {
            "RECORDNO": ctx.recordno("GLBUDGETITEM"),
            "BUDGETKEY": head,
            "BUDGETID": bid,
            "ACCOUNTNO": acct,
            "ACCOUNTTITLE": ctx.accounts[acct][1],
            "DEPARTMENTID": dept if acct >= "6000" else None,
            "LOCATIONID": None,
            "CLASSID": None,
            "PERIODNAME": period,
            "PERIODKEY": ctx.periods[period],
            "PSTARTDATE": date(year, month, 1),
            "PENDDATE": end,
            "AMOUNT": money((int(ctx.rnd() * 400) + 100) * 10_000),
            "BUDGETUSING": "None",
            "PERCENTADJ": None,
            "NOTE": None,
        }
        | ctx.audit(at, at, CONTROLLER),
    )
