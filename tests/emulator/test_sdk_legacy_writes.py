"""Legacy (2.1) document functions written the way Sage's JS SDK writes them, which
production accepts (tests/thirdparty drives the SDK itself; these hold the same facts
without node)."""

from __future__ import annotations

from lxml import etree

from .conftest import envelope
from .test_sdk_writes import (
    Post,
    _day,
    _document,
    _first,
    _legacy_key,
    _lines,
    _ok,
    _read,
    _result,
)


def test_an_expense_report_and_its_expense_lines(post: Post) -> None:
    employee, account = (
        _first(post, "EMPLOYEE", "EMPLOYEEID"),
        _first(post, "GLACCOUNT", "ACCOUNTNO"),
    )
    body = (
        f"<create_expensereport><employeeid>{employee}</employeeid>"
        f"{_day('datecreated', '2026-03-13')}<expensereportno>ER-1</expensereportno>"
        "<description>trip</description><expenses><expense>"
        f"<glaccountno>{account}</glaccountno><amount>31.50</amount>"
        f"{_day('expensedate', '2026-03-12')}<memo>taxi</memo><paidfor>ride</paidfor>"
        "</expense></expenses></create_expensereport>"
    )
    key = _legacy_key(_result(post, body))
    row = _read(post, "EEXPENSES", key, "RECORDID,EMPLOYEEID,WHENPOSTED")
    assert row == {"RECORDID": "ER-1", "EMPLOYEEID": employee, "WHENPOSTED": "03/13/2026"}
    lines = _lines(
        post, "EEXPENSESITEM", "RECORDKEY", key, "ENTRY_DATE,AMOUNT,DESCRIPTION,DESCRIPTION2"
    )
    assert lines == [
        {
            "ENTRY_DATE": "03/12/2026",
            "AMOUNT": "31.50",
            "DESCRIPTION": "taxi",
            "DESCRIPTION2": "ride",
        }
    ]
    _ok(post, f'<delete_expensereport key="{key}"/>')


def test_an_expense_adjustment_and_its_lines(post: Post) -> None:
    employee, account = (
        _first(post, "EMPLOYEE", "EMPLOYEEID"),
        _first(post, "GLACCOUNT", "ACCOUNTNO"),
    )
    body = (
        f"<create_expenseadjustmentreport><employeeid>{employee}</employeeid>"
        f"{_day('datecreated', '2026-03-14')}<adjustmentno>EA-1</adjustmentno>"
        "<expenseadjustments><expenseadjustment>"
        f"<glaccountno>{account}</glaccountno><amount>-4</amount>"
        f"{_day('expensedate', '2026-03-14')}<memo>refund</memo>"
        "</expenseadjustment></expenseadjustments></create_expenseadjustmentreport>"
    )
    key = _legacy_key(_result(post, body))
    assert _read(post, "EXPENSEADJUSTMENTS", key, "RECORDID") == {"RECORDID": "EA-1"}
    lines = _lines(post, "EXPENSEADJUSTMENTSITEM", "RECORDKEY", key, "AMOUNT,DESCRIPTION")
    assert lines == [{"AMOUNT": "-4", "DESCRIPTION": "refund"}]


def test_an_order_entry_transaction_is_known_by_definition_and_number(post: Post) -> None:
    definition, customer = (
        _first(post, "SODOCUMENTPARAMS", "DOCID"),
        _first(post, "CUSTOMER", "CUSTOMERID"),
    )
    item = _first(post, "ITEM", "ITEMID")
    body = (
        f"<create_sotransaction><transactiontype>{definition}</transactiontype>"
        f"{_day('datecreated', '2026-03-16')}<customerid>{customer}</customerid>"
        "<documentno>SO-9</documentno><referenceno>PO-77</referenceno>"
        "<shipto><contactname>Dock</contactname></shipto><sotransitems><sotransitem>"
        f"<itemid>{item}</itemid><quantity>3</quantity><price>9.5</price><memo>three</memo>"
        "</sotransitem></sotransitems></create_sotransaction>"
    )
    key = _legacy_key(_result(post, body))
    assert key == f"{definition}-SO-9"
    row = _document(post, "SODOCUMENT", key, "RECORDNO,PONUMBER,SHIPTO.CONTACTNAME")
    assert row["PONUMBER"] == "PO-77"
    assert row["SHIPTO.CONTACTNAME"] == "Dock"
    lines = _lines(post, "SODOCUMENTENTRY", "DOCHDRNO", row["RECORDNO"], "ITEMID,QUANTITY,MEMO")
    assert lines == [{"ITEMID": item, "QUANTITY": "3", "MEMO": "three"}]
    _ok(
        post,
        f'<update_sotransaction key="{key}"><message>later</message></update_sotransaction>',
    )
    _ok(post, f'<delete_sotransaction key="{key}"/>')


def test_a_purchasing_transaction_with_its_pay_to_and_return_to(post: Post) -> None:
    definition, vendor = (
        _first(post, "PODOCUMENTPARAMS", "DOCID"),
        _first(post, "VENDOR", "VENDORID"),
    )
    item, contact = _first(post, "ITEM", "ITEMID"), _first(post, "CONTACT", "CONTACTNAME")
    body = (
        f"<create_potransaction><transactiontype>{definition}</transactiontype>"
        f"{_day('datecreated', '2026-03-17')}<vendorid>{vendor}</vendorid>"
        "<documentno>PO-9</documentno><vendordocno>INV-88</vendordocno>"
        f"<returnto><contactname>{contact}</contactname></returnto>"
        f"<payto><contactname>{contact}</contactname></payto><potransitems><potransitem>"
        f"<itemid>{item}</itemid><quantity>2</quantity><memo>two</memo>"
        "</potransitem></potransitems></create_potransaction>"
    )
    key = _legacy_key(_result(post, body))
    assert key == f"{definition}-PO-9"
    row = _document(post, "PODOCUMENT", key, "RECORDNO,VENDORDOCNO,PAYTO.CONTACTNAME")
    assert (row["VENDORDOCNO"], row["PAYTO.CONTACTNAME"]) == ("INV-88", contact)
    lines = _lines(post, "PODOCUMENTENTRY", "DOCHDRNO", row["RECORDNO"], "ITEMID,MEMO")
    assert lines == [{"ITEMID": item, "MEMO": "two"}]
    _ok(post, f'<delete_potransaction key="{key}"/>')


def test_an_inventory_transaction_keeps_its_document_number(post: Post) -> None:
    definition, item = _first(post, "INVDOCUMENTPARAMS", "DOCID"), _first(post, "ITEM", "ITEMID")
    warehouse = _first(post, "WAREHOUSE", "WAREHOUSEID")
    body = (
        f"<create_ictransaction><transactiontype>{definition}</transactiontype>"
        f"{_day('datecreated', '2026-03-18')}<documentno>IC-9</documentno>"
        "<ictransitems><ictransitem>"
        f"<itemid>{item}</itemid><warehouseid>{warehouse}</warehouseid><quantity>5</quantity>"
        "<locationid></locationid></ictransitem></ictransitems></create_ictransaction>"
    )
    key = _legacy_key(_result(post, body))
    assert key == f"{definition}-IC-9"
    document = _document(post, "INVDOCUMENT", key, "RECORDNO,DOCNO")
    assert document["DOCNO"] == "IC-9"
    recordno = document["RECORDNO"]
    lines = _lines(post, "INVDOCUMENTENTRY", "DOCHDRNO", recordno, "ITEMID,WAREHOUSEID,QUANTITY")
    assert lines == [{"ITEMID": item, "WAREHOUSEID": warehouse, "QUANTITY": "5"}]
    _ok(post, f'<delete_ictransaction key="{key}"/>')


def test_an_ar_payment_applies_each_arpaymentitem(post: Post) -> None:
    customer, bank = (
        _first(post, "CUSTOMER", "CUSTOMERID"),
        _first(post, "CHECKINGACCOUNT", "BANKACCOUNTID"),
    )
    invoice = _first(post, "ARINVOICE", "RECORDNO")
    items = "".join(
        f"<arpaymentitem><invoicekey>{invoice}</invoicekey><amount>{amount}</amount>"
        "</arpaymentitem>"
        for amount in ("1.00", "2.00")
    )
    body = (
        f"<create_arpayment><customerid>{customer}</customerid><paymentamount>3</paymentamount>"
        f"<bankaccountid>{bank}</bankaccountid><refid>RC-9</refid>"
        f"{_day('datereceived', '2026-03-20')}<paymentmethod>Printed Check</paymentmethod>"
        f"{items}</create_arpayment>"
    )
    key = _legacy_key(_result(post, body))
    row = _read(post, "ARPYMT", key, "DOCNUMBER,FINANCIALENTITY,RECEIPTDATE")
    assert row == {"DOCNUMBER": "RC-9", "FINANCIALENTITY": bank, "RECEIPTDATE": "03/20/2026"}
    lines = _lines(post, "ARPYMTDETAIL", "PAYMENTKEY", key, "RECORDKEY,TRX_PAYMENTAMOUNT")
    assert sorted(lines, key=lambda line: line["TRX_PAYMENTAMOUNT"]) == [
        {"RECORDKEY": invoice, "TRX_PAYMENTAMOUNT": amount} for amount in ("1.00", "2.00")
    ]


def test_get_list_of_ar_payments_still_answers_their_fields(post: Post) -> None:
    _, root = post(envelope('<get_list object="arpayment" maxitems="1"/>', dtd="2.1"))
    assert root is not None
    record = root.find("operation/result/data/arpayment")
    assert record is not None, etree.tostring(root)
    assert record.findtext("customerid")


def test_an_attachment_is_created_updated_by_its_id_and_deleted(post: Post) -> None:
    folder = _first(post, "SUPDOCFOLDER", "NAME")
    body = (
        "<create_supdoc><supdocid>AT-9</supdocid><supdocname>Receipts</supdocname>"
        f"<supdocfoldername>{folder}</supdocfoldername><supdocdescription>one</supdocdescription>"
        "<attachments><attachment><attachmentname>r1</attachmentname>"
        "<attachmenttype>pdf</attachmenttype><attachmentdata>JVBERi0=</attachmentdata>"
        "</attachment></attachments></create_supdoc>"
    )
    assert _legacy_key(_result(post, body)) == "AT-9"
    update = "<update_supdoc><supdocid>AT-9</supdocid><supdocdescription>two</supdocdescription>"
    _ok(post, update + "</update_supdoc>")
    _, root = post(envelope('<get_list object="supdoc" maxitems="100"/>', dtd="2.1"))
    assert root is not None
    found = [
        r for r in root.iterfind("operation/result/data/supdoc") if r.findtext("supdocid") == "AT-9"
    ]
    assert [(r.findtext("folder"), r.findtext("description")) for r in found] == [(folder, "two")]
    _ok(post, '<delete_supdoc key="AT-9"/>')


def test_a_reimbursement_request_as_the_sdk_writes_it(post: Post) -> None:
    bank, employee = (
        _first(post, "CHECKINGACCOUNT", "BANKACCOUNTID"),
        _first(post, "EMPLOYEE", "EMPLOYEEID"),
    )
    report = _first(post, "EEXPENSES", "RECORDNO")
    body = (
        f"<create_reimbursementrequest><bankaccountid>{bank}</bankaccountid>"
        f"<employeeid>{employee}</employeeid><memo>m</memo>"
        f"<paymentmethod>Printed Check</paymentmethod>{_day('paymentdate', '2026-03-22')}"
        f"<eppaymentrequestitems><eppaymentrequestitem><key>{report}</key>"
        "<paymentamount>1</paymentamount></eppaymentrequestitem></eppaymentrequestitems>"
        "<documentnumber>RR-9</documentnumber><paymentdescription>m</paymentdescription>"
        "</create_reimbursementrequest>"
    )
    key = _legacy_key(_result(post, body))
    row = _read(post, "EPPAYMENTREQUEST", key, "RECORDID,FINANCIALENTITY,PAYMENTDATE")
    assert row == {"RECORDID": "RR-9", "FINANCIALENTITY": bank, "PAYMENTDATE": "03/22/2026"}
