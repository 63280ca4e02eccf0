"""Reference data for company setup and dimensions: payment terms, classes, departments,
locations, funds, project types, tasks and timesheet hours.

Plain tables; the generator picks from them with seeded draws, so reordering or editing an
entry changes every seed's data.
"""

from __future__ import annotations

from decimal import Decimal

from intacct.emulator.seed.common import words

__all__ = [
    "CLASSES",
    "DEMO_LOCATIONS",
    "DEPARTMENTS",
    "FUNDS",
    "FUND_DESCRIPTIONS",
    "HOURS",
    "ME_LOCATIONS",
    "PROJECT_TYPES",
    "TASK_NAMES",
    "TERMS",
]

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
#: single-entity locations: (LOCATIONID, index in the entity's CITIES)
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
TASK_NAMES = words("Discovery, Design, Implementation, Testing, Training, Go-Live")
HOURS = tuple(Decimal(h) / 2 for h in range(8, 19))  # 4.0 .. 9.0 in half hours
