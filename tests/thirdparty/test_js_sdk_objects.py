"""Every object Sage's JS SDK has Functions classes for (``dist/Functions/<Module>/
<Object>Create.js`` and its Update/Delete), driven unmodified against the emulator:
create → readByQuery → update → readByQuery → delete → readByQuery, through the SDK's own
classes. All objects run in one node process (``objects`` scenario of js/driver.mjs),
each on its own steps, so that one failing object cannot hide another.

Every SDK class that writes an object has a round trip
(:func:`test_every_sdk_object_has_a_round_trip`); :data:`NOT_OBJECTS` says why the others
(lines, legacy batches, jobs) have none of their own.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from intacct import IntacctClient
from intacct.emulator.server import EmulatorServer

from .conftest import js_sdk_missing
from .test_intacct_js_sdk import run_driver

if (missing := js_sdk_missing()) is not None:
    pytest.skip(missing, allow_module_level=True)


@dataclass(frozen=True)
class Case:
    """One object's round trip: SDK class stem, property values, what readByQuery sees."""

    object: str  # catalog object
    sdk: str  # "Company.Class" → ClassCreate / ClassUpdate / ClassDelete
    create: dict[str, Any]
    update: dict[str, Any] | None  # {made.X}: the created record (key or first record)
    delete: dict[str, Any] | None  # None: the SDK has no such class for the object
    where: str  # readByQuery query finding the record
    created: dict[str, str]  # fields read back after create
    updated: dict[str, str] = field(default_factory=dict)  # ... and after update
    label: str = ""  # the case's name where one object has two cases (default: object)

    @property
    def name(self) -> str:
        return self.label or self.object

    def steps(self) -> list[dict[str, Any]]:
        read = {
            "read": self.object,
            "fields": sorted({*self.created, *self.updated}),
            "query": self.where,
        }
        steps: list[dict[str, Any]] = [
            {"call": f"{self.sdk}Create", "set": self.create, "as": "made"},
            read,
        ]
        if self.update is not None:
            steps += [{"call": f"{self.sdk}Update", "set": self.update}, read]
        if self.delete is not None:
            steps += [{"call": f"{self.sdk}Delete", "set": self.delete}, read]
        return steps


def _date(day: str) -> dict[str, str]:
    return {"$date": day}


def _line(sdk: str, **values: Any) -> dict[str, Any]:
    return {"$new": sdk, "set": values}


def cases(refs: dict[str, str]) -> list[Case]:
    """The round trips; ``refs`` holds ids of seeded records the documents point at."""
    vendor, customer, account, project = (
        refs["VENDORID"],
        refs["CUSTOMERID"],
        refs["ACCOUNTNO"],
        refs["PROJECTID"],
    )
    return [
        Case(
            "CLASS",
            "Company.Class",
            {"classId": "JSO-CL", "className": "JS class", "active": True},
            {"classId": "JSO-CL", "className": "JS class 2", "active": False},
            {"classId": "JSO-CL"},
            "CLASSID = 'JSO-CL'",
            {"NAME": "JS class", "STATUS": "active"},
            {"NAME": "JS class 2", "STATUS": "inactive"},
        ),
        Case(
            "CONTACT",
            "Company.Contact",
            {
                "contactName": "JSO contact",
                "printAs": "JSO Contact",
                "firstName": "Jo",
                "primaryEmailAddress": "jo@jso.example",
                "city": "Boise",
            },
            {"contactName": "JSO contact", "printAs": "JSO Contact", "firstName": "Joanna"},
            {"contactName": "JSO contact"},
            "CONTACTNAME = 'JSO contact'",
            {"FIRSTNAME": "Jo", "EMAIL1": "jo@jso.example", "MAILADDRESS.CITY": "Boise"},
            {"FIRSTNAME": "Joanna"},
        ),
        Case(
            "DEPARTMENT",
            "Company.Department",
            {"departmentId": "JSO-D", "departmentName": "JS dept"},
            {"departmentId": "JSO-D", "departmentName": "JS dept 2"},
            {"departmentId": "JSO-D"},
            "DEPARTMENTID = 'JSO-D'",
            {"TITLE": "JS dept"},
            {"TITLE": "JS dept 2"},
        ),
        Case(
            "LOCATION",
            "Company.Location",
            {"locationId": "JSO-L", "locationName": "JS location"},
            {"locationId": "JSO-L", "locationName": "JS location 2"},
            {"locationId": "JSO-L"},
            "LOCATIONID = 'JSO-L'",
            {"NAME": "JS location"},
            {"NAME": "JS location 2"},
        ),
        Case(
            "VENDOR",
            "AccountsPayable.Vendor",
            {
                "vendorId": "JSO-V",
                "vendorName": "JS vendor",
                "primaryEmailAddress": "ap@jso.example",
                "city": "Reno",
            },
            {"vendorId": "JSO-V", "vendorName": "JS vendor 2"},
            {"vendorId": "JSO-V"},
            "VENDORID = 'JSO-V'",
            {
                "NAME": "JS vendor",
                # VendorCreate: "CONTACTNAME is auto created as '[VendorName](V[VendorID])'"
                "DISPLAYCONTACT.CONTACTNAME": "JS vendor(VJSO-V)",
                "DISPLAYCONTACT.EMAIL1": "ap@jso.example",
                "DISPLAYCONTACT.MAILADDRESS.CITY": "Reno",
            },
            {"NAME": "JS vendor 2"},
        ),
        Case(
            "CUSTOMER",
            "AccountsReceivable.Customer",
            {"customerId": "JSO-C", "customerName": "JS customer", "primaryPhoneNo": "555-0101"},
            {"customerId": "JSO-C", "customerName": "JS customer 2"},
            {"customerId": "JSO-C"},
            "CUSTOMERID = 'JSO-C'",
            {
                "NAME": "JS customer",
                "DISPLAYCONTACT.CONTACTNAME": "JS customer(CJSO-C)",
                "DISPLAYCONTACT.PHONE1": "555-0101",
            },
            {"NAME": "JS customer 2"},
        ),
        Case(
            "GLACCOUNT",
            "GeneralLedger.Account",
            {
                "accountNo": "9876",
                "title": "JS account",
                "accountType": "incomestatement",
                "normalBalance": "debit",
            },
            {"accountNo": "9876", "title": "JS account 2"},
            {"accountNo": "9876"},
            "ACCOUNTNO = '9876'",
            {"TITLE": "JS account"},
            {"TITLE": "JS account 2"},
        ),
        Case(
            "STATACCOUNT",
            "GeneralLedger.StatisticalAccount",
            {"accountNo": "99876", "title": "JS stat", "reportType": "forperiod"},
            {"accountNo": "99876", "title": "JS stat 2"},
            {"accountNo": "99876"},
            "ACCOUNTNO = '99876'",
            {"TITLE": "JS stat"},
            {"TITLE": "JS stat 2"},
        ),
        Case(
            "EMPLOYEE",
            "EmployeeExpense.Employee",
            {
                "employeeId": "JSO-E",
                "contactName": "JSO contact E",
                "title": "Clerk",
                "locationId": refs["LOCATIONID"],
            },
            {"employeeId": "JSO-E", "title": "Chief clerk"},
            {"employeeId": "JSO-E"},
            "EMPLOYEEID = 'JSO-E'",
            {"TITLE": "Clerk"},
            {"TITLE": "Chief clerk"},
        ),
        Case(
            "PROJECT",
            "Projects.Project",
            {"projectId": "JSO-P", "projectName": "JS project", "projectCategory": "Contract"},
            {"projectId": "JSO-P", "projectName": "JS project 2"},
            {"projectId": "JSO-P"},
            "PROJECTID = 'JSO-P'",
            {"NAME": "JS project"},
            {"NAME": "JS project 2"},
        ),
        Case(
            "TASK",
            "Projects.Task",
            {"taskName": "JS task", "projectId": project, "description": "first"},
            {"recordNo": "{made.RECORDNO}", "taskName": "JS task", "description": "second"},
            {"recordNo": "{made.RECORDNO}"},
            "RECORDNO = {made.RECORDNO}",
            {"NAME": "JS task", "DESCRIPTION": "first"},
            {"DESCRIPTION": "second"},
        ),
        Case(
            "WAREHOUSE",
            "InventoryControl.Warehouse",
            # no location: WarehouseCreate then sends an empty <LOC/>, which Intacct takes
            {"warehouseId": "JSO-W", "warehouseName": "JS warehouse"},
            {
                "warehouseId": "JSO-W",
                "warehouseName": "JS warehouse 2",
                "locationId": refs["LOCATIONID"],
            },
            {"recordNo": "{made.RECORDNO}"},
            "WAREHOUSEID = 'JSO-W'",
            {"NAME": "JS warehouse"},
            {"NAME": "JS warehouse 2"},
        ),
        Case(
            "ITEM",
            "InventoryControl.Item",
            {"itemId": "JSO-I", "itemName": "JS item", "itemType": "Non-Inventory"},
            {"itemId": "JSO-I", "itemName": "JS item 2"},
            {"itemId": "JSO-I"},
            "ITEMID = 'JSO-I'",
            {"NAME": "JS item"},
            {"NAME": "JS item 2"},
        ),
        Case(
            "APBILL",
            "AccountsPayable.Bill",
            {
                "vendorId": vendor,
                "transactionDate": _date("2026-03-02"),
                "dueDate": _date("2026-04-01"),
                "billNumber": "JSO-B1",
                "description": "from the JS SDK",
                "lines": [
                    _line(
                        "AccountsPayable.BillLineCreate",
                        glAccountNumber=account,
                        transactionAmount=12.5,
                        memo="line one",
                    )
                ],
            },
            {"recordNo": "{made.key}", "description": "changed by the JS SDK"},
            {"recordNo": "{made.key}"},
            "RECORDNO = {made.key}",
            {"RECORDID": "JSO-B1", "DESCRIPTION": "from the JS SDK", "VENDORID": vendor},
            {"DESCRIPTION": "changed by the JS SDK"},
        ),
        Case(
            "ARINVOICE",
            "AccountsReceivable.Invoice",
            {
                "customerId": customer,
                "transactionDate": _date("2026-03-03"),
                "dueDate": _date("2026-04-02"),
                "invoiceNumber": "JSO-I1",
                "description": "from the JS SDK",
                "lines": [
                    _line(
                        "AccountsReceivable.InvoiceLineCreate",
                        glAccountNumber=account,
                        transactionAmount=20,
                        memo="line one",
                    )
                ],
            },
            {"recordNo": "{made.key}", "description": "changed by the JS SDK"},
            {"recordNo": "{made.key}"},
            "RECORDNO = {made.key}",
            {"RECORDID": "JSO-I1", "DESCRIPTION": "from the JS SDK", "CUSTOMERID": customer},
            {"DESCRIPTION": "changed by the JS SDK"},
        ),
        Case(
            "GLBATCH",
            "GeneralLedger.JournalEntry",
            {
                "journalSymbol": refs["SYMBOL"],
                "postingDate": _date("2026-03-05"),
                "description": "JS journal entry",
                "lines": [
                    _line(
                        "GeneralLedger.JournalEntryLineCreate",
                        glAccountNumber=account,
                        transactionAmount=amount,
                        memo=memo,
                    )
                    for amount, memo in ((25, "debit"), (-25, "credit"))
                ],
            },
            None,
            {"recordNo": "{made.RECORDNO}"},
            "RECORDNO = {made.RECORDNO}",
            {"BATCH_TITLE": "JS journal entry", "JOURNAL": refs["SYMBOL"]},
        ),
        Case(
            "GLBATCH",
            "GeneralLedger.StatisticalJournalEntry",
            {
                "journalSymbol": refs["STATSYMBOL"],
                "postingDate": _date("2026-03-31"),
                "description": "JS headcount",
                "lines": [
                    _line(
                        "GeneralLedger.StatisticalJournalEntryLineCreate",
                        statAccountNumber=refs["STATACCOUNTNO"],
                        amount=amount,
                        memo=memo,
                    )
                    for amount, memo in ((3, "hired"), (-1, "left"))
                ],
            },
            None,  # no StatisticalJournalEntryUpdate in the SDK
            {"recordNo": "{made.RECORDNO}"},
            "RECORDNO = {made.RECORDNO}",
            {"BATCH_TITLE": "JS headcount", "JOURNAL": refs["STATSYMBOL"]},
            label="GLBATCH (statistical)",
        ),
        Case(
            "TIMESHEET",
            "Projects.Timesheet",
            {
                "employeeId": refs["EMPLOYEEID"],
                "beginDate": _date("2026-03-02"),
                "description": "JS week",
                "entries": [
                    _line(
                        "Projects.TimesheetEntryCreate",
                        entryDate=_date("2026-03-02"),
                        quantity=8,
                        description="work",
                    )
                ],
            },
            {"recordNo": "{made.RECORDNO}", "description": "JS week 2"},
            {"recordNo": "{made.RECORDNO}"},
            "RECORDNO = {made.RECORDNO}",
            {"DESCRIPTION": "JS week", "EMPLOYEEID": refs["EMPLOYEEID"]},
            {"DESCRIPTION": "JS week 2"},
        ),
        Case(
            "APADJUSTMENT",
            "AccountsPayable.ApAdjustment",
            {
                "vendorId": vendor,
                "transactionDate": _date("2026-03-06"),
                "adjustmentNumber": "JSO-APA",
                "description": "JS AP adjustment",
                "lines": [
                    _line(
                        "AccountsPayable.ApAdjustmentLineCreate",
                        glAccountNumber=account,
                        transactionAmount=-5,
                    )
                ],
            },
            None,
            {"recordNo": "{made.key}"},
            "RECORDNO = {made.key}",
            {"RECORDID": "JSO-APA", "VENDORID": vendor},
        ),
        Case(
            "ARADJUSTMENT",
            "AccountsReceivable.ArAdjustment",
            {
                "customerId": customer,
                "transactionDate": _date("2026-03-06"),
                "adjustmentNumber": "JSO-ARA",
                "description": "JS AR adjustment",
                "lines": [
                    _line(
                        "AccountsReceivable.ArAdjustmentLineCreate",
                        glAccountNumber=account,
                        transactionAmount=-5,
                    )
                ],
            },
            None,
            {"recordNo": "{made.key}"},
            "RECORDNO = {made.key}",
            {"RECORDID": "JSO-ARA", "CUSTOMERID": customer},
        ),
        Case(
            "ALLOCATION",
            "Company.Allocation",
            {"allocationId": "JSO-AL", "allocationBy": "Percentage", "description": "JS"},
            {"allocationId": "JSO-AL", "allocationBy": "Percentage", "description": "JS 2"},
            {"allocationId": "JSO-AL"},
            "ALLOCATIONID = 'JSO-AL'",
            {"DESCRIPTION": "JS"},
            {"DESCRIPTION": "JS 2"},
        ),
        Case(
            "SUPDOCFOLDER",
            "Company.AttachmentsFolder",
            {"folderName": "JSO folder", "description": "JS"},
            {"folderName": "JSO folder", "description": "JS 2"},
            {"folderName": "JSO folder"},
            "NAME = 'JSO folder'",
            {"DESCRIPTION": "JS"},
            {"DESCRIPTION": "JS 2"},
        ),
        Case(
            "CONTRACT",
            "ContractsRevMgmt.Contract",
            {
                "contractId": "JSO-K",
                "customerId": customer,
                "contractName": "JS contract",
                "beginDate": _date("2026-01-01"),
                "endDate": _date("2026-12-31"),
            },
            {"recordNo": "{made.RECORDNO}", "contractId": "JSO-K", "contractName": "JS 2"},
            {"recordNo": "{made.RECORDNO}"},
            "CONTRACTID = 'JSO-K'",
            {"NAME": "JS contract", "CUSTOMERID": customer},
            {"NAME": "JS 2"},
        ),
        Case(
            "USERINFO",
            "Company.User",
            {
                "userId": "jso_user",
                "userName": "JS user",
                "userType": "business user",
                "contactName": "JSO contact",
            },
            {"userId": "jso_user", "userName": "JS user 2"},
            None,
            "LOGINID = 'jso_user'",
            {"DESCRIPTION": "JS user"},
            {"DESCRIPTION": "JS user 2"},
        ),
        Case(
            "OTHERRECEIPTS",
            "CashManagement.OtherReceipt",
            {
                "transactionDate": _date("2026-03-09"),
                "payer": "JS payer",
                "receiptDate": _date("2026-03-09"),
                "paymentMethod": "Cash",
                "bankAccountId": refs["BANKACCOUNTID"],
                "depositDate": _date("2026-03-10"),
                "description": "JS other receipt",
                "lines": [
                    _line(
                        "CashManagement.OtherReceiptLineCreate",
                        glAccountNumber=account,
                        transactionAmount=42,
                        memo="line one",
                    )
                ],
            },
            None,  # the SDK has OtherReceiptCreate only
            None,
            "RECORDNO = {made.key}",
            {
                "PAYER": "JS payer",
                "DESCRIPTION": "JS other receipt",
                "FINANCIALENTITY": refs["BANKACCOUNTID"],
            },
        ),
        Case(
            "CCTRANSACTION",
            "CashManagement.ChargeCardTransaction",
            {
                "chargeCardId": refs["CARDID"],
                "transactionDate": _date("2026-03-11"),
                "referenceNumber": "JSO-CC1",
                "payee": "JS diner",
                "description": "JS card charge",
                "lines": [
                    _line(
                        "CashManagement.ChargeCardTransactionLineCreate",
                        glAccountNumber=account,
                        transactionAmount=18.25,
                        memo="lunch",
                    )
                ],
            },
            {"recordNo": "{made.key}", "description": "JS card charge 2"},
            None,  # ChargeCardTransactionReverse, no delete class
            "RECORDNO = {made.key}",
            {
                "REFERENCENO": "JSO-CC1",
                "PAYEE": "JS diner",
                "DESCRIPTION": "JS card charge",
                "FINANCIALENTITY": refs["CARDID"],
            },
            {"DESCRIPTION": "JS card charge 2"},
        ),
        Case(
            "DEPOSIT",
            "CashManagement.Deposit",
            {
                "bankAccountId": refs["BANKACCOUNTID"],
                "depositDate": _date("2026-03-12"),
                "depositSlipId": "JSO-DS1",
                "transactionKeysToDeposit": [refs["RECEIPTKEY"]],
                "description": "JS deposit",
            },
            None,  # the SDK has DepositCreate only
            None,
            "RECORDNO = {made.key}",
            {
                "DEPOSITID": "JSO-DS1",
                "DESCRIPTION": "JS deposit",
                "BANKACCOUNTID": refs["BANKACCOUNTID"],
            },
        ),
        Case(
            "EEXPENSES",
            "EmployeeExpense.ExpenseReport",
            {
                "employeeId": refs["EMPLOYEEID"],
                "transactionDate": _date("2026-03-13"),
                "expenseReportNumber": "JSO-ER1",
                "reasonForExpense": "JS trip",
                "lines": [
                    _line(
                        "EmployeeExpense.ExpenseReportLineCreate",
                        glAccountNumber=account,
                        reimbursementAmount=31.5,
                        expenseDate=_date("2026-03-12"),
                        paidTo="JS taxi",
                    )
                ],
            },
            None,  # ExpenseReportCreate/Delete/Reverse, no update class
            {"recordNo": "{made.key}"},
            "RECORDNO = {made.key}",
            {"RECORDID": "JSO-ER1", "DESCRIPTION": "JS trip", "EMPLOYEEID": refs["EMPLOYEEID"]},
        ),
        Case(
            "EXPENSEADJUSTMENTS",
            "EmployeeExpense.ExpenseAdjustment",
            {
                "employeeId": refs["EMPLOYEEID"],
                "transactionDate": _date("2026-03-14"),
                "expenseAdjustmentNumber": "JSO-EA1",
                "description": "JS expense adjustment",
                "lines": [
                    _line(
                        "EmployeeExpense.ExpenseAdjustmentLineCreate",
                        glAccountNumber=account,
                        reimbursementAmount=-4,
                        expenseDate=_date("2026-03-14"),
                        memo="refund",
                    )
                ],
            },
            None,  # ExpenseAdjustmentCreate/Delete, no update class
            {"recordNo": "{made.key}"},
            "RECORDNO = {made.key}",
            {"RECORDID": "JSO-EA1", "DESCRIPTION": "JS expense adjustment"},
        ),
        Case(
            "SODOCUMENT",
            "OrderEntry.OrderEntryTransaction",
            {
                "transactionDefinition": refs["SODOCPARID"],
                "transactionDate": _date("2026-03-16"),
                "customerId": customer,
                "documentNumber": "JSO-SO1",
                "referenceNumber": "PO-77",
                "message": "JS order",
                "lines": [
                    _line(
                        "OrderEntry.OrderEntryTransactionLineCreate",
                        itemId=refs["ITEMID"],
                        quantity=3,
                        price=9.5,
                        memo="three",
                    )
                ],
            },
            {"transactionId": "{made.key}", "message": "JS order 2"},
            {"documentId": "{made.key}"},
            "DOCID = '{made.key}'",
            {
                "DOCNO": "JSO-SO1",
                "PONUMBER": "PO-77",
                "MESSAGE": "JS order",
                "CUSTVENDID": customer,
            },
            {"MESSAGE": "JS order 2"},
        ),
        Case(
            "PODOCUMENT",
            "Purchasing.PurchasingTransaction",
            {
                "transactionDefinition": refs["PODOCPARID"],
                "transactionDate": _date("2026-03-17"),
                "vendorId": vendor,
                "documentNumber": "JSO-PO1",
                "vendorDocNumber": "INV-88",
                "returnToContactName": refs["CONTACTNAME"],
                "payToContactName": refs["CONTACTNAME"],
                "message": "JS purchase",
                "lines": [
                    _line(
                        "Purchasing.PurchasingTransactionLineCreate",
                        itemId=refs["ITEMID"],
                        quantity=2,
                        price=12,
                        memo="two",
                    )
                ],
            },
            {"documentNumber": "{made.key}", "message": "JS purchase 2"},
            {"documentId": "{made.key}"},
            "DOCID = '{made.key}'",
            {
                "DOCNO": "JSO-PO1",
                "VENDORDOCNO": "INV-88",
                "MESSAGE": "JS purchase",
                "CUSTVENDID": vendor,
                "PAYTO.CONTACTNAME": refs["CONTACTNAME"],
            },
            {"MESSAGE": "JS purchase 2"},
        ),
        Case(
            "INVDOCUMENT",
            "InventoryControl.InventoryTransaction",
            {
                "transactionDefinition": refs["INVDOCPARID"],
                "transactionDate": _date("2026-03-18"),
                "documentNumber": "JSO-IC1",
                "message": "JS stock",
                "lines": [
                    _line(
                        "InventoryControl.InventoryTransactionLineCreate",
                        itemId=refs["ITEMID"],
                        warehouseId=refs["WAREHOUSEID"],
                        quantity=5,
                        cost=2.5,
                    )
                ],
            },
            None,  # InventoryTransactionCreate/Delete, no update class
            {"documentId": "{made.key}"},
            "DOCID = '{made.key}'",
            {"DOCNO": "JSO-IC1", "MESSAGE": "JS stock", "DOCPARID": refs["INVDOCPARID"]},
        ),
        Case(
            "CONTRACTDETAIL",
            "ContractsRevMgmt.ContractLine",
            {
                "contractId": refs["CONTRACTID"],
                "itemId": refs["ITEMID"],
                "beginDate": _date("2026-01-01"),
                "endDate": _date("2026-12-31"),
                "itemDescription": "JS line",
                "billingMethod": "Fixed price",
                "fixedPriceQuantity": 1,
                "fixedPriceRate": 100,
            },
            {"recordNo": "{made.RECORDNO}", "itemDescription": "JS line 2"},
            {"recordNo": "{made.RECORDNO}"},
            "RECORDNO = {made.RECORDNO}",
            {"ITEMDESC": "JS line", "CONTRACTID": refs["CONTRACTID"], "BEGINDATE": "01/01/2026"},
            {"ITEMDESC": "JS line 2"},
        ),
        Case(
            "APPYMT",
            "AccountsPayable.ApPayment",
            {
                "apPaymentInfo": _line(
                    "AccountsPayable.ApPaymentInfo",
                    paymentMethod="Printed Check",
                    financialEntityId=refs["BANKACCOUNTID"],
                    vendorId=refs["BILLVENDOR"],
                    paymentDate=_date("2026-03-19"),
                    documentNo="JSO-CHK1",
                    memo="JS payment",
                    apPaymentDetails=[
                        _line(
                            "AccountsPayable.ApPaymentDetailBill",
                            info=_line(
                                "AccountsPayable.ApPaymentDetailInfo",
                                recordNo=refs["BILLKEY"],
                                paymentAmount=1,
                            ),
                        )
                    ],
                )
            },
            {
                "apPaymentInfo": _line(
                    "AccountsPayable.ApPaymentInfo",
                    recordNo="{made.RECORDNO}",
                    vendorId=refs["BILLVENDOR"],
                    memo="JS payment 2",
                )
            },
            {"recordNo": "{made.RECORDNO}"},
            "RECORDNO = {made.RECORDNO}",
            {"DESCRIPTION": "JS payment", "DOCNUMBER": "JSO-CHK1", "VENDORID": refs["BILLVENDOR"]},
            {"DESCRIPTION": "JS payment 2"},
        ),
        Case(
            "ARPYMT",
            "AccountsReceivable.ArPayment",
            {
                "customerId": refs["INVOICECUSTOMER"],
                "transactionPaymentAmount": 1,
                "bankAccountId": refs["BANKACCOUNTID"],
                "referenceNumber": "JSO-RC1",
                "receivedDate": _date("2026-03-20"),
                "paymentMethod": "Printed Check",
                "applyToTransactions": [
                    _line(
                        "AccountsReceivable.ArPaymentItem",
                        applyToRecordId=refs["INVOICEKEY"],
                        amountToApply=1,
                    )
                ],
            },
            None,  # ArPaymentCreate/Apply/Reverse, no update or delete class
            None,
            "RECORDNO = {made.key}",
            {
                "DOCNUMBER": "JSO-RC1",
                "CUSTOMERID": refs["INVOICECUSTOMER"],
                "FINANCIALENTITY": refs["BANKACCOUNTID"],
                "RECEIPTDATE": "03/20/2026",
            },
        ),
        Case(
            "SUPDOC",
            "Company.Attachments",
            {
                "attachmentsId": "JSO-AT1",
                "attachmentsName": "JS attachment",
                "attachmentFolderName": refs["FOLDERNAME"],
                "description": "JS",
                "files": [
                    _line(
                        "Company.AttachmentFile",
                        filePath=str(JS_PACKAGE),
                        fileName="package",
                        extension="json",
                    )
                ],
            },
            {"attachmentsId": "JSO-AT1", "description": "JS 2"},
            {"attachmentsId": "JSO-AT1"},
            "SUPDOCID = 'JSO-AT1'",
            {"SUPDOCNAME": "JS attachment", "DESCRIPTION": "JS", "FOLDER": refs["FOLDERNAME"]},
            {"DESCRIPTION": "JS 2"},
        ),
        Case(
            "BANKACCTTXNFEED",
            "CashManagement.BankFeeds",
            {
                "financialEntity": refs["BANKACCOUNTID"],
                "feedDate": _date("2026-03-21"),
                "feedType": "xml",
                "bankAccountTxnRecords": [
                    _line(
                        "CashManagement.BankAccountTransactionRecord",
                        transactionId="JSO-T1",
                        postingDate=_date("2026-03-20"),
                        transactionType="deposit",
                        docType="deposit",
                        docNo="JSO-D1",
                        payee="JS payer",
                        amount=75,
                        description="JS feed line",
                    )
                ],
            },
            None,  # BankFeedsCreate/Delete, no update class
            {"recordNo": "{made.RECORDNO}"},
            "RECORDNO = {made.RECORDNO}",
            {"FINANCIALENTITY": refs["BANKACCOUNTID"], "FEEDDATE": "03/21/2026"},
        ),
        Case(
            "EPPAYMENTREQUEST",
            "EmployeeExpense.ReimbursementRequest",
            {
                "bankAccountId": refs["BANKACCOUNTID"],
                "employeeId": refs["EMPLOYEEID"],
                "memo": "JS reimbursement",
                "paymentMethod": "Printed Check",
                "paymentDate": _date("2026-03-22"),
                "documentNo": "JSO-RR1",
                "applyToTransactions": [
                    _line(
                        "EmployeeExpense.ReimbursementRequestItem",
                        applyToRecordId=refs["EXPENSEKEY"],
                        amountToApply=1,
                    )
                ],
            },
            None,  # ReimbursementRequestCreate only
            None,
            "RECORDNO = {made.key}",
            {
                "RECORDID": "JSO-RR1",
                "EMPLOYEEID": refs["EMPLOYEEID"],
                "PAYMENTDESCRIPTION": "JS reimbursement",
                "PAYMENTDATE": "03/22/2026",
            },
        ),
    ]


#: SDK Create classes that write no object of their own, and what they write instead
NOT_OBJECTS = {
    "Line": "a document's line, written inside its header's case",
    "TimesheetEntry": "a timesheet's line, written inside the TIMESHEET case",
    "TransactionSubtotal": "a transaction's subtotal line, inside its transaction",
    "Summary": "a 2.1 batch (create_*batch): legacy, not an object of query/readByQuery",
    "ArPaymentSummary": "a 2.1 batch (create_arpaymentbatch): legacy, not an object",
    "DdsJob": "a Data Delivery Service job (runDdsJob), not a record",
    "Consolidation": "a consolidation run (consolidate), not a record",
}

#: a file on disk for AttachmentFile to read and send
JS_PACKAGE = Path(__file__).resolve().parent / "js" / "package.json"
REFS = (
    "VENDORID",
    "CUSTOMERID",
    "ACCOUNTNO",
    "PROJECTID",
    "LOCATIONID",
    "EMPLOYEEID",
    "SYMBOL",
    "STATSYMBOL",
    "STATACCOUNTNO",
    "BANKACCOUNTID",
    "CARDID",
    "RECEIPTKEY",
    "ITEMID",
    "SODOCPARID",
    "PODOCPARID",
    "CONTACTNAME",
    "INVDOCPARID",
    "WAREHOUSEID",
    "CONTRACTID",
    "BILLKEY",
    "BILLVENDOR",
    "INVOICEKEY",
    "INVOICECUSTOMER",
    "FOLDERNAME",
    "EXPENSEKEY",
)

#: round trips the emulator refuses where Intacct, by Sage's own SDK, accepts them: a
#: catalog fact is wrong (reported; strict, so the mark goes once the catalog is fixed)
CATALOG_FACTS: dict[str, str] = {
    # a case the emulator refuses although the SDK's request works in production
}


def _first(client: IntacctClient, obj: str, field_name: str) -> str:
    for row in client.iter_read_by_query(obj, fields=[field_name]):
        if row[field_name]:
            return str(row[field_name])
    raise AssertionError(f"the demo company has no {obj} to refer to")


@pytest.fixture(scope="module")
def refs(truth: IntacctClient) -> dict[str, str]:
    return {
        "VENDORID": _first(truth, "VENDOR", "VENDORID"),
        "CUSTOMERID": _first(truth, "CUSTOMER", "CUSTOMERID"),
        "ACCOUNTNO": _first(truth, "GLACCOUNT", "ACCOUNTNO"),
        "PROJECTID": _first(truth, "PROJECT", "PROJECTID"),
        "LOCATIONID": _first(truth, "LOCATION", "LOCATIONID"),
        "EMPLOYEEID": _first(truth, "EMPLOYEE", "EMPLOYEEID"),
        "SYMBOL": _first(truth, "GLJOURNAL", "SYMBOL"),
        "STATSYMBOL": _first(truth, "STATJOURNAL", "SYMBOL"),
        "STATACCOUNTNO": _first(truth, "STATACCOUNT", "ACCOUNTNO"),
        "BANKACCOUNTID": _first(truth, "CHECKINGACCOUNT", "BANKACCOUNTID"),
        "CARDID": _first(truth, "CREDITCARD", "CARDID"),
        "RECEIPTKEY": _first(truth, "OTHERRECEIPTS", "RECORDNO"),
        "ITEMID": _first(truth, "ITEM", "ITEMID"),
        "SODOCPARID": _first(truth, "SODOCUMENTPARAMS", "DOCID"),
        "PODOCPARID": _first(truth, "PODOCUMENTPARAMS", "DOCID"),
        "CONTACTNAME": _first(truth, "CONTACT", "CONTACTNAME"),
        "INVDOCPARID": _first(truth, "INVDOCUMENTPARAMS", "DOCID"),
        "WAREHOUSEID": _first(truth, "WAREHOUSE", "WAREHOUSEID"),
        "CONTRACTID": _first(truth, "CONTRACT", "CONTRACTID"),
        **_open_bill(truth),
        **_open_invoice(truth),
        "FOLDERNAME": _first(truth, "SUPDOCFOLDER", "NAME"),
        "EXPENSEKEY": _first(truth, "EEXPENSES", "RECORDNO"),
    }


def _open_bill(client: IntacctClient) -> dict[str, str]:
    """A bill with something left to pay, and its vendor (what a payment applies to)."""
    fields = ["RECORDNO", "VENDORID", "TOTALDUE"]
    for row in client.iter_read_by_query("APBILL", fields=fields):
        if row["TOTALDUE"] and float(row["TOTALDUE"]) > 1:
            return {"BILLKEY": str(row["RECORDNO"]), "BILLVENDOR": str(row["VENDORID"])}
    raise AssertionError("the demo company has no open bill to pay")


def _open_invoice(client: IntacctClient) -> dict[str, str]:
    """An invoice with something left to pay, and its customer."""
    fields = ["RECORDNO", "CUSTOMERID", "TOTALDUE"]
    for row in client.iter_read_by_query("ARINVOICE", fields=fields):
        if row["TOTALDUE"] and float(row["TOTALDUE"]) > 1:
            return {"INVOICEKEY": str(row["RECORDNO"]), "INVOICECUSTOMER": str(row["CUSTOMERID"])}
    raise AssertionError("the demo company has no open invoice to be paid")


@pytest.fixture(scope="module")
def round_trips(emulator: EmulatorServer, refs: dict[str, str]) -> dict[str, list[Any]]:
    """Every case's steps, all in one node process."""
    node = shutil.which("node") or "node"
    groups = {case.name: case.steps() for case in cases(refs)}
    return dict(run_driver(node, emulator, "objects", groups=groups))


CASE_NAMES = [case.name for case in cases(dict.fromkeys(REFS, ""))]


def _show(step: dict[str, Any]) -> str:
    return f"{step.get('functionName')}: {step.get('status')} {step.get('errors') or ''}"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(reason=CATALOG_FACTS[n], strict=True))
        if n in CATALOG_FACTS
        else n
        for n in CASE_NAMES
    ],
)
def test_sdk_round_trip(name: str, round_trips: dict[str, list[Any]], refs: dict[str, str]) -> None:
    case = next(c for c in cases(refs) if c.name == name)
    steps = iter(round_trips[name])
    create, after_create = next(steps), next(steps)
    assert create["status"] == "success", _show(create)
    assert len(after_create["data"]) == 1, after_create
    assert {k: after_create["data"][0][k] for k in case.created} == case.created
    if case.update is not None:
        update, after_update = next(steps), next(steps)
        assert update["status"] == "success", _show(update)
        assert {k: after_update["data"][0][k] for k in case.updated} == case.updated
    if case.delete is not None:
        delete, after_delete = next(steps), next(steps)
        assert delete["status"] == "success", _show(delete)
        assert after_delete["status"] == "success" and after_delete["data"] == []


def _not_an_object(stem: str) -> bool:
    return any(stem.endswith(suffix) for suffix in NOT_OBJECTS)


def test_every_sdk_object_has_a_round_trip() -> None:
    """Each ``Functions/<Module>/<Object>Create.js`` of the installed SDK is a case above,
    or writes no object of its own (:data:`NOT_OBJECTS`)."""
    functions = JS_PACKAGE.parent / "node_modules" / "@intacct" / "intacct-sdk" / "dist"
    creates = {
        f"{path.parent.name}.{path.name.removesuffix('Create.js')}"
        for path in (functions / "Functions").glob("*/*Create.js")
    }
    assert len(creates) > 50, "the JS SDK's Functions classes were not found"
    covered = {case.sdk for case in cases(dict.fromkeys(REFS, ""))}
    missing = {sdk for sdk in creates - covered if not _not_an_object(sdk.split(".")[1])}
    assert not missing, f"SDK objects without a round trip: {sorted(missing)}"
