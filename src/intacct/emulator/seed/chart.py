"""Reference data for the general ledger: the chart of accounts, the journals and the
templates of manual journal entries.

The chart is fixed (only its edit history depends on the seed) and realistic: about a
hundred accounts in the usual numbering, with the control accounts the subledgers post to.
"""

from __future__ import annotations

__all__ = [
    "ACCOUNTS",
    "AP_ACCOUNT",
    "AR_ACCOUNT",
    "EXPENSE_ACCOUNTS",
    "JE_TEMPLATES",
    "JOURNALS",
    "STAT_JOURNALS",
    "JOURNAL_MODULE",
    "REVENUE_ACCOUNTS",
    "UNDEPOSITED",
    "Shares",
]

#: (ACCOUNTNO, TITLE, balancesheet?, normal debit?, CATEGORY). CATEGORY is one of the
#: account categories Intacct ships with its QuickStart templates (names as Intacct spells
#: them, e.g. in the defaults of Fivetran's dbt_sage_intacct package) [O]
ACCOUNTS = (
    ("1000", "Petty Cash", True, True, "Cash and Cash Equivalents"),
    ("1010", "Operating Checking", True, True, "Cash and Cash Equivalents"),
    ("1020", "Payroll Checking", True, True, "Cash and Cash Equivalents"),
    ("1030", "Money Market", True, True, "Cash and Cash Equivalents"),
    ("1040", "UK Operating Account", True, True, "Cash and Cash Equivalents"),
    ("1050", "UK Reserve Savings", True, True, "Cash and Cash Equivalents"),
    ("1090", "Undeposited Funds", True, True, "Cash and Cash Equivalents"),
    ("1100", "Accounts Receivable", True, True, "Accounts Receivable"),
    ("1110", "Allowance for Doubtful Accounts", True, False, "Accounts Receivable"),
    ("1150", "Intercompany Receivable", True, True, "Intercompany Receivable"),
    ("1200", "Inventory - Finished Goods", True, True, "Inventory"),
    ("1210", "Inventory - Raw Materials", True, True, "Inventory"),
    ("1300", "Prepaid Expenses", True, True, "Deposits and Prepayments"),
    ("1310", "Prepaid Insurance", True, True, "Deposits and Prepayments"),
    ("1320", "Prepaid Software", True, True, "Deposits and Prepayments"),
    ("1400", "Employee Advances", True, True, "Other Current Assets"),
    ("1500", "Computer Equipment", True, True, "Fixed Assets"),
    ("1510", "Furniture and Fixtures", True, True, "Fixed Assets"),
    ("1520", "Leasehold Improvements", True, True, "Fixed Assets"),
    ("1530", "Vehicles", True, True, "Fixed Assets"),
    ("1590", "Accumulated Depreciation", True, False, "Accumulated Depreciation"),
    ("1600", "Security Deposits", True, True, "Other Assets"),
    ("1700", "Capitalized Software", True, True, "Intangible Assets"),
    ("2000", "Accounts Payable", True, False, "Accounts Payable"),
    ("2010", "Accrued Expenses", True, False, "Accrued Liabilities"),
    ("2020", "Accrued Payroll", True, False, "Accrued Liabilities"),
    ("2030", "Accrued Vacation", True, False, "Accrued Liabilities"),
    ("2100", "Credit Card Payable - Amex", True, False, "Other Current Liabilities"),
    ("2110", "Credit Card Payable - Visa", True, False, "Other Current Liabilities"),
    ("2200", "Sales Tax Payable", True, False, "Other Current Liabilities"),
    ("2210", "VAT Payable", True, False, "Other Current Liabilities"),
    ("2300", "Payroll Taxes Payable", True, False, "Other Current Liabilities"),
    ("2310", "401(k) Withholding", True, False, "Other Current Liabilities"),
    ("2400", "Deferred Revenue", True, False, "Deferred Revenue - Current"),
    ("2450", "Customer Deposits", True, False, "Other Current Liabilities"),
    ("2500", "Intercompany Payable", True, False, "Other Current Liabilities"),
    ("2600", "Line of Credit", True, False, "Note Payable - Current"),
    ("2700", "Notes Payable - Long Term", True, False, "Note Payable - Long Term"),
    ("2800", "Deferred Rent", True, False, "Other Liabilities"),
    ("3000", "Common Stock", True, False, "Partners Equity"),
    ("3100", "Additional Paid-in Capital", True, False, "Partners Equity"),
    ("3200", "Retained Earnings", True, False, "Retained Earnings"),
    ("3300", "Distributions", True, True, "Dividend Paid"),
    ("4000", "Product Revenue", False, False, "Revenue - Products"),
    ("4010", "Subscription Revenue", False, False, "Revenue - Services"),
    ("4020", "Professional Services Revenue", False, False, "Revenue - Services"),
    ("4030", "Support and Maintenance Revenue", False, False, "Revenue - Services"),
    ("4040", "Training Revenue", False, False, "Revenue - Services"),
    ("4100", "Shipping Income", False, False, "Revenue - Other"),
    ("4200", "Sales Discounts", False, True, "Revenue - Sales"),
    ("4300", "Sales Returns and Allowances", False, True, "Revenue - Sales"),
    ("4900", "Other Revenue", False, False, "Revenue - Other"),
    ("5000", "Cost of Goods Sold", False, True, "Cost of Goods Sold"),
    ("5010", "Hosting Costs", False, True, "Cost of Services Revenue"),
    ("5020", "Contractor Costs - Delivery", False, True, "Cost of Services Revenue"),
    ("5030", "Freight In", False, True, "Cost of Sales Revenue"),
    ("5040", "Merchant Fees", False, True, "Cost of Sales Revenue"),
    ("5100", "Inventory Adjustments", False, True, "Cost of Goods Sold"),
    ("6000", "Salaries and Wages", False, True, "Payroll Expense"),
    ("6010", "Payroll Taxes", False, True, "Payroll Taxes"),
    ("6020", "Employee Benefits", False, True, "Payroll Expense"),
    ("6030", "401(k) Match", False, True, "Payroll Expense"),
    ("6040", "Bonuses and Commissions", False, True, "Compensation Expense"),
    ("6050", "Contractors", False, True, "Professional Services Expense"),
    ("6100", "Rent", False, True, "Other Operating Expense"),
    ("6110", "Utilities", False, True, "Other Operating Expense"),
    ("6120", "Repairs and Maintenance", False, True, "Other Operating Expense"),
    ("6130", "Office Supplies", False, True, "Other Operating Expense"),
    ("6140", "Janitorial Services", False, True, "Other Operating Expense"),
    ("6200", "Software Subscriptions", False, True, "Other Operating Expense"),
    ("6210", "Computer Hardware", False, True, "Other Operating Expense"),
    ("6220", "Telephone and Internet", False, True, "Other Operating Expense"),
    ("6300", "Travel - Airfare", False, True, "Travel Expense"),
    ("6310", "Travel - Lodging", False, True, "Travel Expense"),
    ("6320", "Meals and Entertainment", False, True, "Travel Expense"),
    ("6330", "Mileage and Parking", False, True, "Travel Expense"),
    ("6400", "Advertising", False, True, "Advertising and Promotion Expense"),
    ("6410", "Marketing Events", False, True, "Advertising and Promotion Expense"),
    ("6420", "Sponsorships", False, True, "Advertising and Promotion Expense"),
    ("6430", "Marketing Agencies", False, True, "Advertising and Promotion Expense"),
    ("6500", "Legal Fees", False, True, "Professional Services Expense"),
    ("6510", "Accounting and Audit Fees", False, True, "Professional Services Expense"),
    ("6520", "Consulting Fees", False, True, "Professional Services Expense"),
    ("6530", "Recruiting Fees", False, True, "Professional Services Expense"),
    ("6600", "Insurance", False, True, "Other Operating Expense"),
    ("6610", "Business Licenses and Permits", False, True, "Other Operating Expense"),
    ("6620", "Bank Fees", False, True, "Other Operating Expense"),
    ("6630", "Dues and Subscriptions", False, True, "Other Operating Expense"),
    ("6640", "Training and Education", False, True, "Other Operating Expense"),
    ("6650", "Postage and Shipping", False, True, "Other Operating Expense"),
    ("6660", "Printing and Reproduction", False, True, "Other Operating Expense"),
    ("6700", "Depreciation Expense", False, True, "Depreciation Expense"),
    ("6710", "Amortization Expense", False, True, "Depreciation Expense"),
    ("6800", "Bad Debt Expense", False, True, "Other Operating Expense"),
    ("6900", "Miscellaneous Expense", False, True, "Other Operating Expense"),
    ("7000", "Interest Income", False, False, "Other Income"),
    ("7100", "Interest Expense", False, True, "Other Expenses"),
    ("7200", "Foreign Exchange Gain/Loss", False, True, "Other Expenses"),
    ("7300", "Gain/Loss on Disposal of Assets", False, True, "Other Expenses"),
    ("8000", "Income Tax Expense", False, True, "Federal Tax"),
)
AP_ACCOUNT, AR_ACCOUNT, UNDEPOSITED = "2000", "1100", "1090"
EXPENSE_ACCOUNTS = tuple(
    a[0] for a in ACCOUNTS if "5010" <= a[0] <= "5030" or "6050" <= a[0] <= "6660"
)
REVENUE_ACCOUNTS = ("4000", "4010", "4010", "4010", "4020", "4030", "4040")

#: (SYMBOL, TITLE, adjustment journal?)
JOURNALS = (
    ("GJ", "General Journal", False),
    ("APJ", "Accounts Payable Journal", False),
    ("ARJ", "Accounts Receivable Journal", False),
    ("CDJ", "Cash Disbursements Journal", False),
    ("CRJ", "Cash Receipts Journal", False),
    ("PYJ", "Payroll Journal", False),
    ("ADJ", "Adjustments Journal", True),
)
#: statistical journals (STATJOURNAL): entries in them count STATACCOUNT units, not money
STAT_JOURNALS = (("SHC", "Statistical Headcount"), ("SSF", "Statistical Square Footage"))
#: which subledger a journal posts from (GLDETAIL.MODULEKEY)
JOURNAL_MODULE = {"APJ": "3.AP", "CDJ": "3.AP", "ARJ": "4.AR", "CRJ": "4.AR"}

#: how a manual entry's total splits over accounts: ((ACCOUNTNO, share), ...)
Shares = tuple[tuple[str, float], ...]


def _shares(text: str) -> Shares:
    """``"6000=0.75 6010=0.25"`` as ((account, share), ...); a bare account takes it all."""
    parts = (item.partition("=") for item in text.split())
    return tuple((account, float(share) if share else 1.0) for account, _, share in parts)


def _template(
    title: str, journal: str, debits: str, credits: str, top: int
) -> tuple[str, str, Shares, Shares, int]:
    return title, journal, _shares(debits), _shares(credits), top


#: manual journal entries: (title, journal, debit shares, credit shares, largest amount in
#: dollars). "CASH" stands for the entity's operating bank account.
JE_TEMPLATES = (
    _template("Payroll", "PYJ", "6000=0.75 6010=0.08 6020=0.12 6030=0.05", "CASH", 250_000),
    _template("Monthly depreciation", "GJ", "6700", "1590", 20_000),
    _template("Accrued professional fees", "ADJ", "6510=0.5 6500=0.5", "2010", 30_000),
    _template("Prepaid insurance amortization", "GJ", "6600", "1310", 8_000),
    _template("Deferred revenue recognition", "GJ", "2400", "4010=0.8 4030=0.2", 120_000),
    _template(
        "Corporate card expenses", "GJ", "6300=0.3 6310=0.3 6320=0.2 6200=0.2", "2100", 15_000
    ),
    _template("Bank fees", "GJ", "6620", "CASH", 500),
    _template("Interest on line of credit", "GJ", "7100", "CASH", 6_000),
    _template("Accrued vacation", "ADJ", "6020", "2030", 12_000),
    _template("Marketing reclass", "ADJ", "6430", "6400", 5_000),
)
