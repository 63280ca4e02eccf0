"""AP, AR, Purchasing, Order Entry and Contracts objects of the catalog: the fields public
clients ask for exist, the new objects carry their keys and sources, and the gateway answers
``lookup`` and a ``query`` of every queryable field of each of them."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from intacct import IntacctClient
from intacct.emulator.catalog import AUDIT_FIELDS, Catalog, catalog_files, load_catalog

Connect = Callable[..., IntacctClient]

MODULE_FILES = ("ap.json", "ar.json", "po.json", "so.json", "cn.json")

# Facts: the select lists fylein's sageintacct-sdk-py sends from customers/vendors
# get_all (sageintacctsdk/apis/constants.py, dimensions_fields_mapping).
FYLEIN_GET_ALL = {
    "CUSTOMER": (
        "RECORDNO CUSTOMERID NAME ENTITY PARENTKEY PARENTID PARENTNAME CUSTREPNAME TOTALDUE "
        "GLGRPKEY GLGROUP STATUS ONETIME ONHOLD WHENCREATED CREATEDBY MODIFIEDBY "
        "OBJECTRESTRICTION"
    ),
    "VENDOR": (
        "RECORDNO NAME VENDORID PARENTKEY PARENTID PARENTNAME DISPLAYCONTACT.CONTACTNAME "
        "DISPLAYCONTACT.COMPANYNAME DISPLAYCONTACT.FIRSTNAME DISPLAYCONTACT.LASTNAME "
        "DISPLAYCONTACT.INITIAL DISPLAYCONTACT.PRINTAS DISPLAYCONTACT.PHONE1 "
        "DISPLAYCONTACT.PHONE2 DISPLAYCONTACT.EMAIL1 DISPLAYCONTACT.EMAIL2 VENDORACCOUNTNO "
        "VENDTYPE ACCOUNTLABEL APACCOUNT APACCOUNTTITLE STATUS WHENMODIFIED"
    ),
    "APBILL": (
        "RECORDNO RECORDID RECORD_URL STATE VENDORID VENDORNAME DOCNUMBER TERMNAME WHENCREATED "
        "WHENPOSTED TOTALENTERED TOTALSELECTED TOTALPAID TOTALDUE WHENDUE WHENPAID "
        "RECPAYMENTDATE PAYMENTPRIORITY DESCRIPTION ONHOLD BASECURR CURRENCY WHENMODIFIED "
        "DUE_IN_DAYS PRBATCH"
    ),
    "ARPYMT": (
        "RECORDNO PRBATCHKEY RECORDTYPE FINANCIALENTITY FINANCIALENTITYTYPE "
        "FINANCIALACCOUNTNAME FINANCIALACCOUNTCURRENCY SUMMARYTITLE STATE DISPLAYSTATE "
        "PAYMENTMETHOD PAYMENTMETHODKEY CUSTOMERID CUSTOMERNAME PAYERNAME DOCNUMBER "
        "DESCRIPTION RECEIPTDATE WHENPAID BASECURR CURRENCY EXCH_RATE_DATE EXCH_RATE_TYPE_ID "
        "EXCHANGE_RATE TOTALENTERED TOTALPAID TOTALDUE TRX_TOTALENTERED TRX_TOTALPAID "
        "TRX_TOTALDUE BILLTOPAYTONAME PRBATCH AUWHENCREATED CLEARED CLRDATE RECORDID "
        "BILLTOPAYTOKEY PARENTPAYMENTKEY UNDEPOSITEDACCOUNTNO SUPDOCID MULTIENTITYPYMTKEY"
    ),
    "ARINVOICEITEM": (
        "RECORDKEY ACCOUNTKEY ACCOUNTNO OFFSETACCOUNTKEY OFFSETGLACCOUNTNO ACCOUNTTITLE "
        "ACCOUNTLABEL ENTRY_DATE AMOUNT TRX_AMOUNT DEPARTMENTID LOCATIONID ENTRYDESCRIPTION "
        "EXCH_RATE_DATE EXCHANGE_RATE LINE_NO CURRENCY BASECURR TOTALPAID TRX_TOTALPAID "
        "REVRECSTARTDATE REVRECENDDATE CLASSID CUSTOMERID VENDORID EMPLOYEEID ITEMID "
        "PROJECTID CONTRACTID"
    ),
    "CONTRACT": (
        "RECORDNO CONTRACTID CUSTOMERID NAME CONTRACTTYPE BILLTOCONTACTNAME DESCRIPTION "
        "SHIPTOCONTACTNAME BEGINDATE ENDDATE BILLINGFREQUENCY TERMNAME TERMTYPE EVERGREENMACRO "
        "PRCLIST MEAPRCLIST ADVBILLBY ADVBILLBYTYPE RENEWALADVBILLBY RENEWALADVBILLBYTYPE "
        "SUPDOCID LOCATIONID DEPARTMENTID VENDORID CLASSID CURRENCY EXCHRATETYPE RENEWAL "
        "RENEWALMACRO RENEWTERMLENGTH RENEWTERMPERIOD WHENCREATED WHENMODIFIED"
    ),
    "CONTRACTDETAIL": (
        "RECORDNO CONTRACTID ITEMID STATE BEGINDATE ENDDATE ITEMDESC RENEWAL EXCH_RATE_DATE "
        "EXCHANGE_RATE BILLINGMETHOD BILLINGOPTIONS BILLINGFREQUENCY RECURRING "
        "PRORATEBILLINGPERIOD BILLINGTEMPLATENAME BILLINGSTARTDATE BILLINGENDDATE "
        "USAGEQTYRESETPERIOD USAGEQTYRECUR RENEWALBILLINGTEMPLATENAME GLPOSTINGDATE QUANTITY "
        "PRICE MULTIPLIER REV_REC_ON_INVOICE DISCOUNTPERCENT FLATAMOUNT USAGELINETYPE "
        "COMMITTEDUSAGEENDACTION COMMITTEDUSAGEEXCESS REVENUETEMPLATENAME REVENUESTARTDATE "
        "REVENUEENDDATE REVENUE2TEMPLATENAME REVENUE2STARTDATE REVENUE2ENDDATE "
        "BILLTOCONTACTNAME BILLTOSOURCE SHIPTOCONTACTNAME SHIPTOSOURCE LOCATIONID DEPARTMENTID "
        "TASKID VENDORID WHENMODIFIED"
    ),
}
# Facts from public query examples (Sage's docs and a public Intacct.SDK program).
DOCUMENTED_SELECTS = {
    "SODOCUMENT": (
        "RECORDNO DOCID ARINVOICE.RECORDNO CUSTVENDID CUSTVENDNAME DOCNO WHENCREATED WHENDUE "
        "TERM.NAME PROJECTKEY PROJECT MESSAGE BASECURR CURRENCY EXCHRATEDATE SUBTOTAL TOTAL "
        "TOTALPAID TOTALENTERED TOTALDUE CREATEDFROM STATE CLOSED AUWHENCREATED CREATEDBY "
        "MODIFIEDBY WHENMODIFIED STATUS PONUMBER VENDORDOCNO DOCPARID DOCPARKEY DOCPARCLASS "
        "NOTE SHIPVIA USER CREATEDUSER PRRECORDKEY"
    ),
    "SODOCUMENTENTRY": (
        "RECORDNO ITEMID ITEMDESC UNIT QUANTITY PRICE DISCOUNTPERCENT DISCOUNT MEMO DOCHDRID "
        "PERCENTVAL TAXABSVAL TAXABLEAMOUNT LINETOTAL TOTAL"
    ),
    "PODOCUMENT": "RECORDNO DOCID PRRECORDKEY STATE UPDATES_INV",
    "CONTRACTDETAIL": "RECORDNO LINENO CONTRACTID RECURRING STATE BILLINGMETHOD LINETYPE",
    "CONTRACTEXPENSE": "RECORDNO CONTRACTID TYPE STATE CONTRACTDETAILKEY TEMPLATENAME",
}
# Stored codes the docs give for readByQuery filters, in the order of the display values.
DOCUMENTED_CODES = {
    ("SODOCUMENT", "STATE"): ("S", "A", "X", "R", "I", "O", "D", "G", "C", "P"),
    ("PODOCUMENT", "STATE"): ("S", "A", "X", "R", "I", "O", "D", "G", "C", "P"),
    ("PODOCUMENT", "UPDATES_INV"): ("T", "V", "Q"),
    ("CONTRACTDETAIL", "BILLINGMETHOD"): ("F", "Q"),
    ("CONTRACTDETAIL", "BILLINGOPTIONS"): ("O", "U", "I"),
    ("CONTRACTDETAIL", "LINETYPE"): ("S", "D", "B"),
    ("CONTRACTEXPENSE", "TYPE"): ("L",),
}

# New objects with the key fields each must have (id field first where it has one).
NEW_OBJECTS = {
    "APBILLBATCH": ("TITLE", "CREATED", "STATUS"),
    "APRECURBILL": ("VENDORID", "STARTDATE", "FREQUENCY", "NEXTEXECDATE"),
    "APRECURBILLENTRY": ("RECORDKEY", "GLACCOUNTNO", "AMOUNT"),
    "APADVANCE": ("VENDORID", "FINANCIALENTITY", "PAYMENTDATE", "TOTALENTERED"),
    "APADVANCEITEM": ("RECORDKEY", "ACCOUNTNO", "TRX_AMOUNT"),
    "APACCOUNTLABEL": ("ACCOUNTLABEL", "GLACCOUNTNO", "STATUS"),
    "APPAYMENTREQUEST": ("VENDORID", "PAYMENTAMOUNT", "STATE"),
    "APPOSTEDADVANCE": ("VENDORID", "PAYMENTAMOUNT"),
    "APBILLJOINTPAYEE": ("APBILLKEY", "JOINTPAYEENAME"),
    "APBILLPAYMENT": ("PAYMENTKEY", "RECORDKEY", "AMOUNT"),
    "VENDTYPE": ("NAME", "STATUS"),
    "VENDORGROUP": ("ID", "NAME", "GROUPTYPE"),
    "ARINVOICEBATCH": ("TITLE", "CREATED", "STATUS"),
    "ARPAYMENTBATCH": ("TITLE", "CREATED", "STATUS"),
    "ARRECURINVOICE": ("CUSTOMERID", "STARTDATE", "FREQUENCY"),
    "ARRECURINVOICEENTRY": ("RECORDKEY", "GLACCOUNTNO", "AMOUNT"),
    "ARADVANCE": ("CUSTOMERID", "RECEIPTDATE", "PAYMENTMETHOD"),
    "ARADVANCEITEM": ("RECORDKEY", "TRX_AMOUNT"),
    "ARACCOUNTLABEL": ("ACCOUNTLABEL", "GLACCOUNTNO", "STATUS"),
    "ARPOSTEDOVERPAYMENT": ("CUSTOMERID", "PAYMENTAMOUNT"),
    "ARINVOICEPAYMENT": ("PAYMENTKEY", "RECORDKEY", "AMOUNT"),
    "CUSTOMERGROUP": ("ID", "NAME", "GROUPTYPE"),
    "CUSTOMERVISIBILITY": ("CUSTOMERID", "VISIBILITY"),
    "CUSTOMERREFUND": ("CUSTOMERID", "REFUNDDATE", "FINANCIALENTITY"),
    "CUSTOMERREFUNDDETAIL": ("PAYMENTKEY", "PAYMENTAMOUNT"),
    "CUSTOMEREMAILTEMPLATE": ("CUSTOMERKEY", "DOCPARID"),
    "CUSTTYPE": ("NAME", "STATUS"),
    "APPAYMENT": ("VENDORID", "PAYMENTAMOUNT", "CLEARED"),
    "APPAYMENTITEM": ("RECORDKEY", "GLACCOUNTNO", "AMOUNT"),
    "APDISCOUNT": ("TERMNAME", "TOTALENTERED"),
    "APRELEASEABLERECORD": ("VENDORID", "RETAINAGEBILLKEY", "TRX_AMOUNTREMAINING"),
    "ARPAYMENT": ("CUSTOMERID", "PAYMENTAMOUNT", "CLEARED"),
    "ARPAYMENTITEM": ("RECORDKEY", "GLACCOUNTNO", "AMOUNT"),
    "ARRELEASEABLERECORD": ("CUSTOMERID", "RETAINAGEINVOICEKEY", "TRX_AMOUNTREMAINING"),
    "SODOCUMENT": ("DOCID", "DOCPARID", "CUSTVENDID", "STATE", "PRRECORDKEY"),
    "SODOCUMENTENTRY": ("DOCHDRNO", "ITEMID", "QUANTITY", "PRICE"),
    "SODOCUMENTSUBTOTALS": ("DOCHDRNO", "DESCRIPTION", "TOTAL"),
    "SODOCUMENTPARAMS": ("DOCID", "DOCCLASS"),
    "SOPRICELIST": ("NAME", "DATEFROM", "DATETO"),
    "SOPRICELISTENTRY": ("PRICELISTID", "ITEMID", "VALUE"),
    "PODOCUMENT": ("DOCID", "DOCPARID", "CUSTVENDID", "STATE", "UPDATES_INV"),
    "PODOCUMENTENTRY": ("DOCHDRNO", "ITEMID", "QUANTITY", "PRICE"),
    "PODOCUMENTSUBTOTALS": ("DOCHDRNO", "DESCRIPTION", "TOTAL"),
    "PODOCUMENTPARAMS": ("DOCID", "DOCCLASS"),
    "POPRICELIST": ("NAME", "DATEFROM", "DATETO"),
    "POPRICELISTENTRY": ("PRICELISTID", "ITEMID", "VALUE"),
    "CONTRACT": ("CONTRACTID", "CUSTOMERID", "BEGINDATE", "ENDDATE"),
    "CONTRACTDETAIL": ("CONTRACTKEY", "CONTRACTID", "ITEMID", "BILLINGMETHOD"),
    "CONTRACTEXPENSE": ("CONTRACTDETAILKEY", "ITEMID", "POSTINGDATE", "AMOUNT"),
    "CONTRACTBILLINGTEMPLATE": ("NAME",),
    "CONTRACTREVENUETEMPLATE": ("NAME",),
    "CONTRACTGROUP": ("ID", "NAME"),
    "CONTRACTTYPE": ("NAME",),
    "CONTRACTUSAGE": ("CONTRACTID", "ITEMID", "USAGEDATE", "QUANTITY"),
}
ID_FIELDS = {
    "APACCOUNTLABEL": "ACCOUNTLABEL",
    "ARACCOUNTLABEL": "ACCOUNTLABEL",
    "VENDTYPE": "NAME",
    "CUSTTYPE": "NAME",
    "VENDORGROUP": "ID",
    "CUSTOMERGROUP": "ID",
    "SODOCUMENT": "DOCID",
    "PODOCUMENT": "DOCID",
    "SODOCUMENTPARAMS": "DOCID",
    "PODOCUMENTPARAMS": "DOCID",
    "SOPRICELIST": "NAME",
    "POPRICELIST": "NAME",
    "CONTRACT": "CONTRACTID",
    "CONTRACTBILLINGTEMPLATE": "NAME",
    "CONTRACTREVENUETEMPLATE": "NAME",
    "CONTRACTGROUP": "ID",
    "CONTRACTTYPE": "NAME",
}
LINES = {
    "APRECURBILLENTRY": ("APRECURBILL", "RECORDKEY"),
    "APADVANCEITEM": ("APADVANCE", "RECORDKEY"),
    "ARRECURINVOICEENTRY": ("ARRECURINVOICE", "RECORDKEY"),
    "ARADVANCEITEM": ("ARADVANCE", "RECORDKEY"),
    "CUSTOMERREFUNDDETAIL": ("CUSTOMERREFUND", "PAYMENTKEY"),
    "APPAYMENTITEM": ("APPAYMENT", "RECORDKEY"),
    "ARPAYMENTITEM": ("ARPAYMENT", "RECORDKEY"),
    "SODOCUMENTENTRY": ("SODOCUMENT", "DOCHDRNO"),
    "SODOCUMENTSUBTOTALS": ("SODOCUMENT", "DOCHDRNO"),
    "PODOCUMENTENTRY": ("PODOCUMENT", "DOCHDRNO"),
    "PODOCUMENTSUBTOTALS": ("PODOCUMENT", "DOCHDRNO"),
    "CONTRACTDETAIL": ("CONTRACT", "CONTRACTKEY"),
}


def _own_objects() -> list[dict[str, object]]:
    objects: list[dict[str, object]] = []
    for file in catalog_files():
        if file.name in MODULE_FILES:
            objects += json.loads(file.read_text(encoding="utf-8"))["objects"]
    return objects


OWN = sorted(str(o["name"]) for o in _own_objects())


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_customer_has_gl_group_key(catalog: Catalog) -> None:
    field = catalog["CUSTOMER"].field("GLGRPKEY")
    assert field is not None and field.type == "integer" and field.queryable


@pytest.mark.parametrize("name", ["CUSTOMER", "VENDOR"])
def test_fyleins_select_lists_query_through_the_gateway(connect: Connect, name: str) -> None:
    select = FYLEIN_GET_ALL[name].split()
    result = connect().query(name, select, pagesize=10)
    assert result.records and all(set(r) == set(select) for r in result.records)


@pytest.mark.parametrize("name", sorted(FYLEIN_GET_ALL))
def test_every_field_fyleins_get_all_selects_exists(catalog: Catalog, name: str) -> None:
    obj = catalog[name]
    missing = [f for f in FYLEIN_GET_ALL[name].split() if obj.field(f) is None]
    assert missing == []


def test_customer_and_vendor_carry_the_documented_standard_fields(catalog: Catalog) -> None:
    customer, vendor = catalog["CUSTOMER"], catalog["VENDOR"]
    for name in (
        "TERMNAME",
        "CUSTREPID",
        "TERRITORYID",
        "CREDITLIMIT",
        "ONHOLD",
        "DELIVERY_OPTIONS",
        "ACCOUNTLABEL",
        "ENABLEONLINECARDPAYMENT",
        "DISPLAYCONTACT.MAILADDRESS.ADDRESS3",
        "BILLTO.MAILADDRESS.CITY",
        "SHIPTO.TAXGROUP",
        "CONTACTINFO.EMAIL1",
        "CUSTTYPEKEY",
        "PRICELIST",
    ):
        assert customer.field(name) is not None, name
    for name in (
        "GLGRPKEY",
        "VENDTYPEKEY",
        "PAYTO.MAILADDRESS.CITY",
        "RETURNTO.CONTACTNAME",
        "ACHENABLED",
        "PAYDATEVALUE",
        "CONTACTTO1099.CONTACTNAME",
    ):
        assert vendor.field(name) is not None, name
    assert len(customer.fields) >= 100 and len(vendor.fields) >= 100


@pytest.mark.parametrize("name", sorted(NEW_OBJECTS))
def test_new_objects_exist_with_their_key_fields(catalog: Catalog, name: str) -> None:
    obj = catalog[name]
    assert [f for f in NEW_OBJECTS[name] if obj.field(f) is None] == []
    assert obj.id_field == ID_FIELDS.get(name, obj.id_field)
    if name in LINES:
        assert (obj.parent, obj.parent_key) == LINES[name]
        assert name in catalog[LINES[name][0]].owned.values()
        assert obj.seed.get("lines")


@pytest.mark.parametrize("name", sorted(DOCUMENTED_SELECTS))
def test_fields_public_query_examples_select_exist(catalog: Catalog, name: str) -> None:
    obj = catalog[name]
    assert [f for f in DOCUMENTED_SELECTS[name].split() if obj.field(f) is None] == []


@pytest.mark.parametrize(("name", "field"), sorted(DOCUMENTED_CODES))
def test_documented_stored_codes(catalog: Catalog, name: str, field: str) -> None:
    f = catalog[name].field(field)
    assert f is not None and f.type == "enum"
    assert f.codes == DOCUMENTED_CODES[name, field] and len(f.values) == len(f.codes)


def test_every_object_in_these_files_names_its_sources() -> None:
    assert len(OWN) >= 70
    assert [o["name"] for o in _own_objects() if not o.get("sources")] == []


def _queryable(catalog: Catalog, name: str) -> list[str]:
    return [f.name for f in catalog[name].fields if f.queryable]


@pytest.mark.parametrize("name", OWN)
def test_lookup_answers_and_query_of_all_queryable_fields_succeeds(
    connect: Connect, catalog: Catalog, name: str
) -> None:
    client = connect()
    model = client.lookup(name)
    obj = catalog[name]
    assert {f.name for f in model.fields} >= {f.name for f in obj.fields if f.queryable}
    fields = _queryable(catalog, name)
    result = client.query(name, fields, pagesize=5)
    assert result.data is not None and result.data.listtype == name
    for record in result.records:  # zero rows until the generic seeder fills the object
        assert set(record) <= set(obj.field_names) | {a["name"] for a in AUDIT_FIELDS}
