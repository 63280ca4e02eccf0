"""Projects and time: projects with their tasks, and weekly timesheets against them.

Contract projects are billable and belong to a customer; internal ones are not. Each
week's timesheets are submitted on Friday evening and approved unless still recent.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from intacct.emulator.seed.clock import IMPORT_AT, SPAN, creation_times, dt
from intacct.emulator.seed.common import Batch, money, pick
from intacct.emulator.seed.context import Context
from intacct.emulator.seed.model import Entity, Project
from intacct.emulator.seed.names import DEMO_USER
from intacct.emulator.seed.reference import HOURS, PROJECT_TYPES, TASK_NAMES

__all__ = ["projects", "timesheet"]


def projects(ctx: Context, ent: Entity) -> Iterator[Batch]:
    rnd = ctx.rnd
    times = creation_times(rnd, ent.sizes.projects, IMPORT_AT["PROJECT"], 0.3)
    for created in times:
        rec = ctx.recordno("PROJECT")
        pid = f"P-{1_000 + rec}"
        kind, category = pick(PROJECT_TYPES, rnd())
        billable = category == "Contract"
        customer = ent.parties["CUSTOMER"].pick(rnd(), created) if billable else None
        begin = dt(created).date()
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
            "PROJECTSTATUS": pick(("In Progress", "In Progress", "Completed", "On Hold"), rnd()),
            "CUSTOMERID": customer.id if customer else None,
            "CUSTOMERNAME": customer.name if customer else None,
            "MANAGERID": ent.employees.pick(rnd(), created)[0],
            "DEPARTMENTID": pick(ent.departments, rnd())[0],
            "LOCATIONID": pick(ent.locations, rnd())[0],
            "CLASSID": None,
            "BEGINDATE": begin,
            "ENDDATE": begin + timedelta(days=90 + int(rnd() * 270)),
            "BUDGETAMOUNT": money(budget),
            "CONTRACTAMOUNT": money(budget * 12 // 10) if billable else None,
            "BILLINGTYPE": "Time & Material" if billable else None,
            "PERCENTCOMPLETE": Decimal(int(rnd() * 100)),
            "TERMNAME": "Net 30" if billable else None,
            "STATUS": "active",
        }
        modified = ctx.modified_after(created, 0.4)
        ctx.emit(ent, "PROJECT", row | ctx.audit(created, modified, DEMO_USER))
        tasks = tuple(
            _task(ctx, ent, rec, pid, name, n, created, billable, begin) for n in range(3)
        )
        ent.projects.add(
            Project(rec, pid, customer.id if customer else "", billable, tasks), created
        )
        yield from ctx.sink.spill()


def _task(
    ctx: Context,
    ent: Entity,
    project_no: int,
    pid: str,
    pname: str,
    n: int,
    created: int,
    billable: bool,
    begin: date,
) -> tuple[int, str]:
    rec = ctx.recordno("TASK")
    tid = f"{pid}-T{n + 1:02d}"
    hours = Decimal(40 + int(ctx.rnd() * 200))
    row = {
        "RECORDNO": rec,
        "TASKID": tid,
        "NAME": TASK_NAMES[n + int(ctx.rnd() * 3)],
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
    ctx.emit(ent, "TASK", row | ctx.audit(created, created, DEMO_USER))
    return rec, tid


def timesheet(ctx: Context, ent: Entity, start: int) -> None:
    """One employee's week on one project: a line per weekday against the project's tasks."""
    rnd = ctx.rnd
    at = start + 4 * 86_400 + 17 * 3_600 + int(rnd() * 3_600)  # submitted Friday evening
    employee = ent.employees.pick(rnd(), start)
    project = ent.projects.pick(rnd(), start)
    begin = dt(start).date()
    rec = ctx.recordno("TIMESHEET")
    hours = [pick(HOURS, rnd()) for _ in range(5)]
    approved = at < SPAN - 14 * 86_400  # the last two weeks still await approval
    ctx.emit(
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
        | ctx.audit(at, at, DEMO_USER),
    )
    for n, qty in enumerate(hours):
        task_no, task_id = project.tasks[int(rnd() * len(project.tasks))]
        ctx.emit(
            ent,
            "TIMESHEETENTRY",
            {
                "RECORDNO": ctx.recordno("TIMESHEETENTRY"),
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
            | ctx.audit(at, at, DEMO_USER),
        )
