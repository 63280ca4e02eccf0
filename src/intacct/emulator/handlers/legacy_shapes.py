"""The 2.1 DTD's element names and order per object, and the catalog field each holds.

2.1 functions speak their own vocabulary: ``get_list object="bill"`` answers ``<bill>``
records whose elements follow ``intacct_response_objects.v2.1.dtd`` (``billno``,
``datecreated`` split into year/month/day, nested ``billitems/lineitem``), and
``create_bill`` takes the nested elements ``intacct_pr_functions.v2.1.dtd`` defines.
A :class:`Node` names one element and where its value lives in the catalog; the shapes
below are the DTD's element lists (line numbers from github.com/Intacct/intacct_dtd,
v2.1) restricted to what the catalog stores. Every element of those lists is optional
in the DTD, so one whose field the catalog lacks is left out of answers and accepted
but not stored in requests ([U]: the real gateway stores it; nothing here keeps it).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

__all__ = [
    "CONTACT",
    "DATE_ELEMENTS",
    "LINEITEM",
    "LINE_SHAPES",
    "MAILADDRESS",
    "SHAPES",
    "Node",
    "Shape",
    "walk",
]


#: elements declared ``%DATE;`` (year, month, day) in intacct_response.v2.1.dtd:451-1442;
#: the others (whenmodified is ``%TIMESTAMP;``) are text
DATE_ELEMENTS = frozenset(
    [
        "birthdate",
        "checkdate",
        "datedue",
        "recpaydate",
        "datecreated",
        "datefrom",
        "dateto",
        "datereceived",
        "datemodified",
        "datereversed",
        "origdocdate",
        "enddate",
        "begindate",
        "expensedate",
        "asofdate",
        "agingdate",
        "lastreconcileddate",
        "paydate",
        "paymentdate",
        "cleareddate",
        "periodend",
        "recon_date",
        "startdate",
        "ratestartdate",
        "rateenddate",
        "revstartdate",
        "effective_start_date",
        "whencreated",
        "whenlastsold",
        "whenlastreceived",
        "receiveddate",
        "depositdate",
        "datepaid",
        "dateposted",
        "datelastsold",
        "datelastrecvd",
        "closedbooksdate",
        "exchratedate",
        "itemexpiration",
        "revrecenddate",
        "revrecstartdate",
        "cutoffdate",
        "statementendingdate",
        "postingdate",
        "pbegindate",
        "penddate",
        "entrydate",
        "glpostdate",
        "invoicedate",
        "sodocumentdate",
        "deliverydate",
        "creationdate",
        "cancelafterdate",
        "donotshipafterdate",
        "donotshipbeforedate",
        "needbydate",
        "servicedeliverydate",
        "promiseddate",
        "contractstartdate",
        "contractenddate",
        "shipby",
        "datepickticketprinted",
        "dateconfirmed",
        "dateshiptosupplier",
        "shipbydate",
        "shippeddate",
    ]
)


@dataclass(frozen=True, slots=True)
class Node:
    """One element: ``value`` holds catalog field ``field``; ``contact``/``address`` hold
    the fields under the dotted prefix ``field`` (``DISPLAYCONTACT`` → ``…​.EMAIL1``);
    ``lines`` holds the document's owned collection ``field`` as ``lineitem`` children
    shaped by :data:`LINEITEM` (``line``: one line of it per element, no container).
    ``answered`` is False for request-only elements
    (``taskname`` of create_task, ``updatebillitems`` of update_bill); ``written`` names
    the field a request's value goes to when it is not ``field``."""

    tag: str
    field: str
    kind: str = "value"
    answered: bool = True
    written: str = ""


Shape = tuple[Node, ...]


def _values(spec: str, *, answered: bool = True) -> Shape:
    """``"key=CLASSID name"`` → nodes; a bare name holds the field of its upper-case name."""
    nodes = []
    for item in spec.split():
        tag, _, field = item.partition("=")
        nodes.append(Node(tag, field or tag.upper(), answered=answered))
    return tuple(nodes)


def _contact(tag: str, prefix: str) -> Node:
    return Node(tag, prefix, "contact")


# intacct_response.v2.1.dtd:681 mailaddress (address1?, address2?, city?, state?, zip?,
# country?, isocountrycode?); fields relative to the address prefix
MAILADDRESS: Shape = _values("address1 address2 city state zip country isocountrycode=COUNTRYCODE")

# intacct_response.v2.1.dtd:475 contact (contactname, printas, taxable?, companyname?,
# taxgroup?, prefix?, firstname?, lastname?, initial?, phone1?, phone2?, cellphone?, pager?,
# fax?, email1?, email2?, url1?, url2?, status?, mailaddress?, ...); relative to a prefix
CONTACT: Shape = (
    *_values(
        "contactname printas taxable companyname taxgroup prefix firstname lastname initial"
        " phone1 phone2 cellphone pager fax email1 email2 url1 url2 status"
    ),
    Node("mailaddress", "MAILADDRESS", "address"),
)

# intacct_response_objects.v2.1.dtd:125 lineitem (line_num?, accountlabel?, glaccountno?,
# offsetglaccountno?, amount?, memo?, locationid?, departmentid?, item1099?, form1099type?,
# form1099box?, key?, totalpaid?, totaldue?, trx_amount?, ...); the request's lineitem
# (intacct_request_objects.v2.1.dtd:33) adds the dimensions after them
LINEITEM: Shape = (
    *_values(
        "line_num=LINE_NO accountlabel glaccountno=ACCOUNTNO offsetglaccountno=OFFSETACCOUNTNO"
        " amount memo=ENTRYDESCRIPTION locationid departmentid item1099 form1099type"
        " form1099box key=RECORDNO totalpaid totaldue trx_amount trx_totalpaid trx_totaldue"
        " currency"
    ),
    *_values(
        "revrecstartdate revrecenddate projectid customerid vendorid employeeid itemid"
        " classid billable",
        answered=False,
    ),
)

# intacct_cm_functions.v2.1.dtd:19 ccpayitem ((glaccountno | accountlabel), description?,
# paymentamount, departmentid?, locationid?, customerid?, vendorid?, employeeid?,
# (projectid, (taskid, costtypeid?)?)?, itemid?, classid?, contractid?, warehouseid?,
# customfields?, totaltrxamount?, taxentries?, billable?); updateccpayitem (:68) the same
CCPAYITEM: Shape = _values(
    "glaccountno=ACCOUNTNO accountlabel description=ENTRYDESCRIPTION paymentamount=AMOUNT"
    " departmentid locationid customerid vendorid employeeid projectid taskid costtypeid itemid"
    " classid contractid warehouseid totaltrxamount billable",
    answered=False,
)

# intacct_pr_functions.v2.1.dtd expense / expenseadjustment ((expensetype | glaccountno),
# amount, currency?, trx_amount?, (exchratedate?, (exchratetype | exchrate))?,
# expensedate?, memo?, form1099?, paidfor?, locationid?, departmentid?, customfields?,
# projectid?, ..., billable?, exppmttype?, quantity?, rate?): the expense type is the
# line's account label, memo its "paid to" DESCRIPTION, paidfor its DESCRIPTION2
EXPENSE: Shape = _values(
    "expensetype=ACCOUNTLABEL glaccountno=ACCOUNTNO amount currency trx_amount"
    " exchratedate=EXCH_RATE_DATE exchratetype=EXCH_RATE_TYPE_ID exchrate=EXCHANGE_RATE"
    " expensedate=ENTRY_DATE memo=DESCRIPTION form1099 paidfor=DESCRIPTION2 locationid"
    " departmentid projectid taskid customerid vendorid employeeid itemid classid contractid"
    " warehouseid billable exppmttype=PAYMENTTYPE quantity rate=UNITRATE",
    answered=False,
)

# intacct_request_objects.v2.1.dtd:45 sotransitem (bundlenumber?, itemid, itemaliasid?,
# itemdesc?, taxable?, warehouseid?, quantity, unit?, ..., discountpercent?, price?, ...,
# locationid?, departmentid?, memo?, itemdetails?, customfields?, revrectemplate?, ...,
# taskno?, billingtemplate?, ...), :43 potransitem, :31 ictransitem alike: the elements
# are the line's catalog fields by their upper-case names, but for these
TRANSITEM: Shape = _values(
    "taskno=TASKID itemdetails fulfillmentstatus itemaliasid sourcelinekey", answered=False
)
# INVDOCUMENTENTRY names its location and department LOCATION, DEPARTMENT
ICTRANSITEM: Shape = (
    *TRANSITEM,
    *_values("locationid=LOCATION departmentid=DEPARTMENT", answered=False),
)

# intacct_pr_functions.v2.1.dtd arpaymentitem (invoicekey, amount): the invoice paid
ARPAYMENTITEM: Shape = _values("invoicekey=RECORDKEY amount=TRX_PAYMENTAMOUNT", answered=False)

#: a line element's shape by its tag (``lineitem`` unless named here)
LINE_SHAPES: Mapping[str, Shape] = {
    "arpaymentitem": ARPAYMENTITEM,
    "sotransitem": TRANSITEM,
    "updatesotransitem": TRANSITEM,
    "potransitem": TRANSITEM,
    "updatepotransitem": TRANSITEM,
    "ictransitem": ICTRANSITEM,
    "updateictransitem": ICTRANSITEM,
    "ccpayitem": CCPAYITEM,
    "updateccpayitem": CCPAYITEM,
    "expense": EXPENSE,
    "updateexpense": EXPENSE,
    "expenseadjustment": EXPENSE,
    "updateexpenseadjustment": EXPENSE,
}

# [U] create_bill/create_invoice require datecreated and make dateposted optional
# (intacct_pr_functions.v2.1.dtd:66, :186): the document date is the posting date unless
# dateposted (which comes after it) says otherwise; the catalog's WHENCREATED is read-only
_DOCUMENT_DATES = (
    Node("datecreated", "WHENCREATED", written="WHENPOSTED"),
    *_values("dateposted=WHENPOSTED datedue=WHENDUE datepaid=WHENPAID"),
)
_DOCUMENT_TOTALS = (
    "totalamount=TOTALENTERED totalpaid totaldue onhold description"
    " trx_totalamount=TRX_TOTALENTERED trx_totalpaid trx_totaldue basecurr currency"
)

# the order entry / purchasing / inventory transactions' shared elements
# (intacct_icoe_functions.v2.1.dtd:17-67); referenceno is the document's PONUMBER. [U] The
# transaction date (datecreated) is taken and not kept: Intacct keeps it as the document's
# WHENCREATED, which the emulator's store reserves for the time of the create
_TRANSACTION_HEAD = (
    Node("transactiontype", "DOCPARID"),
    *_values("datecreated dateposted createdfrom"),
)
_TRANSACTION_TERMS = _values(
    "referenceno=PONUMBER termname=TERM.NAME datedue=WHENDUE message shippingmethod=SHIPVIA"
)
_TRANSACTION_TAIL = _values(
    "supdocid externalid basecurr currency exchratedate exchratetype=EXCHRATETYPES.NAME exchrate"
    " state projectid=PROJECT changelognumber needbydate cancelafterdate donotshipbeforedate"
    " donotshipafterdate customerponumber taxsolutionid subtotals updatesubtotals"
)

_ADJUSTMENT_TOTALS = _values(
    "totalamount=TOTALENTERED totalpaid totaldue totalselected whenmodified state basecurr"
    " currency trx_totalamount=TRX_TOTALENTERED trx_totalpaid trx_totaldue trx_totalselected"
)

#: per 2.1 object name (the ``object`` of get_list, the record element's tag)
SHAPES: Mapping[str, Shape] = {
    # intacct_co_functions.v2.1.dtd:306 create_supdocfolder (supdocfoldername,
    # supdocfolderdescription?, supdocparentfoldername?); update_supdocfolder names the
    # folder by supdocfoldername (no key attribute), as Sage's SDKs write it. Answers
    # follow intacct_response_objects.v2.1.dtd:132 supdocfolder (name, description,
    # parentfolder, creationdate, createdby, lastmodified, lastmodifiedby, status); the
    # catalog keeps no folder status, so status is left out; [U] createdby/lastmodifiedby
    # carry the user's RECORDNO as CREATEDBY does (no public answer shows them)
    "supdocfolder": (
        *_values(
            "supdocfoldername=NAME supdocfolderdescription=DESCRIPTION"
            " supdocparentfoldername=PARENTFOLDERNAME",
            answered=False,
        ),
        *_values(
            "name description parentfolder=PARENTFOLDERNAME creationdate=WHENCREATED"
            " createdby lastmodified=WHENMODIFIED lastmodifiedby=MODIFIEDBY"
        ),
    ),
    # intacct_response_objects.v2.1.dtd:43 class (key?, classid?, name?, description?,
    # parentid?, whenmodified?, status?); key holds the class id, and the real answer
    # (sdk-php ResultTest::testLegacyGetListClass) leaves classid out
    "class": (
        Node("key", "CLASSID"),
        Node("classid", "CLASSID", answered=False),
        *_values("name description parentid whenmodified status"),
    ),
    # :49 department (departmentid?, title?, parentid?, supervisorid?, whenmodified?, status?)
    "department": (
        *_values("departmentid title parentid supervisorid whenmodified status"),
        *_values("custtitle", answered=False),
    ),
    # :130 location (locationid?, name?, parentid?, supervisorid?, startdate?, enddate?,
    # whenmodified?, status?, primary?, shipto?, contactinfo?)
    "location": (
        *_values("locationid name parentid supervisorid startdate enddate whenmodified status"),
        _contact("contactinfo", "CONTACTINFO"),
        *_values("custtitle", answered=False),
    ),
    # :150 vendor (vendorid?, name?, parentid?, termname?, glaccountno?, accountlabel?,
    # vendtype?, taxid?, creditlimit?, totaldue?, billingtype?, outsourcecheck?,
    # vendoraccountno?, comments?, status?, currency?, onetime?, whenmodified?, primary?,
    # returnto?, payto?, contactinfo?, contactlist?, form1099?, name1099?, ...)
    "vendor": (
        *_values(
            "vendorid name parentid termname glaccountno=APACCOUNT accountlabel vendtype taxid"
            " creditlimit totaldue billingtype vendoraccountno comments status currency onetime"
            " whenmodified"
        ),
        _contact("primary", "DISPLAYCONTACT"),
        _contact("returnto", "RETURNTO"),
        _contact("payto", "PAYTO"),
        _contact("contactinfo", "CONTACTINFO"),
        *_values("name1099"),
        *_values("onhold donotcutcheck form1099type form1099box offsetglaccountno", answered=False),
    ),
    # :46 customer (customerid?, name?, parentid?, termname?, custrepid?, shippingmethod?,
    # custtype?, taxid?, creditlimit?, totaldue?, territoryid?, resaleno?, deliveryoptions?,
    # accountlabel?, glaccountno?, glgroup?, comments?, whenmodified?, status?, currency?,
    # primary?, billto?, shipto?, contactinfo?, ...)
    "customer": (
        *_values(
            "customerid name parentid termname custrepid shippingmethod custtype taxid"
            " creditlimit totaldue territoryid resaleno deliveryoptions=DELIVERY_OPTIONS"
            " glaccountno=ARACCOUNT glgroup comments whenmodified status currency"
        ),
        _contact("primary", "DISPLAYCONTACT"),
        _contact("billto", "BILLTO"),
        _contact("shipto", "SHIPTO"),
        _contact("contactinfo", "CONTACTINFO"),
        *_values("onhold offsetglaccountno", answered=False),
    ),
    # :52 employee (employeeid?, ssn?, title?, locationid?, departmentid?, classid?,
    # supervisorid?, birthdate?, startdate?, enddate?, terminationtype?, employeetype?,
    # gender?, whenmodified?, status?, ..., currency?, earningtypename?, personalinfo?, ...)
    "employee": (
        *_values(
            "employeeid title locationid departmentid classid supervisorid startdate enddate"
            " terminationtype employeetype gender whenmodified status currency"
        ),
        _contact("personalinfo", "PERSONALINFO"),
        *_values("postactualcost", answered=False),
    ),
    # :69 glaccount (glaccountno?, title?, normalbalance?, accounttype?, closingtype?,
    # closingaccountno?, whenmodified?, status?, requiredept?, requireloc?, requireproject?,
    # requiretask?, requirecosttype?, requirecustomer?, requirevendor?, requireitem?,
    # requireemployee?, requireclass?, ..., taxable?, taxcode?, mrccode?, alternativeaccount?)
    "glaccount": (
        *_values(
            "glaccountno=ACCOUNTNO title normalbalance accounttype closingtype closingaccountno"
            " whenmodified status requiredept requireloc requireproject requirecustomer"
            " requirevendor requireitem requireemployee requireclass taxable taxcode mrccode"
            " alternativeaccount"
        ),
        *_values("category subledgercontrolon", answered=False),
    ),
    # :23 / :36 apterm, arterm (name?, description?, status?, due?, discount?, ...)
    "apterm": _values("name description status"),
    "arterm": _values("name description status"),
    # :124 journal (symbol?, title?, status?)
    "journal": _values("symbol title status"),
    # :145 reportingperiod (name?, headingtitle?, headingtitle2?, startdate?, enddate?,
    # budgetable?, status?)
    "reportingperiod": _values(
        "name headingtitle=HEADER1 headingtitle2=HEADER2 startdate=START_DATE"
        " enddate=END_DATE budgetable=BUDGETING status"
    ),
    # :112 warehouse (warehouseid?, name?, parentid?, managerid?, contactname?, shipto?,
    # usedingl?, status?)
    "warehouse": _values("warehouseid name parentid managerid usedingl status"),
    # :41 project (key?, name?, description?, parentid?, invoicewithparent?,
    # projectcategory?, projecttype?, projectstatus?, customerid?, managerid?, custuserid?,
    # salescontactid?, begindate?, enddate?, departmentid?, locationid?, classid?,
    # currency?, ..., whenmodified?, budgetamount?, ..., status?, ...)
    "project": (
        Node("key", "PROJECTID"),
        Node("projectid", "PROJECTID", answered=False),
        *_values(
            "name description projectcategory projecttype projectstatus customerid managerid"
            " begindate enddate departmentid locationid classid currency whenmodified"
            " budgetamount status"
        ),
        *_values("billingtype termname", answered=False),
    ),
    # :42 task (key?, projectid?, name?, taskno?, description?, ismilestone?,
    # parenttaskname?, budgetqty?, estqty?, priority?, pbegindate?, penddate?,
    # percentcomplete?, taskstatus?, utilized?, billable?, ...); create_task
    # (intacct_pr_functions.v2.1.dtd:400) says taskname and taskdescription
    "task": (
        Node("key", "RECORDNO"),
        *_values(
            "projectid name description ismilestone budgetqty estqty pbegindate penddate"
            " percentcomplete taskstatus billable"
        ),
        *_values("taskname=NAME taskdescription=DESCRIPTION taskid", answered=False),
    ),
    # :44 timesheet (key?, title?, employeeid?, begindate?, enddate?, ...)
    "timesheet": _values("key=RECORDNO title=DESCRIPTION employeeid begindate enddate"),
    # :199 allocation (recordno?, allocationid?, description?, allocateby?, allocateto?,
    # docnumber?, status?, ...)
    "allocation": _values("recordno allocationid description allocateby docnumber status"),
    # :117 gltransaction (journalid?, batchno?, datecreated?, datemodified?, description?, ...)
    "gltransaction": (
        *_values("journalid=JOURNAL batchno datecreated=BATCH_DATE description=BATCH_TITLE"),
        *_values("referenceno", answered=False),
    ),
    # :38 bill (key?, vendorid?, datecreated?, dateposted?, datedue?, datepaid?, termname?,
    # batchkey?, billno?, ponumber?, totalamount?, totalpaid?, totaldue?, onhold?,
    # description?, trx_totalamount?, trx_totalpaid?, trx_totaldue?, basecurr?, currency?,
    # customfields?, billitems?, payto?, returnto?, whenmodified?, state?, supdocid?, ...)
    "bill": (
        Node("key", "RECORDNO"),
        *_values("vendorid"),
        *_DOCUMENT_DATES,
        *_values("termname batchkey=PRBATCHKEY billno=RECORDID"),
        *_values(f"ponumber=DOCNUMBER {_DOCUMENT_TOTALS}"),
        Node("billitems", "APBILLITEMS", "lines"),
        Node("updatebillitems", "APBILLITEMS", "lines", answered=False),
        _contact("payto", "PAYTO"),
        _contact("returnto", "RETURNTO"),
        *_values("whenmodified state supdocid"),
    ),
    # :121 invoice (key?, customerid?, datecreated?, dateposted?, datedue?, datepaid?,
    # termname?, batchkey?, invoiceno?, ponumber?, totalamount?, totalpaid?, totaldue?,
    # description?, trx_totalamount?, trx_totalpaid?, trx_totaldue?, basecurr?, currency?,
    # billto?, shipto?, whenmodified?, state?, supdocid?, taxsolutionid?, invoiceitems?, ...)
    "invoice": (
        Node("key", "RECORDNO"),
        *_values("customerid"),
        *_DOCUMENT_DATES,
        *_values("termname batchkey=PRBATCHKEY invoiceno=RECORDID"),
        *_values("ponumber totalamount=TOTALENTERED totalpaid totaldue description"),
        *_values("trx_totalamount=TRX_TOTALENTERED trx_totalpaid trx_totaldue basecurr currency"),
        _contact("billto", "BILLTO"),
        _contact("shipto", "SHIPTO"),
        *_values("whenmodified state supdocid"),
        Node("invoiceitems", "ARINVOICEITEMS", "lines"),
        Node("updateinvoiceitems", "ARINVOICEITEMS", "lines", answered=False),
        *_values("onhold", answered=False),
    ),
    # :20 apadjustment (key?, vendorid?, datecreated?, dateposted?, datepaid?, batchkey?,
    # adjustmentno?, billno?, description?, totalamount?, totalpaid?, totaldue?,
    # totalselected?, whenmodified?, state?, basecurr?, currency?, trx_totalamount?, ...,
    # customfields?, apadjustmentitems?)
    "apadjustment": (
        Node("key", "RECORDNO"),
        *_values("vendorid"),
        *_DOCUMENT_DATES,
        *_values("batchkey=PRBATCHKEY adjustmentno=RECORDID billno=DOCNUMBER description"),
        *_ADJUSTMENT_TOTALS,
        Node("apadjustmentitems", "APADJUSTMENTITEMS", "lines"),
    ),
    # :25 aradjustment (key?, customerid?, datecreated?, dateposted?, datepaid?, batchkey?,
    # adjustmentno?, invoiceno?, description?, totalamount?, ..., aradjustmentitems?)
    "aradjustment": (
        Node("key", "RECORDNO"),
        *_values("customerid"),
        *_DOCUMENT_DATES,
        *_values("batchkey=PRBATCHKEY adjustmentno=RECORDID invoiceno=DOCNUMBER description"),
        *_ADJUSTMENT_TOTALS,
        Node("aradjustmentitems", "ARADJUSTMENTITEMS", "lines"),
    ),
    # intacct_cm_functions.v2.1.dtd:20 record_otherreceipt (paymentdate, payee,
    # receiveddate, paymentmethod, (undepglaccountno | (bankaccountid, depositdate?)),
    # refid?, description?, supdocid?, (currency, ((exchratedate?, exchratetype) |
    # exchrate))?, customfields?, inclusivetax?, taxsolutionid?, receiptitems); [U] the
    # payment date is the receipt's WHENPAID, refid its DOCNUMBER (the nearest catalog
    # fields; no public source maps them)
    "record_otherreceipt": (
        Node("paymentdate", "WHENPAID"),
        *_values(
            "payee=PAYER receiveddate=RECEIPTDATE paymentmethod"
            " undepglaccountno=UNDEPOSITEDACCOUNTNO bankaccountid=FINANCIALENTITY depositdate"
            " refid=DOCNUMBER description supdocid currency exchratedate=EXCH_RATE_DATE"
            " exchratetype=EXCH_RATE_TYPE_ID exchrate=EXCHANGE_RATE inclusivetax taxsolutionid"
        ),
        Node("receiptitems", "OTHERRECEIPTSENTRIES", "lines"),
    ),
    # intacct_cm_functions.v2.1.dtd:17 record_cctransaction (chargecardid, paymentdate,
    # referenceno?, payee?, description?, supdocid?, (currency, ((exchratedate?,
    # exchratetype) | exchrate))?, customfields?, inclusivetax?, taxsolutionid?,
    # ccpayitems); update_cctransaction (:58) the same optional, updateccpayitems for lines
    "record_cctransaction": (
        Node("chargecardid", "FINANCIALENTITY"),
        Node("paymentdate", "WHENPAID"),
        *_values(
            "referenceno payee description supdocid currency exchratedate=EXCH_RATE_DATE"
            " exchratetype=EXCH_RATE_TYPE_ID exchrate=EXCHANGE_RATE inclusivetax taxsolutionid"
        ),
        Node("ccpayitems", "CCTRANSACTIONENTRIES", "lines"),
        Node("updateccpayitems", "CCTRANSACTIONENTRIES", "lines", answered=False),
    ),
    # intacct_cm_functions.v2.1.dtd:31 record_deposit (bankaccountid, depositdate,
    # depositid, (receipts | receiptkeys), description?, supdocid?, customfields?); [U] the
    # receipts deposited (receiptkeys/receiptkey+) are taken and not linked: the catalog
    # keeps no deposit's receipts
    "record_deposit": (
        *_values("bankaccountid depositdate depositid"),
        *_values("receipts receiptkeys", answered=False),
        *_values("description supdocid"),
    ),
    # intacct_pr_functions.v2.1.dtd:295 create_expensereport (employeeid, datecreated,
    # dateposted?, state?, batchkey?, expensereportno?, description?, memo?, externalid?,
    # basecurr?, currency?, customfields?, expenses, supdocid?, inclusivetax?,
    # taxsolutionid?); update_expensereport (:297) with updateexpenses
    "create_expensereport": (
        *_values("employeeid"),
        *_DOCUMENT_DATES[:2],
        *_values(
            "state batchkey=PRBATCHKEY expensereportno=RECORDID description memo externalid"
            " basecurr currency supdocid inclusivetax taxsolutionid"
        ),
        Node("expenses", "EEXPENSESITEMS", "lines"),
        Node("updateexpenses", "EEXPENSESITEMS", "lines", answered=False),
    ),
    # :321 create_expenseadjustmentreport (employeeid, datecreated, dateposted?, batchkey?,
    # adjustmentno?, docnumber?, description?, basecurr?, currency?, expenseadjustments,
    # supdocid?, inclusivetax?, taxsolutionid?); update_… (:324) with updateexpenseadjustments
    "create_expenseadjustmentreport": (
        *_values("employeeid"),
        *_DOCUMENT_DATES[:2],
        *_values(
            "batchkey=PRBATCHKEY adjustmentno=RECORDID docnumber description basecurr currency"
            " supdocid inclusivetax taxsolutionid"
        ),
        Node("expenseadjustments", "EXPENSEADJUSTMENTSITEMS", "lines"),
        Node("updateexpenseadjustments", "EXPENSEADJUSTMENTSITEMS", "lines", answered=False),
    ),
    # intacct_icoe_functions.v2.1.dtd:23 create_sotransaction (transactiontype,
    # datecreated, dateposted?, createdfrom?, customerid, documentno?, origdocdate?,
    # referenceno?, termname?, datedue?, message?, shippingmethod?, shipto?, billto?,
    # supdocid?, externalid?, (basecurr?, currency, ...)?, vsoepricelist?, customfields?,
    # state?, projectid?, ..., sotransitems, subtotals?); update_sotransaction (:57) the
    # same optional, updatesotransitems; [U] subtotals are taken and not kept
    "create_sotransaction": (
        *_TRANSACTION_HEAD,
        Node("customerid", "CUSTVENDID"),
        *_values("documentno=DOCNO origdocdate"),
        *_TRANSACTION_TERMS,
        _contact("shipto", "SHIPTO"),
        _contact("billto", "BILLTO"),
        *_TRANSACTION_TAIL,
        *_values("vsoepricelist servicedeliverydate trackingnumber shippeddate shipbydate"),
        Node("sotransitems", "SODOCUMENTENTRIES", "lines"),
        Node("updatesotransitems", "SODOCUMENTENTRIES", "lines", answered=False),
    ),
    # intacct_icoe_functions.v2.1.dtd:18 create_potransaction (transactiontype,
    # datecreated, dateposted?, createdfrom?, vendorid, documentno?, referenceno?,
    # vendordocno?, termname?, datedue?, message?, shippingmethod?, returnto, payto,
    # deliverto?, supdocid?, externalid?, ..., potransitems, subtotals?); update (:67)
    "create_potransaction": (
        *_TRANSACTION_HEAD,
        Node("vendorid", "CUSTVENDID"),
        *_values("documentno=DOCNO vendordocno"),
        *_TRANSACTION_TERMS,
        _contact("returnto", "RETURNTO"),
        _contact("payto", "PAYTO"),
        _contact("deliverto", "DELIVERTO"),
        *_TRANSACTION_TAIL,
        *_values("promiseddate contractstartdate contractenddate"),
        Node("potransitems", "PODOCUMENTENTRIES", "lines"),
        Node("updatepotransitems", "PODOCUMENTENTRIES", "lines", answered=False),
    ),
    # intacct_icoe_functions.v2.1.dtd:17 create_ictransaction (transactiontype,
    # datecreated, createdfrom?, documentno?, referenceno?, message?, externalid?,
    # basecurr?, customfields?, state?, ictransitems, subtotals?); update (:51)
    "create_ictransaction": (
        *_TRANSACTION_HEAD,
        *_values("documentno=DOCNO referenceno=PONUMBER message externalid basecurr state"),
        *_values("subtotals updatesubtotals"),
        Node("ictransitems", "ENTRIES", "lines"),
        Node("updateictransitems", "ENTRIES", "lines", answered=False),
    ),
    # intacct_pr_functions.v2.1.dtd:286 create_arpayment (customerid, paymentamount,
    # translatedamount?, (batchkey | bankaccountid | undepfundsacct)?, refid?,
    # overpaylocid?, overpaydeptid?, datereceived?, paymentmethod?, (basecurr?, currency,
    # ...)?, cctype?, authcode?, arpaymentitem*, (onlinecardpayment | onlineachpayment)*);
    # [U] the amounts are taken and not kept: the payment's totals are read-only here
    "create_arpayment": (
        *_values(
            "customerid paymentamount=TOTALENTERED translatedamount batchkey=PRBATCHKEY"
            " bankaccountid=FINANCIALENTITY undepfundsacct=UNDEPOSITEDACCOUNTNO refid=DOCNUMBER"
            " overpaylocid overpaydeptid datereceived=RECEIPTDATE paymentmethod basecurr currency"
            " exchratedate=EXCH_RATE_DATE exchratetype=EXCH_RATE_TYPE_ID exchrate=EXCHANGE_RATE"
            " cctype authcode onlinecardpayment onlineachpayment",
            answered=False,
        ),
        Node("arpaymentitem", "ARPYMTDETAILS", "line", answered=False),
    ),
    # intacct_pr_functions.v2.1.dtd:299 create_supdoc (supdocid, supdocname?,
    # supdocfoldername?, supdocdescription?, attachments?); update_supdoc (:300) names the
    # attachment by supdocid. [U] the files (attachments/attachment: attachmentname,
    # attachmenttype, attachmentdata) are taken and not kept: the catalog holds no files
    "create_supdoc": _values(
        "supdocid supdocname supdocfoldername=FOLDER supdocdescription=DESCRIPTION attachments",
        answered=False,
    ),
    # create_reimbursementrequest (developer.intacct.com employee-expenses/reimbursements;
    # no 2.1 DTD declares it): bankaccountid, employeeid, memo?, paymentmethod,
    # paymentdate, paymentoption?, eppaymentrequestitems (eppaymentrequestitem: key,
    # paymentamount, credittoapply?), documentnumber?, paymentdescription?,
    # paymentcontact?. [U] the reports paid (the items) are taken and not kept: the
    # catalog has no line object for them
    "create_reimbursementrequest": _values(
        "bankaccountid=FINANCIALENTITY employeeid memo paymentmethod paymentdate paymentoption"
        " eppaymentrequestitems documentnumber=RECORDID paymentdescription paymentcontact",
        answered=False,
    ),
    # intacct_response.v2.1.dtd:475 contact, the object's own fields (no prefix)
    "contact": CONTACT,
}


def walk(shape: Shape, prefix: str = "") -> Iterator[tuple[Node, str]]:
    """Each node with its full catalog name (``PAYTO.CONTACTNAME``-style prefixes)."""
    for node in shape:
        yield node, f"{prefix}.{node.field}" if prefix else node.field
