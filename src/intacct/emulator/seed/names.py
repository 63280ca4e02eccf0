"""Reference data for people and places: users and roles, names, company-name parts,
addresses and item names. Plain tables; the generator picks from them with seeded draws,
so reordering or editing an entry changes every seed's data."""

from __future__ import annotations

from intacct.emulator.seed.common import words

__all__ = [
    "ADMIN",
    "AP_CLERK",
    "AP_CREATORS",
    "AR_CLERK",
    "AR_CREATORS",
    "CITIES",
    "CONTROLLER",
    "CUSTOMER_KINDS",
    "CUSTOMER_WORDS",
    "DEMO_USER",
    "FIRST_NAMES",
    "GL_CREATORS",
    "INTEGRATION",
    "ITEM_NOUNS",
    "ITEM_WORDS",
    "JOB_TITLES",
    "LAST_NAMES",
    "RESTRICTED",
    "ROLES",
    "STREETS",
    "STREET_TYPES",
    "SUFFIXES",
    "USERS",
    "VENDOR_KINDS",
    "VENDOR_WORDS",
]

# --------------------------------------------------------------------------- users

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
#: (NAME, DESCRIPTION, MODULES)
ROLES = (
    ("Full Access", "All applications", "GL,AP,AR,CM,CO,PA,INV,PT"),
    ("Accounts Payable", "Payables clerk", "AP,CM,CO"),
    ("Accounts Receivable", "Receivables clerk", "AR,CM,CO"),
    ("No Payables", "Everything except Accounts Payable", "GL,AR,CM,CO,PA,INV,PT"),
)

# --------------------------------------------------------------------------- people

FIRST_NAMES = words(
    "James, Mary, Robert, Patricia, John, Jennifer, Michael, Linda, David, Elizabeth, "
    "William, Barbara, Richard, Susan, Joseph, Jessica, Thomas, Sarah, Carlos, Karen, "
    "Daniel, Lisa, Matthew, Nancy, Anthony, Sandra, Mark, Ashley, Steven, Emily, Andrew, "
    "Michelle, Joshua, Amanda, Kevin, Melissa, Brian, Deborah, Priya, Aisha, Wei, Oliver, "
    "Amelia, Harry, Isla, George, Sophie, Mohammed, Freya, Lucas"
)
LAST_NAMES = words(
    "Smith, Johnson, Williams, Brown, Jones, Miller, Davis, Rodriguez, Martinez, Hernandez, "
    "Lopez, Gonzalez, Wilson, Anderson, Taylor, Thomas, Moore, Jackson, Martin, Lee, Perez, "
    "Thompson, White, Harris, Clark, Ramirez, Lewis, Robinson, Walker, Young, Allen, King, "
    "Wright, Scott, Nguyen, Hill, Flores, Green, Adams, Nelson, Baker, Hall, Patel, "
    "Campbell, Mitchell, Evans, Okafor, Kowalski, Murphy, O'Brien"
)
JOB_TITLES = words(
    "Accountant, Senior Accountant, AP Specialist, AR Specialist, Controller, "
    "Software Engineer, Senior Engineer, Product Manager, Account Executive, Sales Manager, "
    "Marketing Manager, Customer Success Manager, Consultant, Project Manager, "
    "Operations Analyst, HR Generalist, Office Manager, Designer"
)

# --------------------------------------------------------------------------- companies

VENDOR_WORDS = words(
    "Acme, Summit, Blue Ridge, Northwind, Pioneer, Cascade, Granite, Redwood, Harbor, "
    "Keystone, Liberty, Evergreen, Silverline, Beacon, Frontier, Meridian, Atlas, Sterling, "
    "Crescent, Horizon, Ironwood, Lakeside, Maple, Oakridge, Pinnacle, Riverbend, Sequoia, "
    "Tidewater, Vanguard, Westfield, Brightpath, Copperleaf, Driftwood, Eastgate, Goldcrest, "
    "Highland, Juniper"
)
VENDOR_KINDS = words(
    "Office Supply, Logistics, Freight, IT Services, Software, Printing, Electric, Plumbing, "
    "Staffing, Consulting, Analytics, Catering, Facilities, Security, Telecom, Marketing, "
    "Legal Services, Insurance, Cloud Hosting, Courier, Janitorial, Equipment Rental, "
    "Travel, Design Studio, Data Systems"
)
CUSTOMER_WORDS = words(
    "Apex, Bluewater, Cobalt, Delta, Emerald, Falcon, Gateway, Helix, Indigo, Jade, Kestrel, "
    "Lumen, Magnolia, Nimbus, Orion, Paragon, Quartz, Radiant, Sapphire, Titan, Unity, "
    "Vertex, Willow, Zenith, Aurora, Bridgeport, Clearwater, Dynamo, Elm Street, Fairview, "
    "Glacier, Hudson"
)
CUSTOMER_KINDS = words(
    "Health, Manufacturing, Retail, Foods, Energy, Financial, Hospitality, Media, Robotics, "
    "Biotech, Aerospace, Education, Apparel, Motors, Pharma, Networks, Studios, Labs, "
    "Holdings, Outfitters, Brewing, Dental Group"
)
ITEM_WORDS = words("Standard, Premium, Compact, Industrial, Smart, Pro, Eco, Ultra")
ITEM_NOUNS = words(
    "Sensor, Router, Controller, Display Panel, Power Supply, Cable Kit, Gateway, Camera, "
    "Battery Pack, Mounting Bracket, License, Support Plan, Training Seat"
)

# --------------------------------------------------------------------------- addresses

#: legal-form suffixes of company names, by entity currency
SUFFIXES = {
    "USD": ("Inc.", "LLC", "Co.", "Corp.", "Group", "Partners"),
    "GBP": ("Ltd", "PLC", "LLP", "Ltd", "Group"),
}
STREETS = ("Main", "Oak", "Market", "Mission", "Pine", "Cedar", "Elm", "Park", "Lake", "Hill")
STREET_TYPES = {
    "USD": ("St", "Ave", "Blvd", "Rd", "Way", "Dr"),
    "GBP": ("Street", "Road", "Lane", "Square", "Place", "Row"),
}


def _cities(text: str) -> tuple[tuple[str, str, str], ...]:
    """``"city/region/postcode stem; ..."`` as (city, state/region, postcode stem) rows."""
    rows = (tuple(part.strip() for part in city.split("/")) for city in text.split(";"))
    return tuple((city, region, stem) for city, region, stem in rows)


#: (city, state/region, postcode stem), by entity currency; an entity's first city is
#: where its head office and banks are.
CITIES = {
    "USD": _cities(
        "San Francisco/CA/941; New York/NY/100; Chicago/IL/606; Austin/TX/787; "
        "Seattle/WA/981; Denver/CO/802; Atlanta/GA/303; Boston/MA/021; Portland/OR/972; "
        "Phoenix/AZ/850; Minneapolis/MN/554; Miami/FL/331"
    ),
    "GBP": _cities(
        "London/Greater London/EC1; Manchester/Greater Manchester/M1; Edinburgh/Scotland/EH1; "
        "Bristol/Bristol/BS1; Leeds/West Yorkshire/LS1; Birmingham/West Midlands/B1"
    ),
}
