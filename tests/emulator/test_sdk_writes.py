"""Creates written the way Sage's SDKs write them, which production accepts: the display
contact, task id and base amount left for Intacct to fill in, empty relationship
containers. (tests/thirdparty drives the SDK itself; these hold the same facts without
node.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from lxml import etree

from intacct.emulator.store import RESTRICTED_USER

from .conftest import envelope

Post = Callable[..., tuple[httpx.Response, etree._Element | None]]


def _result(post: Post, body: str, **auth: str) -> etree._Element:
    """The one function's result element."""
    _, root = post(envelope(body, **auth))
    assert root is not None
    result = root.find("operation/result")
    assert result is not None, etree.tostring(root)
    return result


def _create(post: Post, record: str) -> etree._Element:
    return _result(post, f"<create>{record}</create>")


def _read(post: Post, obj: str, recordno: str, fields: str) -> dict[str, Any]:
    body = f"<read><object>{obj}</object><keys>{recordno}</keys><fields>{fields}</fields></read>"
    _, root = post(envelope(body))
    assert root is not None
    record = root.find(f"operation/result/data/{obj}")
    assert record is not None, etree.tostring(root)
    return {child.tag: child.text or "" for child in record}


def _succeeded(result: etree._Element) -> etree._Element:
    """``result``, which must be a success."""
    assert result.findtext("status") == "success", etree.tostring(result)
    return result


def _ok(post: Post, body: str) -> etree._Element:
    """The one function's result, which must be a success."""
    return _succeeded(_result(post, body))


def _made(result: etree._Element, obj: str) -> str:
    return _succeeded(result).findtext(f"data/{obj.lower()}/RECORDNO") or ""


def test_a_vendor_without_its_display_contact_name_gets_name_and_id(post: Post) -> None:
    made = _made(
        _create(post, "<VENDOR><VENDORID>SDKW-V1</VENDORID><NAME>Acme Tools</NAME></VENDOR>"),
        "VENDOR",
    )
    row = _read(
        post,
        "VENDOR",
        made,
        "DISPLAYCONTACT.CONTACTNAME,CONTACTINFO.CONTACTNAME,PAYTO.CONTACTNAME,RETURNTO.CONTACTNAME",
    )
    # "If blank system will use DISPLAYCONTACT" for the primary, pay-to and return-to
    assert {row[f"{r}.CONTACTNAME"] for r in ("CONTACTINFO", "PAYTO", "RETURNTO")} == {
        "Acme Tools(VSDKW-V1)"
    }
    assert row["DISPLAYCONTACT.CONTACTNAME"] == "Acme Tools(VSDKW-V1)"  # [NAME](V[VENDORID])


def _project(post: Post) -> str:
    _, root = post(
        envelope(
            "<readByQuery><object>PROJECT</object><fields>PROJECTID</fields>"
            "<query></query><pagesize>1</pagesize></readByQuery>"
        )
    )
    assert root is not None
    return root.findtext("operation/result/data/project/PROJECTID") or ""


def _task(post: Post, project: str, taskid: str = "") -> str:
    given = f"<TASKID>{taskid}</TASKID>" if taskid else ""
    record = f"<TASK>{given}<NAME>SDK task</NAME><PROJECTID>{project}</PROJECTID></TASK>"
    return _made(_create(post, record), "TASK")


def test_a_task_without_an_id_is_numbered(post: Post) -> None:
    made = _task(post, _project(post))
    assert _read(post, "TASK", made, "TASKID")["TASKID"] == made


def test_task_numbering_skips_an_id_typed_by_hand(post: Post) -> None:
    project = _project(post)
    first = int(_task(post, project))
    _task(post, project, str(first + 2))  # the number the next unnamed task would get
    third = _task(post, project)
    assert int(third) == first + 2
    assert _read(post, "TASK", third, "TASKID")["TASKID"] == str(first + 3)


def test_journal_lines_with_trx_amount_and_tr_type(post: Post) -> None:
    _, root = post(
        envelope(
            "<readByQuery><object>GLACCOUNT</object><fields>ACCOUNTNO</fields>"
            "<query></query><pagesize>2</pagesize></readByQuery>"
        )
    )
    assert root is not None
    first, second = (e.text for e in root.iterfind("operation/result/data/glaccount/ACCOUNTNO"))
    _, journals = post(
        envelope(
            "<readByQuery><object>GLJOURNAL</object><fields>SYMBOL</fields>"
            "<query></query><pagesize>1</pagesize></readByQuery>"
        )
    )
    assert journals is not None
    symbol = journals.findtext("operation/result/data/gljournal/SYMBOL")
    lines = "".join(
        f"<GLENTRY><ACCOUNTNO>{account}</ACCOUNTNO><TR_TYPE>{tr_type}</TR_TYPE>"
        "<TRX_AMOUNT>125.50</TRX_AMOUNT></GLENTRY>"
        for account, tr_type in ((first, 1), (second, -1))
    )
    batch = (
        f"<GLBATCH><JOURNAL>{symbol}</JOURNAL><BATCH_DATE>06/30/2026</BATCH_DATE>"
        f"<BATCH_TITLE>SDK entry</BATCH_TITLE><ENTRIES>{lines}</ENTRIES></GLBATCH>"
    )
    made = _made(_create(post, batch), "GLBATCH")
    query = (
        "<readByQuery><object>GLENTRY</object><fields>AMOUNT,TRX_AMOUNT,TR_TYPE</fields>"
        f"<query>BATCHKEY = {made}</query><pagesize>10</pagesize></readByQuery>"
    )
    _, entries = post(envelope(query))
    assert entries is not None
    amounts = [e.findtext("AMOUNT") for e in entries.iterfind("operation/result/data/glentry")]
    assert amounts == ["125.50", "125.50"]  # the base amount Intacct derives


def test_an_empty_relationship_container_is_taken(post: Post) -> None:
    result = _create(
        post, "<WAREHOUSE><WAREHOUSEID>SDKW-W1</WAREHOUSEID><NAME>W</NAME><LOC/></WAREHOUSE>"
    )
    _made(result, "WAREHOUSE")
    commented = "<LOC><!-- none --></LOC><CONTACTINFO><!-- x --><PRINTAS>W</PRINTAS>"
    result = _create(
        post,
        f"<WAREHOUSE><WAREHOUSEID>SDKW-W3</WAREHOUSEID><NAME>W</NAME>{commented}"
        "</CONTACTINFO></WAREHOUSE>",
    )
    _made(result, "WAREHOUSE")
    refused = _create(
        post, "<WAREHOUSE><WAREHOUSEID>SDKW-W2</WAREHOUSEID><NAME>W</NAME><NOPE/></WAREHOUSE>"
    )
    assert refused.findtext("status") == "failure"
    assert "NOPE" in etree.tostring(refused).decode()


def _query(post: Post, obj: str, fields: str, query: str, size: int) -> list[dict[str, str]]:
    """readByQuery's records of ``obj`` (at most ``size``), each field's text."""
    body = (
        f"<readByQuery><object>{obj}</object><fields>{fields}</fields>"
        f"<query>{query}</query><pagesize>{size}</pagesize></readByQuery>"
    )
    _, root = post(envelope(body))
    assert root is not None
    return [
        {child.tag: child.text or "" for child in row}
        for row in root.iterfind(f"operation/result/data/{obj.lower()}")
    ]


def _first(post: Post, obj: str, field: str) -> str:
    found = _query(post, obj, field, "", 1)
    return found[0].get(field, "") if found else ""


def _lines(
    post: Post, obj: str, parent_key: str, recordno: str, fields: str
) -> list[dict[str, str]]:
    return _query(post, obj, fields, f"{parent_key} = {recordno}", 10)


def _document(post: Post, obj: str, docid: str, fields: str) -> dict[str, str]:
    """The transaction document (SODOCUMENT...) known by ``docid``."""
    found = _query(post, obj, fields, f"DOCID = '{docid}'", 10)
    assert len(found) == 1, found
    return found[0]


def _legacy_key(result: etree._Element) -> str:
    return _succeeded(result).findtext("key") or ""


def _day(tag: str, day: str) -> str:
    year, month, dd = day.split("-")
    return f"<{tag}><year>{year}</year><month>{month}</month><day>{dd}</day></{tag}>"


def test_record_otherreceipt_as_other_receipt_create_writes_it(post: Post) -> None:
    bank, account = (
        _first(post, "CHECKINGACCOUNT", "BANKACCOUNTID"),
        _first(post, "GLACCOUNT", "ACCOUNTNO"),
    )
    body = (
        f"<record_otherreceipt>{_day('paymentdate', '2026-03-09')}<payee>SDK payer</payee>"
        f"{_day('receiveddate', '2026-03-08')}<paymentmethod>Cash</paymentmethod>"
        f"<bankaccountid>{bank}</bankaccountid>{_day('depositdate', '2026-03-10')}"
        "<refid>R-1</refid><description>SDK receipt</description><receiptitems><lineitem>"
        f"<glaccountno>{account}</glaccountno><amount>42</amount><memo>one</memo>"
        "</lineitem></receiptitems></record_otherreceipt>"
    )
    _, root = post(envelope(body))
    assert root is not None
    key = _legacy_key(root.find("operation/result"))  # type: ignore[arg-type]
    row = _read(post, "OTHERRECEIPTS", key, "PAYER,FINANCIALENTITY,RECEIPTDATE,DOCNUMBER")
    assert row == {
        "PAYER": "SDK payer",
        "FINANCIALENTITY": bank,
        "RECEIPTDATE": "03/08/2026",
        "DOCNUMBER": "R-1",
    }
    lines = _lines(post, "OTHERRECEIPTSENTRY", "RECORDKEY", key, "ACCOUNTNO,AMOUNT")
    assert lines == [{"ACCOUNTNO": account, "AMOUNT": "42"}]


def _folder(post: Post, name: str) -> etree._Element | None:
    listed = _ok(
        post,
        '<get_list object="supdocfolder"><filter><expression><field>name</field>'
        f"<operator>=</operator><value>{name}</value></expression></filter></get_list>",
    )
    return listed.find("data/supdocfolder")


def test_supdocfolder_through_the_2_1_functions_sage_sdks_send(post: Post) -> None:
    # AttachmentsFolderCreate/Update/Delete: elements per intacct_co_functions.v2.1.dtd:306
    _ok(
        post,
        "<create_supdocfolder><supdocfoldername>SDKW folder</supdocfoldername>"
        "<supdocfolderdescription>first</supdocfolderdescription></create_supdocfolder>",
    )
    folder = _folder(post, "SDKW folder")
    assert folder is not None
    # answered as intacct_response_objects.v2.1.dtd:132 supdocfolder, not the request's names
    assert [str(c.tag) for c in folder][:2] == ["name", "description"]
    assert folder.findtext("description") == "first"
    assert folder.find("supdocfoldername") is None
    _ok(
        post,
        "<update_supdocfolder><supdocfoldername>SDKW folder</supdocfoldername>"
        "<supdocfolderdescription>second</supdocfolderdescription></update_supdocfolder>",
    )
    folder = _folder(post, "SDKW folder")
    assert folder is not None and folder.findtext("description") == "second"
    _ok(post, '<delete_supdocfolder key="SDKW folder"/>')
    assert _folder(post, "SDKW folder") is None


def test_record_cctransaction_lines_are_ccpayitems(post: Post) -> None:
    card, account = _first(post, "CREDITCARD", "CARDID"), _first(post, "GLACCOUNT", "ACCOUNTNO")
    body = (
        f"<record_cctransaction><chargecardid>{card}</chargecardid>"
        f"{_day('paymentdate', '2026-03-11')}<referenceno>CC-1</referenceno>"
        "<payee>Diner</payee><ccpayitems><ccpayitem>"
        f"<glaccountno>{account}</glaccountno><description>lunch</description>"
        "<paymentamount>18.25</paymentamount></ccpayitem></ccpayitems></record_cctransaction>"
    )
    _, root = post(envelope(body))
    assert root is not None
    key = _legacy_key(root.find("operation/result"))  # type: ignore[arg-type]
    row = _read(post, "CCTRANSACTION", key, "FINANCIALENTITY,REFERENCENO,PAYEE")
    assert row == {"FINANCIALENTITY": card, "REFERENCENO": "CC-1", "PAYEE": "Diner"}
    lines = _lines(post, "CCTRANSACTIONENTRY", "RECORDKEY", key, "AMOUNT,ENTRYDESCRIPTION")
    assert lines == [{"AMOUNT": "18.25", "ENTRYDESCRIPTION": "lunch"}]
    update = f'<update_cctransaction key="{key}"><payee>Cafe</payee></update_cctransaction>'
    _ok(post, update)
    assert _read(post, "CCTRANSACTION", key, "PAYEE") == {"PAYEE": "Cafe"}


def test_record_deposit_takes_its_receipt_keys(post: Post) -> None:
    bank, receipt = (
        _first(post, "CHECKINGACCOUNT", "BANKACCOUNTID"),
        _first(post, "OTHERRECEIPTS", "RECORDNO"),
    )
    body = (
        f"<record_deposit><bankaccountid>{bank}</bankaccountid>"
        f"{_day('depositdate', '2026-03-12')}<depositid>DS-1</depositid>"
        f"<receiptkeys><receiptkey>{receipt}</receiptkey></receiptkeys>"
        "<description>SDK deposit</description></record_deposit>"
    )
    _, root = post(envelope(body))
    assert root is not None
    key = _legacy_key(root.find("operation/result"))  # type: ignore[arg-type]
    row = _read(post, "DEPOSIT", key, "BANKACCOUNTID,DEPOSITDATE,DEPOSITID")
    assert row == {"BANKACCOUNTID": bank, "DEPOSITDATE": "03/12/2026", "DEPOSITID": "DS-1"}


def test_the_display_contact_intacct_names_is_a_contact_of_its_own(post: Post) -> None:
    record = (
        "<CUSTOMER><CUSTOMERID>SDKW-C1</CUSTOMERID><NAME>Birch Bakery</NAME>"
        "<DISPLAYCONTACT><EMAIL1>hi@birch.example</EMAIL1>"
        "<MAILADDRESS><CITY>Tulsa</CITY></MAILADDRESS></DISPLAYCONTACT></CUSTOMER>"
    )
    made = _made(_create(post, record), "CUSTOMER")
    shown = _read(
        post,
        "CUSTOMER",
        made,
        "DISPLAYCONTACT.CONTACTNAME,DISPLAYCONTACT.PRINTAS,DISPLAYCONTACT.COMPANYNAME,"
        "DISPLAYCONTACTKEY",
    )
    assert shown["DISPLAYCONTACT.CONTACTNAME"] == "Birch Bakery(CSDKW-C1)"  # (C[CUSTOMERID])
    assert shown["DISPLAYCONTACT.PRINTAS"] == shown["DISPLAYCONTACT.COMPANYNAME"] == "Birch Bakery"
    contact = _read(
        post, "CONTACT", shown["DISPLAYCONTACTKEY"], "CONTACTNAME,PRINTAS,EMAIL1,MAILADDRESS.CITY"
    )
    assert contact == {
        "CONTACTNAME": "Birch Bakery(CSDKW-C1)",
        "PRINTAS": "Birch Bakery",
        "EMAIL1": "hi@birch.example",
        "MAILADDRESS.CITY": "Tulsa",
    }
    # "if you update an address in a vendor record, the address will update everywhere"
    _ok(
        post,
        f"<update><CUSTOMER><RECORDNO>{made}</RECORDNO><DISPLAYCONTACT><MAILADDRESS>"
        "<CITY>Omaha</CITY></MAILADDRESS></DISPLAYCONTACT></CUSTOMER></update>",
    )
    moved = _read(post, "CONTACT", shown["DISPLAYCONTACTKEY"], "MAILADDRESS.CITY")
    assert moved == {"MAILADDRESS.CITY": "Omaha"}


@pytest.mark.parametrize(
    ("body", "operation", "obj"),
    [
        ('<get_list object="bill" maxitems="1"/>', "READ", "apbill"),
        ('<get object="vendor" key="V10001"/>', "READ", "vendor"),
        ('<delete_vendor vendorid="V10001"/>', "DELETE", "vendor"),
    ],
)
def test_2_1_functions_refused_in_the_permission_error_s_words(
    post: Post, body: str, operation: str, obj: str
) -> None:
    """The restricted demo user has no AP permission: PL04000005 names the operation."""
    result = _result(post, body, user=RESTRICTED_USER[0], password=RESTRICTED_USER[1])
    assert result.findtext("status") == "failure", etree.tostring(result)
    assert result.findtext("errormessage/error/errorno") == "PL04000005"
    text = result.findtext("errormessage/error/description2") or ""
    assert text.startswith(
        f"You do not have permission for API operation {operation} on objects of type {obj}"
    ), text


def test_a_contract_line_names_its_contract_by_id(post: Post) -> None:
    contract, item = _first(post, "CONTRACT", "CONTRACTID"), _first(post, "ITEM", "ITEMID")
    _, root = post(
        envelope(
            "<readByQuery><object>CONTRACT</object><fields>RECORDNO</fields>"
            f"<query>CONTRACTID = '{contract}'</query></readByQuery>"
        )
    )
    assert root is not None
    owner = root.findtext("operation/result/data/contract/RECORDNO")
    line = (
        f"<CONTRACTDETAIL><CONTRACTID>{contract}</CONTRACTID><ITEMID>{item}</ITEMID>"
        "<BILLINGMETHOD>Fixed price</BILLINGMETHOD></CONTRACTDETAIL>"
    )
    made = _made(_create(post, line), "CONTRACTDETAIL")
    assert _read(post, "CONTRACTDETAIL", made, "CONTRACTKEY") == {"CONTRACTKEY": owner}
    nowhere = line.replace(f">{contract}<", ">NO-SUCH-CONTRACT<")
    assert _create(post, nowhere).findtext("status") == "failure"


def test_a_bank_feed_with_split_dates_in_a_generic_create(post: Post) -> None:
    bank = _first(post, "CHECKINGACCOUNT", "BANKACCOUNTID")
    feed = (
        f"<BANKACCTTXNFEED><FINANCIALENTITY>{bank}</FINANCIALENTITY>"
        f"{_day('FEEDDATE', '2026-03-21')}<FEEDTYPE>xml</FEEDTYPE><BANKACCTTXNRECORDS>"
        f"<BANKACCTTXNRECORD>{_day('POSTINGDATE', '2026-03-20')}"
        "<TRANSACTIONTYPE>deposit</TRANSACTIONTYPE><PAYEE>Payer</PAYEE><AMOUNT>75</AMOUNT>"
        "</BANKACCTTXNRECORD></BANKACCTTXNRECORDS></BANKACCTTXNFEED>"
    )
    made = _made(_create(post, feed), "BANKACCTTXNFEED")
    assert _read(post, "BANKACCTTXNFEED", made, "FEEDDATE") == {"FEEDDATE": "03/21/2026"}
    lines = _lines(post, "BANKACCTTXNRECORD", "FEEDKEY", made, "POSTINGDATE,PAYEE")
    assert lines == [{"POSTINGDATE": "03/20/2026", "PAYEE": "Payer"}]
    bad = feed.replace("<day>21</day>", "<day>32</day>")
    assert "BL03000018" in etree.tostring(_create(post, bad)).decode()
