"""What the Data Delivery Service knows of objects: the DDSJOB object its jobs are read
through, and which objects it exports.

DDSJOB's fields are those of the ``ddsjob`` record on Sage's "Running a DDS job" page
(developer.intacct.com/data-delivery-service/running-a-dds-job/); their types and
labels are ours [U]. The standard objects DDS exports are the ones of Sage's "DDS
Objects" page (developer.intacct.com/data-delivery-service/objects/) that the emulator
has, by integration name; our copy of that page ends part-way through its list
(Contracts and Revenue Management), so [U] the objects it names after that are not
served. DDS also exports "all custom platform objects" (the overview): here the
user-defined dimensions, FUND and those a company adds at run time.
"""

from __future__ import annotations

from intacct.emulator.catalog import ObjectDef

__all__ = ["DDSJOB", "SERVICE_OBJECTS", "STANDARD_OBJECTS"]

_TEXT = {"type": "text", "readonly": True}
_COUNT = {"type": "integer", "readonly": True}
_TIME = {"type": "timestamp", "readonly": True}

DDSJOB = ObjectDef.from_data(
    {
        "name": "DDSJOB",
        "module": "CO",
        "label": "DDS Job",
        "plural": "DDS Jobs",
        "id_field": "DDSJOB",
        "entity_scoped": False,  # DDS always works at the top level (overview)
        "writable": False,  # started by runDdsJob; create/update/delete are refused
        "no_audit_fields": True,  # the page's record has none of them
        "seed": {"rows": 0},
        "sources": [
            "https://developer.intacct.com/data-delivery-service/running-a-dds-job/",
            "https://developer.intacct.com/api/data-delivery-service/dds-jobs/",
        ],
        "fields": [
            {"name": "RECORDNO", "label": "Record number", **_COUNT},
            {"name": "DDSJOB", "label": "DDS job", "maxlength": 200, **_TEXT},
            {"name": "OBJECT", "label": "Object", "maxlength": 100, **_TEXT},
            {"name": "JOBTYPE", "label": "Job type", "maxlength": 20, **_TEXT},
            {"name": "SUBSCRIPTIONKEY", "label": "Subscription key", **_COUNT},
            {"name": "QUEUETIME", "label": "Queue time", **_TIME},
            {"name": "STARTTIME", "label": "Start time", **_TIME},
            {"name": "ENDTIME", "label": "End time", **_TIME},
            {"name": "RECORDSCREATED", "label": "Records created", **_COUNT},
            {"name": "RECORDSUPDATED", "label": "Records updated", **_COUNT},
            {"name": "RECORDSDELETED", "label": "Records deleted", **_COUNT},
            {"name": "STATUS", "label": "Status", "maxlength": 20, **_TEXT},
            {"name": "ERROR", "label": "Error", "maxlength": 4000, **_TEXT},
            {"name": "FILELIST", "label": "File list", "maxlength": 100000, **_TEXT},
            {"name": "DDSHISTORYKEY", "label": "DDS history key", **_COUNT},
        ],
    }
)

SERVICE_OBJECTS = (DDSJOB,)

#: the "DDS Objects" page's standard objects the emulator's catalog has
STANDARD_OBJECTS = frozenset(
    {
        # Company and Console
        "CLASS", "DEPARTMENT", "EXCHANGERATE", "EXCHANGERATEENTRY", "LOCATION", "USERINFO",
        "CONTACT", "LOCATIONENTITY", "REPORTINGPERIOD", "ROLES", "USERGROUP",
        "ROLEPOLICYASSIGNMENT", "MEMBERUSERGROUP", "CUSTOMROLEPOLASSIGNMENT",
        "ROLEASSIGNMENT",
        # General Ledger
        "GLACCOUNT", "GLBATCH", "GLENTRY", "GLJOURNAL", "STATACCOUNT", "GLACCOUNTBALANCE",
        "GLACCTGRP",
        # Accounts Payable, Accounts Receivable, Employee Expenses
        "VENDOR", "APBILLPAYMENT", "CUSTOMER", "CUSTTYPE", "ARINVOICEPAYMENT", "EMPLOYEE",
        # Purchasing, Order Entry
        "PODOCUMENT", "PODOCUMENTENTRY", "PODOCUMENTSUBTOTALS", "REVRECSCHEDULE",
        "REVRECSCHEDULEENTRY", "SODOCUMENT", "SODOCUMENTENTRY", "SODOCUMENTSUBTOTALS",
        # Inventory Control
        "ITEM", "INVDOCUMENT", "INVDOCUMENTENTRY", "INVDOCUMENTSUBTOTALS", "WAREHOUSE",
        "PRODUCTLINE", "ITEMGLGROUP",
        # Project and Resource Management
        "PROJECT", "TASK", "TIMESHEET", "TIMESHEETENTRY",
        # Contracts and Revenue Management (as far as our copy of the page goes)
        "CONTRACT", "CONTRACTDETAIL", "CONTRACTEXPENSE", "CONTRACTUSAGE",
    }
)  # fmt: skip
