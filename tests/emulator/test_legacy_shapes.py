"""2.1 shapes against the DTD (github.com/Intacct/intacct_dtd, v2.1): get_list records and
get_trialbalance rows answer the DTD's element names in its order, and the object
functions take the nested elements the DTD defines (a contact's ``mailaddress``, a
vendor's ``primary/contact``, a bill's ``billitems/lineitem``)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import httpx
import pytest
from lxml import etree

from .conftest import envelope

Post = Callable[..., tuple[httpx.Response, etree._Element | None]]

# Element lists as the DTD declares them (every one optional unless noted), by object.
DTD = {
    # intacct_response_objects.v2.1.dtd:43
    "class": "key classid name description parentid whenmodified status",
    # :49
    "department": "departmentid title parentid supervisorid whenmodified status customfields",
    # :130
    "location": "locationid name parentid supervisorid startdate enddate whenmodified status"
    " primary shipto contactinfo customfields",
    # :150 (first 30 of its elements)
    "vendor": "vendorid name parentid termname glaccountno accountlabel vendtype taxid"
    " creditlimit totaldue billingtype outsourcecheck vendoraccountno comments status currency"
    " onetime whenmodified primary returnto payto contactinfo contactlist form1099 name1099",
    # :46 (up to supdocid)
    "customer": "customerid name parentid termname custrepid shippingmethod custtype taxid"
    " creditlimit totaldue territoryid resaleno deliveryoptions accountlabel glaccountno"
    " glgroup comments whenmodified status currency primary billto shipto contactinfo"
    " vsoepricelist contactlist pricelist customfields supdocid",
    # :52 (the elements up to personalinfo)
    "employee": "employeeid ssn title locationid departmentid classid supervisorid birthdate"
    " startdate enddate terminationtype employeetype gender whenmodified status name1099"
    " form1099type form1099box currency earningtypename personalinfo contactlist",
    # :69 (up to alternativeaccount)
    "glaccount": "glaccountno title normalbalance accounttype closingtype closingaccountno"
    " whenmodified status requiredept requireloc requireproject requiretask requirecosttype"
    " requirecustomer requirevendor requireitem requireemployee requireclass requirecontract"
    " requirewarehouse taxable taxcode mrccode alternativeaccount customfields",
    # :23, :36
    "apterm": "name description status due discount disccalcon penalty",
    "arterm": "name description status due discount disccalcon penalty",
    # :124
    "journal": "symbol title status",
    # :145
    "reportingperiod": "name headingtitle headingtitle2 startdate enddate budgetable status",
    # :112
    "warehouse": "warehouseid name parentid managerid contactname shipto usedingl status",
    # :41 (up to status)
    "project": "key name description parentid invoicewithparent projectcategory projecttype"
    " projectstatus customerid managerid custuserid salescontactid begindate enddate"
    " departmentid locationid classid currency sonumber ponumber poamount pqnumber"
    " whenmodified budgetamount budgetedcost budgetqty userrestrictions obspercentcomplete"
    " budgetid billingrate billingpricing expenserate expensepricing poaprate poappricing"
    " status",
    # :42
    "task": "key projectid name taskno description ismilestone parenttaskname budgetqty estqty"
    " priority pbegindate penddate percentcomplete taskstatus utilized billable itemid",
    # :44
    "timesheet": "key title employeeid begindate enddate glpostdate periodtype timesheetitems",
    # :199
    "allocation": "recordno allocationid description allocateby allocateto docnumber status",
    # :38
    "bill": "key vendorid datecreated dateposted datedue datepaid termname batchkey billno"
    " ponumber totalamount totalpaid totaldue onhold description trx_totalamount"
    " trx_totalpaid trx_totaldue basecurr currency customfields billitems payto returnto"
    " whenmodified state supdocid retainagreleased",
    # :121
    "invoice": "key customerid datecreated dateposted datedue datepaid termname batchkey"
    " invoiceno ponumber totalamount totalpaid totaldue description trx_totalamount"
    " trx_totalpaid trx_totaldue basecurr currency billto shipto whenmodified state supdocid"
    " taxsolutionid invoiceitems retainagereleased",
    # :20 (up to apadjustmentitems)
    "apadjustment": "key vendorid datecreated dateposted datepaid batchkey adjustmentno billno"
    " description totalamount totalpaid totaldue totalselected whenmodified state basecurr"
    " currency trx_totalamount trx_totalpaid trx_totaldue trx_totalselected customfields"
    " apadjustmentitems",
    # :25
    "aradjustment": "key customerid datecreated dateposted datepaid batchkey adjustmentno"
    " invoiceno description totalamount totalpaid totaldue totalselected whenmodified state"
    " basecurr currency trx_totalamount trx_totalpaid trx_totaldue trx_totalselected"
    " aradjustmentitems",
    # intacct_response.v2.1.dtd:475
    "contact": "contactname printas taxable companyname taxgroup prefix firstname lastname"
    " initial phone1 phone2 cellphone pager fax email1 email2 url1 url2 status mailaddress"
    " taxid taxsolutionid taxschedule",
}
# intacct_response.v2.1.dtd:681
MAILADDRESS = "address1 address2 city state zip country isocountrycode"
# intacct_response_objects.v2.1.dtd:125
LINEITEM = (
    "line_num accountlabel glaccountno offsetglaccountno amount memo locationid departmentid"
    " item1099 form1099type form1099box key totalpaid totaldue trx_amount trx_totalpaid"
    " trx_totaldue currency retainagepercentage amountretained trx_amountretained"
)
# :149 trialbalance (glaccountno, startbalance, debits, credits, endbalance, departmentid?,
# locationid?) and :16 accountbalance (all required)
TRIALBALANCE = "glaccountno startbalance debits credits endbalance departmentid locationid"
ACCOUNTBALANCE = (
    "glaccountno startbalance debits credits adjdebits adjcredits endbalance currency reportingbook"
)
# the identifying element each object's answer must carry (so an empty shape fails)
MUST = {
    "class": "key",
    "department": "departmentid",
    "location": "locationid",
    "vendor": "vendorid",
    "customer": "customerid",
    "employee": "employeeid",
    "glaccount": "glaccountno",
    "apterm": "name",
    "arterm": "name",
    "journal": "symbol",
    "reportingperiod": "name",
    "warehouse": "warehouseid",
    "project": "key",
    "task": "key",
    "timesheet": "key",
    "allocation": "allocationid",
    "bill": "billno",
    "invoice": "invoiceno",
    "contact": "contactname",
    "apadjustment": "key",
    "aradjustment": "key",
}


def ask(post: Post, body: str) -> etree._Element:
    _, root = post(envelope(body))
    assert root is not None
    result = root.find("operation/result")
    assert result is not None, etree.tostring(root)[:400]
    assert result.findtext("status") == "success", etree.tostring(result)[:800]
    return result


def rows(post: Post, obj: str, fields: str, query: str) -> list[dict[str, str]]:
    """readByQuery's records as field → text (the 3.0 view of what 2.1 wrote)."""
    result = ask(
        post,
        f"<readByQuery><object>{obj}</object><fields>{fields}</fields>"
        f"<query>{query}</query></readByQuery>",
    )
    return [{str(c.tag): c.text or "" for c in r} for r in result.findall(f"data/{obj.lower()}")]


def tags(element: etree._Element) -> list[str]:
    return [str(c.tag) for c in element]


def in_dtd_order(answered: list[str], declared: str) -> bool:
    """``answered`` is a subsequence of the DTD's list (each element known, in order)."""
    rest = iter(declared.split())
    return all(any(name == d for d in rest) for name in answered)


def split_date(element: etree._Element | None) -> list[str]:
    assert element is not None
    return tags(element)


@pytest.mark.parametrize("listed", sorted(DTD))
def test_get_list_answers_the_dtd_elements_in_order(post: Post, listed: str) -> None:
    result = ask(post, f'<get_list object="{listed}" maxitems="2"/>')
    assert result.findtext("listtype") == listed
    records = result.findall(f"data/{listed}")
    if not records:
        pytest.skip(f"no seeded {listed} records")
    for record in records:
        assert record.tag == listed
        assert in_dtd_order(tags(record), DTD[listed]), tags(record)
        assert MUST[listed] in tags(record)


def test_get_list_class_is_the_real_answer(post: Post) -> None:
    # sdk-php test ResultTest::testLegacyGetListClass: key holds the class id, no classid
    record = ask(post, '<get_list object="class" maxitems="1"/>').find("data/class")
    assert record is not None
    assert tags(record) == ["key", "name", "description", "parentid", "whenmodified", "status"]


def test_get_list_dates_are_split_and_whenmodified_is_text(post: Post) -> None:
    bill = ask(post, '<get_list object="bill" maxitems="1"/>').find("data/bill")
    assert bill is not None
    assert split_date(bill.find("dateposted")) == ["year", "month", "day"]
    assert split_date(bill.find("datecreated")) == ["year", "month", "day"]
    whenmodified = bill.find("whenmodified")
    assert whenmodified is not None and len(whenmodified) == 0 and whenmodified.text


def test_get_list_fields_filter_and_sorts_use_2_1_names(post: Post) -> None:
    result = ask(
        post,
        '<get_list object="glaccount" maxitems="3"><filter><expression>'
        "<field>glaccountno</field><operator>&gt;=</operator><value>4000</value></expression>"
        '</filter><sorts><sortfield order="desc">glaccountno</sortfield></sorts>'
        "<fields><field>title</field><field>glaccountno</field></fields></get_list>",
    )
    records = result.findall("data/glaccount")
    assert records and all(tags(r) == ["glaccountno", "title"] for r in records)
    numbers = [r.findtext("glaccountno") or "" for r in records]
    assert numbers == sorted(numbers, reverse=True) and min(numbers) >= "4000"


def test_create_contact_takes_mailaddress(post: Post) -> None:
    ask(
        post,
        "<create_contact><contactname>DTD-C1</contactname><printas>Dee Tee</printas>"
        "<firstname>Dee</firstname><email1>dee@example.com</email1><mailaddress>"
        "<address1>1 Main St</address1><address2>Suite 2</address2><city>Boise</city>"
        "<state>ID</state><zip>83702</zip><country>United States</country></mailaddress>"
        "</create_contact>",
    )
    fields = "MAILADDRESS.ADDRESS1,MAILADDRESS.CITY,MAILADDRESS.ZIP"
    assert rows(post, "CONTACT", fields, "CONTACTNAME = 'DTD-C1'") == [
        {
            "MAILADDRESS.ADDRESS1": "1 Main St",
            "MAILADDRESS.CITY": "Boise",
            "MAILADDRESS.ZIP": "83702",
        }
    ]
    listed = ask(
        post,
        '<get_list object="contact"><filter><expression><field>contactname</field>'
        "<operator>=</operator><value>DTD-C1</value></expression></filter></get_list>",
    ).find("data/contact")
    assert listed is not None
    address = listed.find("mailaddress")
    assert address is not None and in_dtd_order(tags(address), MAILADDRESS)
    assert address.findtext("address2") == "Suite 2"


def test_update_contact_changes_the_nested_address(post: Post) -> None:
    ask(
        post,
        "<create_contact><contactname>DTD-C2</contactname><printas>C2</printas>"
        "<mailaddress><city>Boise</city></mailaddress></create_contact>",
    )
    ask(
        post,
        '<update_contact contactname="DTD-C2"><printas>C2</printas>'
        "<mailaddress><city>Nampa</city></mailaddress></update_contact>",
    )
    assert rows(post, "CONTACT", "MAILADDRESS.CITY", "CONTACTNAME = 'DTD-C2'") == [
        {"MAILADDRESS.CITY": "Nampa"}
    ]


def test_create_vendor_takes_a_primary_contact(post: Post) -> None:
    ask(
        post,
        "<create_vendor><vendorid>DTD-V1</vendorid><name>DTD Vendor</name>"
        "<primary><contact><contactname>DTD-V1 main</contactname><printas>DTD Vendor</printas>"
        "<email1>ap@dtd.example</email1><mailaddress><city>Reno</city><state>NV</state>"
        "</mailaddress></contact></primary><payto><contactname>DTD-V1 main</contactname>"
        "</payto></create_vendor>",
    )
    fields = "DISPLAYCONTACT.EMAIL1,DISPLAYCONTACT.MAILADDRESS.CITY,PAYTO.CONTACTNAME"
    assert rows(post, "VENDOR", fields, "VENDORID = 'DTD-V1'") == [
        {
            "DISPLAYCONTACT.EMAIL1": "ap@dtd.example",
            "DISPLAYCONTACT.MAILADDRESS.CITY": "Reno",
            "PAYTO.CONTACTNAME": "DTD-V1 main",
        }
    ]


def test_create_customer_takes_nested_contacts(post: Post) -> None:
    ask(
        post,
        "<create_customer><customerid>DTD-CU1</customerid><name>DTD Customer</name>"
        "<primary><contact><contactname>DTD-CU1 main</contactname><printas>DTD Customer"
        "</printas><phone1>555-0100</phone1></contact></primary>"
        "<billto><contactname>DTD-CU1 main</contactname></billto></create_customer>",
    )
    fields = "DISPLAYCONTACT.PHONE1,BILLTO.CONTACTNAME"
    assert rows(post, "CUSTOMER", fields, "CUSTOMERID = 'DTD-CU1'") == [
        {"DISPLAYCONTACT.PHONE1": "555-0100", "BILLTO.CONTACTNAME": "DTD-CU1 main"}
    ]


def _some(post: Post, listed: str, element: str) -> str:
    found = ask(post, f'<get_list object="{listed}" maxitems="1"/>').findtext(f"data/*/{element}")
    assert found
    return found


_DATE = "<year>2026</year><month>03</month><day>{}</day>"
_numbers = itertools.count(1)


def _line(account: str, amount: str, memo: str) -> str:
    return (
        f"<lineitem><glaccountno>{account}</glaccountno><amount>{amount}</amount>"
        f"<memo>{memo}</memo></lineitem>"
    )


def test_create_bill_takes_billitems(post: Post) -> None:
    vendor = _some(post, "vendor", "vendorid")
    account = _some(post, "glaccount", "glaccountno")
    billno = f"DTD-B{next(_numbers)}"
    created = ask(
        post,
        f"<create_bill><vendorid>{vendor}</vendorid><datecreated>{_DATE.format('02')}"
        f"</datecreated><datedue>{_DATE.format('30')}</datedue><billno>{billno}</billno>"
        f"<description>two lines</description><billitems>{_line(account, '10.50', 'first')}"
        f"{_line(account, '4.25', 'second')}</billitems></create_bill>",
    )
    key = created.findtext("key")
    assert key
    lines = rows(post, "APBILLITEM", "ACCOUNTNO,AMOUNT,ENTRYDESCRIPTION", f"RECORDKEY = {key}")
    assert sorted(lines, key=lambda line: line["ENTRYDESCRIPTION"]) == [
        {"ACCOUNTNO": account, "AMOUNT": "10.50", "ENTRYDESCRIPTION": "first"},
        {"ACCOUNTNO": account, "AMOUNT": "4.25", "ENTRYDESCRIPTION": "second"},
    ]
    bill = ask(
        post,
        '<get_list object="bill"><filter><expression><field>billno</field><operator>=</operator>'
        f"<value>{billno}</value></expression></filter></get_list>",
    ).find("data/bill")
    assert bill is not None and bill.findtext("key") == key
    assert bill.findtext("datedue/day") == "30"
    items = bill.findall("billitems/lineitem")
    assert len(items) == 2 and all(in_dtd_order(tags(i), LINEITEM) for i in items)
    assert [i.findtext("memo") for i in items] == ["first", "second"]


def test_update_bill_replaces_its_lines(post: Post) -> None:
    vendor = _some(post, "vendor", "vendorid")
    account = _some(post, "glaccount", "glaccountno")
    key = ask(
        post,
        f"<create_bill><vendorid>{vendor}</vendorid><datecreated>{_DATE.format('03')}"
        f"</datecreated><datedue>{_DATE.format('31')}</datedue><billno>DTD-U{next(_numbers)}"
        f"</billno><billitems>{_line(account, '1.00', 'old')}</billitems></create_bill>",
    ).findtext("key")
    ask(
        post,
        f'<update_bill key="{key}"><description>changed</description><updatebillitems>'
        f"{_line(account, '2.00', 'new')}</updatebillitems></update_bill>",
    )
    lines = rows(post, "APBILLITEM", "ENTRYDESCRIPTION", f"RECORDKEY = {key}")
    assert lines == [{"ENTRYDESCRIPTION": "new"}]


def test_create_invoice_takes_invoiceitems(post: Post) -> None:
    customer = _some(post, "customer", "customerid")
    account = _some(post, "glaccount", "glaccountno")
    key = ask(
        post,
        f"<create_invoice><customerid>{customer}</customerid><datecreated>"
        f"{_DATE.format('04')}</datecreated><datedue>{_DATE.format('28')}</datedue>"
        f"<invoiceno>DTD-I{next(_numbers)}</invoiceno><invoiceitems>"
        f"{_line(account, '99.00', 'service')}</invoiceitems></create_invoice>",
    ).findtext("key")
    lines = rows(post, "ARINVOICEITEM", "ACCOUNTNO,AMOUNT", f"RECORDKEY = {key}")
    assert lines == [{"ACCOUNTNO": account, "AMOUNT": "99.00"}]


def test_an_element_outside_the_dtd_is_refused(post: Post) -> None:
    _, root = post(
        envelope(
            "<create_contact><contactname>DTD-C3</contactname><printas>C3</printas>"
            "<mailaddress><planet>Mars</planet></mailaddress></create_contact>"
        )
    )
    assert root is not None
    assert root.findtext("operation/result/status") == "failure"
    assert "planet" in etree.tostring(root.find("operation/result/errormessage")).decode()


def _period(tag: str, year: str, month: str, day: str) -> str:
    return f"<{tag}><year>{year}</year><month>{month}</month><day>{day}</day></{tag}>"


@pytest.mark.parametrize(
    ("function", "row", "declared", "required"),
    [
        ("get_trialbalance", "trialbalance", TRIALBALANCE, 5),
        ("get_accountbalances", "accountbalance", ACCOUNTBALANCE, 9),
    ],
)
def test_balance_rows_follow_the_dtd(
    post: Post, function: str, row: str, declared: str, required: int
) -> None:
    result = ask(
        post,
        f"<{function}>{_period('startdate', '2000', '01', '01')}"
        f"{_period('enddate', '2099', '12', '31')}</{function}>",
    )
    rows = result.findall(f"data/{row}")
    assert rows
    for found in rows:
        assert tags(found)[:required] == declared.split()[:required]
        assert in_dtd_order(tags(found), declared)


def test_trialbalance_takes_a_reporting_period_name(post: Post) -> None:
    name = _some(post, "reportingperiod", "name")
    result = ask(
        post,
        f"<get_trialbalance><reportingperiodname>{name}</reportingperiodname></get_trialbalance>",
    )
    assert result.find("data") is not None
