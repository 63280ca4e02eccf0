"""Organisation dimensions: entities (as locations), locations, departments and employees.

Employees are planned first because locations and departments name managers, and
departments and locations must exist before the employees who work in them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from intacct.emulator.catalog import load_catalog
from intacct.emulator.seed.clock import IMPORT_AT, START, creation_times, dt
from intacct.emulator.seed.common import Batch, Row, pick
from intacct.emulator.seed.contacts import contact_record, related_contact
from intacct.emulator.seed.context import Context
from intacct.emulator.seed.model import Entity
from intacct.emulator.seed.names import ADMIN, FIRST_NAMES, JOB_TITLES, LAST_NAMES
from intacct.emulator.seed.reference import DEMO_LOCATIONS, DEPARTMENTS, ME_LOCATIONS

__all__ = ["Planned", "departments", "employees", "entity_records", "locations", "plan_employees"]

#: (EMPLOYEEID, first name, last name) of the employees an entity will hire
Planned = list[tuple[str, str, str]]


def entity_records(ctx: Context) -> None:
    """DEMO-ME's entities: LOCATIONENTITY rows and the same records as LOCATION rows.

    In Intacct an entity is a location, so both share the RECORDNO that entity
    records carry as MEGAENTITYKEY.
    """
    at = IMPORT_AT["LOCATION"] - 600
    for ent in ctx.entities:
        city = ent.cities[0]
        key = ctx.recordno("LOCATIONENTITY")
        ctx.emit(
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
            | ctx.audit(at, at, ADMIN),
        )
        ctx.loc_names[ent.id] = ent.name
        ctx.emit(
            None,
            "LOCATION",
            location_row(
                ctx,
                ctx.recordno("LOCATION"),
                ent.id,
                ent.name,
                None,
                None,
                ent,
                city,
                "entity",
            )
            | ctx.audit(at, at, ADMIN),
        )


def plan_employees(ctx: Context, ent: Entity) -> Planned:
    """Employee ids and names first: departments and locations name managers."""
    out: Planned = []
    for _ in range(ent.sizes.employees):
        n = ctx.issued("EMPLOYEE") + len(out) + 1
        first, last = pick(FIRST_NAMES, ctx.rnd()), pick(LAST_NAMES, ctx.rnd())
        out.append((f"EMP-{n:05d}", first, last))
    return out


def location_row(
    ctx: Context,
    rec: int,
    lid: str,
    name: str,
    parent: str | None,
    manager: str | None,
    ent: Entity,
    city: tuple[str, str, str],
    kind: str,
) -> Row:
    """A LOCATION row; entities are locations too (``kind`` "entity")."""
    return {
        "RECORDNO": rec,
        "LOCATIONID": lid,
        "NAME": name,
        "PARENTKEY": None,
        "PARENTID": parent,
        "PARENTNAME": ctx.loc_names.get(parent or ""),
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


def locations(ctx: Context, ent: Entity, planned: Planned) -> None:
    """The entity's offices, each managed by a planned employee."""
    at = IMPORT_AT["LOCATION"]
    specs = ME_LOCATIONS[ent.id] if ctx.multi else DEMO_LOCATIONS
    parent = ent.id or None
    for n, (lid, city_no) in enumerate(specs):
        city = ent.cities[city_no]
        name = city[0] if ctx.multi or n else f"Headquarters - {city[0]}"
        row = location_row(
            ctx,
            ctx.recordno("LOCATION"),
            lid,
            name,
            parent,
            planned[n % len(planned)][0],
            ent,
            city,
            "location",
        )
        ctx.loc_names[lid] = name
        ent.locations.append((lid, name))
        if not ctx.multi and n == 0:
            parent = lid  # single entity: the other offices roll up to headquarters
        ctx.emit(ent, "LOCATION", row | ctx.audit(at, ctx.modified_after(at, 0.1), ADMIN))


def departments(ctx: Context, ent: Entity, planned: Planned) -> None:
    """The same department tree in every entity; ids are prefixed so they stay unique."""
    at = IMPORT_AT["DEPARTMENT"]
    prefix = {"": "", "E100": "US-", "E200": "UK-"}[ent.id]
    keys: dict[str, int] = {}
    for n, (suffix, title, parent) in enumerate(DEPARTMENTS):
        did, pid = prefix + suffix, (prefix + parent) if parent else None
        keys[did] = ctx.recordno("DEPARTMENT")
        manager = planned[n % len(planned)]
        ctx.dept_titles[did] = title
        ent.departments.append((did, title))
        row = {
            "RECORDNO": keys[did],
            "DEPARTMENTID": did,
            "TITLE": title,
            "PARENTKEY": keys.get(pid or ""),
            "PARENTID": pid,
            "PARENTNAME": ctx.dept_titles.get(pid or ""),
            "SUPERVISORKEY": None,
            "SUPERVISORID": manager[0],
            "SUPERVISORNAME": f"{manager[1]} {manager[2]}",
            "CUSTTITLE": None,
            "STATUS": "active",
        }
        ctx.emit(ent, "DEPARTMENT", row | ctx.audit(at, ctx.modified_after(at, 0.1), ADMIN))


#: EMPLOYEE's CONTACT.* fields, as the catalog lists them
_EMPLOYEE_CONTACT = frozenset(
    name for name in load_catalog()["EMPLOYEE"].field_names if name.startswith("CONTACT.")
)


def employees(ctx: Context, ent: Entity, planned: Planned) -> Iterator[Batch]:
    """Most staff arrive in the day-one import; each has a contact, and managers are
    colleagues hired before them."""
    rnd = ctx.rnd
    times = creation_times(rnd, len(planned), IMPORT_AT["EMPLOYEE"], 0.7)
    for n, ((eid, first, last), created) in enumerate(zip(planned, times, strict=True)):
        modified = ctx.modified_after(created, 0.25)
        contact = f"{first} {last} ({eid})"
        person = contact_record(ctx, ent, contact, first, last, None, created, modified, ADMIN)
        rec = ctx.recordno("EMPLOYEE")
        gone = n > 3 and rnd() < 0.08  # leavers: terminated when their record was edited
        manager = planned[int(rnd() * n)] if n else None
        # imported staff started before the system went live
        started = (
            (START - timedelta(days=int(rnd() * 2_000))) if created == times[0] else dt(created)
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
            "TITLE": pick(JOB_TITLES, rnd()),
            "DEPARTMENTID": pick(ent.departments, rnd())[0],
            "LOCATIONID": pick(ent.locations, rnd())[0],
            "CLASSID": None,
            "SUPERVISORID": manager[0] if manager else None,
            "SUPERVISORNAME": f"{manager[1]} {manager[2]}" if manager else None,
            "STARTDATE": started.date(),
            "ENDDATE": dt(modified).date() if gone and modified > created else None,
            "TERMINATIONTYPE": "voluntary" if gone and modified > created else None,
            "EMPLOYEETYPE": "Full Time" if rnd() < 0.85 else "Contractor",
            "GENDER": None,
            "CURRENCY": ent.currency,
            "POSTACTUALCOST": False,
            "STATUS": "inactive" if gone and modified > created else "active",
            "CONTACTKEY": person["RECORDNO"],
        }
        # the employee's contact as its CONTACT relationship shows it (CONTACT.*)
        shown = related_contact("CONTACT", person)
        row |= {name: shown[name] for name in _EMPLOYEE_CONTACT if name in shown}
        ctx.emit(ent, "EMPLOYEE", row | ctx.audit(created, modified, ADMIN))
        ent.employees.add((eid, f"{first} {last}"), created)
        yield from ctx.sink.spill()
