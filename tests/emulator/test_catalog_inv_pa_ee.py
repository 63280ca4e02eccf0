"""Inventory, projects, time & expenses and fixed assets in the catalog, and through the
gateway: every object of inv/pa/ee/fa.json answers ``lookup`` and a ``query`` of all its
queryable fields."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from intacct import IntacctClient
from intacct.emulator.catalog import Catalog, catalog_files, load_catalog

Connect = Callable[..., IntacctClient]

MY_FILES = ("inv.json", "pa.json", "ee.json", "fa.json")


def _names_in(files: tuple[str, ...]) -> list[str]:
    names: list[str] = []
    for file in catalog_files():
        if file.name in files:
            names += [o["name"] for o in json.loads(file.read_text(encoding="utf-8"))["objects"]]
    return names


MY_OBJECTS = _names_in(MY_FILES)
#: objects the hand-written seeders fill, so a query finds rows whatever else has landed
HAND_SEEDED = ("UOM", "ITEMGLGROUP", "WAREHOUSE", "ITEM", "PROJECTTYPE", "PROJECT", "TASK")

#: new objects with their key fields and types, from the API reference pages, Sage's SDKs,
#: fylein's SDK and hotglue's tap (each object's ``sources`` names the page)
NEW_OBJECTS: dict[str, dict[str, str]] = {
    "EEXPENSES": {
        "RECORDID": "text",
        "EMPLOYEEID": "text",
        "STATE": "enum",
        "TOTALENTERED": "decimal",
        "TOTALDUE": "decimal",
        "WHENPOSTED": "date",
    },
    "EEXPENSESITEM": {
        "RECORDKEY": "integer",
        "AMOUNT": "decimal",
        "ENTRY_DATE": "date",
        "ACCOUNTLABEL": "text",
        "BILLABLE": "boolean",
    },
    "EXPENSEADJUSTMENTS": {"RECORDID": "text", "EMPLOYEEID": "text", "TOTALENTERED": "decimal"},
    "EXPENSEADJUSTMENTSITEM": {"RECORDKEY": "integer", "AMOUNT": "decimal"},
    "EEACCOUNTLABEL": {"ACCOUNTLABEL": "text", "GLACCOUNTNO": "text", "STATUS": "enum"},
    "EXPENSEPAYMENTTYPE": {"NAME": "text", "NONREIMBURSABLE": "boolean", "OFFSETACCTNO": "text"},
    "EPPAYMENT": {"EMPLOYEEID": "text", "PAYMENTAMOUNT": "decimal", "PAYMENTTYPE": "enum"},
    "EPPAYMENTREQUEST": {"EMPLOYEEID": "text", "PAYMENTDATE": "date"},
    "PROJECTSTATUS": {"NAME": "text", "DESCRIPTION": "text", "PREVENTTIMESHEET": "boolean"},
    "PROJECTGROUP": {"ID": "text", "NAME": "text"},
    "PROJECTRESOURCES": {"PROJECTID": "text", "EMPLOYEEID": "text", "STARTDATE": "date"},
    "TASKRESOURCES": {"TASKID": "text", "EMPLOYEEID": "text"},
    "OBSPCTCOMPLETED": {
        "TYPE": "enum",
        "PROJECTKEY": "integer",
        "ASOFDATE": "date",
        "PERCENT": "decimal",
    },
    "TIMETYPE": {"NAME": "text", "ACCOUNTNO": "text", "EARNINGTYPENAME": "text"},
    "EARNINGTYPE": {"NAME": "text", "METHOD": "enum", "RATEMULTIPLIER": "decimal"},
    "POSITIONSKILL": {"NAME": "text", "DESCRIPTION": "text"},
    "TRANSACTIONRULE": {"NAME": "text", "DESCRIPTION": "text"},
    "TRANSACTIONRULEDETAIL": {"TRANSACTIONRULEKEY": "integer"},
    "COSTTYPE": {
        "COSTTYPEID": "text",
        "PROJECTID": "text",
        "TASKID": "text",
        "STANDARDCOSTTYPEID": "text",
        "PLANNEDBEGINDATE": "date",
    },
    "STANDARDCOSTTYPE": {"STANDARDCOSTTYPEID": "text", "ACCUMULATIONTYPENAME": "text"},
    "STANDARDTASK": {"STANDARDTASKID": "text", "ISMILESTONE": "boolean", "UTILIZED": "boolean"},
    "ACCUMULATIONTYPE": {"NAME": "text", "COSTCATEGORY": "enum"},
    "RATETABLE": {"RATETABLEID": "text", "NAME": "text"},
    "RATETABLETSENTRY": {
        "RATETABLEKEY": "integer",
        "STARTDATE": "date",
        "LABORRATE": "decimal",
        "EMPPOSITIONID": "text",
    },
    "RATETABLEAPENTRY": {"RATETABLEKEY": "integer", "MARKUPPCT": "decimal"},
    "RATETABLEPOENTRY": {"RATETABLEKEY": "integer", "UNITPRICE": "decimal"},
    "EMPLOYEEPOSITION": {"POSITIONID": "text", "NAME": "text"},
    "LABORCLASS": {"LABORCLASSID": "text", "NAME": "text"},
    "LABORSHIFT": {"LABORSHIFTID": "text", "NAME": "text"},
    "LABORUNION": {"LABORUNIONID": "text", "NAME": "text"},
    "UOMDETAIL": {"GRPKEY": "integer", "UNIT": "text", "CONVFACTOR": "decimal"},
    "PRODUCTLINE": {"PRODUCTLINEID": "text", "DESCRIPTION": "text"},
    "ITEMGROUP": {"ID": "text", "NAME": "text"},
    "ITEMTAXGROUP": {"NAME": "text"},
    "ITEMCROSSREF": {"ITEMID": "text", "REFTYPE": "enum", "ALTERNATEITEMID": "text"},
    "ITEMWAREHOUSEINFO": {"ITEMID": "text", "WAREHOUSEID": "text", "REORDER_POINT": "decimal"},
    "ITEMVENDOR": {"ITEMID": "text", "VENDORID": "text", "STOCKNO": "text", "LEAD_TIME": "integer"},
    "INVPRICELIST": {"NAME": "text"},
    "INVPRICELISTENTRY": {"PRCLSTKEY": "integer", "ITEMID": "text", "VALUE": "decimal"},
    "AISLE": {"AISLEID": "text", "AISLEDESC": "text"},
    "ICROW": {"ROWDESC": "text"},
    "ZONE": {"ZONEID": "text", "ZONEDESC": "text"},
    "BINFACE": {"FACEID": "text", "FACEDESC": "text"},
    "BINSIZE": {"SIZEID": "text", "SIZEDESC": "text"},
    "BIN": {
        "BINID": "text",
        "BINDESC": "text",
        "WAREHOUSEID": "text",
        "PORTABLE": "boolean",
        "SEQUENCENO": "integer",
    },
    "AVAILABLEINVENTORY": {
        "ITEMID": "text",
        "WAREHOUSEID": "text",
        "BINKEY": "integer",
        "LOTNO": "text",
        "EXPIRATIONDATE": "date",
        "QUANTITYLEFT": "decimal",
    },
    "INVENTORYTOTALDETAIL": {"TOTALNAME": "text", "ITEMID": "text", "QUANTITY": "decimal"},
    "ICCYCLECOUNT": {
        "CYCLECOUNTID": "text",
        "CYCLECOUNTDESC": "text",
        "WAREHOUSEID": "text",
        "COUNTSTATE": "enum",
    },
    "ICCYCLECOUNTENTRY": {
        "CYCLECOUNTKEY": "integer",
        "ITEMID": "text",
        "QUANTITYCOUNTED": "decimal",
    },
    "INVDOCUMENTPARAMS": {"DOCID": "text", "DOCCLASS": "enum"},
    "INVDOCUMENT": {"DOCID": "text", "DOCPARID": "text", "STATE": "enum", "TOTAL": "decimal"},
    "INVDOCUMENTENTRY": {
        "DOCHDRNO": "integer",
        "ITEMID": "text",
        "LINE_NO": "integer",
        "PRICE": "decimal",
        "TOTAL": "decimal",
        "LOCATION": "text",
    },
    "INVDOCUMENTSUBTOTALS": {"DOCHDRNO": "integer", "DESCRIPTION": "text"},
    "COGSCLOSEDJE": {"NEEDSADJUSTMENT": "boolean", "CURRENTCOST": "decimal"},
    "TIMESHEETAPPROVAL": {
        "TIMESHEETENTRYKEY": "integer",
        "TIMESHEETENTRY.TIMESHEET.RECORDNO": "integer",
        "APPROVERID": "text",
        "EVENTDATE": "timestamp",
        "STATE": "enum",
    },
    "INVENTORYWQORDER": {"ICWQORDERID": "text", "STATUS": "enum", "ORDERHOLDPROGRESS": "boolean"},
    "INVENTORYWQDETAIL": {
        "ICWQORDERID": "text",
        "HOLDPROGRESS": "boolean",
        "QUANTITYPICKED": "decimal",
    },
    "FIXEDASSET": {"NAME": "text", "STATUS": "enum", "PARENTKEY": "integer", "PARENT.NAME": "text"},
}

#: from a PROJECT readByQuery answer and the projects page
PROJECT_FIELDS = [
    "PROJECTID",
    "NAME",
    "DESCRIPTION",
    "CURRENCY",
    "PROJECTCATEGORY",
    "PROJECTSTATUSKEY",
    "PROJECTSTATUS",
    "PREVENTTIMESHEET",
    "PREVENTEXPENSE",
    "PREVENTAPPO",
    "PREVENTGENINVOICE",
    "STATUS",
    "BEGINDATE",
    "ENDDATE",
    "BUDGETAMOUNT",
    "CONTRACTAMOUNT",
    "ACTUALAMOUNT",
    "BUDGETQTY",
    "ESTQTY",
    "ACTUALQTY",
    "APPROVEDQTY",
    "REMAININGQTY",
    "PERCENTCOMPLETE",
    "OBSPERCENTCOMPLETE",
    "BILLINGTYPE",
    "SONUMBER",
    "PONUMBER",
    "POAMOUNT",
    "PQNUMBER",
    "SFDCKEY",
    "QARROWKEY",
    "OAKEY",
    "PARENTKEY",
    "PARENTID",
    "PARENTNAME",
    "INVOICEWITHPARENT",
    "CUSTOMERKEY",
    "CUSTOMERID",
    "CUSTOMERNAME",
    "SALESCONTACTKEY",
    "SALESCONTACTID",
    "SALESCONTACTNAME",
    "PROJECTTYPEKEY",
    "PROJECTTYPE",
    "MANAGERKEY",
    "MANAGERID",
    "MANAGERCONTACTNAME",
    "PROJECTDEPTKEY",
    "DEPARTMENTID",
    "DEPARTMENTNAME",
    "PROJECTLOCATIONKEY",
    "LOCATIONID",
    "LOCATIONNAME",
    "CONTACTINFO.CONTACTNAME",
    "SHIPTO.CONTACTNAME",
    "BILLTO.CONTACTNAME",
    "TERMSKEY",
    "TERMNAME",
    "DOCNUMBER",
    "CUSTUSERKEY",
    "CUSTUSERID",
    "BUDGETEDCOST",
    "CLASSID",
    "CLASSNAME",
    "CLASSKEY",
    "USERRESTRICTIONS",
    "BILLABLEEXPDEFAULT",
    "BILLABLEAPPODEFAULT",
    "BUDGETID",
    "BUDGETKEY",
    "BILLINGRATE",
    "BILLINGPRICING",
    "EXPENSERATE",
    "EXPENSEPRICING",
    "POAPRATE",
    "POAPPRICING",
    "CONTACTKEY",
    "SHIPTOKEY",
    "BILLTOKEY",
    "INVOICEMESSAGE",
    "INVOICECURRENCY",
    "BILLINGOVERMAX",
    "EXCLUDEEXPENSES",
    "CONTRACTKEY",
    "CONTRACTID",
    "ROOTPARENTKEY",
    "ROOTPARENTID",
    "ROOTPARENTNAME",
    "MEGAENTITYKEY",
    "MEGAENTITYID",
    "MEGAENTITYNAME",
]
#: from the tasks page, Sage's AbstractTask and fylein's TASK field list
TASK_FIELDS = [
    "TASKID",
    "NAME",
    "PROJECTID",
    "PROJECTKEY",
    "PROJECTNAME",
    "PARENTKEY",
    "PARENTID",
    "PARENTTASKNAME",
    "ITEMKEY",
    "ITEMID",
    "ITEMNAME",
    "DESCRIPTION",
    "PBEGINDATE",
    "PENDDATE",
    "BUDGETQTY",
    "ESTQTY",
    "ACTUALQTY",
    "APPROVEDQTY",
    "REMAININGQTY",
    "PERCENTCOMPLETE",
    "OBSPERCENTCOMPLETE",
    "BILLABLE",
    "ISMILESTONE",
    "UTILIZED",
    "PRIORITY",
    "TASKNO",
    "TASKSTATUS",
    "TIMETYPENAME",
    "CLASSID",
    "CLASSNAME",
    "CLASSKEY",
    "ROOTPARENTKEY",
    "ROOTPARENTID",
    "ROOTPARENTNAME",
    "SUPDOCID",
    "STANDARDTASKID",
    "PRODUCTIONUNITDESC",
]
#: from the items page and Sage's AbstractItem
ITEM_FIELDS = [
    "ITEMID",
    "NAME",
    "ITEMTYPE",
    "STATUS",
    "PRODUCTLINEID",
    "EXTENDED_DESCRIPTION",
    "PODESCRIPTION",
    "SODESCRIPTION",
    "UOMGRP",
    "NOTE",
    "GLGROUP",
    "COST_METHOD",
    "STANDARD_COST",
    "BASEPRICE",
    "TAXABLE",
    "ALLOWMULTIPLETAXGRPS",
    "ENABLEFULFILLMENT",
    "CONTRACTENABLED",
    "INCOMEACCTKEY",
    "INVACCTKEY",
    "EXPENSEACCTKEY",
    "COGSACCTKEY",
    "OFFSETOEGLACCOUNTKEY",
    "OFFSETPOGLACCOUNTKEY",
    "DEFERREDREVACCTKEY",
    "DEFAULTREVRECTEMPLKEY",
    "SUBSTITUTEID",
    "UPC",
    "SHIP_WEIGHT",
    "ENABLELANDEDCOST",
    "HASSTARTENDDATES",
    "TERMPERIOD",
    "TOTALPERIODS",
    "COMPUTEFORSHORTTERM",
    "RENEWALMACROID",
    "VSOECATEGORY",
    "VSOEDLVRSTATUS",
    "VSOEREVDEFSTATUS",
    "REVPOSTING",
    "REVPRINTING",
    "MRR",
    "AUTOPRINTLABEL",
    "DUROMETER",
    "EAN13",
    "SAFETYITEM",
    "RESTRICTEDITEM",
    "COMPLIANTITEM",
    "CONDITION",
    "ENGINEERINGALERT",
    "SPECIFICATION1",
    "SPECIFICATION2",
    "SPECIFICATION3",
    "ENGINEERINGAPPROVAL",
    "QUALITYCONTROLAPPROVAL",
    "SALESAPPROVAL",
    "PRIMARYCOUNTRYOFORIGIN",
    "BRAND",
    "SUBBRAND",
    "CATEGORY",
    "SUBCATEGORY",
    "CATALOGREF",
    "COLOR",
    "STYLE",
    "SIZE1",
    "SIZE2",
    "GIFTCARD",
    "WEBENABLED",
    "WEBNAME",
    "WEBSHORTDESC",
    "WEBLONGDESC",
    "DEFAULT_WAREHOUSE",
    "ENABLE_REPLENISHMENT",
    "DEFAULT_REPLENISHMENT_UOM",
    "REPLENISHMENT_METHOD",
    "SAFETY_STOCK",
    "REORDER_POINT",
    "REORDER_QTY",
    "ECONOMIC_ORDER_QTY",
]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_at_least_35_new_objects_with_their_key_fields_and_types(catalog: Catalog) -> None:
    assert len(NEW_OBJECTS) >= 35
    assert set(NEW_OBJECTS) <= set(MY_OBJECTS)
    for name, fields in NEW_OBJECTS.items():
        obj = catalog[name]
        kinds = {f: obj.field(f).type if obj.field(f) else None for f in fields}
        assert kinds == fields, name


@pytest.mark.parametrize(
    ("name", "documented", "at_least"),
    [("PROJECT", PROJECT_FIELDS, 90), ("TASK", TASK_FIELDS, 45), ("ITEM", ITEM_FIELDS, 80)],
)
def test_masters_carry_their_documented_fields(
    catalog: Catalog, name: str, documented: list[str], at_least: int
) -> None:
    obj = catalog[name]
    assert [f for f in documented if obj.field(f) is None] == []
    assert len(obj.fields) >= at_least


def test_fields_the_seeders_fill_keep_their_names_and_types(catalog: Catalog) -> None:
    project, task, entry = catalog["PROJECT"], catalog["TASK"], catalog["TIMESHEETENTRY"]
    assert project.field("PROJECTSTATUS").type == "enum"  # type: ignore[union-attr]
    assert project.field("BEGINDATE").type == "date"  # type: ignore[union-attr]
    assert task.field("PROJECTKEY").ref == "PROJECT"  # type: ignore[union-attr]
    assert entry.field("TIMESHEETKEY").ref == "TIMESHEET"  # type: ignore[union-attr]
    assert catalog["ITEM"].field("ITEMTYPE").codes[:2] == ("I", "NI")  # type: ignore[union-attr]


def test_status_codes_are_the_documented_ones(catalog: Catalog) -> None:
    status = catalog["TASK"].field("TASKSTATUS")
    assert status is not None
    assert dict(zip(status.values, status.codes, strict=True)) == {
        "Not Started": "N",
        "Planned": "L",
        "In Progress": "P",
        "Completed": "C",
        "On Hold": "H",
    }
    state = catalog["TIMESHEET"].field("STATE")
    assert state is not None
    codes = dict(zip(state.values, state.codes, strict=True))
    assert (codes["Draft"], codes["Submitted"], codes["Approved"], codes["Declined"]) == (
        "I",
        "S",
        "A",
        "R",
    )
    period = catalog["ITEM"].field("TERMPERIOD")
    assert period is not None and period.codes == ("D", "W", "M", "Y")


def test_every_object_in_these_files_names_its_sources(catalog: Catalog) -> None:
    assert len(MY_OBJECTS) >= 60
    for name in MY_OBJECTS:
        obj = catalog[name]
        assert obj.sources and all(isinstance(s, str) and s for s in obj.sources), name


def test_line_objects_name_their_owner_and_lines_per_owner(catalog: Catalog) -> None:
    lines = {name: catalog[name] for name in MY_OBJECTS if catalog[name].parent}
    assert {
        "EEXPENSESITEM",
        "EXPENSEADJUSTMENTSITEM",
        "INVDOCUMENTENTRY",
        "ICCYCLECOUNTENTRY",
        "INVPRICELISTENTRY",
        "RATETABLETSENTRY",
        "TIMESHEETENTRY",
        "UOMDETAIL",
    } <= set(lines)
    for name, line in lines.items():
        key = line.field(line.parent_key or "")
        assert key is not None and key.ref == line.parent and key.required, name
        low, high = line.seed["lines"]
        assert 0 <= low <= high, name
    assert catalog["EEXPENSES"].owned == {"EEXPENSESITEMS": "EEXPENSESITEM"}
    assert catalog["INVDOCUMENT"].owned["ENTRIES"] == "INVDOCUMENTENTRY"


def test_views_are_read_only_and_fixed_assets_have_their_own_module(catalog: Catalog) -> None:
    for name in ("AVAILABLEINVENTORY", "INVENTORYTOTALDETAIL", "COGSCLOSEDJE", "TIMESHEETAPPROVAL"):
        assert not catalog[name].writable, name
    assert catalog["FIXEDASSET"].module == "FA" and catalog["EEXPENSES"].module == "EE"


@pytest.mark.parametrize("name", MY_OBJECTS)
def test_lookup_answers_and_a_query_of_every_queryable_field_succeeds(
    connect: Connect, catalog: Catalog, name: str
) -> None:
    client = connect()
    model = client.lookup(name)
    obj = catalog[name]
    assert {f.name for f in model.fields} >= set(obj.field_names), name
    fields = [f.name for f in obj.fields if f.queryable]
    result = client.query(name, fields, pagesize=3)
    assert result.ok, name
    for record in result.records:
        assert [f for f in fields if f not in record] == [], name
    if name in HAND_SEEDED:
        assert result.records, name
