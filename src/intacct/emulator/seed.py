"""Deterministic demo companies for the emulator: ``DEMO`` and ``DEMO-ME``.

:func:`generate` streams ``(company_id, entity, OBJECT, rows)`` batches. ``entity`` is the
owning entity's location id (``E100``/``E200`` in ``DEMO-ME``) or ``""`` for top-level and
single-entity records. Each row maps catalog field names to Python values: ``int``,
``decimal.Decimal`` (two places), ``str``, ``bool``, ``datetime.date`` and naive
``datetime.datetime`` in company time. Enum fields carry the display value (one of the
catalog's ``values``, e.g. ``"active"``), never the readByQuery code.

Guarantees the store and the tests rely on:

* the same ``(scale, seed)`` gives identical rows in the same order: everything derives
  from ``random.Random(seed)`` and the fixed clock :data:`AS_OF`, never from "now";
* ``RECORDNO`` is assigned here, unique per company and object and starting at 1, so
  references between rows are consistent before anything is stored;
* every row of one object in one company has the same keys (``None`` where empty);
* headers are yielded before their lines and parents before children;
* no batch holds more than :data:`MAX_BATCH_ROWS` rows, and memory stays bounded: only
  master data and the documents still waiting for payment are kept between batches.

Volume: ``DEMO`` holds about ``scale`` rows in all, ``DEMO-ME`` about ``scale / 10``
(at least :data:`ME_FLOOR`). Journal lines and the GL detail view dominate, as in real
companies: every posted bill, invoice, payment and deposit writes a journal entry.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Generic, TypeVar

__all__ = [
    "AS_OF",
    "COMPANIES",
    "ENTITIES",
    "MAX_BATCH_ROWS",
    "ME_FLOOR",
    "START",
    "USERS",
    "Batch",
    "Row",
    "generate",
]

Row = dict[str, Any]
#: (company_id, entity location id or "", OBJECT, rows)
Batch = tuple[str, str, str, list[Row]]
T = TypeVar("T")


def _words(text: str) -> tuple[str, ...]:
    """A comma-separated word list as a tuple (keeps the name tables compact)."""
    return tuple(w.strip() for w in text.split(","))


#: History runs two years from START (a Monday) to AS_OF. Fixed, never "now", so the same
#: seed always gives the same data.
HISTORY_DAYS = 728  # 104 whole weeks, so every week starts on a Monday
START = datetime(2024, 11, 4)  # noqa: DTZ001 - company time, naive by contract
AS_OF = START + timedelta(days=HISTORY_DAYS)
DAY = 86_400
SPAN = HISTORY_DAYS * DAY  # seconds of history
WEEKS = 104  # transactions are generated week by week so RECORDNO follows time
WEEK = 7 * DAY

COMPANIES = ("DEMO", "DEMO-ME")
#: multi-entity company: (location id, name, currency, country, share of the volume)
ENTITIES = (
    ("E100", "US Operations", "USD", "United States", 0.6),
    ("E200", "UK Operations", "GBP", "United Kingdom", 0.4),
)
ME_FLOOR = 2_000
FLUSH_ROWS = 8_000  # buffered rows that trigger a flush
MAX_BATCH_ROWS = 10_000  # FLUSH_ROWS plus the largest single document, with room to spare

#: the second a bulk update touches ~40 % of vendors and customers, so keyset paging on
#: WHENMODIFIED meets ties larger than a page.
MASS_UPDATE = SPAN - 45 * DAY + 2 * 3_600
#: master data arrives in implementation-day imports, one timestamp per object.
IMPORT_AT = {
    "USERINFO": 8 * 3_600,
    "GLACCOUNT": 9 * 3_600,
    "LOCATION": 9 * 3_600 + 600,
    "DEPARTMENT": 9 * 3_600 + 1_200,
    "CLASS": 9 * 3_600 + 1_800,
    "EMPLOYEE": 10 * 3_600,
    "VENDOR": 10 * 3_600 + 1_800,
    "CUSTOMER": 11 * 3_600,
    "ITEM": 11 * 3_600 + 1_800,
    "PROJECT": 12 * 3_600,
}

ZERO = Decimal("0.00")
ONE = Decimal("1.000000")

# --------------------------------------------------------------------------- people, users

#: (LOGINID, description, first, last, admin, role). RECORDNO = position + 1; the first
#: two match the logins the demo tenant registers (demo_user 1, demo_restricted 2).
USERS = (
    ("demo_user", "Demo User", "Dana", "Whitfield", "Full", "Full Access"),
    ("demo_restricted", "Restricted Demo User", "Riley", "Chen", "Off", "No Payables"),
    ("Admin", "Company Administrator", "Alex", "Morgan", "Full", "Full Access"),
    ("jsmith", "Jordan Smith", "Jordan", "Smith", "Off", "Accounts Payable"),
    ("mgarcia", "Maria Garcia", "Maria", "Garcia", "Off", "Accounts Receivable"),
    ("controller", "Pat Lindqvist", "Pat", "Lindqvist", "Limited", "Full Access"),
    ("xml_gateway", "Web Services Integration", "Web", "Services", "Off", "Full Access"),
)
DEMO_USER, RESTRICTED, ADMIN, AP_CLERK, AR_CLERK, CONTROLLER, INTEGRATION = range(1, 8)
#: the restricted user has no AP module, so it never creates payables.
AP_CREATORS = (DEMO_USER, AP_CLERK, AP_CLERK, CONTROLLER, INTEGRATION)
AR_CREATORS = (DEMO_USER, AR_CLERK, AR_CLERK, RESTRICTED, INTEGRATION)
GL_CREATORS = (CONTROLLER, CONTROLLER, DEMO_USER, RESTRICTED)
ROLES = (
    ("Full Access", "All applications", "GL,AP,AR,CM,CO,PA,INV,PT"),
    ("Accounts Payable", "Payables clerk", "AP,CM,CO"),
    ("Accounts Receivable", "Receivables clerk", "AR,CM,CO"),
    ("No Payables", "Everything except Accounts Payable", "GL,AR,CM,CO,PA,INV,PT"),
)

FIRST_NAMES = _words(
    "James, Mary, Robert, Patricia, John, Jennifer, Michael, Linda, David, Elizabeth, "
    "William, Barbara, Richard, Susan, Joseph, Jessica, Thomas, Sarah, Carlos, Karen, "
    "Daniel, Lisa, Matthew, Nancy, Anthony, Sandra, Mark, Ashley, Steven, Emily, Andrew, "
    "Michelle, Joshua, Amanda, Kevin, Melissa, Brian, Deborah, Priya, Aisha, Wei, Oliver, "
    "Amelia, Harry, Isla, George, Sophie, Mohammed, Freya, Lucas"
)
LAST_NAMES = _words(
    "Smith, Johnson, Williams, Brown, Jones, Miller, Davis, Rodriguez, Martinez, Hernandez, "
    "Lopez, Gonzalez, Wilson, Anderson, Taylor, Thomas, Moore, Jackson, Martin, Lee, Perez, "
    "Thompson, White, Harris, Clark, Ramirez, Lewis, Robinson, Walker, Young, Allen, King, "
    "Wright, Scott, Nguyen, Hill, Flores, Green, Adams, Nelson, Baker, Hall, Patel, "
    "Campbell, Mitchell, Evans, Okafor, Kowalski, Murphy, O'Brien"
)
JOB_TITLES = _words(
    "Accountant, Senior Accountant, AP Specialist, AR Specialist, Controller, "
    "Software Engineer, Senior Engineer, Product Manager, Account Executive, Sales Manager, "
    "Marketing Manager, Customer Success Manager, Consultant, Project Manager, "
    "Operations Analyst, HR Generalist, Office Manager, Designer"
)

# --------------------------------------------------------------------------- companies

VENDOR_WORDS = _words(
    "Acme, Summit, Blue Ridge, Northwind, Pioneer, Cascade, Granite, Redwood, Harbor, "
    "Keystone, Liberty, Evergreen, Silverline, Beacon, Frontier, Meridian, Atlas, Sterling, "
    "Crescent, Horizon, Ironwood, Lakeside, Maple, Oakridge, Pinnacle, Riverbend, Sequoia, "
    "Tidewater, Vanguard, Westfield, Brightpath, Copperleaf, Driftwood, Eastgate, Goldcrest, "
    "Highland, Juniper"
)
VENDOR_KINDS = _words(
    "Office Supply, Logistics, Freight, IT Services, Software, Printing, Electric, Plumbing, "
    "Staffing, Consulting, Analytics, Catering, Facilities, Security, Telecom, Marketing, "
    "Legal Services, Insurance, Cloud Hosting, Courier, Janitorial, Equipment Rental, "
    "Travel, Design Studio, Data Systems"
)
CUSTOMER_WORDS = _words(
    "Apex, Bluewater, Cobalt, Delta, Emerald, Falcon, Gateway, Helix, Indigo, Jade, Kestrel, "
    "Lumen, Magnolia, Nimbus, Orion, Paragon, Quartz, Radiant, Sapphire, Titan, Unity, "
    "Vertex, Willow, Zenith, Aurora, Bridgeport, Clearwater, Dynamo, Elm Street, Fairview, "
    "Glacier, Hudson"
)
CUSTOMER_KINDS = _words(
    "Health, Manufacturing, Retail, Foods, Energy, Financial, Hospitality, Media, Robotics, "
    "Biotech, Aerospace, Education, Apparel, Motors, Pharma, Networks, Studios, Labs, "
    "Holdings, Outfitters, Brewing, Dental Group"
)
US_SUFFIXES = ("Inc.", "LLC", "Co.", "Corp.", "Group", "Partners")
UK_SUFFIXES = ("Ltd", "PLC", "LLP", "Ltd", "Group")
STREETS = ("Main", "Oak", "Market", "Mission", "Pine", "Cedar", "Elm", "Park", "Lake", "Hill")
US_STREET_TYPES = ("St", "Ave", "Blvd", "Rd", "Way", "Dr")
UK_STREET_TYPES = ("Street", "Road", "Lane", "Square", "Place", "Row")
#: (city, state/region, postcode stem)
US_CITIES = (
    ("San Francisco", "CA", "941"),
    ("New York", "NY", "100"),
    ("Chicago", "IL", "606"),
    ("Austin", "TX", "787"),
    ("Seattle", "WA", "981"),
    ("Denver", "CO", "802"),
    ("Atlanta", "GA", "303"),
    ("Boston", "MA", "021"),
    ("Portland", "OR", "972"),
    ("Phoenix", "AZ", "850"),
    ("Minneapolis", "MN", "554"),
    ("Miami", "FL", "331"),
)
UK_CITIES = (
    ("London", "Greater London", "EC1"),
    ("Manchester", "Greater Manchester", "M1"),
    ("Edinburgh", "Scotland", "EH1"),
    ("Bristol", "Bristol", "BS1"),
    ("Leeds", "West Yorkshire", "LS1"),
    ("Birmingham", "West Midlands", "B1"),
)
ITEM_WORDS = _words("Standard, Premium, Compact, Industrial, Smart, Pro, Eco, Ultra")
ITEM_NOUNS = _words(
    "Sensor, Router, Controller, Display Panel, Power Supply, Cable Kit, Gateway, Camera, "
    "Battery Pack, Mounting Bracket, License, Support Plan, Training Seat"
)

# --------------------------------------------------------------------------- ledger setup

#: (ACCOUNTNO, TITLE, balancesheet?, normal debit?, CATEGORY)
ACCOUNTS = (
    ("1000", "Petty Cash", True, True, "Cash"),
    ("1010", "Operating Checking", True, True, "Cash"),
    ("1020", "Payroll Checking", True, True, "Cash"),
    ("1030", "Money Market", True, True, "Cash"),
    ("1040", "UK Operating Account", True, True, "Cash"),
    ("1050", "UK Reserve Savings", True, True, "Cash"),
    ("1090", "Undeposited Funds", True, True, "Cash"),
    ("1100", "Accounts Receivable", True, True, "Accounts Receivable"),
    ("1110", "Allowance for Doubtful Accounts", True, False, "Accounts Receivable"),
    ("1150", "Intercompany Receivable", True, True, "Other Current Asset"),
    ("1200", "Inventory - Finished Goods", True, True, "Inventory"),
    ("1210", "Inventory - Raw Materials", True, True, "Inventory"),
    ("1300", "Prepaid Expenses", True, True, "Other Current Asset"),
    ("1310", "Prepaid Insurance", True, True, "Other Current Asset"),
    ("1320", "Prepaid Software", True, True, "Other Current Asset"),
    ("1400", "Employee Advances", True, True, "Other Current Asset"),
    ("1500", "Computer Equipment", True, True, "Fixed Assets"),
    ("1510", "Furniture and Fixtures", True, True, "Fixed Assets"),
    ("1520", "Leasehold Improvements", True, True, "Fixed Assets"),
    ("1530", "Vehicles", True, True, "Fixed Assets"),
    ("1590", "Accumulated Depreciation", True, False, "Fixed Assets"),
    ("1600", "Security Deposits", True, True, "Other Asset"),
    ("1700", "Capitalized Software", True, True, "Other Asset"),
    ("2000", "Accounts Payable", True, False, "Accounts Payable"),
    ("2010", "Accrued Expenses", True, False, "Other Current Liability"),
    ("2020", "Accrued Payroll", True, False, "Other Current Liability"),
    ("2030", "Accrued Vacation", True, False, "Other Current Liability"),
    ("2100", "Credit Card Payable - Amex", True, False, "Credit Card"),
    ("2110", "Credit Card Payable - Visa", True, False, "Credit Card"),
    ("2200", "Sales Tax Payable", True, False, "Other Current Liability"),
    ("2210", "VAT Payable", True, False, "Other Current Liability"),
    ("2300", "Payroll Taxes Payable", True, False, "Other Current Liability"),
    ("2310", "401(k) Withholding", True, False, "Other Current Liability"),
    ("2400", "Deferred Revenue", True, False, "Deferred Revenue"),
    ("2450", "Customer Deposits", True, False, "Other Current Liability"),
    ("2500", "Intercompany Payable", True, False, "Other Current Liability"),
    ("2600", "Line of Credit", True, False, "Other Current Liability"),
    ("2700", "Notes Payable - Long Term", True, False, "Long Term Liability"),
    ("2800", "Deferred Rent", True, False, "Long Term Liability"),
    ("3000", "Common Stock", True, False, "Equity"),
    ("3100", "Additional Paid-in Capital", True, False, "Equity"),
    ("3200", "Retained Earnings", True, False, "Retained Earnings"),
    ("3300", "Distributions", True, True, "Equity"),
    ("4000", "Product Revenue", False, False, "Revenue"),
    ("4010", "Subscription Revenue", False, False, "Revenue"),
    ("4020", "Professional Services Revenue", False, False, "Revenue"),
    ("4030", "Support and Maintenance Revenue", False, False, "Revenue"),
    ("4040", "Training Revenue", False, False, "Revenue"),
    ("4100", "Shipping Income", False, False, "Revenue"),
    ("4200", "Sales Discounts", False, True, "Revenue"),
    ("4300", "Sales Returns and Allowances", False, True, "Revenue"),
    ("4900", "Other Revenue", False, False, "Revenue"),
    ("5000", "Cost of Goods Sold", False, True, "Cost of Sales"),
    ("5010", "Hosting Costs", False, True, "Cost of Sales"),
    ("5020", "Contractor Costs - Delivery", False, True, "Cost of Sales"),
    ("5030", "Freight In", False, True, "Cost of Sales"),
    ("5040", "Merchant Fees", False, True, "Cost of Sales"),
    ("5100", "Inventory Adjustments", False, True, "Cost of Sales"),
    ("6000", "Salaries and Wages", False, True, "Payroll Expense"),
    ("6010", "Payroll Taxes", False, True, "Payroll Expense"),
    ("6020", "Employee Benefits", False, True, "Payroll Expense"),
    ("6030", "401(k) Match", False, True, "Payroll Expense"),
    ("6040", "Bonuses and Commissions", False, True, "Payroll Expense"),
    ("6050", "Contractors", False, True, "Operating Expense"),
    ("6100", "Rent", False, True, "Occupancy"),
    ("6110", "Utilities", False, True, "Occupancy"),
    ("6120", "Repairs and Maintenance", False, True, "Occupancy"),
    ("6130", "Office Supplies", False, True, "Operating Expense"),
    ("6140", "Janitorial Services", False, True, "Occupancy"),
    ("6200", "Software Subscriptions", False, True, "Technology"),
    ("6210", "Computer Hardware", False, True, "Technology"),
    ("6220", "Telephone and Internet", False, True, "Technology"),
    ("6300", "Travel - Airfare", False, True, "Travel"),
    ("6310", "Travel - Lodging", False, True, "Travel"),
    ("6320", "Meals and Entertainment", False, True, "Travel"),
    ("6330", "Mileage and Parking", False, True, "Travel"),
    ("6400", "Advertising", False, True, "Marketing"),
    ("6410", "Marketing Events", False, True, "Marketing"),
    ("6420", "Sponsorships", False, True, "Marketing"),
    ("6430", "Marketing Agencies", False, True, "Marketing"),
    ("6500", "Legal Fees", False, True, "Professional Fees"),
    ("6510", "Accounting and Audit Fees", False, True, "Professional Fees"),
    ("6520", "Consulting Fees", False, True, "Professional Fees"),
    ("6530", "Recruiting Fees", False, True, "Professional Fees"),
    ("6600", "Insurance", False, True, "Operating Expense"),
    ("6610", "Business Licenses and Permits", False, True, "Operating Expense"),
    ("6620", "Bank Fees", False, True, "Operating Expense"),
    ("6630", "Dues and Subscriptions", False, True, "Operating Expense"),
    ("6640", "Training and Education", False, True, "Operating Expense"),
    ("6650", "Postage and Shipping", False, True, "Operating Expense"),
    ("6660", "Printing and Reproduction", False, True, "Operating Expense"),
    ("6700", "Depreciation Expense", False, True, "Depreciation"),
    ("6710", "Amortization Expense", False, True, "Depreciation"),
    ("6800", "Bad Debt Expense", False, True, "Operating Expense"),
    ("6900", "Miscellaneous Expense", False, True, "Operating Expense"),
    ("7000", "Interest Income", False, False, "Other Income"),
    ("7100", "Interest Expense", False, True, "Other Expense"),
    ("7200", "Foreign Exchange Gain/Loss", False, True, "Other Expense"),
    ("7300", "Gain/Loss on Disposal of Assets", False, True, "Other Expense"),
    ("8000", "Income Tax Expense", False, True, "Income Taxes"),
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
#: which subledger a journal posts from (GLDETAIL.MODULEKEY)
JOURNAL_MODULE = {"APJ": "3.AP", "CDJ": "3.AP", "ARJ": "4.AR", "CRJ": "4.AR"}

#: manual journal entries: (title, journal, [(debit account, share)], [(credit account, share)],
#: amount range in dollars). "CASH" stands for the entity's operating bank account.
_Side = tuple[tuple[str, float], ...]
#: posting dimensions: department, location, project, customer, vendor, employee, item,
#: class, fund
_Dims = tuple[str | None, ...]
#: one journal line: account, TR_TYPE (1 debit, -1 credit), cents, dimensions
_Entry = tuple[str, int, int, _Dims]
JE_TEMPLATES: tuple[tuple[str, str, _Side, _Side, int], ...] = (
    (
        "Payroll",
        "PYJ",
        (("6000", 0.75), ("6010", 0.08), ("6020", 0.12), ("6030", 0.05)),
        (("CASH", 1.0),),
        250_000,
    ),
    ("Monthly depreciation", "GJ", (("6700", 1.0),), (("1590", 1.0),), 20_000),
    ("Accrued professional fees", "ADJ", (("6510", 0.5), ("6500", 0.5)), (("2010", 1.0),), 30_000),
    ("Prepaid insurance amortization", "GJ", (("6600", 1.0),), (("1310", 1.0),), 8_000),
    (
        "Deferred revenue recognition",
        "GJ",
        (("2400", 1.0),),
        (("4010", 0.8), ("4030", 0.2)),
        120_000,
    ),
    (
        "Corporate card expenses",
        "GJ",
        (("6300", 0.3), ("6310", 0.3), ("6320", 0.2), ("6200", 0.2)),
        (("2100", 1.0),),
        15_000,
    ),
    ("Bank fees", "GJ", (("6620", 1.0),), (("CASH", 1.0),), 500),
    ("Interest on line of credit", "GJ", (("7100", 1.0),), (("CASH", 1.0),), 6_000),
    ("Accrued vacation", "ADJ", (("6020", 1.0),), (("2030", 1.0),), 12_000),
    ("Marketing reclass", "ADJ", (("6430", 1.0),), (("6400", 1.0),), 5_000),
)

#: (NAME, due days, discount days, discount percent)
TERMS = (
    ("Net 30", 30, 0, 0),
    ("Net 15", 15, 0, 0),
    ("Net 45", 45, 0, 0),
    ("Net 60", 60, 0, 0),
    ("Due on Receipt", 0, 0, 0),
    ("2% 10 Net 30", 30, 10, 2),
)
#: (CLASSID, NAME, PARENTID)
CLASSES = (
    ("C100", "Commercial", None),
    ("C110", "Enterprise", "C100"),
    ("C120", "Mid-Market", "C100"),
    ("C130", "Small Business", "C100"),
    ("C200", "Public Sector", None),
    ("C210", "Federal", "C200"),
    ("C220", "State and Local", "C200"),
    ("C300", "Non-Profit", None),
    ("C400", "Internal", None),
)
#: (suffix, TITLE, parent suffix)
DEPARTMENTS = (
    ("100", "Executive", None),
    ("200", "Sales", None),
    ("210", "Inside Sales", "200"),
    ("220", "Field Sales", "200"),
    ("300", "Marketing", None),
    ("400", "Engineering", None),
    ("410", "Platform Engineering", "400"),
    ("420", "Product Management", "400"),
    ("500", "Customer Success", None),
    ("600", "Finance", None),
    ("700", "Operations", None),
    ("800", "Human Resources", None),
)
#: single-entity locations: (LOCATIONID, city index in US_CITIES)
DEMO_LOCATIONS = (
    ("100", 0),
    ("110", 1),
    ("120", 2),
    ("130", 3),
    ("140", 4),
    ("150", 5),
    ("160", 6),
    ("170", 7),
)
ME_LOCATIONS = {
    "E100": (("110", 1), ("120", 2), ("130", 3), ("140", 4)),
    "E200": (("210", 0), ("220", 1), ("230", 2)),
}
#: (NAME, FUND_TYPE)
FUNDS = (
    ("GENERAL", "Unrestricted"),
    ("CAPITAL", "Temporarily restricted"),
    ("RESEARCH", "Temporarily restricted"),
    ("SCHOLARSHIP", "Permanently restricted"),
    ("COMMUNITY", "Unrestricted"),
    ("RELIEF", "Temporarily restricted"),
)
FUND_DESCRIPTIONS = {
    "GENERAL": "General Operating Fund",
    "CAPITAL": "Capital Campaign",
    "RESEARCH": "Research Grant Fund",
    "SCHOLARSHIP": "Scholarship Endowment",
    "COMMUNITY": "Community Outreach Fund",
    "RELIEF": "Disaster Relief Fund",
}
PROJECT_TYPES = (
    ("Implementation", "Contract"),
    ("Advisory", "Contract"),
    ("Managed Service", "Contract"),
    ("Internal R&D", "Internal Non-billable"),
    ("Capital Build", "Capitalized"),
)
TASK_NAMES = _words("Discovery, Design, Implementation, Testing, Training, Go-Live")
HOURS = tuple(Decimal(h) / 2 for h in range(8, 19))  # 4.0 .. 9.0 in half hours

# --------------------------------------------------------------------------- small helpers


def _dt(seconds: int) -> datetime:
    """Seconds since :data:`START` as a naive company-time datetime."""
    return START + timedelta(seconds=seconds)


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _pick(seq: Sequence[T], rnd: float) -> T:
    """``seq[random index]`` from one ``random()`` draw (cheaper than ``Random.choice``)."""
    return seq[int(rnd * len(seq))]


def _split(total: int, shares: Sequence[float]) -> list[int]:
    """Split cents by shares; the last part takes the rounding so the sum is exact."""
    parts = [int(total * s) for s in shares[:-1]]
    return [*parts, total - sum(parts)]


def _share(total: int, part: int, parts: int) -> int:
    """The ``part``-th of ``parts`` near-equal integer slices of ``total``."""
    return (part + 1) * total // parts - part * total // parts


class _Pool(Generic[T]):
    """Records in creation order, so a document only references what existed before it."""

    def __init__(self) -> None:
        self.items: list[T] = []
        self.times: list[int] = []

    def add(self, item: T, created: int) -> None:
        self.items.append(item)
        self.times.append(created)

    def pick(self, rnd: float, at: int) -> T:
        # imports happen on day one, so at least one record always qualifies
        return self.items[int(rnd * max(1, bisect_right(self.times, at)))]

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True, slots=True)
class _Party:
    recordno: int
    id: str
    name: str
    contact: str
    term_days: int
    term: str


@dataclass(frozen=True, slots=True)
class _Project:
    recordno: int
    id: str
    customer: str
    billable: bool
    tasks: tuple[tuple[int, str], ...]


@dataclass(slots=True)
class _OpenDoc:
    """A posted bill or invoice that will be paid in a later week."""

    recordno: int
    party: _Party
    lines: list[tuple[int, int]]  # (line RECORDNO, cents)
    total: int
    paid_at: int
    location: str


@dataclass(frozen=True, slots=True)
class _Sizes:
    """Record counts for one volume of rows (transactions scale, setup data does not)."""

    vendors: int
    customers: int
    employees: int
    projects: int
    items: int
    bills: int
    invoices: int
    journal_entries: int
    ap_adjustments: int
    ar_adjustments: int
    timesheets: int

    #: rows the fixed setup data takes (accounts, periods, budgets, terms, users, ...)
    FIXED_ROWS = 560

    @classmethod
    def for_volume(cls, volume: int) -> _Sizes:
        # per 1_000 rows; measured so that the total lands on ``volume``
        unit = max(volume - cls.FIXED_ROWS, 500) / 1_000
        return cls(
            vendors=max(8, round(9 * unit)),
            customers=max(8, round(9 * unit)),
            employees=max(6, round(3.8 * unit)),
            projects=max(3, round(1.9 * unit)),
            items=max(8, round(3.8 * unit)),
            bills=max(20, round(19.6 * unit)),
            invoices=max(20, round(19.6 * unit)),
            journal_entries=max(10, round(11.4 * unit)),
            ap_adjustments=max(2, round(1.9 * unit)),
            ar_adjustments=max(2, round(1.9 * unit)),
            timesheets=max(4, round(3.8 * unit)),
        )

    def part(self, share: float) -> _Sizes:
        """This company's sizes for one entity owning ``share`` of the volume."""
        return _Sizes(*(max(2, round(v * share)) for v in self._values()))

    def _values(self) -> tuple[int, ...]:
        return (
            self.vendors,
            self.customers,
            self.employees,
            self.projects,
            self.items,
            self.bills,
            self.invoices,
            self.journal_entries,
            self.ap_adjustments,
            self.ar_adjustments,
            self.timesheets,
        )


@dataclass
class _Entity:
    """One entity of a company, or the company itself when it has a single entity."""

    id: str  # "" in a single-entity company
    name: str
    currency: str
    country: str
    sizes: _Sizes
    stamp: dict[str, Any]
    cities: tuple[tuple[str, str, str], ...]
    suffixes: tuple[str, ...]
    cash_gl: str  # GL account of the operating bank account
    bank: str = ""
    departments: list[tuple[str, str]] = field(default_factory=list)  # (id, title)
    locations: list[tuple[str, str]] = field(default_factory=list)  # (id, name)
    employees: _Pool[tuple[str, str]] = field(default_factory=_Pool)  # (id, "First Last")
    vendors: _Pool[_Party] = field(default_factory=_Pool)
    customers: _Pool[_Party] = field(default_factory=_Pool)
    projects: _Pool[_Project] = field(default_factory=_Pool)
    warehouses: list[str] = field(default_factory=list)
    open_ap: dict[int, list[_OpenDoc]] = field(default_factory=dict)  # week -> bills
    open_ar: dict[int, list[_OpenDoc]] = field(default_factory=dict)  # week -> invoices


class _Sink:
    """Buffers rows per (entity, object); a flush hands them out in first-seen order.

    Headers are always added before their lines, so first-seen order puts every parent
    object's batch before its children's.
    """

    def __init__(self, company: str) -> None:
        self.company = company
        self._buffers: dict[tuple[str, str], list[Row]] = {}
        self._count = 0

    def add(self, entity: str, obj: str, row: Row) -> None:
        self._buffers.setdefault((entity, obj), []).append(row)
        self._count += 1

    def spill(self) -> Iterator[Batch]:
        """Flush only once enough rows are buffered (keeps batches large, memory small)."""
        if self._count >= FLUSH_ROWS:
            yield from self.flush()

    def flush(self) -> Iterator[Batch]:
        for key, rows in list(self._buffers.items()):
            if rows:
                self._buffers[key] = []
                yield self.company, key[0], key[1], rows
        self._count = 0


# --------------------------------------------------------------------------- the generator


def generate(scale: int = 10_000, seed: int = 0) -> Iterator[Batch]:
    """Stream the demo companies' rows: ``DEMO`` (~``scale`` rows), then ``DEMO-ME``."""
    master = random.Random(seed)
    single = [_EntityPlan("", "Demo Company", "USD", "United States", 1.0)]
    multi = [_EntityPlan(*e) for e in ENTITIES]
    plans = (("DEMO", scale, single), ("DEMO-ME", max(scale // 10, ME_FLOOR), multi))
    for company, volume, entities in plans:
        rng = random.Random(master.getrandbits(64))
        yield from _Company(company, volume, entities, rng).rows()


@dataclass(frozen=True, slots=True)
class _EntityPlan:
    id: str
    name: str
    currency: str
    country: str
    share: float


class _Company:
    """Generates one company: setup data, master data per entity, then weekly activity."""

    def __init__(
        self, company: str, volume: int, plans: list[_EntityPlan], rng: random.Random
    ) -> None:
        self.company = company
        self.rnd = rng.random  # every draw comes from this one seeded stream
        self.multi = len(plans) > 1
        self.sink = _Sink(company)
        self.sizes = _Sizes.for_volume(volume)
        self._next: dict[str, int] = {}
        self.accounts: dict[str, tuple[int, str, bool]] = {}  # no -> (RECORDNO, title, BS?)
        self.dept_titles: dict[str, str] = {}
        self.loc_names: dict[str, str] = {}
        self.items: list[str] = []
        self.batch_numbers: dict[str, int] = {}
        self.period_keys: dict[str, int] = {}
        self.entities = [self._entity(p, i + 1) for i, p in enumerate(plans)]
        self.top_stamp: dict[str, Any] = (
            {"MEGAENTITYKEY": None, "MEGAENTITYID": None, "MEGAENTITYNAME": None}
            if self.multi
            else {}
        )

    # ----------------------------------------------------------------- plumbing

    def _entity(self, plan: _EntityPlan, key: int) -> _Entity:
        uk = plan.currency == "GBP"
        stamp = (
            {"MEGAENTITYKEY": key, "MEGAENTITYID": plan.id, "MEGAENTITYNAME": plan.name}
            if self.multi
            else {}
        )
        return _Entity(
            id=plan.id,
            name=plan.name,
            currency=plan.currency,
            country=plan.country,
            sizes=self.sizes.part(plan.share) if self.multi else self.sizes,
            stamp=stamp,
            cities=UK_CITIES if uk else US_CITIES,
            suffixes=UK_SUFFIXES if uk else US_SUFFIXES,
            cash_gl="1040" if uk else "1010",
        )

    def recordno(self, obj: str) -> int:
        n = self._next.get(obj, 0) + 1
        self._next[obj] = n
        return n

    def emit(self, ent: _Entity | None, obj: str, row: Row) -> None:
        """Add a row of ``ent`` (None = top level) with its entity stamp."""
        if ent is None:
            row.update(self.top_stamp)
            self.sink.add("", obj, row)
        else:
            row.update(ent.stamp)
            self.sink.add(ent.id, obj, row)

    def audit(self, created: int, modified: int, by: int, mod_by: int | None = None) -> Row:
        return {
            "WHENCREATED": _dt(created),
            "WHENMODIFIED": _dt(modified),
            "CREATEDBY": by,
            "MODIFIEDBY": by if mod_by is None else mod_by,
        }

    def modified_after(self, created: int, chance: float) -> int:
        """Most records are never touched again; some are edited later."""
        if self.rnd() < chance:
            return created + int(self.rnd() * (SPAN - created))
        return created

    def history(
        self,
        obj: str,
        key: int,
        desc: str,
        created: int,
        user: int,
        mode: str = "Create",
        source: str = "ui",
    ) -> None:
        """One AUDITHISTORY row (it has no audit fields or entity of its own)."""
        no = self.recordno("AUDITHISTORY")
        self.sink.add(
            "",
            "AUDITHISTORY",
            {
                "RECORDNO": no,
                "ID": str(no),
                "USERID": USERS[user - 1][0],
                "ACCESSTIME": _dt(created),
                "ACCESSMODE": mode,
                "SOURCE": "api" if user == INTEGRATION and source == "ui" else source,
                "OBJECTTYPE": obj.lower(),
                "OBJECTKEY": str(key),
                "OBJECTDESC": desc,
                "WORKFLOWACTION": None,
                "IPADDRESS": f"10.20.{key % 250}.{user * 7}",
            },
        )

    # ----------------------------------------------------------------- top

    def rows(self) -> Iterator[Batch]:
        self.setup()
        yield from self.sink.flush()
        for ent in self.entities:
            yield from self.master_data(ent)
        yield from self.shared_after_entities()
        yield from self.sink.flush()
        for week in range(WEEKS):
            for ent in self.entities:
                yield from self.week(ent, week)
        yield from self.sink.flush()

    def setup(self) -> None:
        """Top-level data every entity shares: users, ledger, terms, classes, periods."""
        self.company_prefs()
        self.roles_and_users()
        self.chart_of_accounts()
        self.journals()
        self.stat_accounts()
        self.reporting_periods()
        for obj in ("APTERM", "ARTERM"):
            self.terms(obj)
        self.classes()
        self.funds()
        self.units_and_gl_groups()
        self.project_types()
        self.allocations()
        if self.multi:
            self.entity_records()

    def shared_after_entities(self) -> Iterator[Batch]:
        """Top-level data that points at entity records (warehouses, departments)."""
        yield from self.items_catalog()
        self.budgets()

    # ----------------------------------------------------------------- setup data

    def company_prefs(self) -> None:
        prefs = (
            ("CO", "BASECURRENCY", "USD"),
            ("CO", "MULTIENTITY", str(self.multi).lower()),
            ("GL", "FIRSTFISCALMONTH", "1"),
            ("GL", "UDD_FUND_ENABLED", "true"),
            ("AP", "DEFAULTTERM", "Net 30"),
            ("AR", "DEFAULTTERM", "Net 30"),
        )
        for app, pref, value in prefs:
            row = {
                "RECORDNO": self.recordno("COMPANYPREF"),
                "APPLICATION": app,
                "PREFERENCE": pref,
                "PREFVALUE": value,
            }
            self.emit(None, "COMPANYPREF", row | self.audit(0, 0, ADMIN))

    def roles_and_users(self) -> None:
        at = IMPORT_AT["USERINFO"]
        for name, desc, modules in ROLES:
            row = {
                "RECORDNO": self.recordno("ROLES"),
                "NAME": name,
                "DESCRIPTION": desc,
                "ROLETYPE": "Enterprise",
                "APPLYTO": "Top level and entities",
                "MODULES": modules,
            }
            self.emit(None, "ROLES", row | self.audit(at, at, ADMIN))
        for login, desc, first, last, admin, role in USERS:
            no = self.recordno("USERINFO")
            row = {
                "RECORDNO": no,
                "LOGINID": login,
                "DESCRIPTION": desc,
                "USERTYPE": "business user",
                "ADMIN": admin,
                "CONTACTINFO.CONTACTNAME": f"{last}, {first}",
                "CONTACTINFO.FIRSTNAME": first,
                "CONTACTINFO.LASTNAME": last,
                "CONTACTINFO.EMAIL1": f"{login.lower()}@demo.example.com",
                "VISIBLE": True,
                "STATUS": "active",
                "LOGINDISABLED": False,
                "SSO_ENABLED": False,
                "SSO_FEDERATED_ID": None,
                "UNRESTRICTED": True,
                "PWDNEVEREXPIRES": no > 1,
                "WEBSERVICES_ONLY": login == "xml_gateway",
                "ROLES": role,
                "LASTLOGIN": (AS_OF - timedelta(days=no)).date(),
            }
            self.emit(None, "USERINFO", row | self.audit(at, at, ADMIN))

    def chart_of_accounts(self) -> None:
        at = IMPORT_AT["GLACCOUNT"]
        for no, title, balance_sheet, debit, category in ACCOUNTS:
            rec = self.recordno("GLACCOUNT")
            self.accounts[no] = (rec, title, balance_sheet)
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
                "CATEGORYKEY": 100 + len(self.accounts),
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
            modified = self.modified_after(at, 0.1)
            self.emit(None, "GLACCOUNT", row | self.audit(at, modified, ADMIN, CONTROLLER))

    def journals(self) -> None:
        at = IMPORT_AT["GLACCOUNT"] + 300
        for symbol, title, adj in JOURNALS:
            row = {
                "RECORDNO": self.recordno("GLJOURNAL"),
                "SYMBOL": symbol,
                "TITLE": title,
                "BOOKID": "ACCRUAL",
                "ADJ": adj,
                "STATUS": "active",
            }
            self.emit(None, "GLJOURNAL", row | self.audit(at, at, ADMIN))

    def stat_accounts(self) -> None:
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
                "RECORDNO": self.recordno("STATACCOUNT"),
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
            self.emit(None, "STATACCOUNT", row | self.audit(at, at, ADMIN))

    def reporting_periods(self) -> None:
        """Months, quarters and years for the history plus the budget year."""
        at = IMPORT_AT["GLACCOUNT"] + 900
        for year in range(START.year, AS_OF.year + 1):
            for month in range(1, 13):
                self.period(date(year, month, 1), _month_end(year, month), "month", at)
            for q in range(4):
                self.period(date(year, 3 * q + 1, 1), _month_end(year, 3 * q + 3), "quarter", at)
            self.period(date(year, 1, 1), date(year, 12, 31), "year", at)

    def period(self, start: date, end: date, kind: str, at: int) -> None:
        header = {"month": "Month Ended", "quarter": "Quarter Ended", "year": "Year Ended"}[kind]
        label = end.strftime("%B %Y")
        name = f"{header} {label}"
        self.period_keys[name] = self.recordno("REPORTINGPERIOD")
        row = {
            "RECORDNO": self.period_keys[name],
            "NAME": name,
            "HEADER1": header,
            "HEADER2": label,
            "START_DATE": start,
            "END_DATE": end,
            "BUDGETING": True,
            "DATETYPE": kind,
            "STATUS": "active",
        }
        self.emit(None, "REPORTINGPERIOD", row | self.audit(at, at, ADMIN))

    def terms(self, obj: str) -> None:
        at = IMPORT_AT["GLACCOUNT"] + 1_200
        for name, due, disc_days, disc in TERMS:
            row = {
                "RECORDNO": self.recordno(obj),
                "NAME": name,
                "DESCRIPTION": f"Payment due {due} days from the document date"
                if due
                else "Payment due on receipt",
                "STATUS": "active",
                "DUEDATE": due,
                "DUEFROM": "from invoice/bill date",
                "DISCDATE": disc_days or None,
                "DISCFROM": "from invoice/bill date" if disc else None,
                "DISCAMOUNT": Decimal(disc) if disc else None,
                "DISCPERCAMN": "Percentage",
                "DISCFUDGEDAYS": 2 if disc else None,
                "PENAMOUNT": None,
                "PENPERCAMN": None,
                "PENFUDGEDAYS": None,
            }
            self.emit(None, obj, row | self.audit(at, at, ADMIN))

    def classes(self) -> None:
        at = IMPORT_AT["CLASS"]
        keys: dict[str, int] = {}
        names = {c[0]: c[1] for c in CLASSES}
        for cid, name, parent in CLASSES:
            keys[cid] = self.recordno("CLASS")
            row = {
                "RECORDNO": keys[cid],
                "CLASSID": cid,
                "NAME": name,
                "DESCRIPTION": f"{name} customers",
                "PARENTKEY": keys.get(parent or ""),
                "PARENTID": parent,
                "PARENTNAME": names.get(parent or ""),
                "STATUS": "active",
            }
            self.emit(None, "CLASS", row | self.audit(at, self.modified_after(at, 0.2), ADMIN))

    def funds(self) -> None:
        at = IMPORT_AT["CLASS"] + 300
        for name, kind in FUNDS:
            row = {
                "RECORDNO": self.recordno("FUND"),
                "NAME": name,
                "DESCRIPTION": FUND_DESCRIPTIONS[name],
                "FUND_TYPE": kind,
                "EXPIRATIONDATE": date(AS_OF.year + 3, 6, 30) if kind.startswith("Temp") else None,
                "STATUS": "active",
            }
            self.emit(None, "FUND", row | self.audit(at, at, ADMIN))

    def units_and_gl_groups(self) -> None:
        at = IMPORT_AT["ITEM"] - 600
        for name, inv_uom, po, oe in (
            ("Each", "Each", "Each", "Each"),
            ("Count", "Each", "Case", "Each"),
            ("Time", "Hour", "Hour", "Hour"),
        ):
            row: Row = {
                "RECORDNO": self.recordno("UOM"),
                "NAME": name,
                "INVUOM": inv_uom,
                "POUOM": po,
                "OEUOM": oe,
                "ISSYSTEM": name == "Each",
            }
            self.emit(None, "UOM", row | self.audit(at, at, ADMIN))
        groups: tuple[tuple[str, str | None, str, str, str, str | None], ...] = (
            ("Hardware", "1200", "4000", "6210", "5000", None),
            ("Software Subscriptions", None, "4010", "6200", "5010", "2400"),
            ("Professional Services", None, "4020", "6520", "5020", "2400"),
            ("Support Services", None, "4030", "6520", "5020", "2400"),
        )
        for name, inv, income, expense, cogs, deferred in groups:
            row = {
                "RECORDNO": self.recordno("ITEMGLGROUP"),
                "NAME": name,
                "INVACCTNO": inv,
                "INCOMEACCTNO": income,
                "EXPENSEACCTNO": expense,
                "COGSACCTNO": cogs,
                "DEFERREDREVACCTNO": deferred,
                "STATUS": "active",
            }
            self.emit(None, "ITEMGLGROUP", row | self.audit(at, at, ADMIN))

    def project_types(self) -> None:
        at = IMPORT_AT["PROJECT"] - 300
        for name, category in PROJECT_TYPES:
            row = {
                "RECORDNO": self.recordno("PROJECTTYPE"),
                "NAME": name,
                "PARENTNAME": None,
                "PROJECTCATEGORY": category,
                "STATUS": "active",
            }
            self.emit(None, "PROJECTTYPE", row | self.audit(at, at, ADMIN))

    def allocations(self) -> None:
        at = IMPORT_AT["DEPARTMENT"] + 600
        for aid, desc, by in (
            ("ALLOC-RENT", "Rent by headcount", "Department"),
            ("ALLOC-IT", "IT costs by department", "Department"),
            ("ALLOC-INS", "Insurance by location", "Location"),
        ):
            row = {
                "RECORDNO": self.recordno("ALLOCATION"),
                "ALLOCATIONID": aid,
                "DESCRIPTION": desc,
                "TYPE": "Percentage",
                "DOCNUMBER": None,
                "ALLOCATEBY": by,
                "SUPDOCID": None,
                "STATUS": "active",
            }
            self.emit(None, "ALLOCATION", row | self.audit(at, at, CONTROLLER))

    def entity_records(self) -> None:
        """DEMO-ME's entities: LOCATIONENTITY rows and the same records as LOCATION rows.

        In Intacct an entity is a location, so both share the RECORDNO that entity
        records carry as MEGAENTITYKEY.
        """
        at = IMPORT_AT["LOCATION"] - 600
        for ent in self.entities:
            city = ent.cities[0]
            key = self.recordno("LOCATIONENTITY")
            self.emit(
                None,
                "LOCATIONENTITY",
                {
                    "RECORDNO": key,
                    "LOCATIONID": ent.id,
                    "NAME": ent.name,
                    "PARENTID": None,
                    "STARTDATE": START.date(),
                    "ENDDATE": None,
                    "CURRENCY": ent.currency,
                    "OPCOUNTRY": ent.country,
                    "FEDERALID": f"{key}4-{5550000 + key}",
                    "TAXID": None,
                    "FIRSTMONTH": 1,
                    "FIRSTMONTHTAX": 1 if key == 1 else 4,
                    "WEEKSTART": "Sunday" if key == 1 else "Monday",
                    "REPORTPRINTAS": f"Demo Holdings - {ent.name}",
                    "CUSTTITLE": ent.name,
                    "CONTACTINFO.CONTACTNAME": None,
                    "CONTACTINFO.MAILADDRESS.CITY": city[0],
                    "CONTACTINFO.MAILADDRESS.COUNTRY": ent.country,
                    "STATUS": "active",
                }
                | self.audit(at, at, ADMIN),
            )
            self.loc_names[ent.id] = ent.name
            self.emit(
                None,
                "LOCATION",
                self.location_row(
                    self.recordno("LOCATION"),
                    ent.id,
                    ent.name,
                    None,
                    None,
                    ent,
                    city,
                    "entity",
                )
                | self.audit(at, at, ADMIN),
            )

    # ----------------------------------------------------------------- master data

    def master_data(self, ent: _Entity) -> Iterator[Batch]:
        planned = self.plan_employees(ent)
        self.locations(ent, planned)
        self.departments(ent, planned)
        yield from self.sink.spill()
        yield from self.employees(ent, planned)
        yield from self.vendors(ent)
        yield from self.customers(ent)
        self.bank_accounts(ent)
        self.warehouses(ent, planned)
        yield from self.projects(ent, planned)

    def plan_employees(self, ent: _Entity) -> list[tuple[str, str, str]]:
        """Employee ids and names first: departments and locations name managers."""
        out: list[tuple[str, str, str]] = []
        for _ in range(ent.sizes.employees):
            n = self._next.get("EMPLOYEE", 0) + len(out) + 1
            first, last = _pick(FIRST_NAMES, self.rnd()), _pick(LAST_NAMES, self.rnd())
            out.append((f"EMP-{n:05d}", first, last))
        return out

    def location_row(
        self,
        rec: int,
        lid: str,
        name: str,
        parent: str | None,
        manager: str | None,
        ent: _Entity,
        city: tuple[str, str, str],
        kind: str,
    ) -> Row:
        return {
            "RECORDNO": rec,
            "LOCATIONID": lid,
            "NAME": name,
            "PARENTKEY": None,
            "PARENTID": parent,
            "PARENTNAME": self.loc_names.get(parent or ""),
            "SUPERVISORID": manager,
            "SUPERVISORNAME": None,
            "LOCATIONTYPE": kind,
            "STARTDATE": START.date(),
            "ENDDATE": None,
            "CURRENCY": ent.currency,
            "FEDERALID": None,
            "CONTACTINFO.CONTACTNAME": None,
            "CONTACTINFO.MAILADDRESS.CITY": city[0],
            "CONTACTINFO.MAILADDRESS.STATE": city[1],
            "CONTACTINFO.MAILADDRESS.COUNTRY": ent.country,
            "CUSTTITLE": None,
            "STATUS": "active",
        }

    def locations(self, ent: _Entity, planned: list[tuple[str, str, str]]) -> None:
        at = IMPORT_AT["LOCATION"]
        specs = ME_LOCATIONS[ent.id] if self.multi else DEMO_LOCATIONS
        parent = ent.id or None
        for n, (lid, city_no) in enumerate(specs):
            city = ent.cities[city_no]
            name = city[0] if self.multi or n else f"Headquarters - {city[0]}"
            row = self.location_row(
                self.recordno("LOCATION"),
                lid,
                name,
                parent,
                planned[n % len(planned)][0],
                ent,
                city,
                "location",
            )
            self.loc_names[lid] = name
            ent.locations.append((lid, name))
            if not self.multi and n == 0:
                parent = lid  # single entity: the other offices roll up to headquarters
            self.emit(ent, "LOCATION", row | self.audit(at, self.modified_after(at, 0.1), ADMIN))

    def departments(self, ent: _Entity, planned: list[tuple[str, str, str]]) -> None:
        at = IMPORT_AT["DEPARTMENT"]
        prefix = {"": "", "E100": "US-", "E200": "UK-"}[ent.id]
        keys: dict[str, int] = {}
        for n, (suffix, title, parent) in enumerate(DEPARTMENTS):
            did, pid = prefix + suffix, (prefix + parent) if parent else None
            keys[did] = self.recordno("DEPARTMENT")
            manager = planned[n % len(planned)]
            self.dept_titles[did] = title
            ent.departments.append((did, title))
            row = {
                "RECORDNO": keys[did],
                "DEPARTMENTID": did,
                "TITLE": title,
                "PARENTKEY": keys.get(pid or ""),
                "PARENTID": pid,
                "PARENTNAME": self.dept_titles.get(pid or ""),
                "SUPERVISORKEY": None,
                "SUPERVISORID": manager[0],
                "SUPERVISORNAME": f"{manager[1]} {manager[2]}",
                "CUSTTITLE": None,
                "STATUS": "active",
            }
            self.emit(ent, "DEPARTMENT", row | self.audit(at, self.modified_after(at, 0.1), ADMIN))

    def creation_times(self, n: int, import_at: int, imported: float) -> list[int]:
        """``imported`` of the records arrive in the day-one import (one shared second),
        the rest are created over the two years, in order."""
        first = max(1, round(n * imported))
        days = [1 + int(self.rnd() * (HISTORY_DAYS - 1)) for _ in range(n - first)]
        return [import_at] * first + sorted(self.office_hours(day) for day in days)

    def office_hours(self, day: int) -> int:
        """A second during working hours (8:00-18:00) of ``day``, moved off weekends."""
        weekday = day % 7  # START is a Monday
        if weekday > 4:
            day -= weekday - 4
        return day * DAY + 8 * 3_600 + int(self.rnd() * 36_000)

    def contact(
        self,
        ent: _Entity,
        name: str,
        first: str | None,
        last: str | None,
        company: str | None,
        created: int,
        modified: int,
        by: int,
    ) -> int:
        """A CONTACT row (vendors, customers and employees each own one)."""
        rnd = self.rnd
        rec = self.recordno("CONTACT")
        city, state, zip_stem = _pick(ent.cities, rnd())
        uk = ent.currency == "GBP"
        street = f"{int(rnd() * 9_000) + 10} {_pick(STREETS, rnd())} " + _pick(
            UK_STREET_TYPES if uk else US_STREET_TYPES, rnd()
        )
        domain = "".join(
            ch for ch in (company or last or "mail").split()[0].lower() if ch.isalnum()
        ) + (".co.uk" if uk else ".com")
        who = f"{first}.{last}".lower().replace("'", "") if first else "accounts"
        self.emit(
            ent,
            "CONTACT",
            {
                "RECORDNO": rec,
                "CONTACTNAME": name,
                "PREFIX": None,
                "FIRSTNAME": first,
                "LASTNAME": last,
                "COMPANYNAME": company,
                "PRINTAS": company or f"{first} {last}",
                "PHONE1": (
                    f"+44 20 7946 {int(rnd() * 10_000):04d}"
                    if uk
                    else f"({200 + int(rnd() * 700)}) 555-{int(rnd() * 10_000):04d}"
                ),
                "CELLPHONE": None,
                "FAX": None,
                "EMAIL1": f"{who}@{domain}",
                "URL1": None,
                "MAILADDRESS.ADDRESS1": street,
                "MAILADDRESS.ADDRESS2": None,
                "MAILADDRESS.CITY": city,
                "MAILADDRESS.STATE": state,
                "MAILADDRESS.ZIP": (
                    f"{zip_stem} {int(rnd() * 9) + 1}AB"
                    if uk
                    else f"{zip_stem}{int(rnd() * 100):02d}"
                ),
                "MAILADDRESS.COUNTRY": ent.country,
                "MAILADDRESS.COUNTRYCODE": "GB" if uk else "US",
                "PHONE2": None,
                "EMAIL2": None,
                "TAXABLE": True,
                "TAXGROUP": None,
                "VISIBLE": True,
                "STATUS": "active",
            }
            | self.audit(created, modified, by),
        )
        return rec

    def employees(self, ent: _Entity, planned: list[tuple[str, str, str]]) -> Iterator[Batch]:
        rnd = self.rnd
        times = self.creation_times(len(planned), IMPORT_AT["EMPLOYEE"], 0.7)
        for n, ((eid, first, last), created) in enumerate(zip(planned, times, strict=True)):
            modified = self.modified_after(created, 0.25)
            contact = f"{first} {last} ({eid})"
            self.contact(ent, contact, first, last, None, created, modified, ADMIN)
            rec = self.recordno("EMPLOYEE")
            gone = n > 3 and rnd() < 0.08
            manager = planned[int(rnd() * n)] if n else None
            started = (
                (START - timedelta(days=int(rnd() * 2_000)))
                if created == times[0]
                else _dt(created)
            )
            row = {
                "RECORDNO": rec,
                "EMPLOYEEID": eid,
                "PERSONALINFO.CONTACTNAME": contact,
                "PERSONALINFO.FIRSTNAME": first,
                "PERSONALINFO.LASTNAME": last,
                "PERSONALINFO.PRINTAS": f"{first} {last}",
                "PERSONALINFO.EMAIL1": f"{first}.{last}@demo.example.com".lower().replace("'", ""),
                "PERSONALINFO.PHONE1": None,
                "TITLE": _pick(JOB_TITLES, rnd()),
                "DEPARTMENTID": _pick(ent.departments, rnd())[0],
                "LOCATIONID": _pick(ent.locations, rnd())[0],
                "CLASSID": None,
                "SUPERVISORID": manager[0] if manager else None,
                "SUPERVISORNAME": f"{manager[1]} {manager[2]}" if manager else None,
                "STARTDATE": started.date(),
                "ENDDATE": _dt(modified).date() if gone and modified > created else None,
                "TERMINATIONTYPE": "voluntary" if gone and modified > created else None,
                "EMPLOYEETYPE": "Full Time" if rnd() < 0.85 else "Contractor",
                "GENDER": None,
                "CURRENCY": ent.currency,
                "POSTACTUALCOST": False,
                "STATUS": "inactive" if gone and modified > created else "active",
            }
            self.emit(ent, "EMPLOYEE", row | self.audit(created, modified, ADMIN))
            ent.employees.add((eid, f"{first} {last}"), created)
            yield from self.sink.spill()

    def company_name(self, ent: _Entity, words: Sequence[str], kinds: Sequence[str]) -> str:
        return f"{_pick(words, self.rnd())} {_pick(kinds, self.rnd())} " + _pick(
            ent.suffixes, self.rnd()
        )

    def party_modified(self, created: int) -> tuple[int, bool]:
        """A bulk update touches many vendors/customers at one second (page-tie fodder)."""
        if created < MASS_UPDATE and self.rnd() < 0.4:
            return MASS_UPDATE, True
        return self.modified_after(created, 0.2), False

    def vendors(self, ent: _Entity) -> Iterator[Batch]:
        rnd = self.rnd
        times = self.creation_times(ent.sizes.vendors, IMPORT_AT["VENDOR"], 0.5)
        for created in times:
            rec = self.recordno("VENDOR")
            vid, name = f"V{10_000 + rec}", self.company_name(ent, VENDOR_WORDS, VENDOR_KINDS)
            contact = f"{name}({vid})"  # Intacct names a display contact "Name(ID)"
            modified, bulk = self.party_modified(created)
            by = ADMIN if created == times[0] else _pick(AP_CREATORS, rnd())
            contact_no = self.contact(ent, contact, None, None, name, created, created, by)
            term = _pick(TERMS[:4], rnd())
            parent = (
                ent.vendors.items[int(rnd() * len(ent.vendors))]
                if len(ent.vendors) > 5 and rnd() < 0.05
                else None
            )
            row = {
                "RECORDNO": rec,
                "VENDORID": vid,
                "NAME": name,
                "NAME1099": name.upper() if rnd() < 0.3 else None,
                "PARENTKEY": parent.recordno if parent else None,
                "PARENTID": parent.id if parent else None,
                "PARENTNAME": parent.name if parent else None,
                **self.display_contact(contact, name),
                "VENDTYPE": _pick(("Supplier", "Contractor", "Service Provider"), rnd()),
                "TAXID": f"{int(rnd() * 90) + 10}-{int(rnd() * 9_000_000) + 1_000_000}",
                "FORM1099TYPE": "MISC" if rnd() < 0.2 else None,
                "FORM1099BOX": None,
                "CREDITLIMIT": None,
                "TOTALDUE": None,
                "BILLINGTYPE": "openitem",
                "TERMNAME": term[0],
                "TERMSKEY": TERMS.index(term) + 1,
                "APACCOUNT": AP_ACCOUNT,
                "APACCOUNTTITLE": "Accounts Payable",
                "OFFSETGLACCOUNTNO": _pick(EXPENSE_ACCOUNTS, rnd()),
                "PAYMENTPRIORITY": "Normal" if rnd() < 0.8 else "High",
                "PAYMETHODKEY": _pick(("Printed Check", "EFT", "ACH"), rnd()),
                "ONHOLD": rnd() < 0.02,
                "DONOTCUTCHECK": False,
                "CURRENCY": ent.currency,
                "COMMENTS": None,
                "STATUS": "active" if rnd() < 0.95 else "inactive",
                "ONETIME": False,
                "CONTACTINFO.CONTACTNAME": contact,
                "PAYTO.CONTACTNAME": contact,
                "RETURNTO.CONTACTNAME": contact,
                "LAST_BILLDATE": None,
                "LAST_PAYMENTDATE": None,
                "DISPLAYCONTACTKEY": contact_no,
                "VENDOR_TIER": _pick(
                    ("Strategic", "Preferred", "Approved", "Approved", "Probation"), rnd()
                ),
                "VENDOR_ESG_CERTIFIED": rnd() < 0.3,
            }
            self.emit(ent, "VENDOR", row | self.audit(created, modified, by, ADMIN if bulk else by))
            ent.vendors.add(_Party(rec, vid, name, contact, term[1], term[0]), created)
            self.party_history("VENDOR", rec, name, created, modified, by, bulk)
            yield from self.sink.spill()

    def display_contact(self, contact: str, company: str) -> Row:
        """The DISPLAYCONTACT.* copy a vendor/customer row shows of its contact."""
        return {
            "DISPLAYCONTACT.CONTACTNAME": contact,
            "DISPLAYCONTACT.PREFIX": None,
            "DISPLAYCONTACT.FIRSTNAME": None,
            "DISPLAYCONTACT.LASTNAME": None,
            "DISPLAYCONTACT.COMPANYNAME": company,
            "DISPLAYCONTACT.PRINTAS": company,
            "DISPLAYCONTACT.PHONE1": None,
            "DISPLAYCONTACT.CELLPHONE": None,
            "DISPLAYCONTACT.FAX": None,
            "DISPLAYCONTACT.EMAIL1": None,
            "DISPLAYCONTACT.URL1": None,
            "DISPLAYCONTACT.MAILADDRESS.ADDRESS1": None,
            "DISPLAYCONTACT.MAILADDRESS.ADDRESS2": None,
            "DISPLAYCONTACT.MAILADDRESS.CITY": None,
            "DISPLAYCONTACT.MAILADDRESS.STATE": None,
            "DISPLAYCONTACT.MAILADDRESS.ZIP": None,
            "DISPLAYCONTACT.MAILADDRESS.COUNTRY": None,
            "DISPLAYCONTACT.MAILADDRESS.COUNTRYCODE": None,
        }

    def party_history(
        self, obj: str, rec: int, name: str, created: int, modified: int, by: int, bulk: bool
    ) -> None:
        source = "csv" if created == IMPORT_AT[obj] else "ui"
        self.history(obj, rec, name, created, by, source=source)
        if modified > created:
            self.history(
                obj, rec, name, modified, ADMIN if bulk else by, "Modify", "csv" if bulk else "ui"
            )

    def customers(self, ent: _Entity) -> Iterator[Batch]:
        rnd = self.rnd
        times = self.creation_times(ent.sizes.customers, IMPORT_AT["CUSTOMER"], 0.5)
        for created in times:
            rec = self.recordno("CUSTOMER")
            cid = f"C{10_000 + rec}"
            name = self.company_name(ent, CUSTOMER_WORDS, CUSTOMER_KINDS)
            contact = f"{name}({cid})"
            modified, bulk = self.party_modified(created)
            by = ADMIN if created == times[0] else _pick(AR_CREATORS, rnd())
            contact_no = self.contact(ent, contact, None, None, name, created, created, by)
            term = _pick(TERMS, rnd())
            rep = ent.employees.pick(rnd(), created)
            health = _pick(("Good", "Good", "Good", "Fair", "At Risk"), rnd())
            row = {
                "RECORDNO": rec,
                "CUSTOMERID": cid,
                "NAME": name,
                "ENTITY": ent.id or None,
                "PARENTKEY": None,
                "PARENTID": None,
                "PARENTNAME": None,
                **self.display_contact(contact, name),
                "DISPLAYCONTACT.TAXABLE": True,
                "DISPLAYCONTACT.TAXGROUP": None,
                "TERMNAME": term[0],
                "TERMSKEY": TERMS.index(term) + 1,
                "CUSTREPID": rep[0],
                "CUSTREPNAME": rep[1],
                "RESALENO": None,
                "TAXID": None,
                "CREDITLIMIT": _money(int(rnd() * 50) * 1_000_000 + 2_500_000),
                "TOTALDUE": None,
                "COMMENTS": None,
                "ARACCOUNT": _pick(REVENUE_ACCOUNTS, rnd()),
                "ARACCOUNTTITLE": None,
                "OFFSETGLACCOUNTNO": AR_ACCOUNT,
                "LAST_INVOICEDATE": None,
                "LAST_STATEMENTDATE": None,
                "DELIVERY_OPTIONS": "E-Mail" if rnd() < 0.7 else "Print",
                "TERRITORYID": None,
                "SHIPPINGMETHOD": None,
                "CUSTTYPE": _pick(("Direct", "Partner", "Reseller"), rnd()),
                "GLGROUP": None,
                "DISCOUNT": None,
                "CURRENCY": ent.currency,
                "CONTACTINFO.CONTACTNAME": contact,
                "SHIPTO.CONTACTNAME": contact,
                "BILLTO.CONTACTNAME": contact,
                "STATUS": "active" if rnd() < 0.93 else "inactive",
                "ONETIME": False,
                "ONHOLD": rnd() < 0.03,
                "ENABLEONLINECARDPAYMENT": True,
                "ENABLEONLINEACHPAYMENT": True,
                "DISPLAYCONTACTKEY": contact_no,
                "CUSTREPKEY": None,
                "OBJECTRESTRICTION": "Unrestricted",
                "CUSTOMER_HEALTH": health,
                "CUSTOMER_RENEWAL_DATE": (AS_OF + timedelta(days=int(rnd() * 365))).date()
                if rnd() < 0.6
                else None,
            }
            row["ARACCOUNTTITLE"] = self.accounts[row["ARACCOUNT"]][1]
            self.emit(
                ent, "CUSTOMER", row | self.audit(created, modified, by, ADMIN if bulk else by)
            )
            ent.customers.add(_Party(rec, cid, name, contact, term[1], term[0]), created)
            self.party_history("CUSTOMER", rec, name, created, modified, by, bulk)
            yield from self.sink.spill()

    def bank_accounts(self, ent: _Entity) -> None:
        """Operating and payroll checking, one savings account, corporate cards."""
        at = IMPORT_AT["GLACCOUNT"] + 1_800
        uk = ent.currency == "GBP"
        prefix = {"": "BOA", "E100": "US", "E200": "UK"}[ent.id]
        city = ent.cities[0]
        banks = [(f"{prefix}-OPER", "Operating", ent.cash_gl, "CHECKINGACCOUNT")]
        if not uk:  # the UK entity runs payroll through its operating account
            banks.append((f"{prefix}-PAYROLL", "Payroll", "1020", "CHECKINGACCOUNT"))
        banks.append((f"{prefix}-RESERVE", "Reserve", "1050" if uk else "1030", "SAVINGSACCOUNT"))
        for bid, label, gl, obj in banks:
            row = {
                "RECORDNO": self.recordno(obj),
                "BANKACCOUNTID": bid,
                "BANKACCOUNTNO": f"{int(self.rnd() * 9e9) + 1_000_000_000}",
                "GLACCOUNTNO": gl,
                "BANKNAME": f"{'Barclays' if uk else 'Bank of America'} {label}",
                "ROUTINGNO": None if uk else "026009593",
                "BRANCHID": "20-00-00" if uk else None,
                "BANKACCOUNTTYPE": "savings" if obj == "SAVINGSACCOUNT" else "checking",
                "PHONE": None,
                "MAILADDRESS.ADDRESS1": "1 Financial Plaza",
                "MAILADDRESS.CITY": city[0],
                "MAILADDRESS.STATE": city[1],
                "MAILADDRESS.ZIP": None,
                "MAILADDRESS.COUNTRY": ent.country,
                "CURRENCY": ent.currency,
                "DEPARTMENTID": None,
                "LOCATIONID": ent.locations[0][0],
                "LASTRECONCILEDBALANCE": None,
                "LASTRECONCILEDDATE": None,
                "STATUS": "active",
            }
            if obj == "CHECKINGACCOUNT":
                row |= {"NEXTCHECK": 10_001, "CHECKLAYOUT": "Standard"}
            else:
                row["INTERESTRATE"] = Decimal("1.25")
            self.emit(ent, obj, row | self.audit(at, at, ADMIN))
        for bid in (f"{prefix}-BARCLAYCARD",) if uk else (f"{prefix}-AMEX", f"{prefix}-VISA"):
            amex = bid.endswith("AMEX")
            row = {
                "RECORDNO": self.recordno("CREDITCARD"),
                "CARDID": bid,
                "CARDNUM": f"XXXX-XXXX-XXXX-{int(self.rnd() * 10_000):04d}",
                "CARDTYPE": "American Express" if amex else "Visa",
                "EXP_MONTH": 1 + int(self.rnd() * 12),
                "EXP_YEAR": AS_OF.year + 2,
                "DESCRIPTION": f"Corporate {'Amex' if amex else 'Visa'} card",
                "LIABILITYTYPE": "Credit",
                "LIABACCOUNTNO": "2100" if amex else "2110",
                "VENDORID": None,
                "CREDITLIMIT": _money(5_000_000),
                "CURRENCY": ent.currency,
                "DEPARTMENTID": None,
                "LOCATIONID": ent.locations[0][0],
                "STATUS": "active",
            }
            self.emit(ent, "CREDITCARD", row | self.audit(at, at, ADMIN))
        ent.bank = banks[0][0]

    def warehouses(self, ent: _Entity, planned: list[tuple[str, str, str]]) -> None:
        at = IMPORT_AT["ITEM"] - 300
        for n, (lid, lname) in enumerate(ent.locations[:2]):
            wid = f"WH-{lid}"
            ent.warehouses.append(wid)
            row = {
                "RECORDNO": self.recordno("WAREHOUSE"),
                "WAREHOUSEID": wid,
                "NAME": f"{lname} Warehouse"[:40],
                "LOC.LOCATIONID": lid,
                "PARENTID": ent.warehouses[0] if n else None,
                "MANAGERID": planned[-1][0],
                "CONTACTINFO.CONTACTNAME": None,
                "CONTACTINFO.MAILADDRESS.CITY": None,
                "CONTACTINFO.MAILADDRESS.STATE": None,
                "USEDINGL": True,
                "ENABLENEGATIVEINV": False,
                "STATUS": "active",
            }
            self.emit(ent, "WAREHOUSE", row | self.audit(at, at, ADMIN))

    def projects(self, ent: _Entity, planned: list[tuple[str, str, str]]) -> Iterator[Batch]:
        rnd = self.rnd
        times = self.creation_times(ent.sizes.projects, IMPORT_AT["PROJECT"], 0.3)
        for created in times:
            rec = self.recordno("PROJECT")
            pid = f"P-{1_000 + rec}"
            kind, category = _pick(PROJECT_TYPES, rnd())
            billable = category == "Contract"
            customer = ent.customers.pick(rnd(), created) if billable else None
            begin = _dt(created).date()
            budget = int(rnd() * 200) * 100_000 + 1_000_000
            name = f"{customer.name.split()[0]} {kind}" if customer else f"{kind} {rec}"
            row = {
                "RECORDNO": rec,
                "PROJECTID": pid,
                "NAME": name,
                "DESCRIPTION": f"{kind} project",
                "CURRENCY": ent.currency,
                "PROJECTCATEGORY": category,
                "PROJECTTYPE": kind,
                "PROJECTSTATUS": _pick(
                    ("In Progress", "In Progress", "Completed", "On Hold"), rnd()
                ),
                "CUSTOMERID": customer.id if customer else None,
                "CUSTOMERNAME": customer.name if customer else None,
                "MANAGERID": ent.employees.pick(rnd(), created)[0],
                "DEPARTMENTID": _pick(ent.departments, rnd())[0],
                "LOCATIONID": _pick(ent.locations, rnd())[0],
                "CLASSID": None,
                "BEGINDATE": begin,
                "ENDDATE": begin + timedelta(days=90 + int(rnd() * 270)),
                "BUDGETAMOUNT": _money(budget),
                "CONTRACTAMOUNT": _money(budget * 12 // 10) if billable else None,
                "BILLINGTYPE": "Time & Material" if billable else None,
                "PERCENTCOMPLETE": Decimal(int(rnd() * 100)),
                "TERMNAME": "Net 30" if billable else None,
                "STATUS": "active",
            }
            modified = self.modified_after(created, 0.4)
            self.emit(ent, "PROJECT", row | self.audit(created, modified, DEMO_USER))
            tasks = tuple(
                self.task(ent, rec, pid, name, n, created, billable, begin) for n in range(3)
            )
            ent.projects.add(
                _Project(rec, pid, customer.id if customer else "", billable, tasks), created
            )
            yield from self.sink.spill()

    def task(
        self,
        ent: _Entity,
        project_no: int,
        pid: str,
        pname: str,
        n: int,
        created: int,
        billable: bool,
        begin: date,
    ) -> tuple[int, str]:
        rec = self.recordno("TASK")
        tid = f"{pid}-T{n + 1:02d}"
        hours = Decimal(40 + int(self.rnd() * 200))
        row = {
            "RECORDNO": rec,
            "TASKID": tid,
            "NAME": TASK_NAMES[n + int(self.rnd() * 3)],
            "PROJECTID": pid,
            "PROJECTKEY": project_no,
            "PROJECTNAME": pname,
            "DESCRIPTION": None,
            "PBEGINDATE": begin + timedelta(days=30 * n),
            "PENDDATE": begin + timedelta(days=30 * n + 29),
            "BUDGETQTY": hours,
            "ESTQTY": hours,
            "ACTUALQTY": None,
            "PERCENTCOMPLETE": None,
            "BILLABLE": billable,
            "ISMILESTONE": n == 2,
            "TASKSTATUS": "In Progress" if n == 0 else "Planned",
        }
        self.emit(ent, "TASK", row | self.audit(created, created, DEMO_USER))
        return rec, tid

    def items_catalog(self) -> Iterator[Batch]:
        rnd = self.rnd
        at = IMPORT_AT["ITEM"]
        warehouses = self.entities[0].warehouses
        groups = ("Hardware", "Software Subscriptions", "Professional Services", "Support Services")
        for _ in range(self.sizes.items):
            rec = self.recordno("ITEM")
            group = _pick(groups, rnd())
            stocked = group == "Hardware"
            cost = int(rnd() * 900) * 100 + 1_000
            row: Row = {
                "RECORDNO": rec,
                "ITEMID": f"I{1_000 + rec}",
                "NAME": f"{_pick(ITEM_WORDS, rnd())} {_pick(ITEM_NOUNS, rnd())} {rec}",
                "ITEMTYPE": "Inventory" if stocked else "Non-Inventory (Sales only)",
                "STATUS": "active" if rnd() < 0.95 else "inactive",
                "PRODUCTLINEID": group,
                "EXTENDED_DESCRIPTION": None,
                "PODESCRIPTION": None,
                "SODESCRIPTION": None,
                "UOMGRP": "Each" if stocked else "Time" if "Services" in group else "Count",
                "GLGROUP": group,
                "COST_METHOD": "Average" if stocked else "Standard",
                "STANDARD_COST": _money(cost),
                "BASEPRICE": _money(cost * 2),
                "TAXABLE": stocked,
                "SHIP_WEIGHT": Decimal(int(rnd() * 50) + 1) if stocked else None,
                "UPC": f"0{int(rnd() * 1e10):010d}" if stocked else None,
                "DEFAULT_WAREHOUSE": _pick(warehouses, rnd()) if stocked else None,
                "WHENLASTSOLD": None,
                "WHENLASTRECEIVED": None,
            }
            self.items.append(row["ITEMID"])
            self.emit(None, "ITEM", row | self.audit(at, self.modified_after(at, 0.3), ADMIN))
            yield from self.sink.spill()

    def budgets(self) -> None:
        """Two yearly budgets of monthly amounts for the main P&L accounts."""
        accounts = ("4000", "4010", "4020", "5000", "6000", "6100", "6200", "6300", "6400", "6500")
        dept = self.entities[0].departments[1][0]
        for year in (AS_OF.year - 1, AS_OF.year):
            # approved on the first of December before the budget year, 9 a.m.
            at = (date(year - 1, 12, 1) - START.date()).days * 86_400 + 9 * 3_600
            at = max(at, IMPORT_AT["GLACCOUNT"] + 3_600)
            head = self.recordno("GLBUDGETHEADER")
            bid = f"FY{year}"
            self.emit(
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
                | self.audit(at, at, CONTROLLER),
            )
            for month in range(1, 13):
                end = _month_end(year, month)
                for acct in accounts:
                    self.budget_item(head, bid, acct, dept, year, month, end, at)

    def budget_item(
        self, head: int, bid: str, acct: str, dept: str, year: int, month: int, end: date, at: int
    ) -> None:
        period = f"Month Ended {end:%B %Y}"
        self.emit(
            None,
            "GLBUDGETITEM",
            {
                "RECORDNO": self.recordno("GLBUDGETITEM"),
                "BUDGETKEY": head,
                "BUDGETID": bid,
                "ACCOUNTNO": acct,
                "ACCOUNTTITLE": self.accounts[acct][1],
                "DEPARTMENTID": dept if acct >= "6000" else None,
                "LOCATIONID": None,
                "CLASSID": None,
                "PERIODNAME": period,
                "PERIODKEY": self.period_keys[period],
                "PSTARTDATE": date(year, month, 1),
                "PENDDATE": end,
                "AMOUNT": _money((int(self.rnd() * 400) + 100) * 10_000),
                "BUDGETUSING": "None",
                "PERCENTADJ": None,
                "NOTE": None,
            }
            | self.audit(at, at, CONTROLLER),
        )

    # ----------------------------------------------------------------- weekly activity

    def week(self, ent: _Entity, week: int) -> Iterator[Batch]:
        start = week * WEEK
        sizes = ent.sizes
        for created in self.week_times(_share(sizes.bills, week, WEEKS), start):
            self.bill(ent, created)
            yield from self.sink.spill()
        for created in self.week_times(_share(sizes.invoices, week, WEEKS), start):
            self.invoice(ent, created)
            yield from self.sink.spill()
        for created in self.week_times(_share(sizes.journal_entries, week, WEEKS), start):
            self.journal_entry(ent, created)
            yield from self.sink.spill()
        for created in self.week_times(_share(sizes.ap_adjustments, week, WEEKS), start):
            self.adjustment(ent, created, payables=True)
        for created in self.week_times(_share(sizes.ar_adjustments, week, WEEKS), start):
            self.adjustment(ent, created, payables=False)
        yield from self.payment_run(ent, week)
        yield from self.receipts(ent, week)
        for _ in range(_share(sizes.timesheets, week, WEEKS)):
            self.timesheet(ent, start)
        yield from self.sink.spill()

    def week_times(self, n: int, start: int) -> list[int]:
        """Sorted creation times within one week; sometimes a CSV import gives a run of
        documents one shared second (WHENCREATED/WHENMODIFIED ties)."""
        first_day = start // DAY
        times = sorted(self.office_hours(first_day + int(self.rnd() * 5)) for _ in range(n))
        if n > 2 and self.rnd() < 0.3:
            first = int(self.rnd() * (n - 1))
            last = min(n, first + 2 + int(self.rnd() * 30))
            times[first:last] = [times[first]] * (last - first)
        return times

    def week_of(self, seconds: int) -> int:
        return int(seconds // WEEK)

    # bills ---------------------------------------------------------------

    def bill(self, ent: _Entity, created: int) -> None:
        rnd = self.rnd
        vendor = ent.vendors.pick(rnd(), created)
        by = _pick(AP_CREATORS, rnd())
        posted = rnd() > 0.02  # a few drafts never reach the ledger
        when = _dt(created)
        day = when.date()
        due = day + timedelta(days=vendor.term_days)
        # bills are paid in the weekly payment run around their due date
        pay_week = self.week_of(created + vendor.term_days * 86_400 - int(rnd() * 5) * 86_400)
        pay_week = max(pay_week, self.week_of(created) + 1)
        paid = posted and pay_week < WEEKS
        paid_at = self.run_time(pay_week) if paid else created
        rec = self.recordno("APBILL")
        lines = self.bill_lines(ent, rec, vendor, created, paid_at, by, day)
        total = sum(c for _, c in lines)
        money, paid_money = _money(total), _money(total) if paid else ZERO
        self.emit(
            ent,
            "APBILL",
            {
                "RECORDNO": rec,
                "RECORDTYPE": "pi",
                "RECORDID": f"INV-{int(rnd() * 900_000) + 100_000}",
                "VENDORID": vendor.id,
                "VENDORNAME": vendor.name,
                "DOCNUMBER": f"PO-{rec + 5_000}" if rnd() < 0.4 else None,
                "DESCRIPTION": f"{vendor.name} services",
                "WHENPOSTED": day,
                "WHENDUE": due,
                "WHENPAID": _dt(paid_at).date() if paid else None,
                "TERMNAME": vendor.term,
                "BASECURR": ent.currency,
                "CURRENCY": ent.currency,
                "EXCHANGE_RATE": ONE,
                "TOTALENTERED": money,
                "TRX_TOTALENTERED": money,
                "TOTALPAID": paid_money,
                "TRX_TOTALPAID": paid_money,
                "TOTALDUE": money - paid_money,
                "TRX_TOTALDUE": money - paid_money,
                "STATE": "Paid" if paid else "Posted" if posted else "Draft",
                "RAWSTATE": None,
                "ONHOLD": False,
                "PRBATCH": f"Bills: {day:%Y/%m/%d}",
                "PRBATCHKEY": None,
                "MODULEKEY": "3.AP",
                "SUPDOCID": None,
                "PAYTO.CONTACTNAME": vendor.contact,
                "RETURNTO.CONTACTNAME": vendor.contact,
                "BILLTOPAYTOKEY": None,
                "VENDORKEY": vendor.recordno,
            }
            | self.audit(created, paid_at, by, AP_CLERK if paid else by),
        )
        self.flush_lines(ent, "APBILLITEM", lines)
        self.history("APBILL", rec, f"Bill {vendor.name}", created, by)
        if posted:
            self.post_document(ent, rec, vendor, lines, created, by, payables=True)
        if paid:
            ent.open_ap.setdefault(pay_week, []).append(_open_doc(rec, vendor, lines, paid_at))

    def bill_lines(
        self, ent: _Entity, rec: int, vendor: _Party, created: int, paid_at: int, by: int, day: date
    ) -> list[tuple[Row, int]]:
        rnd = self.rnd
        out: list[tuple[Row, int]] = []
        for n in range(1 + int(rnd() ** 2 * 5)):
            acct = _pick(EXPENSE_ACCOUNTS, rnd())
            cents = int(10 ** (3 + 2.7 * rnd()))
            money = _money(cents)
            dept, dname = _pick(ent.departments, rnd())
            loc, lname = _pick(ent.locations, rnd())
            project = ent.projects.pick(rnd(), created) if rnd() < 0.15 else None
            row = {
                "RECORDNO": self.recordno("APBILLITEM"),
                "RECORDKEY": rec,
                "LINE_NO": n + 1,
                "ACCOUNTNO": acct,
                "ACCOUNTKEY": self.accounts[acct][0],
                "ACCOUNTTITLE": self.accounts[acct][1],
                "OFFSETACCOUNTNO": AP_ACCOUNT,
                "AMOUNT": money,
                "TRX_AMOUNT": money,
                "TOTALPAID": money if paid_at > created else ZERO,
                "ENTRYDESCRIPTION": self.accounts[acct][1],
                "ENTRY_DATE": day,
                "BASECURR": ent.currency,
                "CURRENCY": ent.currency,
                "VENDORID": vendor.id,
                "DEPARTMENTID": dept,
                "DEPARTMENTNAME": dname,
                "LOCATIONID": loc,
                "LOCATIONNAME": lname,
                "PROJECTID": project.id if project else None,
                "CLASSID": _pick(CLASSES, rnd())[0] if rnd() < 0.3 else None,
                "ITEMID": _pick(self.items, rnd()) if rnd() < 0.1 else None,
                "EMPLOYEEID": None,
                "BILLABLE": project is not None and project.billable,
                "BILLED": False,
            } | self.audit(created, paid_at, by, AP_CLERK if paid_at > created else by)
            out.append((row, cents))
        return out

    def post_document(
        self,
        ent: _Entity,
        rec: int,
        party: _Party,
        lines: Sequence[tuple[Row, int]],
        created: int,
        by: int,
        *,
        payables: bool,
    ) -> None:
        """Journal a bill (expense lines debit, AP credit) or an invoice (AR debit,
        revenue lines credit)."""
        side = 1 if payables else -1
        vendor, customer = (party.id, None) if payables else (None, party.id)
        location = lines[0][0]["LOCATIONID"]
        control = (None, location, None, customer, vendor, None, None, None, None)
        total = sum(cents for _, cents in lines)
        entries: list[_Entry] = [(AP_ACCOUNT if payables else AR_ACCOUNT, -side, total, control)]
        entries += [
            (row["ACCOUNTNO"], side, cents, self.line_dims(row, vendor, customer))
            for row, cents in lines
        ]
        title = f"{'AP bill' if payables else 'AR invoice'} {party.name}"
        self.post(ent, "APJ" if payables else "ARJ", created, by, title, str(rec), entries)

    def flush_lines(self, ent: _Entity, obj: str, lines: Sequence[tuple[Row, int]]) -> None:
        for row, _ in lines:
            self.emit(ent, obj, row)

    @staticmethod
    def line_dims(row: Row, vendor: str | None = None, customer: str | None = None) -> _Dims:
        """(department, location, project, customer, vendor, employee, item, class, fund)"""
        return (
            row["DEPARTMENTID"],
            row["LOCATIONID"],
            row["PROJECTID"],
            customer,
            vendor,
            row["EMPLOYEEID"],
            row["ITEMID"],
            row["CLASSID"],
            None,
        )

    def run_time(self, week: int) -> int:
        """The weekly AP payment run: one exact second for every payment it releases."""
        return int(week * WEEK) + 3 * 86_400 + 10 * 3_600

    def payment_run(self, ent: _Entity, week: int) -> Iterator[Batch]:
        """Pay the bills scheduled for this week: one payment per bill, one detail per line."""
        due = ent.open_ap.pop(week, [])
        if not due:
            return
        at = self.run_time(week)
        day = _dt(at).date()
        cleared = at < SPAN - 30 * 86_400
        for doc in due:
            rec = self.recordno("APPYMT")
            money = _money(doc.total)
            self.emit(
                ent,
                "APPYMT",
                {
                    "RECORDNO": rec,
                    "RECORDID": f"PAY-{rec:07d}",
                    "PAYMENTMETHOD": _pick(("Printed Check", "ACH", "EFT"), self.rnd()),
                    "FINANCIALENTITY": ent.bank,
                    "VENDORID": doc.party.id,
                    "VENDORNAME": doc.party.name,
                    "PAYMENTDATE": day,
                    "WHENPAID": day,
                    "DOCNUMBER": str(10_000 + rec),
                    "DESCRIPTION": f"Payment run {day:%Y-%m-%d}",
                    "BASECURR": ent.currency,
                    "CURRENCY": ent.currency,
                    "EXCHANGE_RATE": ONE,
                    "TOTALENTERED": money,
                    "TRX_TOTALENTERED": money,
                    "TOTALPAID": money,
                    "STATE": "Complete",
                    "CLEARED": "Cleared" if cleared else "Uncleared",
                    "CLRDATE": day + timedelta(days=5) if cleared else None,
                    "PRBATCH": f"Payments: {day:%Y/%m/%d}",
                    "PAYMENTRUN": f"RUN-{ent.id or 'CO'}-{week:03d}",
                }
                | self.audit(at, at, AP_CLERK),
            )
            for line_no, cents in doc.lines:
                line_money = _money(cents)
                self.emit(
                    ent,
                    "APPYMTDETAIL",
                    {
                        "RECORDNO": self.recordno("APPYMTDETAIL"),
                        "PAYMENTKEY": rec,
                        "RECORDKEY": doc.recordno,
                        "ENTRYKEY": line_no,
                        "POSADJKEY": None,
                        "PAYMENTAMOUNT": line_money,
                        "TRX_PAYMENTAMOUNT": line_money,
                        "DISCOUNTAMOUNT": ZERO,
                        "CURRENCY": ent.currency,
                        "PAYMENTDATE": day,
                    }
                    | self.audit(at, at, AP_CLERK),
                )
            self.history("APPYMT", rec, f"Payment {doc.party.name}", at, AP_CLERK)
            dims = (None, doc.location, None, None, doc.party.id, None, None, None, None)
            self.post(
                ent,
                "CDJ",
                at,
                AP_CLERK,
                f"AP payment {doc.party.name}",
                f"PAY-{rec:07d}",
                [(AP_ACCOUNT, 1, doc.total, dims), (ent.cash_gl, -1, doc.total, dims)],
            )
            yield from self.sink.spill()

    # invoices --------------------------------------------------------------

    def invoice(self, ent: _Entity, created: int) -> None:
        rnd = self.rnd
        customer = ent.customers.pick(rnd(), created)
        by = _pick(AR_CREATORS, rnd())
        day = _dt(created).date()
        # customers pay on their own schedule, some early, many late
        paid_at = (
            created + (customer.term_days + int(rnd() * 50) - 10) * 86_400 + int(rnd() * 36_000)
        )
        paid_at = max(paid_at, created + 3_600)
        paid = paid_at < SPAN - 3_600 and rnd() > 0.03
        if not paid:
            paid_at = self.modified_after(created, 0.1)
        rec = self.recordno("ARINVOICE")
        lines = self.invoice_lines(ent, rec, customer, created, paid_at, by, day, paid)
        total = sum(c for _, c in lines)
        money, paid_money = _money(total), _money(total) if paid else ZERO
        self.emit(
            ent,
            "ARINVOICE",
            {
                "RECORDNO": rec,
                "RECORDTYPE": "ri",
                "RECORDID": f"INV-{ent.id or 'D'}-{rec:06d}",
                "CUSTOMERID": customer.id,
                "CUSTOMERNAME": customer.name,
                "DOCNUMBER": f"SO-{rec + 20_000}" if rnd() < 0.5 else None,
                "DESCRIPTION": f"Services for {customer.name}",
                "WHENPOSTED": day,
                "WHENDUE": day + timedelta(days=customer.term_days),
                "WHENPAID": _dt(paid_at).date() if paid else None,
                "TERMNAME": customer.term,
                "BASECURR": ent.currency,
                "CURRENCY": ent.currency,
                "EXCHANGE_RATE": ONE,
                "TOTALENTERED": money,
                "TRX_TOTALENTERED": money,
                "TOTALPAID": paid_money,
                "TRX_TOTALPAID": paid_money,
                "TOTALDUE": money - paid_money,
                "TRX_TOTALDUE": money - paid_money,
                "STATE": "Paid" if paid else "Posted",
                "RAWSTATE": None,
                "ONHOLD": False,
                "PRBATCH": f"Invoices: {day:%Y/%m/%d}",
                "MODULEKEY": "4.AR",
                "BILLTO.CONTACTNAME": customer.contact,
                "SHIPTO.CONTACTNAME": customer.contact,
                "PONUMBER": f"{int(rnd() * 90_000) + 10_000}" if rnd() < 0.3 else None,
                "CUSTOMERKEY": customer.recordno,
            }
            | self.audit(created, paid_at, by, AR_CLERK if paid else by),
        )
        self.flush_lines(ent, "ARINVOICEITEM", lines)
        self.history("ARINVOICE", rec, f"Invoice {customer.name}", created, by)
        self.post_document(ent, rec, customer, lines, created, by, payables=False)
        if paid:
            week = self.week_of(paid_at)
            ent.open_ar.setdefault(week, []).append(_open_doc(rec, customer, lines, paid_at))

    def invoice_lines(
        self,
        ent: _Entity,
        rec: int,
        customer: _Party,
        created: int,
        paid_at: int,
        by: int,
        day: date,
        paid: bool,
    ) -> list[tuple[Row, int]]:
        rnd = self.rnd
        out: list[tuple[Row, int]] = []
        for n in range(1 + int(rnd() ** 2 * 5)):
            acct = _pick(REVENUE_ACCOUNTS, rnd())
            cents = int(10 ** (4 + 2.3 * rnd()))
            money = _money(cents)
            dept, dname = _pick(ent.departments[1:5], rnd())  # sales-side departments
            loc, lname = _pick(ent.locations, rnd())
            project = ent.projects.pick(rnd(), created) if rnd() < 0.2 else None
            row = {
                "RECORDNO": self.recordno("ARINVOICEITEM"),
                "RECORDKEY": rec,
                "LINE_NO": n + 1,
                "ACCOUNTNO": acct,
                "ACCOUNTKEY": self.accounts[acct][0],
                "ACCOUNTTITLE": self.accounts[acct][1],
                "OFFSETACCOUNTNO": AR_ACCOUNT,
                "AMOUNT": money,
                "TRX_AMOUNT": money,
                "TOTALPAID": money if paid else ZERO,
                "ENTRYDESCRIPTION": self.accounts[acct][1],
                "ENTRY_DATE": day,
                "BASECURR": ent.currency,
                "CURRENCY": ent.currency,
                "CUSTOMERID": customer.id,
                "DEPARTMENTID": dept,
                "DEPARTMENTNAME": dname,
                "LOCATIONID": loc,
                "LOCATIONNAME": lname,
                "PROJECTID": project.id if project else None,
                "CLASSID": _pick(CLASSES, rnd())[0] if rnd() < 0.5 else None,
                "ITEMID": _pick(self.items, rnd()) if rnd() < 0.6 else None,
                "EMPLOYEEID": None,
                "REVRECSTARTDATE": day if acct == "4010" else None,
                "REVRECENDDATE": day + timedelta(days=364) if acct == "4010" else None,
            } | self.audit(created, paid_at, by, AR_CLERK if paid else by)
            out.append((row, cents))
        return out

    def receipts(self, ent: _Entity, week: int) -> Iterator[Batch]:
        """Customer payments that arrive this week, then one bank deposit of them all."""
        due = sorted(ent.open_ar.pop(week, []), key=lambda d: (d.paid_at, d.recordno))
        if not due:
            return
        deposit_no = self.recordno("DEPOSIT")
        deposit_at = max(d.paid_at for d in due) + 60
        deposit_day = _dt(deposit_at).date()
        for doc in due:
            self.receipt(ent, doc, deposit_no)
            yield from self.sink.spill()
        total = sum(d.total for d in due)
        money = _money(total)
        self.emit(
            ent,
            "DEPOSIT",
            {
                "RECORDNO": deposit_no,
                "BANKACCOUNTID": ent.bank,
                "DEPOSITDATE": deposit_day,
                "DEPOSITID": f"DEP-{ent.id or 'CO'}-{week:03d}",
                "DESCRIPTION": f"Deposit of {len(due)} receipts",
                "RECEIPTCOUNT": len(due),
                "CURRENCY": ent.currency,
                "TOTALENTERED": money,
                "TRX_TOTALENTERED": money,
                "STATE": "Deposited",
                "CLEARED": "Uncleared",
                "SUPDOCID": None,
            }
            | self.audit(deposit_at, deposit_at, AR_CLERK),
        )
        dims = (None, ent.locations[0][0], None, None, None, None, None, None, None)
        self.post(
            ent,
            "CRJ",
            deposit_at,
            AR_CLERK,
            f"Deposit {deposit_day:%Y-%m-%d}",
            f"DEP-{deposit_no}",
            [(ent.cash_gl, 1, total, dims), (UNDEPOSITED, -1, total, dims)],
            module="11.CM",
        )

    def receipt(self, ent: _Entity, doc: _OpenDoc, deposit_no: int) -> None:
        rec = self.recordno("ARPYMT")
        at, day, money = doc.paid_at, _dt(doc.paid_at).date(), _money(doc.total)
        self.emit(
            ent,
            "ARPYMT",
            {
                "RECORDNO": rec,
                "RECORDID": f"RCPT-{rec:07d}",
                "PAYMENTMETHOD": _pick(
                    ("Printed Check", "EFT", "Online ACH Debit", "Online Charge Card"), self.rnd()
                ),
                "FINANCIALENTITY": ent.bank,
                "CUSTOMERID": doc.party.id,
                "CUSTOMERNAME": doc.party.name,
                "RECEIPTDATE": day,
                "PAYMENTDATE": day,
                "DOCNUMBER": str(int(self.rnd() * 900_000) + 100_000),
                "DESCRIPTION": None,
                "BASECURR": ent.currency,
                "CURRENCY": ent.currency,
                "EXCHANGE_RATE": ONE,
                "TOTALENTERED": money,
                "TRX_TOTALENTERED": money,
                "TOTALPAID": money,
                "STATE": "Complete",
                "CLEARED": "Uncleared",
                "DEPOSITKEY": deposit_no,
                "PRBATCH": f"Receipts: {day:%Y/%m/%d}",
            }
            | self.audit(at, at, AR_CLERK),
        )
        for line_no, cents in doc.lines:
            line_money = _money(cents)
            self.emit(
                ent,
                "ARPYMTDETAIL",
                {
                    "RECORDNO": self.recordno("ARPYMTDETAIL"),
                    "PAYMENTKEY": rec,
                    "RECORDKEY": doc.recordno,
                    "ENTRYKEY": line_no,
                    "POSADJKEY": None,
                    "PAYMENTAMOUNT": line_money,
                    "TRX_PAYMENTAMOUNT": line_money,
                    "DISCOUNTAMOUNT": ZERO,
                    "CURRENCY": ent.currency,
                    "PAYMENTDATE": day,
                }
                | self.audit(at, at, AR_CLERK),
            )
        self.history("ARPYMT", rec, f"Receipt {doc.party.name}", at, AR_CLERK)
        dims = (None, doc.location, None, doc.party.id, None, None, None, None, None)
        self.post(
            ent,
            "CRJ",
            at,
            AR_CLERK,
            f"AR receipt {doc.party.name}",
            f"RCPT-{rec:07d}",
            [(UNDEPOSITED, 1, doc.total, dims), (AR_ACCOUNT, -1, doc.total, dims)],
        )

    # adjustments, timesheets ----------------------------------------------------

    def adjustment(self, ent: _Entity, created: int, payables: bool) -> None:
        """Credit memos; kept off the ledger (the emulator does not post them)."""
        rnd = self.rnd
        obj, party_field = ("APADJUSTMENT", "VENDOR") if payables else ("ARADJUSTMENT", "CUSTOMER")
        party = (ent.vendors if payables else ent.customers).pick(rnd(), created)
        by = _pick(AP_CREATORS if payables else AR_CREATORS, rnd())
        rec, day = self.recordno(obj), _dt(created).date()
        cents = [int(10 ** (3 + 2 * rnd())) for _ in range(1 + int(rnd() * 2))]
        money = _money(sum(cents))
        self.emit(
            ent,
            obj,
            {
                "RECORDNO": rec,
                "RECORDID": f"CM-{rec:05d}",
                f"{party_field}ID": party.id,
                f"{party_field}NAME": party.name,
                "DOCNUMBER": None,
                "DESCRIPTION": "Credit for returned goods" if payables else "Service credit",
                "WHENPOSTED": day,
                "ADJUSTMENTTYPE": "Credit memo",
                "BASECURR": ent.currency,
                "CURRENCY": ent.currency,
                "TOTALENTERED": money,
                "TRX_TOTALENTERED": money,
                "TOTALDUE": money,
                "STATE": "Posted",
                "PRBATCH": None,
                "SUPDOCID": None,
            }
            | self.audit(created, created, by),
        )
        accounts = EXPENSE_ACCOUNTS if payables else REVENUE_ACCOUNTS
        for n, part in enumerate(cents):
            acct = _pick(accounts, rnd())
            self.emit(
                ent,
                f"{obj}ITEM",
                {
                    "RECORDNO": self.recordno(f"{obj}ITEM"),
                    "RECORDKEY": rec,
                    "LINE_NO": n + 1,
                    "ACCOUNTNO": acct,
                    "ACCOUNTTITLE": self.accounts[acct][1],
                    "AMOUNT": _money(part),
                    "TRX_AMOUNT": _money(part),
                    "ENTRYDESCRIPTION": None,
                    "DEPARTMENTID": _pick(ent.departments, rnd())[0],
                    "LOCATIONID": _pick(ent.locations, rnd())[0],
                    "CURRENCY": ent.currency,
                }
                | self.audit(created, created, by),
            )

    def timesheet(self, ent: _Entity, start: int) -> None:
        rnd = self.rnd
        at = start + 4 * 86_400 + 17 * 3_600 + int(rnd() * 3_600)  # submitted Friday evening
        employee = ent.employees.pick(rnd(), start)
        project = ent.projects.pick(rnd(), start)
        begin = _dt(start).date()
        rec = self.recordno("TIMESHEET")
        hours = [_pick(HOURS, rnd()) for _ in range(5)]
        approved = at < SPAN - 14 * 86_400
        self.emit(
            ent,
            "TIMESHEET",
            {
                "RECORDNO": rec,
                "EMPLOYEEID": employee[0],
                "EMPLOYEENAME": employee[1],
                "BEGINDATE": begin,
                "ENDDATE": begin + timedelta(days=6),
                "DESCRIPTION": f"Week of {begin:%m/%d/%Y}",
                "STATE": "Approved" if approved else "Submitted",
                "UOM": "Hours",
                "HOURSINDAY": Decimal(8),
                "TOTALQTY": sum(hours, Decimal(0)),
                "SUPDOCID": None,
            }
            | self.audit(at, at, DEMO_USER),
        )
        for n, qty in enumerate(hours):
            task_no, task_id = project.tasks[int(rnd() * len(project.tasks))]
            self.emit(
                ent,
                "TIMESHEETENTRY",
                {
                    "RECORDNO": self.recordno("TIMESHEETENTRY"),
                    "TIMESHEETKEY": rec,
                    "LINENO": n + 1,
                    "ENTRYDATE": begin + timedelta(days=n),
                    "QTY": qty,
                    "PROJECTID": project.id,
                    "TASKID": task_id,
                    "TASKKEY": task_no,
                    "CUSTOMERID": project.customer or None,
                    "ITEMID": None,
                    "DEPARTMENTID": None,
                    "LOCATIONID": None,
                    "DESCRIPTION": None,
                    "NOTES": None,
                    "BILLABLE": project.billable,
                    "BILLED": False,
                    "STATE": "Approved" if approved else "Submitted",
                }
                | self.audit(at, at, DEMO_USER),
            )

    # general ledger ----------------------------------------------------------

    def journal_entry(self, ent: _Entity, created: int) -> None:
        """A manual entry from a template: weighted debit lines against credit lines."""
        rnd = self.rnd
        title, journal, debits, credits, top = _pick(JE_TEMPLATES, rnd())
        total = int(top * 100 * (0.2 + 0.8 * rnd()))
        by = _pick(GL_CREATORS, rnd())
        fund = _pick(FUNDS, rnd())[0] if rnd() < 0.5 else None
        loc = _pick(ent.locations, rnd())[0]
        entries: list[_Entry] = []
        for side, tr_type in ((debits, 1), (credits, -1)):
            parts = _split(total, [share for _, share in side])
            for (acct, _), cents in zip(side, parts, strict=True):
                acct = ent.cash_gl if acct == "CASH" else acct
                dept = _pick(ent.departments, rnd())[0] if not self.accounts[acct][2] else None
                cls = _pick(CLASSES, rnd())[0] if rnd() < 0.2 else None
                entries.append(
                    (acct, tr_type, cents, (dept, loc, None, None, None, None, None, cls, fund))
                )
        state = "Draft" if rnd() < 0.03 else "Posted"
        rec = self.post(
            ent, journal, created, by, f"{title} {_dt(created):%b %Y}", None, entries, state=state
        )
        self.history("GLBATCH", rec, title, created, by)

    def post(
        self,
        ent: _Entity,
        journal: str,
        created: int,
        by: int,
        title: str,
        reference: str | None,
        entries: list[_Entry],
        *,
        state: str = "Posted",
        module: str | None = None,
    ) -> int:
        """Write one balanced GLBATCH with its GLENTRY lines and (if posted) GLDETAIL rows."""
        debit = sum(c for _, t, c, _ in entries if t == 1)
        if debit != sum(c for _, t, c, _ in entries if t == -1):
            raise AssertionError(f"unbalanced {journal} entry {title!r}")
        module = module or JOURNAL_MODULE.get(journal, "2.GL")
        rec = self.recordno("GLBATCH")
        number = self.batch_numbers[journal] = self.batch_numbers.get(journal, 0) + 1
        when = _dt(created)
        day = when.date()
        audit = {"WHENCREATED": when, "WHENMODIFIED": when, "CREATEDBY": by, "MODIFIEDBY": by}
        self.emit(
            ent,
            "GLBATCH",
            {
                "RECORDNO": rec,
                "BATCHNO": number,
                "JOURNAL": journal,
                "BATCH_DATE": day,
                "REVERSEDATE": None,
                "BATCH_TITLE": title,
                "MODULE": module,
                "REFERENCENO": reference,
                "SUPDOCID": None,
                "STATE": state,
                "REVERSEDKEY": None,
                "REVERSEDFROM": None,
                "BASELOCATION_NO": None,
                "TAXIMPLICATIONS": False,
                "USERKEY": by,
                "CREATEDATE": when,
            }
            | audit,
        )
        for n, (acct, tr_type, cents, dims) in enumerate(entries):
            self.entry(
                ent,
                rec,
                number,
                title,
                journal,
                module,
                day,
                n + 1,
                acct,
                tr_type,
                cents,
                dims,
                state,
                reference,
                audit,
            )
        return rec

    def entry(
        self,
        ent: _Entity,
        batch: int,
        number: int,
        title: str,
        journal: str,
        module: str,
        day: date,
        line: int,
        acct: str,
        tr_type: int,
        cents: int,
        dims: _Dims,
        state: str,
        reference: str | None,
        audit: Row,
    ) -> None:
        account_no, account_title, balance_sheet = self.accounts[acct]
        money = _money(cents)
        dept, loc, project, customer, vendor, employee, item, cls, fund = dims
        rec = self.recordno("GLENTRY")
        self.emit(
            ent,
            "GLENTRY",
            {
                "RECORDNO": rec,
                "BATCHKEY": batch,
                "BATCHNO": number,
                "BATCH_TITLE": title,
                "LINE_NO": line,
                "ENTRY_DATE": day,
                "TR_TYPE": tr_type,
                "ACCOUNTNO": acct,
                "ACCOUNTKEY": account_no,
                "ACCOUNTTITLE": account_title,
                "AMOUNT": money,
                "TRX_AMOUNT": money,
                "CURRENCY": ent.currency,
                "BASECURR": ent.currency,
                "EXCHANGE_RATE": ONE,
                "DESCRIPTION": title,
                "DEPARTMENT": dept,
                "LOCATION": loc,
                "PROJECTID": project,
                "CUSTOMERID": customer,
                "VENDORID": vendor,
                "EMPLOYEEID": employee,
                "ITEMID": item,
                "CLASSID": cls,
                "STATE": state,
                "CLEARED": "Uncleared",
                "RECON_DATE": None,
                "BILLABLE": False,
                "GLDIMFUND": fund,
            }
            | audit,
        )
        if state != "Posted":
            return  # the GL detail view only shows posted entries
        self.emit(
            ent,
            "GLDETAIL",
            {
                "RECORDNO": self.recordno("GLDETAIL"),
                "BATCHKEY": batch,
                "BATCHNO": number,
                "BATCH_DATE": day,
                "BATCH_TITLE": title,
                "JOURNAL": journal,
                "ENTRYKEY": rec,
                "LINE_NO": line,
                "ENTRY_DATE": day,
                "ACCOUNTNO": acct,
                "ACCOUNTTITLE": account_title,
                "ACCOUNTTYPE": "balancesheet" if balance_sheet else "incomestatement",
                "TR_TYPE": tr_type,
                "AMOUNT": money,
                "DEBITAMOUNT": money if tr_type == 1 else ZERO,
                "CREDITAMOUNT": ZERO if tr_type == 1 else money,
                "TRX_AMOUNT": money,
                "CURRENCY": ent.currency,
                "BASECURR": ent.currency,
                "DESCRIPTION": title,
                "DOCNUMBER": reference,
                "DEPARTMENTID": dept,
                "DEPARTMENTTITLE": self.dept_titles.get(dept) if dept else None,
                "LOCATIONID": loc,
                "LOCATIONNAME": self.loc_names.get(loc) if loc else None,
                "PROJECTID": project,
                "CUSTOMERID": customer,
                "VENDORID": vendor,
                "EMPLOYEEID": employee,
                "ITEMID": item,
                "CLASSID": cls,
                "GLDIMFUND": fund,
                "MODULEKEY": module,
                "BOOKID": "ACCRUAL",
                "STATE": state,
            }
            | audit,
        )


def _open_doc(rec: int, party: _Party, lines: Sequence[tuple[Row, int]], paid_at: int) -> _OpenDoc:
    """What a later payment needs to know about a document it settles."""
    return _OpenDoc(
        rec,
        party,
        [(row["RECORDNO"], cents) for row, cents in lines],
        sum(cents for _, cents in lines),
        paid_at,
        lines[0][0]["LOCATIONID"],
    )


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)
